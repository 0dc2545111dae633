// The web app's weight and first render, on the seeded bench workspace.
//
//   npm run bench:web -- --scale 100k                                   # PGlite in bench/.data/pglite-100k
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npm run bench:web -- --db postgres --scale 1m
//
// 1. Builds the production web app (vite.config.ts, with a manifest) into bench/.data/web and reports the
//    gzipped size of what the first page load fetches (entry chunk + its modulepreloads + CSS) and, per route,
//    the extra JS a first visit to it fetches (the route's lazy chunk and the shared chunks it needs that the
//    entry does not). gzip is zlib level 9, as CDNs and `vite build`'s report use.
// 2. Starts the real server on the seeded database serving that build, signs in as the bench admin in
//    headless Chromium (playwright-core, as e2e/ finds it) and times, from navigation start, until the first
//    contact row of /contacts and the first card of the /deals board are in the DOM. Cold = a fresh browser
//    context (empty cache), warm = a reload of the same page. Medians of --runs.
// Writes bench/results/web-<database>-<scale>.json; `npm run bench` puts it into RESULTS.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { startServer } from "../src/server/start.js";
import { loadBackbone, loadRuns, loadWebResults, renderResults, type WebResult } from "./lib/report.js";
import { parseScale, scaleLabel } from "./lib/scale.js";
import { ADMIN_PASSWORD, benchAdminEmail, findBenchWorkspace } from "./seed.js";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(benchDir, "..");
const outDir = join(benchDir, ".data", "web");

interface ManifestEntry {
  file: string;
  src?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

const kb = (n: number) => Math.round((n / 1024) * 10) / 10;
const gz = (file: string) => gzipSync(readFileSync(join(outDir, file)), { level: 9 }).length;
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function buildWeb(): Promise<Record<string, ManifestEntry>> {
  const { build } = await import("vite");
  await build({ configFile: join(root, "vite.config.ts"), logLevel: "warn", build: { outDir, emptyOutDir: true, manifest: true } });
  return JSON.parse(readFileSync(join(outDir, ".vite", "manifest.json"), "utf8")) as Record<string, ManifestEntry>;
}

/** Every chunk a manifest key needs statically (itself and its imports, transitively). */
function closure(manifest: Record<string, ManifestEntry>, key: string, seen = new Set<string>()): Set<string> {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const i of manifest[key]?.imports ?? []) closure(manifest, i, seen);
  return seen;
}

function sizes(manifest: Record<string, ManifestEntry>) {
  const entryKey = Object.keys(manifest).find((k) => manifest[k]?.isEntry);
  if (!entryKey) throw new Error("no entry in the vite manifest");
  const initialKeys = closure(manifest, entryKey);
  const initialFiles = [...initialKeys].map((k) => manifest[k]?.file as string);
  const css = [...new Set([...initialKeys].flatMap((k) => manifest[k]?.css ?? []))];
  const initial = {
    files: [...initialFiles, ...css],
    jsGzipKb: kb(initialFiles.reduce((s, f) => s + gz(f), 0)),
    cssGzipKb: kb(css.reduce((s, f) => s + gz(f), 0)),
    jsRawKb: kb(initialFiles.reduce((s, f) => s + statSync(join(outDir, f)).size, 0)),
  };
  // Routes: the lazy page modules of src/web/app/router.tsx, by the path they are registered under.
  const router = readFileSync(join(root, "src/web/app/router.tsx"), "utf8");
  const routeOf = new Map<string, string>();
  // Within one createRoute({ … }): a route without a page of its own (a redirect) must not take the next one's.
  for (const m of router.matchAll(/path:\s*"([^"]+)",(?:(?!createRoute)[\s\S])*?import\("\.\.\/([^"]+)\.js"\)/g)) {
    const [, path, mod] = m;
    if (path && mod && !routeOf.has(mod)) routeOf.set(mod, path);
  }
  const routes = Object.entries(manifest)
    .filter(([, e]) => e.isDynamicEntry)
    .map(([key]) => {
      const mod = key.replace(/^src\/web\//, "").replace(/\.tsx?$/, "");
      const extra = [...closure(manifest, key)].filter((k) => !initialKeys.has(k));
      return { route: routeOf.get(mod) ?? "", source: key, jsGzipKb: kb(extra.reduce((s, k) => s + gz(manifest[k]?.file as string), 0)), files: extra.length };
    })
    .filter((r) => r.route)
    .sort((a, b) => a.route.localeCompare(b.route));
  const largestChunks = readdirSync(join(outDir, "assets"))
    .filter((f) => f.endsWith(".js"))
    .map((f) => ({ file: `assets/${f}`, gzipKb: kb(gz(`assets/${f}`)), rawKb: kb(statSync(join(outDir, "assets", f)).size) }))
    .sort((a, b) => b.gzipKb - a.gzipKb)
    .slice(0, 8);
  return { initial, routes, largestChunks };
}

function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  for (const dir of (process.env.PATH ?? "").split(delimiter))
    for (const name of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
      const p = join(dir, name);
      if (dir && existsSync(p)) return p;
    }
  throw new Error("Chromium not found: set CHROMIUM_PATH");
}

// Records, in the page, when the first element matching the selector enters the DOM (ms since navigation start).
const observer = (selector: string) => `
  (() => {
    const mark = () => { if (!window.__firstRender && document.querySelector(${JSON.stringify(selector)})) window.__firstRender = performance.now(); };
    new MutationObserver(mark).observe(document, { childList: true, subtree: true });
  })();`;

/** How a page is scrolled once it has rendered: which element, along which axis, by how many pixels a frame. */
interface ScrollPlan {
  scroller: string;
  axis: "x" | "y";
  stepPx: number;
}

const SCROLL_MS = 3_000;

/**
 * Runs in the page: scrolls the element by `stepPx` on every animation frame for `ms` (bouncing at the ends) and
 * resolves to the gaps between frames. A string, like `observer`: tsx would wrap a function's inner closures in
 * helpers that do not exist in the page.
 */
const scrollFrames = (plan: ScrollPlan & { ms: number }) => `
  new Promise((done) => {
    const { scroller, axis, stepPx, ms } = ${JSON.stringify(plan)};
    const el = document.querySelector(scroller);
    if (!el) throw new Error("nothing matches " + scroller);
    const key = axis === "y" ? "scrollTop" : "scrollLeft";
    const gaps = [];
    let scrolledPx = 0, direction = 1, first = 0, last = 0;
    const frame = (t) => {
      if (last) gaps.push(t - last); else first = t;
      last = t;
      const before = el[key];
      el[key] = before + direction * stepPx;
      const moved = Math.abs(el[key] - before);
      if (moved === 0) direction = -direction;
      scrolledPx += moved;
      if (t - first < ms) requestAnimationFrame(frame); else done({ gaps, scrolledPx });
    };
    requestAnimationFrame(frame);
  })`;

async function timeRender(base: string, cookie: { name: string; value: string }, path: string, selector: string, runs: number, scroll: ScrollPlan) {
  const browser = await chromium.launch({
    executablePath: findChromium(),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const coldMs: number[] = [];
  const warmMs: number[] = [];
  const scrolls: { frames: number; dropped: number; frameMs: number; p95FrameMs: number; longestFrameMs: number; scrolledPx: number }[] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-US" });
      await context.addCookies([{ ...cookie, url: base }]);
      await context.addInitScript(observer(selector));
      const page = await context.newPage();
      const firstRender = async () => {
        await page.waitForFunction(() => (window as unknown as { __firstRender?: number }).__firstRender, undefined, { timeout: 60_000 });
        return page.evaluate(() => (window as unknown as { __firstRender: number }).__firstRender);
      };
      await page.goto(`${base}${path}`);
      coldMs.push(await firstRender());
      await page.reload();
      warmMs.push(await firstRender());
      const { gaps, scrolledPx } = (await page.evaluate(scrollFrames({ ...scroll, ms: SCROLL_MS }))) as { gaps: number[]; scrolledPx: number };
      const sorted = [...gaps].sort((a, b) => a - b);
      const frameMs = median(gaps);
      scrolls.push({
        frames: gaps.length,
        dropped: gaps.filter((g) => g > 1.5 * frameMs).length,
        frameMs,
        p95FrameMs: sorted[Math.floor(0.95 * (sorted.length - 1))] ?? 0,
        longestFrameMs: sorted[sorted.length - 1] ?? 0,
        scrolledPx,
      });
      await context.close();
    }
  } finally {
    await browser.close();
  }
  return {
    page: path,
    selector,
    coldMs,
    warmMs,
    coldMedianMs: median(coldMs),
    warmMedianMs: median(warmMs),
    scroll: { ...scroll, ms: SCROLL_MS, runs: scrolls },
  };
}

export async function runWeb(o: { scale: number; kind: "pglite" | "postgres"; dataDir?: string; databaseUrl?: string; runs: number; resultsDir: string }) {
  const label = scaleLabel(o.scale);
  const manifest = await buildWeb();
  const weight = sizes(manifest);
  const server = await startServer({
    ...(o.kind === "postgres" ? { databaseUrl: o.databaseUrl } : { dataDir: resolve(o.dataDir ?? join(benchDir, ".data", `pglite-${label}`)) }),
    port: 0,
    host: "127.0.0.1",
    logLevel: "warn",
    authRateLimit: 1_000_000,
    webDir: outDir,
  });
  try {
    if (!(await findBenchWorkspace(server.database, o.scale))) throw new Error(`no bench workspace at scale ${label}: run the seed first`);
    const base = `http://127.0.0.1:${new URL(server.url).port}`;
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: benchAdminEmail(o.scale), password: ADMIN_PASSWORD }),
    });
    if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const set = res.headers.getSetCookie().map((c) => c.split(";")[0] as string);
    const [name, ...rest] = (set[0] ?? "").split("=");
    if (!name) throw new Error("login set no cookie");
    const cookie = { name, value: rest.join("=") };
    const render = [
      // The contacts list down (rows load page by page as it goes); the board across its stages and back.
      await timeRender(base, cookie, "/contacts", '[data-testid="record-row"]', o.runs, { scroller: '[data-testid="record-table"]', axis: "y", stepPx: 120 }),
      await timeRender(base, cookie, "/deals", '[data-testid="deal-card"]', o.runs, {
        scroller: '[data-testid="deal-board"] .mantine-ScrollArea-viewport',
        axis: "x",
        stepPx: 40,
      }),
    ];
    const browserVersion = await chromium.launch({ executablePath: findChromium(), args: ["--headless", "--no-sandbox"] }).then(async (b) => {
      const v = b.version();
      await b.close();
      return v;
    });
    const result: WebResult = {
      kind: "web",
      database: o.kind,
      scaleLabel: label,
      startedAt: new Date().toISOString(),
      chromium: browserVersion,
      ...weight,
      render,
    };
    mkdirSync(o.resultsDir, { recursive: true });
    writeFileSync(join(o.resultsDir, `web-${o.kind}-${label}.json`), `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    await server.close();
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "100k" },
      db: { type: "string", default: "pglite" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      runs: { type: "string", default: "5" },
      "results-dir": { type: "string" },
      out: { type: "string" },
    },
  });
  const resultsDir = resolve(values["results-dir"] ?? join(benchDir, "results"));
  const r = await runWeb({
    scale: parseScale(values.scale ?? "100k"),
    kind: values.db === "postgres" ? "postgres" : "pglite",
    dataDir: values["data-dir"],
    databaseUrl: values["database-url"] ?? (process.env.BENCH_DATABASE_URL || undefined),
    runs: Number(values.runs),
    resultsDir,
  });
  process.stderr.write(
    `initial JS ${r.initial.jsGzipKb} KB gzipped (${r.initial.jsRawKb} KB raw), CSS ${r.initial.cssGzipKb} KB\n` +
      r.routes.map((x) => `  ${x.route.padEnd(28)} +${x.jsGzipKb} KB`).join("\n") +
      `\n${r.render
        .map(
          (x) =>
            `${x.page}: first render cold ${x.coldMedianMs.toFixed(0)} ms, warm ${x.warmMedianMs.toFixed(0)} ms; scrolling ` +
            (x.scroll?.runs ?? [])
              .map((s) => `${s.dropped}/${s.frames} frames dropped (frame ${s.frameMs.toFixed(1)} ms, longest ${s.longestFrameMs.toFixed(0)} ms)`)
              .join(", "),
        )
        .join("\n")}\n`,
  );
  let notes: string | undefined;
  try {
    notes = readFileSync(join(resultsDir, "NOTES.md"), "utf8");
  } catch {
    notes = undefined;
  }
  writeFileSync(
    resolve(values.out ?? join(benchDir, "RESULTS.md")),
    renderResults(loadRuns(resultsDir), notes, loadWebResults(resultsDir), loadBackbone(resultsDir)),
  );
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
