import { sql } from "drizzle-orm";
import { bigint, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { recordId, workspaceId } from "../../db/columns.js";

export interface AuditChange {
  field: string;
  from: unknown;
  to: unknown;
}

/**
 * The workspace's audit log: one row per change (written by the "audit" consumer of the event stream, so no write
 * path is forgotten) or security event (sign-ins and exports, written where they happen). Rows are only ever
 * inserted and, past the retention period, deleted.
 */
export const auditLog = pgTable(
  "audit_log",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    actorKind: text("actor_kind").notNull(),
    actorId: uuid("actor_id"),
    apiKeyId: uuid("api_key_id"),
    action: text("action").notNull(),
    object: text("object").notNull(),
    objectId: uuid("object_id"),
    /** The record's name when the entry was written: a deleted record's entries still say which one it was. */
    recordName: text("record_name"),
    /** The sentence after the actor's name ("changed Stage from Qualified to Won on deal Acme renewal"). */
    summary: text("summary").notNull(),
    changes: jsonb("changes").$type<AuditChange[]>().notNull().default(sql`'[]'::jsonb`),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    ip: text("ip"),
    userAgent: text("user_agent"),
    /** The event an entry was made from: a consumer batch that runs again after a crash never writes it twice. */
    eventId: uuid("event_id"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("audit_log_at_idx").on(t.workspaceId, t.at, t.id),
    index("audit_log_actor_idx").on(t.workspaceId, t.actorId, t.at),
    index("audit_log_object_idx").on(t.workspaceId, t.object, t.objectId),
    uniqueIndex("audit_log_event_key").on(t.workspaceId, t.eventId),
  ],
);

/** API key use: one counter per key and UTC day, not a row per request. */
export const apiKeyUsage = pgTable(
  "api_key_usage",
  {
    workspaceId: workspaceId(),
    apiKeyId: uuid("api_key_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    requests: bigint("requests", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.apiKeyId, t.day] })],
);

/** Per-workspace audit settings; a workspace without a row keeps the defaults. */
export const auditSettings = pgTable("audit_settings", {
  workspaceId: uuid("workspace_id").primaryKey(),
  retentionDays: integer("retention_days").notNull().default(365),
  updatedAt: timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
});
