import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import { type EventObject, type EventType, type eventObjects, namedEvents } from "../../contract/events.js";
import { actorIdOf, type Ctx } from "../../core/context.js";
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

type Verb<A extends string> = A extends "created"
  ? "create"
  : A extends "updated"
    ? "update"
    : A extends "deleted"
      ? "delete"
      : A extends "restored"
        ? "restore"
        : A extends "merged"
          ? "merge"
          : never;
type ActionOf<O extends EventObject> = Verb<(typeof eventObjects)[O]["actions"][number]> | (O extends "activity" ? "create" : never);

/** One change: the catalogue (src/contract/events.ts) decides which objects and actions exist. */
export type ChangeRecord = {
  [O in EventObject]: {
    object: O;
    recordId: string;
    action: ActionOf<O>;
    changes: FieldChange[];
    /** The event's record: usually the record after the change. */
    payload?: Record<string, unknown>;
  };
}[EventObject];

const pastTense: Record<HistoryAction, string> = { create: "created", update: "updated", delete: "deleted", restore: "restored", merge: "merged" };

/** The events one change publishes: its own, and the named ones its changed fields imply. */
export function eventTypesOf(r: Pick<ChangeRecord, "object" | "action" | "changes">): EventType[] {
  // An activity's creation is the moment it is logged; "activity.created" would say the same twice.
  if (r.object === "activity" && r.action === "create") return ["activity.logged"];
  const types = [`${r.object}.${pastTense[r.action]}` as EventType];
  if (r.object === "deal" && r.action === "update" && r.changes.some((c) => c.field === "stage")) types.push("deal.stage_changed");
  if (r.object === "task" && r.action === "update" && r.changes.some((c) => c.field === "status" && c.to === "done")) types.push("task.completed");
  if (r.object === "ticket" && r.action === "update" && r.changes.some((c) => c.field === "status")) types.push("ticket.status_changed");
  if (r.object === "ticket" && (r.action === "create" || r.action === "update") && r.changes.some((c) => c.field === "assigneeId" && c.to))
    types.push("ticket.assigned");
  return types;
}

export interface RecordOptions {
  /** "import" flags one event per imported record, so consumers may skip bulk loads. */
  source?: "import";
}

/** Writes the history row and the events; call inside the transaction that made the change. */
export async function recordChanges(tx: Tx, ctx: Ctx, records: ChangeRecord[], options: RecordOptions = {}): Promise<void> {
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
      actorId: actorIdOf(ctx.actor),
      actorKind: ctx.actor.kind,
      changes: r.changes,
      // Millisecond precision, as JavaScript dates carry, keeps timeline cursors exact.
      at: now,
    })),
  );
  // One statement: every write of the app ends with these, and on the embedded database each statement costs
  // ~0.3 ms of its own before any work (no named statements), on a server a round trip.
  const events = eventsStatement(ctx, meaningful, now, options.source ?? ctx.eventSource ?? sourceOf(ctx));
  await tx.execute(sql`with history as (${history}), events as (${events}) ${wake}`);
}

/** Publishes events that change no record of their own (form.submitted, import.finished), in the caller's transaction. */
export async function publishEvents(
  tx: Tx,
  ctx: Ctx,
  events: { type: keyof typeof namedEvents; recordId: string; record: Record<string, unknown>; changes?: FieldChange[] }[],
): Promise<void> {
  if (events.length === 0) return;
  const now = new Date();
  const origin = originOf(ctx);
  const rows = events.map((e) => ({
    workspaceId: ctx.workspaceId,
    id: newId(),
    type: e.type,
    object: namedEvents[e.type].object,
    recordId: e.recordId,
    payload: { changes: e.changes ?? [], record: e.record, ...(origin ? { origin } : {}) },
    createdAt: now,
    actorId: actorIdOf(ctx.actor),
    actorKind: ctx.actor.kind,
    source: ctx.eventSource ?? sourceOf(ctx),
  }));
  await tx.execute(sql`with events as (${insertManyStatement(outboxEvents, rows)}) ${wake}`);
}

/** Where a change came from when no bulk load says otherwise: the actor's kind (CLI, forms and jobs act as system). */
const sourceOf = (ctx: Ctx) => (ctx.actor.kind === "api_key" ? "api" : ctx.actor.kind === "system" ? "system" : "app");

// Tells listening workers (modules/events) that events wait to be sequenced; PostgreSQL delivers it on commit, once
// per transaction however many statements raise it, and drops it on rollback.
const wake = sql`select pg_notify('rapport_events', '')`;

/**
 * Who and where beyond the actor's kind and user: the API key and the request's address and user agent, for the
 * audit log. Kept in the payload, which consumers and webhooks see only through toEvent (it leaves this out).
 */
function originOf(ctx: Ctx): Record<string, unknown> | undefined {
  if (!ctx.origin && !ctx.actor.apiKeyId) return undefined;
  return { ip: ctx.origin?.ip ?? null, userAgent: ctx.origin?.userAgent ?? null, apiKeyId: ctx.actor.apiKeyId ?? null };
}

function eventsStatement(ctx: Ctx, records: ChangeRecord[], now: Date, source: string) {
  const origin = originOf(ctx);
  const rows = records.flatMap((r) =>
    eventTypesOf(r).map((type) => ({
      workspaceId: ctx.workspaceId,
      id: newId(),
      type,
      object: r.object,
      recordId: r.recordId,
      payload: { changes: r.changes, record: r.payload ?? null, ...(origin ? { origin } : {}) },
      createdAt: now,
      actorId: actorIdOf(ctx.actor),
      actorKind: ctx.actor.kind,
      source,
    })),
  );
  return insertManyStatement(outboxEvents, rows);
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
