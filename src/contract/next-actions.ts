import { z } from "zod";
import { Id, Timestamp } from "./common.js";

/**
 * Where a suggestion comes from. Today only the workspace's own rules; a scoring model (churn, win probability) adds
 * its own source and kinds without changing how actions are listed, dismissed or acted on.
 */
export const nextActionSources = ["rules"] as const;
export const NextActionSource = z.enum(nextActionSources);

export const nextActionKinds = ["stalled_deal", "hot_lead", "overdue_task", "no_recent_contact", "cross_sell"] as const;
export const NextActionKind = z.enum(nextActionKinds);
export type NextActionKind = z.infer<typeof NextActionKind>;

export const nextActionKindLabels: Record<NextActionKind, string> = {
  stalled_deal: "Stalled deal",
  hot_lead: "Hot lead not contacted",
  overdue_task: "Overdue follow-up",
  no_recent_contact: "Customer gone quiet",
  cross_sell: "Cross-sell",
};

/** What one click does; the server carries it out through the owning module (task, activity, deal). */
export const nextActionVerbs = ["create_task", "log_call", "complete_task", "reschedule_task", "create_deal"] as const;
export const NextActionVerb = z.enum(nextActionVerbs);
export type NextActionVerb = z.infer<typeof NextActionVerb>;

export const NextActionRecordObject = z.enum(["contact", "company", "deal", "task"]);

export const NextAction = z.object({
  key: z.string().describe("Stable key of the suggestion (kind, record, product): what dismissals and actions name"),
  kind: NextActionKind,
  source: NextActionSource,
  title: z.string(),
  reason: z.string().describe("Why it is suggested, in words, with the numbers behind it"),
  record: z.object({ object: NextActionRecordObject, id: Id, name: z.string() }),
  /** The record the action is about when it sits on another (a task's deal, a cross-sell's product). */
  related: z.object({ object: z.enum(["contact", "company", "deal", "product"]), id: Id, name: z.string() }).nullable(),
  verbs: z.array(z.object({ verb: NextActionVerb, label: z.string() })),
  /** Higher first. */
  priority: z.number(),
  at: Timestamp.nullable().describe("The time the reason counts from (stage entered, task due, last contact)"),
  metrics: z
    .object({
      daysInStage: z.number().optional(),
      typicalDays: z.number().optional(),
      leadScore: z.number().optional(),
      daysOverdue: z.number().optional(),
      daysSinceContact: z.number().nullable().optional(),
      support: z.number().optional().describe("Share of customers who bought both products"),
      confidence: z.number().optional().describe("Share of the buyers of the first product who also bought the second"),
      lift: z.number().optional(),
      pairCustomers: z.number().optional(),
    })
    .strict(),
});
export type NextAction = z.infer<typeof NextAction>;

export const NextActionList = z.object({ data: z.array(NextAction) });
export type NextActionList = z.infer<typeof NextActionList>;

export const NextActionQuery = z
  .object({
    object: z.enum(["contact", "company", "deal"]).optional().describe("With id: the actions on one record (its page); without: mine"),
    id: Id.optional(),
    limit: z.coerce.number().int().min(1).max(100).default(20),
  })
  .strict()
  .refine((q) => Boolean(q.object) === Boolean(q.id), { message: "Give both object and id, or neither", path: ["id"] });
export type NextActionQuery = z.infer<typeof NextActionQuery>;

export const DismissNextActionBody = z
  .object({
    key: z.string().min(3).max(300),
    snoozeDays: z.number().int().min(1).max(365).optional().describe("Hide for this many days; omitted: dismiss for good"),
  })
  .strict();
export type DismissNextActionBody = z.infer<typeof DismissNextActionBody>;

export const ActOnNextActionBody = z
  .object({
    key: z.string().min(3).max(300),
    verb: NextActionVerb,
  })
  .strict();
export type ActOnNextActionBody = z.infer<typeof ActOnNextActionBody>;

export const NextActionResult = z.object({
  done: z.string().describe("What was done, in words"),
  created: z.object({ object: z.enum(["task", "activity", "deal"]), id: Id }).nullable(),
});
export type NextActionResult = z.infer<typeof NextActionResult>;

export const RestoreNextActionBody = z.object({ key: z.string().min(3).max(300) }).strict();
