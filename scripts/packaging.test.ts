/**
 * What `npm install && npm start` ships: the CLI and server run as compiled JavaScript from dist/ (no TypeScript and
 * no tsx at run time), find their migrations from there, and `npm start` says where the app runs once it answers.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/rapport.js");
const work = mkdtempSync(join(tmpdir(), "rapport-packaging-"));
const run = promisify(execFile);

// A loader hook that refuses any TypeScript file or tsx itself: the compiled build must not need them.
const noTypeScript = join(work, "no-typescript.mjs");
writeFileSync(
  noTypeScript,
  `import { register } from "node:module";
register("data:text/javascript," + encodeURIComponent(\`
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (/\\\\.(ts|tsx|mts|cts)$/.test(new URL(result.url).pathname) || result.url.includes("/node_modules/tsx/")) {
    throw new Error("TypeScript loaded at run time: " + result.url);
  }
  return result;
}\`));
`,
);

/** The embedded database in its own folder; the port comes from the command line, not from the caller's PORT. */
function env(dataDir: string): NodeJS.ProcessEnv {
  const { PORT: _port, ...rest } = process.env;
  return { ...rest, DATABASE_URL: "", RAPPORT_DATA_DIR: dataDir, LOG_LEVEL: "info" };
}

async function rapport(dataDir: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ["--import", noTypeScript, bin, ...args], { cwd: root, env: env(dataDir) });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** Resolves with the first match of `pattern` in the child's output, rejects if it exits first. */
function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const m = seen.match(pattern);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before ${pattern}; output:\n${seen}`));
    });
  });
}

/** SIGTERM, then how it ended: its exit code, or the signal that killed it. */
function stop(child: ChildProcess): Promise<number | string | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? child.signalCode);
    child.once("exit", (code, signal) => resolve(code ?? signal));
    child.kill("SIGTERM");
  });
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      s.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

describe("the compiled build", () => {
  beforeAll(() => {
    // What npm install's prepare step does; a no-op when dist/ is newer than the sources.
    const built = spawnSync(process.execPath, [join(root, "scripts/build.js"), "--if-stale"], { cwd: root, encoding: "utf8" });
    if (built.status !== 0) throw new Error(`build failed:\n${built.stdout}\n${built.stderr}`);
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("refuses TypeScript at run time (the guard the tests below rely on)", async () => {
    const { code, stderr } = await run(process.execPath, ["--import", noTypeScript, "--import", "tsx", join(root, "src/cli/index.ts"), "--help"], {
      cwd: root,
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain("TypeScript loaded at run time");
  });

  it("runs the CLI from dist/ and applies the migrations shipped there", async () => {
    const dataDir = join(work, "cli-data");
    const help = await rapport(dataDir, "--help");
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain("serve");
    const migrated = await rapport(dataDir, "migrate");
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain("Migrations applied (pglite)");
  });

  it("serves the API and the web app from dist/", async () => {
    const server = spawn(process.execPath, ["--import", noTypeScript, bin, "serve", "--port", "0"], { cwd: root, env: env(join(work, "serve-data")) });
    try {
      // A first start migrates a new database from scratch: minutes on a loaded 2-core machine (the wait is for a
      // start that never comes, not a speed limit, which is the benchmarks' business).
      const [, url] = await waitFor(server, /Rapport is running on (http:\/\/localhost:\d+)/, 600_000);
      const health = await fetch(`${url}/api/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: "ok", database: "pglite" });
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
    } finally {
      expect(await stop(server)).toBe(0);
    }
  });

  it("npm start says where Rapport runs once it answers, and stops on SIGTERM", async () => {
    const port = await freePort();
    const start = spawn(process.execPath, [join(root, "scripts/start.js"), "--port", String(port)], { cwd: root, env: env(join(work, "start-data")) });
    try {
      const [line] = await waitFor(start, /Rapport is running at http:\/\/localhost:\d+ \(the embedded database in [^)]+\)/, 600_000);
      expect(line).toContain(`http://localhost:${port}`);
      expect((await fetch(`http://localhost:${port}/api/health`)).status).toBe(200);
    } finally {
      expect(await stop(start)).toBe(0);
    }
    // The server went down with it.
    await expect(fetch(`http://localhost:${port}/api/health`)).rejects.toThrow();
  });

  it("names the Node.js it needs instead of failing obscurely on an old one", () => {
    const res = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import("${new URL("build.js", import.meta.url).href}").then((b) => console.log(b.nodeVersionProblem("20.19.0") ?? "ok", "|", b.nodeVersionProblem("22.11.0") ?? "ok", "|", b.nodeVersionProblem("22.12.0") ?? "ok", "|", b.nodeVersionProblem("24.1.0") ?? "ok"))`,
      ],
      { encoding: "utf8" },
    );
    const [n20, n2211, n2212, n24] = res.stdout.trim().split(" | ");
    expect(n20).toContain("Rapport needs Node.js 22.12 or newer; this is 20.19.0");
    expect(n2211).toContain("this is 22.11.0");
    expect(n2212).toBe("ok");
    expect(n24).toBe("ok");
  });
});
