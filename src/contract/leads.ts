import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Condition, ConditionInput } from "./conditions.js";
import { Contact, LeadSource } from "./contacts.js";

// ---- assignment rules ----

export const AssignmentTarget = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("user"), userId: Id }).strict(),
  z
    .object({ kind: z.literal("team"), teamId: Id })
    .strict()
    .describe("Round-robin among the team's active members"),
]);
export type AssignmentTarget = z.infer<typeof AssignmentTarget>;

export const AssignmentRuleInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    enabled: z.boolean().optional(),
    conditions: ConditionInput.optional().describe("A condition on the contact (and its company); none means every new contact"),
    target: AssignmentTarget,
  })
  .strict();
export const UpdateAssignmentRuleBody = AssignmentRuleInput.partial().strict();

export const AssignmentRule = z.object({
  id: Id,
  name: z.string(),
  position: z.number().int(),
  enabled: z.boolean(),
  conditions: Condition,
  target: AssignmentTarget,
  /** Human-readable summary, as stored on assigned records. */
  description: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type AssignmentRule = z.infer<typeof AssignmentRule>;
export const AssignmentRuleList = z.object({ data: z.array(AssignmentRule), nextCursor: z.null() });
export const AssignmentReorderBody = z
  .object({ ids: z.array(Id).min(1).max(500) })
  .strict()
  .describe("Every rule id in the new order");

export const AssignmentSettings = z.object({ fallbackOwnerId: Id.nullable() });
export const AssignmentSettingsBody = z.object({ fallbackOwnerId: Id.nullable() }).strict();

// ---- scoring rules ----

export const engagementEvents = ["note", "call", "email", "meeting", "form_submitted"] as const;
export const EngagementEvent = z.enum(engagementEvents);
export type EngagementEvent = z.infer<typeof EngagementEvent>;

export const ScoreDecay = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }).strict(),
  z.object({ kind: z.literal("halve"), everyDays: z.number().int().min(1).max(3650) }).strict(),
  z.object({ kind: z.literal("expire"), afterDays: z.number().int().min(1).max(3650) }).strict(),
]);
export type ScoreDecay = z.infer<typeof ScoreDecay>;

const Points = z.number().int().min(-100).max(100);
export const ScoringRuleInput = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("field"),
      name: z.string().trim().min(1).max(120),
      enabled: z.boolean().optional(),
      conditions: ConditionInput.describe("A condition on the contact (and its company); at least one test"),
      points: Points,
    })
    .strict(),
  z
    .object({
      kind: z.literal("event"),
      name: z.string().trim().min(1).max(120),
      enabled: z.boolean().optional(),
      event: EngagementEvent,
      points: Points.describe("Per event"),
      withinDays: z.number().int().min(1).max(3650).nullable().optional().describe("Count only events of the last N days"),
      maxPoints: z.number().int().min(1).max(100).nullable().optional().describe("Cap on this rule's total"),
      decay: ScoreDecay.optional(),
    })
    .strict(),
]);
export type ScoringRuleInput = z.infer<typeof ScoringRuleInput>;

export const ScoringRule = z.object({
  id: Id,
  kind: z.enum(["field", "event"]),
  name: z.string(),
  enabled: z.boolean(),
  points: z.number().int(),
  conditions: Condition,
  event: EngagementEvent.nullable(),
  withinDays: z.number().int().nullable(),
  maxPoints: z.number().int().nullable(),
  decay: ScoreDecay,
  description: z.string(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ScoringRule = z.infer<typeof ScoringRule>;
export const ScoringRuleList = z.object({ data: z.array(ScoringRule), nextCursor: z.null() });

export const RescoreStatus = z.object({
  state: z.enum(["idle", "running", "done", "failed"]),
  total: z.number().int(),
  done: z.number().int(),
  startedAt: Timestamp.nullable(),
  finishedAt: Timestamp.nullable(),
  error: z.string().nullable(),
});
export type RescoreStatus = z.infer<typeof RescoreStatus>;

// ---- web-to-lead forms ----

/** Contact fields a form can ask for; custom fields as "custom.<key>". */
export const formFieldKeys = ["firstName", "lastName", "email", "phone", "companyName", "jobTitle", "message"] as const;
export const FormField = z
  .object({
    key: z.string().regex(/^(firstName|lastName|email|phone|companyName|jobTitle|message|custom\.[a-z][a-z0-9_]{0,39})$/, {
      error: `Use one of ${formFieldKeys.join(", ")} or custom.<key>`,
    }),
    label: z.string().trim().min(1).max(120),
    required: z.boolean().optional(),
  })
  .strict();
export type FormField = z.infer<typeof FormField>;

export const FormInput = z
  .object({
    name: z.string().trim().min(1).max(120),
    fields: z
      .array(FormField)
      .min(1)
      .max(40)
      .refine((f) => f.some((x) => x.key === "email"), { error: "A form needs an email field: submissions are matched to contacts by email" }),
    submitLabel: z.string().trim().min(1).max(60).optional(),
    thankYouMessage: z.string().trim().max(2000).optional(),
    redirectUrl: z
      .url({ protocol: /^https?$/, error: "Enter a full http(s) URL" })
      .max(500)
      .nullable()
      .optional(),
    ownerId: Id.nullable().optional().describe("Owner of new contacts; null runs the assignment rules"),
    leadSource: LeadSource.optional(),
    tags: z.array(z.string().trim().min(1).max(50)).max(10).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export const UpdateFormBody = FormInput.partial().strict();

export const LeadForm = z.object({
  id: Id,
  name: z.string(),
  fields: z.array(z.object({ key: z.string(), label: z.string(), required: z.boolean() })),
  submitLabel: z.string(),
  thankYouMessage: z.string(),
  redirectUrl: z.string().nullable(),
  ownerId: Id.nullable(),
  leadSource: LeadSource,
  tags: z.array(z.string()),
  enabled: z.boolean(),
  submissionCount: z.number().int(),
  spamCount: z.number().int(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type LeadForm = z.infer<typeof LeadForm>;
export const LeadFormList = z.object({ data: z.array(LeadForm), nextCursor: z.null() });

export const utmKeys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"] as const;

/** One submitted value with the form's label for it, in the form's field order. */
export const SubmittedValue = z.object({ key: z.string(), label: z.string(), value: z.string() });
export type SubmittedValue = z.infer<typeof SubmittedValue>;

export const FormSubmission = z.object({
  id: Id,
  formId: Id,
  contactId: Id.nullable(),
  outcome: z.enum(["created", "updated", "spam"]),
  data: z.record(z.string(), z.string()),
  values: z.array(SubmittedValue).describe("Every submitted value, labelled as the form asks for it"),
  utm: z.record(z.string(), z.string()),
  referrer: z.string().nullable(),
  createdAt: Timestamp,
});
export type FormSubmission = z.infer<typeof FormSubmission>;
export const FormSubmissionList = z.object({ data: z.array(FormSubmission), nextCursor: z.string().nullable() });
export const SubmissionListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
    spam: z.enum(["true", "false"]).optional().describe("true lists only spam, false hides it"),
  })
  .strict();

export const PublicSubmissionResult = z.object({ ok: z.literal(true), message: z.string(), redirectUrl: z.string().nullable() });
export const FormIdParams = z.object({ formId: Id }).strict();

// ---- convert ----

export const ConvertLeadBody = z
  .object({
    lifecycleStage: z.enum(["sales_qualified", "opportunity"]).optional(),
    company: z
      .union([
        z.object({ id: Id }).strict(),
        z
          .object({
            name: z.string().trim().min(1).max(200),
            domain: z.string().trim().max(253).optional(),
          })
          .strict(),
      ])
      .optional()
      .describe("Link an existing company by id, or find-or-create one by domain, then name"),
    deal: z
      .object({
        name: z.string().trim().min(1).max(200),
        amount: z
          .string()
          .regex(/^\d{1,13}(\.\d{1,2})?$/, "Use a plain amount such as 12500.00")
          .optional(),
        currency: z
          .string()
          .regex(/^[A-Za-z]{3}$/, "Use a three-letter ISO 4217 code")
          .transform((c) => c.toUpperCase())
          .optional(),
        pipelineId: Id.optional(),
        stageId: Id.optional(),
        ownerId: Id.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ConvertLeadBody = z.infer<typeof ConvertLeadBody>;
export const ConvertLeadResult = z.object({
  contact: Contact,
  companyId: Id.nullable(),
  companyCreated: z.boolean(),
  dealId: Id.nullable(),
});
