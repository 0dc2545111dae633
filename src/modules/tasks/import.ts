/** Tasks from an import: many per statement, history for each, no reminders or notifications for the past. */
import { and, eq, inArray } from "drizzle-orm";
import type { TaskPriority, TaskRelatedObject, TaskStatus } from "../../contract/tasks.js";
import type { Ctx } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { insertMany } from "../../db/insert-many.js";
import { diff, recordChanges } from "../history/service.js";
import { HISTORY_FIELDS, OBJECT, snapshot } from "./service.js";
import { tasks } from "./table.js";

export interface TaskImport {
  title: string;
  description: string | null;
  dueAt: Date | null;
  priority: TaskPriority;
  status: TaskStatus;
  assigneeId: string;
  related: { object: TaskRelatedObject; id: string } | null;
  createdAt?: Date;
}

/** Inserts the tasks in the caller's transaction and returns their ids in input order. */
export async function importTasks(ctx: Ctx, rows: TaskImport[]): Promise<string[]> {
  assertCan(ctx.actor, "write");
  if (rows.length === 0) return [];
  const now = new Date();
  const values = rows.map((r) => ({
    workspaceId: ctx.workspaceId,
    id: newId(),
    title: r.title,
    description: r.description,
    dueAt: r.dueAt,
    priority: r.priority,
    status: r.status,
    assigneeId: r.assigneeId,
    relatedObject: r.related?.object ?? null,
    relatedId: r.related?.id ?? null,
    // Only open tasks due from now on remind their assignee: a migrated backlog must not ring a thousand bells at once.
    remindAt: r.status === "open" && r.dueAt && r.dueAt > now ? r.dueAt : null,
    completedAt: r.status === "done" ? (r.dueAt ?? r.createdAt ?? now) : null,
    createdById: ctx.actor.userId,
    createdAt: r.createdAt ?? now,
    updatedAt: now,
  }));
  const inserted = await insertMany(ctx.db, tasks, values, true);
  await recordChanges(
    ctx.db,
    ctx,
    inserted.map((row) => ({
      object: OBJECT,
      recordId: row.id,
      action: "create" as const,
      changes: diff(null, snapshot(row), HISTORY_FIELDS),
      payload: snapshot(row),
    })),
    { source: "import" },
  );
  return values.map((v) => v.id);
}

/** Deletes imported tasks (an import's undo), with a history row each. */
export async function deleteImportedTasks(ctx: Ctx, ids: string[]): Promise<number> {
  assertCan(ctx.actor, "write");
  if (ids.length === 0) return 0;
  return ctx.db.transaction(async (tx) => {
    const gone = await tx
      .delete(tasks)
      .where(and(eq(tasks.workspaceId, ctx.workspaceId), inArray(tasks.id, ids)))
      .returning();
    await recordChanges(
      tx,
      { ...ctx, db: tx },
      gone.map((row) => ({ object: OBJECT, recordId: row.id, action: "delete" as const, changes: [], payload: snapshot(row) })),
    );
    return gone.length;
  });
}

/** Which of these ids are tasks of this workspace. */
export async function existingTaskIds(ctx: Ctx, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.db
    .select({ id: tasks.id })
    .from(tasks)
    .where(and(eq(tasks.workspaceId, ctx.workspaceId), inArray(tasks.id, [...new Set(ids)])));
  return new Set(rows.map((r) => r.id));
}
