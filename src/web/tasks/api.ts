import type { z } from "zod";
import type { Task, TaskList, TaskListQuery } from "../../contract/index.js";
import { api } from "../http/client.js";
import { fromZonedInput, toZonedInput } from "../lib/dates.js";

export type TaskListParams = Omit<Partial<z.input<typeof TaskListQuery>>, "limit" | "cursor"> & { limit?: number };

export const taskKeys = { all: ["tasks"] as const, list: (p: TaskListParams) => ["tasks", "list", p] as const };

export const fetchTasks = (p: TaskListParams, cursor?: string) => api.get<z.infer<typeof TaskList>>("/api/v1/tasks", { ...p, cursor });

export const taskApi = {
  create: (body: unknown) => api.post<Task>("/api/v1/tasks", body),
  update: (id: string, body: unknown) => api.patch<Task>(`/api/v1/tasks/${id}`, body),
  complete: (id: string) => api.post<Task>(`/api/v1/tasks/${id}/complete`, {}),
  snooze: (id: string, minutes: number) => api.post<Task>(`/api/v1/tasks/${id}/snooze`, { minutes }),
  remove: (id: string) => api.del(`/api/v1/tasks/${id}`),
};

/** Value for <input type="datetime-local">, in the workspace's time zone. */
export const toLocalInput = (d: Date | string): string => toZonedInput(d);
export const fromLocalInput = (local: string): string | undefined => fromZonedInput(local);

export const recordHref = (object: string, id: string) => `/${object === "company" ? "companies" : `${object}s`}/${id}`;

export const priorityColor: Record<string, string> = { low: "gray", normal: "blue", high: "orange", urgent: "red" };

export const snoozeChoices = [
  { label: "1 hour", minutes: 60 },
  { label: "3 hours", minutes: 180 },
  { label: "1 day", minutes: 1440 },
  { label: "3 days", minutes: 4320 },
  { label: "1 week", minutes: 10080 },
];
