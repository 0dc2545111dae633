import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { insertManyStatement } from "../../db/insert-many.js";
import { type FieldChange, type HistoryAction, outboxEvents, recordHistory } from "./table.js";

type Tx = Db;

/** Empty lists and objects count as no value, so a new record's history lists only what was set. */
const canonical = (v: unknown) => {
  if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) return null;
  if (v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) return null;
  return v;
};
const same = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Field-by-field differences; custom fields are compared key by key and named custom.<key>. */
export function diff(before: Record<string, unknown> | null, after: Record<string, unknown> | null, fields: readonly string[]): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const field of fields) {
    const from = before?.[field] ?? null;
    const to = after?.[field] ?? null;
    if (field === "custom") {
      const a = (from ?? {}) as Record<string, unknown>;
      const b = (to ?? {}) as Record<string, unknown>;
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        if (!same(a[key], b[key]))
          changes.push({
            field: `custom.${key}`,
            from: a[key] ?? null,
            to: b[key] ?? null,
          });
      }
    } else if (!same(from, to)) {
      changes.push({ field, from, to });
    }
  }
  return changes;
}

export interface ChangeRecord {
  object: string;
  recordId: string;
  action: HistoryAction;
  changes: FieldChange[];
  /** The event's payload: usually the record after the change. */
  payload?: Record<string, unknown>;
}

/** Writes the history row and the outbox event; call inside the transaction that made the change. */
export async function recordChanges(tx: Tx, ctx: Ctx, records: ChangeRecord[]): Promise<void> {
  const meaningful = records.filter((r) => r.action !== "update" || r.changes.length > 0);
  if (meaningful.length === 0) return;
  const now = new Date();
  const history = insertManyStatement(
    recordHistory,
    meaningful.map((r) => ({
      workspaceId: ctx.workspaceId,
      id: newId(),
      object: r.object,
      recordId: r.recordId,
      action: r.action,
      actorId: ctx.actor.userId,
      actorKind: ctx.actor.kind,
      changes: r.changes,
      // Millisecond precision, as JavaScript dates carry, keeps timeline cursors exact.
      at: now,
    })),
  );
  const events = insertManyStatement(
    outboxEvents,
    meaningful.map((r) => ({
      workspaceId: ctx.workspaceId,
      id: newId(),
      type: `${r.object}.${r.action}`,
      object: r.object,
      recordId: r.recordId,
      payload: { changes: r.changes, record: r.payload ?? null },
      createdAt: now,
    })),
  );
  // One statement: every write of the app ends with these two, and on the embedded database each statement costs
  // ~0.3 ms of its own before any work (no named statements), on a server a round trip.
  await tx.execute(sql`with history as (${history}) ${events}`);
}

export interface HistoryRow {
  id: string;
  object: string;
  recordId: string;
  action: HistoryAction;
  actorId: string | null;
  changes: FieldChange[];
  at: Date;
}

/** History of some records, newest first, before an optional (at, id) position. */
export async function listHistory(
  ctx: Ctx,
  targets: { object: string; recordIds: string[] }[],
  limit: number,
  before?: { at: Date; id: string },
): Promise<HistoryRow[]> {
  const nonEmpty = targets.filter((t) => t.recordIds.length > 0);
  if (nonEmpty.length === 0) return [];
  const h = recordHistory;
  return ctx.db
    .select({
      id: h.id,
      object: h.object,
      recordId: h.recordId,
      action: h.action,
      actorId: h.actorId,
      changes: h.changes,
      at: h.at,
    })
    .from(h)
    .where(
      and(
        eq(h.workspaceId, ctx.workspaceId),
        or(...nonEmpty.map((t) => and(eq(h.object, t.object), inArray(h.recordId, t.recordIds)))),
        before ? or(lt(h.at, before.at), and(eq(h.at, before.at), lt(h.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(h.at), desc(h.id))
    .limit(limit);
}
