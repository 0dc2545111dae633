import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Condition, ConditionInput } from "./conditions.js";

/**
 * Sequences (drips): a contact enrolled walks a list of steps, each an email (a template) or a task, each after a
 * delay, emails only inside the sending window in the contact's time zone; it leaves early on a reply, a meeting, a
 * deal stage, an unsubscribe or suppression, or a condition.
 */

export const sequenceStatuses = ["active", "paused"] as const;
export const SequenceStatus = z.enum(sequenceStatuses);
export type SequenceStatus = z.infer<typeof SequenceStatus>;
export const sequenceStatusLabels: Record<SequenceStatus, string> = { active: "Active", paused: "Paused" };

export const stepKinds = ["email", "task"] as const;
export const StepKind = z.enum(stepKinds);
export type StepKind = z.infer<typeof StepKind>;
export const stepKindLabels: Record<StepKind, string> = { email: "Email", task: "Task" };

export const enrolmentStatuses = ["active", "paused", "completed", "exited"] as const;
export const EnrolmentStatus = z.enum(enrolmentStatuses);
export type EnrolmentStatus = z.infer<typeof EnrolmentStatus>;
export const enrolmentStatusLabels: Record<EnrolmentStatus, string> = {
  active: "Active",
  paused: "Paused",
  completed: "Completed",
  exited: "Exited",
};

export const exitReasons = [
  "replied",
  "meeting_booked",
  "deal_stage",
  "unsubscribed",
  "suppressed",
  "condition",
  "manual",
  "no_email",
  "contact_deleted",
] as const;
export const ExitReason = z.enum(exitReasons);
export type ExitReason = z.infer<typeof ExitReason>;
export const exitReasonLabels: Record<ExitReason, string> = {
  replied: "Replied",
  meeting_booked: "Booked a meeting",
  deal_stage: "Deal reached the exit stage",
  unsubscribed: "Unsubscribed",
  suppressed: "Address suppressed (bounce, complaint or by hand)",
  condition: "Matched the exit condition",
  manual: "Removed by hand",
  no_email: "No email address",
  contact_deleted: "Contact deleted",
};

export const enrolmentSources = ["manual", "list", "segment", "workflow", "api"] as const;
export const EnrolmentSource = z.enum(enrolmentSources);
export type EnrolmentSource = z.infer<typeof EnrolmentSource>;
export const enrolmentSourceLabels: Record<EnrolmentSource, string> = {
  manual: "By hand",
  list: "From a list",
  segment: "From a segment",
  workflow: "By a workflow",
  api: "Through the API",
};

export const weekdays = [1, 2, 3, 4, 5, 6, 7] as const;
export const weekdayLabels: Record<number, string> = { 1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri", 6: "Sat", 7: "Sun" };

const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "A time as HH:MM (24-hour)");

/** When emails may go out, on the recipient's wall clock. */
export const SendingWindow = z
  .object({
    start: HHMM.describe("Earliest time of day, recipient's time"),
    end: HHMM.describe("Latest time of day (exclusive), recipient's time"),
    days: z.array(z.number().int().min(1).max(7)).min(1, "Choose at least one sending day").max(7).describe("ISO weekdays: 1 Monday … 7 Sunday"),
  })
  .strict()
  .refine((w) => w.start < w.end, { message: "The window must end after it starts", path: ["end"] });
export type SendingWindow = z.infer<typeof SendingWindow>;

export const SequenceExits = z
  .object({
    onReply: z.boolean().describe("Leave when the contact replies to a sequence email"),
    onMeeting: z.boolean().describe("Leave when a meeting with the contact is logged"),
    dealStageIds: z.array(Id).max(50).describe("Leave when one of the contact's deals reaches one of these stages"),
  })
  .strict();
export type SequenceExits = z.infer<typeof SequenceExits>;

export const SequenceStep = z.object({
  id: Id,
  position: z.number().int(),
  kind: StepKind,
  delayMinutes: z.number().int().describe("Wait after the previous step (after enrolment, for the first)"),
  templateId: Id.nullable(),
  taskTitle: z.string().nullable(),
  taskNote: z.string().nullable(),
});
export type SequenceStep = z.infer<typeof SequenceStep>;

export const StepInput = z
  .object({
    id: Id.optional().describe("Keep an existing step (its statistics follow it)"),
    kind: StepKind,
    delayMinutes: z
      .number()
      .int()
      .min(0)
      .max(365 * 24 * 60, "A delay is at most a year"),
    templateId: Id.nullable().optional(),
    taskTitle: z.string().trim().max(300).nullable().optional(),
    taskNote: z.string().trim().max(5000).nullable().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.kind === "email" && !s.templateId) ctx.addIssue({ code: "custom", path: ["templateId"], message: "Choose the email template this step sends" });
    if (s.kind === "task" && !s.taskTitle) ctx.addIssue({ code: "custom", path: ["taskTitle"], message: "Give the task a title" });
  });
export type StepInput = z.infer<typeof StepInput>;

export const Sequence = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  status: SequenceStatus,
  sender: z.string().nullable().describe("From address (a verified sender); null: the server's default sender"),
  replyTo: z.string().nullable().describe("Where replies go: an inbound mailbox address, so replies are seen"),
  window: SendingWindow,
  exits: SequenceExits,
  exitCondition: Condition.nullable(),
  steps: z.array(SequenceStep),
  counts: z.object({ active: z.number().int(), paused: z.number().int(), completed: z.number().int(), exited: z.number().int() }),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Sequence = z.infer<typeof Sequence>;
export const SequenceList = z.object({ data: z.array(Sequence) });

const Name = z.string().trim().min(1, "Give the sequence a name").max(120, "A name is at most 120 characters");
const Email = z.string().trim().max(320);

export const CreateSequenceBody = z
  .object({
    name: Name,
    description: z.string().trim().max(1000).optional(),
    status: SequenceStatus.optional(),
    sender: Email.nullable().optional(),
    replyTo: z.email("A reply-to address").nullable().optional(),
    window: SendingWindow.optional(),
    exits: SequenceExits.partial().optional(),
    exitCondition: ConditionInput.nullable().optional().describe("Leave when the contact matches this condition"),
    steps: z.array(StepInput).max(50, "At most 50 steps").optional(),
  })
  .strict();
export type CreateSequenceBody = z.infer<typeof CreateSequenceBody>;
export const UpdateSequenceBody = z
  .object({
    name: Name.optional(),
    description: z.string().trim().max(1000).optional(),
    status: SequenceStatus.optional(),
    sender: Email.nullable().optional(),
    replyTo: z.email("A reply-to address").nullable().optional(),
    window: SendingWindow.optional(),
    exits: SequenceExits.partial().optional(),
    exitCondition: ConditionInput.nullable().optional(),
    steps: z.array(StepInput).max(50, "At most 50 steps").optional().describe("The whole list of steps, in order"),
  })
  .strict();
export type UpdateSequenceBody = z.infer<typeof UpdateSequenceBody>;

export const EnrolBody = z
  .object({
    contactIds: z.array(Id).max(5000, "At most 5,000 contacts at a time").optional(),
    segmentId: Id.optional().describe("Enrol every member of a segment or static list"),
  })
  .strict()
  .refine((b) => (b.contactIds?.length ?? 0) > 0 || b.segmentId, { message: "Choose contacts, a list or a segment", path: ["contactIds"] });
export const EnrolResult = z.object({
  enrolled: z.number().int(),
  skipped: z.number().int().describe("Already in a sequence, or without an email address, or suppressed"),
});

export const Enrolment = z.object({
  id: Id,
  sequenceId: Id,
  sequenceName: z.string(),
  contactId: Id,
  contactName: z.string(),
  contactEmail: z.string().nullable(),
  status: EnrolmentStatus,
  source: EnrolmentSource,
  /** Index of the next step to run (steps.length when done). */
  nextStep: z.number().int(),
  nextAt: Timestamp.nullable(),
  exitReason: ExitReason.nullable(),
  exitDetail: z.string().nullable(),
  enrolledAt: Timestamp,
  endedAt: Timestamp.nullable(),
});
export type Enrolment = z.infer<typeof Enrolment>;
export const EnrolmentList = z.object({ data: z.array(Enrolment), nextCursor: z.string().nullable() });
export const EnrolmentListQuery = z
  .object({
    status: EnrolmentStatus.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    cursor: z.string().max(200).optional(),
  })
  .strict();

export const StepStats = z.object({
  stepId: Id,
  position: z.number().int(),
  kind: StepKind,
  sent: z.number().int().describe("Emails queued (email steps) or tasks created (task steps)"),
  opened: z.number().int().describe("Recipients who opened (human opens)"),
  clicked: z.number().int().describe("Recipients who clicked (human clicks)"),
  replied: z.number().int(),
  exited: z.number().int().describe("Enrolments that left the sequence after this step"),
});
export const SequenceStats = z.object({
  steps: z.array(StepStats),
  enrolled: z.number().int(),
  exitReasons: z.array(z.object({ reason: ExitReason, count: z.number().int() })),
});
export type SequenceStats = z.infer<typeof SequenceStats>;
