import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { ConsentChannel, ConsentSource, ConsentStatus, SuppressionReason } from "../../contract/consent.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";
import { users } from "../users/table.js";

/** What people subscribe to (newsletter, product news, events); admins keep the list. */
export const consentTopics = pgTable(
  "consent_topics",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("consent_topics_name_key").on(t.workspaceId, sql`lower(${t.name})`)],
);

/**
 * Consent as records: every grant, refusal or pending opt-in is a row that is never changed (except confirmed_at
 * when a double opt-in is confirmed), so the proof of what a person agreed to, when and how stays. A contact's
 * current consent for a channel and topic is its latest row; topic_id null is the channel as a whole.
 */
export const consentRecords = pgTable(
  "consent_records",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    contactId: uuid("contact_id").notNull(),
    channel: text("channel").$type<ConsentChannel>().notNull(),
    topicId: uuid("topic_id"),
    status: text("status").$type<ConsentStatus>().notNull(),
    source: text("source").$type<ConsentSource>().notNull(),
    recordedAt: timestamp("recorded_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    confirmedAt: timestamp("confirmed_at", { withTimezone: true, mode: "date" }),
    formId: text("form_id"),
    ip: text("ip"),
    note: text("note"),
    actorId: uuid("actor_id"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("consent_records_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    reference("consent_records_topic_fk", [t.workspaceId, t.topicId], [consentTopics.workspaceId, consentTopics.id], "cascade"),
    reference("consent_records_actor_fk", [t.workspaceId, t.actorId], [users.workspaceId, users.id], "set null"),
    // The latest row per contact, channel and topic: an index-only probe for sends and the contact page.
    index("consent_records_latest_idx").on(t.workspaceId, t.contactId, t.channel, t.topicId, t.recordedAt),
  ],
);

/** Addresses no marketing email goes to, whoever they belong to now or later. */
export const suppressions = pgTable(
  "suppressions",
  {
    workspaceId: workspaceId(),
    /** Lower-cased email address. */
    address: text("address").notNull(),
    reason: text("reason").$type<SuppressionReason>().notNull(),
    note: text("note").notNull().default(""),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.address] }),
    reference("suppressions_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
    index("suppressions_created_idx").on(t.workspaceId, t.createdAt),
  ],
);

/**
 * The suppression list's audit trail (who added or removed an address, and why) and the soft bounces counted
 * towards suppressing an address that keeps failing.
 */
export const suppressionLog = pgTable(
  "suppression_log",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    address: text("address").notNull(),
    action: text("action").$type<"added" | "removed" | "soft_bounce">().notNull(),
    reason: text("reason").notNull().default(""),
    detail: text("detail").notNull().default(""),
    actorId: uuid("actor_id"),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("suppression_log_actor_fk", [t.workspaceId, t.actorId], [users.workspaceId, users.id], "set null"),
    index("suppression_log_address_idx").on(t.workspaceId, t.address, t.at),
    index("suppression_log_at_idx").on(t.workspaceId, t.at),
  ],
);

/** Per workspace: the key that signs preference and confirmation links, and the soft-bounce limit. */
export const consentSettings = pgTable("consent_settings", {
  workspaceId: workspaceId().primaryKey(),
  linkSecret: text("link_secret").notNull(),
  softBounceLimit: integer("soft_bounce_limit").notNull().default(3),
  updatedAt: updatedAt(),
});
