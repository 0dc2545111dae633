import { z } from "zod";
import { Email } from "./auth.js";
import { Address, CustomValues, Id, ListQueryBase, listOf, Tags, Timestamp } from "./common.js";

export const lifecycleStages = ["subscriber", "lead", "marketing_qualified", "sales_qualified", "opportunity", "customer", "evangelist", "other"] as const;
export const LifecycleStage = z.enum(lifecycleStages);
export type LifecycleStage = z.infer<typeof LifecycleStage>;

export const leadSources = ["web_form", "referral", "cold_call", "event", "ad", "import", "api", "other"] as const;
export const LeadSource = z.enum(leadSources);

export const ContactEmail = z.object({ email: Email, label: z.string().max(30).optional(), primary: z.boolean().optional() }).strict();
export const ContactPhone = z
  .object({ phone: z.string().trim().min(3).max(40), label: z.string().max(30).optional(), primary: z.boolean().optional() })
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
  phones: z.array(z.object({ phone: z.string(), label: z.string().optional(), primary: z.boolean() })),
  primaryEmail: z.string().nullable(),
  primaryPhone: z.string().nullable(),
  jobTitle: z.string().nullable(),
  companyId: Id.nullable(),
  companyName: z.string().nullable(),
  ownerId: Id.nullable(),
  lifecycleStage: LifecycleStage,
  leadSource: LeadSource.nullable(),
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
}).strict();
export const ContactList = listOf(Contact);

export const contactSortFields = ["firstName", "lastName", "primaryEmail", "jobTitle", "lifecycleStage", "createdAt", "updatedAt"] as const;
