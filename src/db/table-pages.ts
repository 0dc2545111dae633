import { type Column, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn, PgTable } from "drizzle-orm/pg-core";
import { PgliteSession } from "drizzle-orm/pglite";
import { type Db, jsonRows } from "./client.js";

/** Whether `db` (a connection or one of its transactions) is the embedded database. */
export function isEmbedded(db: Db): boolean {
  return (db as unknown as { session: unknown }).session instanceof PgliteSession;
}

interface Plan {
  /** Every column aliased by its database name; numeric as text, so JSON keeps every digit. */
  select: Record<string, SQL.Aliased>;
  columns: [key: string, name: string, column: Column][];
}

const plans = new WeakMap<PgTable, Plan>();

function planOf(table: PgTable): Plan {
  let plan = plans.get(table);
  if (!plan) {
    const columns = Object.entries(getTableColumns(table)).map(([key, column]) => [key, column.name, column] as [string, string, Column]);
    const select: Record<string, SQL.Aliased> = {};
    for (const [, name, column] of columns) {
      select[name] = (column.columnType === "PgNumeric" ? sql`${column}::text` : sql`${column}`).as(name);
    }
    plan = { select, columns };
    plans.set(table, plan);
  }
  return plan;
}

/** A row of a JSON array back into what Drizzle's select returns: each value through its column's own driver mapping. */
function fromJson<T>(plan: Plan, json: Record<string, unknown>): T {
  const row: Record<string, unknown> = {};
  for (const [key, name, column] of plan.columns) {
    const value = json[name];
    row[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as T;
}

type Extra = Record<string, SQL>;
type ExtraValues<E extends Extra> = { [K in keyof E]: E[K] extends SQL<infer V> ? V : unknown };

/**
 * A page of whole rows of `table`, with some extra expressions (a sort value for the cursor), for lists of tens of wide
 * rows. On PGlite the page comes back as one JSON value (jsonRows) and each value goes through its column's mapping:
 * PGlite's protocol reader copies every column value of every row before decoding it, and a page of 50 contacts is
 * ~1,800 values (the list's query took 3.1 ms as rows, 1.8–2.5 ms as JSON, embedded at 100k). On PostgreSQL the same
 * query returns rows: there, building the JSON cost the server more than node-postgres saves decoding it.
 */
export async function selectPage<T extends PgTable, E extends Extra>(
  db: Db,
  table: T,
  q: { extra: E; where: SQL | undefined; orderBy: (SQL | AnyPgColumn)[]; limit: number },
): Promise<{ row: T["$inferSelect"]; extra: ExtraValues<E> }[]> {
  if (!isEmbedded(db)) {
    const rows = await db
      .select({ row: table as PgTable, extra: q.extra } as never)
      .from(table as PgTable)
      .where(q.where)
      .orderBy(...q.orderBy)
      .limit(q.limit);
    return rows as unknown as { row: T["$inferSelect"]; extra: ExtraValues<E> }[];
  }
  const plan = planOf(table);
  const extras = Object.keys(q.extra);
  const aliased: Record<string, SQL.Aliased> = { ...plan.select };
  // Extra expressions go under names no column has.
  for (const name of extras) aliased[`extra:${name}`] = (q.extra[name] as SQL).as(`extra:${name}`);
  const query = db
    .select(aliased)
    .from(table as PgTable)
    .where(q.where)
    .orderBy(...q.orderBy)
    .limit(q.limit)
    .getSQL();
  const rows = await jsonRows<Record<string, unknown>>(db, query);
  return rows.map((json) => {
    const extra: Record<string, unknown> = {};
    for (const name of extras) extra[name] = json[`extra:${name}`] ?? null;
    return { row: fromJson<T["$inferSelect"]>(plan, json), extra: extra as ExtraValues<E> };
  });
}
