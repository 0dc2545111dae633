import { z } from "zod";
import { Id, listOf, Timestamp } from "./common.js";
import { SlaMetric } from "./sla.js";

/**
 * Workflow automation (issue #18): a trigger and a graph of steps, drafted, published as immutable versions, run on
 * the event stream. This file is the contract the server (`src/modules/workflows`) and the builder
 * (`src/web/workflows`) share.
 *
 * Routes (all under /api/v1, problem+json errors, role rules: admins build every workflow, managers build the
 * workflows of their teams, everyone may read the runs on records they can see):
 *
 *   GET    /workflows                         list (WorkflowListQuery → WorkflowList), health flags included
 *   POST   /workflows                         create (CreateWorkflowBody → WorkflowDetail); from a template or empty
 *   GET    /workflows/templates               ready-made templates (WorkflowTemplateList)
 *   GET    /workflows/runs                    runs across workflows (RunListQuery: recordId/object for a record's
 *                                             timeline, state, workflowId) → RunList
 *   POST   /workflows/runs/retry              bulk retry of failed runs from their failing step (BulkRetryBody → BulkRetryResult)
 *   GET    /workflows/runs/:runId             one run with its step runs (WorkflowRunDetail)
 *   POST   /workflows/runs/:runId/retry       retry a failed run from the failing step → WorkflowRunDetail
 *   POST   /workflows/runs/:runId/cancel      cancel a running or waiting run → WorkflowRunDetail
 *   GET    /workflows/:id                     one workflow with its draft and published definitions (WorkflowDetail)
 *   PATCH  /workflows/:id                     name, description, team (UpdateWorkflowBody → WorkflowDetail)
 *   DELETE /workflows/:id                     delete (waiting runs are cancelled) → 204
 *   PUT    /workflows/:id/draft               save the draft definition (SaveDraftBody → WorkflowDetail); refused with
 *                                             400 validation_failed and errors[{path,message}] when the graph is invalid (path such as
 *                                             "steps.2.config.condition"; see WorkflowValidation for the step id)
 *   POST   /workflows/validate                check a definition without saving (ValidateBody → WorkflowValidation)
 *   POST   /workflows/:id/publish             publish the draft as a new version (→ WorkflowDetail)
 *   POST   /workflows/:id/pause               stop starting runs; waiting runs keep waiting (→ WorkflowDetail)
 *   POST   /workflows/:id/resume              start runs again; due waits go on (→ WorkflowDetail)
 *   GET    /workflows/:id/versions            versions, newest first (WorkflowVersionList)
 *   GET    /workflows/:id/versions/:version   one version with its definition (WorkflowVersion)
 *   GET    /workflows/:id/runs                this workflow's runs (RunListQuery → RunList)
 *   POST   /workflows/:id/test                test on a record: dry run, no side effects (TestRunBody → TestRunResult)
 *   POST   /workflows/:id/run                 manual run on one record or many (ManualRunBody → ManualRunResult)
 *
 * Merge fields in templated strings (subject, body, task title, HTTP URL/body …) are liquidjs:
 *   {{ record.firstName }}, {{ record.custom.tier }}, {{ owner.name }}, {{ trigger.type }}, {{ trigger.changes }},
 *   {{ steps.<stepId>.output.body.id }} (e.g. an earlier HTTP request's JSON response), {{ workspace.name }},
 *   {{ now | date: "%Y-%m-%d" }}.
 */

// ---------------------------------------------------------------------------------------------------------------
// Building blocks

/** Objects whose records enroll in workflows. */
export const workflowObjects = ["contact", "company", "deal", "task", "activity", "ticket"] as const;
export const WorkflowObject = z.enum(workflowObjects);
export type WorkflowObject = z.infer<typeof WorkflowObject>;
export const workflowObjectLabels: Record<WorkflowObject, string> = {
  contact: "Contact",
  company: "Company",
  deal: "Deal",
  task: "Task",
  activity: "Activity",
  ticket: "Ticket",
};

/**
 * A condition in the one condition language (`src/contract/conditions.ts`: field / operator / value, AND / OR
 * groups, relative dates, related records), evaluated on the workflow's record. Kept opaque here so this contract
 * does not fix that language's shape; the server validates it against the field registry of the trigger's object.
 */
export const WorkflowCondition = z
  .record(z.string(), z.unknown())
  .describe("A condition in the shared condition language (see src/contract/conditions.ts), over the trigger's object");
export type WorkflowCondition = z.infer<typeof WorkflowCondition>;

export const durationUnits = ["minutes", "hours", "days"] as const;
export const DurationUnit = z.enum(durationUnits);
export const Duration = z
  .object({
    amount: z.number().int().min(0).max(100_000),
    unit: DurationUnit,
  })
  .strict();
export type Duration = z.infer<typeof Duration>;

/** A liquidjs template; syntax errors are reported with line and column. */
export const LiquidTemplate = z.string().max(20_000);
const FieldPath = z
  .string()
  .trim()
  .min(1, "Choose a field")
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, "Use a field name such as stage or custom.tier")
  .describe("A field of the record: a registry field name, custom fields as custom.<key>");

/** Who a notification, email or task goes to. */
export const recipientKinds = ["owner", "owner_team", "owner_manager", "user", "team", "record_contact"] as const;
export const Recipient = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("owner") }).strict(),
  z.object({ kind: z.literal("owner_team").describe("Every member of the owner's teams") }).strict(),
  z.object({ kind: z.literal("owner_manager").describe("The managers in the owner's teams") }).strict(),
  z.object({ kind: z.literal("user"), userId: Id }).strict(),
  z.object({ kind: z.literal("team"), teamId: Id }).strict(),
  z.object({ kind: z.literal("record_contact").describe("The contact itself, or the deal's / task's / ticket's contact (email only)") }).strict(),
]);
export type Recipient = z.infer<typeof Recipient>;
export const recipientLabels: Record<(typeof recipientKinds)[number], string> = {
  owner: "Record owner",
  owner_team: "Owner's team",
  owner_manager: "Owner's manager",
  user: "A person",
  team: "A team",
  record_contact: "The record's contact",
};

// ---------------------------------------------------------------------------------------------------------------
// Triggers

export const reenrollModes = ["never", "after_leaving", "always"] as const;
export const ReenrollMode = z.enum(reenrollModes);
export const reenrollLabels: Record<(typeof reenrollModes)[number], string> = {
  never: "Never: a record runs through this workflow once",
  after_leaving: "After the record stops matching the trigger's condition",
  always: "Every time the trigger fires",
};

/** Options every trigger has. */
const TriggerOptions = {
  filter: WorkflowCondition.nullable().default(null).describe("Only records matching this condition enroll"),
  enrollImports: z.boolean().default(false).describe("Records created or changed by an import enroll too (off by default)"),
  reenroll: ReenrollMode.default("always"),
  allowOwnChanges: z.boolean().default(false).describe("Changes made by this workflow's own runs may trigger it again (off by default: no self-loops)"),
};

/**
 * SLA triggers: a ticket's clock passed its warning share or its target (ticket.sla_warning / ticket.sla_breached,
 * announced once per clock). The run is on the ticket; the clock (metric, policyName, dueAt) is {{ trigger.record }}.
 */
const SlaTriggerOptions = {
  object: z.literal("ticket").default("ticket"),
  metrics: z.array(SlaMetric).max(3).default([]).describe("Only clocks of these metrics (empty: any metric)"),
};

export const TriggerFieldChange = z
  .object({
    field: FieldPath,
    from: z.unknown().optional().describe("Only when the old value was this (omit: any)"),
    to: z.unknown().optional().describe("Only when the new value is this (omit: any)"),
  })
  .strict();

export const triggerTypes = [
  "record_created",
  "record_updated",
  "record_deleted",
  "deal_stage_changed",
  "form_submitted",
  "task_completed",
  "lead_score_crossed",
  "date_reached",
  "inactivity",
  "schedule",
  "inbound_webhook",
  "manual",
  "sla_warning",
  "sla_breached",
] as const;
export type TriggerType = (typeof triggerTypes)[number];

export const WorkflowTrigger = z.discriminatedUnion("type", [
  z.object({ type: z.literal("record_created"), object: WorkflowObject, ...TriggerOptions }).strict(),
  z
    .object({
      type: z.literal("record_updated"),
      object: WorkflowObject,
      changes: z.array(TriggerFieldChange).max(20).default([]).describe("Fire only when one of these fields changed (empty: any change)"),
      ...TriggerOptions,
    })
    .strict(),
  z.object({ type: z.literal("record_deleted"), object: WorkflowObject, ...TriggerOptions }).strict(),
  z
    .object({
      type: z.literal("deal_stage_changed"),
      object: z.literal("deal").default("deal"),
      pipelineId: Id.nullable().default(null),
      fromStageId: Id.nullable().default(null),
      toStageId: Id.nullable().default(null),
      toStageType: z.enum(["open", "won", "lost"]).nullable().default(null).describe("Fire when the deal enters any won (or lost) stage"),
      ...TriggerOptions,
    })
    .strict(),
  z
    .object({
      type: z.literal("form_submitted"),
      object: z.literal("contact").default("contact"),
      formId: Id.nullable().default(null).describe("A web form; null: any form"),
      ...TriggerOptions,
    })
    .strict(),
  z.object({ type: z.literal("task_completed"), object: z.literal("task").default("task"), ...TriggerOptions }).strict(),
  z
    .object({
      type: z.literal("lead_score_crossed"),
      object: z.literal("contact").default("contact"),
      threshold: z.number().int().min(0).max(1000),
      direction: z.enum(["up", "down"]).default("up").describe("up: the score rose to the threshold or above"),
      ...TriggerOptions,
    })
    .strict(),
  z
    .object({
      type: z.literal("date_reached"),
      object: WorkflowObject,
      field: FieldPath.describe("A date or date-time field, e.g. expectedCloseDate, dueAt, custom.renewal_date"),
      offset: Duration.default({ amount: 0, unit: "days" }),
      direction: z.enum(["before", "after"]).default("before"),
      timeOfDay: z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "Use a time such as 09:00")
        .default("09:00")
        .describe("For date-only fields: the time of day, in the workspace's time zone"),
      ...TriggerOptions,
    })
    .strict(),
  z
    .object({
      type: z.literal("inactivity"),
      object: z.enum(["contact", "company", "deal"]),
      days: z.number().int().min(1).max(3650),
      measure: z
        .enum(["activity", "stage_change", "update"])
        .default("activity")
        .describe("activity: nothing logged; stage_change: the deal stayed in its stage; update: the record was not changed"),
      ...TriggerOptions,
    })
    .strict(),
  z
    .object({
      type: z.literal("schedule"),
      object: WorkflowObject,
      cron: z.string().trim().min(9).max(100).describe("Five-field cron, e.g. 0 9 * * 1 (Mondays 09:00)"),
      timeZone: z.string().max(64).nullable().default(null).describe("IANA zone; null: the workspace's"),
      viewId: Id.nullable().default(null).describe("Run over a saved view's records (its filters), or over `filter`"),
      ...TriggerOptions,
    })
    .strict(),
  z
    .object({
      type: z.literal("inbound_webhook"),
      hookId: Id,
      object: WorkflowObject.nullable().default(null).describe("Match the payload to a record of this object (by recordField)"),
      recordField: z.string().max(100).nullable().default(null).describe("JSON path in the body holding a record id or email, e.g. contact.email"),
      ...TriggerOptions,
    })
    .strict(),
  z.object({ type: z.literal("manual"), object: WorkflowObject, ...TriggerOptions }).strict(),
  // A ticket's SLA clock passed its warning share or its target (ticket.sla_warning / ticket.sla_breached, once per
  // clock); the run is on the ticket, the clock's metric, policy and due time are under {{ trigger.record }}.
  z.object({ type: z.literal("sla_warning"), ...SlaTriggerOptions, ...TriggerOptions }).strict(),
  z.object({ type: z.literal("sla_breached"), ...SlaTriggerOptions, ...TriggerOptions }).strict(),
]);
export type WorkflowTrigger = z.infer<typeof WorkflowTrigger>;
export type WorkflowTriggerInput = z.input<typeof WorkflowTrigger>;

export const triggerLabels: Record<TriggerType, { label: string; description: string }> = {
  record_created: { label: "Record created", description: "A contact, company, deal, task or activity is created" },
  record_updated: { label: "Record updated", description: "A record changes, optionally only given fields, from / to given values" },
  record_deleted: { label: "Record deleted", description: "A record is moved to the trash" },
  deal_stage_changed: { label: "Deal stage changed", description: "A deal moves to another stage" },
  form_submitted: { label: "Form submitted", description: "A web form is submitted" },
  task_completed: { label: "Task completed", description: "A task is marked done" },
  lead_score_crossed: { label: "Lead score crossed a threshold", description: "A contact's lead score rises (or falls) past a value" },
  date_reached: { label: "Date reached", description: "N minutes, hours or days before or after a date on the record" },
  inactivity: { label: "Inactivity", description: "Nothing happened on the record for N days" },
  schedule: { label: "Schedule", description: "On a schedule (cron), over the records matching a view or condition" },
  inbound_webhook: { label: "Inbound webhook", description: "A POST to one of the workspace's inbound webhook URLs" },
  manual: { label: "Manual", description: "Started from a record page or a bulk action on a list" },
  sla_warning: { label: "SLA warning", description: "A ticket's SLA clock (first response, next response or resolution) nears its target" },
  sla_breached: { label: "SLA breached", description: "A ticket missed an SLA target (first response, next response or resolution)" },
};

// ---------------------------------------------------------------------------------------------------------------
// Steps

/** Where a field's new value comes from. */
export const ValueSource = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("constant"), value: z.unknown() }).strict(),
  z.object({ kind: z.literal("field"), field: FieldPath.describe("Copy this field of the record") }).strict(),
  z
    .object({
      kind: z.literal("relative_date"),
      base: z.union([z.literal("now"), FieldPath]).default("now"),
      offset: Duration,
      direction: z.enum(["before", "after"]).default("after"),
    })
    .strict(),
  z.object({ kind: z.literal("template"), template: LiquidTemplate }).strict(),
  z.object({ kind: z.literal("clear") }).strict(),
]);
export type ValueSource = z.infer<typeof ValueSource>;

export const FieldUpdate = z.object({ field: FieldPath, value: ValueSource }).strict();

export const httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

export const stepTypes = [
  "update_fields",
  "create_task",
  "create_note",
  "create_deal",
  "create_contact",
  "assign_owner",
  "tags",
  "send_email",
  "notify",
  "http_request",
  "send_webhook",
  "enrol_in_sequence",
  "wait",
  "if_else",
  "stop",
] as const;
export const StepType = z.enum(stepTypes);
export type StepType = z.infer<typeof StepType>;

/** The configuration of each step type. */
export const stepConfigs = {
  update_fields: z.object({ updates: z.array(FieldUpdate).min(1, "Choose at least one field to update").max(30) }).strict(),
  create_task: z
    .object({
      title: LiquidTemplate.min(1, "Enter a title"),
      description: LiquidTemplate.default(""),
      dueIn: Duration.nullable().default(null),
      priority: z.enum(["low", "normal", "high", "urgent"]).default("normal"),
      assignee: Recipient.default({ kind: "owner" }).describe("owner, user, owner_manager (first manager), or round robin in a team"),
    })
    .strict(),
  create_note: z.object({ body: LiquidTemplate.min(1, "Write the note") }).strict(),
  create_deal: z
    .object({
      name: LiquidTemplate.min(1, "Enter the deal's name"),
      pipelineId: Id.nullable().default(null).describe("null: the default pipeline"),
      stageId: Id.nullable().default(null).describe("null: the pipeline's first stage"),
      amount: z.string().max(30).nullable().default(null),
      currency: z.string().max(3).nullable().default(null),
    })
    .strict(),
  create_contact: z
    .object({
      firstName: LiquidTemplate.default(""),
      lastName: LiquidTemplate.default(""),
      email: LiquidTemplate.default(""),
      phone: LiquidTemplate.default(""),
    })
    .strict(),
  assign_owner: z
    .object({
      mode: z.enum(["user", "round_robin", "assignment_rules"]),
      userId: Id.nullable().default(null).describe("mode user"),
      teamId: Id.nullable().default(null).describe("mode round_robin: rotate among this team's active members"),
    })
    .strict(),
  tags: z
    .object({
      add: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
      remove: z.array(z.string().trim().min(1).max(50)).max(20).default([]),
    })
    .strict(),
  send_email: z
    .object({
      to: z.array(Recipient).min(1, "Choose who receives the email").max(20),
      subject: LiquidTemplate.min(1, "Enter a subject"),
      body: LiquidTemplate.min(1, "Write the email").describe("Plain text with liquid merge fields"),
    })
    .strict(),
  notify: z
    .object({
      to: z.array(Recipient).min(1, "Choose who is notified").max(20),
      title: LiquidTemplate.min(1, "Enter a title"),
      body: LiquidTemplate.default(""),
    })
    .strict(),
  http_request: z
    .object({
      method: z.enum(httpMethods).default("POST"),
      url: LiquidTemplate.min(1, "Enter a URL"),
      headers: z
        .array(z.object({ name: z.string().trim().min(1).max(200), value: LiquidTemplate }).strict())
        .max(30)
        .default([]),
      body: LiquidTemplate.default("").describe("A JSON body with merge fields; empty: no body"),
      timeoutSeconds: z.number().int().min(1).max(30).default(15),
    })
    .strict(),
  send_webhook: z
    .object({
      label: z.string().trim().max(100).default("").describe("Sent as the event's name so subscribers can tell sends apart"),
      body: LiquidTemplate.default("").describe("Extra JSON merged into the payload; empty: just the record"),
    })
    .strict(),
  enrol_in_sequence: z
    .object({
      sequenceId: Id.nullable()
        .default(null)
        .refine((v) => v !== null, "Choose the sequence"),
    })
    .strict(),
  wait: z.discriminatedUnion("mode", [
    z.object({ mode: z.literal("duration"), duration: Duration }).strict(),
    z
      .object({
        mode: z.literal("until_date"),
        field: FieldPath.describe("A date field of the record"),
        offset: Duration.default({ amount: 0, unit: "days" }),
        direction: z.enum(["before", "after"]).default("after"),
        timeOfDay: z
          .string()
          .regex(/^([01]\d|2[0-3]):[0-5]\d$/)
          .default("09:00"),
      })
      .strict(),
    z
      .object({
        mode: z.literal("until_condition"),
        condition: WorkflowCondition,
        timeout: Duration.describe("After this the run takes the timeout branch"),
      })
      .strict(),
  ]),
  if_else: z.object({ condition: WorkflowCondition }).strict(),
  stop: z.object({ reason: z.string().max(500).default("") }).strict(),
} as const satisfies Record<StepType, z.ZodType>;

/** The outgoing branches of each step type; each must be present in `next` (null: the run ends there). */
export const stepBranches: Record<StepType, readonly string[]> = {
  update_fields: ["next"],
  create_task: ["next"],
  create_note: ["next"],
  create_deal: ["next"],
  create_contact: ["next"],
  assign_owner: ["next"],
  tags: ["next"],
  send_email: ["next"],
  notify: ["next"],
  http_request: ["next"],
  send_webhook: ["next"],
  enrol_in_sequence: ["next"],
  wait: ["next", "timeout"],
  if_else: ["yes", "no"],
  stop: [],
};
export const branchLabels: Record<string, string> = { next: "Then", yes: "Yes", no: "No", timeout: "Timed out" };

export const stepLabels: Record<StepType, { label: string; description: string; group: "records" | "people" | "messages" | "integrations" | "flow" }> = {
  update_fields: { label: "Update fields", description: "Set fields to a value, another field's value or a date", group: "records" },
  create_task: { label: "Create task", description: "A task on the record, for its owner or someone else", group: "records" },
  create_note: { label: "Add note", description: "A note on the record's timeline (on a ticket: an internal note)", group: "records" },
  create_deal: { label: "Create deal", description: "A deal for the contact or company", group: "records" },
  create_contact: { label: "Create contact", description: "A new contact from merge fields", group: "records" },
  assign_owner: { label: "Assign owner", description: "A person, round robin in a team, or the assignment rules", group: "people" },
  tags: { label: "Add or remove tags", description: "Tag the record", group: "records" },
  send_email: { label: "Send email", description: "An email with merge fields, through the mail outbox", group: "messages" },
  notify: { label: "Notify", description: "An in-app notification to people or teams", group: "messages" },
  http_request: { label: "HTTP request", description: "Call a URL; later steps can use the response", group: "integrations" },
  send_webhook: { label: "Send to webhook subscribers", description: "Deliver the record to the workspace's webhooks", group: "integrations" },
  enrol_in_sequence: {
    label: "Enrol in sequence",
    description: "Start the contact (a deal's contacts) on an email sequence, unless already in one",
    group: "messages",
  },
  wait: { label: "Wait", description: "For a time, until a date, or until a condition holds", group: "flow" },
  if_else: { label: "If / else", description: "Branch on a condition", group: "flow" },
  stop: { label: "Stop", description: "End the run here", group: "flow" },
};

const StepId = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, "Step ids are letters, digits, - and _");

/** One step: its id (stable across versions, used in `next`, run records and merge fields), type and config. */
export const WorkflowStep = z
  .object({
    id: StepId,
    type: StepType,
    name: z.string().trim().max(100).default("").describe("Shown on the canvas; empty: the type's label"),
    config: z.record(z.string(), z.unknown()).describe("The step type's config: see stepConfigs"),
    next: z.record(z.string(), StepId.nullable()).default({}).describe("Branch → step id (null ends the run); branches per type in stepBranches"),
    position: z.object({ x: z.number(), y: z.number() }).strict().nullable().default(null).describe("Canvas position, for the builder only"),
  })
  .strict();
export type WorkflowStep = z.infer<typeof WorkflowStep>;
export type WorkflowStepInput = z.input<typeof WorkflowStep>;

export const WorkflowSettings = z
  .object({
    maxRunsPerRecordPerDay: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(20)
      .describe("Loop limit: more runs for one record within 24 h are refused and the workflow flagged"),
  })
  .strict();

/** What a version holds: the trigger, where the steps start, and the steps. */
export const WorkflowDefinition = z
  .object({
    trigger: WorkflowTrigger,
    start: StepId.nullable().describe("The first step after the trigger; null: no steps yet"),
    steps: z.array(WorkflowStep).max(200),
    settings: WorkflowSettings.default({ maxRunsPerRecordPerDay: 20 }),
  })
  .strict();
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;

/** One problem in a definition: where it is (step id when it belongs to a step) and what to do. */
export const DefinitionIssue = z.object({
  path: z.string().describe('Dotted path into the definition, e.g. "steps.2.config.subject" or "trigger.field"'),
  stepId: z.string().nullable().describe("The step the problem is on; null: the trigger or the whole graph"),
  message: z.string(),
  line: z.number().int().nullable().optional().describe("Liquid syntax errors: line in the template"),
  column: z.number().int().nullable().optional().describe("Liquid syntax errors: column in the template"),
});
export type DefinitionIssue = z.infer<typeof DefinitionIssue>;
export const WorkflowValidation = z.object({ valid: z.boolean(), issues: z.array(DefinitionIssue) });
export const ValidateBody = z.object({ definition: z.unknown() }).strict();

// ---------------------------------------------------------------------------------------------------------------
// Workflows and versions

export const workflowStatuses = ["draft", "active", "paused"] as const;
export const WorkflowStatus = z.enum(workflowStatuses);
export const workflowStatusLabels: Record<(typeof workflowStatuses)[number], string> = {
  draft: "Draft (never published)",
  active: "On",
  paused: "Paused",
};

export const healthStates = ["ok", "failing", "not_running", "loop_limited"] as const;
export const WorkflowHealth = z.object({
  state: z.enum(healthStates),
  message: z.string().nullable().describe("What is wrong, in words, e.g. '5 of the last 10 runs failed at step Send email'"),
  since: Timestamp.nullable(),
});
export type WorkflowHealth = z.infer<typeof WorkflowHealth>;

export const WorkflowStats = z.object({
  running: z.number().int(),
  waiting: z.number().int(),
  failed: z.number().int().describe("Failed runs not yet retried"),
  done: z.number().int(),
  lastRunAt: Timestamp.nullable(),
});

export const Workflow = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  status: WorkflowStatus,
  teamId: Id.nullable().describe("The team whose managers may edit it; null: admins only"),
  triggerType: z.enum(triggerTypes).nullable().describe("Of the published version, else the draft"),
  object: z.string().nullable(),
  publishedVersion: z.number().int().nullable(),
  hasDraft: z.boolean().describe("There are unpublished changes"),
  health: WorkflowHealth,
  stats: WorkflowStats,
  canEdit: z.boolean().describe("Whether the caller may edit, publish and pause it"),
  createdBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Workflow = z.infer<typeof Workflow>;

export const versionStates = ["draft", "published", "archived"] as const;
export const WorkflowVersion = z.object({
  id: Id,
  workflowId: Id,
  version: z.number().int().describe("1, 2, …; the draft carries the number it gets when published"),
  state: z.enum(versionStates),
  definition: WorkflowDefinition,
  publishedAt: Timestamp.nullable(),
  publishedBy: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type WorkflowVersion = z.infer<typeof WorkflowVersion>;
export const WorkflowVersionSummary = WorkflowVersion.omit({ definition: true }).extend({ runCount: z.number().int() });
export const WorkflowVersionList = z.object({ data: z.array(WorkflowVersionSummary) });
export const VersionParams = z.object({ id: Id, version: z.coerce.number().int().min(1) }).strict();

export const WorkflowDetail = Workflow.extend({
  draft: WorkflowVersion.nullable(),
  published: WorkflowVersion.nullable(),
});
export type WorkflowDetail = z.infer<typeof WorkflowDetail>;

export const WorkflowListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    status: WorkflowStatus.optional(),
    q: z.string().max(200).optional(),
  })
  .strict();
export const WorkflowList = listOf(Workflow);

export const CreateWorkflowBody = z
  .object({
    name: z.string().trim().min(1, "Give the workflow a name").max(200),
    description: z.string().trim().max(2000).default(""),
    teamId: Id.nullable().default(null),
    templateId: z.string().max(100).optional().describe("Start from this template (its definition becomes the draft)"),
    definition: z.unknown().optional().describe("A WorkflowDefinition for the draft; omit for an empty manual workflow"),
  })
  .strict();
export const UpdateWorkflowBody = z
  .object({
    name: z.string().trim().min(1, "Give the workflow a name").max(200).optional(),
    description: z.string().trim().max(2000).optional(),
    teamId: Id.nullable().optional(),
  })
  .strict();
export const SaveDraftBody = z.object({ definition: WorkflowDefinition }).strict();

// ---------------------------------------------------------------------------------------------------------------
// Runs

export const runStates = ["running", "waiting", "done", "failed", "cancelled"] as const;
export const RunState = z.enum(runStates);
export type RunState = z.infer<typeof RunState>;
export const runStateLabels: Record<RunState, string> = {
  running: "Running",
  waiting: "Waiting",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const stepRunStates = ["running", "waiting", "done", "failed", "skipped"] as const;
export const StepRun = z.object({
  id: Id,
  stepId: z.string(),
  stepType: StepType,
  stepName: z.string().describe("The step's name, or its type's label"),
  attempt: z.number().int().describe("1 on the first try; a retry of the run from this step counts up"),
  state: z.enum(stepRunStates),
  input: z.unknown().describe("The step's config with merge fields filled in"),
  output: z.unknown().nullable().describe("What it produced: ids created, the HTTP response, the branch taken …"),
  error: z.string().nullable(),
  summary: z.string().nullable().describe("In words, e.g. 'Assigned Sam Seller' or 'Skipped: the contact asked not to be contacted'"),
  branch: z.string().nullable().describe("The branch taken (yes / no / timeout / next)"),
  startedAt: Timestamp,
  finishedAt: Timestamp.nullable(),
  durationMs: z.number().int().nullable(),
});
export type StepRun = z.infer<typeof StepRun>;

export const WorkflowRun = z.object({
  id: Id,
  workflowId: Id,
  workflowName: z.string(),
  version: z.number().int().describe("The version the run started on and keeps"),
  state: RunState,
  object: z.string().nullable(),
  recordId: Id.nullable(),
  recordLabel: z.string().nullable().describe("The record's name when the run started"),
  triggerType: z.enum(triggerTypes),
  triggerEventId: Id.nullable().describe("The event that started it (null: manual, schedule, date, inactivity)"),
  currentStepId: z.string().nullable(),
  waitingUntil: Timestamp.nullable(),
  error: z.string().nullable(),
  startedBy: Id.nullable().describe("The user who started a manual run"),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type WorkflowRun = z.infer<typeof WorkflowRun>;
export const WorkflowRunDetail = WorkflowRun.extend({
  trigger: z.object({ type: z.string(), data: z.unknown() }).describe("The triggering event (or the manual start) as the run saw it"),
  steps: z.array(StepRun).describe("Step runs in the order they ran"),
});
export type WorkflowRunDetail = z.infer<typeof WorkflowRunDetail>;

export const RunListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    state: RunState.optional(),
    workflowId: Id.optional(),
    object: WorkflowObject.optional(),
    recordId: Id.optional(),
  })
  .strict();
export const RunList = listOf(WorkflowRun);
export const RunParams = z.object({ runId: Id }).strict();

export const BulkRetryBody = z
  .object({
    runIds: z.array(Id).min(1).max(500).optional(),
    workflowId: Id.optional().describe("Retry every failed run of this workflow"),
  })
  .strict()
  .refine((b) => b.runIds || b.workflowId, "Give runIds or a workflowId");
export const BulkRetryResult = z.object({
  retried: z.array(Id),
  skipped: z.array(z.object({ runId: Id, reason: z.string() })),
});

export const ManualRunBody = z
  .object({
    recordIds: z.array(Id).min(1, "Choose at least one record").max(1000),
  })
  .strict();
export const ManualRunResult = z.object({
  started: z.array(z.object({ recordId: Id, runId: Id })),
  skipped: z.array(z.object({ recordId: Id, reason: z.string() })),
});

/** Test on a record: every step evaluated as the run would, with nothing written, sent or called. */
export const TestRunBody = z
  .object({
    recordId: Id,
    definition: WorkflowDefinition.optional().describe("Test this definition instead of the saved draft (unsaved edits)"),
  })
  .strict();
export const TestStep = z.object({
  stepId: z.string(),
  stepType: StepType,
  stepName: z.string(),
  state: z.enum(["would_run", "would_wait", "would_skip", "error"]),
  summary: z.string().describe("What it would do, in words: 'Would assign the owner Sam Seller', 'Would wait 3 days'"),
  input: z.unknown(),
  output: z.unknown().nullable(),
  branch: z.string().nullable(),
  error: z.string().nullable(),
});
export const TestRunResult = z.object({
  triggerMatched: z.boolean().describe("Whether the record matches the trigger's filter"),
  triggerMessage: z.string(),
  recordLabel: z.string(),
  steps: z.array(TestStep),
});
export type TestRunResult = z.infer<typeof TestRunResult>;

// ---------------------------------------------------------------------------------------------------------------
// Templates

export const WorkflowTemplate = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  category: z.enum(["sales", "marketing", "service"]),
  definition: WorkflowDefinition,
});
export type WorkflowTemplate = z.infer<typeof WorkflowTemplate>;
export const WorkflowTemplateList = z.object({ data: z.array(WorkflowTemplate) });

/** "status is open", for tasks and deals alike. */
const isOpen = { all: [{ field: "status", op: "eq", value: "open" }] };

/**
 * Ready-made workflows a user starts from. Conditions are in the shared condition language; ids in configs that
 * depend on a workspace (users, teams, forms) are null and filled in by the user in the builder.
 */
export const workflowTemplates: WorkflowTemplate[] = (
  [
    {
      id: "web-lead-intake",
      name: "Web lead intake",
      description: "When a web form is submitted: assign an owner by the assignment rules, send a welcome email, create a follow-up task.",
      category: "marketing",
      definition: {
        trigger: { type: "form_submitted", formId: null },
        start: "assign",
        steps: [
          { id: "assign", type: "assign_owner", name: "Assign owner", config: { mode: "assignment_rules" }, next: { next: "welcome" } },
          {
            id: "welcome",
            type: "send_email",
            name: "Welcome email",
            config: {
              to: [{ kind: "record_contact" }],
              subject: "Thanks for getting in touch, {{ record.firstName }}",
              body: "Hi {{ record.firstName }},\n\nThanks for your message. {{ owner.name }} will contact you shortly.\n\n{{ workspace.name }}",
            },
            next: { next: "follow-up" },
          },
          {
            id: "follow-up",
            type: "create_task",
            name: "Follow-up task",
            config: { title: "Follow up with {{ record.firstName }} {{ record.lastName }}", dueIn: { amount: 1, unit: "days" }, assignee: { kind: "owner" } },
            next: { next: null },
          },
        ],
      },
    },
    {
      id: "stalled-deal-alert",
      name: "Stalled deal alert",
      description: "When an open deal has stayed in its stage for 14 days: notify the owner and create a task to move it on.",
      category: "sales",
      definition: {
        trigger: { type: "inactivity", object: "deal", days: 14, measure: "stage_change", filter: isOpen, reenroll: "after_leaving" },
        start: "notify",
        steps: [
          {
            id: "notify",
            type: "notify",
            name: "Notify owner",
            config: { to: [{ kind: "owner" }], title: "{{ record.name }} has not moved for 14 days" },
            next: { next: "task" },
          },
          {
            id: "task",
            type: "create_task",
            name: "Task to move it on",
            config: { title: "Move {{ record.name }} forward", dueIn: { amount: 2, unit: "days" }, priority: "high", assignee: { kind: "owner" } },
            next: { next: null },
          },
        ],
      },
    },
    {
      id: "deal-won-onboarding",
      name: "Deal won → onboarding",
      description: "When a deal is won: create onboarding tasks and set the contact's lifecycle stage to customer.",
      category: "sales",
      definition: {
        trigger: { type: "deal_stage_changed", toStageType: "won" },
        start: "kickoff",
        steps: [
          {
            id: "kickoff",
            type: "create_task",
            name: "Kick-off call",
            config: { title: "Schedule the kick-off call for {{ record.name }}", dueIn: { amount: 2, unit: "days" }, assignee: { kind: "owner" } },
            next: { next: "welcome-pack" },
          },
          {
            id: "welcome-pack",
            type: "create_task",
            name: "Welcome pack",
            config: { title: "Send the welcome pack for {{ record.name }}", dueIn: { amount: 5, unit: "days" }, assignee: { kind: "owner" } },
            next: { next: "customer" },
          },
          {
            id: "customer",
            type: "update_fields",
            name: "Lifecycle stage: customer",
            config: { updates: [{ field: "contact.lifecycleStage", value: { kind: "constant", value: "customer" } }] },
            next: { next: null },
          },
        ],
      },
    },
    {
      id: "renewal-reminder",
      name: "Renewal reminder",
      description: "30 days before a deal's renewal date: remind the owner with a task and a notification.",
      category: "service",
      definition: {
        trigger: { type: "date_reached", object: "deal", field: "expectedCloseDate", offset: { amount: 30, unit: "days" }, direction: "before" },
        start: "task",
        steps: [
          {
            id: "task",
            type: "create_task",
            name: "Renewal task",
            config: { title: "Prepare the renewal of {{ record.name }}", dueIn: { amount: 7, unit: "days" }, assignee: { kind: "owner" } },
            next: { next: "notify" },
          },
          {
            id: "notify",
            type: "notify",
            name: "Notify owner",
            config: { to: [{ kind: "owner" }], title: "{{ record.name }} renews in 30 days" },
            next: { next: null },
          },
        ],
      },
    },
    {
      id: "hot-lead",
      name: "Hot lead",
      description: "When a lead's score reaches 70: notify the owner's team.",
      category: "marketing",
      definition: {
        trigger: { type: "lead_score_crossed", threshold: 70, direction: "up", reenroll: "after_leaving" },
        start: "notify",
        steps: [
          {
            id: "notify",
            type: "notify",
            name: "Notify the team",
            config: {
              to: [{ kind: "owner_team" }],
              title: "Hot lead: {{ record.firstName }} {{ record.lastName }} (score {{ record.leadScore }})",
            },
            next: { next: null },
          },
        ],
      },
    },
    {
      id: "overdue-task-escalation",
      name: "Overdue task escalation",
      description: "One day after a task's due date, if it is still open: notify the assignee's manager.",
      category: "service",
      definition: {
        trigger: { type: "date_reached", object: "task", field: "dueAt", offset: { amount: 1, unit: "days" }, direction: "after" },
        start: "still-open",
        steps: [
          { id: "still-open", type: "if_else", name: "Still open?", config: { condition: isOpen }, next: { yes: "escalate", no: null } },
          {
            id: "escalate",
            type: "notify",
            name: "Notify manager",
            config: { to: [{ kind: "owner_manager" }], title: "Overdue: {{ record.title }}", body: "Due {{ record.dueAt | date: '%Y-%m-%d' }}" },
            next: { next: null },
          },
        ],
      },
    },
    {
      id: "sla-breach-escalate",
      name: "SLA breach → escalate",
      description:
        "When a ticket misses an SLA target: raise its priority to urgent, notify the assignee's managers, and add an internal note saying which target was missed.",
      category: "service",
      definition: {
        trigger: { type: "sla_breached", metrics: [] },
        start: "urgent",
        steps: [
          {
            id: "urgent",
            type: "update_fields",
            name: "Priority: urgent",
            config: { updates: [{ field: "priority", value: { kind: "constant", value: "urgent" } }] },
            next: { next: "notify" },
          },
          {
            id: "notify",
            type: "notify",
            name: "Notify the assignee's manager",
            config: {
              to: [{ kind: "owner_manager" }],
              title: "SLA breached on {{ record.subject }} (#{{ record.number }})",
              body: "The {{ trigger.record.metric | replace: '_', ' ' }} target of {{ trigger.record.policyName }} was due {{ trigger.record.dueAt | date: '%Y-%m-%d %H:%M' }}.",
            },
            next: { next: "note" },
          },
          {
            id: "note",
            type: "create_note",
            name: "Internal note",
            config: {
              body: "Escalated: the {{ trigger.record.metric | replace: '_', ' ' }} target ({{ trigger.record.policyName }}) was missed; priority raised to urgent.",
            },
            next: { next: null },
          },
        ],
      },
    },
  ] satisfies { id: string; name: string; description: string; category: string; definition: WorkflowDefinitionInput }[]
).map((t) => WorkflowTemplate.parse(t));
