import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { MailAddress, MailKind, MailStatus } from "../../contract/mail.js";
import { createdAt, emptyArray, emptyObject, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";

/**
 * The mail outbox: every message the product sends is a row here first, written in the transaction that decided to
 * send it, and a `mail.send` job delivers it. The row is also the log admins read (Settings → Email log).
 */
export const mailMessages = pgTable(
  "mail_messages",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    kind: text("kind").$type<MailKind>().notNull(),
    fromAddress: text("from_address").notNull(),
    toAddresses: jsonb("to_addresses").$type<MailAddress[]>().notNull().default(emptyArray),
    ccAddresses: jsonb("cc_addresses").$type<MailAddress[]>().notNull().default(emptyArray),
    subject: text("subject").notNull(),
    text: text("text"),
    /** Sanitised when queued: what is stored is what is sent and what the log renders. */
    html: text("html"),
    /** Extra headers (List-Unsubscribe, X-…); the addressing headers come from the columns. */
    headers: jsonb("headers").$type<Record<string, string>>().notNull().default(emptyObject),
    /** Generated when queued, so every retry sends the same Message-ID and receivers can drop a duplicate. */
    messageId: text("message_id").notNull(),
    status: text("status").$type<MailStatus>().notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
    /** The content carries a secret (a sign-in or reset link): the log shows who and what, never the body. */
    sensitive: boolean("sensitive").notNull().default(false),
    relatedObject: text("related_object"),
    relatedId: uuid("related_id"),
    sentAt: timestamp("sent_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // The log, newest first, whole or by status.
    index("mail_messages_log_idx").on(t.workspaceId, t.createdAt, t.id),
    index("mail_messages_status_idx").on(t.workspaceId, t.status, t.createdAt, t.id),
    // "Send now" finds the kept messages of a workspace once SMTP is configured.
    index("mail_messages_unsent_idx").on(t.workspaceId).where(sql`${t.status} = 'not_configured'`),
  ],
);

/**
 * Settings → Email sending, one row per workspace: the addresses marketing mail may come from, where bounces go (the
 * receiver's VERP address), the address tracking and unsubscribe links start with, and the key those links are
 * signed with (random per workspace, never returned).
 */
export const mailSendingSettings = pgTable(
  "mail_sending_settings",
  {
    workspaceId: workspaceId(),
    senders: jsonb("senders").$type<{ address: string; name: string | null }[]>().notNull().default(emptyArray),
    bounceAddress: text("bounce_address"),
    trackingBaseUrl: text("tracking_base_url"),
    linkSecret: text("link_secret").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId] }),
    // The inbound receiver finds the workspace of a bounce by its address before it knows any workspace.
    index("mail_sending_settings_bounce_idx").on(t.bounceAddress),
  ],
);

/** A DKIM key per sending domain: mail whose From is at the domain is signed with it. The key is sealed, never returned. */
export const mailDkimKeys = pgTable(
  "mail_dkim_keys",
  {
    workspaceId: workspaceId(),
    /** Lower case. */
    domain: text("domain").notNull(),
    selector: text("selector").notNull(),
    /** "enc:v1:…" with RAPPORT_SECRET_KEY, else "plain:…" (src/modules/sso/secrets.ts). */
    privateKey: text("private_key").notNull(),
    /** The public key (PEM, SubjectPublicKeyInfo) derived when stored, for the DNS record the settings page shows. */
    publicKey: text("public_key").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.domain] })],
);

/**
 * Opens and clicks of tracked mail, one row per hit; first and total per recipient are aggregates over it. A hit a
 * machine most likely made (a privacy proxy's prefetch, a link scanner) is kept but flagged, and reported apart.
 */
export const mailTrackingEvents = pgTable(
  "mail_tracking_events",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    mailId: uuid("mail_id").notNull(),
    contactId: uuid("contact_id"),
    kind: text("kind").$type<"open" | "click">().notNull(),
    url: text("url"),
    machine: boolean("machine").notNull().default(false),
    machineReason: text("machine_reason"),
    userAgent: text("user_agent"),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("mail_tracking_events_mail_idx").on(t.workspaceId, t.mailId, t.kind, t.at),
    index("mail_tracking_events_contact_idx").on(t.workspaceId, t.contactId, t.at),
    reference("mail_tracking_events_mail_fk", [t.workspaceId, t.mailId], [mailMessages.workspaceId, mailMessages.id], "cascade"),
    reference("mail_tracking_events_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "set null"),
  ],
);
