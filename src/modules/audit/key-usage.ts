import { sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { insertManyStatement } from "../../db/insert-many.js";
import { rootDb } from "../../db/workspace-scope.js";
import { apiKeyUsage } from "./table.js";

/**
 * API key use by day. An integration sends a request after another: a write per request would double the work of
 * a cheap read. Each process counts in memory and adds its counts to the day's row at most every FLUSH_MS (and when
 * the app closes, and before anyone reads them); a crash loses at most those few seconds of counts.
 */
const FLUSH_MS = 10_000;

interface Pending {
  counts: Map<string, { workspaceId: string; apiKeyId: string; day: string; requests: number }>;
  lastFlush: number;
  flushing?: Promise<void>;
}
const pendingByDb = new WeakMap<Db, Pending>();

// Keyed by the database behind a request's workspace-scoped handle, which the counting and the reading hold.
function pendingOf(db: Db): Pending {
  let p = pendingByDb.get(rootDb(db));
  if (!p) {
    p = { counts: new Map(), lastFlush: Date.now() };
    pendingByDb.set(rootDb(db), p);
  }
  return p;
}

/** Counts one request made with a key; never throws and never waits for the database. */
export function countKeyUse(db: Db, workspaceId: string, apiKeyId: string, now = new Date()): void {
  const p = pendingOf(db);
  const day = now.toISOString().slice(0, 10);
  const key = `${workspaceId}:${apiKeyId}:${day}`;
  const entry = p.counts.get(key);
  if (entry) entry.requests++;
  else p.counts.set(key, { workspaceId, apiKeyId, day, requests: 1 });
  if (!p.flushing && Date.now() - p.lastFlush >= FLUSH_MS) void flushKeyUse(db).catch(() => {});
}

/** Adds this process's pending counts to the database. */
export async function flushKeyUse(db: Db): Promise<void> {
  const p = pendingOf(db);
  if (p.flushing) await p.flushing;
  if (p.counts.size === 0) return;
  const rows = [...p.counts.values()];
  p.counts.clear();
  p.lastFlush = Date.now();
  p.flushing = (async () => {
    try {
      await db.execute(
        sql`${insertManyStatement(apiKeyUsage, rows)} on conflict (workspace_id, api_key_id, day) do update set requests = api_key_usage.requests + excluded.requests`,
      );
    } catch (err) {
      // Put the counts back for the next flush rather than lose them to a passing database error.
      for (const r of rows) {
        const key = `${r.workspaceId}:${r.apiKeyId}:${r.day}`;
        const entry = p.counts.get(key);
        if (entry) entry.requests += r.requests;
        else p.counts.set(key, r);
      }
      throw err;
    } finally {
      p.flushing = undefined;
    }
  })();
  await p.flushing;
}
