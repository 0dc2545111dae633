import { z } from "zod";
import { Id, listOf, Timestamp } from "./common.js";

export const taskPriorities = ["low", "normal", "high", "urgent"] as const;
export const TaskPriority = z.enum(taskPriorities);
export type TaskPriority = z.infer<typeof TaskPriority>;

export const taskStatuses = ["open", "done", "cancelled"] as const;
export const TaskStatus = z.enum(taskStatuses);
export type TaskStatus = z.infer<typeof TaskStatus>;

export const taskRelatedObjects = ["contact", "company", "deal"] as const;
export const TaskRelatedObject = z.enum(taskRelatedObjects);
export type TaskRelatedObject = z.infer<typeof TaskRelatedObject>;

const DateTime = z.iso.datetime({ offset: true, error: "Use an ISO 8601 date-time, e.g. 2026-05-01T09:00:00Z" });

export const TaskRelated = z.object({ object: TaskRelatedObject, id: Id }).strict();

export const CreateTaskBody = z
  .object({
    title: z.string().trim().min(1, "Give the task a title").max(300),
    description: z.string().max(10_000).optional(),
    dueAt: DateTime.optional(),
    priority: TaskPriority.optional(),
    assigneeId: Id.optional().describe("Defaults to the caller"),
    related: TaskRelated.optional(),
    remindAt: DateTime.nullable().optional().describe("Defaults to dueAt; null means no reminder"),
  })
  .strict();
export type CreateTaskBody = z.infer<typeof CreateTaskBody>;

export const UpdateTaskBody = z
  .object({
    title: z.string().trim().min(1, "Give the task a title").max(300),
    description: z.string().max(10_000).nullable(),
    dueAt: DateTime.nullable(),
    priority: TaskPriority,
    status: TaskStatus,
    assigneeId: Id,
    related: TaskRelated.nullable(),
    remindAt: DateTime.nullable(),
  })
  .partial()
  .strict();
export type UpdateTaskBody = z.infer<typeof UpdateTaskBody>;

export const SnoozeTaskBody = z
  .object({
    minutes: z
      .number()
      .int()
      .min(1)
      .max(60 * 24 * 365),
  })
  .strict();

export const Task = z.object({
  id: Id,
  title: z.string(),
  description: z.string().nullable(),
  dueAt: Timestamp.nullable(),
  priority: TaskPriority,
  status: TaskStatus,
  assigneeId: Id,
  assigneeName: z.string().nullable(),
  related: z.object({ object: TaskRelatedObject, id: Id, name: z.string().nullable() }).nullable(),
  remindAt: Timestamp.nullable(),
  remindedAt: Timestamp.nullable(),
  completedAt: Timestamp.nullable(),
  createdById: Id.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Task = z.infer<typeof Task>;

export const TaskListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(500).optional(),
    assignee: z
      .string()
      .regex(/^(me|team|all|[0-9a-f-]{36})$/i, "Use me, team, all or a user id")
      .default("me")
      .describe("me, team (members of your teams), all, or a user id"),
    status: TaskStatus.optional(),
    dueFrom: DateTime.optional(),
    dueTo: DateTime.optional(),
    relatedObject: TaskRelatedObject.optional(),
    relatedId: Id.optional(),
  })
  .strict();
export type TaskListQuery = z.infer<typeof TaskListQuery>;
export const TaskList = listOf(Task);
