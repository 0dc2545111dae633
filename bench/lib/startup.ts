// First start: `rapport serve` (bin/rapport.js, as `npm start` runs it, without the web build) on the seeded
// database, timed from spawning the process to the first 200 from /api/health. Includes Node's start-up, tsx
// loading the TypeScript, opening the database (PGlite: loading the WebAssembly and replaying its data folder),
// running migrations and building the app.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolvePromise) => {
    if (child.exitCode !== null) return resolvePromise();
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolvePromise();
    });
    child.kill("SIGTERM");
  });
}

/** Seconds from spawn to a healthy server, once. */
export async function timeStartup(target: { dataDir?: string; databaseUrl?: string }, timeoutMs = 300_000): Promise<number> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", RAPPORT_WEB_DIR: "/nonexistent" };
  if (target.databaseUrl) env.DATABASE_URL = target.databaseUrl;
  else {
    delete env.DATABASE_URL;
    env.RAPPORT_DATA_DIR = target.dataDir;
  }
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [`${root}/bin/rapport.js`, "serve"], { cwd: root, env, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr?.on("data", (d) => {
    err += d;
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rapport serve exited (${child.exitCode}): ${err}`);
      if (Number(process.hrtime.bigint() - started) / 1e6 > timeoutMs) throw new Error("rapport serve did not become healthy in time");
      const ok = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(2000) })
        .then(async (r) => {
          await r.arrayBuffer();
          return r.ok;
        })
        .catch(() => false);
      if (ok) return Number(process.hrtime.bigint() - started) / 1e9;
      await new Promise((r) => setTimeout(r, 25));
    }
  } finally {
    await stop(child);
  }
}
