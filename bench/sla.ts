// SLA breach detection at scale (issue #19): N open tickets with a running clock each (bulk-inserted), due times spread
// over a window; the job system's sla.check jobs (one per second holding a due time, plus the every-minute sweep)
// announce each breach. Lateness = when the breach event was written − the clock's due time. A baseline with few
// tickets runs first in the same process, so the two numbers share the machine's load.
//
//   npx tsx bench/sla.ts --tickets 100000 --baseline 1000 --spread 120           (embedded database in memory)
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/sla.ts --tickets 100000
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import type { Ctx } from "../src/core/context.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { slaCheckAt, startJobSystem } from "../src/jobs/system.js";
import { signup } from "../src/modules/auth/service.js";
import { createPolicy } from "../src/modules/sla/service.js";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const { values } = parseArgs({
  options: {
    tickets: { type: "string", default: "100000" },
    baseline: { type: "string", default: "1000" },
    spread: { type: "string", default: "120" },
    lead: { type: "string", default: "20" },
    out: { type: "string", default: `${benchDir}results/sla.json` },
  },
});
const TICKETS = Number(values.tickets);
const BASELINE = Number(values.baseline);
const SPREAD = Number(values.spread);
const LEAD = Number(values.lead);
const quiet = { info() {}, warn() {}, error: (m: string) => console.error(m) };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const db = database.db;
const jobs = await startJobSystem({ database, worker: true, only: ["sla.check"], pollingIntervalSeconds: 1, log: quiet });

const count = async (q: ReturnType<typeof sql>) => Number((await queryRows<{ n: number }>(db, q))[0]?.n ?? 0);

interface Outcome {
  tickets: number;
  setupSeconds: number;
  p50: number;
  p95: number;
  max: number;
  within60s: number;
}

async function run(n: number, label: string): Promise<Outcome> {
  const p = await signup(db, { workspaceName: `SLA bench ${label}`, name: "Bench", email: `sla-bench-${Date.now()}@example.com`, password: "bench password" });
  const workspaceId = p.workspace.id;
  const ctx: Ctx = { db, workspaceId, actor: { kind: "user", userId: p.user.id, role: "admin" } };
  const policy = await createPolicy(ctx, { name: "Bench policy", resolutionMinutes: 60 });
  const t0 = Date.now();
  for (let from = 1; from <= n; from += 10_000) {
    const to = Math.min(n, from + 9_999);
    await db.execute(sql`insert into tickets (workspace_id, id, number, subject, status, priority, channel, created_at, updated_at)
      select ${workspaceId}::uuid, gen_random_uuid(), g, 'Bench ticket ' || g, 'open', 'normal', 'api', now(), now() from generate_series(${from}::int, ${to}::int) g`);
  }
  // A bulk load's statistics: without them the clocks' foreign-key checks may keep a plan cached while tickets was
  // tiny (the baseline's), a sequential scan per row (measured: minutes instead of seconds for 100,000 rows).
  await db.execute(sql`analyze tickets`);
  // Due times start LEAD seconds from now (after the insert) and spread evenly over SPREAD seconds.
  const first = Date.now() + LEAD * 1000;
  await db.execute(sql`insert into ticket_sla_clocks (workspace_id, ticket_id, metric, ticket_number, policy_id, started_at, target_minutes, due_at, warn_at,
      paused, remaining_ms, elapsed_ms, computed_at)
    select workspace_id, id, 'resolution', number, ${policy.id}::uuid, now(), 60,
      ${new Date(first).toISOString()}::timestamptz + ((number - 1) * ${(SPREAD * 1000) / n}::float8) * interval '1 millisecond', null,
      false, 3600000, 0, now()
    from tickets where workspace_id = ${workspaceId}::uuid`);
  await db.execute(sql`analyze ticket_sla_clocks`);
  // What recomputing a clock does for its due time: the check job of that second (shared by every clock due in it).
  for (let s = 0; s <= SPREAD; s++) await jobs.send("sla.check", {}, slaCheckAt(new Date(first + s * 1000)));
  const setupSeconds = (Date.now() - t0) / 1000;
  if (Date.now() > first) console.warn(`${label}: setup took ${setupSeconds.toFixed(0)} s, past the first due time; raise --lead`);
  const deadline = first + (SPREAD + 900) * 1000;
  for (;;) {
    const done = await count(
      sql`select count(*)::int as n from ticket_sla_clocks where workspace_id = ${workspaceId}::uuid and breach_notified_at is not null`,
    );
    if (done >= n) break;
    if (Date.now() > deadline) throw new Error(`${label}: only ${done} of ${n} breaches announced`);
    await sleep(1000);
  }
  const rows = await queryRows<{ p50: number; p95: number; max: number; within: number; events: number }>(
    db,
    sql`select percentile_cont(0.5) within group (order by late) as p50, percentile_cont(0.95) within group (order by late) as p95, max(late) as max,
               avg((late <= 60)::int) as within, count(*)::int as events
        from (select extract(epoch from (e.created_at - c.due_at)) as late from outbox_events e
              join ticket_sla_clocks c on c.workspace_id = e.workspace_id and c.ticket_id = e.record_id
              where e.workspace_id = ${workspaceId}::uuid and e.type = 'ticket.sla_breached') t`,
  );
  const r = rows[0] as { p50: number; p95: number; max: number; within: number; events: number };
  if (Number(r.events) !== n) throw new Error(`${label}: ${r.events} breach events for ${n} clocks`);
  for (const table of ["outbox_events", "ticket_sla_clocks", "tickets", "record_history"])
    await db.execute(sql`delete from ${sql.identifier(table)} where workspace_id = ${workspaceId}::uuid`);
  const outcome = { tickets: n, setupSeconds, p50: Number(r.p50), p95: Number(r.p95), max: Number(r.max), within60s: Number(r.within) };
  console.log(
    `${label}: ${n} clocks due over ${SPREAD} s → breach announced p50 ${outcome.p50.toFixed(1)} s, p95 ${outcome.p95.toFixed(1)} s, max ${outcome.max.toFixed(1)} s after due; ${(outcome.within60s * 100).toFixed(1)} % within 60 s (setup ${setupSeconds.toFixed(0)} s)`,
  );
  return outcome;
}

const started = new Date().toISOString();
const baseline = await run(BASELINE, "baseline");
const full = await run(TICKETS, "full");
const result = { started, database: database.kind, cores: cpus().length, loadavg: loadavg(), spreadSeconds: SPREAD, baseline, full };
writeFileSync(values.out as string, `${JSON.stringify(result, null, 2)}\n`);
console.log(
  `load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(" ")}; written to ${values.out}`,
);
await jobs.stop();
await database.close();
