import { z } from "zod";
import { Id, Timestamp } from "./common.js";

export const campaignStatuses = ["draft", "scheduled", "sending", "paused", "sent", "cancelled"] as const;
export const CampaignStatus = z.enum(campaignStatuses);
export type CampaignStatus = z.infer<typeof CampaignStatus>;
export const campaignStatusLabels: Record<CampaignStatus, string> = {
  draft: "Draft",
  scheduled: "Scheduled",
  sending: "Sending",
  paused: "Paused",
  sent: "Sent",
  cancelled: "Cancelled",
};

export const recipientStatuses = ["pending", "queued", "sent", "failed", "skipped", "cancelled"] as const;
export const RecipientStatus = z.enum(recipientStatuses);
export type RecipientStatus = z.infer<typeof RecipientStatus>;
export const recipientStatusLabels: Record<RecipientStatus, string> = {
  pending: "Waiting",
  queued: "Being sent",
  sent: "Sent",
  failed: "Failed",
  skipped: "Skipped (suppressed or no consent)",
  cancelled: "Not sent (cancelled)",
};

export const CampaignAudience = z
  .object({
    include: z.array(Id).min(1, "Choose at least one segment or list").max(50),
    exclude: z.array(Id).max(50).default([]),
  })
  .strict();
export type CampaignAudience = z.infer<typeof CampaignAudience>;

export const AbTest = z
  .object({
    subjectB: z.string().trim().min(1, "Write the second subject").max(300),
    samplePercent: z.number().int().min(1, "At least 1%").max(50, "At most 50% per variant"),
    winnerBy: z.enum(["opens", "clicks"]),
    waitMinutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
  })
  .strict();
export type AbTest = z.infer<typeof AbTest>;

const Throttle = z.number().int().min(1).max(1_000_000).nullable();

export const CreateCampaignBody = z
  .object({
    name: z.string().trim().min(1, "Give the campaign a name").max(200),
    templateId: Id,
    from: z.string().trim().max(320).nullable().optional().describe("One of the sender addresses of Settings → Email sending; null: the server's sender"),
    subject: z.string().trim().max(300).nullable().optional().describe("Overrides the template's subject (liquid)"),
    audience: CampaignAudience,
    tracking: z.boolean().default(true),
    scheduledAt: Timestamp.nullable().optional().describe("Send at this time; null: when started"),
    perMinute: Throttle.optional().describe("Messages per minute at most"),
    perDomainPerMinute: Throttle.optional().describe("Messages per minute to one recipient domain at most"),
    abTest: AbTest.nullable().optional(),
  })
  .strict();
export type CreateCampaignBody = z.infer<typeof CreateCampaignBody>;
export const UpdateCampaignBody = CreateCampaignBody.partial().strict();
export type UpdateCampaignBody = z.infer<typeof UpdateCampaignBody>;

export const CampaignCounts = z.object({
  recipients: z.number().int(),
  pending: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  opened: z.number().int().describe("Recipients with a human open"),
  clicked: z.number().int().describe("Recipients with a human click"),
});
export type CampaignCounts = z.infer<typeof CampaignCounts>;

export const Campaign = z.object({
  id: Id,
  name: z.string(),
  status: CampaignStatus,
  templateId: Id.nullable(),
  templateName: z.string().nullable(),
  from: z.string().nullable(),
  subject: z.string().nullable(),
  audience: CampaignAudience,
  tracking: z.boolean(),
  scheduledAt: Timestamp.nullable(),
  perMinute: z.number().int().nullable(),
  perDomainPerMinute: z.number().int().nullable(),
  abTest: AbTest.nullable(),
  abWinner: z.enum(["a", "b"]).nullable(),
  abDecideAt: Timestamp.nullable(),
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  counts: CampaignCounts,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Campaign = z.infer<typeof Campaign>;
export const CampaignList = z.object({ data: z.array(Campaign) });

export const AudienceCountBody = z.object({ audience: CampaignAudience }).strict();
export const AudienceCount = z.object({
  matching: z.number().int().describe("Contacts in the segments and lists, minus the exclusions"),
  sendable: z.number().int().describe("Of those, with an email address, consent, not suppressed and not do-not-contact"),
});
export type AudienceCount = z.infer<typeof AudienceCount>;

export const CampaignReport = z.object({
  campaign: Campaign,
  sent: z.number().int(),
  delivered: z.number().int().describe("Sent and not bounced"),
  bounced: z.number().int(),
  failed: z.number().int(),
  opened: z.number().int(),
  machineOpened: z.number().int().describe("Recipients whose only opens were a privacy proxy's or scanner's"),
  clicked: z.number().int(),
  unsubscribed: z.number().int(),
  complained: z.number().int(),
  influencedDeals: z.number().int(),
  influencedRevenue: z.array(z.object({ currency: z.string(), amount: z.string() })).describe("Won deals of recipients within the window, summed per currency"),
  influenceDays: z.number().int(),
  links: z.array(z.object({ url: z.string(), clicks: z.number().int(), recipients: z.number().int() })),
  variants: z.array(
    z.object({ variant: z.enum(["a", "b"]), subject: z.string(), sent: z.number().int(), opened: z.number().int(), clicked: z.number().int() }),
  ),
  timeline: z.array(z.object({ hour: Timestamp, opens: z.number().int(), clicks: z.number().int() })),
});
export type CampaignReport = z.infer<typeof CampaignReport>;

export const ReportQuery = z.object({ days: z.coerce.number().int().min(1).max(365).default(30) });

export const CampaignRecipient = z.object({
  id: Id,
  contactId: Id,
  contactName: z.string(),
  email: z.string(),
  variant: z.enum(["a", "b"]).nullable(),
  status: RecipientStatus,
  error: z.string().nullable(),
  sentAt: Timestamp.nullable(),
  opens: z.number().int(),
  machineOpens: z.number().int(),
  clicks: z.number().int(),
  firstOpenAt: Timestamp.nullable(),
  firstClickAt: Timestamp.nullable(),
});
export type CampaignRecipient = z.infer<typeof CampaignRecipient>;
export const RecipientListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(100).optional(),
  status: RecipientStatus.optional(),
});
export const RecipientList = z.object({ data: z.array(CampaignRecipient), nextCursor: z.string().nullable() });

/** A contact's campaigns, for its timeline. */
export const ContactCampaigns = z.object({
  data: z.array(
    z.object({ campaignId: Id, name: z.string(), status: RecipientStatus, sentAt: Timestamp.nullable(), opened: z.boolean(), clicked: z.boolean() }),
  ),
});
