import { type SQL, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "./client.js";
import { rootDb } from "./workspace-scope.js";

// Per Drizzle instance (the root database or a transaction's `tx`, whose entries go with it): a prepared query
// runs on the session it was built on, so one built on the pool must not serve a transaction.
const built = new WeakMap<Db, Map<string, unknown>>();

/**
 * A hot query built once per database and run as a named prepared statement. Why: Drizzle spends ~90 µs of CPU
 * building a select of the contacts table's 35 columns (its `is()` walks class chains for every chunk) — twice
 * what the primary-key lookup costs PostgreSQL — and an unnamed statement is parsed and planned on every call.
 * Prepared, the query is built once and, on PostgreSQL, parsed once per pooled connection
 * (`bench/drizzle-prepared.ts`). Use it for fixed-shape lookups on hot
 * paths; a query whose shape varies (filters, sorts, column lists) is built per call as usual.
 *
 * `name` must be unique per query text across the process: node-postgres refuses a name reused for other text.
 */
export function prepared<Q>(handle: Db, name: string, build: (db: Db, name: string) => Q): Q {
  const db = rootDb(handle);
  let byName = built.get(db);
  if (!byName) {
    byName = new Map();
    built.set(db, byName);
  }
  let query = byName.get(name) as Q | undefined;
  if (query === undefined) {
    query = build(db, name);
    byName.set(name, query);
  }
  return query;
}

/** A prepared statement's bound parameter, given its value by name at `execute({ [name]: value })`. */
export const param = (name: string) => sql.placeholder(name);

/** `column = any($name::uuid[])`: ids bound as one array, so the statement's text does not vary with their number. */
export const inIds = (column: AnyPgColumn, name: string): SQL => sql`${column} = any(${param(name)}::uuid[])`;
