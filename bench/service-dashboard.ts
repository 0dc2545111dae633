/**
 * The service dashboard at a million tickets. Seeds N tickets (default 1,000,000) in one workspace straight in SQL
 * (two years of tickets, 20 agents, 8 queues, ~88% solved, ~60% of the solved rated), then times the dashboard's
 * service call (every query it makes: created cohort with percentiles by grouping sets, solved cohort, per-day counts,
 * backlog, names) for 7, 30 and 90 days, with and without a queue filter, against a baseline: one bare
 * `count(*)` over the same period's tickets on the same index (the least any report over those rows must read).
 * Medians of --runs (default 5) after one warm-up. Needs a scratch PostgreSQL database (the rows are removed after):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_scratch npx tsx bench/service-dashboard.ts [n] [--runs 5]
 *
 * Prints a Markdown table for bench/RESULTS.md.
 */
import { sql } from "drizzle-orm";
import type { ServiceDashboardQuery } from "../src/contract/service-reports.js";
import { type Actor, systemActor } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { queryRows } from "../src/db/client.js";
import { serviceDashboard } from "../src/modules/service-reports/service.js";
import { scratchBench } from "./lib/scratch.js";

const { n, runs, database } = await scratchBench(1_000_000);
const db = database.db;
const ws = newId();
// The data ends "now": the last-N-days periods read the newest tickets, as a live desk's would.
const now = new Date();
const spanDays = 730;

const t = performance.now();
await db.execute(sql`insert into ticket_statuses (workspace_id, key, label, category, sla_running, position, built_in) values
  (${ws}::uuid, 'new', 'New', 'new', true, 0, true), (${ws}::uuid, 'open', 'Open', 'open', true, 10, true),
  (${ws}::uuid, 'pending_customer', 'Pending customer', 'pending', false, 20, true),
  (${ws}::uuid, 'pending_third_party', 'Pending third party', 'pending', false, 30, true),
  (${ws}::uuid, 'solved', 'Solved', 'solved', false, 40, true), (${ws}::uuid, 'closed', 'Closed', 'closed', false, 50, true)`);
await db.execute(sql`insert into users (workspace_id, id, identity_id, email, name, role)
  select ${ws}::uuid, gen_random_uuid(), gen_random_uuid(), 'agent' || i || '@bench.example', 'Agent ' || i, 'support' from generate_series(1, 20) i`);
await db.execute(sql`insert into ticket_queues (workspace_id, id, name) select ${ws}::uuid, gen_random_uuid(), 'Queue ' || i from generate_series(1, 8) i`);
// Every choice is a hash of the row number, so a size gives the same rows on every run.
await db.execute(sql`
  with u as (select id, row_number() over (order by id) - 1 as k from users where workspace_id = ${ws}::uuid),
       q as (select id, row_number() over (order by id) - 1 as k from ticket_queues where workspace_id = ${ws}::uuid),
       base as (
         select i,
                ${now.toISOString()}::timestamptz - (${spanDays} * 86400 * (i::float8 / ${n})) * interval '1 second' as created_at,
                abs(hashint8extended(i, 1)) % 1000 as h1, abs(hashint8extended(i, 2)) % 1000 as h2, abs(hashint8extended(i, 3)) % 1000 as h3
         from generate_series(1, ${n}) i)
  insert into tickets (workspace_id, id, number, subject, status, priority, channel, queue_id, assignee_id, satisfaction,
                       first_response_at, solved_at, created_at, updated_at)
  select ${ws}::uuid, gen_random_uuid(), b.i, 'Ticket ' || b.i,
         case when b.h1 < 880 and b.created_at < ${now.toISOString()}::timestamptz - interval '2 days' then (case when b.h2 % 2 = 0 then 'solved' else 'closed' end)
              else (array['new', 'open', 'pending_customer', 'pending_third_party'])[1 + b.h2 % 4] end,
         (array['low', 'normal', 'normal', 'high', 'urgent'])[1 + b.h3 % 5],
         (array['email', 'email', 'email', 'web', 'portal', 'phone', 'chat', 'api'])[1 + b.h1 % 8],
         (select id from q where q.k = b.h2 % 8), case when b.h3 < 950 then (select id from u where u.k = b.h3 % 20) end,
         case when b.h1 < 880 and b.h2 < 600 and b.created_at < ${now.toISOString()}::timestamptz - interval '2 days' then 1 + (b.h3 * 7) % 5 end,
         case when b.h2 < 920 then b.created_at + (60 + (b.h3 * 37) % 86400) * interval '1 second' end,
         case when b.h1 < 880 and b.created_at < ${now.toISOString()}::timestamptz - interval '2 days' then b.created_at + (600 + (b.h2 * 997) % 172800) * interval '1 second' end,
         b.created_at, b.created_at
  from base b`);
// What autovacuum does on a live database: the visibility map lets the covering indexes answer without the table.
await db.execute(sql`vacuum analyze tickets`);
const seedMs = performance.now() - t;
console.log(`seeded ${n.toLocaleString("en")} tickets in ${Math.round(seedMs / 1000)} s`);

const actor: Actor = { ...systemActor, kind: "system" };
const ctx = { db, workspaceId: ws, actor };
const [queue] = await queryRows<{ id: string }>(db, sql`select id from ticket_queues where workspace_id = ${ws}::uuid order by name limit 1`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function time(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn();
    out.push(performance.now() - s);
  }
  return median(out);
}

const rows: string[] = [];
for (const period of ["7d", "30d", "90d"] as const) {
  const days = period === "7d" ? 7 : period === "30d" ? 30 : 90;
  const from = new Date(now.getTime() - days * 86_400_000);
  const baseline = await time(() =>
    queryRows(
      db,
      sql`select count(*) from tickets where workspace_id = ${ws}::uuid and created_at >= ${from.toISOString()}::timestamptz and deleted_at is null`,
    ),
  );
  for (const filtered of [false, true]) {
    const q: ServiceDashboardQuery = { period, ...(filtered ? { queueId: queue?.id } : {}) };
    let created = 0;
    const ms = await time(async () => {
      created = (await serviceDashboard(ctx, q, now)).created;
    });
    rows.push(
      `| ${period}${filtered ? ", one queue" : ""} | ${created.toLocaleString("en")} | ${ms.toFixed(0)} | ${baseline.toFixed(1)} | ${(ms / baseline).toFixed(1)}× |`,
    );
    console.log(rows.at(-1));
  }
}
const [version] = await queryRows<{ v: string }>(db, sql`select version() as v`);
console.log(
  [
    "",
    `PostgreSQL: ${version?.v.split(" ").slice(0, 2).join(" ")}; ${n.toLocaleString("en")} tickets over ${spanDays} days in one workspace; medians of ${runs} runs; load ${(await import("node:os")).loadavg()[0]?.toFixed(1)}`,
    "",
    "| period | tickets created in it | dashboard ms | baseline ms (bare count) | ratio |",
    "|---|--:|--:|--:|--:|",
    ...rows,
  ].join("\n"),
);
await db.execute(sql`delete from tickets where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from ticket_queues where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from ticket_statuses where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from users where workspace_id = ${ws}::uuid`);
await database.close();
