import { sql } from "drizzle-orm";
import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { TaskPriority, TaskRelatedObject, TaskStatus } from "../../contract/tasks.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** To-dos with a due time, an assignee and optionally the record they are about. */
export const tasks = pgTable(
  "tasks",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    title: text("title").notNull(),
    description: text("description"),
    dueAt: at("due_at"),
    priority: text("priority").$type<TaskPriority>().notNull().default("normal"),
    status: text("status").$type<TaskStatus>().notNull().default("open"),
    assigneeId: uuid("assignee_id").notNull(),
    relatedObject: text("related_object").$type<TaskRelatedObject>(),
    relatedId: uuid("related_id"),
    /** When the assignee is reminded; null means no reminder. */
    remindAt: at("remind_at"),
    /** Set by the worker that delivered the reminder; moving remindAt clears it so the new time fires. */
    remindedAt: at("reminded_at"),
    completedAt: at("completed_at"),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("tasks_assignee_fk", [t.workspaceId, t.assigneeId], [users.workspaceId, users.id], "no action"),
    reference("tasks_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("tasks_assignee_idx").on(t.workspaceId, t.assigneeId, t.status, t.dueAt, t.id),
    index("tasks_related_idx").on(t.workspaceId, t.relatedObject, t.relatedId, t.status, t.dueAt),
    index("tasks_workspace_due_idx").on(t.workspaceId, t.status, t.dueAt, t.id),
    // The date-reached workflow trigger on due dates (overdue escalation) reads the tasks due in a time window.
    index("tasks_due_at_idx").on(t.workspaceId, t.dueAt),
    // The reminder worker's only query, across workspaces: stays tiny because sent and closed tasks leave it.
    index("tasks_reminder_due_idx").on(t.remindAt).where(sql`${t.remindedAt} is null and ${t.status} = 'open' and ${t.remindAt} is not null`),
  ],
);
