import { z } from "zod";
import { Id, Timestamp } from "./common.js";

export const consentChannels = ["email", "phone", "sms"] as const;
export const ConsentChannel = z.enum(consentChannels);
export type ConsentChannel = z.infer<typeof ConsentChannel>;
export const consentChannelLabels: Record<ConsentChannel, string> = { email: "Email", phone: "Phone", sms: "SMS" };

export const consentStatuses = ["granted", "denied", "pending"] as const;
export const ConsentStatus = z.enum(consentStatuses);
export type ConsentStatus = z.infer<typeof ConsentStatus>;
export const consentStatusLabels: Record<ConsentStatus, string> = { granted: "Granted", denied: "Unsubscribed", pending: "Awaiting confirmation" };

export const consentSources = ["form", "import", "api", "preference_page", "unsubscribe_link", "manual"] as const;
export const ConsentSource = z.enum(consentSources);
export type ConsentSource = z.infer<typeof ConsentSource>;
export const consentSourceLabels: Record<ConsentSource, string> = {
  form: "Web form",
  import: "Import",
  api: "API",
  preference_page: "Preference page",
  unsubscribe_link: "Unsubscribe link in an email",
  manual: "Entered by hand",
};

export const suppressionReasons = ["unsubscribed", "hard_bounced", "complained", "manual"] as const;
export const SuppressionReason = z.enum(suppressionReasons);
export type SuppressionReason = z.infer<typeof SuppressionReason>;
export const suppressionReasonLabels: Record<SuppressionReason, string> = {
  unsubscribed: "Unsubscribed",
  hard_bounced: "Hard bounce",
  complained: "Spam complaint",
  manual: "Added by hand",
};

// ---- topics ----

export const ConsentTopic = z.object({ id: Id, name: z.string(), description: z.string(), active: z.boolean(), createdAt: Timestamp, updatedAt: Timestamp });
export type ConsentTopic = z.infer<typeof ConsentTopic>;
export const ConsentTopicList = z.object({ data: z.array(ConsentTopic) });
const TopicName = z.string().trim().min(1, "Give the topic a name").max(80, "A topic name is at most 80 characters");
export const CreateConsentTopicBody = z
  .object({ name: TopicName, description: z.string().trim().max(500).optional(), active: z.boolean().optional() })
  .strict();
export const UpdateConsentTopicBody = z
  .object({ name: TopicName.optional(), description: z.string().trim().max(500).optional(), active: z.boolean().optional() })
  .strict();

// ---- records ----

export const ConsentRecord = z.object({
  id: Id,
  contactId: Id,
  channel: ConsentChannel,
  topicId: Id.nullable(),
  topicName: z.string().nullable(),
  status: ConsentStatus,
  source: ConsentSource,
  recordedAt: Timestamp,
  confirmedAt: Timestamp.nullable(),
  formId: z.string().nullable(),
  ip: z.string().nullable(),
  note: z.string().nullable(),
});
export type ConsentRecord = z.infer<typeof ConsentRecord>;

export const RecordConsentBody = z
  .object({
    channel: ConsentChannel,
    topicId: Id.nullable().optional().describe("A subscription topic; none for the channel as a whole"),
    status: ConsentStatus,
    source: ConsentSource.optional().describe("Defaults to api for API keys, manual for people in the app"),
    formId: z.string().trim().max(100).optional(),
    ip: z.string().trim().max(64).optional(),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export type RecordConsentBody = z.infer<typeof RecordConsentBody>;

/** A contact's consent now (the latest record per channel and topic), its history, and whether its address is suppressed. */
export const ContactConsent = z.object({
  current: z.array(ConsentRecord),
  history: z.array(ConsentRecord),
  suppressed: z.object({ address: z.string(), reason: SuppressionReason, createdAt: Timestamp }).nullable(),
  doNotContact: z.boolean(),
});
export type ContactConsent = z.infer<typeof ContactConsent>;

// ---- suppression list ----

export const Suppression = z.object({
  address: z.string(),
  reason: SuppressionReason,
  note: z.string(),
  createdAt: Timestamp,
  createdByName: z.string().nullable(),
});
export type Suppression = z.infer<typeof Suppression>;
export const SuppressionListQuery = z
  .object({
    q: z.string().max(254).optional(),
    reason: SuppressionReason.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(300).optional(),
  })
  .strict();
export const SuppressionList = z.object({ data: z.array(Suppression), nextCursor: z.string().nullable() });
export const AddSuppressionBody = z
  .object({
    address: z.email("Give an email address such as ann@example.com").max(254),
    reason: SuppressionReason.optional(),
    note: z.string().trim().max(500).optional(),
  })
  .strict();
export const SuppressionAddressParams = z.object({ address: z.string().max(254) }).strict();
export const SuppressionLogEntry = z.object({
  address: z.string(),
  action: z.enum(["added", "removed", "soft_bounce"]),
  reason: z.string(),
  detail: z.string(),
  at: Timestamp,
  actorName: z.string().nullable(),
});
export const SuppressionLog = z.object({ data: z.array(SuppressionLogEntry) });

export const PreferenceLink = z.object({ url: z.string(), expiresAt: Timestamp });

/** What mail.bounced and mail.complained carry as their record (published by the mail sending side). */
/** What mail.bounced and mail.complained carry (a complaint has no kind or reason; the message id may be unknown). */
export const MailFeedbackRecord = z.object({
  address: z.string(),
  kind: z.enum(["hard", "soft"]).optional(),
  reason: z.string().optional(),
  messageId: z.string().nullish(),
});
export type MailFeedbackRecord = z.infer<typeof MailFeedbackRecord>;
