import { CronExpressionParser } from "cron-parser";
import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import { type Condition, Condition as ConditionSchema, resolveFieldPath } from "../../contract/conditions.js";
import type { Event } from "../../contract/events.js";
import type { RegistryObject } from "../../contract/fields.js";
import type { DefinitionIssue, WorkflowDefinition, WorkflowTrigger } from "../../contract/workflows.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import { partsIn } from "../../core/time-zone.js";
import { type Db, queryRows } from "../../db/client.js";
import { type ConditionContext, conditionContext, evaluate, toSql } from "../conditions/service.js";
import { sourceOf, tableOf } from "../conditions/sources.js";
import type { Consumer } from "../events/service.js";
import { viewCondition } from "../views/service.js";
import type { EngineDeps } from "./engine.js";
import { workflowEnrollments, workflowRuns, workflows, workflowVersions } from "./table.js";

/**
 * Triggers that fire on a state reached with time rather than on an event: a date on the record reached, no
 * activity for N days, a schedule. One pass per published version covers the window (last checked, now]: it asks
 * the database, in one set-based query per batch, for the records whose moment fell in that window (the trigger's
 * filter compiled with the condition language's toSql, indexes bounding the scan to the window), and starts a run
 * for each under a trigger key unique per version and occurrence, so a pass repeated after a crash never runs a
 * record twice. Re-enrollment, import holds and the loop limit are part of the same query.
 */

export const timeTriggerTypes = ["date_reached", "inactivity", "schedule"] as const;
type TimeTrigger = Extract<WorkflowTrigger, { type: (typeof timeTriggerTypes)[number] }>;

/** Records enrolled per transaction: each batch commits its runs and their jobs, so progress shows as runs. */
export const TIME_TRIGGER_BATCH = 500;
const DAY = 86_400_000;
const durationMinutes = (d: { amount: number; unit: string }) => d.amount * (d.unit === "minutes" ? 1 : d.unit === "hours" ? 60 : 1440);

export interface VersionKey {
  workspaceId: string;
  versionId: string;
}

/** The published versions of active workflows, in every workspace, whose trigger is a time trigger. */
export async function liveTimeTriggerVersions(db: Db): Promise<VersionKey[]> {
  return db
    .select({ workspaceId: workflowVersions.workspaceId, versionId: workflowVersions.id })
    .from(workflowVersions)
    .innerJoin(workflows, and(eq(workflows.workspaceId, workflowVersions.workspaceId), eq(workflows.id, workflowVersions.workflowId)))
    .where(and(eq(workflowVersions.state, "published"), eq(workflows.status, "active"), inArray(workflowVersions.triggerType, [...timeTriggerTypes])));
}

/** One candidate: the record, what identifies this occurrence (part of the trigger key), and what the run is told. */
interface Candidate {
  record_id: string;
  occurrence: string;
  label: string | null;
  data: Record<string, unknown>;
}

/** What a trigger's query needs besides the trigger: where, when and how it compiles conditions. */
interface Pass {
  ctx: Ctx;
  conditions: ConditionContext;
  workflowId: string;
  from: Date;
  to: Date;
  enrollImports: boolean;
  reenroll: WorkflowTrigger["reenroll"];
  maxPerDay: number;
}

/** A workflow condition in the condition language (the builder stores it so); an empty one holds for every record. */
function parseCondition(raw: unknown, path: string): Condition | null {
  if (!raw || (typeof raw === "object" && Object.keys(raw).length === 0)) return null;
  const parsed = ConditionSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${path}: not a condition (${parsed.error.issues[0]?.message ?? "invalid"})`);
  return parsed.data;
}

type Table = (typeof tableOf)[RegistryObject];

const labelSql = (object: RegistryObject, c: Table): SQL => {
  switch (object) {
    case "contact":
      return sql`nullif(trim(${c.firstName} || ' ' || ${c.lastName}), '')`;
    case "task":
      return sql`${c.title}`;
    case "activity":
    case "ticket":
      return sql`${c.subject}`;
    default:
      return sql`${c.name}`;
  }
};

/**
 * The enrollment rules as a predicate on a candidate record `r` (and, for inactivity, its quiet-since time):
 * re-enrollment never / after leaving (the record left the trigger's condition since its last run; for inactivity,
 * new activity after that run) / always; records an import last wrote held back unless the trigger enrolls imports;
 * the loop limit of runs per record per day.
 */
function enrollmentSql(p: Pass, recordId: SQL, quietSince?: SQL): SQL {
  const e = sql`en`;
  const left =
    p.reenroll === "always"
      ? sql`true`
      : p.reenroll === "never"
        ? sql`${e}.runs = 0`
        : quietSince
          ? sql`(${e}.runs = 0 or not ${e}.matching or ${quietSince} > ${e}.last_enrolled_at)`
          : sql`(${e}.runs = 0 or not ${e}.matching)`;
  const imports = p.enrollImports ? sql`true` : sql`not ${e}.held_by_import`;
  const dayAgo = new Date(p.to.getTime() - DAY).toISOString();
  return sql`not exists (select 1 from workflow_enrollments ${e} where ${e}.workspace_id = ${p.ctx.workspaceId} and ${e}.workflow_id = ${p.workflowId}
      and ${e}.record_id = ${recordId} and not (${left} and ${imports}))
    and (select count(*) from workflow_runs lr where lr.workspace_id = ${p.ctx.workspaceId} and lr.workflow_id = ${p.workflowId}
      and lr.record_id = ${recordId} and lr.created_at > ${dayAgo}::timestamptz) < ${p.maxPerDay}`;
}

const live = (t: Table) => ("deletedAt" in t ? sql` and ${t.deletedAt} is null` : sql``);

/** Minutes since local midnight of an instant in a zone, with the seconds as a fraction. */
function minuteOfDay(at: Date, timeZone: string): number {
  const p = partsIn(at, timeZone);
  return (p.hour ?? 0) * 60 + (p.minute ?? 0) + (p.second ?? 0) / 60 + at.getUTCMilliseconds() / 60_000;
}

/**
 * Whether a date-only trigger can fire in (from, to]: its moments all fall at one wall-clock time of day (the time
 * of day moved by a minute or hour offset), so most passes need no query at all and a custom date, which no index
 * serves, is looked up once a day rather than every minute. Around a daylight-saving change the window counts as due.
 */
export function dateOnlyDue(
  trigger: { timeOfDay: string; offset: { amount: number; unit: string }; direction: string },
  timeZone: string,
  from: Date,
  to: Date,
) {
  if (to.getTime() - from.getTime() >= DAY - 2 * 3_600_000) return true;
  const [h, m] = trigger.timeOfDay.split(":").map(Number) as [number, number];
  const shift = trigger.offset.unit === "days" ? 0 : (trigger.direction === "before" ? -1 : 1) * durationMinutes(trigger.offset);
  const target = ((((h * 60 + m + shift) % 1440) + 1440) % 1440) as number;
  const a = minuteOfDay(from, timeZone);
  const b = minuteOfDay(to, timeZone);
  const span = (to.getTime() - from.getTime()) / 60_000;
  // The wall clock moved by more or less than the elapsed time: a daylight-saving change inside the window.
  if (Math.abs(((((b - a) % 1440) + 1440) % 1440) - (span % 1440)) > 1) return true;
  return a <= b ? target > a && target <= b : target > a || target <= b;
}

/**
 * Date reached: the moment is the field's value (a date: that day at the trigger's time of day in the workspace's
 * time zone) moved by the offset; days move by calendar days in that zone, minutes and hours by elapsed time. The
 * occurrence is the field's value, so a record fires once per value and again when the date is moved.
 */
function dateReachedQuery(trigger: Extract<TimeTrigger, { type: "date_reached" }>, p: Pass, filter: SQL, after: string | null): SQL {
  const object = trigger.object as RegistryObject;
  const t = tableOf[object];
  const resolved = resolveFieldPath(p.conditions.registry, object, trigger.field);
  if (typeof resolved === "string" || resolved.relation)
    throw new Error(`trigger.field: ${typeof resolved === "string" ? resolved : "a related record's date"}`);
  const source = sourceOf(object, resolved.field);
  if (!source || !["datetime", "date", "datetext"].includes(source.kind)) throw new Error(`trigger.field: ${resolved.field.label} is not a date`);
  const e = sql`${source.sql(t)}`;
  const tz = p.conditions.timeZone;
  const sign = trigger.direction === "before" ? -1 : 1;
  const minutes = sign * durationMinutes(trigger.offset);
  const byDays = trigger.offset.unit === "days";
  const days = sign * trigger.offset.amount;
  // The field's value is about `minutes` before (after) the moment: bound the scan to the window so moved (with two
  // days' slack for the time zone, the time of day and a daylight-saving hour), then compute the moment exactly.
  const lo = new Date(p.from.getTime() - minutes * 60_000 - 2 * DAY);
  const hi = new Date(p.to.getTime() - minutes * 60_000 + 2 * DAY);
  let moment: SQL;
  let range: SQL;
  // The occurrence: the value as text, a date-time in UTC whatever the session's zone.
  const value = source.kind === "datetime" ? sql`to_char(${e} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : sql`${e}::text`;
  if (source.kind === "datetime") {
    moment = byDays
      ? sql`((${e} at time zone ${tz}) + make_interval(days => ${days}::int)) at time zone ${tz}`
      : sql`${e} + make_interval(mins => ${minutes}::int)`;
    range = sql`${e} > ${lo.toISOString()}::timestamptz and ${e} <= ${hi.toISOString()}::timestamptz`;
  } else {
    const day = source.kind === "date" ? e : sql`(case when ${e} ~ '^\\d{4}-\\d{2}-\\d{2}$' then ${e}::date end)`;
    const local = sql`(${day} + ${trigger.timeOfDay}::time)`;
    moment = byDays
      ? sql`(${local} + make_interval(days => ${days}::int)) at time zone ${tz}`
      : sql`(${local} at time zone ${tz}) + make_interval(mins => ${minutes}::int)`;
    const loDay = lo.toISOString().slice(0, 10);
    const hiDay = hi.toISOString().slice(0, 10);
    // A custom date is text in the jsonb values: ISO dates compare as text, in the same order as the days.
    range = source.kind === "date" ? sql`${e} >= ${loDay}::date and ${e} <= ${hiDay}::date` : sql`${e} >= ${loDay} and ${e} <= ${hiDay} and ${e} <> ''`;
  }
  return sql`select id as record_id, value as occurrence, label,
      jsonb_build_object('field', ${trigger.field}::text, 'value', value, 'reachedAt', moment) as data
    from (select ${t.id} as id, ${value} as value, ${labelSql(object, t)} as label, ${moment} as moment
      from ${t} where ${t.workspaceId} = ${p.ctx.workspaceId}${live(t)} and ${range} and ${filter}
        ${after ? sql`and ${t.id} > ${after}::uuid` : sql``}) c
    where moment > ${p.from.toISOString()}::timestamptz and moment <= ${p.to.toISOString()}::timestamptz
      and ${enrollmentSql(p, sql`c.id`)}
    order by id limit ${TIME_TRIGGER_BATCH}`;
}

/**
 * Inactivity: the record has been quiet since its last activity (or stage change, or change) for N days, that is
 * its quiet-since time fell in the window moved back N days. For activities that is read from the activities of
 * that window (by index) and the records created in it, each checked for no later activity. The occurrence is the
 * quiet-since time: one run per quiet stretch; new activity starts another.
 */
function inactivityQuery(trigger: Extract<TimeTrigger, { type: "inactivity" }>, p: Pass, filter: SQL, after: string | null): SQL {
  const object = trigger.object as RegistryObject;
  const t = tableOf[object];
  const lo = new Date(p.from.getTime() - trigger.days * DAY).toISOString();
  const hi = new Date(p.to.getTime() - trigger.days * DAY).toISOString();
  const inWindow = (x: SQL) => sql`${x} > ${lo}::timestamptz and ${x} <= ${hi}::timestamptz`;
  let quiet: SQL;
  let candidates: SQL;
  if (trigger.measure === "activity") {
    const a = tableOf.activity;
    const link = object === "contact" ? a.contactId : object === "company" ? a.companyId : a.dealId;
    const last = sql`(select max(${a.occurredAt}) from ${tableOf.activity} where ${a.workspaceId} = ${t.workspaceId} and ${link} = ${t.id} and ${a.deletedAt} is null)`;
    // greatest() skips the null of a record with no activity: quiet since it was created.
    quiet = sql`greatest(${t.createdAt}, ${last})`;
    candidates = sql`(${inWindow(sql`${t.createdAt}`)} or ${t.id} in (select ${link} from ${tableOf.activity}
      where ${a.workspaceId} = ${p.ctx.workspaceId} and ${inWindow(sql`${a.occurredAt}`)} and ${link} is not null and ${a.deletedAt} is null))`;
  } else {
    quiet = trigger.measure === "stage_change" ? sql`${t.stageEnteredAt}` : sql`${t.updatedAt}`;
    candidates = inWindow(quiet);
  }
  return sql`select id as record_id, to_char(quiet at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as occurrence, label,
      jsonb_build_object('quietSince', quiet, 'days', ${trigger.days}::int, 'measure', ${trigger.measure}::text) as data
    from (select ${t.id} as id, ${quiet} as quiet, ${labelSql(object, t)} as label
      from ${t} where ${t.workspaceId} = ${p.ctx.workspaceId}${live(t)} and ${candidates} and ${filter}
        ${after ? sql`and ${t.id} > ${after}::uuid` : sql``}) c
    where ${inWindow(sql`quiet`)} and ${enrollmentSql(p, sql`c.id`, sql`c.quiet`)}
    order by id limit ${TIME_TRIGGER_BATCH}`;
}

/** Schedule: every record matching the view (or the filter) at the fire time, in id order, batch by batch. */
function scheduleQuery(trigger: Extract<TimeTrigger, { type: "schedule" }>, p: Pass, filter: SQL, firedAt: Date, after: string | null): SQL {
  const object = trigger.object as RegistryObject;
  const t = tableOf[object];
  return sql`select ${t.id} as record_id, ${firedAt.toISOString()}::text as occurrence, ${labelSql(object, t)} as label,
      jsonb_build_object('firedAt', ${firedAt.toISOString()}::text, 'cron', ${trigger.cron}::text) as data
    from ${t} where ${t.workspaceId} = ${p.ctx.workspaceId}${live(t)} and ${filter}
      ${after ? sql`and ${t.id} > ${after}::uuid` : sql``} and ${enrollmentSql(p, sql`${t.id}`)}
    order by ${t.id} limit ${TIME_TRIGGER_BATCH}`;
}

/** Whether a date-reached trigger reads a date-time (fires at any minute) rather than a date (at one time of day). */
async function dateFieldIsDateTime(conditions: ConditionContext, trigger: Extract<TimeTrigger, { type: "date_reached" }>): Promise<boolean> {
  const r = resolveFieldPath(conditions.registry, trigger.object as RegistryObject, trigger.field);
  if (typeof r === "string" || r.relation) return true;
  return sourceOf(trigger.object as RegistryObject, r.field)?.kind === "datetime";
}

/** The latest fire time of a cron expression in (from, to] in a time zone, or null when it does not fire then. */
export function lastFireTime(cron: string, timeZone: string, from: Date, to: Date): Date | null {
  const expr = CronExpressionParser.parse(cron, { currentDate: from, endDate: to, tz: timeZone });
  let last: Date | null = null;
  // Bounded: a pass covers minutes normally; after a long outage only the latest missed time fires.
  for (let i = 0; i < 100_000 && expr.hasNext(); i++) {
    const next = expr.next().toDate();
    if (next > to) break;
    if (next > from) last = next;
  }
  return last;
}

/** Why a cron expression or time zone cannot be used, or null. */
export function cronProblem(cron: string, timeZone: string | null): string | null {
  try {
    if (timeZone) new Intl.DateTimeFormat("en", { timeZone }).format(0);
  } catch {
    return `Unknown time zone "${timeZone}"`;
  }
  try {
    CronExpressionParser.parse(cron, { tz: timeZone ?? "UTC" });
    if (cron.trim().split(/\s+/).length !== 5) return "Use five fields: minute hour day-of-month month day-of-week";
    return null;
  } catch (err) {
    return `Not a cron expression: ${(err as Error).message}`;
  }
}

/**
 * One pass of one version's time trigger over (last checked, now]: batches of runs, each committed with its jobs,
 * then the version's checked-through moment moved to now. Returns how many runs started.
 */
export async function checkTimeTrigger(db: Db, deps: EngineDeps, key: VersionKey): Promise<{ started: number }> {
  const [row] = await db
    .select({ version: workflowVersions, name: workflows.name, status: workflows.status })
    .from(workflowVersions)
    .innerJoin(workflows, and(eq(workflows.workspaceId, workflowVersions.workspaceId), eq(workflows.id, workflowVersions.workflowId)))
    .where(and(eq(workflowVersions.workspaceId, key.workspaceId), eq(workflowVersions.id, key.versionId)));
  if (row?.version.state !== "published" || row.status !== "active") return { started: 0 };
  const version = row.version;
  const def = version.definition as WorkflowDefinition;
  const trigger = def.trigger;
  if (!(timeTriggerTypes as readonly string[]).includes(trigger.type)) return { started: 0 };
  const to = deps.now();
  const from = version.triggerCheckedAt ?? version.publishedAt ?? to;
  if (from >= to) return { started: 0 };
  const ctx: Ctx = { db, workspaceId: key.workspaceId, actor: systemActor };
  const conditions = await conditionContext(ctx, to);
  const pass: Pass = {
    ctx,
    conditions,
    workflowId: version.workflowId,
    from,
    to,
    enrollImports: trigger.enrollImports,
    reenroll: trigger.reenroll,
    maxPerDay: def.settings.maxRunsPerRecordPerDay,
  };
  const object = trigger.object as RegistryObject;
  const parts: Condition[] = [];
  const filter = parseCondition(trigger.filter, "trigger.filter");
  if (filter) parts.push(filter);
  let query: (after: string | null) => SQL | null = () => null;
  if (trigger.type === "schedule") {
    let viewGone = false;
    if (trigger.viewId) {
      const view = await viewCondition(ctx, trigger.viewId);
      // A deleted view: nothing to run over (validation names it when the workflow is next saved).
      if (!view || view.object !== object) viewGone = true;
      else parts.push(view.condition);
    }
    const firedAt = lastFireTime(trigger.cron, trigger.timeZone ?? conditions.timeZone, from, to);
    const where = toSql({ all: parts }, object, conditions);
    if (firedAt && !viewGone) query = (after) => scheduleQuery(trigger, pass, where, firedAt, after);
  } else if (trigger.type === "date_reached" && !(await dateFieldIsDateTime(conditions, trigger)) && !dateOnlyDue(trigger, conditions.timeZone, from, to)) {
    query = () => null;
  } else {
    const where = toSql({ all: parts }, object, conditions);
    query = (after) =>
      trigger.type === "date_reached" ? dateReachedQuery(trigger, pass, where, after) : inactivityQuery(trigger as never, pass, where, after);
  }

  let started = 0;
  let after: string | null = null;
  for (;;) {
    const q = query(after);
    if (!q) break;
    const batch: Candidate[] = await queryRows<Candidate>(db, q);
    if (batch.length === 0) break;
    started += await db.transaction(async (tx) => enroll(tx, deps, key.workspaceId, { id: version.workflowId, name: row.name }, version, batch, to));
    after = (batch[batch.length - 1] as Candidate).record_id;
    if (batch.length < TIME_TRIGGER_BATCH) break;
  }
  await db
    .update(workflowVersions)
    .set({ triggerCheckedAt: to })
    .where(and(eq(workflowVersions.workspaceId, key.workspaceId), eq(workflowVersions.id, key.versionId)));
  return { started };
}

/** Starts a run per candidate (none twice for one trigger key), records the enrollments and enqueues the runs. */
async function enroll(
  tx: Db,
  deps: EngineDeps,
  workspaceId: string,
  workflow: { id: string; name: string },
  version: typeof workflowVersions.$inferSelect,
  batch: Candidate[],
  now: Date,
): Promise<number> {
  const def = version.definition as WorkflowDefinition;
  const object = def.trigger.object as string;
  const inserted = await tx
    .insert(workflowRuns)
    .values(
      batch.map((c) => ({
        workspaceId,
        id: newId(),
        workflowId: workflow.id,
        versionId: version.id,
        version: version.version,
        state: "running" as const,
        object,
        recordId: c.record_id,
        recordLabel: c.label?.trim() ? c.label : `${object} ${c.record_id.slice(0, 8)}`,
        triggerType: def.trigger.type,
        triggerKey: `${def.trigger.type}:${c.record_id}:${c.occurrence}`,
        triggerEventId: null,
        triggerData: c.data,
        currentStepId: def.start,
        createdAt: now,
        updatedAt: now,
      })),
    )
    .onConflictDoNothing()
    .returning({ id: workflowRuns.id, recordId: workflowRuns.recordId });
  if (inserted.length === 0) return 0;
  await tx
    .insert(workflowEnrollments)
    .values(inserted.map((r) => ({ workspaceId, workflowId: workflow.id, recordId: r.recordId as string, runs: 1, matching: true, lastEnrolledAt: now })))
    .onConflictDoUpdate({
      target: [workflowEnrollments.workspaceId, workflowEnrollments.workflowId, workflowEnrollments.recordId],
      set: { runs: sql`${workflowEnrollments.runs} + 1`, matching: true, lastEnrolledAt: now, updatedAt: now },
    });
  for (const r of inserted) await deps.enqueue(tx, { workspaceId, runId: r.id });
  return inserted.length;
}

// ------------------------------------------------------------------------------------------------------------
// What events tell the time triggers: a record left the trigger's condition, or an import last wrote it.

const recordObjects = new Set(["contact", "company", "deal", "task", "activity"]);

/**
 * Keeps the enrollments of time-triggered workflows current from the event stream: a record that no longer matches
 * the trigger's filter (or the schedule's view), or whose trigger date was moved, has left the condition (for
 * re-enrollment "after leaving"); a record an import created or changed is held back from triggers that do not
 * enroll imports until someone changes it outside an import.
 */
export function timeTriggerConsumer(): Consumer {
  return {
    name: "workflows.time",
    batchSize: 500,
    async handle(tx, events) {
      const byWorkspace = new Map<string, Event[]>();
      for (const e of events)
        if (recordObjects.has(e.object) && !e.type.endsWith(".deleted")) byWorkspace.set(e.workspaceId, [...(byWorkspace.get(e.workspaceId) ?? []), e]);
      for (const [workspaceId, list] of byWorkspace) {
        const versions = await tx
          .select({ workflowId: workflowVersions.workflowId, definition: workflowVersions.definition })
          .from(workflowVersions)
          .innerJoin(workflows, and(eq(workflows.workspaceId, workflowVersions.workspaceId), eq(workflows.id, workflowVersions.workflowId)))
          .where(
            and(
              eq(workflowVersions.workspaceId, workspaceId),
              eq(workflowVersions.state, "published"),
              eq(workflows.status, "active"),
              inArray(workflowVersions.triggerType, [...timeTriggerTypes]),
            ),
          );
        if (versions.length === 0) continue;
        const ctx: Ctx = { db: tx, workspaceId, actor: systemActor };
        const conditions = await conditionContext(ctx);
        for (const v of versions) {
          const trigger = (v.definition as WorkflowDefinition).trigger as TimeTrigger;
          const mine = list.filter((e) => e.object === trigger.object && e.type.startsWith(`${trigger.object}.`));
          if (mine.length === 0) continue;
          const held = new Set<string>();
          const released = new Set<string>();
          const left = new Set<string>();
          let condition: Condition | null = null;
          try {
            const parts: Condition[] = [];
            const filter = parseCondition(trigger.filter, "trigger.filter");
            if (filter) parts.push(filter);
            if (trigger.type === "schedule" && trigger.viewId) {
              const view = await viewCondition(ctx, trigger.viewId);
              if (view) parts.push(view.condition);
            }
            condition = parts.length ? { all: parts } : null;
          } catch {
            condition = null;
          }
          for (const e of mine) {
            if (e.source === "import") held.add(e.recordId);
            else {
              released.add(e.recordId);
              held.delete(e.recordId);
            }
            if (trigger.reenroll !== "after_leaving") continue;
            if (trigger.type === "date_reached" && e.data.changes.some((c) => c.field === trigger.field)) left.add(e.recordId);
            const record = e.data.record;
            if (condition && record) {
              let holds = true;
              try {
                holds = evaluate(condition, record, { ...conditions, object: trigger.object as RegistryObject });
              } catch {
                holds = true;
              }
              if (!holds) left.add(e.recordId);
            }
          }
          const now = new Date();
          if (!trigger.enrollImports && held.size)
            await tx
              .insert(workflowEnrollments)
              .values([...held].map((recordId) => ({ workspaceId, workflowId: v.workflowId, recordId, runs: 0, matching: true, heldByImport: true })))
              .onConflictDoUpdate({
                target: [workflowEnrollments.workspaceId, workflowEnrollments.workflowId, workflowEnrollments.recordId],
                set: { heldByImport: true, updatedAt: now },
              });
          const release = [...released].filter((id) => !held.has(id));
          if (release.length)
            await tx
              .update(workflowEnrollments)
              .set({ heldByImport: false, updatedAt: now })
              .where(
                and(
                  eq(workflowEnrollments.workspaceId, workspaceId),
                  eq(workflowEnrollments.workflowId, v.workflowId),
                  inArray(workflowEnrollments.recordId, release),
                  eq(workflowEnrollments.heldByImport, true),
                ),
              );
          if (left.size)
            await tx
              .update(workflowEnrollments)
              .set({ matching: false, updatedAt: now })
              .where(
                and(
                  eq(workflowEnrollments.workspaceId, workspaceId),
                  eq(workflowEnrollments.workflowId, v.workflowId),
                  inArray(workflowEnrollments.recordId, [...left]),
                ),
              );
        }
      }
    },
  };
}

// ------------------------------------------------------------------------------------------------------------
// Checks on saving a draft

/** What is wrong with a time trigger that its schema cannot tell: the date field, the measure, the cron, the view. */
export async function timeTriggerIssues(ctx: Ctx, trigger: WorkflowTrigger): Promise<DefinitionIssue[]> {
  if (!(timeTriggerTypes as readonly string[]).includes(trigger.type)) return [];
  const t = trigger as TimeTrigger;
  const object = t.object as RegistryObject;
  const issues: DefinitionIssue[] = [];
  const at = (path: string, message: string) => issues.push({ path: `trigger.${path}`, stepId: null, message });
  const conditions = await conditionContext({ ...ctx, actor: { ...ctx.actor, role: "admin" } });
  if (t.type === "date_reached") {
    const r = resolveFieldPath(conditions.registry, object, t.field);
    const source = typeof r === "string" || r.relation ? undefined : sourceOf(object, r.field);
    if (typeof r !== "string" && !r.relation && (!source || !["datetime", "date", "datetext"].includes(source.kind)))
      at("field", `${r.field.label} is not a date: choose a date or date-time field`);
    else if (typeof r !== "string" && r.relation) at("field", "Choose a date of the record itself, not of a related record");
  }
  if (t.type === "inactivity" && t.measure === "stage_change" && t.object !== "deal") at("measure", "Only deals have stages: measure activity or updates");
  if (t.type === "schedule") {
    const problem = cronProblem(t.cron, t.timeZone);
    if (problem) at(problem.startsWith("Unknown time zone") ? "timeZone" : "cron", problem);
    if (t.viewId) {
      const view = await viewCondition(ctx, t.viewId);
      if (!view) at("viewId", "This saved view no longer exists");
      else if (view.object !== t.object) at("viewId", `The view lists ${view.object === "company" ? "companies" : "contacts"}, not ${t.object} records`);
    }
  }
  try {
    const filter = parseCondition(t.filter, "trigger.filter");
    if (filter) toSql(filter, object, conditions);
  } catch (err) {
    at("filter", `This trigger looks records up in the database: ${(err as Error).message}`);
  }
  return issues;
}
