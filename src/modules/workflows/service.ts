import { and, desc, eq, ilike, inArray, lt, or, sql } from "drizzle-orm";
import type {
  StepRun,
  TestRunResult,
  Workflow,
  WorkflowDefinition,
  WorkflowDetail,
  WorkflowRun,
  WorkflowRunDetail,
  WorkflowVersion,
} from "../../contract/workflows.js";
import { workflowTemplates } from "../../contract/workflows.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { recordChanges } from "../history/service.js";
import { listTeams } from "../users/service.js";
import { conditionHolds } from "./conditions.js";
import { type EngineDeps, enrollmentBlock, mergeData, runStep, type StepEnv, startRun, stepName } from "./engine.js";
import { labelOf, loadRecord, ownerOf } from "./records.js";
import { workflowRuns, workflowStepRuns, workflows, workflowVersions } from "./table.js";
import { assertValidDefinition, validateDefinition } from "./validate.js";

type WorkflowRow = typeof workflows.$inferSelect;
type VersionRow = typeof workflowVersions.$inferSelect;
type RunRow = typeof workflowRuns.$inferSelect;

const iso = (d: Date | null) => d?.toISOString() ?? null;
const notFound = (what = "Workflow") => new AppError("not_found", `${what} not found`);
const scoped = (ctx: Ctx, id: string) => and(eq(workflows.workspaceId, ctx.workspaceId), eq(workflows.id, id));

/** An empty manual workflow: what "New workflow" starts from without a template. */
const emptyDefinition = (): WorkflowDefinition => ({
  trigger: { type: "manual", object: "contact", filter: null, enrollImports: false, reenroll: "always", allowOwnChanges: false },
  start: null,
  steps: [],
  settings: { maxRunsPerRecordPerDay: 20 },
});

// ------------------------------------------------------------------------------------------------------------
// Who may do what: admins build every workflow, managers those of their teams; everyone reads runs on records.

/** A workflow's team is one of this workspace's: another workspace's team id is refused like an unknown one. */
async function assertTeamExists(ctx: Ctx, teamId: string | null | undefined): Promise<void> {
  if (!teamId) return;
  if (!(await listTeams(ctx)).some((t) => t.id === teamId))
    throw new AppError("validation_failed", "There is no such team in this workspace.", [{ path: "teamId", message: "Unknown team" }]);
}

async function myTeams(ctx: Ctx): Promise<Set<string>> {
  if (!ctx.actor.userId) return new Set();
  const teams = await listTeams({ ...ctx, actor: { ...ctx.actor, role: "admin" } });
  return new Set(teams.filter((t) => t.memberIds.includes(ctx.actor.userId as string)).map((t) => t.id));
}

async function canEdit(ctx: Ctx, w: Pick<WorkflowRow, "teamId">, teams?: Set<string>): Promise<boolean> {
  if (ctx.actor.role === "admin") return true;
  if (ctx.actor.role !== "manager" || !w.teamId) return false;
  return (teams ?? (await myTeams(ctx))).has(w.teamId);
}

async function assertEdit(ctx: Ctx, w: Pick<WorkflowRow, "teamId">) {
  if (!(await canEdit(ctx, w))) throw new AppError("forbidden", "Only admins, and managers for their own teams' workflows, can change workflows.");
}

/**
 * A manager's workflow acts within its team: the people it assigns, notifies, emails or gives tasks to are the
 * team's members, and the teams it names are its own. (Its trigger enrolls only records the team's members own, and
 * manual runs refuse other records: see the engine's consumer and manualRun.) Admins may reach further.
 */
async function assertWithinTeam(ctx: Ctx, teamId: string | null, definition: WorkflowDefinition): Promise<void> {
  if (ctx.actor.role !== "manager" || !teamId) return;
  const team = (await listTeams({ ...ctx, actor: { ...ctx.actor, role: "admin" } })).find((t) => t.id === teamId);
  const members = new Set(team?.memberIds ?? []);
  const errors: { path: string; message: string }[] = [];
  definition.steps.forEach((step, i) => {
    const cfg = step.config as {
      to?: { kind: string; userId?: string; teamId?: string }[];
      assignee?: { kind: string; userId?: string; teamId?: string };
      userId?: string | null;
      teamId?: string | null;
    };
    const recipients = [
      ...(cfg.to ?? []).map((r, j) => ({ r, path: `steps.${i}.config.to.${j}` })),
      ...(cfg.assignee ? [{ r: cfg.assignee, path: `steps.${i}.config.assignee` }] : []),
    ];
    for (const { r, path } of recipients) {
      if (r.kind === "user" && r.userId && !members.has(r.userId)) errors.push({ path, message: "Choose a member of the workflow's team" });
      if (r.kind === "team" && r.teamId !== teamId) errors.push({ path, message: "A team's workflow can name only its own team" });
    }
    if (step.type === "assign_owner" && cfg.userId && !members.has(cfg.userId))
      errors.push({ path: `steps.${i}.config.userId`, message: "Choose a member of the workflow's team" });
    if (step.type === "assign_owner" && cfg.teamId && cfg.teamId !== teamId)
      errors.push({ path: `steps.${i}.config.teamId`, message: "Round robin within the workflow's own team" });
  });
  if (errors.length) throw new AppError("forbidden", "Managers' workflows act within their team: they cannot reach people or teams outside it.", errors);
}

function assertBuilder(ctx: Ctx) {
  if (ctx.actor.role !== "admin" && ctx.actor.role !== "manager")
    throw new AppError("forbidden", `Workflows are built by admins and managers; you are ${ctx.actor.role.replace("_", "-")}.`);
}

// ------------------------------------------------------------------------------------------------------------
// Workflows and versions

/** What a workflow's events carry: enough for the audit log and webhook subscribers to say what changed. */
const eventRecord = (w: Pick<WorkflowRow, "id" | "name" | "status" | "teamId" | "publishedVersion">) => ({
  id: w.id,
  name: w.name,
  status: w.status,
  teamId: w.teamId,
  publishedVersion: w.publishedVersion,
});
type EventFields = ReturnType<typeof eventRecord>;

/** Publishes workflow.created / updated / deleted in the transaction that made the change (the audit log reads them). */
async function recordWorkflowChange(tx: Db, ctx: Ctx, action: "create" | "update" | "delete", before: EventFields | null, after: EventFields) {
  const changes = (Object.keys(after) as (keyof EventFields)[])
    .filter((k) => k !== "id" && before !== null && before[k] !== after[k])
    .map((k) => ({ field: k, from: before?.[k] ?? null, to: after[k] }));
  if (action === "update" && changes.length === 0) return;
  await recordChanges(tx, { ...ctx, db: tx }, [{ object: "workflow", recordId: after.id, action, changes, payload: after }]);
}

function toVersion(v: VersionRow): WorkflowVersion {
  return {
    id: v.id,
    workflowId: v.workflowId,
    version: v.version,
    state: v.state,
    definition: v.definition,
    publishedAt: iso(v.publishedAt),
    publishedBy: v.publishedBy,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}

async function statsOf(ctx: Ctx, ids: string[]) {
  const out = new Map<string, Workflow["stats"]>();
  if (!ids.length) return out;
  const rows = await ctx.db
    .select({
      workflowId: workflowRuns.workflowId,
      running: sql<number>`count(*) filter (where ${workflowRuns.state} = 'running')::int`,
      waiting: sql<number>`count(*) filter (where ${workflowRuns.state} = 'waiting')::int`,
      failed: sql<number>`count(*) filter (where ${workflowRuns.state} = 'failed')::int`,
      done: sql<number>`count(*) filter (where ${workflowRuns.state} = 'done')::int`,
      lastRunAt: sql<string | null>`max(${workflowRuns.createdAt})`,
    })
    .from(workflowRuns)
    .where(and(eq(workflowRuns.workspaceId, ctx.workspaceId), inArray(workflowRuns.workflowId, ids)))
    .groupBy(workflowRuns.workflowId);
  for (const r of rows)
    out.set(r.workflowId, {
      running: r.running,
      waiting: r.waiting,
      failed: r.failed,
      done: r.done,
      lastRunAt: r.lastRunAt ? new Date(r.lastRunAt).toISOString() : null,
    });
  return out;
}

async function toWorkflows(ctx: Ctx, rows: WorkflowRow[]): Promise<Workflow[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => r.id);
  const versions = await ctx.db
    .select({
      workflowId: workflowVersions.workflowId,
      state: workflowVersions.state,
      triggerType: workflowVersions.triggerType,
      triggerObject: workflowVersions.triggerObject,
    })
    .from(workflowVersions)
    .where(
      and(
        eq(workflowVersions.workspaceId, ctx.workspaceId),
        inArray(workflowVersions.workflowId, ids),
        inArray(workflowVersions.state, ["draft", "published"]),
      ),
    );
  const stats = await statsOf(ctx, ids);
  const teams = ctx.actor.role === "manager" ? await myTeams(ctx) : undefined;
  const out: Workflow[] = [];
  for (const r of rows) {
    const mine = versions.filter((v) => v.workflowId === r.id);
    const shown = mine.find((v) => v.state === "published") ?? mine.find((v) => v.state === "draft");
    out.push({
      id: r.id,
      name: r.name,
      description: r.description,
      status: r.status,
      teamId: r.teamId,
      triggerType: (shown?.triggerType ?? null) as Workflow["triggerType"],
      object: shown?.triggerObject ?? null,
      publishedVersion: r.publishedVersion,
      hasDraft: mine.some((v) => v.state === "draft"),
      health: { state: r.healthState, message: r.healthMessage, since: iso(r.healthSince) },
      stats: stats.get(r.id) ?? { running: 0, waiting: 0, failed: 0, done: 0, lastRunAt: null },
      canEdit: await canEdit(ctx, r, teams),
      createdBy: r.createdBy,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    });
  }
  return out;
}

async function findWorkflow(ctx: Ctx, id: string, db: Db = ctx.db): Promise<WorkflowRow> {
  const [row] = await db.select().from(workflows).where(scoped(ctx, id));
  if (!row) throw notFound();
  return row;
}

export async function getWorkflow(ctx: Ctx, id: string): Promise<WorkflowDetail> {
  assertCan(ctx.actor, "read");
  const row = await findWorkflow(ctx, id);
  const [w] = await toWorkflows(ctx, [row]);
  const versions = await ctx.db
    .select()
    .from(workflowVersions)
    .where(
      and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), inArray(workflowVersions.state, ["draft", "published"])),
    );
  const draft = versions.find((v) => v.state === "draft");
  const published = versions.find((v) => v.state === "published");
  return { ...(w as Workflow), draft: draft ? toVersion(draft) : null, published: published ? toVersion(published) : null };
}

export async function listWorkflows(
  ctx: Ctx,
  q: { limit: number; cursor?: string; status?: WorkflowRow["status"]; q?: string },
): Promise<{ data: Workflow[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  let after: { name: string; id: string } | undefined;
  if (q.cursor) {
    try {
      after = JSON.parse(Buffer.from(q.cursor, "base64url").toString("utf8"));
    } catch {
      throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
    }
  }
  const w = workflows;
  const rows = await ctx.db
    .select()
    .from(w)
    .where(
      and(
        eq(w.workspaceId, ctx.workspaceId),
        q.status ? eq(w.status, q.status) : undefined,
        q.q ? ilike(w.name, `%${q.q.replace(/[%_\\]/g, "\\$&")}%`) : undefined,
        after ? or(sql`${w.name} > ${after.name}`, and(eq(w.name, after.name), sql`${w.id} > ${after.id}`)) : undefined,
      ),
    )
    .orderBy(w.name, w.id)
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: await toWorkflows(ctx, page),
    nextCursor: rows.length > q.limit && last ? Buffer.from(JSON.stringify({ name: last.name, id: last.id })).toString("base64url") : null,
  };
}

const triggerColumns = (d: WorkflowDefinition) => ({ triggerType: d.trigger.type, triggerObject: (d.trigger.object as string | null) ?? null });

export async function createWorkflow(
  ctx: Ctx,
  input: { name: string; description: string; teamId: string | null; templateId?: string; definition?: unknown },
): Promise<WorkflowDetail> {
  assertBuilder(ctx);
  await assertTeamExists(ctx, input.teamId);
  if (ctx.actor.role === "manager" && (!input.teamId || !(await myTeams(ctx)).has(input.teamId)))
    throw new AppError("forbidden", "Managers build workflows for their own teams: choose one of your teams.", [
      { path: "teamId", message: "Choose one of your teams" },
    ]);
  let definition: WorkflowDefinition;
  if (input.templateId) {
    const template = workflowTemplates.find((t) => t.id === input.templateId);
    if (!template) throw new AppError("validation_failed", `No template ${input.templateId}`, [{ path: "templateId", message: "Unknown template" }]);
    // A template's workspace-specific ids (people, forms) are filled in later: saved as it is, checked at publish.
    definition = template.definition;
  } else definition = input.definition === undefined ? emptyDefinition() : await assertValidDefinition(ctx, input.definition);
  await assertWithinTeam(ctx, input.teamId, definition);
  const id = newId();
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(workflows).values({
      workspaceId: ctx.workspaceId,
      id,
      name: input.name,
      description: input.description,
      teamId: input.teamId,
      status: "draft",
      createdBy: ctx.actor.userId,
      createdAt: now,
      updatedAt: now,
    });
    await recordWorkflowChange(tx, ctx, "create", null, { id, name: input.name, status: "draft", teamId: input.teamId, publishedVersion: null });
    await tx.insert(workflowVersions).values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      workflowId: id,
      version: 1,
      state: "draft",
      definition,
      ...triggerColumns(definition),
      createdAt: now,
      updatedAt: now,
    });
  });
  return getWorkflow(ctx, id);
}

export async function updateWorkflow(ctx: Ctx, id: string, input: { name?: string; description?: string; teamId?: string | null }): Promise<WorkflowDetail> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  await assertTeamExists(ctx, input.teamId);
  if (input.teamId !== undefined && ctx.actor.role === "manager" && (!input.teamId || !(await myTeams(ctx)).has(input.teamId)))
    throw new AppError("forbidden", "Managers can move a workflow only to one of their own teams", [{ path: "teamId", message: "Choose one of your teams" }]);
  // An empty change changes nothing, not even updated_at.
  const changed = Object.entries(input).filter(([k, v]) => v !== undefined && v !== row[k as keyof WorkflowRow]);
  if (changed.length)
    await ctx.db.transaction(async (tx) => {
      await tx
        .update(workflows)
        .set({ ...Object.fromEntries(changed), updatedAt: new Date() })
        .where(scoped(ctx, id));
      await recordWorkflowChange(tx, ctx, "update", eventRecord(row), eventRecord({ ...row, ...Object.fromEntries(changed) }));
    });
  return getWorkflow(ctx, id);
}

export async function deleteWorkflow(ctx: Ctx, id: string): Promise<void> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  // Runs, versions and step runs go with it (foreign keys cascade); waiting jobs find no run and end.
  await ctx.db.transaction(async (tx) => {
    await tx.delete(workflows).where(scoped(ctx, id));
    await recordWorkflowChange(tx, ctx, "delete", null, eventRecord(row));
  });
}

/** Saves the draft: edits the draft in place, or starts a new one from a live workflow. */
export async function saveDraft(ctx: Ctx, id: string, raw: unknown): Promise<WorkflowDetail> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  const definition = await assertValidDefinition(ctx, raw);
  await assertWithinTeam(ctx, row.teamId, definition);
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    const [draft] = await tx
      .select({ id: workflowVersions.id })
      .from(workflowVersions)
      .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), eq(workflowVersions.state, "draft")))
      .for("update");
    if (draft)
      await tx
        .update(workflowVersions)
        .set({ definition, ...triggerColumns(definition), updatedAt: now })
        .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.id, draft.id)));
    else {
      const [max] = await tx
        .select({ v: sql<number>`coalesce(max(${workflowVersions.version}), 0)::int` })
        .from(workflowVersions)
        .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id)));
      await tx.insert(workflowVersions).values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        workflowId: id,
        version: (max?.v ?? 0) + 1,
        state: "draft",
        definition,
        ...triggerColumns(definition),
        createdAt: now,
        updatedAt: now,
      });
    }
    await tx.update(workflows).set({ updatedAt: now }).where(scoped(ctx, id));
  });
  return getWorkflow(ctx, id);
}

export async function validateWorkflowDefinition(ctx: Ctx, raw: unknown) {
  assertBuilder(ctx);
  const { issues } = await validateDefinition(ctx, raw);
  return { valid: issues.length === 0, issues };
}

/** Publishes the draft: it becomes the live version (the previous one archived, its runs keep it) and the workflow runs. */
export async function publishWorkflow(ctx: Ctx, id: string, deps?: Pick<EngineDeps, "now">): Promise<WorkflowDetail> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  const now = new Date();
  // Time triggers (date reached, inactivity, schedule) look from this moment on, by the engine's clock.
  const triggerCheckedAt = deps?.now() ?? now;
  await ctx.db.transaction(async (tx) => {
    const [draft] = await tx
      .select()
      .from(workflowVersions)
      .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), eq(workflowVersions.state, "draft")))
      .for("update");
    if (!draft) throw new AppError("conflict", "There is no draft to publish: the live version is already the latest.");
    // Checked again: fields or templates may have changed since it was saved (and templates are saved unchecked).
    const definition = await assertValidDefinition({ ...ctx, db: tx }, draft.definition);
    await assertWithinTeam({ ...ctx, db: tx }, row.teamId, definition);
    await tx
      .update(workflowVersions)
      .set({ state: "archived", updatedAt: now })
      .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), eq(workflowVersions.state, "published")));
    await tx
      .update(workflowVersions)
      .set({ state: "published", definition, publishedAt: now, publishedBy: ctx.actor.userId, triggerCheckedAt, updatedAt: now })
      .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.id, draft.id)));
    await tx
      .update(workflows)
      .set({
        publishedVersion: draft.version,
        status: row.status === "paused" ? "paused" : "active",
        healthState: "ok",
        healthMessage: null,
        healthSince: null,
        updatedAt: now,
      })
      .where(scoped(ctx, id));
    const status = row.status === "paused" ? "paused" : "active";
    await recordWorkflowChange(tx, ctx, "update", eventRecord(row), eventRecord({ ...row, status, publishedVersion: draft.version }));
  });
  return getWorkflow(ctx, id);
}

export async function pauseWorkflow(ctx: Ctx, id: string): Promise<WorkflowDetail> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  if (row.status === "draft") throw new AppError("conflict", "Publish the workflow before pausing it.");
  await ctx.db.transaction(async (tx) => {
    await tx.update(workflows).set({ status: "paused", updatedAt: new Date() }).where(scoped(ctx, id));
    await recordWorkflowChange(tx, ctx, "update", eventRecord(row), eventRecord({ ...row, status: "paused" }));
  });
  return getWorkflow(ctx, id);
}

/** Resumes: new events start runs again, and waits that fell due while paused go on now. */
export async function resumeWorkflow(ctx: Ctx, id: string, deps: EngineDeps): Promise<WorkflowDetail> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  if (row.status === "draft") throw new AppError("conflict", "Publish the workflow first.");
  await ctx.db.transaction(async (tx) => {
    await tx.update(workflows).set({ status: "active", updatedAt: new Date() }).where(scoped(ctx, id));
    // A paused workflow starts no runs: dates reached and schedules due while it was paused do not fire on resuming.
    await tx
      .update(workflowVersions)
      .set({ triggerCheckedAt: deps.now() })
      .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), eq(workflowVersions.state, "published")));
    await recordWorkflowChange(tx, ctx, "update", eventRecord(row), eventRecord({ ...row, status: "active" }));
    const due = await tx
      .select({ id: workflowRuns.id })
      .from(workflowRuns)
      .where(
        and(
          eq(workflowRuns.workspaceId, ctx.workspaceId),
          eq(workflowRuns.workflowId, id),
          eq(workflowRuns.state, "waiting"),
          sql`${workflowRuns.waitingUntil} <= ${deps.now().toISOString()}::timestamptz`,
        ),
      );
    for (const r of due) await deps.enqueue(tx, { workspaceId: ctx.workspaceId, runId: r.id });
  });
  return getWorkflow(ctx, id);
}

export async function listVersions(ctx: Ctx, id: string) {
  assertCan(ctx.actor, "read");
  await findWorkflow(ctx, id);
  const rows = await ctx.db
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id)))
    .orderBy(desc(workflowVersions.version));
  const counts = await ctx.db
    .select({ versionId: workflowRuns.versionId, n: sql<number>`count(*)::int` })
    .from(workflowRuns)
    .where(and(eq(workflowRuns.workspaceId, ctx.workspaceId), eq(workflowRuns.workflowId, id)))
    .groupBy(workflowRuns.versionId);
  return {
    data: rows.map((v) => {
      const { definition: _d, ...rest } = toVersion(v);
      return { ...rest, runCount: counts.find((c) => c.versionId === v.id)?.n ?? 0 };
    }),
  };
}

export async function getVersion(ctx: Ctx, id: string, version: number): Promise<WorkflowVersion> {
  assertCan(ctx.actor, "read");
  const [v] = await ctx.db
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), eq(workflowVersions.version, version)));
  if (!v) throw notFound("Version");
  return toVersion(v);
}

// ------------------------------------------------------------------------------------------------------------
// Runs

async function toRuns(ctx: Ctx, rows: RunRow[]): Promise<WorkflowRun[]> {
  const ids = [...new Set(rows.map((r) => r.workflowId))];
  const names = ids.length
    ? new Map(
        (
          await ctx.db
            .select({ id: workflows.id, name: workflows.name })
            .from(workflows)
            .where(and(eq(workflows.workspaceId, ctx.workspaceId), inArray(workflows.id, ids)))
        ).map((w) => [w.id, w.name]),
      )
    : new Map<string, string>();
  return rows.map((r) => ({
    id: r.id,
    workflowId: r.workflowId,
    workflowName: names.get(r.workflowId) ?? "",
    version: r.version,
    state: r.state,
    object: r.object,
    recordId: r.recordId,
    recordLabel: r.recordLabel,
    triggerType: r.triggerType as WorkflowRun["triggerType"],
    triggerEventId: r.triggerEventId,
    currentStepId: r.currentStepId,
    waitingUntil: iso(r.waitingUntil),
    error: r.error,
    startedBy: r.startedBy,
    createdAt: r.createdAt.toISOString(),
    finishedAt: iso(r.finishedAt),
  }));
}

/**
 * Runs, newest first. Builders see every run; others see the runs on records they can read, so they must name the
 * record (its timeline) and the record must be readable to them.
 */
export async function listRuns(
  ctx: Ctx,
  q: { limit: number; cursor?: string; state?: RunRow["state"]; workflowId?: string; object?: string; recordId?: string },
): Promise<{ data: WorkflowRun[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const builder = ctx.actor.role === "admin" || ctx.actor.role === "manager";
  if (!builder) {
    if (!q.recordId || !q.object)
      throw new AppError("forbidden", "Run history across workflows is for admins and managers; open a record to see the runs on it.");
    if (!(await loadRecord(ctx, q.object, q.recordId))) throw notFound("Record");
  }
  let before: { at: Date; id: string } | undefined;
  if (q.cursor) {
    const [at, id] = Buffer.from(q.cursor, "base64url").toString("utf8").split("|");
    if (!at || !id || Number.isNaN(Date.parse(at)))
      throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
    before = { at: new Date(at), id };
  }
  const r = workflowRuns;
  const rows = await ctx.db
    .select()
    .from(r)
    .where(
      and(
        eq(r.workspaceId, ctx.workspaceId),
        q.state ? eq(r.state, q.state) : undefined,
        q.workflowId ? eq(r.workflowId, q.workflowId) : undefined,
        q.object ? eq(r.object, q.object) : undefined,
        q.recordId ? eq(r.recordId, q.recordId) : undefined,
        before ? or(lt(r.createdAt, before.at), and(eq(r.createdAt, before.at), lt(r.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(r.createdAt), desc(r.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: await toRuns(ctx, page),
    nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString("base64url") : null,
  };
}

async function findRun(ctx: Ctx, runId: string): Promise<RunRow> {
  const [run] = await ctx.db
    .select()
    .from(workflowRuns)
    .where(and(eq(workflowRuns.workspaceId, ctx.workspaceId), eq(workflowRuns.id, runId)));
  if (!run) throw notFound("Run");
  return run;
}

export async function getRun(ctx: Ctx, runId: string): Promise<WorkflowRunDetail> {
  assertCan(ctx.actor, "read");
  const run = await findRun(ctx, runId);
  const builder = ctx.actor.role === "admin" || ctx.actor.role === "manager";
  if (!builder && !(run.object && run.recordId && (await loadRecord(ctx, run.object, run.recordId)))) throw notFound("Run");
  const steps = await ctx.db
    .select()
    .from(workflowStepRuns)
    .where(and(eq(workflowStepRuns.workspaceId, ctx.workspaceId), eq(workflowStepRuns.runId, runId)))
    // Steps of one run often start in the same millisecond (and under a test clock at the same instant): the id, a
    // time-ordered UUID made when the step's row is written, breaks the tie in the order the steps ran.
    .orderBy(workflowStepRuns.startedAt, workflowStepRuns.id);
  const [base] = await toRuns(ctx, [run]);
  return {
    ...(base as WorkflowRun),
    trigger: { type: (run.triggerData.type as string | undefined) ?? run.triggerType, data: run.triggerData },
    steps: steps.map(
      (s): StepRun => ({
        id: s.id,
        stepId: s.stepId,
        stepType: s.stepType as StepRun["stepType"],
        stepName: s.stepName,
        attempt: s.attempt,
        state: s.state,
        input: s.input ?? null,
        output: s.output ?? null,
        error: s.error,
        summary: s.summary,
        branch: s.branch,
        startedAt: s.startedAt.toISOString(),
        finishedAt: iso(s.finishedAt),
        durationMs: s.durationMs,
      }),
    ),
  };
}

/** Retries a failed run from its failing step, on the version it started on. */
export async function retryRun(ctx: Ctx, runId: string, deps: EngineDeps): Promise<WorkflowRunDetail> {
  const run = await findRun(ctx, runId);
  await assertEdit(ctx, await findWorkflow(ctx, run.workflowId));
  if (run.state !== "failed") throw new AppError("conflict", `Only failed runs can be retried; this one is ${run.state}.`);
  await ctx.db.transaction(async (tx) => {
    const now = deps.now();
    const [moved] = await tx
      .update(workflowRuns)
      .set({ state: "running", error: null, finishedAt: null, retries: sql`${workflowRuns.retries} + 1`, updatedAt: now })
      .where(and(eq(workflowRuns.workspaceId, ctx.workspaceId), eq(workflowRuns.id, runId), eq(workflowRuns.state, "failed")))
      .returning({ id: workflowRuns.id });
    if (moved) await deps.enqueue(tx, { workspaceId: ctx.workspaceId, runId });
  });
  return getRun(ctx, runId);
}

export async function bulkRetry(
  ctx: Ctx,
  input: { runIds?: string[]; workflowId?: string },
  deps: EngineDeps,
): Promise<{ retried: string[]; skipped: { runId: string; reason: string }[] }> {
  assertBuilder(ctx);
  const rows = await ctx.db
    .select({ id: workflowRuns.id, state: workflowRuns.state, workflowId: workflowRuns.workflowId })
    .from(workflowRuns)
    .where(
      and(
        eq(workflowRuns.workspaceId, ctx.workspaceId),
        input.runIds ? inArray(workflowRuns.id, input.runIds) : undefined,
        input.workflowId ? and(eq(workflowRuns.workflowId, input.workflowId), eq(workflowRuns.state, "failed")) : undefined,
      ),
    )
    .limit(5000);
  const retried: string[] = [];
  const skipped: { runId: string; reason: string }[] = [];
  for (const id of input.runIds ?? []) if (!rows.some((r) => r.id === id)) skipped.push({ runId: id, reason: "Not found" });
  const editable = new Map<string, boolean>();
  for (const r of rows) {
    if (r.state !== "failed") {
      skipped.push({ runId: r.id, reason: `The run is ${r.state}, not failed` });
      continue;
    }
    if (!editable.has(r.workflowId)) editable.set(r.workflowId, await canEdit(ctx, await findWorkflow(ctx, r.workflowId)));
    if (!editable.get(r.workflowId)) {
      skipped.push({ runId: r.id, reason: "You cannot change this workflow" });
      continue;
    }
    await retryRun(ctx, r.id, deps);
    retried.push(r.id);
  }
  return { retried, skipped };
}

export async function cancelRun(ctx: Ctx, runId: string): Promise<WorkflowRunDetail> {
  const run = await findRun(ctx, runId);
  await assertEdit(ctx, await findWorkflow(ctx, run.workflowId));
  const now = new Date();
  const [moved] = await ctx.db
    .update(workflowRuns)
    .set({ state: "cancelled", waitingUntil: null, waitKind: null, finishedAt: now, updatedAt: now })
    .where(and(eq(workflowRuns.workspaceId, ctx.workspaceId), eq(workflowRuns.id, runId), inArray(workflowRuns.state, ["running", "waiting", "failed"])))
    .returning({ id: workflowRuns.id });
  if (!moved) throw new AppError("conflict", `The run is already ${run.state}.`);
  return getRun(ctx, runId);
}

/** Manual runs on records (a record page's button, a list's bulk action): the trigger must be manual. */
export async function manualRun(
  ctx: Ctx,
  id: string,
  recordIds: string[],
  deps: EngineDeps,
): Promise<{ started: { recordId: string; runId: string }[]; skipped: { recordId: string; reason: string }[] }> {
  assertCan(ctx.actor, "write");
  const row = await findWorkflow(ctx, id);
  if (row.status !== "active") throw new AppError("conflict", row.status === "paused" ? "The workflow is paused." : "Publish the workflow first.");
  const [version] = await ctx.db
    .select()
    .from(workflowVersions)
    .where(and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), eq(workflowVersions.state, "published")));
  if (!version) throw new AppError("conflict", "Publish the workflow first.");
  const trigger = version.definition.trigger;
  if (trigger.type !== "manual") throw new AppError("conflict", "This workflow starts on its trigger, not by hand.");
  const started: { recordId: string; runId: string }[] = [];
  const skipped: { recordId: string; reason: string }[] = [];
  const teamMembers = row.teamId
    ? new Set((await listTeams({ ...ctx, actor: { ...ctx.actor, role: "admin" } })).find((t) => t.id === row.teamId)?.memberIds ?? [])
    : null;
  await ctx.db.transaction(async (tx) => {
    const t: Ctx = { ...ctx, db: tx };
    for (const recordId of [...new Set(recordIds)]) {
      const record = await loadRecord(t, trigger.object, recordId);
      if (!record) {
        skipped.push({ recordId, reason: `No such ${trigger.object} (or it is in the trash)` });
        continue;
      }
      const owner = ownerOf(record);
      if (teamMembers && !(owner && teamMembers.has(owner))) {
        skipped.push({ recordId, reason: "The record's owner is not in the workflow's team" });
        continue;
      }
      if (!(await conditionHolds(t, trigger.object, trigger.filter, record, { now: deps.now() }))) {
        skipped.push({ recordId, reason: "The record does not match the workflow's condition" });
        continue;
      }
      const block = await enrollmentBlock(tx, ctx.workspaceId, id, trigger, version.definition.settings.maxRunsPerRecordPerDay, recordId, deps.now());
      if (block) {
        skipped.push({ recordId, reason: block });
        continue;
      }
      const runId = await startRun(tx, deps, ctx.workspaceId, {
        workflow: { id, name: row.name },
        version,
        object: trigger.object,
        recordId,
        recordLabel: labelOf(trigger.object, record),
        triggerKey: `manual:${newId()}`,
        triggerEventId: null,
        triggerData: { type: "manual", startedBy: ctx.actor.userId },
        startedBy: ctx.actor.userId,
      });
      if (runId) started.push({ recordId, runId });
    }
  });
  return { started, skipped };
}

/** Test on a record: the trigger's condition and every step on the path, computed and described, nothing done. */
export async function testWorkflow(ctx: Ctx, id: string, input: { recordId: string; definition?: unknown }, deps: EngineDeps): Promise<TestRunResult> {
  const row = await findWorkflow(ctx, id);
  await assertEdit(ctx, row);
  let definition: WorkflowDefinition;
  if (input.definition !== undefined) definition = await assertValidDefinition(ctx, input.definition);
  else {
    const versions = await ctx.db
      .select()
      .from(workflowVersions)
      .where(
        and(eq(workflowVersions.workspaceId, ctx.workspaceId), eq(workflowVersions.workflowId, id), inArray(workflowVersions.state, ["draft", "published"])),
      );
    const v = versions.find((x) => x.state === "draft") ?? versions.find((x) => x.state === "published");
    if (!v) throw notFound("Version");
    definition = await assertValidDefinition(ctx, v.definition);
  }
  const object = (definition.trigger.object ?? "contact") as string;
  const record = await loadRecord(ctx, object, input.recordId);
  if (!record) throw new AppError("not_found", `No such ${object} (or it is in the trash)`);
  const triggerMatched = await conditionHolds(ctx, object, definition.trigger.filter, record, { now: deps.now() });
  const run = {
    id: "test",
    workflowId: id,
    object,
    recordId: record.id,
    triggerType: definition.trigger.type,
    triggerData: { type: "test", changes: [] },
    outputs: {} as Record<string, unknown>,
  };
  const data = await mergeData(ctx, run, record, deps.now());
  const env: StepEnv = { ctx, deps, run, workflowName: row.name, record, data, dry: true };
  const steps: TestRunResult["steps"] = [];
  let current = definition.start;
  const seen = new Set<string>();
  while (current && !seen.has(current)) {
    seen.add(current);
    const step = definition.steps.find((s) => s.id === current);
    if (!step) break;
    try {
      const outcome = await runStep(env, step);
      const branch = outcome.wait ? "next" : outcome.branch;
      steps.push({
        stepId: step.id,
        stepType: step.type,
        stepName: stepName(step),
        state: outcome.wait ? "would_wait" : outcome.summary.startsWith("Skipped") ? "would_skip" : "would_run",
        summary: outcome.summary.replace(/^Waiting/, "Would wait"),
        input: outcome.input ?? null,
        output: outcome.output ?? null,
        branch,
        error: null,
      });
      current = branch ? (step.next[branch] ?? null) : null;
    } catch (err) {
      const message = err instanceof AppError ? (err.detail ?? err.message) : (err as Error).message;
      steps.push({
        stepId: step.id,
        stepType: step.type,
        stepName: stepName(step),
        state: "error",
        summary: `Would fail: ${message}`,
        input: null,
        output: null,
        branch: null,
        error: message,
      });
      break;
    }
  }
  return {
    triggerMatched,
    triggerMessage: triggerMatched ? "The record matches the trigger's condition" : "The record does not match the trigger's condition: it would not enroll",
    recordLabel: labelOf(object, record) ?? record.id,
    steps,
  };
}
