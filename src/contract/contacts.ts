import { z } from "zod";
import { Email } from "./auth.js";
import { Address, CustomValues, Id, ListQueryBase, listOf, PhoneExtension, Tags, Timestamp } from "./common.js";

export const lifecycleStages = ["subscriber", "lead", "marketing_qualified", "sales_qualified", "opportunity", "customer", "evangelist", "other"] as const;
export const LifecycleStage = z.enum(lifecycleStages);
export type LifecycleStage = z.infer<typeof LifecycleStage>;

export const leadSources = ["web_form", "referral", "cold_call", "event", "ad", "import", "api", "other"] as const;
export const LeadSource = z.enum(leadSources);
export type LeadSource = z.infer<typeof LeadSource>;

/** Lifecycle stages that make a contact a lead (the Leads list and the convert action). */
export const leadStages = ["subscriber", "lead", "marketing_qualified", "sales_qualified"] as const;
export const leadStatuses = ["new", "attempting_contact", "connected", "qualified", "unqualified"] as const;
export const LeadStatus = z.enum(leadStatuses);
export type LeadStatus = z.infer<typeof LeadStatus>;

export const ScoreItem = z.object({ ruleId: z.string(), label: z.string(), points: z.number() });
export type ScoreItem = z.infer<typeof ScoreItem>;

export const ContactEmail = z.object({ email: Email, label: z.string().max(30).optional(), primary: z.boolean().optional() }).strict();
export const ContactPhone = z
  .object({
    phone: z.string().trim().min(3).max(60).describe('A number; an extension written after it ("+1 365 756 9410 x4781") is kept as `extension`'),
    extension: PhoneExtension.optional().describe("Wins over an extension written in `phone`"),
    label: z.string().max(30).optional(),
    primary: z.boolean().optional(),
  })
  .strict();

const Url = z.url({ protocol: /^https?$/, error: "Enter a full http(s) URL" }).max(500);

export const ContactInput = z
  .object({
    firstName: z.string().trim().max(100).optional(),
    lastName: z.string().trim().max(100).optional(),
    emails: z.array(ContactEmail).max(20).optional(),
    phones: z.array(ContactPhone).max(20).optional(),
    jobTitle: z.string().trim().max(150).nullable().optional(),
    companyId: Id.nullable().optional(),
    ownerId: Id.nullable().optional(),
    lifecycleStage: LifecycleStage.optional(),
    leadSource: LeadSource.nullable().optional(),
    leadStatus: LeadStatus.nullable().optional(),
    tags: Tags.optional(),
    address: Address.nullable().optional(),
    socialProfiles: z.record(z.string().max(30), Url).optional().describe("e.g. { linkedin: 'https://…' }"),
    doNotContact: z.boolean().optional(),
    emailConsent: z.boolean().optional(),
    custom: CustomValues.optional(),
  })
  .strict();
export const CreateContactBody = ContactInput.refine((c) => Boolean(c.firstName || c.lastName || c.emails?.length), {
  message: "Give the contact a name or an email",
  path: ["firstName"],
});
export const UpdateContactBody = ContactInput.partial().strict();

export const Contact = z.object({
  id: Id,
  firstName: z.string(),
  lastName: z.string(),
  fullName: z.string(),
  emails: z.array(z.object({ email: z.string(), label: z.string().optional(), primary: z.boolean() })),
  phones: z.array(z.object({ phone: z.string().describe("E.164"), extension: z.string().optional(), label: z.string().optional(), primary: z.boolean() })),
  primaryEmail: z.string().nullable(),
  primaryPhone: z.string().nullable(),
  jobTitle: z.string().nullable(),
  companyId: Id.nullable(),
  companyName: z.string().nullable(),
  ownerId: Id.nullable(),
  lifecycleStage: LifecycleStage,
  leadSource: LeadSource.nullable(),
  leadStatus: LeadStatus.nullable(),
  leadScore: z.number().int(),
  scoreBreakdown: z.array(ScoreItem),
  scoredAt: Timestamp.nullable(),
  assignmentReason: z.string().nullable(),
  sourceDetails: z.record(z.string(), z.unknown()).describe("Where the lead came from: form, UTM parameters, referrer"),
  tags: z.array(z.string()),
  address: z.record(z.string(), z.string()).nullable(),
  socialProfiles: z.record(z.string(), z.string()),
  doNotContact: z.boolean(),
  emailConsent: z.boolean(),
  custom: z.record(z.string(), z.unknown()),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  deletedAt: Timestamp.nullable(),
});
export type Contact = z.infer<typeof Contact>;

export const ContactListQuery = ListQueryBase.extend({
  ownerId: z.string().max(40).optional().describe("A user id, or 'me'"),
  companyId: Id.optional(),
  lifecycleStage: LifecycleStage.optional(),
  tag: z.string().max(50).optional(),
  email: z.string().max(254).optional(),
  leadStatus: LeadStatus.optional(),
  leadSource: LeadSource.optional(),
  leadScoreMin: z.coerce.number().int().min(0).max(100).optional(),
  leadScoreMax: z.coerce.number().int().min(0).max(100).optional(),
  leadsOnly: z.enum(["true", "false"]).optional().describe("true keeps contacts in a lead stage (subscriber to sales-qualified)"),
  segment: Id.optional().describe("Keeps the members of a segment or static list"),
}).strict();
export const ContactList = listOf(Contact);

export const contactSortFields = [
  "firstName",
  "lastName",
  "primaryEmail",
  "jobTitle",
  "lifecycleStage",
  "leadScore",
  "leadStatus",
  "createdAt",
  "updatedAt",
] as const;
