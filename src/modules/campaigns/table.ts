import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { CampaignAudience, CampaignStatus, RecipientStatus } from "../../contract/campaigns.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";
import { emailTemplates } from "../email-templates/table.js";
import { users } from "../users/table.js";

/** What a campaign sends, frozen when sending starts: later edits of the template do not change a running campaign. */
export interface CampaignContent {
  subject: string;
  preheader: string | null;
  body: string;
}

/**
 * A marketing campaign: one template to an audience (segments and lists minus exclusions, suppressions, refused
 * consent and do-not-contact), optionally with an A/B subject test on a sample, sent in throttled batches by the
 * `campaigns.send` job.
 */
export const campaigns = pgTable(
  "campaigns",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    status: text("status").$type<CampaignStatus>().notNull().default("draft"),
    templateId: uuid("template_id"),
    fromAddress: text("from_address"),
    /** The subject (liquid); null: the template's. */
    subject: text("subject"),
    /** A/B test: the second subject, the share of the audience each variant gets, and how the winner is chosen. */
    subjectB: text("subject_b"),
    abSamplePercent: integer("ab_sample_percent"),
    abWinnerBy: text("ab_winner_by").$type<"opens" | "clicks">(),
    abWaitMinutes: integer("ab_wait_minutes"),
    abWinner: text("ab_winner").$type<"a" | "b">(),
    /** When the sample's results decide the winner (set when the sample has been queued). */
    abDecideAt: timestamp("ab_decide_at", { withTimezone: true, mode: "date" }),
    audience: jsonb("audience").$type<CampaignAudience>().notNull(),
    tracking: boolean("tracking").notNull().default(true),
    scheduledAt: timestamp("scheduled_at", { withTimezone: true, mode: "date" }),
    perMinute: integer("per_minute"),
    perDomainPerMinute: integer("per_domain_per_minute"),
    content: jsonb("content").$type<CampaignContent>(),
    recipientCount: integer("recipient_count").notNull().default(0),
    startedAt: timestamp("started_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("campaigns_template_fk", [t.workspaceId, t.templateId], [emailTemplates.workspaceId, emailTemplates.id], "set null"),
    reference("campaigns_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
    index("campaigns_list_idx").on(t.workspaceId, t.createdAt, t.id),
  ],
);

/**
 * One row per contact a campaign goes to, written when sending starts (unique per campaign and contact: the first
 * wall against a second message). `id` is also the id of the recipient's outbox message, so its Message-ID
 * (<id@sender-domain>) is fixed per campaign and contact before anything is sent.
 *
 * pending → queued (its outbox row exists, written in the same transaction) → sent | failed; pending → skipped
 * (suppressed or refused consent between start and its turn) | cancelled.
 */
export const campaignRecipients = pgTable(
  "campaign_recipients",
  {
    workspaceId: workspaceId(),
    campaignId: uuid("campaign_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    id: recordId(),
    email: text("email").notNull(),
    domain: text("domain").notNull(),
    /** a / b: the A/B sample's variants; null: the rest (or a campaign without a test). */
    variant: text("variant").$type<"a" | "b">(),
    status: text("status").$type<RecipientStatus>().notNull().default("pending"),
    error: text("error"),
    queuedAt: timestamp("queued_at", { withTimezone: true, mode: "date" }),
    sentAt: timestamp("sent_at", { withTimezone: true, mode: "date" }),
    /** Feedback from the event stream (campaigns.feedback consumer): hard bounce, complaint, unsubscribe. */
    bouncedAt: timestamp("bounced_at", { withTimezone: true, mode: "date" }),
    complainedAt: timestamp("complained_at", { withTimezone: true, mode: "date" }),
    unsubscribedAt: timestamp("unsubscribed_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.campaignId, t.contactId] }),
    uniqueIndex("campaign_recipients_id_key").on(t.workspaceId, t.id),
    reference("campaign_recipients_campaign_fk", [t.workspaceId, t.campaignId], [campaigns.workspaceId, campaigns.id], "cascade"),
    reference("campaign_recipients_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    // The engine's claim (pending, in id order) and the report's counts by status.
    index("campaign_recipients_status_idx").on(t.workspaceId, t.campaignId, t.status, t.id),
    // The throttle's "sent in the last minute" (per domain too).
    index("campaign_recipients_queued_idx").on(t.workspaceId, t.campaignId, t.queuedAt).where(sql`${t.queuedAt} is not null`),
    // A contact's timeline: the campaigns it received.
    index("campaign_recipients_contact_idx").on(t.workspaceId, t.contactId),
  ],
);
