import { queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import {
  type BulkRetryResult,
  type ManualRunResult,
  type RunState,
  type TestRunResult,
  triggerLabels,
  type Workflow,
  type WorkflowDefinition,
  type WorkflowDetail,
  type WorkflowRun,
  type WorkflowRunDetail,
  type WorkflowTemplate,
  type WorkflowTrigger,
  type WorkflowVersionList,
  workflowObjectLabels,
} from "../../contract/index.js";
import { type SlaMetric, slaMetricLabels } from "../../contract/sla.js";
import { api } from "../http/client.js";
import { graphFromTree, treeFromGraph } from "./graph.js";
import type { TreeStep } from "./tree.js";

export type { RunState, Workflow, WorkflowDetail, WorkflowRun, WorkflowRunDetail, WorkflowTemplate };
export type WorkflowStatus = Workflow["status"];
export type Trigger = WorkflowTrigger;
export type VersionSummary = z.infer<typeof WorkflowVersionList>["data"][number];

/** The list says "Live" where the API says "active": what users of other tools call a switched-on workflow. */
export const workflowStatusLabels: Record<WorkflowStatus, string> = { draft: "Draft", active: "Live", paused: "Paused" };
export const workflowStatusColors: Record<WorkflowStatus, string> = { draft: "gray", active: "teal", paused: "yellow" };

const base = "/api/v1/workflows";
export const workflowPaths = {
  list: base,
  templates: `${base}/templates`,
  runs: `${base}/runs`,
  bulkRetry: `${base}/runs/retry`,
  run: (runId: string) => `${base}/runs/${runId}`,
  one: (id: string) => `${base}/${id}`,
};

export const workflowsQuery = queryOptions({
  queryKey: ["workflows", "list"],
  queryFn: () => api.get<{ data: Workflow[] }>(workflowPaths.list, { limit: 200 }).then((r) => r.data),
});

export const templatesQuery = queryOptions({
  queryKey: ["workflows", "templates"],
  queryFn: () => api.get<{ data: WorkflowTemplate[] }>(workflowPaths.templates).then((r) => r.data),
  staleTime: 5 * 60_000,
});

export function workflowQuery(id: string) {
  return queryOptions({ queryKey: ["workflows", "one", id], queryFn: () => api.get<WorkflowDetail>(workflowPaths.one(id)) });
}

/** What the builder edits: the name and the definition, its steps as a tree. */
export interface Draft {
  name: string;
  trigger: Trigger;
  settings: WorkflowDefinition["settings"] | undefined;
  steps: TreeStep[];
}

const emptyTrigger = { type: "manual", object: "contact", filter: null, enrollImports: false, reenroll: "always", allowOwnChanges: false } as Trigger;

export function draftOf(w: WorkflowDetail): Draft {
  const def = w.draft?.definition ?? w.published?.definition;
  if (!def) return { name: w.name, trigger: emptyTrigger, settings: undefined, steps: [] };
  return { name: w.name, trigger: def.trigger, settings: def.settings, steps: treeFromGraph(def) };
}

export function definitionOf(d: Draft) {
  return { trigger: d.trigger, ...graphFromTree(d.steps), ...(d.settings ? { settings: d.settings } : {}) };
}

export const saveDraft = (id: string, d: Draft) => api.put<WorkflowDetail>(`${workflowPaths.one(id)}/draft`, { definition: definitionOf(d) });
export const renameWorkflow = (id: string, name: string) => api.patch<WorkflowDetail>(workflowPaths.one(id), { name });
export const publishWorkflow = (id: string) => api.post<WorkflowDetail>(`${workflowPaths.one(id)}/publish`);
export const setWorkflowPaused = (id: string, paused: boolean) => api.post<WorkflowDetail>(`${workflowPaths.one(id)}/${paused ? "pause" : "resume"}`);
export const createWorkflow = (body: { name: string; templateId?: string; teamId?: string | null }) => api.post<WorkflowDetail>(workflowPaths.list, body);

export function runsQuery(workflowId: string, state: RunState | null) {
  return queryOptions({
    queryKey: ["workflows", "runs", workflowId, state],
    queryFn: () =>
      api.get<{ data: WorkflowRun[]; nextCursor: string | null }>(`${workflowPaths.one(workflowId)}/runs`, { state: state ?? undefined, limit: 100 }),
  });
}

export function recordRunsQuery(object: string, recordId: string) {
  return queryOptions({
    queryKey: ["workflows", "record-runs", object, recordId],
    queryFn: () => api.get<{ data: WorkflowRun[]; nextCursor: string | null }>(workflowPaths.runs, { object, recordId, limit: 50 }).then((r) => r.data),
  });
}

export function runQuery(runId: string) {
  return queryOptions({ queryKey: ["workflows", "run", runId], queryFn: () => api.get<WorkflowRunDetail>(workflowPaths.run(runId)) });
}

export function versionsQuery(workflowId: string) {
  return queryOptions({
    queryKey: ["workflows", "versions", workflowId],
    queryFn: () => api.get<{ data: VersionSummary[] }>(`${workflowPaths.one(workflowId)}/versions`).then((r) => r.data),
  });
}

type RetryResult = z.infer<typeof BulkRetryResult>;
export const retryRun = (runId: string) => api.post<WorkflowRunDetail>(`${workflowPaths.run(runId)}/retry`);
export const retryRuns = (body: { runIds: string[] } | { workflowId: string }) => api.post<RetryResult>(workflowPaths.bulkRetry, body);
export const cancelRun = (runId: string) => api.post<WorkflowRunDetail>(`${workflowPaths.run(runId)}/cancel`);
export const runManually = (workflowId: string, recordIds: string[]) =>
  api.post<z.infer<typeof ManualRunResult>>(`${workflowPaths.one(workflowId)}/run`, { recordIds });
export const dryRun = (workflowId: string, recordId: string, d: Draft | null) =>
  api.post<TestRunResult>(`${workflowPaths.one(workflowId)}/test`, { recordId, ...(d ? { definition: definitionOf(d) } : {}) });

const objectNouns: Record<string, string> = { contact: "contact", company: "company", deal: "deal", task: "task", activity: "activity", ticket: "ticket" };

/** The trigger in words, for the list and the canvas: "A contact is created", "A web form is submitted". */
export function triggerInWords(t: { type: string; object?: string | null } & Record<string, unknown>): string {
  const noun = objectNouns[t.object ?? ""] ?? "record";
  switch (t.type) {
    case "record_created":
      return `A ${noun} is created`;
    case "record_updated": {
      const changes = Array.isArray(t.changes) ? (t.changes as { field: string }[]) : [];
      return changes.length ? `A ${noun}'s ${changes.map((c) => c.field).join(" or ")} changes` : `A ${noun} is updated`;
    }
    case "record_deleted":
      return `A ${noun} is deleted`;
    case "deal_stage_changed":
      return t.toStageType === "won" ? "A deal is won" : t.toStageType === "lost" ? "A deal is lost" : "A deal changes stage";
    case "form_submitted":
      return "A web form is submitted";
    case "task_completed":
      return "A task is completed";
    case "lead_score_crossed":
      return typeof t.threshold === "number"
        ? `A lead score ${t.direction === "down" ? "falls below" : "reaches"} ${t.threshold}`
        : "A lead score crosses a threshold";
    case "date_reached": {
      const o = t.offset as { amount?: number; unit?: string } | undefined;
      const field = typeof t.field === "string" ? t.field : "a date";
      return o?.amount
        ? `${o.amount} ${o.unit ?? "days"} ${t.direction === "after" ? "after" : "before"} a ${noun}'s ${field}`
        : `A ${noun}'s ${field} is reached`;
    }
    case "inactivity":
      return typeof t.days === "number"
        ? `A ${noun} has had no ${t.measure === "stage_change" ? "stage change" : "activity"} for ${t.days} days`
        : `A ${noun} is inactive`;
    case "schedule":
      return typeof t.cron === "string" ? `On a schedule (${t.cron})` : "On a schedule";
    case "inbound_webhook":
      return "An inbound webhook is called";
    case "manual":
      return `Someone runs it on a ${noun}`;
    case "sla_warning":
    case "sla_breached": {
      const metrics = Array.isArray(t.metrics) ? (t.metrics as SlaMetric[]) : [];
      const which = metrics.length ? `${metrics.map((m) => slaMetricLabels[m]?.toLowerCase() ?? m).join(" or ")} target` : "SLA target";
      return t.type === "sla_warning" ? `A ticket's ${which} is near` : `A ticket misses its ${which}`;
    }
    default:
      return (triggerLabels as Record<string, { label: string }>)[t.type]?.label ?? "Choose a trigger";
  }
}

export function triggerObjectLabel(object: string | null | undefined): string {
  return object ? ((workflowObjectLabels as Record<string, string>)[object] ?? object) : "Record";
}

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
export function recordHref(object: string | null, id: string | null): string | null {
  if (!object || !id) return null;
  if (object === "contact") return `/contacts/${id}`;
  if (object === "company") return `/companies/${id}`;
  if (object === "deal") return `/deals/${id}`;
  if (object === "task") return `/tasks?task=${id}`;
  if (object === "ticket") return `/tickets/${id}`;
  return null;
}
