import { and, asc, desc, eq, inArray, or, sql } from "drizzle-orm";
import type { Condition } from "../../contract/conditions.js";
import type {
  CreateSequenceBody,
  Enrolment,
  EnrolmentSource,
  ExitReason,
  SendingWindow,
  Sequence,
  SequenceExits,
  SequenceStats,
  StepInput,
  UpdateSequenceBody,
} from "../../contract/sequences.js";
import { exitReasonLabels } from "../../contract/sequences.js";
import { accessOf } from "../../core/access.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { logActivity } from "../activities/service.js";
import { assertValidCondition, conditionContext } from "../conditions/service.js";
import { tableOf } from "../conditions/sources.js";
import { consentPredicate, suppressedPredicate } from "../consent/service.js";
import { templateRow } from "../email-templates/service.js";
import { diff, recordChanges } from "../history/service.js";
import { trackingHit } from "../mail/tracking.js";
import { audienceContactIds } from "../segments/public.js";
import { sequenceEnrolments, sequenceSends, sequenceSteps, sequences } from "./table.js";

type Row = typeof sequences.$inferSelect;
type StepRow = typeof sequenceSteps.$inferSelect;
type EnrolmentRow = typeof sequenceEnrolments.$inferSelect;
const contacts = tableOf.contact;
const FIELDS = ["name", "description", "status", "sender", "replyTo", "window", "exits", "exitCondition"] as const;

export const defaultWindow: SendingWindow = { start: "09:00", end: "17:00", days: [1, 2, 3, 4, 5] };
export const defaultExits: SequenceExits = { onReply: true, onMeeting: true, dealStageIds: [] };

/** How the sequence's step jobs are queued (the job system's, in the caller's transaction). */
export type ScheduleStep = (tx: Db, key: { workspaceId: string; enrolmentId: string }, at: Date) => Promise<void>;

// ---- access -------------------------------------------------------------------------------------------------

const roleName = (ctx: Ctx) => ctx.actor.role.replaceAll("_", "-");

export function assertSequenceRead(ctx: Ctx): void {
  if (accessOf(ctx.actor).permissions.sequence.read === "none") throw new AppError("forbidden", `Your role (${roleName(ctx)}) cannot see sequences.`);
}

export function assertSequenceManage(ctx: Ctx): void {
  const rights = accessOf(ctx.actor).permissions.sequence;
  if (!rights.create && rights.edit === "none") throw new AppError("forbidden", `Your role (${roleName(ctx)}) cannot change sequences or enrol contacts.`);
}

// ---- sequences ----------------------------------------------------------------------------------------------

async function findRow(ctx: Pick<Ctx, "db" | "workspaceId">, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(sequences)
    .where(and(eq(sequences.workspaceId, ctx.workspaceId), eq(sequences.id, id)));
  if (!row) throw notFound("Sequence");
  return row;
}

async function stepsOf(ctx: Pick<Ctx, "db" | "workspaceId">, ids: string[]): Promise<Map<string, StepRow[]>> {
  const out = new Map<string, StepRow[]>();
  if (ids.length === 0) return out;
  const rows = await ctx.db
    .select()
    .from(sequenceSteps)
    .where(and(eq(sequenceSteps.workspaceId, ctx.workspaceId), inArray(sequenceSteps.sequenceId, ids)))
    .orderBy(asc(sequenceSteps.position));
  for (const r of rows) out.set(r.sequenceId, [...(out.get(r.sequenceId) ?? []), r]);
  return out;
}

async function countsOf(ctx: Ctx, ids: string[]): Promise<Map<string, Sequence["counts"]>> {
  const out = new Map<string, Sequence["counts"]>();
  if (ids.length === 0) return out;
  const e = sequenceEnrolments;
  const rows = await ctx.db
    .select({ id: e.sequenceId, status: e.status, n: sql<number>`count(*)::int` })
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), inArray(e.sequenceId, ids)))
    .groupBy(e.sequenceId, e.status);
  for (const r of rows) {
    const c = out.get(r.id) ?? { active: 0, paused: 0, completed: 0, exited: 0 };
    c[r.status] = Number(r.n);
    out.set(r.id, c);
  }
  return out;
}

const toStep = (s: StepRow) => ({
  id: s.id,
  position: s.position,
  kind: s.kind,
  delayMinutes: s.delayMinutes,
  templateId: s.templateId,
  taskTitle: s.taskTitle,
  taskNote: s.taskNote,
});

const toSequence = (r: Row, steps: StepRow[], counts?: Sequence["counts"]): Sequence => ({
  id: r.id,
  name: r.name,
  description: r.description,
  status: r.status,
  sender: r.sender,
  replyTo: r.replyTo,
  window: r.window,
  exits: r.exits,
  exitCondition: r.exitCondition ?? null,
  steps: steps.map(toStep),
  counts: counts ?? { active: 0, paused: 0, completed: 0, exited: 0 },
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export async function listSequences(ctx: Ctx): Promise<Sequence[]> {
  assertSequenceRead(ctx);
  const rows = await ctx.db
    .select()
    .from(sequences)
    .where(eq(sequences.workspaceId, ctx.workspaceId))
    .orderBy(asc(sql`lower(${sequences.name})`))
    .limit(1000);
  const ids = rows.map((r) => r.id);
  const [steps, counts] = await Promise.all([stepsOf(ctx, ids), countsOf(ctx, ids)]);
  return rows.map((r) => toSequence(r, steps.get(r.id) ?? [], counts.get(r.id)));
}

export async function getSequence(ctx: Ctx, id: string): Promise<Sequence> {
  assertSequenceRead(ctx);
  const row = await findRow(ctx, id);
  const [steps, counts] = await Promise.all([stepsOf(ctx, [id]), countsOf(ctx, [id])]);
  return toSequence(row, steps.get(id) ?? [], counts.get(id));
}

async function assertNameFree(ctx: Ctx, name: string, except?: string) {
  const [clash] = await ctx.db
    .select({ id: sequences.id })
    .from(sequences)
    .where(and(eq(sequences.workspaceId, ctx.workspaceId), sql`lower(${sequences.name}) = ${name.toLowerCase()}`));
  if (clash && clash.id !== except)
    throw new AppError("conflict", `There is already a sequence named "${name}"`, [{ path: "name", message: "This name is taken" }]);
}

async function checkSteps(ctx: Ctx, steps: StepInput[]): Promise<void> {
  for (const [i, s] of steps.entries())
    if (s.kind === "email" && s.templateId)
      await templateRow(ctx, s.templateId).catch(() => {
        throw new AppError("validation_failed", `Step ${i + 1}: that email template does not exist`, [
          { path: `steps.${i}.templateId`, message: "No such template" },
        ]);
      });
}

async function checkExitCondition(ctx: Ctx, condition: Condition | null | undefined): Promise<Condition | null | undefined> {
  if (!condition) return condition;
  const context = await conditionContext(ctx);
  assertValidCondition(condition, "contact", context.registry, { path: "exitCondition" });
  return condition;
}

/** Writes the whole list of steps: kept ids keep their rows (and statistics), the rest are new; missing ones go. */
async function writeSteps(tx: Db, ctx: Ctx, sequenceId: string, steps: StepInput[]): Promise<void> {
  const existing = await tx
    .select({ id: sequenceSteps.id })
    .from(sequenceSteps)
    .where(and(eq(sequenceSteps.workspaceId, ctx.workspaceId), eq(sequenceSteps.sequenceId, sequenceId)));
  const known = new Set(existing.map((r) => r.id));
  const keep = new Set(steps.map((s) => s.id).filter((id): id is string => Boolean(id && known.has(id))));
  const gone = [...known].filter((id) => !keep.has(id));
  if (gone.length) await tx.delete(sequenceSteps).where(and(eq(sequenceSteps.workspaceId, ctx.workspaceId), inArray(sequenceSteps.id, gone)));
  for (const [position, s] of steps.entries()) {
    const values = {
      position,
      kind: s.kind,
      delayMinutes: s.delayMinutes,
      templateId: s.kind === "email" ? (s.templateId ?? null) : null,
      taskTitle: s.kind === "task" ? (s.taskTitle ?? null) : null,
      taskNote: s.kind === "task" ? (s.taskNote ?? null) : null,
    };
    if (s.id && keep.has(s.id))
      await tx
        .update(sequenceSteps)
        .set(values)
        .where(and(eq(sequenceSteps.workspaceId, ctx.workspaceId), eq(sequenceSteps.id, s.id)));
    else await tx.insert(sequenceSteps).values({ workspaceId: ctx.workspaceId, id: newId(), sequenceId, ...values });
  }
}

const summary = (r: Row) => ({ id: r.id, name: r.name, status: r.status });

export async function createSequence(ctx: Ctx, body: CreateSequenceBody): Promise<Sequence> {
  assertSequenceManage(ctx);
  await assertNameFree(ctx, body.name);
  await checkSteps(ctx, body.steps ?? []);
  const exitCondition = await checkExitCondition(ctx, body.exitCondition);
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    const [created] = await tx
      .insert(sequences)
      .values({
        workspaceId: ctx.workspaceId,
        id,
        name: body.name,
        description: body.description ?? "",
        status: body.status ?? "active",
        sender: body.sender ?? null,
        replyTo: body.replyTo?.toLowerCase() ?? null,
        window: body.window ?? defaultWindow,
        exits: { ...defaultExits, ...body.exits },
        exitCondition: exitCondition ?? null,
        createdById: ctx.actor.kind === "user" ? ctx.actor.userId : null,
      })
      .returning();
    await writeSteps(tx, ctx, id, body.steps ?? []);
    const row = created as Row;
    await recordChanges(tx, ctx, [{ object: "sequence", recordId: id, action: "create", changes: diff(null, row, FIELDS), payload: summary(row) }]);
  });
  return getSequence(ctx, id);
}

export async function updateSequence(ctx: Ctx, id: string, body: UpdateSequenceBody, schedule: ScheduleStep): Promise<Sequence> {
  assertSequenceManage(ctx);
  const before = await findRow(ctx, id);
  if (body.name) await assertNameFree(ctx, body.name, id);
  if (body.steps) await checkSteps(ctx, body.steps);
  const exitCondition = await checkExitCondition(ctx, body.exitCondition);
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(sequences)
      .set({
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.description !== undefined ? { description: body.description } : {}),
        ...(body.status !== undefined ? { status: body.status } : {}),
        ...(body.sender !== undefined ? { sender: body.sender } : {}),
        ...(body.replyTo !== undefined ? { replyTo: body.replyTo?.toLowerCase() ?? null } : {}),
        ...(body.window !== undefined ? { window: body.window } : {}),
        ...(body.exits !== undefined ? { exits: { ...before.exits, ...body.exits } } : {}),
        ...(exitCondition !== undefined ? { exitCondition } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(sequences.workspaceId, ctx.workspaceId), eq(sequences.id, id)))
      .returning();
    if (body.steps) await writeSteps(tx, ctx, id, body.steps);
    const updated = r as Row;
    await recordChanges(tx, ctx, [{ object: "sequence", recordId: id, action: "update", changes: diff(before, updated, FIELDS), payload: summary(updated) }]);
    // Resumed: the steps that fell due while it was paused run now, each at its enrolment's own time.
    if (before.status === "paused" && updated.status === "active") {
      const due = await tx
        .select({ id: sequenceEnrolments.id, nextAt: sequenceEnrolments.nextAt })
        .from(sequenceEnrolments)
        .where(and(eq(sequenceEnrolments.workspaceId, ctx.workspaceId), eq(sequenceEnrolments.sequenceId, id), eq(sequenceEnrolments.status, "active")));
      for (const e of due) await schedule(tx, { workspaceId: ctx.workspaceId, enrolmentId: e.id }, e.nextAt ?? new Date());
    }
  });
  return getSequence(ctx, id);
}

export async function deleteSequence(ctx: Ctx, id: string): Promise<void> {
  assertSequenceManage(ctx);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(sequences)
      .where(and(eq(sequences.workspaceId, ctx.workspaceId), eq(sequences.id, id)))
      .returning();
    if (!row) throw notFound("Sequence");
    await recordChanges(tx, ctx, [{ object: "sequence", recordId: id, action: "delete", changes: [], payload: summary(row) }]);
  });
}

// ---- enrolment ----------------------------------------------------------------------------------------------

/**
 * Enrols contacts (given, or a segment's or list's members) in a sequence. A contact already in a sequence (this
 * one or another, active or paused), in the trash, without an email address or on the suppression list is skipped:
 * the partial unique index settles races between two enrolments at once.
 */
export async function enrolContacts(
  ctx: Ctx,
  sequenceId: string,
  who: { contactIds?: string[]; segmentId?: string },
  source: EnrolmentSource,
  schedule: ScheduleStep,
  now = new Date(),
): Promise<{ enrolled: number; skipped: number }> {
  if (ctx.actor.kind !== "system" && ctx.actor.kind !== "workflow") assertSequenceManage(ctx);
  const sequence = await findRow(ctx, sequenceId);
  const steps = (await stepsOf(ctx, [sequenceId])).get(sequenceId) ?? [];
  if (steps.length === 0)
    throw new AppError("validation_failed", `"${sequence.name}" has no steps yet: add a step before enrolling anyone`, [
      { path: "steps", message: "No steps" },
    ]);
  const candidates: SQL[] = [];
  if (who.contactIds?.length)
    candidates.push(
      sql`select ${contacts.id} from ${contacts} where ${contacts.workspaceId} = ${ctx.workspaceId}::uuid and ${contacts.id} in (${sql.join(
        who.contactIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`,
    );
  if (who.segmentId) candidates.push(await audienceContactIds(ctx, { include: [who.segmentId] }));
  const wanted = sql.join(candidates, sql` union `);
  const firstAt = new Date(now.getTime() + (steps[0]?.delayMinutes ?? 0) * 60_000);
  const enrolledBy = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  return ctx.db.transaction(async (tx) => {
    const [total] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from (${wanted}) w`);
    const inserted = await queryRows<{ id: string; contact_id: string }>(
      tx,
      sql`insert into ${sequenceEnrolments} (workspace_id, id, sequence_id, contact_id, status, source, next_step, next_at, enrolled_by_id, enrolled_at, updated_at)
          select ${ctx.workspaceId}::uuid, gen_random_uuid(), ${sequenceId}::uuid, c.id, 'active', ${source}, 0, ${firstAt.toISOString()}::timestamptz,
                 ${enrolledBy}::uuid, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
            from ${contacts} c
           where c.workspace_id = ${ctx.workspaceId}::uuid and c.id in (${wanted}) and c.deleted_at is null
             and c.primary_email is not null and not c.do_not_contact
             and not ${suppressedPredicate(ctx.workspaceId, sql`c.primary_email`)}
             and ${consentPredicate(ctx.workspaceId, sql`c.id`, "email")}
          on conflict (workspace_id, contact_id) where status in ('active', 'paused') do nothing
          returning id, contact_id`,
    );
    const system: Ctx = { ...ctx, db: tx, actor: systemActor };
    for (const e of inserted) {
      await schedule(tx, { workspaceId: ctx.workspaceId, enrolmentId: e.id }, firstAt);
      await logActivity(
        system,
        { object: "contact", id: e.contact_id },
        { type: "note", subject: `Enrolled in sequence "${sequence.name}"`.slice(0, 300) },
      ).catch(() => undefined);
    }
    return { enrolled: inserted.length, skipped: Number(total?.n ?? 0) - inserted.length };
  });
}

type SQL = ReturnType<typeof sql>;

function decodeCursor(cursor: string): [string | null, string | null] {
  const [at, id] = cursor.split("_");
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id))
    throw new AppError("validation_failed", "cursor: not a cursor this list gave", [{ path: "cursor", message: "Invalid" }]);
  return [at, id];
}

async function enrolmentRow(ctx: Pick<Ctx, "db" | "workspaceId">, id: string, forUpdate = false): Promise<EnrolmentRow> {
  const q = ctx.db
    .select()
    .from(sequenceEnrolments)
    .where(and(eq(sequenceEnrolments.workspaceId, ctx.workspaceId), eq(sequenceEnrolments.id, id)));
  const [row] = forUpdate ? await q.for("update") : await q;
  if (!row) throw notFound("Enrolment");
  return row;
}

async function toEnrolments(ctx: Ctx, rows: EnrolmentRow[]): Promise<Enrolment[]> {
  if (rows.length === 0) return [];
  const contactIds = [...new Set(rows.map((r) => r.contactId))];
  const sequenceIds = [...new Set(rows.map((r) => r.sequenceId))];
  const [people, names] = await Promise.all([
    queryRows<{ id: string; name: string; email: string | null }>(
      ctx.db,
      sql`select id, trim(first_name || ' ' || last_name) as name, primary_email as email from ${contacts}
           where workspace_id = ${ctx.workspaceId}::uuid and id in (${sql.join(
             contactIds.map((id) => sql`${id}::uuid`),
             sql`, `,
           )})`,
    ),
    ctx.db
      .select({ id: sequences.id, name: sequences.name })
      .from(sequences)
      .where(and(eq(sequences.workspaceId, ctx.workspaceId), inArray(sequences.id, sequenceIds))),
  ]);
  const person = new Map(people.map((p) => [p.id, p]));
  const sequenceName = new Map(names.map((n) => [n.id, n.name]));
  return rows.map((r) => ({
    id: r.id,
    sequenceId: r.sequenceId,
    sequenceName: sequenceName.get(r.sequenceId) ?? "",
    contactId: r.contactId,
    contactName: person.get(r.contactId)?.name || person.get(r.contactId)?.email || "(no name)",
    contactEmail: person.get(r.contactId)?.email ?? null,
    status: r.status,
    source: r.source,
    nextStep: r.nextStep,
    nextAt: r.status === "active" || r.status === "paused" ? (r.nextAt?.toISOString() ?? null) : null,
    exitReason: r.exitReason,
    exitDetail: r.exitDetail,
    enrolledAt: r.enrolledAt.toISOString(),
    endedAt: r.endedAt?.toISOString() ?? null,
  }));
}

export async function listEnrolments(
  ctx: Ctx,
  sequenceId: string,
  q: { status?: Enrolment["status"]; limit: number; cursor?: string },
): Promise<{ data: Enrolment[]; nextCursor: string | null }> {
  assertSequenceRead(ctx);
  await findRow(ctx, sequenceId);
  const e = sequenceEnrolments;
  // Newest first; the cursor is the last row's enrolment time and id (ids made in bulk by the database are random).
  const [afterAt, afterId] = q.cursor ? decodeCursor(q.cursor) : [null, null];
  const rows = await ctx.db
    .select()
    .from(e)
    .where(
      and(
        eq(e.workspaceId, ctx.workspaceId),
        eq(e.sequenceId, sequenceId),
        q.status ? eq(e.status, q.status) : undefined,
        afterAt && afterId ? sql`(${e.enrolledAt}, ${e.id}) < (${afterAt}::timestamptz, ${afterId}::uuid)` : undefined,
      ),
    )
    .orderBy(desc(e.enrolledAt), desc(e.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return { data: await toEnrolments(ctx, page), nextCursor: rows.length > q.limit && last ? `${last.enrolledAt.toISOString()}_${last.id}` : null };
}

/** A contact's sequences, newest first: the contact page's status. */
export async function contactEnrolments(ctx: Ctx, contactId: string): Promise<Enrolment[]> {
  assertSequenceRead(ctx);
  const e = sequenceEnrolments;
  const rows = await ctx.db
    .select()
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.contactId, contactId)))
    .orderBy(desc(e.enrolledAt), desc(e.id))
    .limit(50);
  return toEnrolments(ctx, rows);
}

export async function pauseEnrolment(ctx: Ctx, id: string): Promise<Enrolment> {
  assertSequenceManage(ctx);
  await ctx.db.transaction(async (tx) => {
    const row = await enrolmentRow({ ...ctx, db: tx }, id, true);
    if (row.status !== "active") throw new AppError("conflict", `This enrolment is ${row.status}, not active: only an active one can be paused.`);
    await tx
      .update(sequenceEnrolments)
      .set({ status: "paused", updatedAt: new Date() })
      .where(and(eq(sequenceEnrolments.workspaceId, ctx.workspaceId), eq(sequenceEnrolments.id, id)));
  });
  return (await toEnrolments(ctx, [await enrolmentRow(ctx, id)]))[0] as Enrolment;
}

/** Resumes a paused enrolment: its next step runs at its time, or at once (within the window) if that has passed. */
export async function resumeEnrolment(ctx: Ctx, id: string, schedule: ScheduleStep, now = new Date()): Promise<Enrolment> {
  assertSequenceManage(ctx);
  await ctx.db.transaction(async (tx) => {
    const row = await enrolmentRow({ ...ctx, db: tx }, id, true);
    if (row.status !== "paused") throw new AppError("conflict", `This enrolment is ${row.status}, not paused.`);
    const at = row.nextAt && row.nextAt > now ? row.nextAt : now;
    await tx
      .update(sequenceEnrolments)
      .set({ status: "active", nextAt: at, updatedAt: new Date() })
      .where(and(eq(sequenceEnrolments.workspaceId, ctx.workspaceId), eq(sequenceEnrolments.id, id)));
    await schedule(tx, { workspaceId: ctx.workspaceId, enrolmentId: id }, at);
  });
  return (await toEnrolments(ctx, [await enrolmentRow(ctx, id)]))[0] as Enrolment;
}

/** Takes a contact out of a sequence by hand. */
export async function removeEnrolment(ctx: Ctx, id: string): Promise<Enrolment> {
  assertSequenceManage(ctx);
  await ctx.db.transaction(async (tx) => {
    const row = await enrolmentRow({ ...ctx, db: tx }, id, true);
    if (row.status !== "active" && row.status !== "paused")
      throw new AppError("conflict", `This enrolment has already ${row.status === "completed" ? "completed" : "ended"}.`);
    await exitEnrolment(tx, ctx.workspaceId, row, "manual", "Removed by hand");
  });
  return (await toEnrolments(ctx, [await enrolmentRow(ctx, id)]))[0] as Enrolment;
}

/** Ends a live enrolment with a reason, and says so on the contact's timeline. */
export async function exitEnrolment(
  tx: Db,
  workspaceId: string,
  row: Pick<EnrolmentRow, "id" | "contactId" | "sequenceId">,
  reason: ExitReason,
  detail: string,
) {
  const ended = await tx
    .update(sequenceEnrolments)
    .set({ status: "exited", exitReason: reason, exitDetail: detail.slice(0, 1000), endedAt: new Date(), nextAt: null, updatedAt: new Date() })
    .where(
      and(
        eq(sequenceEnrolments.workspaceId, workspaceId),
        eq(sequenceEnrolments.id, row.id),
        or(eq(sequenceEnrolments.status, "active"), eq(sequenceEnrolments.status, "paused")),
      ),
    )
    .returning({ id: sequenceEnrolments.id });
  if (ended.length === 0) return false;
  const [seq] = await tx
    .select({ name: sequences.name })
    .from(sequences)
    .where(and(eq(sequences.workspaceId, workspaceId), eq(sequences.id, row.sequenceId)));
  await logActivity(
    { db: tx, workspaceId, actor: systemActor },
    { object: "contact", id: row.contactId },
    { type: "note", subject: `Left sequence "${seq?.name ?? ""}": ${exitReasonLabels[reason].toLowerCase()}`.slice(0, 300), body: detail || undefined },
  ).catch(() => undefined);
  return true;
}

// ---- statistics ---------------------------------------------------------------------------------------------

export async function sequenceStats(ctx: Ctx, id: string): Promise<SequenceStats> {
  assertSequenceRead(ctx);
  await findRow(ctx, id);
  const steps = (await stepsOf(ctx, [id])).get(id) ?? [];
  const s = sequenceSends;
  const perStep = await queryRows<{ step_id: string; sent: number; opened: number; clicked: number; replied: number }>(
    ctx.db,
    sql`select ${s.stepId} as step_id, count(*)::int as sent,
               count(*) filter (where ${s.mailId} is not null and ${trackingHit(ctx.workspaceId, sql`${s.mailId}`, "open")})::int as opened,
               count(*) filter (where ${s.mailId} is not null and ${trackingHit(ctx.workspaceId, sql`${s.mailId}`, "click")})::int as clicked,
               count(*) filter (where ${s.repliedAt} is not null)::int as replied
          from ${s} where ${s.workspaceId} = ${ctx.workspaceId}::uuid and ${s.sequenceId} = ${id}::uuid group by ${s.stepId}`,
  );
  const e = sequenceEnrolments;
  const exits = await ctx.db
    .select({ stepId: e.lastStepId, reason: e.exitReason, n: sql<number>`count(*)::int` })
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.sequenceId, id), eq(e.status, "exited")))
    .groupBy(e.lastStepId, e.exitReason);
  const [enrolled] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.sequenceId, id)));
  const byStep = new Map(perStep.map((r) => [r.step_id, r]));
  const exitedAt = new Map<string, number>();
  const reasons = new Map<ExitReason, number>();
  for (const x of exits) {
    if (x.stepId) exitedAt.set(x.stepId, (exitedAt.get(x.stepId) ?? 0) + Number(x.n));
    if (x.reason) reasons.set(x.reason, (reasons.get(x.reason) ?? 0) + Number(x.n));
  }
  return {
    enrolled: Number(enrolled?.n ?? 0),
    steps: steps.map((st) => {
      const r = byStep.get(st.id);
      return {
        stepId: st.id,
        position: st.position,
        kind: st.kind,
        sent: Number(r?.sent ?? 0),
        opened: Number(r?.opened ?? 0),
        clicked: Number(r?.clicked ?? 0),
        replied: Number(r?.replied ?? 0),
        exited: exitedAt.get(st.id) ?? 0,
      };
    }),
    exitReasons: [...reasons].map(([reason, count]) => ({ reason, count })),
  };
}

// ---- for other modules (duplicates, workflows) ----------------------------------------------------------------------------

export async function sequenceNames(ctx: Pick<Ctx, "db" | "workspaceId">): Promise<{ id: string; name: string }[]> {
  return ctx.db
    .select({ id: sequences.id, name: sequences.name })
    .from(sequences)
    .where(eq(sequences.workspaceId, ctx.workspaceId))
    .orderBy(asc(sequences.name));
}

/**
 * A merge of two contacts: the loser's enrolments move to the survivor, except that when both are in a sequence now
 * the loser's live one ends (one sequence at a time). Returns how many moved.
 */
export async function moveEnrolments(ctx: Ctx, fromId: string, toId: string): Promise<number> {
  const e = sequenceEnrolments;
  const [survivorLive] = await ctx.db
    .select({ id: e.id })
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.contactId, toId), or(eq(e.status, "active"), eq(e.status, "paused"))));
  if (survivorLive) {
    const [loserLive] = await ctx.db
      .select()
      .from(e)
      .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.contactId, fromId), or(eq(e.status, "active"), eq(e.status, "paused"))));
    if (loserLive) await exitEnrolment(ctx.db, ctx.workspaceId, loserLive, "manual", "Merged into a contact already in a sequence");
  }
  const moved = await ctx.db
    .update(e)
    .set({ contactId: toId, updatedAt: new Date() })
    .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.contactId, fromId)))
    .returning({ id: e.id });
  await ctx.db
    .update(sequenceSends)
    .set({ contactId: toId })
    .where(and(eq(sequenceSends.workspaceId, ctx.workspaceId), eq(sequenceSends.contactId, fromId)));
  return moved.length;
}
