import { queryOptions } from "@tanstack/react-query";
import { api } from "../http/client.js";

// Provisional shapes until src/contract/workflows.ts lands from the server branch; replaced by the contract's types.
export type WorkflowStatus = "draft" | "live" | "paused";
export type Trigger = { type: string } & Record<string, unknown>;

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string | null;
  status: WorkflowStatus;
  trigger: Trigger;
  hasDraft: boolean;
  lastRunAt: string | null;
  runs7d: number;
  health: { failing: boolean; matchedNoRun: boolean; failingDetail?: string; matchedNoRunDetail?: string } | null;
}

export interface WorkflowTemplate {
  key: string;
  name: string;
  description: string;
}

export const workflowStatusLabels: Record<WorkflowStatus, string> = { draft: "Draft", live: "Live", paused: "Paused" };
export const workflowStatusColors: Record<WorkflowStatus, string> = { draft: "gray", live: "teal", paused: "yellow" };

export const workflowPaths = {
  list: "/api/v1/workflows",
  templates: "/api/v1/workflow-templates",
  bulkRetry: "/api/v1/workflow-runs/retry",
  one: (id: string) => `/api/v1/workflows/${id}`,
};

export const workflowsQuery = queryOptions({
  queryKey: ["workflows", "list"],
  queryFn: () => api.get<{ data: WorkflowSummary[] }>(workflowPaths.list).then((r) => r.data),
});

export const templatesQuery = queryOptions({
  queryKey: ["workflows", "templates"],
  queryFn: () => api.get<{ data: WorkflowTemplate[] }>(workflowPaths.templates).then((r) => r.data),
  staleTime: 5 * 60_000,
});

export function triggerInWords(t: Trigger): string {
  return triggerTypeOptions.find((o) => o.value === t.type)?.label ?? "Choose a trigger";
}

export interface WorkflowDetail extends WorkflowSummary {
  draftVersion: number | null;
  liveVersion: number | null;
  publishedAt: string | null;
  definition: { trigger: Trigger; steps: import("./tree.js").TreeStep[] };
}

export interface Draft {
  name: string;
  trigger: Trigger;
  steps: import("./tree.js").TreeStep[];
}

export function workflowQuery(id: string) {
  return queryOptions({ queryKey: ["workflows", "one", id], queryFn: () => api.get<WorkflowDetail>(workflowPaths.one(id)) });
}

export function treeFromDraft(w: WorkflowDetail): Draft {
  return { name: w.name, trigger: w.definition.trigger, steps: w.definition.steps };
}

export function draftFromTree(d: Draft): { name: string; definition: { trigger: Trigger; steps: import("./tree.js").TreeStep[] } } {
  return { name: d.name, definition: { trigger: d.trigger, steps: d.steps } };
}

export const saveDraft = (id: string, body: ReturnType<typeof draftFromTree>) => api.put(`${workflowPaths.one(id)}/draft`, body);
export const publishWorkflow = (id: string) => api.post(`${workflowPaths.one(id)}/publish`);
export const setWorkflowPaused = (id: string, paused: boolean) => api.post(`${workflowPaths.one(id)}/${paused ? "pause" : "resume"}`);

export const triggerTypeOptions = [
  { value: "record_created", label: "A record is created" },
  { value: "record_updated", label: "A record is updated" },
  { value: "record_deleted", label: "A record is deleted" },
  { value: "deal_stage_changed", label: "A deal changes stage" },
  { value: "form_submitted", label: "A web form is submitted" },
  { value: "task_completed", label: "A task is completed" },
  { value: "score_crossed", label: "A lead score crosses a threshold" },
  { value: "date_reached", label: "A date on the record is reached" },
  { value: "inactivity", label: "A record has no activity for a while" },
  { value: "schedule", label: "On a schedule" },
  { value: "webhook", label: "An inbound webhook is called" },
  { value: "manual", label: "Someone runs it by hand" },
];

export function triggerTitle(_t: Trigger): string {
  return "When";
}

export type RunState = "running" | "waiting" | "done" | "failed" | "cancelled";
export const runStateLabels: Record<RunState, string> = { running: "Running", waiting: "Waiting", done: "Done", failed: "Failed", cancelled: "Cancelled" };
export const runStateColors: Record<RunState, string> = { running: "blue", waiting: "grape", done: "teal", failed: "red", cancelled: "gray" };

export interface RunRecordRef {
  object: string;
  id: string;
  name: string | null;
}

export interface WorkflowRun {
  id: string;
  workflowId: string;
  workflowName?: string;
  version: number;
  state: RunState;
  waitingUntil: string | null;
  startedAt: string;
  finishedAt: string | null;
  triggerEvent: { type: string; id?: string } | null;
  record: RunRecordRef | null;
  error: string | null;
}

export interface RunStep {
  stepId: string;
  type: string;
  state: string;
  input: unknown;
  output: unknown;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface RunDetail extends WorkflowRun {
  steps: RunStep[];
}

export interface WorkflowVersion {
  version: number;
  publishedAt: string | null;
  publishedBy: string | null;
  runs?: number;
}

export function runsQuery(workflowId: string, state: RunState | null) {
  return queryOptions({
    queryKey: ["workflows", "runs", workflowId, state],
    queryFn: () =>
      api.get<{ data: WorkflowRun[]; nextCursor: string | null }>(`${workflowPaths.one(workflowId)}/runs`, { state: state ?? undefined, limit: 50 }),
  });
}

export function runQuery(runId: string) {
  return queryOptions({ queryKey: ["workflows", "run", runId], queryFn: () => api.get<RunDetail>(`/api/v1/workflow-runs/${runId}`) });
}

export function versionsQuery(workflowId: string) {
  return queryOptions({
    queryKey: ["workflows", "versions", workflowId],
    queryFn: () => api.get<{ data: WorkflowVersion[] }>(`${workflowPaths.one(workflowId)}/versions`).then((r) => r.data),
  });
}

export const retryRun = (runId: string) => api.post<WorkflowRun>(`/api/v1/workflow-runs/${runId}/retry`);
export const retryRuns = (runIds: string[]) => api.post<{ retried: number }>(workflowPaths.bulkRetry, { runIds });

export interface DryRunStep {
  stepId: string;
  type: string;
  outcome: string;
  description: string;
  skipped?: boolean;
  error?: string | null;
}

export const dryRun = (workflowId: string, record: { object: string; id: string }, draft: unknown) =>
  api.post<{ steps: DryRunStep[] }>(`${workflowPaths.one(workflowId)}/test`, { record, ...(draft ? { draft } : {}) });

export function durationOf(start: string | null, end: string | null): number | null {
  if (!start || !end) return null;
  return Math.max(0, Date.parse(end) - Date.parse(start));
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return m < 60 ? `${m} min ${Math.round((ms % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Where a run's record lives in the app. */
export function recordHref(r: RunRecordRef): string | null {
  const base =
    r.object === "contact" ? "/contacts" : r.object === "company" ? "/companies" : r.object === "deal" ? "/deals" : r.object === "task" ? "/tasks" : null;
  if (!base) return null;
  return base === "/tasks" ? `/tasks?task=${r.id}` : `${base}/${r.id}`;
}
