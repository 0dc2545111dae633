import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import type { EnrolmentSource, EnrolmentStatus, ExitReason, SendingWindow, SequenceExits, SequenceStatus, StepKind } from "../../contract/sequences.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";
import { emailTemplates } from "../email-templates/table.js";
import { users } from "../users/table.js";

export const sequences = pgTable(
  "sequences",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    status: text("status").$type<SequenceStatus>().notNull().default("active"),
    sender: text("sender"),
    replyTo: text("reply_to"),
    window: jsonb("window").$type<SendingWindow>().notNull(),
    exits: jsonb("exits").$type<SequenceExits>().notNull(),
    exitCondition: jsonb("exit_condition").$type<Condition>(),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("sequences_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
    uniqueIndex("sequences_name_key").on(t.workspaceId, sql`lower(${t.name})`),
  ],
);

export const sequenceSteps = pgTable(
  "sequence_steps",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    sequenceId: uuid("sequence_id").notNull(),
    position: integer("position").notNull(),
    kind: text("kind").$type<StepKind>().notNull(),
    delayMinutes: integer("delay_minutes").notNull().default(0),
    // A template in use cannot be deleted out from under a running sequence.
    templateId: uuid("template_id"),
    taskTitle: text("task_title"),
    taskNote: text("task_note"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("sequence_steps_sequence_fk", [t.workspaceId, t.sequenceId], [sequences.workspaceId, sequences.id], "cascade"),
    reference("sequence_steps_template_fk", [t.workspaceId, t.templateId], [emailTemplates.workspaceId, emailTemplates.id], "no action"),
    index("sequence_steps_sequence_idx").on(t.workspaceId, t.sequenceId, t.position),
  ],
);

/**
 * One contact's walk through a sequence. `next_step` is the index of the step to run at `next_at`; the step job runs
 * it only if both still match (a repeated or stale job does nothing), which makes every step happen once.
 */
export const sequenceEnrolments = pgTable(
  "sequence_enrolments",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    sequenceId: uuid("sequence_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    status: text("status").$type<EnrolmentStatus>().notNull().default("active"),
    source: text("source").$type<EnrolmentSource>().notNull().default("manual"),
    nextStep: integer("next_step").notNull().default(0),
    nextAt: timestamp("next_at", { withTimezone: true, mode: "date" }),
    /** The last step that ran: an exit is counted against it. */
    lastStepId: uuid("last_step_id"),
    exitReason: text("exit_reason").$type<ExitReason>(),
    exitDetail: text("exit_detail"),
    enrolledById: uuid("enrolled_by_id"),
    enrolledAt: timestamp("enrolled_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    endedAt: timestamp("ended_at", { withTimezone: true, mode: "date" }),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("sequence_enrolments_sequence_fk", [t.workspaceId, t.sequenceId], [sequences.workspaceId, sequences.id], "cascade"),
    reference("sequence_enrolments_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    // A contact is in at most one sequence at a time (active or paused): two drips at once would double the mail.
    uniqueIndex("sequence_enrolments_one_live_key").on(t.workspaceId, t.contactId).where(sql`status in ('active', 'paused')`),
    index("sequence_enrolments_sequence_idx").on(t.workspaceId, t.sequenceId, t.status),
    // The sweep's probe for steps that fell due.
    index("sequence_enrolments_due_idx").on(t.nextAt).where(sql`status = 'active'`),
  ],
);

/** What each step did for each enrolment: the email (its outbox id and Message-ID, to thread a reply) or the task. */
export const sequenceSends = pgTable(
  "sequence_sends",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    enrolmentId: uuid("enrolment_id").notNull(),
    sequenceId: uuid("sequence_id").notNull(),
    stepId: uuid("step_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    mailId: uuid("mail_id"),
    /** Normalised (no angle brackets, lower case), as the inbound side reads In-Reply-To and References. */
    messageId: text("message_id"),
    taskId: uuid("task_id"),
    repliedAt: timestamp("replied_at", { withTimezone: true, mode: "date" }),
    sentAt: timestamp("sent_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("sequence_sends_enrolment_fk", [t.workspaceId, t.enrolmentId], [sequenceEnrolments.workspaceId, sequenceEnrolments.id], "cascade"),
    // A step runs once per enrolment, even if its job is repeated.
    uniqueIndex("sequence_sends_step_key").on(t.workspaceId, t.enrolmentId, t.stepId),
    index("sequence_sends_message_idx").on(t.workspaceId, t.messageId),
    index("sequence_sends_step_idx").on(t.workspaceId, t.sequenceId, t.stepId),
  ],
);
