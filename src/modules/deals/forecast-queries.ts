/**
 * Set-based reporting SQL over the deals tables, for the forecast and pipeline reports. The one place
 * outside the deals service that reads these tables: reports need GROUP BY over a million rows, which
 * a row-returning service call cannot give. Each function is one statement on covering indexes (index-only
 * scans, no heap reads): deals_closed_cover_idx (workspace_id, status, closed_at, …) for won and lost deals,
 * deals_open_close_date_idx (workspace_id, expected_close_date, …) for open deals closing in a period,
 * deals_pipeline_totals_idx for a pipeline's open deals, deal_stage_changes_flow_idx for stage history, and the
 * trigger-kept deal_stage_totals for a whole pipeline's open stages. Money comes back as numeric text; nothing is
 * added across currencies.
 */
import { type SQL, sql } from "drizzle-orm";
import type { Stage } from "../../contract/deals.js";
import type { Db } from "../../db/client.js";
import { dealForecastMonths, dealStageChanges, dealStageFlow, dealStageTotals, deals } from "./table.js";

/** The stages a report counts in, as the caller read them from the configuration cache. */
export type ReportStage = Pick<Stage, "id" | "pipelineId" | "position" | "probability" | "type">;

/**
 * The stages as a VALUES list (`st(id, pipeline_id, position, type, probability)`) instead of a join to pipeline_stages:
 * the planner knows exactly how many rows it holds and hashes it, where it guessed two stages for the workspace's
 * table and walked the roll-up index once per stage. The stages come from the configuration cache, so no query reads
 * them (a quarter's forecast query on the embedded database at 100k, old and new alternating in one process, medians of 5 rounds of 60: 4.2 → 3.7 ms).
 */
function stageList(stages: readonly ReportStage[]): SQL {
  return sql`(values ${sql.join(
    stages.map((s) => sql`(${s.id}::uuid, ${s.pipelineId}::uuid, ${s.position}::int, ${s.type}::text, ${s.probability}::numeric)`),
    sql`, `,
  )}) as st(id, pipeline_id, position, type, probability)`;
}

export interface ForecastFilter {
  workspaceId: string;
  /** Inclusive first day, exclusive last day (YYYY-MM-DD). */
  start: string;
  end: string;
  pipelineId?: string;
  /** Only deals owned by these users; undefined means every owner (and unowned deals). */
  ownerIds?: string[];
  /** Percent: open deals in stages at or above it are commit. */
  commitThreshold: number;
  /** Every stage the deals may be in (the pipeline's, or the workspace's), for their probabilities. */
  stages: readonly ReportStage[];
}

export interface ForecastSums {
  ownerId: string | null;
  currency: string;
  won: string;
  wonCount: number;
  commit: string;
  bestCase: string;
  weighted: string;
  openCount: number;
}

const uuidList = (ids: string[]) =>
  sql`(${sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  )})`;

function dealScope(f: { workspaceId: string; pipelineId?: string; ownerIds?: string[] }): SQL {
  const parts: SQL[] = [sql`d.workspace_id = ${f.workspaceId}::uuid`, sql`d.deleted_at is null`];
  if (f.pipelineId) parts.push(sql`d.pipeline_id = ${f.pipelineId}::uuid`);
  if (f.ownerIds) parts.push(f.ownerIds.length ? sql`d.owner_id in ${uuidList(f.ownerIds)}` : sql`false`);
  return sql.join(parts, sql` and `);
}

const rowsOf = <T>(res: unknown): T[] => (res as { rows: T[] }).rows;

/**
 * Won, commit, best case and weighted pipeline per owner and currency for one period: deals won with
 * closed_at in the period, plus open deals expected to close in it. Read from deal_forecast_months (kept by
 * triggers): periods are whole months, so a quarter is three months of roll-up rows, joined to the stages for
 * their current probability.
 */
export async function forecastByOwner(db: Db, f: ForecastFilter): Promise<ForecastSums[]> {
  if (f.stages.length === 0) return [];
  const parts: SQL[] = [sql`m.workspace_id = ${f.workspaceId}::uuid`, sql`m.month >= ${f.start}::date`, sql`m.month < ${f.end}::date`];
  if (f.pipelineId) parts.push(sql`m.pipeline_id = ${f.pipelineId}::uuid`);
  if (f.ownerIds) parts.push(f.ownerIds.length ? sql`m.owner_id in ${uuidList(f.ownerIds)}` : sql`false`);
  const res = await db.execute(sql`
    select m.owner_id as "ownerId", m.currency,
           coalesce(sum(m.amount) filter (where m.status = 'won'), 0)::text as won,
           coalesce(sum(m.deal_count) filter (where m.status = 'won'), 0)::int as "wonCount",
           coalesce(sum(m.amount) filter (where m.status = 'open' and st.probability >= ${f.commitThreshold}), 0)::text as commit,
           coalesce(sum(m.amount) filter (where m.status = 'open'), 0)::text as "bestCase",
           coalesce(round(sum(m.amount * st.probability / 100.0) filter (where m.status = 'open'), 2), 0)::text as weighted,
           coalesce(sum(m.deal_count) filter (where m.status = 'open'), 0)::int as "openCount"
      from ${dealForecastMonths} m
      join ${stageList(f.stages)} on st.id = m.stage_id
     where ${sql.join(parts, sql` and `)}
     group by m.owner_id, m.currency
    having sum(m.deal_count) <> 0`);
  return rowsOf<ForecastSums>(res);
}

export interface StageSums {
  stageId: string;
  currency: string;
  count: number;
  amount: string;
  weighted: string;
}

/**
 * Per stage and currency: every open deal now in it, and won/lost deals closed within [from, to).
 * Open deals: for the whole pipeline, the open stages' rows of deal_stage_totals (kept by triggers); for some
 * owners, index-only on deals_pipeline_totals_idx. Closed ones: index-only on deals_closed_cover_idx.
 */
export async function stageSnapshot(
  db: Db,
  f: { workspaceId: string; pipelineId: string; from: string; to: string; ownerIds?: string[]; stages: readonly ReportStage[] },
): Promise<StageSums[]> {
  if (f.stages.length === 0) return [];
  const scope = dealScope(f);
  const openStages = f.stages.filter((s) => s.type === "open").map((s) => s.id);
  const open = f.ownerIds
    ? sql`select d.stage_id, d.currency, count(*) as n, sum(d.amount) as amount from ${deals} d
           where ${scope} and d.status = 'open' group by d.stage_id, d.currency`
    : sql`select t.stage_id, t.currency, t.deal_count as n, t.amount from ${dealStageTotals} t
           where t.workspace_id = ${f.workspaceId}::uuid and t.pipeline_id = ${f.pipelineId}::uuid and t.deal_count <> 0
             and ${openStages.length ? sql`t.stage_id in ${uuidList(openStages)}` : sql`false`}`;
  const res = await db.execute(sql`
    with a as (
      ${open}
      union all
      -- Sum first, then join the (few) stages: joining every deal row before grouping made PostgreSQL sort them all.
      select d.stage_id, d.currency, count(*), sum(d.amount) from ${deals} d
       where ${scope} and d.status in ('won', 'lost')
         and d.closed_at >= (${f.from}::timestamp at time zone 'UTC') and d.closed_at < (${f.to}::timestamp at time zone 'UTC')
       group by d.stage_id, d.currency
    )
    select a.stage_id as "stageId", a.currency, a.n::int as count,
           coalesce(a.amount, 0)::text as amount,
           coalesce(round(a.amount * st.probability / 100.0, 2), 0)::text as weighted
      from a join ${stageList(f.stages)} on st.id = a.stage_id`);
  return rowsOf<StageSums>(res);
}

export interface StageFlow {
  stageId: string;
  entered: number;
  advanced: number;
  avgDays: number | null;
}

/**
 * From the stage-change log within [from, to): how many times deals entered each stage, how many of those
 * entries then moved to a later stage or a won stage (conversion), and the average time spent in the stage
 * before the next move (entries still there are not averaged). For the whole pipeline this sums
 * deal_stage_flow, the per-day roll-up the change triggers keep (a quarter is a few thousand rows; summing
 * its 164k changes took 0.35–0.55 s alone at 1m). For some owners it reads their deals' changes, each of
 * which carries its next change (left_at, next_stage_id), index-only on deal_stage_changes_flow_idx.
 */
export async function stageFlow(
  db: Db,
  f: { workspaceId: string; pipelineId: string; from: string; to: string; ownerIds?: string[]; stages: readonly ReportStage[] },
): Promise<StageFlow[]> {
  if (f.stages.length === 0) return [];
  const rows = f.ownerIds
    ? sql`select c.to_stage_id, c.next_stage_id, count(*) as entries, count(c.left_at) as left_count,
                 coalesce(sum(extract(epoch from (c.left_at - c.at))), 0) as secs
            from ${dealStageChanges} c
           where c.workspace_id = ${f.workspaceId}::uuid and c.pipeline_id = ${f.pipelineId}::uuid
             and c.at >= (${f.from}::timestamp at time zone 'UTC') and c.at < (${f.to}::timestamp at time zone 'UTC')
             and ${
               f.ownerIds.length
                 ? sql`c.deal_id in (select d.id from ${deals} d where d.workspace_id = ${f.workspaceId}::uuid and d.owner_id in ${uuidList(f.ownerIds)})`
                 : sql`false`
             }
           group by c.to_stage_id, c.next_stage_id`
    : sql`select r.to_stage_id, r.next_stage_id, sum(r.entries) as entries, sum(r.left_count) as left_count, sum(r.seconds_in_stage) as secs
            from ${dealStageFlow} r
           where r.workspace_id = ${f.workspaceId}::uuid and r.pipeline_id = ${f.pipelineId}::uuid
             and r.day >= ${f.from}::date and r.day < ${f.to}::date
           group by r.to_stage_id, r.next_stage_id`;
  const res = await db.execute(sql`
    with r as (${rows}), st as (select * from ${stageList(f.stages)})
    select r.to_stage_id as "stageId",
           sum(r.entries)::int as entered,
           coalesce(sum(r.entries) filter (where ns.type = 'won' or (ns.type = 'open' and ns.position > s.position)), 0)::int as advanced,
           round((sum(r.secs) / nullif(sum(r.left_count), 0) / 86400)::numeric, 1)::float8 as "avgDays"
      from r
      -- The list holds this pipeline's stages only: changes to deleted stages stay out, and a move to another
      -- pipeline is not an advance.
      join st s on s.id = r.to_stage_id
      left join st ns on ns.id = r.next_stage_id
     group by r.to_stage_id`);
  return rowsOf<StageFlow>(res);
}

export interface BacktestSums {
  period: string;
  /** Open deals at the period's start (expected to close in it, or with no expected date), by their stage then. */
  openCount: number;
  pipeline: string;
  weighted: string;
  /** Won within the period: every deal, and those of the start's pipeline. */
  won: string;
  wonCount: number;
  wonFromPipeline: string;
}

/**
 * What the stage-weighted forecast said at the start of each past period against what was won in it. A deal counts
 * as open at the start when it was created before it and not yet closed; its stage then is the last stage change at
 * or before the start (deal_stage_changes_deal_idx), its probability that stage's. Amounts and expected close dates
 * have no history: the current ones are used. One currency at a time, nothing converted.
 */
export async function backtestByPeriod(
  db: Db,
  f: {
    workspaceId: string;
    periods: { period: string; start: string; end: string }[];
    currency: string;
    pipelineId?: string;
    ownerIds?: string[];
    stages: readonly ReportStage[];
  },
): Promise<BacktestSums[]> {
  if (f.stages.length === 0 || f.periods.length === 0) return [];
  const labels = f.periods.map((p) => p.period);
  const starts = f.periods.map((p) => p.start);
  const ends = f.periods.map((p) => p.end);
  const scope = sql`${dealScope(f)} and d.currency = ${f.currency}`;
  const res = await db.execute(sql`
    with periods as (
      select u.period, u.s::date as s_day, u.e::date as e_day, (u.s::timestamp at time zone 'UTC') as s, (u.e::timestamp at time zone 'UTC') as e
      from unnest(${`{${labels.join(",")}}`}::text[], ${`{${starts.join(",")}}`}::text[], ${`{${ends.join(",")}}`}::text[]) as u(period, s, e)
    ),
    open_at as (
      select p.period, d.amount, d.status, d.closed_at, p.e,
        coalesce(
          (select c.to_stage_id from ${dealStageChanges} c where c.workspace_id = d.workspace_id and c.deal_id = d.id and c.at <= p.s order by c.at desc limit 1),
          case when d.status = 'open' then d.stage_id end
        ) as stage_id
      from periods p join ${deals} d on ${scope} and d.created_at < p.s and (d.status = 'open' or d.closed_at >= p.s)
        and (d.expected_close_date is null or (d.expected_close_date >= p.s_day and d.expected_close_date < p.e_day))
    ),
    forecast as (
      select o.period, count(*)::int as n, coalesce(sum(o.amount), 0) as pipeline, coalesce(round(sum(o.amount * st.probability / 100.0), 2), 0) as weighted,
        coalesce(sum(o.amount) filter (where o.status = 'won' and o.closed_at < o.e), 0) as won_from
      from open_at o join ${stageList(f.stages)} on st.id = o.stage_id and st.type = 'open'
      group by o.period
    ),
    won as (
      select p.period, count(*)::int as n, coalesce(sum(d.amount), 0) as amount
      from periods p join ${deals} d on ${scope} and d.status = 'won' and d.closed_at >= p.s and d.closed_at < p.e
      group by p.period
    )
    select p.period, coalesce(f.n, 0) as "openCount", coalesce(f.pipeline, 0)::text as pipeline, coalesce(f.weighted, 0)::text as weighted,
      coalesce(w.amount, 0)::text as won, coalesce(w.n, 0) as "wonCount", coalesce(f.won_from, 0)::text as "wonFromPipeline"
    from periods p left join forecast f on f.period = p.period left join won w on w.period = p.period
    order by p.s`);
  return rowsOf<BacktestSums>(res).map((r) => ({ ...r, openCount: Number(r.openCount), wonCount: Number(r.wonCount) }));
}
