import { and, asc, eq, gt, gte, inArray, isNull, lt, lte, or, type SQL } from "drizzle-orm";
import type { CreateTaskBody, Task, TaskListQuery, TaskRelatedObject, UpdateTaskBody } from "../../contract/tasks.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { inOrder } from "../../db/in-order.js";
import { assertAccess, visibleWhere } from "../../db/visibility.js";
import { diff, recordChanges } from "../history/service.js";
import { notify } from "../notifications/service.js";
import { assertUsersExist, teammateIds, userNames } from "../users/service.js";
import { assertRelatedExists, assertRelatedReadable, relatedNames } from "./related.js";
import { tasks } from "./table.js";

type Row = typeof tasks.$inferSelect;
export const OBJECT = "task";
export const HISTORY_FIELDS = ["title", "description", "dueAt", "priority", "status", "assigneeId", "relatedObject", "relatedId", "remindAt"] as const;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const isManager = (ctx: Ctx) => ctx.actor.role === "admin" || ctx.actor.role === "manager";
/** A task's owner for the role's rule is its assignee. */
const owned = (row: Row) => ({ id: row.id, ownerId: row.assigneeId });
/** Whoever created a task keeps sight of it after handing it to someone, and may change it while their role changes tasks at all. */
const created = (ctx: Ctx, row: Row) => Boolean(ctx.actor.userId) && row.createdById === ctx.actor.userId;

async function toTasks(ctx: Ctx, rows: Row[]): Promise<Task[]> {
  const [names, related] = await inOrder(
    () =>
      userNames(
        ctx,
        rows.map((r) => r.assigneeId),
      ),
    () =>
      relatedNames(
        ctx,
        rows.flatMap((r) => (r.relatedObject && r.relatedId ? [{ object: r.relatedObject, id: r.relatedId }] : [])),
      ),
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    description: r.description,
    dueAt: iso(r.dueAt),
    priority: r.priority,
    status: r.status,
    assigneeId: r.assigneeId,
    assigneeName: names.get(r.assigneeId) ?? null,
    related: r.relatedObject && r.relatedId ? { object: r.relatedObject, id: r.relatedId, name: related.get(r.relatedId) ?? null } : null,
    remindAt: iso(r.remindAt),
    remindedAt: iso(r.remindedAt),
    completedAt: iso(r.completedAt),
    createdById: r.createdById,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

/** History compares plain values; dates as ISO strings so the diff is readable on the timeline. */
export const snapshot = (r: Row) => ({ ...r, dueAt: iso(r.dueAt), remindAt: iso(r.remindAt) });

const scoped = (ctx: Ctx, id: string) => and(eq(tasks.workspaceId, ctx.workspaceId), eq(tasks.id, id));

async function findRow(db: Db, ctx: Ctx, id: string): Promise<Row> {
  const [row] = await db.select().from(tasks).where(scoped(ctx, id));
  if (!row) throw notFound("Task");
  return row;
}

export async function getTask(ctx: Ctx, id: string): Promise<Task> {
  assertCan(ctx.actor, "read");
  const row = await findRow(ctx.db, ctx, id);
  if (!created(ctx, row)) await assertAccess(ctx, "task", "read", owned(row));
  const [task] = await toTasks(ctx, [row]);
  return task as Task;
}

function assertOrder(dueAt: Date | null, remindAt: Date | null) {
  // A reminder after the due time is allowed (a nudge to chase an overdue task); one years away is a typo.
  if (dueAt && remindAt && remindAt.getTime() - dueAt.getTime() > 366 * 86_400_000)
    throw new AppError("validation_failed", "remindAt: more than a year after the due time", [
      { path: "remindAt", message: "More than a year after the due time" },
    ]);
}

/**
 * Creates a task; the assignee defaults to the acting user, the reminder to the due time.
 * Runs inside a caller's transaction when given one: pass `{ ...ctx, db: tx }` and the insert and its history
 * row join that transaction (Drizzle turns the inner transaction into a savepoint), so a deal's stage change
 * and the playbook tasks it creates commit or roll back together.
 */
export async function createTask(ctx: Ctx, input: CreateTaskBody): Promise<Task> {
  assertCan(ctx.actor, "write");
  const assigneeId = input.assigneeId ?? ctx.actor.userId;
  if (!assigneeId) throw new AppError("validation_failed", "assigneeId: required when no user is acting", [{ path: "assigneeId", message: "Required" }]);
  await assertUsersExist(ctx, [assigneeId], "assigneeId");
  if (input.related) await assertRelatedExists(ctx, input.related);
  const dueAt = input.dueAt ? new Date(input.dueAt) : null;
  const remindAt = input.remindAt === undefined ? dueAt : input.remindAt ? new Date(input.remindAt) : null;
  assertOrder(dueAt, remindAt);
  const now = new Date();
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(tasks)
      .values({
        workspaceId: ctx.workspaceId,
        id,
        title: input.title,
        description: input.description || null,
        dueAt,
        priority: input.priority ?? "normal",
        status: "open",
        assigneeId,
        relatedObject: input.related?.object ?? null,
        relatedId: input.related?.id ?? null,
        remindAt,
        createdById: ctx.actor.userId,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const created = row as Row;
    await recordChanges(tx, ctx, [
      { object: OBJECT, recordId: id, action: "create", changes: diff(null, snapshot(created), HISTORY_FIELDS), payload: snapshot(created) },
    ]);
    if (assigneeId !== ctx.actor.userId) await notifyAssigned(tx, ctx, created);
  });
  return getTask(ctx, id);
}

async function notifyAssigned(db: Db, ctx: Ctx, row: Row) {
  await notify({ ...ctx, db }, { userId: row.assigneeId, kind: "task_assigned", title: `New task: ${row.title}`, object: "task", recordId: row.id });
}

/** The role's rule on the assignee decides (404 when the task is not the actor's to see, 403 when only to see); the creator also may. */
async function assertMayChange(ctx: Ctx, row: Row, action: "edit" | "delete") {
  if (created(ctx, row) && accessOf(ctx.actor).permissions.task[action] !== "none") return;
  await assertAccess(ctx, "task", action, owned(row));
}

export async function updateTask(ctx: Ctx, id: string, input: UpdateTaskBody): Promise<Task> {
  assertCan(ctx.actor, "write");
  const before = await findRow(ctx.db, ctx, id);
  await assertMayChange(ctx, before, "edit");
  if (input.assigneeId) await assertUsersExist(ctx, [input.assigneeId], "assigneeId");
  if (input.related) await assertRelatedExists(ctx, input.related);
  const set: Partial<Row> = { updatedAt: new Date() };
  if (input.title !== undefined) set.title = input.title;
  if (input.description !== undefined) set.description = input.description || null;
  if (input.priority) set.priority = input.priority;
  if (input.assigneeId) set.assigneeId = input.assigneeId;
  if (input.related !== undefined) {
    set.relatedObject = input.related?.object ?? null;
    set.relatedId = input.related?.id ?? null;
  }
  if (input.dueAt !== undefined) {
    set.dueAt = input.dueAt ? new Date(input.dueAt) : null;
    // A reminder that followed the due time keeps following it.
    if (input.remindAt === undefined && before.remindAt && before.dueAt && before.remindAt.getTime() === before.dueAt.getTime()) set.remindAt = set.dueAt;
  }
  if (input.remindAt !== undefined) set.remindAt = input.remindAt ? new Date(input.remindAt) : null;
  if (set.remindAt !== undefined && set.remindAt?.getTime() !== before.remindAt?.getTime()) set.remindedAt = null;
  if (input.status && input.status !== before.status) {
    set.status = input.status;
    set.completedAt = input.status === "done" ? new Date() : null;
  }
  assertOrder(set.dueAt === undefined ? before.dueAt : set.dueAt, set.remindAt === undefined ? before.remindAt : set.remindAt);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx.update(tasks).set(set).where(scoped(ctx, id)).returning();
    const after = row as Row;
    await recordChanges(tx, ctx, [
      { object: OBJECT, recordId: id, action: "update", changes: diff(snapshot(before), snapshot(after), HISTORY_FIELDS), payload: snapshot(after) },
    ]);
    if (after.assigneeId !== before.assigneeId && after.assigneeId !== ctx.actor.userId) await notifyAssigned(tx, ctx, after);
  });
  return getTask(ctx, id);
}

/**
 * Moves the due time `minutes` later, counted from the due time or from now if that has passed (snoozing an
 * overdue task should not leave it overdue). A task that had a reminder is reminded again at the new time.
 */
export async function snoozeTask(ctx: Ctx, id: string, minutes: number): Promise<Task> {
  assertCan(ctx.actor, "write");
  const row = await findRow(ctx.db, ctx, id);
  if (row.status !== "open") throw new AppError("conflict", "Only open tasks can be snoozed.");
  const base = Math.max(row.dueAt?.getTime() ?? 0, Date.now());
  const dueAt = new Date(base + minutes * 60_000).toISOString();
  return updateTask(ctx, id, { dueAt, ...(row.remindAt ? { remindAt: dueAt } : {}) });
}

export async function deleteTask(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const row = await findRow(ctx.db, ctx, id);
  await assertMayChange(ctx, row, "delete");
  await ctx.db.transaction(async (tx) => {
    await tx.delete(tasks).where(scoped(ctx, id));
    await recordChanges(tx, ctx, [{ object: OBJECT, recordId: id, action: "delete", changes: [], payload: snapshot(row) }]);
  });
}

// ---- lists ----

interface Position {
  dueAt: Date | null;
  id: string;
}
const encode = (p: Position) => Buffer.from(JSON.stringify([p.dueAt?.toISOString() ?? null, p.id])).toString("base64url");
function decode(raw: string): Position {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as [unknown, unknown];
    if ((at === null || (typeof at === "string" && !Number.isNaN(Date.parse(at)))) && typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id))
      return { dueAt: at === null ? null : new Date(at as string), id };
  } catch {
    // fall through to the field error
  }
  throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
}

/** Who the list is about: me, a user, my teams, or everyone (the last three for managers and admins). */
async function assigneeScope(ctx: Ctx, q: TaskListQuery): Promise<SQL | undefined> {
  const me = ctx.actor.userId;
  const onRecord = Boolean(q.relatedId);
  if (q.assignee === "me") {
    if (!me) throw new AppError("validation_failed", "assignee: 'me' needs a signed-in user", [{ path: "assignee", message: "No user is acting" }]);
    return eq(tasks.assigneeId, me);
  }
  // A record's tasks panel shows everyone's tasks on that record: the record is visible to all readers.
  if (!onRecord && !isManager(ctx) && q.assignee !== me)
    throw new AppError("forbidden", "Only managers and admins can list other people's tasks; use assignee=me.");
  if (q.assignee === "all") return undefined;
  if (q.assignee === "team") {
    if (!me) throw new AppError("validation_failed", "assignee: 'team' needs a signed-in user", [{ path: "assignee", message: "No user is acting" }]);
    return inArray(tasks.assigneeId, await teammateIds(ctx, me));
  }
  return eq(tasks.assigneeId, q.assignee.toLowerCase());
}

/** Tasks by due time (no due time last), then id; keyset-paginated on the (assignee, status, due) index. */
export async function listTasks(ctx: Ctx, q: TaskListQuery): Promise<{ data: Task[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  if (q.relatedId && !q.relatedObject)
    throw new AppError("validation_failed", "relatedObject: required with relatedId", [{ path: "relatedObject", message: "Required with relatedId" }]);
  if (q.dueFrom && q.dueTo && Date.parse(q.dueFrom) > Date.parse(q.dueTo))
    throw new AppError("validation_failed", "dueTo: before dueFrom", [{ path: "dueTo", message: "Before dueFrom" }]);
  if (q.relatedObject && q.relatedId) await assertRelatedReadable(ctx, { object: q.relatedObject, id: q.relatedId });
  const after = q.cursor ? decode(q.cursor) : undefined;
  const visible = visibleWhere(ctx, "task", "read", tasks.assigneeId);
  const me = ctx.actor.userId;
  let page: SQL | undefined;
  if (after) {
    page = after.dueAt
      ? or(gt(tasks.dueAt, after.dueAt), and(eq(tasks.dueAt, after.dueAt), gt(tasks.id, after.id)), isNull(tasks.dueAt))
      : and(isNull(tasks.dueAt), gt(tasks.id, after.id));
  }
  const rows = await ctx.db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.workspaceId, ctx.workspaceId),
        await assigneeScope(ctx, q),
        visible && me ? or(visible, eq(tasks.createdById, me)) : visible,
        q.status ? eq(tasks.status, q.status) : undefined,
        q.dueFrom ? gte(tasks.dueAt, new Date(q.dueFrom)) : undefined,
        q.dueTo ? lt(tasks.dueAt, new Date(q.dueTo)) : undefined,
        q.relatedObject ? eq(tasks.relatedObject, q.relatedObject) : undefined,
        q.relatedId ? eq(tasks.relatedId, q.relatedId) : undefined,
        page,
      ),
    )
    .orderBy(asc(tasks.dueAt), asc(tasks.id))
    .limit(q.limit + 1);
  const more = rows.length > q.limit;
  const slice = rows.slice(0, q.limit);
  const last = slice[slice.length - 1];
  return { data: await toTasks(ctx, slice), nextCursor: more && last ? encode({ dueAt: last.dueAt, id: last.id }) : null };
}

/** A user's open tasks due in a window: the calendar and the iCalendar feed. */
export async function tasksDueBetween(ctx: Ctx, userId: string, from: Date, to: Date, limit = 2000): Promise<Task[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.workspaceId, ctx.workspaceId),
        eq(tasks.assigneeId, userId),
        inArray(tasks.status, ["open", "done"]),
        gte(tasks.dueAt, from),
        lte(tasks.dueAt, to),
      ),
    )
    .orderBy(asc(tasks.dueAt), asc(tasks.id))
    .limit(limit);
  return toTasks(ctx, rows);
}

/** Merges move the loser's tasks to the survivor; runs in the caller's transaction. */
export async function reassignTasks(ctx: Ctx, object: TaskRelatedObject, fromId: string, toId: string): Promise<void> {
  const moved = await ctx.db
    .update(tasks)
    .set({ relatedId: toId })
    .where(and(eq(tasks.workspaceId, ctx.workspaceId), eq(tasks.relatedObject, object), eq(tasks.relatedId, fromId)))
    .returning({ id: tasks.id });
  // Each task now about another record changed: history and task.updated, in the merge's transaction.
  await recordChanges(
    ctx.db,
    ctx,
    moved.map((m) => ({
      object: "task" as const,
      recordId: m.id,
      action: "update" as const,
      changes: diff({ relatedId: fromId }, { relatedId: toId }, ["relatedId"]),
      payload: { id: m.id, relatedObject: object, relatedId: toId, reason: "merge" },
    })),
  );
}
