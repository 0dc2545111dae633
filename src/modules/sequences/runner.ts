import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Condition } from "../../contract/conditions.js";
import type { Event } from "../../contract/events.js";
import type { ExitReason } from "../../contract/sequences.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { conditionContext, toSql } from "../conditions/service.js";
import { tableOf } from "../conditions/sources.js";
import { consentPredicate, suppressedPredicate } from "../consent/service.js";
import { contactIdByEmail } from "../contacts/service.js";
import { sendMarketingEmail } from "../email-templates/public.js";
import type { Consumer } from "../events/service.js";
import type { MailQueue } from "../mail/service.js";
import { normaliseMessageId } from "../mail-in/parse.js";
import { createTask } from "../tasks/service.js";
import { workspaceTimeZone } from "../workspaces/service.js";
import { contactZone, nextSendTime } from "./schedule.js";
import { exitEnrolment, type ScheduleStep } from "./service.js";
import { sequenceEnrolments, sequenceSends, sequenceSteps, sequences } from "./table.js";

/**
 * The steps' engine. A step job (queued at the enrolment's next_at, and found again by the every-minute sweep if it
 * was lost) locks its enrolment, re-checks that it is still due, checks the exits, then runs the step and moves the
 * enrolment on, all in one transaction: the email is queued in the outbox in that transaction, so a crash repeats
 * the step whole or not at all, and the unique (enrolment, step) row makes a repeat do nothing.
 */

const contacts = tableOf.contact;

export interface RunnerDeps {
  mail: MailQueue;
  /** RAPPORT_PUBLIC_URL: where tracking and unsubscribe links start. */
  baseUrl: string;
  schedule: ScheduleStep;
  now: () => Date;
}

export interface StepOutcome {
  status: "sent" | "task" | "deferred" | "exited" | "completed" | "not_due" | "skipped";
  detail?: string;
}

interface ContactFacts {
  id: string;
  email: string | null;
  owner_id: string | null;
  do_not_contact: boolean;
  deleted: boolean;
  custom: Record<string, unknown> | null;
  suppressed: boolean;
  consented: boolean;
}

async function contactFacts(tx: Db, workspaceId: string, contactId: string): Promise<ContactFacts | null> {
  const [row] = await queryRows<ContactFacts>(
    tx,
    sql`select c.id, c.primary_email as email, c.owner_id, c.do_not_contact, c.deleted_at is not null as deleted, c.custom,
               coalesce(${suppressedPredicate(workspaceId, sql`c.primary_email`)}, false) as suppressed,
               ${consentPredicate(workspaceId, sql`c.id`, "email")} as consented
          from ${contacts} c where c.workspace_id = ${workspaceId}::uuid and c.id = ${contactId}::uuid`,
  );
  return row ?? null;
}

async function matchesCondition(ctx: Ctx, contactId: string, condition: Condition): Promise<boolean> {
  const context = await conditionContext(ctx);
  const [row] = await queryRows<{ hit: boolean }>(
    ctx.db,
    sql`select coalesce(${toSql(condition, "contact", context)}, false) as hit from ${contacts}
         where ${contacts.workspaceId} = ${ctx.workspaceId}::uuid and ${contacts.id} = ${contactId}::uuid`,
  );
  return Boolean(row?.hit);
}

/** Why this contact must leave before its next step, or null. */
function exitBefore(c: ContactFacts | null, emailStep: boolean): { reason: ExitReason; detail: string } | null {
  if (!c || c.deleted) return { reason: "contact_deleted", detail: "The contact was deleted" };
  if (c.do_not_contact) return { reason: "suppressed", detail: "The contact is marked do not contact" };
  if (!c.email) return emailStep ? { reason: "no_email", detail: "The contact has no email address" } : null;
  if (c.suppressed) return { reason: "suppressed", detail: `${c.email} is on the suppression list` };
  if (!c.consented) return { reason: "unsubscribed", detail: `${c.email} refused marketing email` };
  return null;
}

export async function runStep(db: Db, deps: RunnerDeps, key: { workspaceId: string; enrolmentId: string }): Promise<StepOutcome> {
  const now = deps.now();
  return db.transaction(async (tx) => {
    const ctx: Ctx = { db: tx, workspaceId: key.workspaceId, actor: systemActor };
    const e = sequenceEnrolments;
    // SKIP LOCKED: the sweep and a delayed job reaching the same enrolment at once; one runs it, the other moves on.
    const [enrolment] = await tx
      .select()
      .from(e)
      .where(and(eq(e.workspaceId, key.workspaceId), eq(e.id, key.enrolmentId)))
      .for("update", { skipLocked: true });
    if (enrolment?.status !== "active" || !enrolment.nextAt) return { status: "skipped" as const };
    if (enrolment.nextAt.getTime() > now.getTime()) return { status: "not_due" as const };
    const [sequence] = await tx
      .select()
      .from(sequences)
      .where(and(eq(sequences.workspaceId, key.workspaceId), eq(sequences.id, enrolment.sequenceId)));
    // A paused sequence holds every enrolment where it is; resuming it schedules them again.
    if (sequence?.status !== "active") return { status: "skipped" as const, detail: "sequence paused" };
    const steps = await tx
      .select()
      .from(sequenceSteps)
      .where(and(eq(sequenceSteps.workspaceId, key.workspaceId), eq(sequenceSteps.sequenceId, sequence.id)))
      .orderBy(sequenceSteps.position);
    const step = steps[enrolment.nextStep];
    const setEnrolment = (set: Partial<typeof e.$inferInsert>) =>
      tx
        .update(e)
        .set({ ...set, updatedAt: new Date() })
        .where(and(eq(e.workspaceId, key.workspaceId), eq(e.id, enrolment.id)));
    if (!step) {
      await setEnrolment({ status: "completed", nextAt: null, endedAt: now });
      return { status: "completed" as const };
    }
    const facts = await contactFacts(tx, key.workspaceId, enrolment.contactId);
    const exit =
      exitBefore(facts, step.kind === "email") ??
      (sequence.exitCondition && (await matchesCondition(ctx, enrolment.contactId, sequence.exitCondition))
        ? { reason: "condition" as const, detail: "The contact matched the sequence's exit condition" }
        : null);
    if (exit) {
      await exitEnrolment(tx, key.workspaceId, enrolment, exit.reason, exit.detail);
      return { status: "exited" as const, detail: exit.reason };
    }
    if (step.kind === "email") {
      const tz = contactZone(facts?.custom) ?? (await workspaceTimeZone(ctx));
      const at = nextSendTime(now, sequence.window, tz);
      if (at.getTime() > now.getTime()) {
        await setEnrolment({ nextAt: at });
        await deps.schedule(tx, key, at);
        return { status: "deferred" as const, detail: `${at.toISOString()} (${tz})` };
      }
    }
    // The step's own row first: a repeat of this step (a retried job after a commit we did not hear of) stops here.
    const sendId = newId();
    const [claimed] = await tx
      .insert(sequenceSends)
      .values({
        workspaceId: key.workspaceId,
        id: sendId,
        enrolmentId: enrolment.id,
        sequenceId: sequence.id,
        stepId: step.id,
        contactId: enrolment.contactId,
        sentAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: sequenceSends.id });
    let status: StepOutcome["status"] = "skipped";
    if (claimed) {
      if (step.kind === "email" && step.templateId) {
        const sent = await sendMarketingEmail(ctx, deps.mail, {
          template: { id: step.templateId },
          contactId: enrolment.contactId,
          ...(sequence.sender ? { from: sequence.sender } : {}),
          baseUrl: deps.baseUrl,
          headers: { "X-Rapport-Sequence": sequence.id, ...(sequence.replyTo ? { "Reply-To": sequence.replyTo } : {}) },
        });
        await tx
          .update(sequenceSends)
          .set({ mailId: sent.mailId, messageId: normaliseMessageId(sent.messageId) })
          .where(and(eq(sequenceSends.workspaceId, key.workspaceId), eq(sequenceSends.id, sendId)));
        status = "sent";
      } else if (step.kind === "task") {
        const assigneeId = facts?.owner_id ?? sequence.createdById;
        if (assigneeId) {
          const task = await createTask(ctx, {
            title: step.taskTitle ?? "Follow up",
            ...(step.taskNote ? { description: step.taskNote } : {}),
            dueAt: now.toISOString(),
            assigneeId,
            related: { object: "contact", id: enrolment.contactId },
          });
          await tx
            .update(sequenceSends)
            .set({ taskId: task.id })
            .where(and(eq(sequenceSends.workspaceId, key.workspaceId), eq(sequenceSends.id, sendId)));
        }
        status = "task";
      }
    }
    const next = steps[enrolment.nextStep + 1];
    if (!next) {
      await setEnrolment({ nextStep: enrolment.nextStep + 1, lastStepId: step.id, status: "completed", nextAt: null, endedAt: now });
      return { status };
    }
    const nextAt = new Date(now.getTime() + next.delayMinutes * 60_000);
    await setEnrolment({ nextStep: enrolment.nextStep + 1, lastStepId: step.id, nextAt });
    await deps.schedule(tx, key, nextAt);
    return { status };
  });
}

/** The every-minute safety net: runs steps that fell due and have no job (lost, or queued before a restore). */
export async function runDueSteps(db: Db, deps: RunnerDeps, limit = 500): Promise<{ ran: number }> {
  const now = deps.now();
  const due = await queryRows<{ workspace_id: string; id: string }>(
    db,
    sql`select e.workspace_id, e.id from ${sequenceEnrolments} e
          join ${sequences} s on s.workspace_id = e.workspace_id and s.id = e.sequence_id and s.status = 'active'
         where e.status = 'active' and e.next_at <= ${now.toISOString()}::timestamptz
         order by e.next_at limit ${limit}`,
  );
  let ran = 0;
  for (const d of due) {
    try {
      const out = await runStep(db, deps, { workspaceId: d.workspace_id, enrolmentId: d.id });
      if (out.status !== "skipped" && out.status !== "not_due") ran++;
    } catch (err) {
      // One contact's failing step (a template that no longer renders) must not hold back the others; its own job retries it.
      if (!(err instanceof AppError)) throw err;
    }
  }
  return { ran };
}

// ---- exits from the event stream -------------------------------------------------------------------------------

const live = or(eq(sequenceEnrolments.status, "active"), eq(sequenceEnrolments.status, "paused"));

async function liveEnrolment(tx: Db, workspaceId: string, contactId: string) {
  const [row] = await tx
    .select({
      id: sequenceEnrolments.id,
      contactId: sequenceEnrolments.contactId,
      sequenceId: sequenceEnrolments.sequenceId,
      exits: sequences.exits,
      exitCondition: sequences.exitCondition,
    })
    .from(sequenceEnrolments)
    .innerJoin(sequences, and(eq(sequences.workspaceId, sequenceEnrolments.workspaceId), eq(sequences.id, sequenceEnrolments.sequenceId)))
    .where(and(eq(sequenceEnrolments.workspaceId, workspaceId), eq(sequenceEnrolments.contactId, contactId), live));
  return row ?? null;
}

/** A reply threaded onto a sequence email: marks the send replied, and ends the enrolment if the sequence says so. */
async function onReceived(tx: Db, e: Event): Promise<void> {
  const r = e.data.record as { from?: string | null; inReplyTo?: string | null; references?: string[]; automatic?: boolean } | null;
  if (!r || r.automatic) return;
  const ids = [...new Set([r.inReplyTo, ...(r.references ?? [])].map((v) => normaliseMessageId(v)).filter((v): v is string => Boolean(v)))];
  if (ids.length === 0) return;
  const sends = await tx
    .select({ id: sequenceSends.id, enrolmentId: sequenceSends.enrolmentId, contactId: sequenceSends.contactId })
    .from(sequenceSends)
    .where(and(eq(sequenceSends.workspaceId, e.workspaceId), inArray(sequenceSends.messageId, ids)));
  for (const s of sends) {
    await tx
      .update(sequenceSends)
      .set({ repliedAt: sql`coalesce(${sequenceSends.repliedAt}, ${e.occurredAt}::timestamptz)` })
      .where(and(eq(sequenceSends.workspaceId, e.workspaceId), eq(sequenceSends.id, s.id)));
    const enrolment = await liveEnrolment(tx, e.workspaceId, s.contactId);
    if (enrolment && enrolment.id === s.enrolmentId && enrolment.exits.onReply)
      await exitEnrolment(tx, e.workspaceId, enrolment, "replied", `Reply from ${r.from ?? "the contact"}`);
  }
}

async function exitContact(
  tx: Db,
  workspaceId: string,
  contactId: string | null | undefined,
  reason: ExitReason,
  detail: string,
  when?: (x: NonNullable<Awaited<ReturnType<typeof liveEnrolment>>>) => boolean,
) {
  if (!contactId) return;
  const enrolment = await liveEnrolment(tx, workspaceId, contactId);
  if (enrolment && (!when || when(enrolment))) await exitEnrolment(tx, workspaceId, enrolment, reason, detail);
}

/**
 * Exits that other modules announce: a reply (mail.received), an unsubscribe, a hard bounce or complaint (the address
 * is suppressed), a meeting logged with the contact, a deal of the contact reaching an exit stage, the contact's
 * deletion, and a change that makes the contact match the exit condition.
 */
export const sequenceExitConsumer: Consumer = {
  name: "sequences.exits",
  types: [
    "mail.received",
    "marketing.unsubscribed",
    "mail.bounced",
    "mail.complained",
    "activity.logged",
    "deal.stage_changed",
    "contact.deleted",
    "contact.updated",
  ],
  skipImports: true,
  async handle(tx, events) {
    for (const e of events) {
      const record = e.data.record as Record<string, unknown> | null;
      switch (e.type) {
        case "mail.received":
          await onReceived(tx, e);
          break;
        case "marketing.unsubscribed":
          await exitContact(tx, e.workspaceId, record?.contactId as string, "unsubscribed", `Unsubscribed (${String(record?.source ?? "link")})`);
          break;
        case "mail.bounced":
        case "mail.complained": {
          if (e.type === "mail.bounced" && record?.kind !== "hard") break;
          const address = String(record?.address ?? "");
          const contactId = address ? await contactIdByEmail({ db: tx, workspaceId: e.workspaceId, actor: systemActor }, address) : null;
          await exitContact(
            tx,
            e.workspaceId,
            contactId,
            "suppressed",
            e.type === "mail.bounced" ? `${address} bounced` : `${address} complained (spam report)`,
          );
          break;
        }
        case "activity.logged": {
          if (record?.type !== "meeting") break;
          // The meeting's contact and every contact attending it.
          const attendees = ((record.attendees as { kind: string; id: string }[] | undefined) ?? []).filter((a) => a.kind === "contact").map((a) => a.id);
          for (const id of new Set([record.contactId as string | null, ...attendees].filter((x): x is string => Boolean(x))))
            await exitContact(tx, e.workspaceId, id, "meeting_booked", `Meeting: ${String(record.subject ?? "")}`, (x) => x.exits.onMeeting);
          break;
        }
        case "deal.stage_changed": {
          const stageId = record?.stageId as string | undefined;
          const people = (record?.contacts as { contactId: string }[] | undefined) ?? [];
          for (const p of people)
            await exitContact(
              tx,
              e.workspaceId,
              p.contactId,
              "deal_stage",
              `Deal "${String(record?.name ?? "")}" moved to ${String(record?.stageName ?? "")}`,
              (x) => Boolean(stageId && x.exits.dealStageIds.includes(stageId)),
            );
          break;
        }
        case "contact.deleted":
          await exitContact(tx, e.workspaceId, e.recordId, "contact_deleted", "The contact was deleted");
          break;
        case "contact.updated": {
          const enrolment = await liveEnrolment(tx, e.workspaceId, e.recordId);
          if (enrolment?.exitCondition) {
            const ctx: Ctx = { db: tx, workspaceId: e.workspaceId, actor: systemActor };
            if (await matchesCondition(ctx, e.recordId, enrolment.exitCondition))
              await exitEnrolment(tx, e.workspaceId, enrolment, "condition", "The contact matched the sequence's exit condition");
          }
          break;
        }
      }
    }
  },
};
