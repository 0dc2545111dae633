import { and, asc, eq, isNotNull } from "drizzle-orm";
import sanitizeHtml from "sanitize-html";
import type { z } from "zod";
import { type Condition, type ConditionLeaf, periodOperators, resolveFieldPath } from "../../contract/conditions.js";
import type {
  AddReportWidget,
  AppliedFilters,
  CreateDashboard,
  Dashboard,
  DashboardFilters,
  DashboardPeriod,
  DashboardSummary,
  UpdateDashboard,
  Widget,
  WidgetInput,
  WidgetResult,
} from "../../contract/dashboards.js";
import { dashboardPeriodLabels, GRID_COLUMNS } from "../../contract/dashboards.js";
import type { RegistryObject } from "../../contract/fields.js";
import type { Report } from "../../contract/reports.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { conditionContext } from "../conditions/service.js";
import { personColumn } from "../reports/query.js";
import { copyReport, getReport, installReadyMadeReport, runSavedReport } from "../reports/service.js";
import { listTeams, userNames } from "../users/service.js";
import { readyMadeDashboards, readyMadeDefinition } from "./ready-made.js";
import { dashboards, homeDashboards } from "./table.js";

type Row = typeof dashboards.$inferSelect;

// ---- access: as saved reports ----

function mayEdit(ctx: Ctx, r: Row): boolean {
  // Ready-made dashboards are the workspace's starting points: duplicated and adapted, never changed in place.
  if (r.readyMade) return false;
  return ctx.actor.role === "admin" || (r.ownerId !== null && r.ownerId === ctx.actor.userId);
}

function maySee(ctx: Ctx, r: Row): boolean {
  if (r.readyMade || r.visibility === "workspace") return true;
  if (ctx.actor.role === "admin" || (r.ownerId !== null && r.ownerId === ctx.actor.userId)) return true;
  if (r.visibility === "team" && r.ownerId) return accessOf(ctx.actor).teammateIds.includes(r.ownerId);
  return false;
}

async function readDashboard(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(dashboards)
    .where(and(eq(dashboards.workspaceId, ctx.workspaceId), eq(dashboards.id, id)));
  // Not shared with the viewer: not there for them, its name included.
  if (!row || !maySee(ctx, row)) throw notFound("Dashboard");
  return row;
}

function requireUser(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "Dashboards belong to a user; sign in, or use an API key of a user, to make one.");
  return ctx.actor.userId;
}

// ---- filters: each widget takes the ones its object has ----

/** The date a dashboard's period filters on when a widget names none: the object's usual date. */
export const defaultDateField: Readonly<Record<RegistryObject, string>> = {
  deal: "createdAt",
  contact: "createdAt",
  company: "createdAt",
  task: "dueAt",
  activity: "occurredAt",
  ticket: "createdAt",
};

function appliesTo(object: RegistryObject, dateField: string | null): AppliedFilters {
  // Every object has a person (owner, assignee, author) and dates; only deals have a pipeline.
  return { period: dateField !== null, owner: true, team: true, pipeline: object === "deal" };
}

const rolling: Partial<Record<DashboardPeriod, ConditionLeaf["value"]>> = {
  last7Days: { n: 7, unit: "day" },
  last30Days: { n: 30, unit: "day" },
  last90Days: { n: 90, unit: "day" },
  last12Months: { n: 12, unit: "month" },
};

/** The dashboard's filters as one condition on a widget's object, with the labels of those it took. */
async function widgetFilter(
  ctx: Ctx,
  object: RegistryObject,
  dateField: string | null,
  filters: DashboardFilters,
): Promise<{ condition: Condition | undefined; applied: string[] }> {
  const applies = appliesTo(object, dateField);
  const person = personColumn[object].field;
  const parts: Condition[] = [];
  const applied: string[] = [];
  if (filters.period && applies.period && dateField) {
    const p = filters.period;
    parts.push(
      (periodOperators as readonly string[]).includes(p)
        ? { field: dateField, op: p as ConditionLeaf["op"] }
        : { field: dateField, op: "inLast", value: rolling[p] as ConditionLeaf["value"] },
    );
    applied.push(dashboardPeriodLabels[p]);
  }
  if (filters.ownerId && applies.owner) {
    parts.push({ field: person, op: "eq", value: filters.ownerId });
    applied.push(filters.ownerId === "me" ? "Mine" : ((await userNames(ctx, [filters.ownerId])).get(filters.ownerId) ?? "One person"));
  }
  if (filters.teamId && applies.team) {
    const team = (await listTeams(ctx)).find((t) => t.id === filters.teamId);
    if (!team) throw new AppError("validation_failed", "filters.teamId: no such team", [{ path: "filters.teamId", message: "No such team" }]);
    // A team with no members matches no record (an empty "any" group is false).
    parts.push(team.memberIds.length ? { field: person, op: "in", value: [...team.memberIds] } : { any: [] });
    applied.push(team.name);
  }
  if (filters.pipelineId && applies.pipeline) {
    parts.push({ field: "pipelineId", op: "eq", value: filters.pipelineId });
    applied.push("Pipeline");
  }
  return { condition: parts.length ? { all: parts } : undefined, applied };
}

// ---- views ----

async function reportOf(ctx: Ctx, id: string): Promise<Report | null> {
  try {
    return await getReport(ctx, id);
  } catch (err) {
    if (err instanceof AppError && err.code === "not_found") return null;
    throw err;
  }
}

async function toWidget(ctx: Ctx, w: WidgetInput, registry: Awaited<ReturnType<typeof conditionContext>>["registry"]): Promise<Widget> {
  if (w.kind === "note") return { ...w, title: w.title ?? "" };
  const report = await reportOf(ctx, w.reportId);
  const object = report?.definition.object;
  const dateField = w.dateField === undefined ? (object ? defaultDateField[object] : null) : w.dateField;
  let dateLabel: string | null = null;
  if (object && dateField) {
    const r = resolveFieldPath(registry, object, dateField);
    dateLabel = typeof r === "string" ? null : r.field.label;
  }
  return {
    ...w,
    title: w.title ?? "",
    report: report ? { name: report.name, object: report.definition.object, visualization: report.definition.visualization, mayEdit: report.mayEdit } : null,
    applies: object ? appliesTo(object, dateField) : { period: false, owner: false, team: false, pipeline: false },
    dateLabel,
  };
}

async function toDashboard(ctx: Ctx, r: Row): Promise<Dashboard> {
  const { registry } = await conditionContext(ctx);
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    ownerId: r.ownerId,
    visibility: r.visibility,
    readyMade: r.readyMade,
    mayEdit: mayEdit(ctx, r),
    widgets: await Promise.all(r.widgets.map((w) => toWidget(ctx, w, registry))),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const toSummary = (ctx: Ctx, r: Row): DashboardSummary => ({
  id: r.id,
  name: r.name,
  description: r.description,
  ownerId: r.ownerId,
  visibility: r.visibility,
  readyMade: r.readyMade,
  mayEdit: mayEdit(ctx, r),
  widgetCount: r.widgets.length,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

// ---- ready-made dashboards ----

/** Workspaces whose ready-made dashboards this process has seen installed: one check per workspace and process. */
const installed = new Set<string>();

/**
 * Installs the ready-made dashboards (and their reports) a workspace lacks: on a new workspace and on one that
 * predates them alike, the first time anyone lists dashboards. Idempotent: keyed by (workspace, ready-made key).
 */
export async function ensureReadyMadeDashboards(ctx: Ctx): Promise<void> {
  if (installed.has(ctx.workspaceId)) return;
  const have = new Set(
    (
      await ctx.db
        .select({ key: dashboards.readyMade })
        .from(dashboards)
        .where(and(eq(dashboards.workspaceId, ctx.workspaceId), isNotNull(dashboards.readyMade)))
    ).map((r) => r.key),
  );
  for (const d of readyMadeDashboards) {
    if (have.has(d.key)) continue;
    const widgets: WidgetInput[] = [];
    for (const w of d.widgets) {
      const reportId = await installReadyMadeReport(ctx, w.key, w.name, w.description, readyMadeDefinition(w));
      widgets.push({ id: w.key.split(".")[1] as string, kind: "report", title: "", reportId, dateField: w.dateField, layout: w.layout });
    }
    await ctx.db
      .insert(dashboards)
      .values({ workspaceId: ctx.workspaceId, id: newId(), name: d.name, description: d.description, visibility: "workspace", readyMade: d.key, widgets })
      .onConflictDoNothing();
  }
  installed.add(ctx.workspaceId);
}

// ---- CRUD ----

export async function listDashboards(ctx: Ctx): Promise<DashboardSummary[]> {
  assertCan(ctx.actor, "read");
  await ensureReadyMadeDashboards(ctx);
  const rows = await ctx.db.select().from(dashboards).where(eq(dashboards.workspaceId, ctx.workspaceId)).orderBy(asc(dashboards.name));
  // Ready-made first, then the viewer's own and shared ones, by name.
  return rows
    .filter((r) => maySee(ctx, r))
    .sort((a, b) => Number(b.readyMade !== null) - Number(a.readyMade !== null))
    .map((r) => toSummary(ctx, r));
}

export async function getDashboard(ctx: Ctx, id: string): Promise<Dashboard> {
  assertCan(ctx.actor, "read");
  return toDashboard(ctx, await readDashboard(ctx, id));
}

/** Notes keep their text and lose any HTML: they are shown as text (light markdown), never as markup. */
function cleanNote(text: string): string {
  const stripped = sanitizeHtml(text, { allowedTags: [], allowedAttributes: {} });
  // sanitize-html escapes what it keeps; the note is text, so its characters are stored as typed.
  return stripped
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");
}

/** Checks and cleans widgets before they are kept: unique ids, inside the grid, reports the editor may open, date fields. */
async function cleanWidgets(ctx: Ctx, widgets: WidgetInput[]): Promise<WidgetInput[]> {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const { registry } = await conditionContext(ctx);
  const out: WidgetInput[] = [];
  for (const [i, w] of widgets.entries()) {
    if (seen.has(w.id)) errors.push({ path: `widgets.${i}.id`, message: "Two widgets have this id" });
    seen.add(w.id);
    const layout = { ...w.layout, w: Math.min(w.layout.w, GRID_COLUMNS - w.layout.x) };
    if (w.kind === "note") {
      out.push({ ...w, layout, text: cleanNote(w.text) });
      continue;
    }
    const report = await reportOf(ctx, w.reportId);
    if (!report) {
      errors.push({ path: `widgets.${i}.reportId`, message: "No such report, or it is not shared with you" });
      continue;
    }
    if (w.dateField) {
      const r = resolveFieldPath(registry, report.definition.object, w.dateField);
      if (typeof r === "string" || (r.field.type !== "date" && r.field.type !== "datetime"))
        errors.push({ path: `widgets.${i}.dateField`, message: typeof r === "string" ? r : `${r.field.label} is not a date` });
    }
    out.push({ ...w, layout });
  }
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  return out;
}

export async function createDashboard(ctx: Ctx, input: z.output<typeof CreateDashboard>): Promise<Dashboard> {
  assertCan(ctx.actor, "read");
  if (ctx.actor.kind === "api_key") assertCan(ctx.actor, "write");
  const ownerId = requireUser(ctx);
  const widgets = await cleanWidgets(ctx, input.widgets);
  const [row] = await ctx.db
    .insert(dashboards)
    .values({ workspaceId: ctx.workspaceId, id: newId(), name: input.name, description: input.description, visibility: input.visibility, ownerId, widgets })
    .returning();
  return toDashboard(ctx, row as Row);
}

function assertMayEdit(ctx: Ctx, row: Row): void {
  if (mayEdit(ctx, row)) return;
  throw new AppError(
    "forbidden",
    row.readyMade
      ? "Ready-made dashboards are not changed in place; duplicate it to adapt it."
      : "Only the dashboard's owner or an admin can change it; duplicate it instead.",
  );
}

export async function updateDashboard(ctx: Ctx, id: string, input: z.output<typeof UpdateDashboard>): Promise<Dashboard> {
  const row = await readDashboard(ctx, id);
  assertMayEdit(ctx, row);
  const widgets = input.widgets ? await cleanWidgets(ctx, input.widgets) : undefined;
  const [updated] = await ctx.db
    .update(dashboards)
    .set({ ...input, ...(widgets ? { widgets } : {}), updatedAt: new Date() })
    .where(and(eq(dashboards.workspaceId, ctx.workspaceId), eq(dashboards.id, id)))
    .returning();
  return toDashboard(ctx, updated as Row);
}

export async function deleteDashboard(ctx: Ctx, id: string): Promise<void> {
  const row = await readDashboard(ctx, id);
  assertMayEdit(ctx, row);
  await ctx.db.delete(dashboards).where(and(eq(dashboards.workspaceId, ctx.workspaceId), eq(dashboards.id, id)));
}

/** Adds a saved report below the widgets already there (the report builder's "Add to dashboard"). */
export async function addReportWidget(ctx: Ctx, id: string, input: z.output<typeof AddReportWidget>): Promise<Dashboard> {
  const row = await readDashboard(ctx, id);
  assertMayEdit(ctx, row);
  const bottom = row.widgets.reduce((y, w) => Math.max(y, w.layout.y + w.layout.h), 0);
  const widget: WidgetInput = {
    id: newId().slice(-12),
    kind: "report",
    title: input.title ?? "",
    reportId: input.reportId,
    layout: { x: 0, y: bottom, w: 6, h: 8 },
  };
  return updateDashboard(ctx, id, { widgets: [...row.widgets, widget] });
}

/**
 * A private copy owned by the viewer, to adapt: its widgets' reports that the viewer may not change (ready-made
 * ones, a colleague's) are copied too, so every widget of the copy can be edited in the builder.
 */
export async function duplicateDashboard(ctx: Ctx, id: string, name?: string): Promise<Dashboard> {
  assertCan(ctx.actor, "read");
  const row = await readDashboard(ctx, id);
  const ownerId = requireUser(ctx);
  const widgets: WidgetInput[] = [];
  const copies = new Map<string, string>();
  for (const w of row.widgets) {
    if (w.kind === "note") {
      widgets.push(w);
      continue;
    }
    const report = await reportOf(ctx, w.reportId);
    if (!report) continue;
    let reportId = w.reportId;
    if (!report.mayEdit) {
      reportId = copies.get(w.reportId) ?? (await copyReport(ctx, w.reportId)).id;
      copies.set(w.reportId, reportId);
    }
    widgets.push({ ...w, reportId });
  }
  const [created] = await ctx.db
    .insert(dashboards)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      name: name ?? `${row.name} (copy)`,
      description: row.description,
      visibility: "private",
      ownerId,
      widgets,
    })
    .returning();
  return toDashboard(ctx, created as Row);
}

// ---- running a widget ----

/**
 * Runs one widget of a dashboard with the dashboard's filters, those its object has: what each widget's own request
 * calls. The report's own visibility rules hold (a sales user's widget counts only the records they may read).
 */
export async function runWidget(ctx: Ctx, id: string, widgetId: string, filters: DashboardFilters, now = new Date()): Promise<WidgetResult> {
  assertCan(ctx.actor, "read");
  const row = await readDashboard(ctx, id);
  const w = row.widgets.find((x) => x.id === widgetId);
  if (!w) throw notFound("Widget");
  if (w.kind !== "report") throw new AppError("validation_failed", "This widget is a note: it has nothing to run", [{ path: "widgetId", message: "A note" }]);
  const report = await reportOf(ctx, w.reportId);
  if (!report) throw new AppError("not_found", "This widget's report was deleted or is not shared with you.");
  const object = report.definition.object;
  const dateField = w.dateField === undefined ? defaultDateField[object] : w.dateField;
  const { condition, applied } = await widgetFilter(ctx, object, dateField, filters);
  return { result: await runSavedReport(ctx, w.reportId, condition, now), applied };
}

// ---- the home page's dashboard ----

export async function homeDashboard(ctx: Ctx): Promise<{ dashboardId: string | null }> {
  assertCan(ctx.actor, "read");
  if (!ctx.actor.userId) return { dashboardId: null };
  const [row] = await ctx.db
    .select()
    .from(homeDashboards)
    .where(and(eq(homeDashboards.workspaceId, ctx.workspaceId), eq(homeDashboards.userId, ctx.actor.userId)));
  if (!row) return { dashboardId: null };
  // One no longer shared with them is as good as none.
  try {
    await readDashboard(ctx, row.dashboardId);
    return { dashboardId: row.dashboardId };
  } catch {
    return { dashboardId: null };
  }
}

export async function setHomeDashboard(ctx: Ctx, dashboardId: string | null): Promise<{ dashboardId: string | null }> {
  assertCan(ctx.actor, "read");
  const userId = requireUser(ctx);
  const where = and(eq(homeDashboards.workspaceId, ctx.workspaceId), eq(homeDashboards.userId, userId));
  if (dashboardId === null) {
    await ctx.db.delete(homeDashboards).where(where);
    return { dashboardId: null };
  }
  await readDashboard(ctx, dashboardId);
  await ctx.db
    .insert(homeDashboards)
    .values({ workspaceId: ctx.workspaceId, userId, dashboardId })
    .onConflictDoUpdate({ target: [homeDashboards.workspaceId, homeDashboards.userId], set: { dashboardId } });
  return { dashboardId };
}
