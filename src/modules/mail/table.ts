import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { MailAddress, MailKind, MailStatus } from "../../contract/mail.js";
import { createdAt, emptyArray, emptyObject, recordId, updatedAt, workspaceId } from "../../db/columns.js";

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
