import { z } from "zod";
import { Id, Timestamp } from "./common.js";

/**
 * The workspace's audit log: every change (fed from the event stream) and every security event (sign-ins, exports,
 * API key use), for admins. Codes below are stable; what people read comes from the label maps.
 */

export const auditActorKinds = ["user", "api_key", "system", "workflow"] as const;
export const AuditActorKind = z.enum(auditActorKinds);

export const auditActions = [
  "created",
  "updated",
  "deleted",
  "restored",
  "merged",
  "logged",
  "submitted",
  "imported",
  "import_failed",
  "exported",
  "signed_in",
  "sign_in_failed",
] as const;
export const AuditAction = z.enum(auditActions);
export type AuditAction = z.infer<typeof AuditAction>;

export const auditActionLabels: Readonly<Record<string, string>> = {
  created: "Created",
  updated: "Changed",
  deleted: "Deleted",
  restored: "Restored",
  merged: "Merged",
  logged: "Logged",
  submitted: "Submitted",
  imported: "Imported",
  import_failed: "Import failed",
  exported: "Exported",
  signed_in: "Signed in",
  sign_in_failed: "Failed sign-in",
} satisfies Record<AuditAction, string>;

/** Objects the log names; an entry's object is one of these or, for changes, any object of the event catalogue. */
export const auditObjectLabels: Readonly<Record<string, string>> = {
  contact: "Contact",
  company: "Company",
  deal: "Deal",
  task: "Task",
  activity: "Activity",
  product: "Product",
  price_list: "Price list",
  pipeline: "Pipeline",
  quota: "Quota",
  form: "Web form",
  scoring_rule: "Scoring rule",
  assignment_rule: "Assignment rule",
  user: "User",
  team: "Team",
  custom_field: "Custom field",
  validation_rule: "Validation rule",
  lost_reason: "Lost reason",
  api_key: "API key",
  view: "Saved view",
  role: "Role",
  workspace_settings: "Workspace settings",
  forecast_settings: "Forecast settings",
  lead_settings: "Lead settings",
  workflow: "Workflow",
  audit_settings: "Audit settings",
  import: "Import",
  session: "Sign-in",
};

export const auditActorKindLabels: Readonly<Record<string, string>> = {
  user: "Person",
  api_key: "API key",
  system: "Rapport",
  workflow: "Workflow",
} satisfies Record<(typeof auditActorKinds)[number], string>;

const objectName = z.string().regex(/^[a-z_]{1,40}$/, "Use an object code such as deal or contact");

export const AuditQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).optional(),
    actorId: Id.optional().describe("Entries by this person (their own changes, and those of API keys they created)"),
    object: z
      .string()
      .max(400)
      .optional()
      .describe("Comma-separated object codes, e.g. deal,contact")
      .refine((v) => !v || v.split(",").every((o) => objectName.safeParse(o.trim()).success), "Use object codes such as deal,contact"),
    action: z
      .string()
      .max(400)
      .optional()
      .describe("Comma-separated actions, e.g. updated,exported")
      .refine((v) => !v || v.split(",").every((a) => AuditAction.safeParse(a.trim()).success), `Use actions among ${auditActions.join(", ")}`),
    objectId: Id.optional(),
    from: z.iso.datetime({ offset: true }).optional().describe("Entries at or after this time"),
    to: z.iso.datetime({ offset: true }).optional().describe("Entries before this time"),
    format: z.enum(["json", "csv"]).default("json").describe("csv streams every matching entry as a file"),
  })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditFieldChange = z.object({
  field: z.string(),
  label: z.string().describe("The field's name as people read it"),
  from: z.unknown(),
  to: z.unknown(),
});

export const AuditEntry = z.object({
  id: Id,
  at: Timestamp,
  actor: z.object({
    kind: AuditActorKind,
    userId: Id.nullable().describe("The person acting, or the creator of the API key"),
    apiKeyId: Id.nullable(),
    name: z.string().describe("Who, as people read it: a person's name, an API key's name, Rapport or a workflow"),
  }),
  action: AuditAction,
  object: z.string(),
  objectLabel: z.string().describe("The object's kind as people read it"),
  objectId: Id.nullable(),
  recordName: z.string().nullable().describe("The record's name when it has one, e.g. the deal's name"),
  summary: z.string().describe("A sentence: who did what to which record"),
  changes: z.array(AuditFieldChange),
  details: z.record(z.string(), z.unknown()).describe("What else the entry records: an export's filter and row count, an import's counts"),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditList = z.object({ data: z.array(AuditEntry), nextCursor: z.string().nullable() });

export const AuditSettings = z.object({
  retentionDays: z.number().int().describe("Entries older than this are deleted by a daily job"),
});
export const UpdateAuditSettingsBody = z
  .object({ retentionDays: z.number().int().min(30, "Keep at least 30 days").max(3650, "Keep at most 10 years (3650 days)") })
  .strict();
export const defaultAuditRetentionDays = 365;

export const ApiKeyUsageQuery = z
  .object({
    from: z.iso.date().optional().describe("First day (UTC), default 30 days ago"),
    to: z.iso.date().optional().describe("Last day (UTC), default today"),
  })
  .strict();
export const ApiKeyUsageRow = z.object({ apiKeyId: Id, name: z.string(), day: z.string().describe("YYYY-MM-DD, UTC"), requests: z.number().int() });
export const ApiKeyUsage = z.object({ data: z.array(ApiKeyUsageRow) });

/** "expectedCloseDate" → "Expected close date", "custom.budget" → "Budget": the label of a changed field. */
export function fieldLabel(field: string): string {
  const name = field.startsWith("custom.") ? field.slice(7) : field;
  const known: Record<string, string> = { ownerId: "Owner", pipelineId: "Pipeline", priceListId: "Price list", companyId: "Company", stageId: "Stage" };
  if (known[name]) return known[name];
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .trim()
    .toLowerCase();
  return words ? words[0]?.toUpperCase() + words.slice(1) : field;
}

/** One record's own history (tasks and activities, which have no timeline of their own), newest first. */
export const RecordHistoryEntry = z.object({
  id: Id,
  at: Timestamp,
  action: z.enum(["create", "update", "delete", "restore", "merge"]),
  actorId: Id.nullable(),
  actorName: z.string().nullable(),
  changes: z.array(AuditFieldChange),
});
export const RecordHistoryList = z.object({ data: z.array(RecordHistoryEntry) });
export const RecordHistoryQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
