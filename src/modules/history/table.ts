import { sql } from "drizzle-orm";
import { index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
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

/** Events for automation, webhooks and scoring; consumers read these, never the business tables. */
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
    processedAt: timestamp("processed_at", {
      withTimezone: true,
      mode: "date",
    }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("outbox_pending_idx").on(t.createdAt).where(sql`processed_at is null`)],
);
