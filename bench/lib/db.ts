import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { Database } from "../../src/db/client.js";

/** Raw SQL on one connection (temp tables and BEGIN…COMMIT need that): PGlite itself, or one pooled pg client. */
export interface Raw {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  release(): void;
}

export async function rawConnection(database: Database): Promise<Raw> {
  if (database.pool) {
    const client: pg.PoolClient = await database.pool.connect();
    return {
      query: async <T>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as T[],
      release: () => client.release(),
    };
  }
  const client = pgliteOf(database);
  return {
    query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    release: () => {},
  };
}

/** The PGlite instance under Drizzle (drizzle-orm exposes it as $client). */
export function pgliteOf(database: Database): PGlite {
  return (database.db as unknown as { $client: PGlite }).$client;
}

/**
 * A one-off query on whichever database: the pool in server mode, PGlite otherwise. With a `name`, a named
 * prepared statement on PostgreSQL (parsed once per pooled connection), as the app runs its hot lookups
 * (src/db/prepared.ts); PGlite has no named statements.
 */
export async function queryOnce<T = Record<string, unknown>>(database: Database, text: string, params?: unknown[], name?: string): Promise<T[]> {
  if (database.pool) return (await database.pool.query(name ? { name, text, values: params } : { text, values: params })).rows as T[];
  return (await pgliteOf(database).query<T>(text, params)).rows;
}

/** pg_class.reltuples estimates (never count(*)) and sizes of the tables the bench cares about. */
export async function tableStats(database: Database): Promise<{ table: string; rows: number; bytes: number }[]> {
  const rows = await queryOnce<{ table: string; rows: number | string; bytes: number | string }>(
    database,
    `select c.relname as "table", greatest(c.reltuples, 0)::float8 as rows, pg_total_relation_size(c.oid)::float8 as bytes
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'
        and c.relname in ('companies', 'contacts', 'activities', 'record_history', 'outbox_events', 'users', 'deals', 'deal_stage_changes', 'tasks', 'quotas')
      order by pg_total_relation_size(c.oid) desc`,
  );
  return rows.map((r) => ({ table: r.table, rows: Math.round(Number(r.rows)), bytes: Number(r.bytes) }));
}
