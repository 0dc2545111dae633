// Workflow benchmarks (issue #18), outside the HTTP loop, on the real job system (startJobSystem: the event
// dispatcher, the workflows consumer, the workflows.run queue) and the real services.
//
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_wf_bench npx tsx bench/workflows.ts
//   npx tsx bench/workflows.ts --events 300 --rate 100 --seconds 10 --waiting 10000 --spread 120
//   npx tsx bench/workflows.ts --only throughput,latency
//
// (a) throughput: --events contacts created through the service (one transaction each, as fast as they go), first
//     with the workflow paused (the baseline: the same events through the stream and its consumers, no runs), then
//     published and active: a record-created workflow with three actions (tags, create a task, update a field).
//     Events/s = events ÷ seconds from the first write until the last event is consumed (baseline) or the last run
//     is done (workflow). Ratio = workflow ÷ baseline.
// (b) latency: contacts written at --rate per second for --seconds while the workflow is live; latency = the first
//     action's step run finished − the moment the write's commit returned. p50 / p95 / max.
// (c) waiting runs: --waiting runs of a "wait, then stop" workflow, waiting with their delayed jobs (inserted in bulk
//     as the engine writes them), falling due evenly over --spread seconds; lateness = the run's finish − its wait's
//     due time. p50 / p95 / max, and how long until the last one finished.
//
// Prints a summary and writes bench/results/workflows.json. The PostgreSQL database should be one of its own: the
// benchmark's worker runs the built-in consumers of every event it finds there.
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import type { Ctx } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { startJobSystem } from "../src/jobs/system.js";
import { signup } from "../src/modules/auth/service.js";
import { createContact } from "../src/modules/contacts/service.js";
import { createWorkflow, pauseWorkflow, publishWorkflow, resumeWorkflow } from "../src/modules/workflows/service.js";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const { values } = parseArgs({
  options: {
    events: { type: "string", default: "300" },
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
    waiting: { type: "string", default: "10000" },
    spread: { type: "string", default: "120" },
    only: { type: "string" },
    out: { type: "string", default: `${benchDir}results/workflows.json` },
  },
});
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const WAITING = Number(values.waiting);
const SPREAD = Number(values.spread);
const only = values.only?.split(",");
const wanted = (name: string) => !only || only.includes(name);
const quiet = { info() {}, warn() {}, error: (m: string) => console.error(m) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number) : Number.NaN;
};

const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const db = database.db;
const p = await signup(db, { workspaceName: "Workflow bench", name: "Bench", email: `wf-bench-${Date.now()}@example.com`, password: "bench password" });
const workspaceId = p.workspace.id;
const ctx: Ctx = { db, workspaceId, actor: { kind: "user", userId: p.user.id, role: "admin" } };
const system = await startJobSystem({ database, worker: true, log: quiet, pollingIntervalSeconds: 0.5 });
// The workflows consumer registers at the present: let it, before the first write.
await system.wake();
await sleep(1500);

const count = async (q: ReturnType<typeof sql>) => Number((await queryRows<{ n: number }>(db, q))[0]?.n ?? 0);
const consumedAll = async () =>
  (await count(sql`select count(*)::int as n from outbox_events where workspace_id = ${workspaceId} and position is null`)) === 0 &&
  (await count(
    sql`select (coalesce((select max(position) from outbox_events where workspace_id = ${workspaceId}), 0) <= (select position from event_consumers where name = 'workflows'))::int as n`,
  )) === 1;

async function until(cond: () => Promise<boolean>, maxMs: number, what: string) {
  const end = Date.now() + maxMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const threeActions = {
  trigger: { type: "record_created", object: "contact", filter: { all: [{ field: "lastName", op: "eq", value: "Bench" }] } },
  start: "tag",
  steps: [
    { id: "tag", type: "tags", config: { add: ["wf-bench"] }, next: { next: "task" } },
    { id: "task", type: "create_task", config: { title: "Call {{ record.firstName }}", assignee: { kind: "owner" } }, next: { next: "title" } },
    { id: "title", type: "update_fields", config: { updates: [{ field: "jobTitle", value: { kind: "constant", value: "Benched" } }] }, next: { next: null } },
  ],
};
const wf = await createWorkflow(ctx, { name: "Three actions", description: "", teamId: null, definition: threeActions });
await publishWorkflow(ctx, wf.id);
const doneRuns = () =>
  count(sql`select count(*)::int as n from workflow_runs where workspace_id = ${workspaceId} and workflow_id = ${wf.id} and state = 'done'`);

const result: Record<string, unknown> = {
  database: database.kind,
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? "", load: loadavg(), node: process.version },
  at: new Date().toISOString(),
};

async function burst(label: string, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await createContact(ctx, { firstName: `${label} ${i}`, lastName: "Bench", ownerId: p.user.id });
  return t0;
}

if (wanted("throughput")) {
  await pauseWorkflow(ctx, wf.id);
  const t0 = await burst("Baseline", EVENTS);
  await until(consumedAll, 600_000, "the baseline events to be consumed");
  const baselineSeconds = (performance.now() - t0) / 1000;
  await resumeWorkflow(ctx, wf.id, system.workflowEngine);
  const before = await doneRuns();
  const t1 = await burst("Run", EVENTS);
  const writeSeconds = (performance.now() - t1) / 1000;
  await until(async () => (await doneRuns()) - before >= EVENTS, 900_000, "the runs to finish");
  const workflowSeconds = (performance.now() - t1) / 1000;
  const failed = await count(
    sql`select count(*)::int as n from workflow_runs where workspace_id = ${workspaceId} and workflow_id = ${wf.id} and state = 'failed'`,
  );
  result.throughput = {
    events: EVENTS,
    baselineSeconds,
    baselinePerSecond: EVENTS / baselineSeconds,
    writeSeconds,
    workflowSeconds,
    workflowPerSecond: EVENTS / workflowSeconds,
    ratio: baselineSeconds / workflowSeconds,
    failed,
  };
  console.log(
    `throughput: baseline ${(EVENTS / baselineSeconds).toFixed(1)} events/s, with the workflow ${(EVENTS / workflowSeconds).toFixed(1)} events/s (writes alone took ${writeSeconds.toFixed(1)} s), ratio ${(baselineSeconds / workflowSeconds).toFixed(3)}, failed runs ${failed}`,
  );
}

if (wanted("latency")) {
  const committed = new Map<string, number>();
  const total = RATE * SECONDS;
  const t0 = performance.now();
  const wall0 = Date.now() - t0;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(
      createContact(ctx, { firstName: `Latency ${i}`, lastName: "Bench", ownerId: p.user.id }).then((c) => {
        committed.set(c.id, wall0 + performance.now());
      }),
    );
  }
  await Promise.all(pending);
  const writeSeconds = (performance.now() - t0) / 1000;
  const ids = [...committed.keys()];
  await until(
    async () =>
      (await count(
        sql`select count(*)::int as n from workflow_runs where workspace_id = ${workspaceId} and workflow_id = ${wf.id} and state = 'done' and record_id = any(${`{${ids.join(",")}}`}::uuid[])`,
      )) >= ids.length,
    900_000,
    "the latency runs to finish",
  );
  const rows = await queryRows<{ record_id: string; at: string }>(
    db,
    sql`select r.record_id, s.finished_at as at from workflow_runs r join workflow_step_runs s on s.workspace_id = r.workspace_id and s.run_id = r.id and s.step_id = 'tag'
        where r.workspace_id = ${workspaceId} and r.workflow_id = ${wf.id} and r.record_id = any(${`{${ids.join(",")}}`}::uuid[])`,
  );
  const lat = rows.map((r) => new Date(r.at).getTime() - (committed.get(r.record_id) as number));
  result.latency = {
    rate: RATE,
    seconds: SECONDS,
    events: total,
    writesPerSecond: total / writeSeconds,
    p50: pct(lat, 50),
    p95: pct(lat, 95),
    max: Math.max(...lat),
  };
  console.log(
    `latency at ${RATE}/s (${(total / writeSeconds).toFixed(0)}/s achieved): trigger → first action p50 ${pct(lat, 50).toFixed(0)} ms, p95 ${pct(lat, 95).toFixed(0)} ms, max ${Math.max(...lat).toFixed(0)} ms`,
  );
}

if (wanted("waiting")) {
  const waits = await createWorkflow(ctx, {
    name: "Wait then stop",
    description: "",
    teamId: null,
    definition: {
      trigger: { type: "manual", object: "contact" },
      start: "wait",
      steps: [
        { id: "wait", type: "wait", config: { mode: "duration", duration: { amount: 1, unit: "minutes" } }, next: { next: "end", timeout: null } },
        { id: "end", type: "stop", config: { reason: "bench" }, next: {} },
      ],
    },
  });
  const detail = await publishWorkflow(ctx, waits.id);
  const versionId = detail.published?.id as string;
  // The runs as the engine leaves them when they start waiting (run row and waiting step run), with their delayed
  // jobs, written in bulk: starting 10,000 runs one by one would measure the start, not the resume.
  const due0 = Date.now() + 20_000;
  const runs = Array.from({ length: WAITING }, (_, i) => ({ id: newId(), due: new Date(due0 + Math.floor((i * SPREAD * 1000) / WAITING)) }));
  const t0 = performance.now();
  for (let i = 0; i < runs.length; i += 1000) {
    const chunk = runs.slice(i, i + 1000);
    await db.transaction(async (tx) => {
      await tx.execute(sql`insert into workflow_runs (workspace_id, id, workflow_id, version_id, version, state, trigger_type, trigger_key, trigger_data, current_step_id, wait_kind, waiting_until, created_at, updated_at)
        select ${workspaceId}::uuid, x.id, ${waits.id}::uuid, ${versionId}::uuid, 1, 'waiting', 'manual', 'bench:' || x.id, '{}'::jsonb, 'wait', 'time', x.due, now(), now()
        from unnest(${`{${chunk.map((r) => r.id).join(",")}}`}::uuid[], ${`{${chunk.map((r) => r.due.toISOString()).join(",")}}`}::timestamptz[]) as x(id, due)`);
      await tx.execute(sql`insert into workflow_step_runs (workspace_id, id, run_id, step_id, step_type, step_name, attempt, state, started_at)
        select ${workspaceId}::uuid, gen_random_uuid(), x.id, 'wait', 'wait', 'Wait', 1, 'waiting', now() from unnest(${`{${chunk.map((r) => r.id).join(",")}}`}::uuid[]) as x(id)`);
    });
    await system.boss.insert(
      "workflows.run",
      chunk.map((r) => ({ data: { workspaceId, runId: r.id }, startAfter: r.due })),
    );
  }
  const setupSeconds = (performance.now() - t0) / 1000;
  console.log(`waiting: ${WAITING} runs written in ${setupSeconds.toFixed(1)} s, due from +20 s over ${SPREAD} s`);
  const done = () =>
    count(sql`select count(*)::int as n from workflow_runs where workspace_id = ${workspaceId} and workflow_id = ${waits.id} and state = 'done'`);
  await until(async () => (await done()) >= WAITING, (SPREAD + 900) * 1000, "the waiting runs to resume");
  const rows = await queryRows<{ late: number }>(
    db,
    sql`select extract(epoch from (finished_at - waiting_until_original)) * 1000 as late from (
          select r.finished_at, x.due as waiting_until_original from workflow_runs r
          join unnest(${`{${runs.map((r) => r.id).join(",")}}`}::uuid[], ${`{${runs.map((r) => r.due.toISOString()).join(",")}}`}::timestamptz[]) as x(id, due) on x.id = r.id
          where r.workspace_id = ${workspaceId}) t`,
  );
  const late = rows.map((r) => Number(r.late));
  const lastSeconds = (Math.max(...late) + (runs.at(-1)?.due.getTime() ?? 0) - due0) / 1000;
  result.waiting = { runs: WAITING, spreadSeconds: SPREAD, setupSeconds, p50: pct(late, 50), p95: pct(late, 95), max: Math.max(...late), lastSeconds };
  console.log(
    `waiting: ${WAITING} runs due over ${SPREAD} s resumed with lateness p50 ${(pct(late, 50) / 1000).toFixed(2)} s, p95 ${(pct(late, 95) / 1000).toFixed(2)} s, max ${(Math.max(...late) / 1000).toFixed(2)} s`,
  );
}

result.loadAfter = loadavg();
writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
await system.stop();
await database.close();
process.exit(0);
