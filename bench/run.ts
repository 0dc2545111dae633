// The benchmark: the real server (startServer) on a seeded workspace, driven over HTTP by autocannon.
//
//   npm run bench -- --scale 100k                          # PGlite in bench/.data/pglite-100k (seeded if missing)
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npm run bench -- --db postgres --scale 1m
//   npm run bench -- --only search,contacts.get --duration 5 --connections 10 --runs 3
//
// Writes bench/results/<database>-<scale>.json and rebuilds bench/RESULTS.md from every results file.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, platform, release, tmpdir, totalmem } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { Ctx } from "../src/core/context.js";
import { type Database, openDatabase } from "../src/db/client.js";
import { createApiKey, revokeApiKey } from "../src/modules/api-keys/service.js";
import { type RunningServer, startServer } from "../src/server/start.js";
import { startBare } from "./lib/bare.js";
import { queryOnce, tableStats } from "./lib/db.js";
import type { IoSpec } from "./lib/io.js";
import type { LoadResult, LoadSpec, PoolRequest } from "./lib/loader.js";
import {
  type BenchRun,
  type IoTaskResult,
  loadBackbone,
  loadRuns,
  loadWebResults,
  renderResults,
  type ScenarioResult,
  saveRun,
  summarise,
  type Target,
} from "./lib/report.js";
import { parseScale, scaleLabel } from "./lib/scale.js";
import { timeStartup } from "./lib/startup.js";
import { findBenchWorkspace, plan, seed } from "./seed.js";
import { runWeb } from "./web.js";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const loaderPath = join(benchDir, "lib", "loader.ts");
const ioPath = join(benchDir, "lib", "io.ts");

/**
 * Tasks outside the HTTP loop, run only when named in --only (startup also runs by default, it is cheap):
 * startup (first start of `rapport serve`), import (CSV import of contacts, with copy and copy-contacts for its
 * ratios), copy (COPY of the same file into a text table), copy-contacts (that COPY, then one INSERT … SELECT into the
 * contacts table), export (CSV export of the bench workspace), web (bundle sizes and first render: bench/web.ts).
 */
const EXTRA_TASKS = ["startup", "import", "copy", "copy-contacts", "export", "web"] as const;
type ExtraTask = (typeof EXTRA_TASKS)[number];

export interface BenchOptions {
  scale: number;
  databases: ("pglite" | "postgres")[];
  /** PGlite folder; default bench/.data/pglite-<scale>. */
  dataDir?: string;
  /** PostgreSQL URL for the postgres run. */
  databaseUrl?: string;
  duration: number;
  warmup: number;
  connections: number;
  runs: number;
  /** Scenario names or prefixes (search → search.typo, search.typeahead). */
  only?: string[];
  resultsDir: string;
  out: string;
  logLevel?: string;
  quiet?: boolean;
  /** Rows in the CSV of the import/export tasks; default min(scale, 1m). */
  importRows?: number;
  /** Attempts of the first-start measurement. */
  startupRuns?: number;
}

interface Scenario {
  name: string;
  title: string;
  pool: PoolRequest[];
  target?: Target;
  /** A bare.* scenario this one's req/s is compared with. */
  baseline?: string;
  bare?: boolean;
}

// ---- deterministic choices ----

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pickOf =
  (r: () => number) =>
  <T>(xs: T[]): T =>
    xs[Math.floor(r() * xs.length)] as T;

/** A typical one-letter typo: swapped, dropped, doubled or replaced letter (never the first). */
export function misspell(name: string, r: () => number): string {
  const cs = Array.from(name);
  if (cs.length < 4) return name;
  const i = 1 + Math.floor(r() * (cs.length - 2));
  const op = Math.floor(r() * 4);
  if (op === 0) [cs[i], cs[i + 1]] = [cs[i + 1] as string, cs[i] as string];
  else if (op === 1) cs.splice(i, 1);
  else if (op === 2) cs.splice(i, 0, cs[i] as string);
  else {
    const c = cs[i] as string;
    const swaps: Record<string, string> = { a: "e", e: "a", i: "y", y: "i", o: "u", u: "o", c: "k", k: "c", s: "z", z: "s", n: "m", m: "n" };
    cs[i] = swaps[c.toLowerCase()] ?? (c === "r" ? "l" : "r");
  }
  return cs.join("");
}

const q = (params: Record<string, string | number | undefined>) =>
  Object.entries(params)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join("&");

// ---- inputs, drawn from the seeded data ----

interface Inputs {
  contacts: { id: string; first: string; last: string; phone: string | null; country: string | null }[];
  companies: { id: string; name: string }[];
  busy: string[];
  owners: string[];
  /** Pipelines with their open stages (in order); empty for data seeded before deals existed. */
  pipelines: { id: string; openStages: string[] }[];
  /** Open deals to move between open stages. */
  deals: { id: string; pipelineId: string }[];
  teams: string[];
  /** Quarters and months the seeded deals span (the last data year), for the forecast. */
  periods: string[];
}

async function collectInputs(database: Database, workspaceId: string, scale: number): Promise<Inputs> {
  const want = 2000;
  const pct = Math.min(100, ((want * 3) / scale) * 100);
  const contacts = await queryOnce<{ id: string; first: string; last: string; phone: string | null; country: string | null }>(
    database,
    `select id, first_name as first, last_name as last, primary_phone as phone, address ->> 'country' as country
       from contacts tablesample bernoulli (${pct}) repeatable (42)
      where workspace_id = $1 and deleted_at is null limit ${want}`,
    [workspaceId],
  );
  const companies = await queryOnce<{ id: string; name: string }>(
    database,
    `select id, name from companies tablesample bernoulli (${Math.min(100, pct * 5)}) repeatable (42)
      where workspace_id = $1 and deleted_at is null limit 500`,
    [workspaceId],
  );
  // The seed's busy companies are its oldest ones.
  const busy = await queryOnce<{ id: string }>(database, `select id from companies where workspace_id = $1 order by created_at, id limit $2`, [
    workspaceId,
    plan(scale).busy,
  ]);
  const owners = await queryOnce<{ id: string }>(database, `select id from users where workspace_id = $1 and role <> 'read_only' order by id`, [workspaceId]);
  const stages = await queryOnce<{ pipeline_id: string; id: string }>(
    database,
    `select s.pipeline_id, s.id from pipeline_stages s join pipelines p on p.workspace_id = s.workspace_id and p.id = s.pipeline_id
      where s.workspace_id = $1 and s.type = 'open' order by p.position, s.position`,
    [workspaceId],
  );
  const pipelines: Inputs["pipelines"] = [];
  for (const st of stages) {
    const pl = pipelines.find((x) => x.id === st.pipeline_id) ?? pipelines[pipelines.push({ id: st.pipeline_id, openStages: [] }) - 1];
    pl?.openStages.push(st.id);
  }
  const deals = await queryOnce<{ id: string; pipelineId: string }>(
    database,
    `select id, pipeline_id as "pipelineId" from deals tablesample bernoulli (${Math.min(100, pct * 4)}) repeatable (42)
      where workspace_id = $1 and status = 'open' and deleted_at is null limit 500`,
    [workspaceId],
  );
  const teams = await queryOnce<{ id: string }>(database, `select id from teams where workspace_id = $1 order by id`, [workspaceId]);
  // The seed's deals close until the end of September 2025: forecast its last quarters and months.
  const periods = ["2025-Q1", "2025-Q2", "2025-Q3", "2024-Q4", "2025-03", "2025-06", "2025-08", "2025-09"];
  return { contacts, companies, busy: busy.map((b) => b.id), owners: owners.map((o) => o.id), pipelines, deals, teams: teams.map((t) => t.id), periods };
}

/** Real cursors: follow nextCursor from a few first pages, over HTTP like a client. */
async function collectCursors(base: string, headers: Record<string, string>, firstPages: string[], pages: number): Promise<string[]> {
  const out: string[] = [];
  for (const first of firstPages) {
    let url = first;
    for (let p = 0; p < pages; p++) {
      const res = await fetch(`${base}${url}`, { headers });
      if (!res.ok) throw new Error(`collecting cursors: ${res.status} for ${url}: ${await res.text()}`);
      const body = (await res.json()) as { nextCursor: string | null };
      if (!body.nextCursor) break;
      url = `${first}&cursor=${encodeURIComponent(body.nextCursor)}`;
      out.push(url);
    }
  }
  return out;
}

const STAGES = ["subscriber", "lead", "marketing_qualified", "sales_qualified", "opportunity", "customer", "evangelist", "other"];
const JOBS = ["Head of Sales", "Buyer", "Account Manager", "COO", "Data Engineer", "Directrice financière", "Einkäufer", "営業マネージャー"];

function buildScenarios(inputs: Inputs, cursors: string[]): Scenario[] {
  const r = rng(7);
  const pick = pickOf(r);
  const api = "/api/v1";
  const ids = inputs.contacts.map((c) => c.id);
  const limits = Array.from({ length: 51 }, (_, i) => 10 + i);
  const named = inputs.contacts.filter((c) => c.last);
  const searchTerms = Array.from({ length: 600 }, () => {
    const c = pick(named);
    const form = r();
    if (form < 0.5) return Array.from(c.last).length >= 5 ? misspell(c.last, r) : `${c.first} ${misspell(c.last, r)}`;
    if (form < 0.8) return `${c.first} ${misspell(c.last, r)}`;
    const co = pick(inputs.companies);
    const [w, ...rest] = co.name.split(" ");
    return [misspell(w ?? co.name, r), ...rest].join(" ");
  });
  const prefixes = Array.from({ length: 600 }, () => {
    const src = r() < 0.75 ? pick(named).last : pick(inputs.companies).name;
    const cs = Array.from(src.toLowerCase());
    return cs.slice(0, Math.min(cs.length, 2 + Math.floor(r() * 3))).join("");
  }).filter((p) => p.trim().length >= 2);
  const owners = inputs.owners.length ? inputs.owners : [undefined];
  const withPhone = inputs.contacts.filter((c) => c.phone);
  let n = 0;
  const createBodies = Array.from({ length: 1000 }, () => {
    const c = pick(inputs.contacts);
    const other = pick(inputs.contacts);
    n++;
    const local = [c.first, other.last, String(n)]
      .map((x) => x.toLowerCase().replace(/[^a-z0-9]/g, ""))
      .filter(Boolean)
      .join(".");
    const phone = withPhone.length && r() < 0.7 ? pick(withPhone).phone : undefined;
    return {
      firstName: c.first,
      lastName: other.last,
      emails: [{ email: `${local}@bench-created.example` }],
      ...(phone ? { phones: [{ phone }] } : {}),
      ...(r() < 0.8 && inputs.companies.length ? { companyId: pick(inputs.companies).id } : {}),
      ...(r() < 0.7 ? { ownerId: pick(owners) } : {}),
      lifecycleStage: pick(STAGES),
      jobTitle: pick(JOBS),
      ...(c.country ? { address: { country: c.country } } : {}),
      tags: r() < 0.3 ? ["bench"] : [],
    };
  });
  const patchBodies = Array.from({ length: 1000 }, (_, i) => {
    switch (i % 5) {
      case 0:
        return { jobTitle: `${pick(JOBS)} ${i}` };
      case 1:
        return { lifecycleStage: pick(STAGES) };
      case 2:
        return { tags: r() < 0.5 ? ["vip", `bench-${i % 7}`] : [] };
      case 3:
        return { ownerId: pick(owners) };
      default:
        return { lifecycleStage: pick(STAGES), jobTitle: pick(JOBS), emailConsent: r() < 0.5 };
    }
  });
  const listTarget = { p99: 25, ratio: 0.8 };
  return [
    {
      name: "contacts.get",
      title: "GET /contacts/:id (random contacts)",
      pool: ids.map((id) => ({ method: "GET", path: `${api}/contacts/${id}` })),
      target: listTarget,
      baseline: "bare.get",
    },
    {
      name: "contacts.list.recent",
      title: "first page, sort=-createdAt, limit 10–60",
      pool: limits.map((l) => ({ method: "GET", path: `${api}/contacts?${q({ limit: l, sort: "-createdAt" })}` })),
      target: listTarget,
      baseline: "bare.list",
    },
    {
      name: "contacts.list.filtered",
      title: "first page, ownerId=<user>&lifecycleStage=<stage>",
      pool: owners.flatMap((o) => STAGES.map((s) => ({ method: "GET" as const, path: `${api}/contacts?${q({ ownerId: o, lifecycleStage: s, limit: 50 })}` }))),
      target: { p99: 25 },
    },
    {
      name: "contacts.list.by_last_name",
      title: "first page, sort=lastName, limit 10–60",
      pool: limits.map((l) => ({ method: "GET", path: `${api}/contacts?${q({ limit: l, sort: "lastName" })}` })),
      target: { p99: 25 },
    },
    {
      name: "contacts.list.next_pages",
      title: "pages 2–30 by real cursors (the three orders above)",
      pool: cursors.map((path) => ({ method: "GET", path })),
      target: { p99: 25 },
    },
    {
      name: "companies.timeline.busy",
      title: "record page: a busy company's timeline, first page",
      pool: inputs.busy.flatMap((id) => [20, 25, 30, 40, 50].map((l) => ({ method: "GET" as const, path: `${api}/companies/${id}/timeline?limit=${l}` }))),
      target: { p95: 50 },
    },
    {
      name: "search.typo",
      title: "GET /search, misspelled names from the data",
      pool: searchTerms.map((t) => ({ method: "GET", path: `${api}/search?${q({ q: t, limit: 10 })}` })),
      target: { p95: 100 },
    },
    {
      name: "search.typeahead",
      title: "GET /search, 2–4 letter prefixes",
      pool: prefixes.map((t) => ({ method: "GET", path: `${api}/search?${q({ q: t, limit: 8 })}` })),
      target: { p95: 100 },
    },
    {
      name: "contacts.create",
      title: "POST /contacts (email, phone, company, owner)",
      pool: createBodies.map((body) => ({ method: "POST", path: `${api}/contacts`, body })),
      target: listTarget,
      baseline: "bare.create",
    },
    {
      name: "contacts.update",
      title: "PATCH /contacts/:id (one to three fields)",
      pool: patchBodies.map((body, i) => ({ method: "PATCH", path: `${api}/contacts/${ids[i % ids.length]}`, body })),
      target: listTarget,
      baseline: "bare.update",
    },
    {
      name: "deals.board",
      title: "kanban board of one pipeline: every stage's first cards, count and totals",
      pool: inputs.pipelines.flatMap((pl) => [10, 20, 25, 30].map((l) => ({ method: "GET" as const, path: `${api}/pipelines/${pl.id}/board?limit=${l}` }))),
      target: { p95: 100 },
    },
    {
      name: "deals.move",
      title: "POST /deals/:id/stage (open deals between open stages, with history)",
      pool: [0, 1, 2]
        .flatMap((k) =>
          inputs.deals.map((d) => {
            const stages = inputs.pipelines.find((pl) => pl.id === d.pipelineId)?.openStages ?? [];
            return {
              method: "POST" as const,
              path: `${api}/deals/${d.id}/stage`,
              body: { stageId: stages[(k + d.id.charCodeAt(35)) % Math.max(1, stages.length)] },
            };
          }),
        )
        .filter((x) => x.body.stageId),
      target: { p99: 25 },
    },
    {
      name: "reports.pipeline",
      title: "GET /reports/pipeline: per stage count, amount, weighted; conversion and time in stage over a quarter",
      pool: inputs.pipelines.flatMap((pl) =>
        [
          ["2025-07-01", "2025-10-01"],
          ["2025-04-01", "2025-07-01"],
          ["2025-01-01", "2025-04-01"],
        ].map(([from, to]) => ({ method: "GET" as const, path: `${api}/reports/pipeline?${q({ pipelineId: pl.id, from, to })}` })),
      ),
      target: { p95: 300 },
    },
    {
      name: "forecast.owner",
      title: "GET /forecast per owner: won, commit, best case, weighted vs quota (quarters and months)",
      pool: inputs.pipelines.length
        ? inputs.periods.flatMap((period) =>
            [undefined, ...inputs.pipelines.map((pl) => pl.id)].map((pipelineId) => ({
              method: "GET" as const,
              path: `${api}/forecast?${q({ period, pipelineId })}`,
            })),
          )
        : [],
      target: { p95: 300 },
    },
    {
      name: "forecast.team",
      title: "GET /forecast?groupBy=team, and one team's members",
      pool: inputs.pipelines.length
        ? inputs.periods.flatMap((period) => [
            { method: "GET" as const, path: `${api}/forecast?${q({ period, groupBy: "team" })}` },
            ...inputs.teams.map((teamId) => ({ method: "GET" as const, path: `${api}/forecast?${q({ period, teamId })}` })),
          ])
        : [],
      target: { p95: 300 },
    },
    {
      name: "bare.get",
      title: "baseline: bare Fastify handler, same SQL as get-by-id",
      pool: ids.map((id) => ({ method: "GET", path: `/bare/contacts/${id}` })),
      bare: true,
    },
    {
      name: "bare.list",
      title: "baseline: bare Fastify handler, same SQL as the first list page",
      pool: limits.map((l) => ({ method: "GET", path: `/bare/contacts?limit=${l}` })),
      bare: true,
    },
    {
      name: "bare.create",
      title: "baseline: bare Fastify handler, the insert, history and outbox writes of a create in one transaction",
      pool: createBodies.map((body) => ({
        method: "POST",
        path: "/bare/contacts",
        body: { ...body, emails: body.emails.map((e) => ({ email: e.email.replace("@", ".bare@") })) },
      })),
      bare: true,
    },
    {
      name: "bare.update",
      title: "baseline: bare Fastify handler, read + update, history and outbox writes of a patch in one transaction",
      pool: patchBodies.map((body, i) => ({ method: "PATCH", path: `/bare/contacts/${ids[(i + 500) % ids.length]}`, body })),
      bare: true,
    },
  ];
}

// ---- running ----

/** Runs a bench script in its own process with a JSON spec file; its last stdout line is the JSON result. */
function runChild<T>(script: string, spec: unknown, what: string): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "rapport-bench-"));
  const file = join(dir, "spec.json");
  writeFileSync(file, JSON.stringify(spec));
  return new Promise((resolvePromise, reject) => {
    // BENCH_CPU_PROF=<dir>: each child (load generator, import, export) writes a V8 CPU profile there.
    const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROF] : [];
    const child = spawn(process.execPath, [...profile, "--import", "tsx", script, file], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (code) => {
      rmSync(dir, { recursive: true, force: true });
      if (code !== 0) return reject(new Error(`${what} failed (${code}): ${err}`));
      try {
        resolvePromise(JSON.parse(out.trim().split("\n").pop() ?? "") as T);
      } catch (e) {
        reject(new Error(`${what} output: ${out} ${err} ${String(e)}`));
      }
    });
  });
}

const runLoader = (spec: LoadSpec) => runChild<LoadResult>(loaderPath, spec, "load generator");

/**
 * Requests still queued when the load generator stops keep the database busy (PGlite runs one query at a
 * time, a pool queues): wait until a health check — a query of its own — gets through before the next scenario.
 */
async function drain(base: string): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(300_000) });
    await res.arrayBuffer();
  }
}

const matches = (name: string, only?: string[]) => !only?.length || only.some((o) => name === o || name.startsWith(`${o}.`) || name.startsWith(o));

async function benchOne(kind: "pglite" | "postgres", o: BenchOptions, log: (s: string) => void): Promise<BenchRun> {
  const label = scaleLabel(o.scale);
  const dataDir = resolve(o.dataDir ?? join(benchDir, ".data", `pglite-${label}`));
  const where = kind === "pglite" ? dataDir : (o.databaseUrl ?? "").replace(/\/\/[^@/]*@/, "//…@");
  log(`\n== ${kind} scale ${label} (${where})`);
  const server: RunningServer = await startServer({
    ...(kind === "postgres" ? { databaseUrl: o.databaseUrl } : { dataDir }),
    port: 0,
    host: "127.0.0.1",
    logLevel: o.logLevel ?? "warn",
    authRateLimit: 1_000_000,
    // API only: no built web app (and buildApp cannot register dist/web today: see the report).
    webDir: join(benchDir, ".data", "no-web"),
  });
  const database = server.database;
  let bare: Awaited<ReturnType<typeof startBare>> | undefined;
  let keyId: string | undefined;
  let ctx: Ctx | undefined;
  try {
    if (!(await findBenchWorkspace(database, o.scale))) {
      log(`Seeding scale ${label} first…`);
      await seed({ scale: o.scale, quiet: o.quiet }, database);
    }
    const ws = await findBenchWorkspace(database, o.scale);
    if (!ws) throw new Error("bench workspace missing after seeding");
    ctx = { db: database.db, workspaceId: ws.workspaceId, actor: { kind: "user", userId: ws.adminUserId, role: "admin" } };
    const key = await createApiKey(ctx, { name: `bench ${new Date().toISOString()}`, role: "admin" });
    keyId = key.id;
    const headers = { authorization: `Bearer ${key.key}` };
    const base = `http://127.0.0.1:${new URL(server.url).port}`;

    const inputs = await collectInputs(database, ws.workspaceId, o.scale);
    const firstPages = [
      "/api/v1/contacts?limit=50&sort=-createdAt",
      "/api/v1/contacts?limit=50&sort=lastName",
      ...inputs.owners.slice(0, 3).map((owner) => `/api/v1/contacts?limit=50&ownerId=${owner}&lifecycleStage=lead`),
    ];
    const cursors = await collectCursors(base, headers, firstPages, 29);
    const built = buildScenarios(inputs, cursors).filter((s) => s.pool.length > 0);
    // Each baseline runs right before the scenario compared with it, so both see the same machine noise.
    const scenarios = built
      .filter((s) => !s.bare)
      .flatMap((s) => [...built.filter((b) => b.bare && b.name === s.baseline), s])
      .concat(built.filter((b) => b.bare && !built.some((s) => s.baseline === b.name)));
    const selected = scenarios.filter((s) => matches(s.name, o.only) || (s.bare && scenarios.some((x) => x.baseline === s.name && matches(x.name, o.only))));
    if (selected.some((s) => s.bare)) bare = await startBare(database, ws.workspaceId);

    const results = new Map<string, LoadResult[]>();
    for (let run = 1; run <= o.runs; run++) {
      for (const s of selected) {
        const url = s.bare ? (bare?.url as string) : base;
        const spec = { url, connections: o.connections, duration: o.duration, warmup: 0, headers: s.bare ? {} : headers, pool: s.pool };
        if (o.warmup > 0) {
          // Warm-up in its own run, then drain, so its backlog does not leak into the measured window.
          await runLoader({ ...spec, duration: o.warmup, start: Math.floor(s.pool.length / 2) });
          await drain(base);
        }
        const load1 = loadavg()[0] ?? 0;
        const r = await runLoader(spec);
        r.loadavg = Math.round(((load1 + (loadavg()[0] ?? 0)) / 2) * 10) / 10;
        await drain(base);
        results.set(s.name, [...(results.get(s.name) ?? []), r]);
        log(
          `${o.runs > 1 ? `[${run}/${o.runs}] ` : ""}${s.name.padEnd(28)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)}  p95 ${r.p95.toFixed(1)}  p99 ${r.p99.toFixed(1)} ms  load ${r.loadavg}` +
            `${r.non2xx || r.errors ? `  non-2xx ${r.non2xx} errors ${r.errors}  ${r.failures[0] ?? ""}` : ""}`,
        );
      }
    }
    const scenarioResults: ScenarioResult[] = selected.map((s) => ({
      name: s.name,
      title: s.title,
      poolSize: s.pool.length,
      runs: results.get(s.name) ?? [],
      median: summarise(results.get(s.name) ?? []),
      target: s.target,
      baseline: s.baseline,
    }));
    for (const s of scenarioResults) {
      const b = scenarioResults.find((x) => x.name === s.baseline);
      if (b && b.median.rps > 0) s.ratio = s.median.rps / b.median.rps;
    }
    return { ...(await runHeader(database, kind, o, dataDir)), scenarios: scenarioResults };
  } finally {
    if (keyId && ctx) await revokeApiKey(ctx, keyId).catch(() => {});
    await bare?.app.close();
    await server.close();
  }
}

const runIoTask = (spec: IoSpec) => runChild<IoTaskResult>(ioPath, spec, spec.task);

/** bench/.data/contacts-<rows>.csv, written by import-contacts-gen.ts when missing. */
async function contactsCsv(rows: number): Promise<string> {
  const file = join(benchDir, ".data", `contacts-${scaleLabel(rows)}.csv`);
  if (existsSync(file)) return file;
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(benchDir, "import-contacts-gen.ts"), tmp, String(rows)], { stdio: "ignore" });
    child.on("close", (code) => (code === 0 ? resolvePromise() : reject(new Error(`import-contacts-gen.ts failed (${code})`))));
  });
  renameSync(tmp, file);
  return file;
}

/** Start-up and file tasks: after the HTTP run, with no server holding the database (PGlite allows one process). */
async function benchExtras(kind: "pglite" | "postgres", o: BenchOptions, tasks: Set<ExtraTask>, log: (s: string) => void): Promise<Partial<BenchRun>> {
  const label = scaleLabel(o.scale);
  const dataDir = resolve(o.dataDir ?? join(benchDir, ".data", `pglite-${label}`));
  const target = kind === "postgres" ? { databaseUrl: o.databaseUrl } : { dataDir };
  const out: Partial<BenchRun> = {};
  if (tasks.has("startup")) {
    if (kind === "pglite" && !existsSync(dataDir)) throw new Error(`startup: ${dataDir} is not seeded`);
    const seconds: number[] = [];
    for (let i = 0; i < (o.startupRuns ?? 3); i++) {
      seconds.push(await timeStartup(target));
      log(`startup ${i + 1}: ${seconds[seconds.length - 1]?.toFixed(2)} s`);
    }
    const sorted = [...seconds].sort((a, b) => a - b);
    out.startup = { seconds, median: sorted[Math.floor(sorted.length / 2)] as number, target: 10, at: new Date().toISOString() };
  }
  const fileTasks = (["copy", "copy-contacts", "import", "export"] as const).filter((t) => tasks.has(t));
  if (fileTasks.length) {
    const rows = o.importRows ?? Math.min(o.scale, 1_000_000);
    const file = await contactsCsv(rows);
    let workspaceId: string | undefined;
    if (tasks.has("export")) {
      const database = await openDatabase({ url: target.databaseUrl, dataDir: target.databaseUrl ? undefined : dataDir });
      try {
        workspaceId = (await findBenchWorkspace(database, o.scale))?.workspaceId;
      } finally {
        await database.close();
      }
      if (!workspaceId) throw new Error("export: no bench workspace (seed first)");
    }
    const results: IoTaskResult[] = [];
    for (const task of fileTasks) {
      const spec: IoSpec = { task, ...target, file: task === "export" ? join(benchDir, ".data", `export-${kind}-${label}.csv`) : file, workspaceId };
      const r = await runIoTask(spec);
      log(
        `${task.padEnd(8)} ${r.rows} rows in ${r.seconds.toFixed(1)} s = ${Math.round(r.rowsPerSecond)} rows/s, peak RSS ${r.peakRssMb} MB${r.detail ? `  ${r.detail}` : ""}`,
      );
      results.push(r);
    }
    out.io = { file: `contacts CSV, ${rows.toLocaleString("en")} rows (bench/import-contacts-gen.ts)`, at: new Date().toISOString(), results };
  }
  return out;
}

export async function runBench(o: BenchOptions): Promise<BenchRun[]> {
  const log = (s: string) => {
    if (!o.quiet) process.stderr.write(`${s}\n`);
  };
  const isExtra = (x: string): x is ExtraTask => (EXTRA_TASKS as readonly string[]).includes(x);
  const httpOnly = o.only?.filter((x) => !isExtra(x));
  const runHttp = !o.only?.length || (httpOnly?.length ?? 0) > 0;
  const extras = new Set<ExtraTask>(o.only?.length ? o.only.filter(isExtra) : ["startup"]);
  // The import's yardsticks: COPY of the same file, and COPY then a set-based insert into the contacts table.
  if (extras.has("import")) {
    extras.add("copy");
    extras.add("copy-contacts");
  }
  const runs: BenchRun[] = [];
  for (const kind of o.databases) {
    if (kind === "postgres" && !o.databaseUrl) throw new Error("The postgres run needs BENCH_DATABASE_URL (or --database-url)");
    let run: BenchRun | undefined;
    if (runHttp) run = await benchOne(kind, { ...o, only: httpOnly }, log);
    const extra = await benchExtras(kind, o, extras, log);
    if (extras.has("web")) {
      log("web: build, bundle sizes and first render in Chromium");
      await runWeb({ scale: o.scale, kind, dataDir: o.dataDir, databaseUrl: o.databaseUrl, runs: 5, resultsDir: o.resultsDir });
    }
    if (run || extra.startup || extra.io) {
      const base: BenchRun = run ?? (await describeOnly(kind, o));
      const full = { ...base, ...extra };
      saveRun(o.resultsDir, full);
      runs.push(full);
    }
  }
  let notes: string | undefined;
  try {
    notes = readFileSync(join(o.resultsDir, "NOTES.md"), "utf8");
  } catch {
    notes = undefined;
  }
  writeFileSync(o.out, renderResults(loadRuns(o.resultsDir), notes, loadWebResults(o.resultsDir), loadBackbone(o.resultsDir)));
  log(`\nWrote ${o.out}`);
  return runs;
}

/** The header of a results file for a run without HTTP scenarios (saveRun keeps the earlier scenarios). */
async function describeOnly(kind: "pglite" | "postgres", o: BenchOptions): Promise<BenchRun> {
  const label = scaleLabel(o.scale);
  const dataDir = resolve(o.dataDir ?? join(benchDir, ".data", `pglite-${label}`));
  const database = await openDatabase({ url: kind === "postgres" ? o.databaseUrl : undefined, dataDir: kind === "postgres" ? undefined : dataDir });
  try {
    return { ...(await runHeader(database, kind, o, dataDir)), scenarios: [] };
  } finally {
    await database.close();
  }
}

/** What a results file says about the database, the data, the machine and the load, before its scenarios. */
async function runHeader(database: Database, kind: "pglite" | "postgres", o: BenchOptions, dataDir: string): Promise<Omit<BenchRun, "scenarios">> {
  const version = (await queryOnce<{ v: string }>(database, "select version() as v"))[0]?.v ?? "";
  const size = await queryOnce<{ b: number | string }>(database, "select pg_database_size(current_database())::float8 as b").catch(() => []);
  return {
    database: { kind, version, where: kind === "pglite" ? relative(resolve(benchDir, ".."), dataDir) || dataDir : "server on localhost" },
    scale: o.scale,
    scaleLabel: scaleLabel(o.scale),
    tables: await tableStats(database),
    databaseBytes: size[0] ? Number(size[0].b) : null,
    machine: machine(),
    settings: { connections: o.connections, duration: o.duration, warmup: o.warmup, runs: o.runs, auth: "API key (Bearer)", logLevel: o.logLevel ?? "warn" },
    startedAt: new Date().toISOString(),
  };
}

function machine(): BenchRun["machine"] {
  return {
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 1e9),
    os: `${platform()} ${release()}`,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      scale: { type: "string", default: "100k" },
      db: { type: "string" },
      "data-dir": { type: "string" },
      "database-url": { type: "string" },
      duration: { type: "string", default: "10" },
      warmup: { type: "string", default: "2" },
      connections: { type: "string", default: "10" },
      runs: { type: "string", default: "1" },
      only: { type: "string" },
      out: { type: "string" },
      "results-dir": { type: "string" },
      "log-level": { type: "string" },
      "import-rows": { type: "string" },
      "startup-runs": { type: "string", default: "3" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(
      "npm run bench -- [--scale 100k] [--db pglite|postgres|both] [--duration 10] [--warmup 2] [--connections 10] [--runs 1]\n" +
        "                 [--only contacts.get,search] [--data-dir dir] [--database-url url] [--out bench/RESULTS.md]\n" +
        "                 [--only startup,import,copy,copy-contacts,export,web] [--import-rows 1m] [--startup-runs 3]\n" +
        "PostgreSQL runs use --database-url or BENCH_DATABASE_URL; by default PGlite runs, and PostgreSQL too when BENCH_DATABASE_URL is set.\n",
    );
    return;
  }
  // The bench's own settings; the app's configuration stays in src/config.ts.
  const databaseUrl = values["database-url"] ?? (process.env.BENCH_DATABASE_URL || undefined);
  const databases: ("pglite" | "postgres")[] =
    values.db === "both"
      ? ["pglite", "postgres"]
      : values.db === "pglite" || values.db === "postgres"
        ? [values.db]
        : databaseUrl
          ? ["pglite", "postgres"]
          : ["pglite"];
  await runBench({
    scale: parseScale(values.scale ?? "100k"),
    databases,
    dataDir: values["data-dir"],
    databaseUrl,
    duration: Number(values.duration),
    warmup: Number(values.warmup),
    connections: Number(values.connections),
    runs: Number(values.runs),
    only: values.only
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean),
    resultsDir: resolve(values["results-dir"] ?? join(benchDir, "results")),
    out: resolve(values.out ?? join(benchDir, "RESULTS.md")),
    logLevel: values["log-level"],
    importRows: values["import-rows"] ? parseScale(values["import-rows"]) : undefined,
    startupRuns: Number(values["startup-runs"]),
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    process.stderr.write(`\n${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
}
