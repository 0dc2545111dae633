import { sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { CsatScale } from "../../contract/csat.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";
import { tickets } from "../tickets/table.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** One row per workspace that changed the survey's defaults (off until an admin switches it on). */
export const csatSettings = pgTable("csat_settings", {
  workspaceId: workspaceId().primaryKey(),
  enabled: boolean("enabled").notNull().default(false),
  delayMinutes: integer("delay_minutes").notNull().default(60),
  question: text("question"),
  scale: text("scale").$type<CsatScale>().notNull().default("five"),
  askComment: boolean("ask_comment").notNull().default(true),
  resendDays: integer("resend_days").notNull().default(30),
  updatedAt: updatedAt(),
});

/**
 * A survey from the moment a ticket is solved: scheduled, then sent or skipped (with the reason), then answered.
 * The agent and queue are those of the ticket when it was solved, so results per agent and queue stay true after a
 * ticket moves on.
 */
export const csatSurveys = pgTable(
  "csat_surveys",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    ticketId: uuid("ticket_id").notNull(),
    ticketNumber: integer("ticket_number").notNull(),
    contactId: uuid("contact_id").notNull(),
    agentId: uuid("agent_id"),
    queueId: uuid("queue_id"),
    scale: text("scale").$type<CsatScale>().notNull(),
    status: text("status").$type<"scheduled" | "sent" | "skipped" | "answered">().notNull().default("scheduled"),
    skipReason: text("skip_reason"),
    tokenHash: text("token_hash"),
    sendAt: at("send_at").notNull(),
    sentAt: at("sent_at"),
    rating: smallint("rating"),
    comment: text("comment"),
    answeredAt: at("answered_at"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("csat_surveys_ticket_fk", [t.workspaceId, t.ticketId], [tickets.workspaceId, tickets.id], "cascade"),
    reference("csat_surveys_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    // The sender's only query, across workspaces: stays small because sent and skipped surveys leave it.
    index("csat_surveys_due_idx").on(t.sendAt).where(sql`status = 'scheduled'`),
    index("csat_surveys_token_idx").on(t.workspaceId, t.tokenHash),
    index("csat_surveys_contact_idx").on(t.workspaceId, t.contactId, t.sentAt),
    index("csat_surveys_ticket_idx").on(t.workspaceId, t.ticketId),
    index("csat_surveys_sent_idx").on(t.workspaceId, t.sentAt),
  ],
);
