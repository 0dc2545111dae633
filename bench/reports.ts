/**
 * The report builder over many deals. Seeds N deals (default 1,000,000) in one workspace straight in SQL (20 owners,
 * three years of closes, ~45% won, two currencies), then times "won value by quarter by owner" (filter won, group by
 * close quarter and owner, sum of amount; one grouped query plus the names) uncached (each run's extra filter differs,
 * so no result is reused) and cached (the same report again: one lookup of the data versions), against a baseline
 * in the same run: one bare `count(*)` over the workspace's live deals (the least any report over them must read).
 * Medians of --runs (default 5) after one warm-up. Needs a scratch PostgreSQL database (the rows are removed after):
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_scratch npx tsx bench/reports.ts [n] [--runs 5]
 *
 * Prints a Markdown table for bench/RESULTS.md.
 */
import { sql } from "drizzle-orm";
import type { ReportDefinition } from "../src/contract/reports.js";
import { type Actor, systemActor } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { queryRows } from "../src/db/client.js";
import { runReport } from "../src/modules/reports/service.js";
import { scratchBench } from "./lib/scratch.js";

const { n, runs, database } = await scratchBench(1_000_000);
const db = database.db;
const ws = newId();
const pipelineId = newId();

const t = performance.now();
await db.execute(sql`insert into users (workspace_id, id, identity_id, email, name, role)
  select ${ws}::uuid, gen_random_uuid(), gen_random_uuid(), 'rep' || i || '@bench.example', 'Rep ' || i, 'sales' from generate_series(1, 20) i`);
await db.execute(sql`insert into pipelines (workspace_id, id, name, is_default, position) values (${ws}::uuid, ${pipelineId}::uuid, 'Sales', true, 0)`);
await db.execute(sql`insert into pipeline_stages (workspace_id, id, pipeline_id, name, position, probability, type)
  select ${ws}::uuid, gen_random_uuid(), ${pipelineId}::uuid, s.name, s.pos, s.p, s.type
  from (values ('Qualify', 0, 10, 'open'), ('Proposal', 1, 50, 'open'), ('Won', 2, 100, 'won'), ('Lost', 3, 0, 'lost')) s(name, pos, p, type)`);
// Every choice is a hash of the row number, so a size gives the same rows on every run.
await db.execute(sql`
  with u as (select id, row_number() over (order by id) - 1 as k from users where workspace_id = ${ws}::uuid),
       st as (select id, type from pipeline_stages where workspace_id = ${ws}::uuid),
       base as (select i, abs(hashint8extended(i, 1)) % 1000 as h1, abs(hashint8extended(i, 2)) % 1000 as h2, abs(hashint8extended(i, 3)) % 100000 as h3
                from generate_series(1, ${n}) i)
  insert into deals (workspace_id, id, name, pipeline_id, stage_id, status, amount, currency, owner_id, closed_at, created_at, updated_at)
  select ${ws}::uuid, gen_random_uuid(), 'Deal ' || b.i, ${pipelineId}::uuid,
         (select id from st where st.type = (case when b.h1 < 450 then 'won' when b.h1 < 700 then 'lost' else 'open' end) limit 1),
         case when b.h1 < 450 then 'won' when b.h1 < 700 then 'lost' else 'open' end,
         100 + b.h3, case when b.h2 < 900 then 'USD' else 'EUR' end,
         (select id from u where u.k = b.h2 % 20),
         case when b.h1 < 700 then timestamptz '2023-01-01' + (b.h3 * 3 * 365 / 100000) * interval '1 day' end,
         now(), now()
  from base b`);
await db.execute(sql`vacuum analyze deals`);
console.log(`seeded ${n.toLocaleString("en")} deals in ${Math.round((performance.now() - t) / 1000)} s`);

const actor: Actor = { ...systemActor, kind: "system" };
const ctx = { db, workspaceId: ws, actor };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
async function time(fn: (i: number) => Promise<unknown>): Promise<number> {
  await fn(-1);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const s = performance.now();
    await fn(i);
    out.push(performance.now() - s);
  }
  return median(out);
}

const def: ReportDefinition = {
  object: "deal",
  filter: { field: "status", op: "eq", value: "won" },
  groupBy: [{ field: "closedAt", bucket: "quarter" }, { field: "ownerId" }],
  measures: [{ fn: "sum", field: "amount" }],
  visualization: "bar",
};
const baseline = await time(() => queryRows(db, sql`select count(*) from deals where workspace_id = ${ws}::uuid and deleted_at is null`));
let groups = 0;
// A different (always true) extra filter each run: the cache never answers, the query runs every time.
const uncached = await time(async (i) => {
  groups = (await runReport(ctx, def, { field: "amount", op: "lt", value: 1_000_000_000 + i + Math.random() })).rows.length;
});
const cached = await time(() => runReport(ctx, def));
const [version] = await queryRows<{ v: string }>(db, sql`select version() as v`);
console.log(
  [
    "",
    `PostgreSQL: ${version?.v.split(" ").slice(0, 2).join(" ")}; ${n.toLocaleString("en")} deals in one workspace; medians of ${runs} runs; load ${(await import("node:os")).loadavg()[0]?.toFixed(1)}`,
    "",
    "| report | groups | ms | baseline ms (bare count of the deals) | ratio |",
    "|---|--:|--:|--:|--:|",
    `| won value by quarter by owner, uncached | ${groups} | ${uncached.toFixed(0)} | ${baseline.toFixed(1)} | ${(uncached / baseline).toFixed(1)}× |`,
    `| the same, cached | ${groups} | ${cached.toFixed(1)} | ${baseline.toFixed(1)} | ${(cached / baseline).toFixed(2)}× |`,
  ].join("\n"),
);
await db.execute(sql`delete from deals where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from deal_stage_totals where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from pipeline_stages where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from pipelines where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from users where workspace_id = ${ws}::uuid`);
await database.close();
