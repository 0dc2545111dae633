import { sql } from "drizzle-orm";
import { bigint, boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { WebhookCondition } from "../../contract/webhooks.js";
import { createdAt, emptyArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/** Endpoints subscribed to event types. The secret signs deliveries; it leaves the server only at creation or rotation. */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    url: text("url").notNull(),
    description: text("description").notNull().default(""),
    eventTypes: text("event_types").array().notNull(),
    conditions: jsonb("conditions").$type<WebhookCondition[]>().notNull().default(emptyArray),
    secret: text("secret").notNull(),
    /** The secret before the last rotation, still signing (beside the new one) until previous_secret_expires_at. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: timestamp("previous_secret_expires_at", { withTimezone: true, mode: "date" }),
    enabled: boolean("enabled").notNull().default(true),
    disabledReason: text("disabled_reason"),
    disabledAt: timestamp("disabled_at", { withTimezone: true, mode: "date" }),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    lastSuccessAt: timestamp("last_success_at", { withTimezone: true, mode: "date" }),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("webhook_endpoints_created_by_fk", [t.workspaceId, t.createdBy], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
  ],
);

/**
 * One message per (endpoint, event): its body is fixed when the event is fanned out, so every attempt sends the same
 * bytes under the same webhook-id. Pending deliveries of one record go out oldest first (seq), one at a time.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    endpointId: uuid("endpoint_id").notNull(),
    /** The event's id; null for a test event. */
    eventId: uuid("event_id"),
    eventType: text("event_type").notNull(),
    recordId: uuid("record_id").notNull(),
    /** Order among one record's deliveries: the event's stream position (test events and redeliveries: a new one). */
    seq: bigint("seq", { mode: "number" }).notNull(),
    messageId: text("message_id").notNull(),
    body: text("body").notNull(),
    status: text("status").$type<"pending" | "succeeded" | "failed">().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    completedAt: timestamp("completed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.endpointId], foreignColumns: [webhookEndpoints.workspaceId, webhookEndpoints.id] }).onDelete("cascade"),
    uniqueIndex("webhook_deliveries_event_key").on(t.workspaceId, t.endpointId, t.eventId),
    index("webhook_deliveries_log_idx").on(t.workspaceId, t.endpointId, t.createdAt, t.id),
    index("webhook_deliveries_pending_idx").on(t.workspaceId, t.endpointId, t.recordId, t.seq).where(sql`status = 'pending'`),
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`status = 'pending'`),
  ],
);

/** Every attempt of a delivery: what was sent, what came back (truncated), how long it took. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    deliveryId: uuid("delivery_id").notNull(),
    attempt: integer("attempt").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }).notNull(),
    durationMs: integer("duration_ms").notNull(),
    requestHeaders: jsonb("request_headers").$type<Record<string, string>>().notNull(),
    responseStatus: integer("response_status"),
    responseBody: text("response_body"),
    error: text("error"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.deliveryId], foreignColumns: [webhookDeliveries.workspaceId, webhookDeliveries.id] }).onDelete("cascade"),
    index("webhook_attempts_delivery_idx").on(t.workspaceId, t.deliveryId, t.attempt),
  ],
);

/** Per-workspace webhook settings; a missing row means the defaults. */
export const webhookSettings = pgTable(
  "webhook_settings",
  {
    workspaceId: workspaceId(),
    allowPrivateTargets: boolean("allow_private_targets").notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId] })],
);

/** Inbound hooks: the URL carries "<workspace id>.<secret>"; only the secret's hash is kept. */
export const inboundHooks = pgTable(
  "inbound_hooks",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    tokenHint: text("token_hint").notNull(),
    receivedCount: integer("received_count").notNull().default(0),
    lastReceivedAt: timestamp("last_received_at", { withTimezone: true, mode: "date" }),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("inbound_hooks_token_key").on(t.workspaceId, t.tokenHash)],
);
