// Results: one JSON file per (database, scale) in bench/results/, and bench/RESULTS.md rebuilt from all of them.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IoResult } from "./io.js";
import type { LoadResult } from "./loader.js";

export interface Target {
  /** Latency bounds in ms. */
  p95?: number;
  p99?: number;
  /** Minimum req/s as a share of the bare baseline's. */
  ratio?: number;
}

export interface ScenarioResult {
  name: string;
  title: string;
  poolSize: number;
  runs: LoadResult[];
  median: { rps: number; p50: number; p95: number; p99: number; non2xx: number; errors: number; requests: number; loadavg: number };
  target?: Target;
  baseline?: string;
  ratio?: number;
}

/** A file task (bench/lib/io.ts): import, COPY of the same file, export. */
export type IoTaskResult = IoResult;

export interface WebResult {
  kind: "web";
  database: "pglite" | "postgres";
  scaleLabel: string;
  startedAt: string;
  chromium: string;
  initial: { files: string[]; jsGzipKb: number; cssGzipKb: number; jsRawKb: number };
  routes: { route: string; source: string; jsGzipKb: number; files: number }[];
  largestChunks: { file: string; gzipKb: number; rawKb: number }[];
  render: {
    page: string;
    selector: string;
    coldMs: number[];
    warmMs: number[];
    coldMedianMs: number;
    warmMedianMs: number;
    /** Absent from results written before scrolling was measured. */
    scroll?: {
      scroller: string;
      axis: "x" | "y";
      stepPx: number;
      ms: number;
      runs: { frames: number; dropped: number; frameMs: number; p95FrameMs: number; longestFrameMs: number; scrolledPx: number }[];
    };
  }[];
}

export interface BenchRun {
  database: { kind: "pglite" | "postgres"; version: string; where: string };
  scale: number;
  scaleLabel: string;
  tables: { table: string; rows: number; bytes: number }[];
  databaseBytes: number | null;
  machine: { node: string; cpu: string; cores: number; memoryGb: number; os: string };
  settings: { connections: number; duration: number; warmup: number; runs: number; auth: string; logLevel: string };
  startedAt: string;
  scenarios: ScenarioResult[];
  /** `rapport serve` from spawn to a healthy /api/health, seconds per attempt. */
  startup?: { seconds: number[]; median: number; target: number; at: string };
  /** Import, COPY and export of a contacts CSV (--only import,export). */
  io?: { file: string; at: string; results: IoTaskResult[] };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export function summarise(runs: LoadResult[]): ScenarioResult["median"] {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p95: median(runs.map((r) => r.p95)),
    p99: median(runs.map((r) => r.p99)),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
    errors: runs.reduce((s, r) => s + r.errors + r.timeouts, 0),
    requests: runs.reduce((s, r) => s + r.requests, 0),
    loadavg: median(runs.map((r) => r.loadavg ?? 0)),
  };
}

/** Whether a scenario meets its target, and by how much it misses. */
export function verdict(s: ScenarioResult, kind: "pglite" | "postgres", baseline?: ScenarioResult): { met: boolean; text: string } | null {
  if (!s.target) return null;
  const t: Target = kind === "pglite" ? { p95: 100 } : s.target;
  if (!t) return null;
  const parts: string[] = [];
  let met = true;
  if (t.p99 !== undefined) {
    const ok = s.median.p99 < t.p99;
    met &&= ok;
    // When the bare handler misses it too, the machine is part of the miss: say so next to it.
    const bareMisses = !ok && baseline !== undefined && baseline.median.p99 >= t.p99 ? `; bare's own p99 ${ms(baseline.median.p99)} ms` : "";
    parts.push(`p99 < ${t.p99} ms: ${ok ? "met" : `missed (${(s.median.p99 / t.p99).toFixed(1)}×${bareMisses})`}`);
  }
  if (t.p95 !== undefined) {
    const ok = s.median.p95 < t.p95;
    met &&= ok;
    const bareMisses = !ok && baseline !== undefined && baseline.median.p95 >= t.p95 ? `; bare's own p95 ${ms(baseline.median.p95)} ms` : "";
    parts.push(`p95 < ${t.p95} ms: ${ok ? "met" : `missed (${(s.median.p95 / t.p95).toFixed(1)}×${bareMisses})`}`);
  }
  if (kind === "postgres" && t.ratio !== undefined && s.ratio !== undefined) {
    const ok = s.ratio >= t.ratio;
    met &&= ok;
    parts.push(`≥ ${Math.round(t.ratio * 100)}% of bare: ${ok ? "met" : `missed (${Math.round(s.ratio * 100)}%)`}`);
  }
  if (s.median.requests === 0) {
    met = false;
    parts.push("no request completed within the run");
  }
  if (s.median.non2xx > 0 || s.median.errors > 0) {
    met = false;
    parts.push(`${s.median.non2xx} non-2xx, ${s.median.errors} errors`);
  }
  return { met, text: parts.join("; ") };
}

export function resultFileName(run: BenchRun): string {
  return `${run.database.kind}-${run.scaleLabel}.json`;
}

/**
 * Writes the run's file, keeping from an earlier file of the same database and scale whatever this run did
 * not measure (a `--only` run replaces only its own scenarios, start-up or file results).
 */
export function saveRun(dir: string, run: BenchRun): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, resultFileName(run));
  let merged = run;
  if (existsSync(file)) {
    const old = JSON.parse(readFileSync(file, "utf8")) as BenchRun;
    const fresh = new Set(run.scenarios.map((s) => s.name));
    const kept = old.scenarios.filter((s) => !fresh.has(s.name));
    // Keep the earlier order, with re-run scenarios in their old place and new ones at the end.
    const order = [...old.scenarios.map((s) => s.name), ...run.scenarios.map((s) => s.name)];
    const scenarios = [...kept, ...run.scenarios].sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
    merged = {
      ...run,
      scenarios,
      settings: run.scenarios.length ? run.settings : old.settings,
      startedAt: run.scenarios.length ? run.startedAt : old.startedAt,
      startup: run.startup ?? old.startup,
      io: run.io
        ? { ...run.io, results: [...(old.io?.results ?? []).filter((r) => !run.io?.results.some((x) => x.task === r.task)), ...run.io.results] }
        : old.io,
    };
  }
  writeFileSync(file, `${JSON.stringify(merged, null, 2)}\n`);
  return file;
}

export function loadWebResults(dir: string): WebResult[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^web-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as WebResult);
}

export function loadRuns(dir: string): BenchRun[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^(pglite|postgres)-.*\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(dir, f), "utf8")) as BenchRun)
    .sort((a, b) => (a.database.kind === b.database.kind ? a.scale - b.scale : a.database.kind === "pglite" ? -1 : 1));
}

const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const int = (x: number) => Math.round(x).toLocaleString("en");
const mb = (b: number) => (b >= 1e9 ? `${(b / 1e9).toFixed(2)} GB` : `${(b / 1e6).toFixed(1)} MB`);

export function renderRun(run: BenchRun): string {
  const lines: string[] = [];
  const dbName = run.database.kind === "pglite" ? "PGlite (embedded)" : "PostgreSQL";
  lines.push(`## ${dbName}, scale ${run.scaleLabel}`);
  lines.push("");
  lines.push("| | |");
  lines.push("|---|---|");
  lines.push(`| database | ${run.database.version.split(" on ")[0]} (${run.database.where}) |`);
  lines.push(`| data (pg_class.reltuples estimates) | ${run.tables.map((t) => `${t.table} ${int(t.rows)}`).join(", ")} |`);
  lines.push(
    `| size on disk | ${run.tables.map((t) => `${t.table} ${mb(t.bytes)}`).join(", ")}${run.databaseBytes ? `; database ${mb(run.databaseBytes)}` : ""} |`,
  );
  lines.push(`| machine | ${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memoryGb} GB RAM, ${run.machine.os} |`);
  lines.push(`| Node.js | ${run.machine.node} |`);
  lines.push(
    `| load | autocannon, ${run.settings.connections} connections, ${run.settings.duration} s per scenario after ${run.settings.warmup} s warm-up, ` +
      `${run.settings.runs} run(s) (medians shown), ${run.settings.auth}, server log level ${run.settings.logLevel} |`,
  );
  lines.push(`| run at | ${run.startedAt} |`);
  lines.push("");
  lines.push("| scenario | what | inputs | req/s | p50 ms | p95 ms | p99 ms | vs bare | non-2xx | load | target |");
  lines.push("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|");
  for (const s of run.scenarios) {
    const v = verdict(
      s,
      run.database.kind,
      run.scenarios.find((b) => b.name === s.baseline),
    );
    const rpsRuns = s.runs.length > 1 ? ` <sub>(${s.runs.map((r) => int(r.rps)).join(" / ")})</sub>` : "";
    lines.push(
      `| \`${s.name}\` | ${s.title} | ${s.poolSize} | ${int(s.median.rps)}${rpsRuns} | ${ms(s.median.p50)} | ${ms(s.median.p95)} | ${ms(s.median.p99)} | ` +
        `${s.ratio === undefined ? "" : `${Math.round(s.ratio * 100)}%`} | ${s.median.non2xx + s.median.errors} | ${s.median.loadavg} | ${v ? `${v.met ? "✅" : "❌"} ${v.text}` : ""} |`,
    );
  }
  if (run.startup) {
    const ok = run.startup.median < run.startup.target;
    lines.push("");
    lines.push(
      `**First start** (\`rapport serve\` from spawn to a healthy \`/api/health\`, ${run.startup.seconds.length} attempts): ` +
        `median ${run.startup.median.toFixed(1)} s (${run.startup.seconds.map((x) => x.toFixed(1)).join(" / ")} s) — ` +
        `${ok ? "✅" : "❌"} target < ${run.startup.target} s${ok ? "" : ` missed (${(run.startup.median / run.startup.target).toFixed(1)}×)`}.`,
    );
  }
  if (run.io?.results.length) {
    const copy = run.io.results.find((r) => r.task === "copy");
    const copyContacts = run.io.results.find((r) => r.task === "copy-contacts");
    const ratio = (r: IoTaskResult, base: IoTaskResult | undefined) =>
      base && r.task === "import" && base.rowsPerSecond > 0 ? `${((r.rowsPerSecond / base.rowsPerSecond) * 100).toFixed(1)}%` : "";
    lines.push("");
    lines.push(`**Files** (\`${run.io.file}\`, each task in its own process; peak RSS is that process's maximum resident set):`);
    lines.push("");
    lines.push("| task | rows | seconds | rows/s | vs COPY | vs COPY → contacts | peak RSS | file | target | |");
    lines.push("|---|--:|--:|--:|--:|--:|--:|--:|---|---|");
    for (const r of run.io.results) {
      const targets: string[] = [];
      if (r.task === "import") {
        targets.push(r.peakRssMb < 500 ? "✅ peak RSS < 500 MB" : `❌ peak RSS < 500 MB missed (${(r.peakRssMb / 500).toFixed(1)}×)`);
        if (copy && copy.rowsPerSecond > 0) {
          const share = r.rowsPerSecond / copy.rowsPerSecond;
          targets.push(share >= 0.5 ? "✅ ≥ 50% of COPY" : `❌ ≥ 50% of COPY missed (${(share * 100).toFixed(1)}%)`);
        }
      }
      lines.push(
        `| ${r.task} | ${int(r.rows)} | ${r.seconds.toFixed(1)} | ${int(r.rowsPerSecond)} | ${ratio(r, copy)} | ${ratio(r, copyContacts)} | ${int(r.peakRssMb)} MB | ${r.fileMb.toFixed(1)} MB | ${targets.join("; ")} | ${r.detail ?? ""} |`,
      );
    }
  }
  const failures = run.scenarios.flatMap((s) => s.runs.flatMap((r) => r.failures.map((f) => `- \`${s.name}\`: ${f.replace(/\n/g, " ")}`)));
  if (failures.length) {
    lines.push("");
    lines.push("Non-2xx answers seen:");
    lines.push(...failures.slice(0, 10));
  }
  lines.push("");
  return lines.join("\n");
}

export function renderWeb(w: WebResult): string {
  const lines = [`## Web app (${w.database === "pglite" ? "PGlite" : "PostgreSQL"}, scale ${w.scaleLabel})`, ""];
  lines.push(
    `Production build (\`vite build\`), gzip -9. **Initial load**: ${w.initial.jsGzipKb} KB of JS gzipped (${w.initial.jsRawKb} KB raw) ` +
      `in ${w.initial.files.filter((f) => f.endsWith(".js")).length} files, plus ${w.initial.cssGzipKb} KB of CSS.`,
  );
  lines.push("");
  lines.push("| route | extra JS on first visit (gzip) | files |");
  lines.push("|---|--:|--:|");
  for (const r of w.routes) lines.push(`| \`${r.route}\` | ${r.jsGzipKb} KB | ${r.files} |`);
  lines.push("");
  lines.push(`Largest chunks: ${w.largestChunks.map((c) => `\`${c.file}\` ${c.gzipKb} KB`).join(", ")}.`);
  lines.push("");
  lines.push(
    `**First render** in headless Chromium ${w.chromium} (signed in as the bench admin; ms from navigation start until the first row/card is in the DOM; ` +
      "cold = fresh browser context, warm = reload; medians, each run in brackets):",
  );
  lines.push("");
  lines.push("| page | waits for | cold ms | warm ms |");
  lines.push("|---|---|--:|--:|");
  for (const r of w.render)
    lines.push(
      `| \`${r.page}\` | \`${r.selector}\` | ${Math.round(r.coldMedianMs)} <sub>(${r.coldMs.map((x) => Math.round(x)).join(" / ")})</sub> | ` +
        `${Math.round(r.warmMedianMs)} <sub>(${r.warmMs.map((x) => Math.round(x)).join(" / ")})</sub> |`,
    );
  lines.push("");
  const scrolled = w.render.filter((r) => r.scroll && r.scroll.runs.length > 0);
  if (scrolled.length > 0) {
    lines.push(
      "**Scrolling** after the warm render: the page's scroller moved by a fixed step on every animation frame; a frame " +
        "that took more than 1.5 display intervals (the median gap between frames) is a dropped one. Each run's figure, separated by slashes.",
    );
    lines.push("");
    lines.push("| page | scroller | dropped frames | frame ms | p95 frame ms | longest frame ms | scrolled px |");
    lines.push("|---|---|--:|--:|--:|--:|--:|");
    for (const r of scrolled) {
      const s = r.scroll as NonNullable<typeof r.scroll>;
      const each = (f: (x: (typeof s.runs)[number]) => string) => s.runs.map(f).join(" / ");
      lines.push(
        `| \`${r.page}\` | \`${s.scroller}\`, ${s.axis}, ${s.stepPx} px a frame for ${s.ms / 1000} s | ${each((x) => `${x.dropped} of ${x.frames}`)} | ` +
          `${each((x) => x.frameMs.toFixed(1))} | ${each((x) => x.p95FrameMs.toFixed(1))} | ${each((x) => Math.round(x.longestFrameMs).toString())} | ${each((x) => Math.round(x.scrolledPx).toLocaleString("en"))} |`,
      );
    }
    lines.push("");
  }
  lines.push(`Run at ${w.startedAt}.`, "");
  return lines.join("\n");
}

/** The backbone section (bench/backbone.ts writes it to results/backbone.md), kept by every rebuild of RESULTS.md. */
export function loadBackbone(dir: string): string | undefined {
  const path = join(dir, "backbone.md");
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

export function renderResults(runs: BenchRun[], notes?: string, web: WebResult[] = [], backbone?: string): string {
  const out = [
    "# Rapport benchmark results",
    "",
    "Written by `npm run bench` (bench/run.ts) from the JSON files in `bench/results/`; the notes at the end come from",
    "`bench/results/NOTES.md`. Latencies are measured by the load generator (a separate process) per request, from",
    "sending to the last byte; req/s is completed requests ÷ seconds. Targets: on PostgreSQL, get/list/create/update",
    "p99 < 25 ms and get/list/create/update ≥ 80% of the bare-handler req/s, reports and forecast p95 < 300 ms, search/typeahead p95 < 100 ms, record-page timeline",
    "p95 < 50 ms; on PGlite every scenario p95 < 100 ms. `bare.*` rows are the baseline: a plain Fastify handler running",
    "the same SQL on the same connection, without our auth, validation, Drizzle or serialisation; each runs right",
    "before the scenario it is compared with. `load` is the machine's 1-minute load average during the run (2 cores:",
    "above 2, other processes were competing). Outside the HTTP loop: first start of `rapport serve` (target for",
    "embedded at 100k: < 10 s), CSV import of contacts against `COPY` of the same file into a text table (targets at 1m",
    "rows: ≥ 50% of its rows/s, peak RSS < 500 MB) and against `copy-contacts` (that COPY, then one INSERT … SELECT into",
    "the contacts table with its indexes and triggers: what the database alone needs to store the rows there), CSV",
    "export, and the web app's bundle sizes and first render (bench/README.md says how each is measured).",
    "",
  ];
  for (const r of runs) out.push(renderRun(r));
  for (const w of web) out.push(renderWeb(w));
  if (backbone?.trim()) out.push(backbone.trim(), "");
  if (notes?.trim()) out.push(notes.trim(), "");
  return out.join("\n");
}
