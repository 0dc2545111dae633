import { sql } from "drizzle-orm";
import { bigint, boolean, customType, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { InboundStatus } from "../../contract/mail-in.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";

/** node-postgres returns a Buffer, PGlite a Uint8Array: both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
});

/**
 * An address of a workspace whose mail becomes tickets: received by our SMTP receiver, polled over IMAP, or both.
 * The address is unique across workspaces: the SMTP receiver finds the workspace by RCPT TO before it knows any.
 */
export const mailboxes = pgTable(
  "mailboxes",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    /** Lower case. */
    address: text("address").notNull(),
    name: text("name").notNull(),
    queueId: uuid("queue_id"),
    autoAcknowledge: boolean("auto_acknowledge").notNull().default(true),
    enabled: boolean("enabled").notNull().default(true),
    imapHost: text("imap_host"),
    imapPort: integer("imap_port"),
    imapTls: boolean("imap_tls").notNull().default(true),
    imapUser: text("imap_user"),
    /** "enc:v1:…" when RAPPORT_SECRET_KEY is set (AES-256-GCM), otherwise "plain:…"; never returned or logged. */
    imapPassword: text("imap_password"),
    imapFolder: text("imap_folder").notNull().default("INBOX"),
    /**
     * The polling checkpoint: the folder's UIDVALIDITY and the highest UID taken in under it. Written after each
     * message, so a poll that dies mid-way resumes after the last message it stored; a new UIDVALIDITY (the folder
     * was rebuilt) starts over, and the Message-ID dedupe drops what was already taken in.
     */
    imapUidValidity: bigint("imap_uid_validity", { mode: "bigint" }),
    imapLastUid: bigint("imap_last_uid", { mode: "number" }).notNull().default(0),
    imapLastPolledAt: timestamp("imap_last_polled_at", { withTimezone: true, mode: "date" }),
    imapLastError: text("imap_last_error"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("mailboxes_address_key").on(t.address)],
);

/**
 * Every message received, with its raw MIME as it arrived ("View original", and a second look at what failed). The
 * dedupe key is the Message-ID (or a hash of the raw message when it has none), unique per workspace, so the same
 * message reaching two mailboxes, or delivered twice, is taken in once.
 */
export const inboundMessages = pgTable(
  "inbound_messages",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    mailboxId: uuid("mailbox_id").notNull(),
    via: text("via").$type<"smtp" | "imap">().notNull(),
    dedupeKey: text("dedupe_key").notNull(),
    messageId: text("message_id"),
    fromAddress: text("from_address"),
    subject: text("subject"),
    size: integer("size").notNull(),
    raw: bytea("raw").notNull(),
    status: text("status").$type<InboundStatus>().notNull(),
    reason: text("reason"),
    ticketId: uuid("ticket_id"),
    ticketMessageId: uuid("ticket_message_id"),
    acknowledged: boolean("acknowledged").notNull().default(false),
    receivedAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("inbound_messages_mailbox_fk", [t.workspaceId, t.mailboxId], [mailboxes.workspaceId, mailboxes.id], "cascade"),
    uniqueIndex("inbound_messages_dedupe_key").on(t.workspaceId, t.dedupeKey),
    index("inbound_messages_received_idx").on(t.workspaceId, t.receivedAt),
    // The per-sender acknowledgement limit counts a sender's recent acknowledged messages.
    index("inbound_messages_acks_idx").on(t.workspaceId, t.fromAddress, t.receivedAt).where(sql`${t.acknowledged}`),
    index("inbound_messages_ticket_message_idx").on(t.workspaceId, t.ticketMessageId),
  ],
);
