#!/usr/bin/env node
/**
 * `npm start`: builds whatever is stale (the server and the web app, with progress), starts the server, and says
 * where it runs once it answers. Arguments go to `rapport serve` (e.g. `npm start -- --port 8080`).
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { build, nodeVersionProblem, root, withProgress } from "./build.js";

const problem = nodeVersionProblem();
if (problem) {
  console.error(problem);
  process.exit(1);
}

try {
  await build({ ifStale: true });
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}

const args = process.argv.slice(2);
const portArg = args.findIndex((a) => a === "-p" || a === "--port");
const inline = args.find((a) => a.startsWith("--port="));
const port = Number(inline ? inline.slice("--port=".length) : portArg >= 0 ? args[portArg + 1] : (process.env.PORT ?? 3000));
const url = `http://localhost:${port}`;

const server = spawn(process.execPath, [join(root, "bin/rapport.js"), "serve", ...args], { cwd: root, stdio: "inherit" });
let exited = false;
server.on("exit", (code, signal) => {
  exited = true;
  process.exitCode = code ?? (signal ? 1 : 0);
});
// A terminal's Ctrl+C reaches the server too; a signal sent to this process alone is passed on.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));

/** Health answers once the database is open and migrated and the server listens. */
async function answers() {
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? ((await res.json()).database ?? "") : null;
  } catch {
    return null;
  }
}

// With port 0 the system picks one; the server's own log line names it.
if (port > 0) {
  try {
    const database = await withProgress("Starting Rapport (opening the database, applying migrations)", async () => {
      for (;;) {
        if (exited) throw new Error("the server stopped before it answered (its messages are above)");
        const kind = await answers();
        if (kind !== null) return kind;
        await new Promise((r) => setTimeout(r, 300));
      }
    });
    const where = database === "postgres" ? "PostgreSQL" : `the embedded database in ${process.env.RAPPORT_DATA_DIR ?? "./data"}`;
    console.log(`\nRapport is running at ${url} (${where}). Press Ctrl+C to stop.\n`);
  } catch (err) {
    console.error(`Rapport did not start: ${err instanceof Error ? err.message : String(err)}`);
  }
}
