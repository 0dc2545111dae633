import { and, eq, gte, inArray, sql } from "drizzle-orm";
import type { Event } from "../../contract/events.js";
import type { User } from "../../contract/users.js";
import type { Duration, Recipient, StepType, WorkflowDefinition, WorkflowStep, WorkflowTrigger } from "../../contract/workflows.js";
import { stepLabels } from "../../contract/workflows.js";
import type { Actor, Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { type Db, queryRows } from "../../db/client.js";
import { cachedConfig, shareConfigCache } from "../../db/workspace-cache.js";
import { logActivity } from "../activities/service.js";
import { companyProfiles } from "../companies/service.js";
import { contactIdByEmail, createContact } from "../contacts/service.js";
import { createDeal } from "../deals/service.js";
import type { Consumer } from "../events/service.js";
import { publishEvents } from "../history/service.js";
import { assignOwners } from "../leads/assignment.js";
import { leadRecordOf } from "../leads/conditions.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { notify } from "../notifications/service.js";
import { enrolContacts, type ScheduleStep } from "../sequences/service.js";
import { createTask } from "../tasks/service.js";
import { addTicketMessage } from "../tickets/service.js";
import { listTeams, listUsers } from "../users/service.js";
import { postJson } from "../webhooks/delivery.js";
import { getWebhookSettings } from "../webhooks/service.js";
import { conditionHolds } from "./conditions.js";
import { render } from "./liquid.js";
import { labelOf, loadRecord, ownerOf, updateRecord, type WfRecord } from "./records.js";
import { workflowCounters, workflowEnrollments, workflowMisses, workflowRuns, workflowStepRuns, workflows, workflowVersions } from "./table.js";

/** How the engine reaches the job queue and the mail outbox (given by src/jobs, which modules never import). */
export interface EngineDeps {
  /** Enqueues the job that runs (or resumes) a run, in the caller's transaction. */
  enqueue(tx: Db, job: RunJob, options?: { startAfter?: Date }): Promise<void>;
  /** Enqueues several runs' jobs in one statement (the event consumer's batch); without it, one by one. */
  enqueueMany?(tx: Db, jobs: RunJob[]): Promise<void>;
  mail: MailQueue;
  now(): Date;
  /** Queues a sequence step (the "Enrol in sequence" action); without it the every-minute sweep starts the sequence. */
  scheduleStep?: ScheduleStep;
}
export interface RunJob {
  workspaceId: string;
  runId: string;
}

type RunRow = typeof workflowRuns.$inferSelect;
type VersionRow = typeof workflowVersions.$inferSelect;

const ms = (d: Duration) => d.amount * (d.unit === "minutes" ? 60_000 : d.unit === "hours" ? 3_600_000 : 86_400_000);

// ------------------------------------------------------------------------------------------------------------
// Matching events to triggers

const recordEvents: Record<string, string> = { record_created: "created", record_updated: "updated", record_deleted: "deleted" };

/** Which record an event enrolls for a trigger, or null when the trigger does not fire on it. */
export function matchTrigger(trigger: WorkflowTrigger, e: Event): { object: string; recordId: string } | null {
  const record = e.data.record ?? {};
  switch (trigger.type) {
    case "record_created":
    case "record_updated":
    case "record_deleted": {
      const action = recordEvents[trigger.type];
      // An activity's creation is published as activity.logged.
      const types = trigger.object === "activity" && action === "created" ? ["activity.logged"] : [`${trigger.object}.${action}`];
      if (!types.includes(e.type)) return null;
      if (trigger.type === "record_updated" && trigger.changes.length > 0) {
        const hit = trigger.changes.some((want) =>
          e.data.changes.some(
            (c) =>
              (c.field === want.field || c.field.startsWith(`${want.field}.`)) &&
              (want.from === undefined || String(c.from ?? "") === String(want.from ?? "")) &&
              (want.to === undefined || String(c.to ?? "") === String(want.to ?? "")),
          ),
        );
        if (!hit) return null;
      }
      return { object: trigger.object, recordId: e.recordId };
    }
    case "deal_stage_changed": {
      if (e.type !== "deal.stage_changed") return null;
      const stage = e.data.changes.find((c) => c.field === "stage" || c.field === "stageId");
      const stageChange = e.data.changes.find((c) => c.field === "stageId") ?? stage;
      if (trigger.pipelineId && record.pipelineId !== trigger.pipelineId) return null;
      if (trigger.toStageId && record.stageId !== trigger.toStageId) return null;
      if (trigger.fromStageId && stageChange?.from !== trigger.fromStageId) return null;
      if (trigger.toStageType && record.status !== trigger.toStageType) return null;
      return { object: "deal", recordId: e.recordId };
    }
    case "form_submitted": {
      if (e.type !== "form.submitted") return null;
      if (trigger.formId && record.formId !== trigger.formId) return null;
      if (record.outcome === "spam" || typeof record.contactId !== "string") return null;
      return { object: "contact", recordId: record.contactId };
    }
    case "task_completed":
      return e.type === "task.completed" ? { object: "task", recordId: e.recordId } : null;
    case "lead_score_crossed": {
      // Published by every path that stores a score (edits, rules, engagement, decay), with the old and new score.
      if (e.type !== "contact.score_changed") return null;
      const c = e.data.changes.find((x) => x.field === "leadScore");
      if (!c) return null;
      const from = Number(c.from ?? 0);
      const to = Number(c.to ?? 0);
      const crossed = trigger.direction === "up" ? from < trigger.threshold && to >= trigger.threshold : from >= trigger.threshold && to < trigger.threshold;
      return crossed ? { object: "contact", recordId: e.recordId } : null;
    }
    case "sla_warning":
    case "sla_breached": {
      if (e.type !== `ticket.${trigger.type}`) return null;
      if (trigger.metrics.length > 0 && !trigger.metrics.includes(record.metric as never)) return null;
      const ticketId = typeof record.ticketId === "string" ? record.ticketId : e.recordId;
      return { object: "ticket", recordId: ticketId };
    }
    case "inbound_webhook": {
      if (e.type !== "inbound_hook.received" || record.hookId !== trigger.hookId) return null;
      return { object: trigger.object ?? "inbound_hook", recordId: e.recordId };
    }
    default:
      return null;
  }
}

/**
 * Whether a score event takes a contact back across a lead-score trigger's threshold (a fall below it for an "up"
 * trigger): the contact has left the trigger's condition, so re-enrollment "after leaving" lets it fire again.
 */
export function leftScoreThreshold(trigger: WorkflowTrigger, e: Event): boolean {
  if (trigger.type !== "lead_score_crossed" || e.type !== "contact.score_changed") return false;
  const c = e.data.changes.find((x) => x.field === "leadScore");
  if (!c) return false;
  const to = Number(c.to ?? 0);
  return trigger.direction === "up" ? to < trigger.threshold : to >= trigger.threshold;
}

/**
 * The record an inbound webhook's payload names at `recordField` (a dotted path in its body): a record id, or for
 * contacts an email address. Null when the path is empty or nothing matches.
 */
async function inboundRecord(ctx: Ctx, object: string, recordField: string | null, receipt: Record<string, unknown> | null): Promise<string | null> {
  if (!recordField) return null;
  const value = recordField.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), receipt?.body);
  if (typeof value !== "string" || !value.trim()) return null;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim())) return (await loadRecord(ctx, object, value.trim()))?.id ?? null;
  if (object === "contact" && value.includes("@")) return contactIdByEmail(ctx, value.trim());
  return null;
}

/** Event types the consumer reads: everything a trigger can fire on. */
const eventTriggerTypes = [
  "record_created",
  "record_updated",
  "record_deleted",
  "deal_stage_changed",
  "form_submitted",
  "task_completed",
  "lead_score_crossed",
  "inbound_webhook",
  "sla_warning",
  "sla_breached",
];

const workflowActor = (w: { id: string; name: string }, runId: string): Actor => ({
  kind: "workflow",
  userId: null,
  role: "admin",
  workflow: { id: w.id, name: w.name, runId },
});

export interface StartRun {
  workflow: { id: string; name: string };
  version: VersionRow;
  object: string | null;
  recordId: string | null;
  recordLabel: string | null;
  triggerKey: string;
  triggerEventId: string | null;
  triggerData: Record<string, unknown>;
  startedBy?: string | null;
}

/**
 * Creates a run unless one exists for the same version and trigger key (at most once per event and version), and
 * enqueues it in the same transaction. Returns the new run's id, or null when it already existed.
 */
export async function startRun(tx: Db, deps: EngineDeps, workspaceId: string, s: StartRun, batch?: RunJob[]): Promise<string | null> {
  const id = newId();
  const def = s.version.definition;
  const now = deps.now();
  const [row] = await tx
    .insert(workflowRuns)
    .values({
      workspaceId,
      id,
      workflowId: s.workflow.id,
      versionId: s.version.id,
      version: s.version.version,
      state: "running",
      object: s.object,
      recordId: s.recordId,
      recordLabel: s.recordLabel,
      triggerType: def.trigger.type,
      triggerKey: s.triggerKey,
      triggerEventId: s.triggerEventId,
      triggerData: s.triggerData,
      currentStepId: def.start,
      startedBy: s.startedBy ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning({ id: workflowRuns.id });
  if (!row) return null;
  if (s.recordId)
    await tx
      .insert(workflowEnrollments)
      .values({ workspaceId, workflowId: s.workflow.id, recordId: s.recordId, runs: 1, matching: true, lastEnrolledAt: now })
      .onConflictDoUpdate({
        target: [workflowEnrollments.workspaceId, workflowEnrollments.workflowId, workflowEnrollments.recordId],
        set: { runs: sql`${workflowEnrollments.runs} + 1`, matching: true, lastEnrolledAt: now, updatedAt: now },
      });
  // A batch's jobs are enqueued together by the caller, still in this transaction.
  if (batch) batch.push({ workspaceId, runId: id });
  else await deps.enqueue(tx, { workspaceId, runId: id });
  return id;
}

/** Why a record that matched a trigger gets no run, or null when it may run. Records the miss for health. */
export async function enrollmentBlock(
  tx: Db,
  workspaceId: string,
  workflowId: string,
  trigger: WorkflowTrigger,
  maxPerDay: number,
  recordId: string,
  now: Date,
): Promise<string | null> {
  // The enrollment and the last day's runs in one statement: it runs for every matching event.
  const [enrolled] = await tx
    .select({
      runs: sql<number | null>`(select ${workflowEnrollments.runs} from ${workflowEnrollments} where ${and(
        eq(workflowEnrollments.workspaceId, workspaceId),
        eq(workflowEnrollments.workflowId, workflowId),
        eq(workflowEnrollments.recordId, recordId),
      )})`,
      matching: sql<boolean | null>`(select ${workflowEnrollments.matching} from ${workflowEnrollments} where ${and(
        eq(workflowEnrollments.workspaceId, workspaceId),
        eq(workflowEnrollments.workflowId, workflowId),
        eq(workflowEnrollments.recordId, recordId),
      )})`,
      recent: sql<number>`count(*)::int`,
    })
    .from(workflowRuns)
    .where(
      and(
        eq(workflowRuns.workspaceId, workspaceId),
        eq(workflowRuns.workflowId, workflowId),
        eq(workflowRuns.recordId, recordId),
        gte(workflowRuns.createdAt, new Date(now.getTime() - 86_400_000)),
      ),
    );
  if (enrolled && (enrolled.runs ?? 0) > 0) {
    if (trigger.reenroll === "never") return "The record already ran through this workflow (re-enrollment: never)";
    if (trigger.reenroll === "after_leaving" && enrolled.matching) return "The record has not left the trigger's condition since its last run";
  }
  if ((enrolled?.recent ?? 0) >= maxPerDay) {
    const message = `Loop limit: ${maxPerDay} runs for one record within 24 hours; further runs were refused`;
    await tx
      .update(workflows)
      .set({ healthState: "loop_limited", healthMessage: message, healthSince: now })
      .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.id, workflowId), sql`${workflows.healthState} <> 'loop_limited'`));
    return message;
  }
  return null;
}

/** Marks a record as having left the trigger's condition (for re-enrollment after leaving). */
async function markLeft(tx: Db, workspaceId: string, workflowId: string, recordId: string) {
  await tx
    .update(workflowEnrollments)
    .set({ matching: false, updatedAt: new Date() })
    .where(and(eq(workflowEnrollments.workspaceId, workspaceId), eq(workflowEnrollments.workflowId, workflowId), eq(workflowEnrollments.recordId, recordId)));
}

/** A trigger that matched without a run, timed by the engine's clock: the health check counts the last day's by it. */
async function recordMiss(tx: Db, workspaceId: string, workflowId: string, recordId: string | null, reason: string, at: Date) {
  await tx.insert(workflowMisses).values({ workspaceId, id: newId(), workflowId, recordId, reason, createdAt: at });
}

/**
 * The versions of a workspace's active workflows whose trigger fires on events and that were live at some point
 * since `since` (the batch's oldest event): the published one, and those archived by a publish since then. An event
 * is judged by the version that was live when it occurred (versionAt), so a workflow acts only on what happened after
 * it was published, however late the stream delivers, and an event from before a re-publish keeps the old version.
 */
async function liveVersions(tx: Db, workspaceId: string, since: Date) {
  return tx
    .select({ version: workflowVersions, name: workflows.name, teamId: workflows.teamId })
    .from(workflowVersions)
    .innerJoin(workflows, and(eq(workflows.workspaceId, workflowVersions.workspaceId), eq(workflows.id, workflowVersions.workflowId)))
    .where(
      and(
        eq(workflowVersions.workspaceId, workspaceId),
        // An archived version's updatedAt is when the next publish archived it (archived versions are not edited).
        sql`(${workflowVersions.state} = 'published' or (${workflowVersions.state} = 'archived' and ${workflowVersions.publishedAt} is not null and ${workflowVersions.updatedAt} > ${since}))`,
        eq(workflows.status, "active"),
        inArray(workflowVersions.triggerType, eventTriggerTypes),
      ),
    );
}

type LiveVersion = Awaited<ReturnType<typeof liveVersions>>[number];

/** Per workflow, the version that was live when the event occurred, if any. */
function versionsAt(live: readonly LiveVersion[], occurredAt: Date): LiveVersion[] {
  const t = occurredAt.getTime();
  return live.filter(({ version: v }) => {
    const from = v.publishedAt?.getTime();
    if (from === undefined || t < from) return false;
    return v.state === "published" || t < v.updatedAt.getTime();
  });
}

/**
 * The event-stream consumer: for each event and each active workflow whose trigger it fires, one run (unique per
 * event and version), written and enqueued in the consumer's transaction, so a crash or replay never doubles it.
 * It also wakes runs waiting for a condition on the changed records.
 */
export function workflowConsumer(deps: EngineDeps, options: { configDb?: Db } = {}): Consumer {
  return {
    name: "workflows",
    batchSize: 500,
    async handle(tx, events) {
      // Every matching event reads the workspace's fields and time zone (conditions): from the process's cache, as
      // this transaction writes runs, not configuration.
      if (options.configDb) shareConfigCache(tx, options.configDb);
      const jobs: RunJob[] = [];
      const byWorkspace = new Map<string, Event[]>();
      for (const e of events) byWorkspace.set(e.workspaceId, [...(byWorkspace.get(e.workspaceId) ?? []), e]);
      for (const [workspaceId, list] of byWorkspace) {
        const since = new Date(Math.min(...list.map((e) => Date.parse(e.occurredAt))));
        const live = await liveVersions(tx, workspaceId, since);
        const now = deps.now();
        let teams: Map<string, Set<string>> | undefined;
        for (const e of list)
          for (const { version, name, teamId } of versionsAt(live, new Date(e.occurredAt))) {
            const def = version.definition;
            const trigger = def.trigger;
            let hit = matchTrigger(trigger, e);
            if (!hit) {
              if (trigger.reenroll === "after_leaving" && leftScoreThreshold(trigger, e)) await markLeft(tx, workspaceId, version.workflowId, e.recordId);
              continue;
            }
            if (e.actor.kind === "workflow" && e.actor.userId === version.workflowId && !trigger.allowOwnChanges) continue;
            if (e.source === "import" && !trigger.enrollImports) continue;
            const ctx: Ctx = { db: tx, workspaceId, actor: workflowActor({ id: version.workflowId, name }, "") };
            if (trigger.type === "inbound_webhook" && trigger.object) {
              const found = await inboundRecord(ctx, trigger.object, trigger.recordField, e.data.record);
              if (!found) {
                // The hook matched but names no record: a miss the workflow's health reports, not a silent drop.
                const where = trigger.recordField ? `the payload's ${trigger.recordField}` : "the payload (no record field chosen)";
                await recordMiss(tx, workspaceId, version.workflowId, null, `No ${trigger.object} matches ${where}`, now);
                continue;
              }
              hit = { object: trigger.object, recordId: found };
            }
            // An SLA event's record is the clock, not the ticket: the ticket is read.
            const eventIsRecord = trigger.type !== "sla_warning" && trigger.type !== "sla_breached";
            const record =
              hit.object === e.object && eventIsRecord && trigger.type !== "record_deleted" && e.type !== "contact.score_changed"
                ? (e.data.record as WfRecord | null)
                : await loadRecord(ctx, hit.object, hit.recordId);
            const subject = trigger.type === "record_deleted" ? (e.data.record as WfRecord | null) : record;
            if (teamId) {
              // A team's workflow enrolls only records its team's members own: it never reaches past the team.
              teams ??= new Map((await listTeams({ ...ctx, actor: { ...ctx.actor, role: "admin" } })).map((t) => [t.id, new Set(t.memberIds)]));
              const owner = ownerOf(subject);
              if (!owner || !teams.get(teamId)?.has(owner)) continue;
            }
            if (!(await conditionHolds(ctx, hit.object, trigger.filter, subject, { changes: e.data.changes, now }))) {
              if (trigger.reenroll === "after_leaving") await markLeft(tx, workspaceId, version.workflowId, hit.recordId);
              continue;
            }
            const block = await enrollmentBlock(tx, workspaceId, version.workflowId, trigger, def.settings.maxRunsPerRecordPerDay, hit.recordId, now);
            if (block) {
              if (block.startsWith("Loop limit")) await recordMiss(tx, workspaceId, version.workflowId, hit.recordId, block, now);
              continue;
            }
            await startRun(
              tx,
              deps,
              workspaceId,
              {
                workflow: { id: version.workflowId, name },
                version,
                object: hit.object,
                recordId: hit.recordId,
                recordLabel: labelOf(hit.object, subject),
                triggerKey: `event:${e.id}`,
                triggerEventId: e.id,
                // The record itself is read fresh by each step; the event's copy is kept when it is the only one left
                // (a deletion) or is not a record (an inbound webhook's payload, a form submission).
                triggerData: {
                  type: e.type,
                  changes: e.data.changes,
                  record:
                    e.object === hit.object && eventIsRecord && trigger.type !== "record_deleted" && trigger.type !== "inbound_webhook" ? null : e.data.record,
                  actor: e.actor,
                },
              },
              jobs,
            );
          }
        const recordIds = [...new Set(list.map((e) => e.recordId))];
        const waiting = await tx
          .select({ id: workflowRuns.id })
          .from(workflowRuns)
          .where(
            and(
              eq(workflowRuns.workspaceId, workspaceId),
              eq(workflowRuns.state, "waiting"),
              eq(workflowRuns.waitKind, "condition"),
              inArray(workflowRuns.recordId, recordIds),
            ),
          );
        for (const w of waiting) jobs.push({ workspaceId, runId: w.id });
      }
      if (deps.enqueueMany) await deps.enqueueMany(tx, jobs);
      else for (const job of jobs) await deps.enqueue(tx, job);
    },
  };
}

// ------------------------------------------------------------------------------------------------------------
// Running steps

export interface StepOutcome {
  input: unknown;
  output: unknown;
  summary: string;
  branch: string | null;
  /** The run waits: until a time, or for a condition (checked again on the record's events, until the deadline). */
  wait?: { until: Date; kind: "time" | "condition" };
}

export interface StepEnv {
  ctx: Ctx;
  deps: EngineDeps;
  run: Pick<RunRow, "id" | "workflowId" | "object" | "recordId" | "triggerData" | "outputs">;
  workflowName: string;
  record: WfRecord | null;
  data: Record<string, unknown>;
  /** Test on a record: compute and describe, write nothing, send nothing, call nothing. */
  dry: boolean;
  /** A resumed wait step: whether it resumed because the deadline passed. */
  resumed?: { timedOut: boolean };
  /** What the steps of one transaction read alike (users, teams, the workspace's name): read once, not per step. */
  memo?: RunMemo;
}

/** Reads a run's steps share within one transaction; none of its steps changes users, teams or the workspace. */
export interface RunMemo {
  users?: Promise<ReadonlyMap<string, User>>;
  teams?: ReturnType<typeof listTeams>;
  workspaceName?: Promise<string>;
}

type StepHandler = (env: StepEnv, cfg: Record<string, unknown>, step: WorkflowStep) => Promise<StepOutcome>;

const renderAll = async <K extends string>(env: StepEnv, cfg: Record<string, unknown>, keys: K[]): Promise<Record<K, string>> => {
  const out = {} as Record<K, string>;
  for (const k of keys) out[k] = await render(String(cfg[k] ?? ""), env.data);
  return out;
};

const needRecord = (env: StepEnv): WfRecord => {
  if (!env.record) throw new AppError("not_found", `The ${env.run.object ?? "record"} this run is about no longer exists (deleted meanwhile)`);
  return env.record;
};

// Users (with teams) and the workspace's name go through the configuration cache where the caller's handle has one
// (their tables announce changes, migration 0012): every run reads them, for merge fields and recipients.
function userDirectory(ctx: Ctx, memo?: RunMemo): Promise<ReadonlyMap<string, User>> {
  const load = () =>
    cachedConfig(ctx, "workflows:users", async () => new Map((await listUsers({ ...ctx, actor: { ...ctx.actor, role: "admin" } })).map((u) => [u.id, u])));
  if (!memo) return load();
  memo.users ??= load();
  return memo.users;
}

function teamList(ctx: Ctx, memo?: RunMemo): ReturnType<typeof listTeams> {
  const load = () => listTeams({ ...ctx, actor: { ...ctx.actor, role: "admin" } });
  if (!memo) return load();
  memo.teams ??= load();
  return memo.teams;
}

/** The users a recipient list names (record_contact is handled by the email step). */
async function resolveUsers(env: StepEnv, to: Recipient[]): Promise<string[]> {
  const owner = ownerOf(env.record);
  const ids = new Set<string>();
  const needTeams = to.some((r) => r.kind === "team" || r.kind === "owner_team" || r.kind === "owner_manager");
  const teams = needTeams ? await teamList(env.ctx, env.memo) : [];
  const users = await userDirectory(env.ctx, env.memo);
  for (const r of to) {
    if (r.kind === "owner" && owner) ids.add(owner);
    if (r.kind === "user") ids.add(r.userId);
    if (r.kind === "team") for (const m of teams.find((t) => t.id === r.teamId)?.memberIds ?? []) ids.add(m);
    if ((r.kind === "owner_team" || r.kind === "owner_manager") && owner)
      for (const t of teams.filter((t) => t.memberIds.includes(owner)))
        for (const m of t.memberIds) if (m !== owner && (r.kind === "owner_team" || users.get(m)?.role === "manager")) ids.add(m);
  }
  return [...ids].filter((id) => users.get(id)?.active);
}

const names = async (env: StepEnv, ids: string[]) => {
  const users = await userDirectory(env.ctx, env.memo);
  return ids.map((id) => users.get(id)?.name ?? id).join(", ");
};

async function computeValue(
  env: StepEnv,
  v: { kind: string; value?: unknown; field?: string; base?: string; offset?: Duration; direction?: string; template?: string },
) {
  const rec = env.record ?? {};
  const at = (path: string) => path.split(".").reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), rec);
  switch (v.kind) {
    case "constant":
      return v.value;
    case "clear":
      return null;
    case "field":
      return at(v.field as string) ?? null;
    case "template":
      return render(v.template ?? "", env.data);
    case "relative_date": {
      const base = v.base === "now" || !v.base ? env.deps.now() : new Date(String(at(v.base)));
      if (Number.isNaN(base.getTime())) throw new AppError("validation_failed", `The date field ${v.base} is empty on this record`);
      const d = new Date(base.getTime() + (v.direction === "before" ? -1 : 1) * ms(v.offset as Duration));
      return d.toISOString();
    }
    default:
      return null;
  }
}

const handlers: Record<StepType, StepHandler> = {
  async update_fields(env, cfg) {
    const record = needRecord(env);
    const values: Record<string, unknown> = {};
    const related: Record<string, unknown> = {};
    for (const u of cfg.updates as { field: string; value: { kind: string } }[]) {
      const value = await computeValue(env, u.value);
      if (u.field.startsWith("contact.") && env.run.object !== "contact") related[u.field.slice(8)] = value;
      else values[u.field] = value;
    }
    const parts = Object.entries({ ...values, ...Object.fromEntries(Object.entries(related).map(([k, v]) => [`contact.${k}`, v])) })
      .map(([k, v]) => `${k} → ${v === null ? "empty" : JSON.stringify(v)}`)
      .join(", ");
    if (env.dry) return { input: { values, related }, output: null, summary: `Would set ${parts}`, branch: "next" };
    let updated = record;
    if (Object.keys(values).length) updated = await updateRecord(env.ctx, env.run.object as string, record.id, record, values);
    const contactIds: string[] = [];
    if (Object.keys(related).length) {
      // The deal's contacts (or the task's related contact): each gets the update.
      const dealContacts = (record.contacts as { contactId: string }[] | undefined)?.map((c) => c.contactId) ?? [];
      const rel = record.related as { object: string; id: string } | null | undefined;
      contactIds.push(...dealContacts, ...(rel?.object === "contact" ? [rel.id] : []), ...(typeof record.contactId === "string" ? [record.contactId] : []));
      for (const id of contactIds) {
        const c = await loadRecord(env.ctx, "contact", id);
        if (c) await updateRecord(env.ctx, "contact", id, c, related);
      }
    }
    env.record = updated;
    return { input: { values, related }, output: { updated: record.id, contacts: contactIds }, summary: `Set ${parts}`, branch: "next" };
  },

  async create_task(env, cfg) {
    const t = await renderAll(env, cfg, ["title", "description"]);
    const assignee = cfg.assignee as Recipient;
    const [assigneeId] = await resolveUsers(env, [assignee]);
    if (!assigneeId) throw new AppError("validation_failed", "Nobody to assign the task to: the record has no owner (or the person is inactive)");
    const dueIn = cfg.dueIn as Duration | null;
    const dueAt = dueIn ? new Date(env.deps.now().getTime() + ms(dueIn)).toISOString() : undefined;
    const object = env.run.object;
    const related =
      env.record && (object === "contact" || object === "company" || object === "deal") ? { object: object as "contact", id: env.record.id } : undefined;
    const input = { title: t.title as string, description: t.description || undefined, dueAt, priority: cfg.priority as "normal", assigneeId, related };
    const who = await names(env, [assigneeId]);
    if (env.dry) return { input, output: null, summary: `Would create the task "${input.title}" for ${who}`, branch: "next" };
    const task = await createTask(env.ctx, input);
    return { input, output: { taskId: task.id }, summary: `Created the task "${task.title}" for ${who}`, branch: "next" };
  },

  async create_note(env, cfg) {
    const record = needRecord(env);
    const { body } = await renderAll(env, cfg, ["body"]);
    const object = env.run.object;
    if (object === "ticket") {
      // On a ticket a note is an internal note in its conversation, where the agents read it (never sent to the customer).
      if (env.dry) return { input: { body }, output: null, summary: "Would add an internal note", branch: "next" };
      const message = await addTicketMessage(env.ctx, record.id, { kind: "note", direction: "out", bodyText: body });
      return { input: { body }, output: { messageId: message.id }, summary: "Added an internal note", branch: "next" };
    }
    if (object !== "contact" && object !== "company" && object !== "deal")
      throw new AppError("validation_failed", `Notes go on contacts, companies, deals or tickets, not on a ${object}`);
    if (env.dry) return { input: { body }, output: null, summary: "Would add a note", branch: "next" };
    const note = await logActivity(env.ctx, { object, id: record.id }, { type: "note", body } as never);
    return { input: { body }, output: { activityId: note.id }, summary: "Added a note", branch: "next" };
  },

  async create_deal(env, cfg) {
    const { name } = await renderAll(env, cfg, ["name"]);
    const rec = env.record;
    const input: Record<string, unknown> = {
      name,
      ...(cfg.pipelineId ? { pipelineId: cfg.pipelineId } : {}),
      ...(cfg.stageId ? { stageId: cfg.stageId } : {}),
      ...(cfg.amount ? { amount: cfg.amount } : {}),
      ...(cfg.currency ? { currency: cfg.currency } : {}),
      ...(ownerOf(rec) ? { ownerId: ownerOf(rec) } : {}),
      ...(env.run.object === "company" && rec ? { companyId: rec.id } : {}),
      ...(env.run.object === "contact" && rec ? { contacts: [{ contactId: rec.id }], ...(rec.companyId ? { companyId: rec.companyId } : {}) } : {}),
    };
    if (env.dry) return { input, output: null, summary: `Would create the deal "${name}"`, branch: "next" };
    const deal = await createDeal(env.ctx, input as never);
    return { input, output: { dealId: deal.id }, summary: `Created the deal "${deal.name}"`, branch: "next" };
  },

  async create_contact(env, cfg) {
    const v = await renderAll(env, cfg, ["firstName", "lastName", "email", "phone"]);
    const input: Record<string, unknown> = {
      ...(v.firstName ? { firstName: v.firstName } : {}),
      ...(v.lastName ? { lastName: v.lastName } : {}),
      ...(v.email ? { emails: [{ email: v.email }] } : {}),
      ...(v.phone ? { phones: [{ phone: v.phone }] } : {}),
      ...(ownerOf(env.record) ? { ownerId: ownerOf(env.record) } : {}),
      ...(env.run.object === "company" && env.record ? { companyId: env.record.id } : {}),
    };
    const label = `${v.firstName} ${v.lastName}`.trim() || v.email;
    if (env.dry) return { input, output: null, summary: `Would create the contact ${label}`, branch: "next" };
    const c = await createContact(env.ctx, input as never);
    return { input, output: { contactId: c.id }, summary: `Created the contact ${label}`, branch: "next" };
  },

  async assign_owner(env, cfg) {
    const record = needRecord(env);
    const object = env.run.object as string;
    const field = object === "task" || object === "ticket" ? "assigneeId" : "ownerId";
    let ownerId: string | null = null;
    let how = "";
    if (cfg.mode === "user") {
      ownerId = cfg.userId as string | null;
      how = "";
    } else if (cfg.mode === "round_robin") {
      const team = (await teamList(env.ctx, env.memo)).find((t) => t.id === cfg.teamId);
      const users = await userDirectory(env.ctx, env.memo);
      const members = [...(team?.memberIds ?? [])].filter((m) => users.get(m)?.active).sort();
      if (!members.length) throw new AppError("validation_failed", "The round-robin team has no active members");
      let turn = 0;
      if (!env.dry) {
        const [row] = await env.ctx.db
          .insert(workflowCounters)
          .values({ workspaceId: env.ctx.workspaceId, workflowId: env.run.workflowId, key: `rr:${cfg.teamId}`, value: 1 })
          .onConflictDoUpdate({
            target: [workflowCounters.workspaceId, workflowCounters.workflowId, workflowCounters.key],
            set: { value: sql`${workflowCounters.value} + 1` },
          })
          .returning({ value: workflowCounters.value });
        turn = (row?.value ?? 1) - 1;
      }
      ownerId = members[turn % members.length] as string;
      how = ` (round robin in ${team?.name})`;
    } else {
      if (object !== "contact") throw new AppError("validation_failed", "Assignment rules assign contacts; choose a person or round robin for other records");
      const companyId = typeof record.companyId === "string" ? record.companyId : null;
      const company = companyId ? (await companyProfiles(env.ctx, [companyId])).get(companyId) : null;
      const [a] = await assignOwners(env.ctx, [leadRecordOf(record as never, company)]);
      ownerId = a?.ownerId ?? null;
      how = a ? ` (${a.reason})` : "";
      if (!ownerId) throw new AppError("validation_failed", "No assignment rule matched and there is no fallback owner");
    }
    if (!ownerId) throw new AppError("validation_failed", "Choose the person to assign");
    const who = await names(env, [ownerId]);
    if (env.dry) return { input: { [field]: ownerId }, output: null, summary: `Would assign ${who}${how}`, branch: "next" };
    env.record = await updateRecord(env.ctx, object, record.id, record, { [field]: ownerId });
    env.data.record = env.record;
    env.data.owner = { id: ownerId, name: who };
    return { input: { [field]: ownerId }, output: { ownerId, ownerName: who }, summary: `Assigned ${who}${how}`, branch: "next" };
  },

  async tags(env, cfg) {
    const record = needRecord(env);
    const current = (record.tags as string[] | undefined) ?? [];
    const add = cfg.add as string[];
    const remove = new Set((cfg.remove as string[]).map((t) => t.toLowerCase()));
    const next = [...new Set([...current.filter((t) => !remove.has(t.toLowerCase())), ...add])];
    const summary = [add.length ? `added ${add.join(", ")}` : "", remove.size ? `removed ${[...remove].join(", ")}` : ""].filter(Boolean).join("; ");
    if (env.dry) return { input: { tags: next }, output: null, summary: `Would have ${summary}`, branch: "next" };
    if (next.join("\u0000") !== current.join("\u0000")) env.record = await updateRecord(env.ctx, env.run.object as string, record.id, record, { tags: next });
    return { input: { tags: next }, output: { tags: next }, summary: `Tags: ${summary}`, branch: "next" };
  },

  async send_email(env, cfg) {
    const { subject, body } = await renderAll(env, cfg, ["subject", "body"]);
    const to = cfg.to as Recipient[];
    const users = await userDirectory(env.ctx, env.memo);
    const addresses: string[] = [];
    const skipped: string[] = [];
    for (const id of await resolveUsers(
      env,
      to.filter((r) => r.kind !== "record_contact"),
    )) {
      const u = users.get(id);
      if (u?.email) addresses.push(u.email);
    }
    if (to.some((r) => r.kind === "record_contact")) {
      const rec = env.record;
      let contact: WfRecord | null = null;
      if (env.run.object === "contact") contact = rec;
      else {
        const rel = rec?.related as { object: string; id: string } | null | undefined;
        const id =
          (rec?.contacts as { contactId: string }[] | undefined)?.[0]?.contactId ??
          (rel?.object === "contact" ? rel.id : null) ??
          (rec?.contactId as string | undefined);
        if (id) contact = await loadRecord(env.ctx, "contact", id);
      }
      if (!contact) skipped.push("the record has no contact");
      else if (contact.doNotContact) skipped.push(`${labelOf("contact", contact)} asked not to be contacted`);
      else if (contact.emailConsent === false) skipped.push(`${labelOf("contact", contact)} has not consented to email`);
      else if (!contact.primaryEmail) skipped.push(`${labelOf("contact", contact)} has no email address`);
      else addresses.push(contact.primaryEmail as string);
    }
    const input = { to: addresses, subject, body };
    const skipNote = skipped.length ? ` (skipped: ${skipped.join("; ")})` : "";
    if (addresses.length === 0) return { input, output: { skipped }, summary: `Skipped: ${skipped.join("; ") || "nobody to send to"}`, branch: "next" };
    if (env.dry) return { input, output: null, summary: `Would email "${subject}" to ${addresses.join(", ")}${skipNote}`, branch: "next" };
    const related = env.run.object && env.run.recordId ? { object: env.run.object, id: env.run.recordId } : undefined;
    const sent = await queueMail(env.ctx, env.deps.mail, { kind: "workflow", to: addresses, subject, text: body, related });
    return { input, output: { mailId: sent.id, skipped }, summary: `Emailed "${subject}" to ${addresses.join(", ")}${skipNote}`, branch: "next" };
  },

  async notify(env, cfg) {
    const { title, body } = await renderAll(env, cfg, ["title", "body"]);
    const ids = await resolveUsers(env, cfg.to as Recipient[]);
    const who = await names(env, ids);
    if (ids.length === 0) return { input: { title, body, to: [] }, output: { notified: [] }, summary: "Skipped: nobody to notify", branch: "next" };
    if (env.dry) return { input: { title, body, to: ids }, output: null, summary: `Would notify ${who}: ${title}`, branch: "next" };
    await notify(
      env.ctx,
      ...ids.map((userId) => ({ userId, kind: "workflow" as const, title, body: body || null, object: env.run.object, recordId: env.run.recordId })),
    );
    return { input: { title, body, to: ids }, output: { notified: ids }, summary: `Notified ${who}: ${title}`, branch: "next" };
  },

  async http_request(env, cfg) {
    const url = await render(String(cfg.url), env.data);
    const body = await render(String(cfg.body ?? ""), env.data);
    const headers: Record<string, string> = {};
    for (const h of cfg.headers as { name: string; value: string }[]) headers[h.name] = await render(h.value, env.data);
    if (body.trim()) {
      try {
        JSON.parse(body);
      } catch (err) {
        throw new AppError("validation_failed", `The request body is not valid JSON after merge fields: ${(err as Error).message}`);
      }
      headers["content-type"] ??= "application/json";
    }
    if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) throw new AppError("validation_failed", `Not an http(s) URL: ${url}`);
    const input = { method: cfg.method, url, headers, body };
    if (env.dry) return { input, output: null, summary: `Would call ${cfg.method} ${url}`, branch: "next" };
    // A retried step sends the same key, so a receiver can drop a repeat.
    headers["idempotency-key"] = `${env.run.id}:${(env as StepEnv & { stepId?: string }).stepId ?? ""}`;
    const { allowPrivateTargets } = await getWebhookSettings(env.ctx);
    const res = await postJson(url, headers, body, {
      allowPrivate: allowPrivateTargets,
      timeoutMs: Number(cfg.timeoutSeconds ?? 15) * 1000,
      method: String(cfg.method),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : null;
    } catch {
      // Not JSON: later steps get the text.
    }
    const output = { status: res.status, body: parsed, error: res.error ?? null };
    if (res.status === null || res.status >= 400) {
      const err = new AppError("unavailable", `${cfg.method} ${url} failed: ${res.error ?? `HTTP ${res.status}`}`);
      (err as AppError & { output?: unknown }).output = output;
      throw err;
    }
    return { input: { ...input, headers }, output, summary: `${cfg.method} ${url} → ${res.status}`, branch: "next" };
  },

  async enrol_in_sequence(env, cfg) {
    const record = needRecord(env);
    const object = env.run.object;
    const contactIds =
      object === "contact"
        ? [record.id]
        : object === "deal"
          ? ((record.contacts as { contactId: string }[] | undefined) ?? []).map((c) => c.contactId)
          : typeof record.contactId === "string"
            ? [record.contactId]
            : [];
    if (contactIds.length === 0) throw new AppError("validation_failed", `This ${object ?? "record"} has no contact to enrol`);
    const sequenceId = cfg.sequenceId as string;
    const input = { sequenceId, contactIds };
    if (env.dry)
      return { input, output: null, summary: `Would enrol ${contactIds.length} contact${contactIds.length === 1 ? "" : "s"} in the sequence`, branch: "next" };
    const out = await enrolContacts(env.ctx, sequenceId, { contactIds }, "workflow", env.deps.scheduleStep ?? (async () => undefined), env.deps.now());
    return {
      input,
      output: out,
      summary: out.enrolled ? `Enrolled ${out.enrolled} in the sequence` : "Not enrolled: already in a sequence, no email address, or unsubscribed",
      branch: "next",
    };
  },

  async send_webhook(env, cfg) {
    const { body } = await renderAll(env, cfg, ["body"]);
    const record = env.record;
    let extra: unknown = null;
    if (body.trim()) {
      try {
        extra = JSON.parse(body);
      } catch (err) {
        throw new AppError("validation_failed", `The payload is not valid JSON after merge fields: ${(err as Error).message}`);
      }
    }
    const payload = { workflow: { id: env.run.workflowId, name: env.workflowName, label: cfg.label }, object: env.run.object, record, extra };
    if (env.dry) return { input: payload, output: null, summary: "Would send the record to the webhook subscribers of workflow.webhook", branch: "next" };
    // Subscribers receive it through the stream like any event (signed, retried, logged).
    await publishEvents(env.ctx.db as never, env.ctx, [
      { type: "workflow.webhook", recordId: env.run.recordId ?? env.run.id, record: payload as Record<string, unknown> },
    ]);
    return { input: payload, output: { sent: true }, summary: "Sent to the webhook subscribers", branch: "next" };
  },

  async wait(env, cfg) {
    const now = env.deps.now();
    if (env.resumed) {
      if (cfg.mode === "until_condition" && !env.resumed.timedOut)
        return { input: null, output: { met: true }, summary: "The condition holds", branch: "next" };
      if (cfg.mode === "until_condition") return { input: null, output: { met: false }, summary: "Timed out waiting for the condition", branch: "timeout" };
      return { input: null, output: { resumedAt: now.toISOString() }, summary: "Waited", branch: "next" };
    }
    if (cfg.mode === "duration") {
      const until = new Date(now.getTime() + ms(cfg.duration as Duration));
      return { input: cfg, output: null, summary: `Waiting until ${until.toISOString()}`, branch: null, wait: { until, kind: "time" } };
    }
    if (cfg.mode === "until_date") {
      const record = needRecord(env);
      const raw = (cfg.field as string)
        .split(".")
        .reduce<unknown>((o, k) => (o && typeof o === "object" ? (o as Record<string, unknown>)[k] : undefined), record);
      if (raw === null || raw === undefined || raw === "") return { input: cfg, output: null, summary: `${cfg.field} is empty: not waiting`, branch: "next" };
      const base = /^\d{4}-\d{2}-\d{2}$/.test(String(raw)) ? new Date(`${raw}T${cfg.timeOfDay ?? "09:00"}:00Z`) : new Date(String(raw));
      const until = new Date(base.getTime() + (cfg.direction === "before" ? -1 : 1) * ms(cfg.offset as Duration));
      if (until <= now) return { input: cfg, output: null, summary: "The date has passed: not waiting", branch: "next" };
      return { input: cfg, output: null, summary: `Waiting until ${until.toISOString()}`, branch: null, wait: { until, kind: "time" } };
    }
    if (await conditionHolds(env.ctx, env.run.object, cfg.condition as Record<string, unknown>, env.record, { now }))
      return { input: cfg, output: { met: true }, summary: "The condition already holds", branch: "next" };
    const until = new Date(now.getTime() + ms(cfg.timeout as Duration));
    return {
      input: cfg,
      output: null,
      summary: `Waiting for the condition, at most until ${until.toISOString()}`,
      branch: null,
      wait: { until, kind: "condition" },
    };
  },

  async if_else(env, cfg) {
    const ok = await conditionHolds(env.ctx, env.run.object, cfg.condition as Record<string, unknown>, env.record, {
      changes: (env.run.triggerData.changes as never) ?? [],
    });
    return {
      input: cfg.condition,
      output: { result: ok },
      summary: ok ? "Condition holds: yes branch" : "Condition does not hold: no branch",
      branch: ok ? "yes" : "no",
    };
  },

  async stop(_env, cfg) {
    return { input: null, output: null, summary: cfg.reason ? `Stopped: ${cfg.reason}` : "Stopped", branch: null };
  },
};

/** The merge-field data of a run: the record, its owner, the trigger, earlier steps' outputs, the workspace. */
export async function mergeData(ctx: Ctx, run: Pick<RunRow, "triggerType" | "triggerData" | "outputs">, record: WfRecord | null, now: Date, memo?: RunMemo) {
  const ownerId = ownerOf(record);
  const users: ReadonlyMap<string, User> = ownerId ? await userDirectory(ctx, memo) : new Map<string, User>();
  const owner = ownerId ? users.get(ownerId) : null;
  const workspaceName = await workspaceNameOf(ctx, memo);
  return {
    record,
    owner: owner ? { id: owner.id, name: owner.name, email: owner.email } : null,
    trigger: { type: run.triggerType, ...run.triggerData },
    steps: Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, { output: v }])),
    workspace: { name: workspaceName },
    now: now.toISOString(),
  };
}

function workspaceNameOf(ctx: Ctx, memo?: RunMemo): Promise<string> {
  const load = () =>
    cachedConfig(
      ctx,
      "workflows:workspaceName",
      async () => (await queryRows<{ name: string }>(ctx.db, sql`select name from workspaces where id = ${ctx.workspaceId}`))[0]?.name ?? "",
    );
  if (!memo) return load();
  memo.workspaceName ??= load();
  return memo.workspaceName;
}

/** Runs a step; `env.record` is left as the step left it (the record its update returned, when it wrote one). */
export async function runStep(env: StepEnv, step: WorkflowStep): Promise<StepOutcome> {
  const stepEnv = { ...env, stepId: step.id } as StepEnv;
  const outcome = await handlers[step.type](stepEnv, step.config, step);
  env.record = stepEnv.record;
  return outcome;
}

export const stepName = (s: WorkflowStep) => s.name || stepLabels[s.type].label;

const versionCache = new Map<string, WorkflowDefinition>();
async function definitionOf(db: Db, workspaceId: string, versionId: string): Promise<WorkflowDefinition> {
  const hit = versionCache.get(versionId);
  if (hit) return hit;
  const [v] = await db
    .select({ definition: workflowVersions.definition })
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workspaceId, workspaceId), eq(workflowVersions.id, versionId)));
  if (!v) throw new Error(`Workflow version ${versionId} is gone`);
  // Versions never change once published: safe to keep.
  if (versionCache.size > 1000) versionCache.clear();
  versionCache.set(versionId, v.definition);
  return v.definition;
}

/**
 * Runs a run forward from its current step until it waits, ends or fails. Consecutive steps run in one transaction
 * that holds the run row locked, each step inside a savepoint, each recorded as its own step run; the run's move
 * past them commits with them. A crash or a second job therefore repeats at most the steps that had not committed,
 * never one that had. A step that fails rolls back to its savepoint alone: the steps before it commit, and the
 * failure is recorded on it. An HTTP request is made outside the transaction (it may take seconds) between a
 * "running" mark and the commit of its result: a crash in between repeats the call with the same idempotency key.
 *
 * One transaction for the steps that follow each other (instead of one each) is what keeps up with a busy stream:
 * the run, its workflow, the users and the workspace are read once, and the record only again after a step that may
 * have changed it without returning it (bench/workflows.ts, bench/RESULTS.md).
 */
export async function executeRun(db: Db, deps: EngineDeps, job: RunJob, maxSteps = 200): Promise<{ state: string; steps: number }> {
  const { workspaceId, runId } = job;
  let steps = 0;
  // After a step failed behind others in one transaction: how many steps the next transaction runs before it commits.
  let limit = Number.POSITIVE_INFINITY;
  while (steps < maxSteps) {
    let pendingHttp: { step: WorkflowStep; env: StepEnv; stepRunId: string; started: Date } | null = null;
    const segmentLimit = limit;
    limit = Number.POSITIVE_INFINITY;
    let ran = 0;
    const result = await db
      .transaction(async (tx): Promise<{ done: boolean; state: string }> => {
        shareConfigCache(tx, db);
        const [run] = await tx
          .select()
          .from(workflowRuns)
          .where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.id, runId)))
          .for("update");
        if (!run || (run.state !== "running" && run.state !== "waiting")) return { done: true, state: run?.state ?? "gone" };
        const [wf] = await tx
          .select()
          .from(workflows)
          .where(and(eq(workflows.workspaceId, workspaceId), eq(workflows.id, run.workflowId)));
        if (!wf) return { done: true, state: "gone" };
        let now = deps.now();
        const def = await definitionOf(tx, workspaceId, run.versionId);
        let step = def.steps.find((s) => s.id === run.currentStepId);
        const ctx: Ctx = { db: tx, workspaceId, actor: workflowActor(wf, run.id) };
        const load = () => (run.object && run.recordId ? loadRecord(ctx, run.object, run.recordId) : Promise.resolve(null));
        // undefined: to be read (again) before the next step that needs it.
        let record: WfRecord | null | undefined = await load();
        let resumed: StepEnv["resumed"];
        if (run.state === "waiting") {
          // Paused workflows keep their waiting runs waiting; resume re-enqueues them.
          if (wf.status === "paused") return { done: true, state: "waiting" };
          const due = run.waitingUntil ? run.waitingUntil <= now : true;
          if (run.waitKind === "condition") {
            const cfg = step?.config as { condition?: Record<string, unknown> } | undefined;
            const met = await conditionHolds(ctx, run.object, cfg?.condition, record, { now });
            if (!met && !due) return { done: true, state: "waiting" };
            resumed = { timedOut: !met };
          } else {
            if (!due) return { done: true, state: "waiting" };
            resumed = { timedOut: false };
          }
        }
        const memo: RunMemo = {};
        const attempts = await latestAttempts(tx, workspaceId, runId);
        // The run row as the steps so far left it, and their step runs, written once when the transaction ends.
        let moved = false;
        const stepRows: (typeof workflowStepRuns.$inferInsert)[] = [];
        const moveRun = async (set: Partial<RunRow>) => {
          if (stepRows.length) await tx.insert(workflowStepRuns).values(stepRows.splice(0));
          await tx
            .update(workflowRuns)
            .set({ outputs: run.outputs, currentStepId: run.currentStepId, waitingUntil: null, waitKind: null, error: null, updatedAt: deps.now(), ...set })
            .where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.id, runId)));
        };
        for (;;) {
          if (!step) {
            await moveRun({ state: "done", currentStepId: null, finishedAt: deps.now() });
            return { done: true, state: "done" };
          }
          if (steps >= maxSteps || ran >= segmentLimit) {
            if (moved) await moveRun({ state: "running" });
            return { done: false, state: "running" };
          }
          record = record === undefined ? await load() : record;
          if (step.type === "http_request" && !resumed) {
            // The call is made after this transaction: what ran before it commits first, with the run at this step.
            if (moved) await moveRun({ state: "running" });
            if (await callInFlight(tx, workspaceId, runId, step, now))
              // Another worker is making this call (a second delivery of the job): it settles the step, not this one.
              return { done: true, state: "running" };
            const data = await mergeData(ctx, run, record, now, memo);
            const attempt = await nextAttempt(tx, workspaceId, runId, step.id, attempts, false);
            const stepRunId = newId();
            await tx.insert(workflowStepRuns).values({
              workspaceId,
              id: stepRunId,
              runId,
              stepId: step.id,
              stepType: step.type,
              stepName: stepName(step),
              attempt,
              state: "running",
              startedAt: now,
            });
            const env: StepEnv = { ctx: { ...ctx, db }, deps, run, workflowName: wf.name, record, data, dry: false };
            pendingHttp = { step, env, stepRunId, started: now };
            return { done: false, state: "running" };
          }
          const data = await mergeData(ctx, run, record, now, memo);
          const attempt = await nextAttempt(tx, workspaceId, runId, step.id, attempts, resumed !== undefined);
          const current = step;
          const started = Date.now();
          const env: StepEnv = { ctx, deps, run, workflowName: wf.name, record: record ?? null, data, dry: false, resumed, memo };
          let outcome: StepOutcome;
          try {
            outcome = await runStep(env, current);
          } catch (error) {
            // The first step of the transaction: it rolls back and the run fails at this step (below). A later one:
            // the transaction rolls back, and the steps before it run again in one that commits without it.
            if (ran === 0) throw error;
            throw new ShorterSegment(ran);
          }
          steps++;
          ran++;
          await settleStep(tx, deps, run, step, outcome, attempt, now, Date.now() - started, resumed !== undefined, newId(), false, stepRows);
          attempts.set(step.id, { attempt, state: outcome.wait ? "waiting" : "done", id: "" });
          if (outcome.wait) {
            await moveRun({ state: "waiting", waitingUntil: outcome.wait.until, waitKind: outcome.wait.kind });
            await deps.enqueue(tx, { workspaceId, runId }, { startAfter: outcome.wait.until });
            return { done: true, state: "waiting" };
          }
          moved = true;
          record = keepsRecord(step, outcome) ? env.record : undefined;
          const next = outcome.branch ? (step.next[outcome.branch] ?? null) : null;
          run.currentStepId = next;
          step = next ? def.steps.find((s) => s.id === next) : undefined;
          resumed = undefined;
          now = deps.now();
        }
      })
      .catch(async (err: unknown) => {
        if (err instanceof ShorterSegment) {
          steps -= ran;
          limit = err.steps;
          return { done: false, state: "running" };
        }
        await failRun(db, deps, workspaceId, runId, err);
        return { done: true, state: "failed" };
      });
    if (pendingHttp) {
      const p = pendingHttp as { step: WorkflowStep; env: StepEnv; stepRunId: string; started: Date };
      const started = Date.now();
      try {
        const outcome = await runStep(p.env, p.step);
        await db.transaction(async (tx) => {
          const [run] = await tx
            .select()
            .from(workflowRuns)
            .where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.id, runId)))
            .for("update");
          if (run?.state !== "running" || run.currentStepId !== p.step.id) return;
          await tx.delete(workflowStepRuns).where(and(eq(workflowStepRuns.workspaceId, workspaceId), eq(workflowStepRuns.id, p.stepRunId)));
          const [prev] = await tx
            .select({ attempt: workflowStepRuns.attempt })
            .from(workflowStepRuns)
            .where(and(eq(workflowStepRuns.workspaceId, workspaceId), eq(workflowStepRuns.runId, runId), eq(workflowStepRuns.stepId, p.step.id)))
            .orderBy(sql`${workflowStepRuns.attempt} desc`)
            .limit(1);
          await settleStep(tx, deps, run, p.step, outcome, (prev?.attempt ?? 0) + 1, p.started, Date.now() - started, false, p.stepRunId);
        });
      } catch (err) {
        await failRun(db, deps, workspaceId, runId, err, p.stepRunId, Date.now() - started);
        return { state: "failed", steps: steps + 1 };
      }
      steps++;
      continue;
    }
    if (result.done) return { state: result.state, steps };
  }
  // A very long run hands over to a fresh job rather than holding a worker.
  await db.transaction(async (tx) => deps.enqueue(tx, job));
  return { state: "running", steps };
}

/** A step failed after others in the same transaction: run those again, `steps` of them, and commit. */
class ShorterSegment extends Error {
  constructor(readonly steps: number) {
    super(`A step failed after ${steps} others in its transaction`);
  }
}

/**
 * Whether the record a step left in its env is the record as it is now: steps that write nothing, and those whose
 * only write is the record's own update (which returns it). Anything else may have changed it (a task or a note
 * on it, a deal's contacts) and it is read again before the next step.
 */
function keepsRecord(step: WorkflowStep, outcome: StepOutcome): boolean {
  switch (step.type) {
    case "tags":
    case "assign_owner":
    case "if_else":
    case "stop":
    case "wait":
    case "notify":
      return true;
    case "update_fields":
      return ((outcome.output as { contacts?: string[] } | null)?.contacts ?? []).length === 0;
    default:
      return false;
  }
}

type Attempt = { attempt: number; state: string; id: string };

/** Each step's latest attempt in a run, read once per transaction instead of before every step. */
async function latestAttempts(tx: Db, workspaceId: string, runId: string): Promise<Map<string, Attempt>> {
  const rows = await tx
    .selectDistinctOn([workflowStepRuns.stepId], {
      stepId: workflowStepRuns.stepId,
      attempt: workflowStepRuns.attempt,
      state: workflowStepRuns.state,
      id: workflowStepRuns.id,
    })
    .from(workflowStepRuns)
    .where(and(eq(workflowStepRuns.workspaceId, workspaceId), eq(workflowStepRuns.runId, runId)))
    .orderBy(workflowStepRuns.stepId, sql`${workflowStepRuns.attempt} desc`);
  return new Map(rows.map((r) => [r.stepId, { attempt: r.attempt, state: r.state, id: r.id }]));
}

/**
 * Whether an HTTP step's "running" mark is another worker's call still within its time (the step's timeout and a
 * margin). An older mark is a call whose worker died: it is made again, with the same idempotency key.
 */
async function callInFlight(tx: Db, workspaceId: string, runId: string, step: WorkflowStep, now: Date): Promise<boolean> {
  const [mark] = await tx
    .select({ startedAt: workflowStepRuns.startedAt })
    .from(workflowStepRuns)
    .where(
      and(
        eq(workflowStepRuns.workspaceId, workspaceId),
        eq(workflowStepRuns.runId, runId),
        eq(workflowStepRuns.stepId, step.id),
        eq(workflowStepRuns.state, "running"),
      ),
    )
    .orderBy(sql`${workflowStepRuns.attempt} desc`)
    .limit(1);
  if (!mark) return false;
  const leaseMs = (Number((step.config as { timeoutSeconds?: number }).timeoutSeconds ?? 15) + 30) * 1000;
  return now.getTime() - mark.startedAt.getTime() < leaseMs;
}

/** The attempt number a step runs as; `known`: the run's latest attempts, read beforehand (latestAttempts). */
async function nextAttempt(
  tx: Db,
  workspaceId: string,
  runId: string,
  stepId: string,
  known: Map<string, Attempt> | undefined,
  resuming: boolean,
): Promise<number> {
  const [prev] = known
    ? [known.get(stepId)]
    : await tx
        .select({ attempt: workflowStepRuns.attempt, state: workflowStepRuns.state, id: workflowStepRuns.id })
        .from(workflowStepRuns)
        .where(and(eq(workflowStepRuns.workspaceId, workspaceId), eq(workflowStepRuns.runId, runId), eq(workflowStepRuns.stepId, stepId)))
        .orderBy(sql`${workflowStepRuns.attempt} desc`)
        .limit(1);
  if (resuming && prev?.state === "waiting") return prev.attempt;
  // A "running" mark left by a crashed HTTP call is replaced by this attempt.
  if (prev?.state === "running") {
    await tx.delete(workflowStepRuns).where(and(eq(workflowStepRuns.workspaceId, workspaceId), eq(workflowStepRuns.id, prev.id)));
    return prev.attempt;
  }
  return (prev?.attempt ?? 0) + 1;
}

/**
 * Records a step's outcome and moves the run on: to the branch's step, into a wait, or to its end. With `moveRun`
 * false only the step run is written and the run's outputs kept in memory: the caller writes the run once for the
 * steps of its transaction.
 */
async function settleStep(
  tx: Db,
  deps: EngineDeps,
  run: RunRow,
  step: WorkflowStep,
  outcome: StepOutcome,
  attempt: number,
  startedAt: Date,
  durationMs: number,
  resuming: boolean,
  stepRunId = newId(),
  moveRun = true,
  pendingRows?: (typeof workflowStepRuns.$inferInsert)[],
) {
  const now = deps.now();
  const where = and(eq(workflowRuns.workspaceId, run.workspaceId), eq(workflowRuns.id, run.id));
  const json = (v: unknown) => (v === undefined ? null : JSON.parse(JSON.stringify(v)));
  if (resuming) {
    // The wait's step run, written when it began waiting, is finished now.
    await tx
      .update(workflowStepRuns)
      .set({ state: "done", output: json(outcome.output), summary: outcome.summary, branch: outcome.branch, finishedAt: now })
      .where(
        and(
          eq(workflowStepRuns.workspaceId, run.workspaceId),
          eq(workflowStepRuns.runId, run.id),
          eq(workflowStepRuns.stepId, step.id),
          eq(workflowStepRuns.state, "waiting"),
        ),
      );
  } else {
    const row: typeof workflowStepRuns.$inferInsert = {
      workspaceId: run.workspaceId,
      id: stepRunId,
      runId: run.id,
      stepId: step.id,
      stepType: step.type,
      stepName: stepName(step),
      attempt,
      state: outcome.wait ? "waiting" : "done",
      input: json(outcome.input),
      output: json(outcome.output),
      summary: outcome.summary,
      branch: outcome.branch,
      startedAt,
      finishedAt: outcome.wait ? null : now,
      durationMs: outcome.wait ? null : durationMs,
    };
    if (pendingRows) pendingRows.push(row);
    else await tx.insert(workflowStepRuns).values(row);
  }
  if (outcome.wait && moveRun) {
    await tx.update(workflowRuns).set({ state: "waiting", waitingUntil: outcome.wait.until, waitKind: outcome.wait.kind, updatedAt: now }).where(where);
    await deps.enqueue(tx, { workspaceId: run.workspaceId, runId: run.id }, { startAfter: outcome.wait.until });
    return;
  }
  if (outcome.wait) return;
  const next = outcome.branch ? (step.next[outcome.branch] ?? null) : null;
  const outputs = outcome.output !== null && outcome.output !== undefined ? { ...run.outputs, [step.id]: json(outcome.output) } : run.outputs;
  run.outputs = outputs;
  if (!moveRun) return;
  await tx
    .update(workflowRuns)
    .set({
      state: next ? "running" : "done",
      currentStepId: next,
      outputs,
      waitingUntil: null,
      waitKind: null,
      error: null,
      updatedAt: now,
      finishedAt: next ? null : now,
    })
    .where(where);
  run.outputs = outputs;
}

/** A step failed: the error is kept on its step run and the run, which waits for a retry from that step. */
async function failRun(db: Db, deps: EngineDeps, workspaceId: string, runId: string, err: unknown, stepRunId?: string, durationMs?: number) {
  const message = err instanceof AppError ? (err.detail ?? err.message) : err instanceof Error ? err.message : String(err);
  const output = (err as { output?: unknown }).output ?? null;
  const now = deps.now();
  await db.transaction(async (tx) => {
    const [run] = await tx
      .select()
      .from(workflowRuns)
      .where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.id, runId)))
      .for("update");
    if (!run || (run.state !== "running" && run.state !== "waiting")) return;
    const def = await definitionOf(tx, workspaceId, run.versionId);
    const step = def.steps.find((s) => s.id === run.currentStepId);
    if (stepRunId)
      await tx
        .update(workflowStepRuns)
        .set({ state: "failed", error: message, output, finishedAt: now, durationMs: durationMs ?? null })
        .where(and(eq(workflowStepRuns.workspaceId, workspaceId), eq(workflowStepRuns.id, stepRunId)));
    else if (step) {
      const attempt = await nextAttempt(tx, workspaceId, runId, step.id, undefined, false);
      await tx.insert(workflowStepRuns).values({
        workspaceId,
        id: newId(),
        runId,
        stepId: step.id,
        stepType: step.type,
        stepName: stepName(step),
        attempt,
        state: "failed",
        error: message,
        output,
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
      });
    }
    await tx
      .update(workflowRuns)
      .set({ state: "failed", error: step ? `${stepName(step)}: ${message}` : message, waitingUntil: null, waitKind: null, updatedAt: now, finishedAt: now })
      .where(and(eq(workflowRuns.workspaceId, workspaceId), eq(workflowRuns.id, runId)));
  });
}

/**
 * The safety net beside the delayed jobs: runs whose wait fell due more than a minute ago, or that have been
 * "running" for five minutes without a step (their job lost with a crashed worker), are enqueued again. Their own
 * state checks make a duplicate job harmless. Then the workflows' health is judged.
 */
export async function sweepRuns(db: Db, deps: EngineDeps, limit = 1000): Promise<{ resumed: number; flagged: number }> {
  const now = deps.now();
  const stale = await db
    .select({ workspaceId: workflowRuns.workspaceId, id: workflowRuns.id })
    .from(workflowRuns)
    .innerJoin(workflows, and(eq(workflows.workspaceId, workflowRuns.workspaceId), eq(workflows.id, workflowRuns.workflowId)))
    .where(
      sql`((${workflowRuns.state} = 'waiting' and ${workflowRuns.waitingUntil} < ${new Date(now.getTime() - 60_000).toISOString()}::timestamptz and ${workflows.status} = 'active')
        or (${workflowRuns.state} = 'running' and ${workflowRuns.updatedAt} < ${new Date(now.getTime() - 300_000).toISOString()}::timestamptz))`,
    )
    .limit(limit);
  if (stale.length)
    await db.transaction(async (tx) => {
      for (const r of stale) await deps.enqueue(tx, { workspaceId: r.workspaceId, runId: r.id });
    });
  const flagged = await judgeHealth(db, now);
  return { resumed: stale.length, flagged };
}

/**
 * Flags workflows whose recent runs keep failing (at least 3 of the last 10, the latest failed) or whose trigger
 * matched records but produced no run in the last day (loop limit, re-enrollment refusals counted as misses), and
 * notifies the workspace's admins once per new flag. A workflow whose latest runs succeed again is cleared.
 */
async function judgeHealth(db: Db, now: Date): Promise<number> {
  const rows = await queryRows<{
    workspace_id: string;
    id: string;
    name: string;
    health_state: string;
    failed: number;
    latest_failed: boolean;
    misses: number;
    fail_step: string | null;
  }>(
    db,
    sql`select w.workspace_id, w.id, w.name, w.health_state,
          (select count(*)::int from (select state from workflow_runs r where r.workspace_id = w.workspace_id and r.workflow_id = w.id
             and r.state in ('done', 'failed') order by r.created_at desc limit 10) t where t.state = 'failed') as failed,
          coalesce((select r.state = 'failed' from workflow_runs r where r.workspace_id = w.workspace_id and r.workflow_id = w.id
             and r.state in ('done', 'failed') order by r.created_at desc limit 1), false) as latest_failed,
          (select count(*)::int from workflow_misses m where m.workspace_id = w.workspace_id and m.workflow_id = w.id
             and m.created_at > ${new Date(now.getTime() - 86_400_000).toISOString()}::timestamptz) as misses,
          (select r.error from workflow_runs r where r.workspace_id = w.workspace_id and r.workflow_id = w.id and r.state = 'failed'
             order by r.created_at desc limit 1) as fail_step
        from workflows w where w.status = 'active'`,
  );
  let flagged = 0;
  for (const w of rows) {
    const failing = w.failed >= 3 && w.latest_failed;
    const state = failing ? "failing" : w.misses > 0 ? (w.health_state === "loop_limited" ? "loop_limited" : "not_running") : "ok";
    if (state === w.health_state) continue;
    const message =
      state === "failing"
        ? `${w.failed} of the last 10 runs failed; latest: ${w.fail_step ?? "unknown error"}`
        : state === "loop_limited" || state === "not_running"
          ? `${w.misses} time${w.misses === 1 ? "" : "s"} in the last day the trigger matched a record but no run started (loop limit or re-enrollment)`
          : null;
    await db.transaction(async (tx) => {
      await tx
        .update(workflows)
        .set({ healthState: state as "ok", healthMessage: message, healthSince: state === "ok" ? null : now })
        .where(and(eq(workflows.workspaceId, w.workspace_id), eq(workflows.id, w.id)));
      if (state !== "ok") {
        flagged++;
        const admins = await listUsers({ db: tx, workspaceId: w.workspace_id, actor: { kind: "system", userId: null, role: "admin" } });
        await notify(
          { db: tx, workspaceId: w.workspace_id },
          ...admins
            .filter((u) => u.role === "admin" && u.active)
            .map((u) => ({
              userId: u.id,
              kind: "workflow_health" as const,
              title: `Workflow "${w.name}" needs attention`,
              body: message,
              object: "workflow",
              recordId: w.id,
            })),
        );
      }
    });
  }
  return flagged;
}
