import { sql } from "drizzle-orm";
import { bigint, customType, index, jsonb, pgSequence, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, recordId, workspaceId } from "../../db/columns.js";

export type HistoryAction = "create" | "update" | "delete" | "restore" | "merge";
export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** Who changed what and when, written in the same transaction as the change. */
export const recordHistory = pgTable(
  "record_history",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").notNull(),
    recordId: uuid("record_id").notNull(),
    action: text("action").$type<HistoryAction>().notNull(),
    actorId: uuid("actor_id"),
    actorKind: text("actor_kind").notNull().default("user"),
    changes: jsonb("changes").$type<FieldChange[]>().notNull(),
    at: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("record_history_record_idx").on(t.workspaceId, t.object, t.recordId, t.at)],
);

/** Positions of the event stream, taken only by the sequencer (modules/events). */
export const outboxPositionSeq = pgSequence("outbox_position_seq");

/** PostgreSQL's 64-bit transaction id: which transaction wrote an event, so the sequencer can order by commit safety. */
const xid8 = customType<{ data: string; driverData: string }>({ dataType: () => "xid8" });

/**
 * The event stream (catalogue in src/contract/events.ts), written in the same transaction as the change. `position`
 * is null until the sequencer numbers the event, which it does only once every transaction that could still write
 * a lower one has ended (tx_id below the oldest running transaction): a sequence value taken at insert time would
 * let a consumer read past an event whose transaction commits later. Consumers read by position and never block
 * each other (see modules/events).
 */
export const outboxEvents = pgTable(
  "outbox_events",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    type: text("type").notNull(),
    object: text("object").notNull(),
    recordId: uuid("record_id").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    txId: xid8("tx_id").notNull().default(sql`pg_current_xact_id()`),
    position: bigint("position", { mode: "number" }),
    actorId: uuid("actor_id"),
    actorKind: text("actor_kind").notNull().default("system"),
    /** "import" marks one event per imported record, so consumers may skip bulk loads. */
    source: text("source").notNull().default("app"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("outbox_unsequenced_idx").on(t.txId, t.createdAt, t.id).where(sql`position is null`),
    uniqueIndex("outbox_position_idx").on(t.position),
    index("outbox_workspace_position_idx").on(t.workspaceId, t.position).where(sql`position is not null`),
  ],
);
