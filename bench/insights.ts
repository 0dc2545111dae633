/**
 * Win-probability training and scoring at scale. Seeds one workspace straight in SQL: N deals (default 100,000) owned
 * by 50 users in 5 teams, 80 % closed (won more often when small and owned by the first reps), each with its stage
 * history, over 2 years, every choice a hash of the row number. Then times, once each (a run is minutes at 1m):
 *   - baseline: a plain keyset scan of the same deals, page by page as training reads them (2,000 rows, JSON rows),
 *   - features: every deal's features, as training and scoring read them,
 *   - train + score: the training job's work (read, fit on the closed deals, score and store every deal),
 * with the process's peak RSS sampled every 50 ms. Needs a scratch PostgreSQL database; the workspace's rows are
 * removed afterwards:
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_scratch npx tsx bench/insights.ts [deals]
 *
 * Not yet in RESULTS.md: on the shared 2-core machine (load ~19) the 100k seed did not get past writing the stage
 * history (the per-row triggers of deal_stage_changes) within 15 minutes.
 */
import { sql } from "drizzle-orm";
import type { Ctx } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { jsonRows, queryRows } from "../src/db/client.js";
import { featureDefs, featureRecords, WinHistory } from "../src/modules/insights/features.js";
import { createModel, trainModel } from "../src/modules/insights/service.js";
import { scratchBench } from "./lib/scratch.js";

const { n, database } = await scratchBench(100_000);
const db = database.db;
const ws = newId();
const pipeline = newId();
const now = new Date();

const t = performance.now();
await db.execute(sql`insert into users (workspace_id, id, identity_id, email, name, role)
  select ${ws}::uuid, gen_random_uuid(), gen_random_uuid(), 'rep' || i || '@bench.example', 'Rep ' || i, 'sales' from generate_series(1, 50) i`);
await db.execute(sql`insert into teams (workspace_id, id, name) select ${ws}::uuid, gen_random_uuid(), 'Team ' || i from generate_series(1, 5) i`);
await db.execute(sql`
  with u as (select id, row_number() over (order by id) - 1 as k from users where workspace_id = ${ws}::uuid),
       tm as (select id, row_number() over (order by id) - 1 as k from teams where workspace_id = ${ws}::uuid)
  insert into team_members (workspace_id, team_id, user_id) select ${ws}::uuid, tm.id, u.id from u join tm on tm.k = u.k % 5`);
await db.execute(sql`insert into pipelines (workspace_id, id, name, is_default) values (${ws}::uuid, ${pipeline}::uuid, 'Sales', true)`);
await db.execute(sql`insert into pipeline_stages (workspace_id, id, pipeline_id, name, position, probability, type)
  select ${ws}::uuid, gen_random_uuid(), ${pipeline}::uuid, s.name, s.pos, s.p, s.type
  from (values ('Qualify', 0, 10, 'open'), ('Proposal', 1, 40, 'open'), ('Negotiation', 2, 70, 'open'), ('Won', 3, 100, 'won'), ('Lost', 4, 0, 'lost')) s(name, pos, p, type)`);
await db.execute(sql`
  with u as (select id, row_number() over (order by id) - 1 as k from users where workspace_id = ${ws}::uuid),
       st as (select id, position, type from pipeline_stages where workspace_id = ${ws}::uuid),
       g as (
         select i, abs(hashint8extended(i, 1)) % 50 as owner_k, 100 + abs(hashint8extended(i, 2)) % 50000 as amount,
           ${now.toISOString()}::timestamptz - (30 + abs(hashint8extended(i, 3)) % 700) * interval '1 day' as created,
           abs(hashint8extended(i, 4)) % 100 as r, abs(hashint8extended(i, 5)) % 3 as open_pos, abs(hashint8extended(i, 6)) % 90 as days
         from generate_series(1, ${n}) i
       )
  insert into deals (workspace_id, id, name, pipeline_id, stage_id, status, amount, currency, owner_id, created_at, closed_at, stage_entered_at)
  select ${ws}::uuid, gen_random_uuid(), 'Deal ' || g.i, ${pipeline}::uuid, st.id,
    case when g.r >= 80 then 'open' when g.r < 20 + (g.owner_k < 10)::int * 20 + (g.amount < 10000)::int * 15 then 'won' else 'lost' end,
    g.amount, 'EUR', u.id, g.created, case when g.r < 80 then g.created + (g.days + 1) * interval '1 day' end, g.created
  from g join u on u.k = g.owner_k
  join st on st.position = case when g.r >= 80 then g.open_pos when g.r < 20 + (g.owner_k < 10)::int * 20 + (g.amount < 10000)::int * 15 then 3 else 4 end`);
// The history: entered the first stage when created, closed deals reached Won or Lost when closed.
await db.execute(sql`
  insert into deal_stage_changes (workspace_id, id, deal_id, pipeline_id, from_stage_id, to_stage_id, at)
  select d.workspace_id, gen_random_uuid(), d.id, d.pipeline_id, null, case when d.status = 'open' then d.stage_id else q.id end, d.created_at
  from deals d join pipeline_stages q on q.workspace_id = d.workspace_id and q.position = 0 where d.workspace_id = ${ws}::uuid`);
await db.execute(sql`
  insert into deal_stage_changes (workspace_id, id, deal_id, pipeline_id, from_stage_id, to_stage_id, at)
  select d.workspace_id, gen_random_uuid(), d.id, d.pipeline_id, q.id, d.stage_id, d.closed_at
  from deals d join pipeline_stages q on q.workspace_id = d.workspace_id and q.position = 0 where d.workspace_id = ${ws}::uuid and d.status <> 'open'`);
for (const table of ["deals", "deal_stage_changes", "team_members", "users"]) await db.execute(sql.raw(`vacuum analyze ${table}`));
console.log(`seeded ${n.toLocaleString("en")} deals in ${Math.round((performance.now() - t) / 1000)} s`);

const [admin] = await queryRows<{ id: string }>(db, sql`select id from users where workspace_id = ${ws}::uuid order by email limit 1`);
const ctx: Ctx = { db, workspaceId: ws, actor: { kind: "user", userId: admin?.id as string, role: "admin" } };

let peak = process.memoryUsage().rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 50);
async function measure(fn: () => Promise<unknown>): Promise<{ ms: number; rss: number }> {
  global.gc?.();
  peak = process.memoryUsage().rss;
  const s = performance.now();
  await fn();
  const ms = performance.now() - s;
  peak = Math.max(peak, process.memoryUsage().rss);
  return { ms, rss: peak };
}

const baseline = await measure(async () => {
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const page = await jsonRows<{ id: string }>(
      db,
      sql`select d.* from deals d where d.workspace_id = ${ws}::uuid and d.deleted_at is null and d.id > ${after}::uuid order by d.id limit 2000`,
    );
    if (page.length < 2000) return;
    after = page[page.length - 1]!.id;
  }
});
const defs = featureDefs("deal_win", "deal", [], []);
const features = await measure(async () => {
  let after: string | null = null;
  const history = new WinHistory();
  for (;;) {
    const page = await featureRecords(ctx, { kind: "deal_win", object: "deal", fields: [] }, defs, { after, limit: 2000 }, now, { history });
    if (page.length < 2000) return;
    after = page[page.length - 1]!.id;
  }
});
const model = await createModel(ctx, { kind: "deal_win", config: {} });
let result: Awaited<ReturnType<typeof trainModel>> | undefined;
const train = await measure(async () => {
  result = await trainModel(ctx, model.id, now);
});
clearInterval(sampler);
const [scores] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from insight_scores where workspace_id = ${ws}::uuid`);

const s = (x: { ms: number }) => `${(x.ms / 1000).toFixed(1)} s`;
const mb = (x: { rss: number }) => `${Math.round(x.rss / 1024 / 1024)} MB`;
const ratio = (x: { ms: number }) => `${(x.ms / baseline.ms).toFixed(1)}×`;
console.log(`\n| insights at ${n.toLocaleString("en")} deals (PostgreSQL, one run) | time | vs baseline | peak RSS |`);
console.log("|---|---|---|---|");
console.log(`| baseline: plain keyset scan of the deals, 2,000 a page | ${s(baseline)} | 1.0× | ${mb(baseline)} |`);
console.log(`| every deal's features (win rates from the close history) | ${s(features)} | ${ratio(features)} | ${mb(features)} |`);
console.log(
  `| train (${result?.metrics?.trainCount.toLocaleString("en")} + ${result?.metrics?.testCount.toLocaleString("en")} held out) and score ${Number(scores?.n).toLocaleString("en")} deals | ${s(train)} | ${ratio(train)} | ${mb(train)} |`,
);
console.log(
  `model: ${result?.status} ${result?.problem ?? ""} ${result?.metrics?.method ?? ""}; AUC ${result?.metrics?.model.auc?.toFixed(3)} vs stage ${result?.metrics?.baseline.auc?.toFixed(3)}`,
);

for (const table of ["insight_scores", "insight_models", "deal_stage_changes", "deals", "pipeline_stages", "pipelines", "team_members", "teams", "users"])
  await db.execute(sql`delete from ${sql.raw(table)} where workspace_id = ${ws}::uuid`);
await database.close();
