/**
 * Set-based reporting SQL over the tickets tables, for the service dashboard (src/modules/service-reports). Like
 * deals/forecast-queries.ts, the one place outside the tickets service that aggregates these tables: a dashboard needs
 * GROUP BY and percentiles over a million tickets, which row-returning service calls cannot give. Each statement is an
 * index-only range scan on a covering index of migration service_dashboard_indexes: tickets_report_created_idx for the
 * period's new tickets, tickets_report_solved_idx for its solved ones, tickets_report_backlog_idx for the backlog. A
 * column a query here reads must be in its index's INCLUDE list, or the scan goes back to the table for every row.
 */
import { type SQL, sql } from "drizzle-orm";
import type { TicketChannel, TicketPriority } from "../../contract/tickets.js";
import { type Db, queryRows } from "../../db/client.js";

export interface DashboardFilter {
  workspaceId: string;
  /** Instants: from inclusive, to exclusive. */
  from: Date;
  to: Date;
  timeZone: string;
  queueId?: string | "none";
  assigneeId?: string | "none";
  channel?: TicketChannel;
  priority?: TicketPriority;
  /** The role's rule on tickets, over the alias `t` (undefined: every ticket). */
  visible?: SQL;
}

export interface DurationRow {
  count: number;
  median: number | null;
  p90: number | null;
}

/** One grouping of the created cohort: `dim` says which (overall, assignee, queue, channel, priority, status). */
export interface CreatedGroup {
  dim: "all" | "assignee" | "queue" | "channel" | "priority" | "status";
  key: string | null;
  created: number;
  awaiting: number;
  frt: DurationRow;
  csatCount: number;
  csatAvg: number | null;
  ratings: [number, number, number, number, number];
}

export interface SolvedGroup {
  dim: "all" | "assignee" | "queue";
  key: string | null;
  solved: number;
  resolution: DurationRow;
}

function ticketScope(f: Omit<DashboardFilter, "from" | "to" | "timeZone">): SQL {
  const parts: SQL[] = [sql`t.workspace_id = ${f.workspaceId}::uuid`, sql`t.deleted_at is null`];
  if (f.queueId === "none") parts.push(sql`t.queue_id is null`);
  else if (f.queueId) parts.push(sql`t.queue_id = ${f.queueId}::uuid`);
  if (f.assigneeId === "none") parts.push(sql`t.assignee_id is null`);
  else if (f.assigneeId) parts.push(sql`t.assignee_id = ${f.assigneeId}::uuid`);
  if (f.channel) parts.push(sql`t.channel = ${f.channel}`);
  if (f.priority) parts.push(sql`t.priority = ${f.priority}`);
  if (f.visible) parts.push(f.visible);
  return sql.join(parts, sql` and `);
}

const num = (v: unknown): number => Number(v ?? 0);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const period = (col: SQL, f: DashboardFilter) => sql`${col} >= ${f.from.toISOString()}::timestamptz and ${col} < ${f.to.toISOString()}::timestamptz`;

/**
 * The tickets created in the period: counts, first-response percentiles and CSAT overall, per assignee and per queue
 * by GROUPING SETS (grouping() tells an "unassigned" group from the total); then plain counts per channel, priority
 * and status in a second statement. Percentiles (ordered-set aggregates) make PostgreSQL sort the rows once per
 * grouping set, so the sets that need only counts go to a hash aggregate instead of three more sorts.
 */
export async function createdCohort(db: Db, f: DashboardFilter): Promise<CreatedGroup[]> {
  const frt = sql`extract(epoch from (t.first_response_at - t.created_at))::float8`;
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`select grouping(t.assignee_id, t.queue_id) as g, t.assignee_id::text as assignee, t.queue_id::text as queue,
          count(*)::int as created,
          count(*) filter (where t.first_response_at is null)::int as awaiting,
          count(t.first_response_at)::int as frt_count,
          percentile_cont(0.5) within group (order by ${frt}) as frt_median,
          percentile_cont(0.9) within group (order by ${frt}) as frt_p90,
          count(t.satisfaction)::int as csat_count,
          round(avg(t.satisfaction), 2)::float8 as csat_avg,
          count(*) filter (where t.satisfaction = 1)::int as r1,
          count(*) filter (where t.satisfaction = 2)::int as r2,
          count(*) filter (where t.satisfaction = 3)::int as r3,
          count(*) filter (where t.satisfaction = 4)::int as r4,
          count(*) filter (where t.satisfaction = 5)::int as r5
        from tickets t
        where ${ticketScope(f)} and ${period(sql`t.created_at`, f)}
        group by grouping sets ((), (t.assignee_id), (t.queue_id))`,
  );
  // grouping() sets a bit for each column NOT grouped by, first argument highest: 0b01 is "by assignee".
  const dims: Record<number, CreatedGroup["dim"]> = { 3: "all", 1: "assignee", 2: "queue" };
  const groups: CreatedGroup[] = rows.map((r) => {
    const dim = dims[num(r.g)] ?? "all";
    return {
      dim,
      key: ((dim === "assignee" ? r.assignee : dim === "queue" ? r.queue : null) as string | null) ?? null,
      created: num(r.created),
      awaiting: num(r.awaiting),
      frt: { count: num(r.frt_count), median: numOrNull(r.frt_median), p90: numOrNull(r.frt_p90) },
      csatCount: num(r.csat_count),
      csatAvg: numOrNull(r.csat_avg),
      ratings: [num(r.r1), num(r.r2), num(r.r3), num(r.r4), num(r.r5)],
    };
  });
  const counts = await queryRows<{ g: number; channel: string | null; priority: string | null; status: string | null; n: number }>(
    db,
    sql`select grouping(t.channel, t.priority, t.status) as g, t.channel, t.priority, t.status, count(*)::int as n
        from tickets t
        where ${ticketScope(f)} and ${period(sql`t.created_at`, f)}
        group by grouping sets ((t.channel), (t.priority), (t.status))`,
  );
  const countDims: Record<number, "channel" | "priority" | "status"> = { 3: "channel", 5: "priority", 6: "status" };
  for (const r of counts) {
    const dim = countDims[num(r.g)];
    if (!dim) continue;
    groups.push({
      dim,
      key: r[dim],
      created: num(r.n),
      awaiting: 0,
      frt: { count: 0, median: null, p90: null },
      csatCount: 0,
      csatAvg: null,
      ratings: [0, 0, 0, 0, 0],
    });
  }
  return groups;
}

/** The tickets solved in the period: how many, and how long from creation to solving, overall, per assignee and per queue. */
export async function solvedCohort(db: Db, f: DashboardFilter): Promise<SolvedGroup[]> {
  const secs = sql`extract(epoch from (t.solved_at - t.created_at))::float8`;
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`select grouping(t.assignee_id, t.queue_id) as g, t.assignee_id::text as assignee, t.queue_id::text as queue,
          count(*)::int as solved,
          percentile_cont(0.5) within group (order by ${secs}) as median,
          percentile_cont(0.9) within group (order by ${secs}) as p90
        from tickets t
        where ${ticketScope(f)} and t.solved_at >= ${f.from.toISOString()}::timestamptz and t.solved_at < ${f.to.toISOString()}::timestamptz
        group by grouping sets ((), (t.assignee_id), (t.queue_id))`,
  );
  const dims: Record<number, SolvedGroup["dim"]> = { 3: "all", 1: "assignee", 2: "queue" };
  return rows.map((r) => {
    const dim = dims[num(r.g)] ?? "all";
    return {
      dim,
      key: ((dim === "assignee" ? r.assignee : dim === "queue" ? r.queue : null) as string | null) ?? null,
      solved: num(r.solved),
      resolution: { count: num(r.solved), median: numOrNull(r.median), p90: numOrNull(r.p90) },
    };
  });
}

/** Tickets created per day (workspace's calendar days) and channel, and tickets solved per day. */
export async function dailyCounts(
  db: Db,
  f: DashboardFilter,
): Promise<{ created: { day: string; channel: string; n: number }[]; solved: { day: string; n: number }[] }> {
  const range = (col: SQL) => sql`${col} >= ${f.from.toISOString()}::timestamptz and ${col} < ${f.to.toISOString()}::timestamptz`;
  const created = await queryRows<{ day: string; channel: string; n: number }>(
    db,
    sql`select to_char(t.created_at at time zone ${f.timeZone}, 'YYYY-MM-DD') as day, t.channel, count(*)::int as n
        from tickets t where ${ticketScope(f)} and ${range(sql`t.created_at`)} group by 1, 2`,
  );
  const solved = await queryRows<{ day: string; n: number }>(
    db,
    sql`select to_char(t.solved_at at time zone ${f.timeZone}, 'YYYY-MM-DD') as day, count(*)::int as n
        from tickets t where ${ticketScope(f)} and ${range(sql`t.solved_at`)} group by 1`,
  );
  return { created: created.map((r) => ({ ...r, n: num(r.n) })), solved: solved.map((r) => ({ ...r, n: num(r.n) })) };
}

/** Tickets in these (unsolved) statuses now, per status and queue; not bounded by the period. */
export async function backlogCounts(
  db: Db,
  f: Omit<DashboardFilter, "from" | "to" | "timeZone">,
  openStatuses: string[],
): Promise<{ status: string; queue: string | null; n: number }[]> {
  if (openStatuses.length === 0) return [];
  const rows = await queryRows<{ status: string; queue: string | null; n: number }>(
    db,
    sql`select t.status, t.queue_id::text as queue, count(*)::int as n from tickets t
        where ${ticketScope(f)} and t.status in (${sql.join(
          openStatuses.map((s) => sql`${s}`),
          sql`, `,
        )}) group by 1, 2`,
  );
  return rows.map((r) => ({ ...r, n: num(r.n) }));
}

/** Names of the workspace's queues, for labelling the groups. */
export async function queueNames(db: Db, workspaceId: string): Promise<Map<string, string>> {
  const rows = await queryRows<{ id: string; name: string }>(db, sql`select id::text as id, name from ticket_queues where workspace_id = ${workspaceId}::uuid`);
  return new Map(rows.map((r) => [r.id, r.name]));
}

export interface SlaAttainmentRow {
  metric: string;
  met: number;
  breached: number;
}

/**
 * Met and breached SLA clocks of the period's new tickets, per metric, or null when this installation has no SLA clocks
 * table (the SLA module, issue 19, lands on its own branch: this query reads its ticket_sla_clocks by name, and
 * starts counting as soon as that migration has run). A clock counts once decided: met in time, or past due / breached.
 * `clocksTable` exists for the test, which checks this SQL against a table of the same columns before the SLA module is merged.
 */
export async function slaAttainment(db: Db, f: DashboardFilter, clocksTable = "ticket_sla_clocks"): Promise<SlaAttainmentRow[] | null> {
  if (!/^[a-z_][a-z0-9_]*$/.test(clocksTable)) throw new Error(`not a table name: ${clocksTable}`);
  const [exists] = await queryRows<{ t: string | null }>(db, sql`select to_regclass(${clocksTable})::text as t`);
  if (!exists?.t) return null;
  const breached = sql`(c.breached_at is not null or (c.met_at is null and c.due_at < now()) or (c.met_at > c.due_at))`;
  const rows = await queryRows<{ metric: string; met: number; breached: number }>(
    db,
    sql`select c.metric,
          count(*) filter (where c.met_at is not null and not ${breached})::int as met,
          count(*) filter (where ${breached})::int as breached
        from tickets t join ${sql.identifier(clocksTable)} c on c.workspace_id = t.workspace_id and c.ticket_id = t.id
        where ${ticketScope(f)} and t.created_at >= ${f.from.toISOString()}::timestamptz and t.created_at < ${f.to.toISOString()}::timestamptz
        group by 1 order by 1`,
  );
  return rows.map((r) => ({ metric: r.metric, met: num(r.met), breached: num(r.breached) }));
}
