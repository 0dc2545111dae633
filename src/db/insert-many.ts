import { type Column, getTableColumns, is, SQL, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import { type Db, queryRows } from "./client.js";

/** How a value travels inside the JSON document: what json_to_record turns back into the column's type. */
function toJson(column: Column, jsonType: boolean, value: unknown): unknown {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return value.toString();
  // jsonb and array columns take the JSON value itself; every other type goes through the column's own mapping.
  if (jsonType || Array.isArray(value)) return value;
  const mapped = column.mapToDriverValue(value);
  return mapped instanceof Date ? mapped.toISOString() : mapped;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

/**
 * Inserts many rows with one statement and one parameter: the rows as a JSON array, expanded by
 * json_array_elements / json_to_record (json, not jsonb: the document is only read once, so building a jsonb
 * of it first cost more, ~95 ms to bind a batch of 1,000 outbox events). Drizzle's multi-row insert binds every value (1,000 contacts of 25
 * columns are 25,000 parameters): building that statement was a third of a CSV import's CPU, and binding it
 * took PostgreSQL ~45 ms per batch. Same semantics as `db.insert(table).values(rows)`: a property left
 * undefined takes the column's default ($defaultFn, then the SQL default, else null); an explicit null is null.
 * With `returning`, the inserted rows come back mapped as Drizzle maps them, in input order.
 */
export async function insertMany<T extends PgTable>(db: Db, table: T, rows: T["$inferInsert"][], options?: { onConflict: "doNothing" }): Promise<undefined>;
export async function insertMany<T extends PgTable>(db: Db, table: T, rows: T["$inferInsert"][], returning: true): Promise<T["$inferSelect"][]>;
export async function insertMany<T extends PgTable>(
  db: Db,
  table: T,
  rows: T["$inferInsert"][],
  option?: true | { onConflict: "doNothing" },
): Promise<T["$inferSelect"][] | undefined> {
  const returning = option === true;
  if (rows.length === 0) return returning ? [] : undefined;
  const columns = getTableColumns(table) as Record<string, Column>;
  const keys = Object.keys(columns).filter((key) => rows.some((r) => (r as Record<string, unknown>)[key] !== undefined));
  // What each column needs per value, worked out once: Drizzle's is() and getSQLType() per row and column were a
  // tenth of a contacts import's CPU.
  const plan = keys.map((key) => {
    const column = columns[key] as Column;
    const staticDefault = column.default !== undefined && !is(column.default, SQL) ? column.default : undefined;
    return { key, column, name: column.name, jsonType: column.getSQLType() === "jsonb", defaultFn: column.defaultFn, staticDefault };
  });
  const docs = rows.map((row) => {
    const doc: Record<string, unknown> = {};
    for (const c of plan) {
      let value = (row as Record<string, unknown>)[c.key];
      if (value === undefined && c.defaultFn) value = c.defaultFn();
      if (value === undefined) value = c.staticDefault;
      if (value !== undefined) doc[c.name] = toJson(c.column, c.jsonType, value);
    }
    return doc;
  });
  const names = keys.map((key) => (columns[key] as Column).name);
  const recordType = sql.join(
    keys.map((key) => {
      const column = columns[key] as Column;
      return sql`${ident(column.name)} ${sql.raw(column.getSQLType())}`;
    }),
    sql`, `,
  );
  const values = sql.join(
    keys.map((key) => {
      const column = columns[key] as Column;
      const name = column.name;
      // A property some rows left undefined (no key; an explicit null is JSON null): the SQL default, else null.
      const fallback = is(column.default, SQL) ? (column.default as SQL) : sql`null`;
      return docs.every((d) => name in d) ? sql`r.${ident(name)}` : sql`case when x.e -> ${name} is not null then r.${ident(name)} else ${fallback} end`;
    }),
    sql`, `,
  );
  const statement = sql`insert into ${table} (${sql.join(names.map(ident), sql`, `)})
    select ${values} from json_array_elements(${JSON.stringify(docs)}::json) with ordinality as x(e, n)
    cross join lateral json_to_record(x.e) as r(${recordType})
    order by x.n`;
  if (!returning) {
    // Like Drizzle's onConflictDoNothing(): a row that hits any unique key is skipped, the first of a batch kept.
    await db.execute(typeof option === "object" ? sql`${statement} on conflict do nothing` : statement);
    return undefined;
  }
  const raw = await queryRows<Record<string, unknown>>(db, sql`${statement} returning *`);
  return raw.map((r) => {
    const out: Record<string, unknown> = {};
    for (const [key, column] of Object.entries(columns)) {
      const value = r[column.name];
      out[key] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
    }
    return out as T["$inferSelect"];
  });
}
