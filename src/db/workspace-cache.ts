import type { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { Db } from "./types.js";
import { rootDb } from "./workspace-scope.js";

/** The channel the configuration triggers of migration 0012 notify, with the workspace id as payload. */
export const CONFIG_CHANNEL = "rapport_config";

/** Workspaces whose configuration a process keeps; the least recently loaded go first beyond this. */
const MAX_WORKSPACES = 2_000;

/**
 * A workspace's configuration as this process last read it: custom-field definitions, validation and scoring
 * rules, settings and user ids, which every create and update reads (six of a contact create's thirteen
 * statements) and which change rarely. An entry lives until PostgreSQL announces a change to that workspace's
 * configuration (NOTIFY from triggers, migration 0012) or the writer in this process forgets it after its commit
 * (so a user's next request sees their own change at once). While the listening connection is down nothing is
 * cached: every read goes to the database, as it would without the cache.
 */
export class WorkspaceCache {
  #live = false;
  readonly #entries = new Map<string, Map<string, Promise<unknown>>>();

  get live(): boolean {
    return this.#live;
  }

  setLive(live: boolean): void {
    this.#live = live;
    if (!live) this.#entries.clear();
  }

  forget(workspaceId: string): void {
    this.#entries.delete(workspaceId);
  }

  clear(): void {
    this.#entries.clear();
  }

  /**
   * The cached value, or `load()`'s, kept for the next caller. A load that is in flight when its workspace is
   * forgotten is handed to the callers already waiting on it but not kept. Callers must not mutate what they get.
   */
  get<T>(workspaceId: string, key: string, load: () => Promise<T>): Promise<T> {
    if (!this.#live) return load();
    let entries = this.#entries.get(workspaceId);
    const hit = entries?.get(key);
    if (hit) return hit as Promise<T>;
    if (!entries) {
      if (this.#entries.size >= MAX_WORKSPACES) {
        const oldest = this.#entries.keys().next().value;
        if (oldest !== undefined) this.#entries.delete(oldest);
      }
      entries = new Map();
      this.#entries.set(workspaceId, entries);
    }
    const loading = load();
    entries.set(key, loading);
    // A failed read is not remembered.
    loading.catch(() => {
      if (this.#entries.get(workspaceId)?.get(key) === loading) this.#entries.get(workspaceId)?.delete(key);
    });
    return loading;
  }
}

/**
 * Freezes a value to be cached and, for an array, its elements (one level): configuration is shared by every
 * request of the process, so a caller that sorts or edits it in place must fail loudly (modules are strict mode).
 */
export function frozen<T>(value: T): T {
  if (Array.isArray(value)) for (const v of value) if (v && typeof v === "object") Object.freeze(v);
  if (value && typeof value === "object") Object.freeze(value);
  return value;
}

// Keyed by the root Drizzle instance: a transaction's `tx` is not in here, so reads inside a transaction always go
// to the database and see that transaction's own writes.
const caches = new WeakMap<Db, WorkspaceCache>();

export function attachWorkspaceCache(db: Db, cache: WorkspaceCache): void {
  caches.set(db, cache);
}

/** Reads one piece of a workspace's configuration through the process's cache when `ctx.db` has one. */
export function cachedConfig<T>(ctx: { db: Db; workspaceId: string }, key: string, load: () => Promise<T>): Promise<T> {
  const cache = caches.get(rootDb(ctx.db));
  return cache ? cache.get(ctx.workspaceId, key, load) : load();
}

/**
 * Whether `cachedConfig` would serve this context from memory: a root connection whose cache is live. A caller with
 * a cheaper narrow query than loading the whole cached piece (names of a few users) uses this to pick, rather than
 * load every user inside a transaction.
 */
export function servesFromCache(ctx: { db: Db }): boolean {
  return caches.get(rootDb(ctx.db))?.live ?? false;
}

/**
 * Lets a transaction that changes no configuration read it through `db`'s cache, as statements outside a
 * transaction do. For background work that writes records only (a workflow run's steps): each of its record writes
 * reads the workspace's settings, fields and rules, which are the same for every run. The cache stays coherent by
 * the configuration triggers' announcements, so a read may be as old as a request's outside a transaction, never
 * older; a transaction that writes configuration must not use this (it would not read its own change).
 */
export function shareConfigCache(tx: Db, db: Db): void {
  const cache = caches.get(rootDb(db));
  if (cache) caches.set(tx, cache);
}

/** After a committed change to a workspace's configuration: this process's next read goes to the database. */
export function forgetConfig(ctx: { db: Db; workspaceId: string }): void {
  caches.get(rootDb(ctx.db))?.forget(ctx.workspaceId);
}

/**
 * Listens on a dedicated connection and keeps the cache live while it is up; reconnects every second after a
 * failure (the cache stays off meanwhile, so no announcement can be missed). Returns the function that stops it.
 */
export async function listenOnServer(url: string, cache: WorkspaceCache): Promise<() => Promise<void>> {
  let stopped = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  const reconnect = () => {
    cache.setLive(false);
    if (!stopped && !retry) retry = setTimeout(connect, 1_000);
  };
  const connect = async () => {
    retry = undefined;
    const c = new pg.Client({ connectionString: url, application_name: `rapport config listener (pid ${process.pid})` });
    client = c;
    c.on("notification", (n) => (n.payload ? cache.forget(n.payload) : cache.clear()));
    // A client that was replaced may still report its end: only the current one's matters.
    c.on("error", () => client === c && reconnect());
    c.on("end", () => client === c && reconnect());
    try {
      await c.connect();
      await c.query(`listen ${CONFIG_CHANNEL}`);
      if (!stopped && client === c) cache.setLive(true);
    } catch {
      c.end().catch(() => {});
      if (client === c) reconnect();
    }
  };
  await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    cache.setLive(false);
    await client?.end().catch(() => {});
  };
}

/** Embedded: one process owns the database, and PGlite calls back when a transaction that notified commits. */
export async function listenOnPglite(client: PGlite, cache: WorkspaceCache): Promise<() => Promise<void>> {
  const unlisten = await client.listen(CONFIG_CHANNEL, (payload) => cache.forget(payload));
  cache.setLive(true);
  return async () => {
    cache.setLive(false);
    await unlisten();
  };
}
