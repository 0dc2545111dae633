#!/usr/bin/env node
// The `rapport` command: runs the compiled CLI in dist/ (built by `npm install`, `npm run build` or `npm start`), so
// production needs no TypeScript tooling. Contributors run the sources with `npm run rapport -- …` (tsx).
import { existsSync } from "node:fs";
import { isStale, nodeVersionProblem } from "../scripts/build.js";

const problem = nodeVersionProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}
const entry = new URL("../dist/cli/index.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("Rapport is not built yet: run `npm run build` (npm install and npm start build it too).");
  process.exit(1);
}
if (isStale("server")) console.error("Note: src/ has changed since the last build; run `npm run build` to use the changes (npm start rebuilds by itself).");
// Stack traces then name the TypeScript sources, not the compiled lines.
process.setSourceMapsEnabled(true);
await import(entry.href);
