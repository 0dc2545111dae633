import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { type Condition, type ConditionLeaf, describeCondition, groupItems, isGroup, validateCondition } from "../../contract/conditions.js";
import { optionLabel } from "../../contract/fields.js";
import {
  type CreateReport,
  type DrillDown,
  MAX_REPORT_GROUPS,
  type Report,
  type ReportDefinition,
  type ReportResult,
  type UpdateReport,
} from "../../contract/reports.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { companyNames } from "../companies/service.js";
import { type ConditionContext, conditionContext } from "../conditions/service.js";
import { addToDate, isoDate, parseIsoDate } from "../conditions/time.js";
import { contactNames } from "../contacts/service.js";
import { dealNames } from "../deals/lookups.js";
import { listPipelines } from "../deals/pipelines.js";
import type { Consumer } from "../events/service.js";
import { listTeams, userNames } from "../users/service.js";
import { type CompiledReport, compileReport, type Dimension, personColumn, type RawRow, runCompiled } from "./query.js";
import { reportDataVersions, reports } from "./table.js";

// ---- running a report ----

interface CacheEntry {
  versions: string;
  result: ReportResult;
}
/** Results by (workspace, definition, extra filter, viewer's visibility, clock): a small per-process cache. */
const cache = new Map<string, CacheEntry>();
const CACHE_SIZE = 500;

/** What a viewer sees decides what a report counts: two viewers with the same reach share cached results. */
function visibilityKey(ctx: Ctx): string {
  const a = accessOf(ctx.actor);
  return JSON.stringify([ctx.actor.role, ctx.actor.userId, a.teammateIds, a.teamIds]);
}

/** The data versions of the objects a report reads, as the cache consumer keeps them. */
async function versionsOf(ctx: Ctx, objects: readonly string[]): Promise<string> {
  const rows = await ctx.db
    .select({ object: reportDataVersions.object, version: reportDataVersions.version })
    .from(reportDataVersions)
    .where(and(eq(reportDataVersions.workspaceId, ctx.workspaceId), inArray(reportDataVersions.object, [...objects])))
    .orderBy(asc(reportDataVersions.object));
  return rows.map((r) => `${r.object}:${r.version}`).join(",");
}

/** Relative dates move with the clock: a cached result holds for the day (for the minute, with hours in a condition). */
function clockKey(def: ReportDefinition, extra: Condition | undefined, c: ConditionContext): string {
  const hourly = JSON.stringify([def.filter, extra, def.measures]).includes('"unit":"hour"');
  const local = new Intl.DateTimeFormat("en-CA", { timeZone: c.timeZone, dateStyle: "short", timeStyle: hourly ? "short" : undefined }).format(c.now);
  return `${c.timeZone}|${local}`;
}

const bucketLabel = (key: string, bucket: Dimension["bucket"]): string => {
  const d = parseIsoDate(key);
  switch (bucket) {
    case "year":
      return String(d.y);
    case "quarter":
      return `${d.y} Q${Math.floor((d.m - 1) / 3) + 1}`;
    case "month":
      return `${d.y}-${String(d.m).padStart(2, "0")}`;
    case "week":
      return `Week of ${key}`;
    default:
      return key;
  }
};

/** Readable labels for each group column's values: names for ids, option labels for codes, periods for buckets. */
async function labelsOf(ctx: Ctx, dims: Dimension[], rows: RawRow[]): Promise<((key: string | null) => string)[]> {
  return Promise.all(
    dims.map(async (d, i) => {
      const keys = [...new Set(rows.map((r) => r.keys[i]).filter((k): k is string => k !== null))];
      const none = d.kind === "team" ? "No team" : d.field?.type === "user" ? "No one" : "None";
      let names: Map<string, string> | undefined;
      if (d.kind === "team") names = new Map((await listTeams(ctx)).map((t) => [t.id, t.name]));
      else if (d.field?.type === "user") names = await userNames(ctx, keys);
      else if (d.field?.relation === "stage" || d.field?.relation === "pipeline") {
        const pipelines = await listPipelines(ctx);
        names =
          d.field.relation === "pipeline"
            ? new Map(pipelines.map((p) => [p.id, p.name]))
            : new Map(pipelines.flatMap((p) => p.stages.map((s) => [s.id, pipelines.length > 1 ? `${p.name} · ${s.name}` : s.name] as const)));
      } else if (d.relationObject === "company") names = await companyNames(ctx, keys);
      else if (d.relationObject === "contact") names = await contactNames(ctx, keys);
      else if (d.relationObject === "deal") names = await dealNames(ctx, keys);
      const field = d.field;
      return (key: string | null) => {
        if (key === null) return none;
        if (d.bucket) return bucketLabel(key, d.bucket);
        if (names) return names.get(key) ?? key;
        if (field?.type === "boolean") return key === "true" ? "Yes" : "No";
        if (field?.options) return optionLabel(field, key);
        return key;
      };
    }),
  );
}

/** "This quarter" → "last quarter": the same filter over the period before, for a number's change. */
const previousOp: Partial<Record<ConditionLeaf["op"], ConditionLeaf["op"]>> = {
  today: "yesterday",
  thisWeek: "lastWeek",
  thisMonth: "lastMonth",
  thisQuarter: "lastQuarter",
  thisYear: "lastYear",
};
const periodNames: Partial<Record<ConditionLeaf["op"], string>> = {
  today: "yesterday",
  thisWeek: "last week",
  thisMonth: "last month",
  thisQuarter: "last quarter",
  thisYear: "last year",
};

function previousPeriod(filter: Condition): { filter: Condition; label: string } | null {
  const items = isGroup(filter) ? ("all" in filter ? filter.all : null) : [filter];
  if (!items) return null;
  const i = items.findIndex((c) => !isGroup(c) && previousOp[c.op] !== undefined);
  if (i < 0) return null;
  const leaf = items[i] as ConditionLeaf;
  const shifted = items.map((c, j) => (j === i ? { ...leaf, op: previousOp[leaf.op] as ConditionLeaf["op"] } : c));
  return { filter: { all: shifted }, label: `vs ${periodNames[leaf.op]}` };
}

async function compute(ctx: Ctx, def: ReportDefinition, compiled: CompiledReport, c: ConditionContext, extra?: Condition): Promise<ReportResult> {
  const raw = await runCompiled(ctx, compiled, def);
  const labels = await labelsOf(ctx, compiled.dimensions, raw);
  const groupCount = raw[0]?.groupCount ?? 0;
  const capped = groupCount > MAX_REPORT_GROUPS && raw.length >= MAX_REPORT_GROUPS;
  let comparison: ReportResult["comparison"] = null;
  if (def.visualization === "number" && def.groupBy.length === 0 && raw.length <= 1) {
    const prev = previousPeriod(def.filter);
    if (prev) {
      const before = compileReport(ctx, { ...def, filter: prev.filter }, c, extra);
      const [row] = await runCompiled(ctx, before, def);
      const previous = row?.values[0] ?? null;
      const now = raw[0]?.values[0] ?? null;
      comparison = {
        previous,
        change: previous !== null && now !== null && previous !== 0 ? ((now - previous) / Math.abs(previous)) * 100 : null,
        label: prev.label,
      };
    }
  }
  return {
    columns: [
      ...compiled.dimensions.map((d, i) => ({
        key: `k${i}`,
        label: d.label,
        kind: d.kind === "currency" ? ("currency" as const) : ("group" as const),
        format: d.bucket ? ("date" as const) : ("text" as const),
      })),
      ...compiled.measures.map((m, i) => ({ key: `v${i}`, label: m.label, kind: "measure" as const, format: m.format })),
    ],
    rows: raw.map((r) => ({ keys: r.keys, labels: r.keys.map((k, i) => (labels[i] as (key: string | null) => string)(k)), values: r.values })),
    groupCount,
    limited: groupCount > raw.length,
    message: capped
      ? `This report has ${groupCount.toLocaleString("en")} groups; it shows the first ${MAX_REPORT_GROUPS.toLocaleString("en")}. Narrow the filter or group by a coarser period.`
      : null,
    comparison,
    asOf: new Date().toISOString(),
    cached: false,
  };
}

/**
 * Runs a report definition for the viewer: only the records they may read count. `extra` is ANDed to the report's
 * own filter (a dashboard's date range or owner). Results are cached until a record of an object the report reads
 * changes (the cache consumer bumps that object's version), the day turns, or the viewer's reach differs.
 */
export async function runReport(ctx: Ctx, def: ReportDefinition, extra?: Condition, now = new Date()): Promise<ReportResult> {
  assertCan(ctx.actor, "read");
  const c = await conditionContext(ctx, now);
  const compiled = compileReport(ctx, def, c, extra);
  const key = JSON.stringify([ctx.workspaceId, def, extra ?? null, visibilityKey(ctx), clockKey(def, extra, c)]);
  const versions = await versionsOf(ctx, compiled.objects);
  const hit = cache.get(key);
  if (hit && hit.versions === versions) {
    cache.delete(key);
    cache.set(key, hit);
    return { ...hit.result, cached: true };
  }
  const result = await compute(ctx, def, compiled, c, extra);
  cache.set(key, { versions, result });
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return result;
}

/** The report cache's consumer of the event stream: every change of a record bumps its object's version. */
export const reportCacheConsumer: Consumer = {
  name: "report-cache",
  batchSize: 1000,
  async handle(tx: Db, events) {
    const counts = new Map<string, { workspaceId: string; object: string; n: number }>();
    for (const e of events) {
      const k = `${e.workspaceId}|${e.object}`;
      const entry = counts.get(k) ?? { workspaceId: e.workspaceId, object: e.object, n: 0 };
      entry.n++;
      counts.set(k, entry);
    }
    for (const { workspaceId, object, n } of counts.values()) {
      await tx
        .insert(reportDataVersions)
        .values({ workspaceId, object, version: n })
        .onConflictDoUpdate({
          target: [reportDataVersions.workspaceId, reportDataVersions.object],
          set: { version: sql`${reportDataVersions.version} + ${n}` },
        });
    }
  },
};

// ---- drill-down ----

/** The condition that picks one group's records: a key per group column, as the run returned it. */
async function keyCondition(ctx: Ctx, def: ReportDefinition, d: Dimension, key: string | null): Promise<Condition> {
  if (d.kind === "currency") return { field: "currency", op: "eq", value: key ?? "" };
  const person = personColumn[def.object].field;
  if (d.kind === "team") {
    const teams = await listTeams(ctx);
    if (key === null) {
      const anyTeam = [...new Set(teams.flatMap((t) => t.memberIds))];
      return anyTeam.length
        ? {
            any: [
              { field: person, op: "empty" },
              { field: person, op: "notIn", value: anyTeam },
            ],
          }
        : { all: [] };
    }
    const members = teams.find((t) => t.id === key)?.memberIds ?? [];
    return members.length ? { field: person, op: "in", value: [...members] } : { any: [] };
  }
  if (key === null) return { field: d.path, op: "empty" };
  if (d.bucket) {
    const start = parseIsoDate(key);
    const last = addToDate(addToDate(start, d.bucket, 1), "day", -1);
    return { field: d.path, op: "between", value: [isoDate(start), isoDate(last)] };
  }
  return { field: d.path, op: "eq", value: d.field?.type === "boolean" ? key === "true" : key };
}

/**
 * The records behind one group (a bar, a slice, a cell): the report's filter, the extra filter and the group's keys
 * as one condition on the object, which its ordinary list takes as `filter` (and exports), with the list's own
 * visibility. Fewer keys than group columns drill into a whole outer group.
 */
export async function drillDown(ctx: Ctx, def: ReportDefinition, keys: (string | null)[], extra?: Condition): Promise<DrillDown> {
  assertCan(ctx.actor, "read");
  const c = await conditionContext(ctx);
  const compiled = compileReport(ctx, def, c, extra);
  if (keys.length > compiled.dimensions.length)
    throw new AppError("validation_failed", `keys: this report has ${compiled.dimensions.length} group columns`, [
      { path: "keys", message: `At most ${compiled.dimensions.length} keys` },
    ]);
  const parts: Condition[] = [];
  for (const [i, key] of keys.entries()) parts.push(await keyCondition(ctx, def, compiled.dimensions[i] as Dimension, key));
  // A single measure counting only some records (won value: sum of amount where won) drills into those records.
  const only = def.measures.length === 1 && def.measures[0]?.fn !== "rate" ? def.measures[0]?.where : undefined;
  const matchesAll = (x: Condition) => isGroup(x) && "all" in x && groupItems(x).length === 0;
  const own = [def.filter, extra, only].filter((x): x is Condition => x !== undefined && !matchesAll(x));
  const filter: Condition = { all: [...own, ...parts] };
  const issues = validateCondition(filter, def.object, c.registry);
  if (issues.length) throw new AppError("validation_failed", issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
  const labels = await labelsOf(
    ctx,
    compiled.dimensions,
    keys.length ? [{ keys: compiled.dimensions.map((_, i) => keys[i] ?? null), values: [], groupCount: 0 }] : [],
  );
  const description = keys.length
    ? keys.map((k, i) => `${compiled.dimensions[i]?.label}: ${(labels[i] as (key: string | null) => string)(k)}`).join(", ")
    : describeCondition(filter, c.registry, def.object);
  return { object: def.object, filter, description };
}

// ---- saved reports ----

type Row = typeof reports.$inferSelect;

function mayEdit(ctx: Ctx, r: Row): boolean {
  // A ready-made report belongs to the workspace's ready-made dashboards: it is copied and adapted, never changed in place.
  if (r.readyMade) return false;
  return ctx.actor.role === "admin" || (r.ownerId !== null && r.ownerId === ctx.actor.userId);
}

function maySee(ctx: Ctx, r: Row): boolean {
  if (mayEdit(ctx, r) || r.visibility === "workspace") return true;
  if (r.visibility === "team" && r.ownerId) return accessOf(ctx.actor).teammateIds.includes(r.ownerId) || ctx.actor.userId === r.ownerId;
  return false;
}

const toReport = (ctx: Ctx, r: Row): Report => ({
  id: r.id,
  name: r.name,
  description: r.description,
  definition: r.definition,
  ownerId: r.ownerId,
  visibility: r.visibility,
  mayEdit: mayEdit(ctx, r),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** Reports the viewer may open: their own, their teammates' shared with the team, the workspace's. */
export async function listReports(ctx: Ctx): Promise<Report[]> {
  assertCan(ctx.actor, "read");
  // Ready-made reports belong to the ready-made dashboards that show them (Duplicate makes editable copies, which
  // are listed): twenty of them would bury the people's own reports and the empty page that teaches reports.
  const rows = await ctx.db
    .select()
    .from(reports)
    .where(and(eq(reports.workspaceId, ctx.workspaceId), isNull(reports.readyMade)))
    .orderBy(asc(reports.name));
  return rows.filter((r) => maySee(ctx, r)).map((r) => toReport(ctx, r));
}

async function readReport(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(reports)
    .where(and(eq(reports.workspaceId, ctx.workspaceId), eq(reports.id, id)));
  // A report shared with no one is not there for others: its name is not theirs to learn.
  if (!row || !maySee(ctx, row)) throw notFound("Report");
  return row;
}

export async function getReport(ctx: Ctx, id: string): Promise<Report> {
  assertCan(ctx.actor, "read");
  return toReport(ctx, await readReport(ctx, id));
}

/** Checks a definition compiles for this workspace (its fields exist, its measures fit) before it is kept. */
async function assertValidDefinition(ctx: Ctx, def: ReportDefinition): Promise<void> {
  const c = await conditionContext(ctx);
  try {
    compileReport(ctx, def, c);
  } catch (err) {
    if (err instanceof AppError && err.errors) {
      const errors = err.errors.map((e) => ({ path: `definition.${e.path}`, message: e.message }));
      throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
    }
    throw err;
  }
}

function requireUser(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "Saved reports belong to a user; sign in, or use an API key of a user, to save one.");
  return ctx.actor.userId;
}

export async function createReport(ctx: Ctx, input: z.output<typeof CreateReport>): Promise<Report> {
  assertCan(ctx.actor, "read");
  if (ctx.actor.kind === "api_key") assertCan(ctx.actor, "write");
  const ownerId = requireUser(ctx);
  await assertValidDefinition(ctx, input.definition);
  const [row] = await ctx.db
    .insert(reports)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      name: input.name,
      description: input.description,
      definition: input.definition,
      visibility: input.visibility,
      ownerId,
    })
    .returning();
  return toReport(ctx, row as Row);
}

export async function updateReport(ctx: Ctx, id: string, input: z.output<typeof UpdateReport>): Promise<Report> {
  const row = await readReport(ctx, id);
  if (!mayEdit(ctx, row))
    throw new AppError(
      "forbidden",
      row.readyMade
        ? "Ready-made reports are not changed in place; save a copy instead."
        : "Only the report's owner or an admin can change it; save a copy instead.",
    );
  if (input.definition) await assertValidDefinition(ctx, input.definition);
  const [updated] = await ctx.db
    .update(reports)
    .set({ ...input, updatedAt: new Date() })
    .where(and(eq(reports.workspaceId, ctx.workspaceId), eq(reports.id, id)))
    .returning();
  return toReport(ctx, updated as Row);
}

export async function deleteReport(ctx: Ctx, id: string): Promise<void> {
  const row = await readReport(ctx, id);
  if (!mayEdit(ctx, row))
    throw new AppError(
      "forbidden",
      row.readyMade ? "Ready-made reports stay for every dashboard that shows them." : "Only the report's owner or an admin can delete it.",
    );
  await ctx.db.delete(reports).where(and(eq(reports.workspaceId, ctx.workspaceId), eq(reports.id, id)));
}

/**
 * The ready-made dashboards' installer: one report per key and workspace, shared with the workspace and owned by no
 * one (so no one edits it in place). Idempotent: a second call, or two at once, keep the first.
 */
export async function installReadyMadeReport(ctx: Ctx, key: string, name: string, description: string, definition: ReportDefinition): Promise<string> {
  await assertValidDefinition(ctx, definition);
  await ctx.db
    .insert(reports)
    .values({ workspaceId: ctx.workspaceId, id: newId(), name, description, definition, visibility: "workspace", ownerId: null, readyMade: key })
    .onConflictDoNothing();
  const [row] = await ctx.db
    .select({ id: reports.id })
    .from(reports)
    .where(and(eq(reports.workspaceId, ctx.workspaceId), eq(reports.readyMade, key)));
  if (!row) throw new Error(`ready-made report ${key} was not installed`);
  return row.id;
}

/** A private copy of a report the viewer may open, owned by them: how a ready-made report is adapted. */
export async function copyReport(ctx: Ctx, id: string, name?: string): Promise<Report> {
  const row = await readReport(ctx, id);
  return createReport(ctx, { name: name ?? row.name, description: row.description, definition: row.definition, visibility: "private" });
}

/** Runs a saved report by id, with a dashboard's extra filter: what a dashboard widget calls. */
export async function runSavedReport(ctx: Ctx, id: string, extra?: Condition, now = new Date()): Promise<ReportResult> {
  const row = await readReport(ctx, id);
  return runReport(ctx, row.definition, extra, now);
}

// ---- export ----

/** The result as a table: group labels, currency, then measures, one row per group. */
export function resultTable(result: ReportResult): { header: string[]; rows: (string | number | null)[][] } {
  const header = result.columns.map((c) => (c.format === "percent" ? `${c.label} (%)` : c.label));
  const rows = result.rows.map((r) => [...r.labels, ...r.values.map((v) => (v === null ? null : Math.round(v * 100) / 100))]);
  return { header, rows };
}
