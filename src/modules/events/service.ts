import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Event, EventType } from "../../contract/events.js";
import type { Ctx } from "../../core/context.js";
import { assertCan } from "../../core/roles.js";
import { type Db, pgUuids, queryRows } from "../../db/client.js";
import { outboxEvents } from "../history/table.js";
import { eventConsumers } from "./table.js";

const SEQUENCER_LOCK = 727275;

/**
 * Numbers the events whose transactions can no longer be overtaken: those written by a transaction older than
 * the oldest one still running in this database. Any event still to come belongs to a transaction at or above that
 * one. Within that set events are numbered in the order they were written (created_at, then the id, which rises
 * within a process), not by transaction id: a transaction that took its id early (an import batch) may change a
 * record after a later-numbered transaction changed it and committed (a user's edit), and a consumer must see the
 * edit first. Two changes of one record never cross: the second writer waits for the first one's commit, so its
 * event is written later and is never numbered before it. One sequencer at a time (advisory lock), so positions are
 * unique and increasing. Returns how many events it numbered.
 *
 * The horizon is this database's oldest running writer (pg_stat_activity), not the snapshot's xmin: transaction ids
 * are shared by the whole server, so with xmin a long transaction in another database (a bulk load, a seed) held
 * every event back for its whole length (measured: p95 of 25 s from commit to consumer at 100 events/s beside an
 * import in another database; bench/RESULTS.md). Only the app's own sessions write events, and they see each other's
 * backend_xid. Numbering only ever takes committed rows, so the horizon decides order, never whether an event is kept.
 */
export async function sequenceEvents(db: Db, limit = 5000): Promise<number> {
  return db.transaction(async (tx) => {
    const [locked] = await queryRows<{ ok: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${SEQUENCER_LOCK}) as ok`);
    // Another worker is numbering right now; its pass covers these events or the next one will.
    if (!locked?.ok) return 0;
    // nextval over the ordered subquery: the outer select takes the rows in the subquery's order.
    const rows = await queryRows<{ n: number }>(
      tx,
      sql`with numbered as (
            select workspace_id, id, nextval('outbox_position_seq') as position from (
              select workspace_id, id from outbox_events
              where position is null
                and age(xid(tx_id)) > coalesce((select max(age(backend_xid)) from pg_stat_activity
                                                where datname = current_database() and backend_xid is not null
                                                  and pid <> pg_backend_pid()), -1)
              order by created_at, id limit ${limit}) ordered),
          done as (update outbox_events o set position = numbered.position from numbered
                   where o.workspace_id = numbered.workspace_id and o.id = numbered.id returning 1)
          select count(*)::int as n from done`,
    );
    return rows[0]?.n ?? 0;
  });
}

type Row = typeof outboxEvents.$inferSelect;

export function toEvent(r: Row): Event {
  const payload = r.payload as { record?: Record<string, unknown> | null; changes?: Event["data"]["changes"] };
  return {
    id: r.id,
    position: r.position ?? 0,
    type: r.type as EventType,
    object: r.object,
    recordId: r.recordId,
    workspaceId: r.workspaceId,
    occurredAt: r.createdAt.toISOString(),
    actor: { kind: r.actorKind as Event["actor"]["kind"], userId: r.actorId },
    source: r.source as Event["source"],
    data: { record: payload.record ?? null, changes: payload.changes ?? [] },
  };
}

/** A workspace's numbered events after a position, oldest first: the API's feed and an admin's replay view. */
export async function listEvents(ctx: Ctx, q: { after: number; limit: number; types?: string[] }): Promise<{ data: Event[]; nextAfter: number }> {
  assertCan(ctx.actor, "admin");
  const e = outboxEvents;
  const rows = await ctx.db
    .select()
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), gt(e.position, q.after), q.types?.length ? inArray(e.type, q.types) : undefined))
    .orderBy(asc(e.position))
    .limit(q.limit);
  const data = rows.map(toEvent);
  return { data, nextAfter: data.at(-1)?.position ?? q.after };
}

/** Something that reacts to events: it reads the stream in order, from its own cursor, at its own pace. */
export interface Consumer {
  name: string;
  /** Only these types reach handle(); the cursor still moves past the others. Omitted: every type. */
  types?: readonly EventType[];
  /** Leave out events written by imports (one per imported record). */
  skipImports?: boolean;
  batchSize?: number;
  /**
   * Handles a batch inside the transaction that moves the cursor past it: database effects written through `tx`
   * commit with the cursor, so a crash repeats the batch with none of its effects applied (exactly once). Effects
   * outside the database belong in jobs enqueued through `tx`.
   */
  handle(tx: Db, events: Event[]): Promise<void>;
}

/**
 * Feeds one batch to a consumer. The cursor row is locked for the batch (SKIP LOCKED: a second worker leaves a
 * consumer that is already busy), so each consumer reads strictly in order however many workers run. A handler
 * that throws rolls back its batch and the cursor; the error is kept on the cursor and rethrown, so the dispatching
 * job retries with backoff and the stuck consumer is visible to admins. Returns how many events it moved past.
 */
export async function runConsumer(db: Db, consumer: Consumer): Promise<number> {
  // A new consumer starts at the present: what happened before it existed is history, not work (replay reaches it).
  await db.insert(eventConsumers).values({ name: consumer.name, position: sql`coalesce((select max(position) from outbox_events), 0)` }).onConflictDoNothing();
  try {
    return await db.transaction(async (tx) => {
      const [cursor] = await tx.select().from(eventConsumers).where(eq(eventConsumers.name, consumer.name)).for("update", { skipLocked: true });
      if (!cursor) return 0;
      const e = outboxEvents;
      const rows = await tx
        .select()
        .from(e)
        .where(gt(e.position, cursor.position))
        .orderBy(asc(e.position))
        .limit(consumer.batchSize ?? 500);
      if (rows.length === 0) return 0;
      const wanted = rows.filter((r) => (!consumer.types || consumer.types.includes(r.type as EventType)) && !(consumer.skipImports && r.source === "import"));
      if (wanted.length) await consumer.handle(tx, wanted.map(toEvent));
      const last = rows.at(-1)?.position ?? cursor.position;
      await tx
        .update(eventConsumers)
        .set({ position: last, updatedAt: new Date(), lastError: null, failures: 0 })
        .where(eq(eventConsumers.name, consumer.name));
      return rows.length;
    });
  } catch (err) {
    await db
      .update(eventConsumers)
      .set({ lastError: err instanceof Error ? err.message : String(err), failures: sql`${eventConsumers.failures} + 1`, updatedAt: new Date() })
      .where(eq(eventConsumers.name, consumer.name));
    throw err;
  }
}

/** Numbers what can be numbered, then feeds every consumer until it has caught up (or `maxBatches` ran). */
export async function dispatchEvents(db: Db, consumers: readonly Consumer[], maxBatches = 20): Promise<{ sequenced: number; delivered: number }> {
  let sequenced = 0;
  for (let n = await sequenceEvents(db); n > 0; n = await sequenceEvents(db)) sequenced += n;
  let delivered = 0;
  const failures: unknown[] = [];
  for (const consumer of consumers) {
    try {
      for (let i = 0; i < maxBatches; i++) {
        const n = await runConsumer(db, consumer);
        delivered += n;
        if (n === 0) break;
      }
    } catch (err) {
      // One stuck consumer never holds back the others; the job still fails, to be retried.
      failures.push(err);
    }
  }
  if (failures.length) throw failures[0];
  return { sequenced, delivered };
}

export interface ConsumerStatus {
  name: string;
  position: number;
  lag: number;
  updatedAt: string;
  lastError: string | null;
  failures: number;
}

/** Each consumer's cursor and how many numbered events it has still to read. */
export async function consumerStatuses(db: Db): Promise<ConsumerStatus[]> {
  const rows = await queryRows<{ name: string; position: number; lag: number; updated_at: Date | string; last_error: string | null; failures: number }>(
    db,
    sql`select c.name, c.position, c.updated_at, c.last_error, c.failures,
               coalesce((select max(position) from outbox_events), c.position) - c.position as lag
        from event_consumers c order by c.name`,
  );
  return rows.map((r) => ({
    name: r.name,
    position: Number(r.position),
    lag: Math.max(0, Number(r.lag)),
    updatedAt: new Date(r.updated_at).toISOString(),
    lastError: r.last_error,
    failures: r.failures,
  }));
}

/** Moves a consumer's cursor back (or forward) so it reads again from just after `position`. */
export async function replayConsumer(db: Db, name: string, position: number): Promise<boolean> {
  const rows = await db
    .update(eventConsumers)
    .set({ position, updatedAt: new Date(), lastError: null, failures: 0 })
    .where(eq(eventConsumers.name, name))
    .returning({ name: eventConsumers.name });
  return rows.length > 0;
}

/**
 * Deletes numbered events older than the retention period. Events no consumer has read yet are kept whatever their
 * age, so pruning never loses an event a consumer still owes a reaction to.
 */
export async function pruneEvents(db: Db, olderThan: Date): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from outbox_events where created_at < ${olderThan.toISOString()}::timestamptz and position is not null
            and position <= coalesce((select min(position) from event_consumers), position)
          returning 1)
        select count(*)::int as n from gone`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Where some events' changes came from (the API key, the client's address and user agent), which the writer keeps in
 * the payload but toEvent leaves out of what consumers and webhooks see: only the audit log reads it.
 */
export async function eventOrigins(
  db: Db,
  events: { workspaceId: string; id: string }[],
): Promise<Map<string, { ip: string | null; userAgent: string | null; apiKeyId: string | null }>> {
  if (events.length === 0) return new Map();
  const rows = await queryRows<{ id: string; origin: { ip?: string | null; userAgent?: string | null; apiKeyId?: string | null } | null }>(
    db,
    sql`select id, payload->'origin' as origin from outbox_events
        where (workspace_id, id) in (select * from unnest(${pgUuids(events.map((e) => e.workspaceId))}::uuid[], ${pgUuids(events.map((e) => e.id))}::uuid[]))
          and payload ? 'origin'`,
  );
  return new Map(rows.map((r) => [r.id, { ip: r.origin?.ip ?? null, userAgent: r.origin?.userAgent ?? null, apiKeyId: r.origin?.apiKeyId ?? null }]));
}
