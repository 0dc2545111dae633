import { z } from "zod";
import { Id, Timestamp } from "./common.js";

/** Email templates (Marketing → Templates) and the workspace's sending settings (Settings → Email sending). */

export const templateModes = ["rich", "html"] as const;
export const TemplateMode = z.enum(templateModes);

export const EmailTemplate = z.object({
  id: Id,
  name: z.string(),
  subject: z.string(),
  preheader: z.string().nullable(),
  body: z.string().describe("The editor's content: rich-text HTML or hand-written HTML, with liquid merge fields"),
  mode: TemplateMode,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type EmailTemplate = z.infer<typeof EmailTemplate>;
export const EmailTemplateList = z.object({ data: z.array(EmailTemplate) });

export const CreateEmailTemplateBody = z
  .object({
    name: z.string().trim().min(1, "Give the template a name").max(200),
    subject: z.string().trim().min(1, "Give the email a subject").max(500),
    preheader: z.string().trim().max(300).nullable().default(null),
    body: z.string().max(500_000).default(""),
    mode: TemplateMode.default("rich"),
  })
  .strict();
export type CreateEmailTemplateBody = z.infer<typeof CreateEmailTemplateBody>;
export const UpdateEmailTemplateBody = z
  .object({
    name: z.string().trim().min(1, "Give the template a name").max(200),
    subject: z.string().trim().min(1, "Give the email a subject").max(500),
    preheader: z.string().trim().max(300).nullable(),
    body: z.string().max(500_000),
    mode: TemplateMode,
  })
  .partial()
  .strict();
export type UpdateEmailTemplateBody = z.infer<typeof UpdateEmailTemplateBody>;

/** A liquid syntax error, with where it is (1-based) in the part it is in. */
export const TemplateProblem = z.object({
  part: z.enum(["subject", "preheader", "body"]),
  message: z.string(),
  line: z.number().int().nullable(),
  column: z.number().int().nullable(),
});
export type TemplateProblem = z.infer<typeof TemplateProblem>;

export const PreviewBody = z
  .object({
    subject: z.string().max(500),
    preheader: z.string().max(300).nullable().default(null),
    body: z.string().max(500_000),
    contactId: Id.optional().describe("Render as this contact (with their company, owner and latest deal); omitted: sample data"),
  })
  .strict();
export type PreviewBody = z.infer<typeof PreviewBody>;
export const Preview = z.object({
  ok: z.boolean(),
  problems: z.array(TemplateProblem),
  subject: z.string(),
  html: z.string().describe("The full message as sent: responsive layout, sanitised"),
  text: z.string().describe("The plain-text part generated from the HTML"),
  missing: z.array(z.string()).describe("Merge fields used that have no value for this contact (shown as their default or empty)"),
});
export type Preview = z.infer<typeof Preview>;

export const TestSendBody = z.object({ contactId: Id.optional() }).strict();
export const TestSendResult = z.object({ mailId: Id, to: z.string() });

// ---------------------------------------------------------------------------------------------------------------
// Settings → Email sending

export const SenderAddress = z.object({
  address: z.email({ error: "Enter a valid email address" }).max(254),
  name: z.string().trim().max(200).nullable().default(null),
});
export const DkimKey = z.object({
  domain: z.string(),
  selector: z.string(),
  dnsName: z.string().describe("Where the public key is published: <selector>._domainkey.<domain>"),
  dnsValue: z.string().describe("The TXT record's value"),
  createdAt: Timestamp,
});
export type DkimKey = z.infer<typeof DkimKey>;
export const SendingSettings = z.object({
  smtpConfigured: z.boolean().describe("Whether this server has an SMTP server (SMTP_URL)"),
  defaultFrom: z.string(),
  senders: z.array(z.object({ address: z.string(), name: z.string().nullable() })),
  bounceAddress: z.string().nullable(),
  trackingBaseUrl: z.string().nullable(),
  dkim: z.array(DkimKey),
  receiverPort: z.number().int().nullable().describe("Port of this server's inbound SMTP receiver, if running"),
});
export type SendingSettings = z.infer<typeof SendingSettings>;
export const UpdateSendingSettingsBody = z
  .object({
    senders: z.array(SenderAddress).max(50),
    bounceAddress: z.email({ error: "Enter a valid email address" }).max(200).nullable(),
    trackingBaseUrl: z
      .url({ protocol: /^https?$/, error: "Enter an http(s) address, e.g. https://links.example.com" })
      .max(300)
      .nullable(),
  })
  .partial()
  .strict();
export type UpdateSendingSettingsBody = z.infer<typeof UpdateSendingSettingsBody>;
export const AddDkimKeyBody = z
  .object({
    domain: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z]{2,63}$/, "Enter a domain, e.g. example.com"),
    selector: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "A selector is letters, digits, dots and dashes"),
    privateKey: z.string().min(100, "Paste the private key (PEM)").max(10_000),
  })
  .strict();
export type AddDkimKeyBody = z.infer<typeof AddDkimKeyBody>;
export const DomainParams = z.object({ domain: z.string().max(253) }).strict();
