import { z } from "zod";
import { Id, listOf, Timestamp } from "./common.js";

/**
 * queued: waiting for (or between) attempts; sending: an attempt is under way; sent: the SMTP server accepted it;
 * failed: refused for good (5xx) or out of attempts; not_configured: kept because no SMTP server is configured.
 */
export const mailStatuses = ["queued", "sending", "sent", "failed", "not_configured"] as const;
export const MailStatus = z.enum(mailStatuses);
export type MailStatus = z.infer<typeof MailStatus>;

/** What made the product send a message; the log shows it by label. */
export const mailKinds = [
  "task_reminder",
  "test",
  "invitation",
  "password_reset",
  "workflow",
  "ticket_reply",
  "portal_link",
  "satisfaction_survey",
  "marketing",
  "template_test",
  "other",
] as const;
export const MailKind = z.enum(mailKinds);
export type MailKind = z.infer<typeof MailKind>;

export const MailAddress = z.object({ name: z.string().nullable(), address: z.string() });
export type MailAddress = z.infer<typeof MailAddress>;

export const MailSummary = z.object({
  id: Id,
  kind: MailKind,
  from: z.string(),
  to: z.array(MailAddress),
  cc: z.array(MailAddress),
  subject: z.string(),
  status: MailStatus,
  attempts: z.number().int().describe("SMTP attempts made so far"),
  lastError: z.string().nullable().describe("Why the last attempt did not deliver, as the SMTP server or connection said"),
  messageId: z.string().describe("The Message-ID header, fixed when queued so every attempt sends the same one"),
  relatedObject: z.string().nullable(),
  relatedId: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  sentAt: Timestamp.nullable(),
});
export type MailSummary = z.infer<typeof MailSummary>;

export const MailDetail = MailSummary.extend({
  text: z.string().nullable().describe("Plain-text body; null when the content is hidden"),
  html: z.string().nullable().describe("Sanitised HTML body, if any; null when the content is hidden"),
  headers: z.record(z.string(), z.string()),
  contentHidden: z.boolean().describe("true for messages carrying a secret (a sign-in or reset link): only the recipient may read them"),
});
export type MailDetail = z.infer<typeof MailDetail>;

export const MailListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    status: MailStatus.optional(),
    q: z.string().trim().max(200).optional().describe("Part of a recipient's address or of the subject"),
  })
  .strict();
export const MailList = listOf(MailSummary).extend({
  smtpConfigured: z.boolean().describe("Whether this server has an SMTP server to send through (SMTP_URL)"),
});

export const MailSendUnsentResult = z.object({ queued: z.number().int().describe("Messages queued to be sent again") });
