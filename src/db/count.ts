import { type SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { type Db, queryRows } from "./client.js";

/** Up to this many matching rows are counted one by one; beyond, the planner's estimate stands in. */
export const EXACT_COUNT_LIMIT = 10_000;

export interface RowCount {
  count: number;
  exact: boolean;
}

/**
 * How many rows match, without counting a huge table on every page load: an exact count when at most
 * `limit` rows match (the scan stops at limit + 1, so a selective filter or a small workspace costs
 * little), else PostgreSQL's own estimate from `EXPLAIN` — never below what was already counted.
 */
export async function countRows(db: Db, table: PgTable, where: SQL | undefined, limit = EXACT_COUNT_LIMIT): Promise<RowCount> {
  const filter = where ? sql`where ${where}` : sql``;
  const [capped] = await queryRows<{ n: number | string }>(db, sql`select count(*)::int as n from (select 1 from ${table} ${filter} limit ${limit + 1}) s`);
  const n = Number(capped?.n ?? 0);
  if (n <= limit) return { count: n, exact: true };
  const [plan] = await queryRows<{ "QUERY PLAN": unknown }>(db, sql`explain (format json) select 1 from ${table} ${filter}`);
  return { count: Math.max(planRows(plan?.["QUERY PLAN"]), n), exact: false };
}

function planRows(raw: unknown): number {
  const doc = typeof raw === "string" ? (JSON.parse(raw) as unknown) : raw;
  const top = Array.isArray(doc) ? (doc[0] as { Plan?: { "Plan Rows"?: number } } | undefined) : undefined;
  return Math.round(Number(top?.Plan?.["Plan Rows"] ?? 0));
}
