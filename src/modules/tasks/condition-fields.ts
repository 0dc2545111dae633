import { col, type FieldSource } from "../conditions/types.js";
import { tasks } from "./table.js";

/** The task table and how each built-in registry field of a task is read (src/contract/fields.ts). */
export const taskConditionTable = tasks;
export const taskConditionSources: Readonly<Record<string, FieldSource>> = {
  title: col("title", "text"),
  dueAt: col("dueAt", "datetime"),
  priority: col("priority", "text"),
  status: col("status", "text"),
  assigneeId: col("assigneeId", "uuid"),
  completedAt: col("completedAt", "datetime"),
  createdAt: col("createdAt", "datetime"),
};
