#!/usr/bin/env node
/**
 * Builds what production runs: the server and CLI as JavaScript in dist/ (tsc, without type checking: that is
 * `npm run typecheck`'s job) and the web app in dist/web (Vite).
 *
 *   node scripts/build.js [server] [web] [--if-stale] [--unless-production]
 *
 * With --if-stale a part is built only when a file it is made from is newer than its last build, so `npm install`
 * (prepare) and `npm start` can call it every time. Concurrent builds (two test workers, npm start beside a test
 * run) wait for each other instead of writing the same files at once. With --unless-production (npm install's prepare
 * step) an install without the dev dependencies (`npm ci --omit=dev` beside a dist/ built elsewhere) skips the build
 * with a note instead of failing the install.
 */
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
const dist = join(root, "dist");
const serverStamp = join(dist, ".server-built");
const webIndex = join(dist, "web", "index.html");
const lockDir = join(dist, ".build-lock");

export const minimumNode = [22, 12];

/** Null when this Node.js can run Rapport, else what to tell the user. */
export function nodeVersionProblem(version = process.versions.node) {
  const [major = 0, minor = 0] = version.split(".").map(Number);
  if (major > minimumNode[0] || (major === minimumNode[0] && minor >= minimumNode[1])) return null;
  return `Rapport needs Node.js ${minimumNode.join(".")} or newer; this is ${version}. Install a current Node.js (22 or 24) from https://nodejs.org.`;
}

/** Newest modification time among the files under `paths` that `keep` accepts (0 when none). */
function newest(paths, keep = () => true) {
  let max = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p)) walk(join(p, e));
    } else if (keep(p)) max = Math.max(max, st.mtimeMs);
  };
  for (const p of paths) walk(p);
  return max;
}

const builtAt = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);

/** The two parts: what each is made from, when it was last built, and how to build it. */
export const parts = {
  server: {
    label: "the server (TypeScript → dist/)",
    sourcesNewest: () =>
      newest([join(root, "src"), join(root, "tsconfig.json"), join(root, "tsconfig.build.json")], (p) => {
        const top = relative(join(root, "src"), p).split(sep)[0];
        return top !== "web" && !p.endsWith(".test.ts");
      }),
    builtAt: () => builtAt(serverStamp),
    build: buildServer,
  },
  web: {
    label: "the web app (Vite → dist/web)",
    sourcesNewest: () =>
      newest(
        [join(root, "src/web"), join(root, "src/contract"), join(root, "vite.config.ts"), join(root, "package-lock.json")],
        (p) => !p.endsWith(".test.ts"),
      ),
    builtAt: () => builtAt(webIndex),
    build: () => run(join(root, "node_modules/vite/bin/vite.js"), ["build", "--logLevel", "warn"]),
  },
};

export function isStale(name) {
  const part = parts[name];
  return part.builtAt() < part.sourcesNewest();
}

function run(script, args) {
  if (!existsSync(script)) {
    return Promise.reject(
      new Error(
        `${relative(root, script)} is missing: building needs the dev dependencies (run \`npm install\` without --omit=dev, or copy a built dist/ here)`,
      ),
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${relative(root, script)} ${args[0] ?? ""} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

async function buildServer() {
  // Everything but the web app and this build's own files: a deleted source must not live on as stale JavaScript.
  if (existsSync(dist)) {
    for (const e of readdirSync(dist)) if (e !== "web" && e !== ".build-lock") rmSync(join(dist, e), { recursive: true, force: true });
  }
  await run(join(root, "node_modules/typescript/bin/tsc"), ["-p", "tsconfig.build.json", "--noCheck"]);
  // Migrations are SQL and JSON, which tsc does not copy; the compiled migrator looks for them beside itself.
  cpSync(join(root, "src/db/migrations"), join(dist, "db/migrations"), { recursive: true });
}

/** Elapsed seconds on one line while `work` runs (a line every 15 s when the output is not a terminal). */
export async function withProgress(label, work, out = process.stdout) {
  const started = Date.now();
  const seconds = () => Math.round((Date.now() - started) / 1000);
  out.write(out.isTTY ? `${label}…` : `${label}…\n`);
  const timer = setInterval(() => {
    if (out.isTTY) out.write(`\r\x1b[K${label}… ${seconds()} s`);
    else if (seconds() % 15 === 0) out.write(`  … ${seconds()} s\n`);
  }, 1000);
  try {
    const result = await work();
    out.write(`${out.isTTY ? "\r\x1b[K" : ""}${label}: done in ${seconds()} s\n`);
    return result;
  } catch (err) {
    if (out.isTTY) out.write("\n");
    throw err;
  } finally {
    clearInterval(timer);
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A directory as a lock (mkdir is atomic); a lock whose process has gone is taken over. */
async function withLock(work) {
  mkdirSync(dist, { recursive: true });
  let waited = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, "pid"), String(process.pid));
      break;
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
      if (lockIsAbandoned()) rmSync(lockDir, { recursive: true, force: true });
      if (!waited) console.log("Waiting for another build of Rapport to finish…");
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** Its process has gone, or it never wrote its pid (killed between mkdir and write) half a minute ago. */
function lockIsAbandoned() {
  try {
    process.kill(Number(readFileSync(join(lockDir, "pid"), "utf8")), 0);
    return false;
  } catch (err) {
    if (err.code === "EPERM") return false;
    if (err.code === "ENOENT") return existsSync(lockDir) && Date.now() - statSync(lockDir).mtimeMs > 30_000;
    return true;
  }
}

/** Builds the named parts (all of them when none), each only if stale when ifStale is set. */
export async function build({ names = Object.keys(parts), ifStale = false } = {}) {
  const problem = nodeVersionProblem();
  if (problem) throw new Error(problem);
  if (ifStale && !names.some(isStale)) return;
  await withLock(async () => {
    for (const name of names) {
      // Checked again inside the lock: another process may have just built it.
      if (ifStale && !isStale(name)) continue;
      const started = Date.now();
      await withProgress(`Building ${parts[name].label}`, parts[name].build);
      // Dated when the build began: a source saved while it ran is newer, so the next check rebuilds.
      const stamp = name === "server" ? serverStamp : webIndex;
      if (name === "server") writeFileSync(serverStamp, "");
      utimesSync(stamp, started / 1000, started / 1000);
    }
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith("--"));
  const unknown = names.filter((n) => !(n in parts));
  if (unknown.length) {
    console.error(`Unknown part ${unknown.join(", ")}: use server and/or web`);
    process.exit(2);
  }
  try {
    if (args.includes("--unless-production") && !existsSync(join(root, "node_modules/typescript"))) {
      console.log("Not building Rapport: the dev dependencies (TypeScript, Vite) are not installed; dist/ is used as it is.");
    } else {
      await build({ names: names.length ? names : undefined, ifStale: args.includes("--if-stale") });
    }
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
