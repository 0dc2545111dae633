import { type Column, getTableColumns, is, SQL, sql } from "drizzle-orm";
import { PgDialect, type PgTable } from "drizzle-orm/pg-core";
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
  const statement = insertManyStatement(table, rows);
  if (!returning) {
    // Like Drizzle's onConflictDoNothing(): a row that hits any unique key is skipped, the first of a batch kept.
    await db.execute(typeof option === "object" ? sql`${statement} on conflict do nothing` : statement);
    return undefined;
  }
  const raw = await queryRows<Record<string, unknown>>(db, sql`${statement} returning *`);
  return raw.map((r) => {
    const out: Record<string, unknown> = {};
    for (const c of planOf(table).columns) {
      const value = r[c.name];
      out[c.key] = value === null || value === undefined ? null : c.column.mapFromDriverValue(value);
    }
    return out as T["$inferSelect"];
  });
}

interface ColumnPlan {
  key: string;
  column: Column;
  name: string;
  jsonType: boolean;
  defaultFn: Column["defaultFn"];
  staticDefault: unknown;
}

const dialect = new PgDialect();
// Per table: what each column needs per value, and the statement's text per shape of rows (which columns are given,
// and which of those some rows leave out), so a write builds only its JSON document. Building the statement with
// Drizzle's sql`` on every call (is() on each of ~100 chunks) cost more CPU than PostgreSQL spent running it for a
// single contact's history and outbox rows.
const plans = new WeakMap<PgTable, { columns: ColumnPlan[]; texts: Map<string, { head: SQL; tail: SQL }> }>();

function planOf(table: PgTable) {
  let plan = plans.get(table);
  if (!plan) {
    const columns = Object.entries(getTableColumns(table) as Record<string, Column>).map(([key, column]) => ({
      key,
      column,
      name: column.name,
      jsonType: column.getSQLType() === "jsonb",
      defaultFn: column.defaultFn,
      staticDefault: column.default !== undefined && !is(column.default, SQL) ? column.default : undefined,
    }));
    plan = { columns, texts: new Map() };
    plans.set(table, plan);
  }
  return plan;
}

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The statement before and after its one parameter (the rows as JSON). */
function statementParts(table: PgTable, given: ColumnPlan[], partial: Set<string>): { head: SQL; tail: SQL } {
  const recordType = sql.join(
    given.map((c) => sql`${ident(c.name)} ${sql.raw(c.column.getSQLType())}`),
    sql`, `,
  );
  const values = sql.join(
    given.map((c) => {
      // A property some rows left undefined (no key; an explicit null is JSON null): the SQL default, else null.
      const fallback = is(c.column.default, SQL) ? (c.column.default as SQL) : sql`null`;
      return partial.has(c.name)
        ? sql`case when x.e -> ${sql.raw(literal(c.name))} is not null then r.${ident(c.name)} else ${fallback} end`
        : sql`r.${ident(c.name)}`;
    }),
    sql`, `,
  );
  const columns = sql.join(
    given.map((c) => ident(c.name)),
    sql`, `,
  );
  return {
    head: sql`insert into ${table} (${columns}) select ${values} from json_array_elements(`,
    tail: sql`::json) with ordinality as x(e, n) cross join lateral json_to_record(x.e) as r(${recordType}) order by x.n`,
  };
}

/** The parts as text, once per shape; as Drizzle SQL when a column default takes parameters of its own. */
function statementText(table: PgTable, given: ColumnPlan[], partial: Set<string>): { head: SQL; tail: SQL } {
  const parts = statementParts(table, given, partial);
  const head = dialect.sqlToQuery(parts.head);
  const tail = dialect.sqlToQuery(parts.tail);
  return head.params.length || tail.params.length ? parts : { head: sql.raw(head.sql), tail: sql.raw(tail.sql) };
}

/**
 * The statement insertMany runs, without running it (rows must not be empty): to combine with another write in one
 * statement, as a data-modifying WITH.
 */
export function insertManyStatement<T extends PgTable>(table: T, rows: T["$inferInsert"][]): SQL {
  const plan = planOf(table);
  const given = plan.columns.filter((c) => rows.some((r) => (r as Record<string, unknown>)[c.key] !== undefined));
  const docs = rows.map((row) => {
    const doc: Record<string, unknown> = {};
    for (const c of given) {
      let value = (row as Record<string, unknown>)[c.key];
      if (value === undefined && c.defaultFn) value = c.defaultFn();
      if (value === undefined) value = c.staticDefault;
      if (value !== undefined) doc[c.name] = toJson(c.column, c.jsonType, value);
    }
    return doc;
  });
  const partial = new Set(given.filter((c) => !docs.every((d) => c.name in d)).map((c) => c.name));
  const shape = given.map((c) => (partial.has(c.name) ? `?${c.name}` : c.name)).join(",");
  let text = plan.texts.get(shape);
  if (!text) {
    text = statementText(table, given, partial);
    if (plan.texts.size < 200) plan.texts.set(shape, text);
  }
  return sql`${text.head}${JSON.stringify(docs)}${text.tail}`;
}
