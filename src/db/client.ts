import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { type SQL, sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import * as schema from "./schema.js";
import type { Db } from "./types.js";
import { attachWorkspaceCache, listenOnPglite, listenOnServer, WorkspaceCache } from "./workspace-cache.js";

export type { Db, Schema } from "./types.js";
export type DatabaseKind = "pglite" | "postgres";

export interface Database {
  db: Db;
  kind: DatabaseKind;
  /** Set in server mode; migrations take a dedicated connection from it. */
  pool?: pg.Pool;
  /** Server mode: the connection string, for components with pools of their own (the job queue). */
  url?: string;
  /** Embedded mode: the one PGlite connection, which the job queue shares (PGlite serialises every statement). */
  pglite?: PGlite;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres://… selects the server mode; otherwise PGlite. */
  url?: string;
  /** PGlite data folder; omitted means in memory. */
  dataDir?: string;
  /** PGlite: start from a copy of this data folder (a `dumpDataDir` tarball), e.g. tests' once-migrated template. */
  loadDataDir?: Blob;
}

// node-postgres returns bigint (int8) as string; our counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const cache = new WorkspaceCache();
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: 10 });
    // An idle connection the server closes (a restart, a failover, an administrator's terminate) is reported on the
    // pool; unheard, node-postgres throws it and the whole process goes down. The pool replaces the connection itself.
    pool.on("error", (error) => console.error(`Database connection lost: ${error.message}`));
    const db = drizzlePg(pool, { schema }) as unknown as Db;
    attachWorkspaceCache(db, cache);
    const stop = await listenOnServer(options.url, cache);
    return {
      db,
      kind: "postgres",
      pool,
      url: options.url,
      close: async () => {
        await stop();
        await pool.end();
      },
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  const client = await PGlite.create({
    dataDir: options.dataDir,
    loadDataDir: options.loadDataDir,
    extensions: { pg_trgm },
  });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  attachWorkspaceCache(db, cache);
  const stop = await listenOnPglite(client, cache);
  return {
    db,
    kind: "pglite",
    pglite: client,
    close: async () => {
      await stop();
      await client.close();
    },
  };
}

/** Rows of a raw `db.execute(sql…)`: node-postgres and PGlite both answer { rows }. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

/**
 * The rows of a query as one JSON array, for results of hundreds of rows: the driver then decodes one value instead
 * of one per column and row. PGlite's protocol reader copies each value into a buffer of its own before decoding it,
 * which was a quarter of a board request's time on the embedded database. Values arrive as JSON types (numbers,
 * strings, null), so select text for anything JSON would change (numeric amounts, timestamps).
 */
export async function jsonRows<T>(db: Db, query: SQL): Promise<T[]> {
  return (await jsonRowSets<{ rows: T[] }>(db, { rows: query })).rows;
}

/**
 * Several queries' rows in one statement, each set as one JSON array (as jsonRows): one round trip and one plan
 * instead of one per query, for a page built from a few small result sets.
 */
export async function jsonRowSets<T extends Record<string, unknown[]>>(db: Db, queries: { [K in keyof T]: SQL }): Promise<T> {
  const names = Object.keys(queries) as (keyof T & string)[];
  const columns = names.map((name) => sql`(select coalesce(json_agg(q), '[]') from (${queries[name]}) q) as ${sql.identifier(name)}`);
  const [row] = await queryRows<Record<string, unknown[] | string>>(db, sql`select ${sql.join(columns, sql`, `)}`);
  const out = {} as T;
  for (const name of names) {
    const value = row?.[name] ?? [];
    out[name] = (typeof value === "string" ? JSON.parse(value) : value) as T[typeof name];
  }
  return out;
}

/** Ids as one PostgreSQL array literal, bound as a single parameter (`${pgUuids(ids)}::uuid[]`); ids are validated UUIDs. */
export const pgUuids = (ids: readonly string[]): string => `{${ids.join(",")}}`;
