import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Condition, ConditionInput } from "./conditions.js";

/** Objects that validation rules, duplicate checks and merges apply to. */
export const ruleObjects = ["contact", "company"] as const;
export const RuleObject = z.enum(ruleObjects);
export type RuleObject = z.infer<typeof RuleObject>;
/** Objects validation rules apply to: the duplicate objects, and deals. */
export const validationObjects = ["contact", "company", "deal"] as const;
export const ValidationObject = z.enum(validationObjects);
export type ValidationObject = z.infer<typeof ValidationObject>;

/** Built-in fields a rule can name; custom fields are named custom.<key>. */
export const ruleFields = {
  contact: [
    "firstName",
    "lastName",
    "primaryEmail",
    "primaryPhone",
    "jobTitle",
    "companyId",
    "ownerId",
    "lifecycleStage",
    "leadSource",
    "tags",
    "address.street",
    "address.city",
    "address.region",
    "address.postalCode",
    "address.country",
  ],
  company: [
    "name",
    "domain",
    "industry",
    "employees",
    "annualRevenue",
    "currency",
    "phone",
    "parentId",
    "ownerId",
    "tags",
    "description",
    "address.street",
    "address.city",
    "address.region",
    "address.postalCode",
    "address.country",
  ],
  deal: ["name", "amount", "currency", "expectedCloseDate", "ownerId", "companyId", "nextStep", "lostReason", "source", "tags"],
} as const satisfies Record<ValidationObject, readonly string[]>;

const RuleFieldName = z
  .string()
  .trim()
  .min(1, "Choose a field")
  .max(60)
  .regex(/^(custom\.[a-z][a-z0-9_]{0,39}|[a-zA-Z]+(\.[a-zA-Z]+)?)$/, "Name a field such as jobTitle, address.country or custom.tier");

export const ValidationRuleInput = z
  .object({
    object: ValidationObject,
    field: RuleFieldName,
    required: z.boolean().optional(),
    pattern: z
      .string()
      .max(500, "A pattern is at most 500 characters")
      .nullable()
      .optional()
      .describe("A regular expression the whole value must match (RE2 syntax, run in linear time: no look-arounds or back-references)"),
    message: z.string().trim().max(200).nullable().optional().describe("Shown when the value breaks the rule"),
    allowedValues: z.array(z.string().trim().min(1).max(200)).max(500).optional(),
    min: z.number().nullable().optional().describe("Smallest number, or shortest text / fewest items"),
    max: z.number().nullable().optional().describe("Largest number, or longest text / most items"),
    when: ConditionInput.optional().describe("The rule applies only to records meeting this condition on their own fields; none: to every record"),
  })
  .strict();
export const CreateValidationRuleBody = ValidationRuleInput;
export const UpdateValidationRuleBody = ValidationRuleInput.omit({ object: true, field: true }).partial().strict();

export const ValidationRule = z.object({
  id: Id,
  object: ValidationObject,
  field: z.string(),
  required: z.boolean(),
  pattern: z.string().nullable(),
  message: z.string().nullable(),
  allowedValues: z.array(z.string()),
  min: z.number().nullable(),
  max: z.number().nullable(),
  // The records the rule applies to; an empty all group: every record. Not `.describe()`d: a described copy of the
  // recursive Condition sends zod's JSON Schema writer into endless recursion, and the route would lose its serializer.
  when: Condition,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ValidationRule = z.infer<typeof ValidationRule>;
export const ValidationRuleList = z.object({ data: z.array(ValidationRule) });
export const ValidationRuleQuery = z.object({ object: ValidationObject.optional() }).strict();

// Duplicates

export const candidateStatuses = ["open", "merged", "dismissed"] as const;
export const CandidateStatus = z.enum(candidateStatuses);
export type CandidateStatus = z.infer<typeof CandidateStatus>;

export const DuplicateCheckQuery = z
  .object({
    object: RuleObject,
    excludeId: Id.optional().describe("The record being edited, left out of the answer"),
    email: z.string().trim().max(254).optional(),
    phone: z.string().trim().max(40).optional(),
    firstName: z.string().trim().max(100).optional(),
    lastName: z.string().trim().max(100).optional(),
    companyId: Id.optional(),
    name: z.string().trim().max(200).optional().describe("Company name"),
    domain: z.string().trim().max(253).optional(),
  })
  .strict();
export type DuplicateCheckQuery = z.infer<typeof DuplicateCheckQuery>;

export const DuplicateMatch = z.object({
  id: Id,
  object: RuleObject,
  label: z.string(),
  detail: z.string().nullable().describe("Email, domain or company: what tells the records apart"),
  score: z.number(),
  reasons: z.array(z.string()),
});
export type DuplicateMatch = z.infer<typeof DuplicateMatch>;
export const DuplicateCheckResult = z.object({ data: z.array(DuplicateMatch) });

export const RecordSummary = z.object({ id: Id, label: z.string(), detail: z.string().nullable(), deletedAt: Timestamp.nullable() });

export const DuplicateCandidate = z.object({
  id: Id,
  object: RuleObject,
  score: z.number(),
  reasons: z.array(z.string()),
  status: CandidateStatus,
  a: RecordSummary,
  b: RecordSummary,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type DuplicateCandidate = z.infer<typeof DuplicateCandidate>;
export const DuplicateCandidateQuery = z
  .object({
    object: RuleObject.optional(),
    status: CandidateStatus.default("open"),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export const DuplicateCandidateList = z.object({ data: z.array(DuplicateCandidate), nextCursor: z.string().nullable(), open: z.number().int() });

export const DuplicateScanBody = z.object({ object: RuleObject.optional().describe("Both when omitted") }).strict();
export const DuplicateScanResult = z.object({
  phases: z.array(z.object({ object: RuleObject, pairs: z.number().int(), newPairs: z.number().int(), ms: z.number() })),
  open: z.number().int(),
  ms: z.number(),
});

// Merge

export const MergeChoice = z.enum(["survivor", "loser", "union"]);
export const MergeBody = z
  .object({
    object: RuleObject,
    survivorId: Id,
    loserId: Id,
    choices: z
      .record(z.string().max(60), MergeChoice)
      .default({})
      .describe(
        "Per field (custom fields as custom.<key>): whose value to keep; lists (emails, phones, tags) default to their union, others to the survivor's",
      ),
  })
  .strict();
export type MergeBody = z.infer<typeof MergeBody>;
export const MergeResult = z.object({
  survivorId: Id,
  loserId: Id,
  moved: z.record(z.string(), z.number().int()).describe("Related rows moved to the survivor, by kind"),
});
export const MergePreviewQuery = z.object({ object: RuleObject, a: Id, b: Id }).strict();
export const MergeField = z.object({
  field: z.string(),
  label: z.string(),
  a: z.unknown(),
  b: z.unknown(),
  differs: z.boolean(),
  list: z.boolean().describe("Lists are merged as a union by default"),
});
export const MergePreview = z.object({
  object: RuleObject,
  a: RecordSummary,
  b: RecordSummary,
  fields: z.array(MergeField),
  refs: z.record(z.string(), z.string()).describe("Names of the companies and users that id-valued fields point to"),
});

// History restore

export const RestoreFieldBody = z.object({ historyId: Id, field: z.string().min(1).max(60) }).strict();
