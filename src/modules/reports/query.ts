import { type SQL, sql } from "drizzle-orm";
import { type Condition, type ConditionLeaf, isGroup, leavesOf, resolveFieldPath, validateCondition } from "../../contract/conditions.js";
import { type FieldDef, type FieldRegistry, findField, type RegistryObject, registryObjects } from "../../contract/fields.js";
import {
  type DateBucket,
  type GroupBy,
  MAX_REPORT_GROUPS,
  type Measure,
  measureFnLabels,
  measureNeedsField,
  OWNER_TEAM,
  type ReportDefinition,
} from "../../contract/reports.js";
import type { AccessObject } from "../../contract/roles.js";
import { hiddenFields } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError } from "../../core/errors.js";
import { jsonRows } from "../../db/client.js";
import { visibleWhere } from "../../db/visibility.js";
import type { ConditionContext } from "../conditions/service.js";
import { toSql } from "../conditions/service.js";
import { type FieldSource, relationJoin, sourceOf, tableOf } from "../conditions/sources.js";
import { ticketVisibleWhere } from "../tickets/access.js";
import { teamMembershipTable } from "../users/report-fields.js";

/**
 * A report definition compiled to one set-based query: the object's table (and the related records it groups by)
 * filtered by the viewer's visibility and the report's condition, grouped in SQL, measured with SQL aggregates.
 * Nothing is aggregated in Node: what leaves the database is one row per group, at most MAX_REPORT_GROUPS + 1.
 */

/** Whose records they are, for visibility and the owner's team: the person column of each object. */
export const personColumn: Readonly<Record<RegistryObject, { column: string; field: string; access: AccessObject }>> = {
  contact: { column: "ownerId", field: "ownerId", access: "contact" },
  company: { column: "ownerId", field: "ownerId", access: "company" },
  deal: { column: "ownerId", field: "ownerId", access: "deal" },
  task: { column: "assigneeId", field: "assigneeId", access: "task" },
  activity: { column: "authorId", field: "authorId", access: "activity" },
  ticket: { column: "assigneeId", field: "assigneeId", access: "ticket" },
};

const numericTypes = new Set(["number", "money"]);
const dateTypes = new Set(["date", "datetime"]);

/** One group column of a report: its SQL, what joins it needs, and how its values read. */
export interface Dimension {
  kind: "field" | "team" | "currency";
  path: string;
  label: string;
  expr: SQL;
  join?: SQL;
  field?: FieldDef;
  bucket?: DateBucket;
  /** The object whose record the value names (a company's id…), for labels. */
  relationObject?: RegistryObject;
}

export interface CompiledMeasure {
  measure: Measure;
  label: string;
  field?: FieldDef;
  /** The aggregate over the grouped rows. */
  agg: SQL;
  /** For percent of total: the same aggregate over every record the report covers. */
  total?: SQL;
  format: "number" | "money" | "percent";
}

export interface CompiledReport {
  object: RegistryObject;
  dimensions: Dimension[];
  measures: CompiledMeasure[];
  where: SQL;
  table: ReturnType<typeof tableFor>;
  /** Objects whose records the result depends on (the cache's versions). */
  objects: RegistryObject[];
}

const tableFor = (object: RegistryObject) => tableOf[object];

function refuse(errors: FieldError[]): never {
  throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

/** A date expression truncated to a bucket in the workspace's time zone, as a date (the bucket's first day). */
function bucketSql(e: SQL, kind: FieldSource["kind"], bucket: DateBucket, tz: string): SQL {
  const unit = sql.raw(`'${bucket}'`);
  if (kind === "datetime") return sql`(date_trunc(${unit}, (${e}) at time zone ${tz}::text))::date`;
  if (kind === "datetext") return sql`(date_trunc(${unit}, nullif(${e}, '')::timestamp))::date`;
  return sql`(date_trunc(${unit}, (${e})::timestamp))::date`;
}

/** The viewer's visibility on the object, exactly as its list applies it. */
export function visibilityOf(ctx: Ctx, object: RegistryObject, t: ReturnType<typeof tableFor>): SQL | undefined {
  const p = personColumn[object];
  if (object === "ticket") return ticketVisibleWhere(ctx, "read", { assignee: t.assigneeId, queue: t.queueId });
  return visibleWhere(ctx, p.access, "read", t[p.column], t.id);
}

function dimensionOf(
  g: GroupBy,
  i: number,
  object: RegistryObject,
  c: ConditionContext,
  t: ReturnType<typeof tableFor>,
  errors: FieldError[],
): Dimension | null {
  const path = `groupBy.${i}.field`;
  if (g.field === OWNER_TEAM) {
    if (g.bucket) errors.push({ path: `groupBy.${i}.bucket`, message: "Only dates are bucketed" });
    const m = sql.identifier(`rt_${i}`);
    const person = personColumn[object];
    return {
      kind: "team",
      path: g.field,
      label: object === "task" || object === "ticket" ? "Assignee's team" : object === "activity" ? "Author's team" : "Owner's team",
      expr: sql`${m}.team_id`,
      join: sql`left join ${teamMembershipTable} ${m} on ${m}.workspace_id = ${t.workspaceId} and ${m}.user_id = ${t[person.column]}`,
    };
  }
  const r = resolveFieldPath(c.registry, object, g.field);
  if (typeof r === "string") {
    errors.push({ path, message: r });
    return null;
  }
  const source = sourceOf(r.object, r.field);
  if (!source) {
    errors.push({ path, message: `${r.field.label} cannot be grouped by` });
    return null;
  }
  if (r.relation?.many) {
    errors.push({
      path,
      message: `A ${object} has many ${r.relation.label.toLowerCase()}: it cannot be grouped by their ${r.field.label.toLowerCase()}. Report on ${r.relation.label.toLowerCase()} instead`,
    });
    return null;
  }
  if (source.kind === "array" || source.kind === "jsonarray") {
    errors.push({ path, message: `${r.field.label} holds several values: a record cannot be counted in one group by it` });
    return null;
  }
  const isDate = dateTypes.has(r.field.type);
  if (g.bucket && !isDate) errors.push({ path: `groupBy.${i}.bucket`, message: `${r.field.label} is not a date: only dates are bucketed` });
  let base: SQL;
  let join: SQL | undefined;
  if (r.relation) {
    const rel = relationJoin(object, r.relation.name, t);
    if (!rel) {
      errors.push({ path, message: `${r.relation.label} cannot be grouped by` });
      return null;
    }
    base = sql`${source.sql(rel.table)}`;
    join = sql`left join ${rel.from} on ${rel.link}`;
  } else base = sql`${source.sql(t)}`;
  const bucket = isDate ? (g.bucket ?? "day") : undefined;
  const label = r.relation ? `${r.relation.label} ${r.field.label.toLowerCase()}` : r.field.label;
  return {
    kind: "field",
    path: g.field,
    label: bucket ? `${label} (${bucket})` : label,
    expr: bucket ? bucketSql(base, source.kind, bucket, c.timeZone) : base,
    join,
    field: r.field,
    bucket,
    relationObject:
      r.field.type === "relation" &&
      r.field.relation &&
      r.field.relation !== "user" &&
      r.field.relation !== "team" &&
      r.field.relation !== "pipeline" &&
      r.field.relation !== "stage"
        ? r.field.relation
        : undefined,
  };
}

function measureOf(
  m: Measure,
  i: number,
  object: RegistryObject,
  c: ConditionContext,
  t: ReturnType<typeof tableFor>,
  errors: FieldError[],
): CompiledMeasure | null {
  const need = measureNeedsField[m.fn];
  const fnLabel = measureFnLabels[m.fn];
  if (need === "yes" && !m.field) {
    errors.push({ path: `measures.${i}.field`, message: `${fnLabel} needs a field` });
    return null;
  }
  if (need === "no" && m.field) {
    errors.push({ path: `measures.${i}.field`, message: `${fnLabel} takes no field` });
    return null;
  }
  if (m.fn === "rate" && !m.where) {
    errors.push({ path: `measures.${i}.where`, message: "A rate needs the condition records meet (e.g. status is won)" });
    return null;
  }
  if (m.where) {
    const issues = validateCondition(m.where, object, c.registry, {}, `measures.${i}.where`);
    if (issues.length) {
      errors.push(...issues);
      return null;
    }
  }
  let e: SQL | undefined;
  let field: FieldDef | undefined;
  if (m.field) {
    const r = resolveFieldPath(c.registry, object, m.field);
    if (typeof r === "string") {
      errors.push({ path: `measures.${i}.field`, message: r });
      return null;
    }
    if (r.relation) {
      errors.push({
        path: `measures.${i}.field`,
        message: `Measure a ${r.relation.label.toLowerCase()}'s field in a report on ${r.relation.label.toLowerCase()}`,
      });
      return null;
    }
    const source = sourceOf(object, r.field);
    if (!source || source.kind === "array" || source.kind === "jsonarray") {
      errors.push({ path: `measures.${i}.field`, message: `${r.field.label} cannot be measured` });
      return null;
    }
    if (m.fn !== "countDistinct" && !numericTypes.has(r.field.type)) {
      errors.push({ path: `measures.${i}.field`, message: `${r.field.label} is not a number: ${fnLabel.toLowerCase()} needs a number or an amount` });
      return null;
    }
    field = r.field;
    e = sql`${source.sql(t)}`;
  }
  const filter = m.where ? sql` filter (where ${toSql(m.where, object, c, t)})` : sql``;
  const sumOrCount = e ? sql`sum(${e})${filter}` : sql`count(*)${filter}`;
  let agg: SQL;
  switch (m.fn) {
    case "count":
      agg = sql`count(*)${filter}`;
      break;
    case "countDistinct":
      agg = sql`count(distinct ${e})${filter}`;
      break;
    case "sum":
      agg = sql`sum(${e})${filter}`;
      break;
    case "avg":
      agg = sql`avg(${e})${filter}`;
      break;
    case "min":
      agg = sql`min(${e})${filter}`;
      break;
    case "max":
      agg = sql`max(${e})${filter}`;
      break;
    case "median":
      agg = sql`percentile_cont(0.5) within group (order by ${e})${filter}`;
      break;
    case "percentOfTotal":
      agg = sumOrCount;
      break;
    case "rate":
      agg = sql`100.0 * avg(case when ${toSql(m.where as Condition, object, c, t)} then 1 else 0 end)`;
      break;
  }
  const money = field?.type === "money" && ["sum", "avg", "min", "max", "median"].includes(m.fn);
  const ofWhat = field ? ` of ${field.label.toLowerCase()}` : "";
  return {
    measure: m,
    label: m.label ?? (m.fn === "count" ? "Count" : m.fn === "rate" ? "Rate" : `${fnLabel}${ofWhat}`),
    field,
    agg,
    total: m.fn === "percentOfTotal" ? sumOrCount : undefined,
    format: m.fn === "percentOfTotal" || m.fn === "rate" ? "percent" : money ? "money" : "number",
  };
}

/**
 * The registry as the viewer's role sees it: custom fields it hides are not there to filter, group or measure by
 * (a report grouped by a hidden field would show its values), so naming one is refused like an unknown field.
 */
function withoutHiddenFields(ctx: Ctx, c: ConditionContext): ConditionContext {
  const hidden = registryObjects.map((o) => [o, new Set(hiddenFields(ctx.actor, personColumn[o].access))] as const);
  if (hidden.every(([, keys]) => keys.size === 0)) return c;
  const registry = Object.fromEntries(
    hidden.map(([o, keys]) => [o, { ...c.registry[o], fields: c.registry[o].fields.filter((f) => !(f.custom && keys.has(f.name.slice(7)))) }]),
  ) as unknown as FieldRegistry;
  return { ...c, registry };
}

/** Related objects a condition reads (company.industry → company), for the cache's versions. */
function relatedObjects(condition: Condition | undefined, object: RegistryObject, c: ConditionContext): RegistryObject[] {
  if (!condition) return [];
  return leavesOf(condition).flatMap((l) => {
    const r = resolveFieldPath(c.registry, object, l.field);
    return typeof r !== "string" && r.relation ? [r.relation.object] : [];
  });
}

/**
 * Checks a definition against the registry and compiles it; every problem is refused at once, each with the path
 * of the part of the definition it is about (`groupBy.1.field`, `measures.0.field`, `filter.all.2.value`).
 */
export function compileReport(ctx: Ctx, def: ReportDefinition, context: ConditionContext, extra?: Condition): CompiledReport {
  const c = withoutHiddenFields(ctx, context);
  const object = def.object;
  const t = tableFor(object);
  const errors: FieldError[] = [];
  errors.push(...validateCondition(def.filter, object, c.registry, {}, "filter"));
  if (extra) errors.push(...validateCondition(extra, object, c.registry, {}, "extraFilter"));
  const dims = def.groupBy.map((g, i) => dimensionOf(g, i, object, c, t, errors));
  if (def.groupBy.length === 2 && def.groupBy[0]?.field === def.groupBy[1]?.field && def.groupBy[0]?.bucket === def.groupBy[1]?.bucket)
    errors.push({ path: "groupBy.1.field", message: "Group by two different fields" });
  const measures = def.measures.map((m, i) => measureOf(m, i, object, c, t, errors));
  if (def.sort) {
    const n = def.sort.by === "group" ? def.groupBy.length : def.measures.length;
    if (def.sort.index >= n) errors.push({ path: "sort.index", message: `There is no ${def.sort.by} ${def.sort.index + 1} to sort by` });
  }
  if (errors.length) refuse(errors);
  const dimensions = dims as Dimension[];
  // Amounts of money are never added across currencies: a report summing them is grouped by currency too.
  const currencyField = findField(c.registry, object, "currency");
  const currencySource = currencyField ? sourceOf(object, currencyField) : undefined;
  const compiled = measures as CompiledMeasure[];
  if (currencySource && compiled.some((m) => m.field?.type === "money" && !m.field.custom && m.measure.fn !== "countDistinct")) {
    dimensions.push({ kind: "currency", path: "currency", label: "Currency", expr: sql`${currencySource.sql(t)}` });
  }
  const live = "deletedAt" in t ? sql` and ${t.deletedAt} is null` : sql``;
  const visible = visibilityOf(ctx, object, t);
  const parts = [
    sql`${t.workspaceId} = ${ctx.workspaceId}::uuid${live}`,
    ...(visible ? [visible] : []),
    toSql(def.filter, object, c, t),
    ...(extra ? [toSql(extra, object, c, t)] : []),
  ];
  const objects = new Set<RegistryObject>([object, ...relatedObjects(def.filter, object, c), ...relatedObjects(extra, object, c)]);
  for (const d of dimensions) {
    if (d.field) {
      const r = resolveFieldPath(c.registry, object, d.path);
      if (typeof r !== "string" && r.relation) objects.add(r.relation.object);
    }
  }
  return { object, dimensions, measures: compiled, where: sql.join(parts, sql` and `), table: t, objects: [...objects] };
}

export interface RawRow {
  keys: (string | null)[];
  values: (number | null)[];
  groupCount: number;
}

const toNum = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Runs a compiled report: one query, at most `limit` groups (and MAX_REPORT_GROUPS), and how many groups there are. */
export async function runCompiled(ctx: Ctx, q: CompiledReport, def: ReportDefinition): Promise<RawRow[]> {
  const t = q.table;
  const dims = q.dimensions;
  const dimCols = dims.map((d, i) => sql`${d.expr} as ${sql.identifier(`d${i}`)}`);
  const aggCols = q.measures.map((m, i) => sql`${m.agg} as ${sql.identifier(`a${i}`)}`);
  const joins = dims.filter((d) => d.join).map((d) => d.join as SQL);
  // Positions, not expressions: a bucket's time zone is a parameter, and PostgreSQL matches GROUP BY expressions by text.
  const groupBy = dims.length ? sql` group by ${sql.raw(dims.map((_, i) => String(i + 1)).join(", "))}` : sql``;
  const grouped = sql`select ${sql.join([...dimCols, ...aggCols], sql`, `)} from ${t} ${sql.join(joins, sql` `)} where ${q.where}${groupBy}`;
  const withTotals = q.measures.some((m) => m.total);
  const currencyIndex = dims.findIndex((d) => d.kind === "currency");
  let totals = sql``;
  let totalJoin = sql``;
  if (withTotals) {
    const totalCols = q.measures.map((m, i) => sql`${m.total ?? sql`null`} as ${sql.identifier(`t${i}`)}`);
    const currency = currencyIndex >= 0 ? dims[currencyIndex] : undefined;
    totals = currency
      ? sql`, totals as (select ${currency.expr} as cur, ${sql.join(totalCols, sql`, `)} from ${t} where ${q.where} group by 1)`
      : sql`, totals as (select ${sql.join(totalCols, sql`, `)} from ${t} where ${q.where})`;
    totalJoin = currency ? sql` left join totals on totals.cur is not distinct from g.${sql.identifier(`d${currencyIndex}`)}` : sql` cross join totals`;
  }
  const values = q.measures.map((m, i) => {
    const a = sql`g.${sql.identifier(`a${i}`)}`;
    const v = m.total ? sql`100.0 * ${a} / nullif(totals.${sql.identifier(`t${i}`)}, 0)` : a;
    return sql`(${v})::float8 as ${sql.identifier(`v${i}`)}`;
  });
  const keys = dims.map((d, i) => {
    const k = sql`g.${sql.identifier(`d${i}`)}`;
    return sql`${d.bucket ? sql`to_char(${k}, 'YYYY-MM-DD')` : sql`${k}::text`} as ${sql.identifier(`k${i}`)}`;
  });
  const order: SQL[] = [];
  const sort = def.sort;
  const dir = (d: "asc" | "desc") => sql.raw(d === "desc" ? "desc nulls last" : "asc nulls last");
  if (sort?.by === "measure") order.push(sql`${sql.identifier(`v${sort.index}`)} ${dir(sort.direction)}`);
  else if (sort?.by === "group") order.push(sql`g.${sql.identifier(`d${sort.index}`)} ${dir(sort.direction)}`);
  else if (dims[0]?.bucket || dims.length === 0) order.push(...dims.map((_, i) => sql`g.${sql.identifier(`d${i}`)} asc nulls last`));
  else order.push(sql`${sql.identifier("v0")} desc nulls last`);
  order.push(...dims.map((_, i) => sql`g.${sql.identifier(`d${i}`)} asc nulls last`));
  const limit = Math.min(def.limit ?? MAX_REPORT_GROUPS, MAX_REPORT_GROUPS);
  const query = sql`with g as (${grouped})${totals}
    select ${sql.join([...keys, ...values, sql`count(*) over () as group_count`], sql`, `)}
    from g${totalJoin}
    ${order.length ? sql`order by ${sql.join(order, sql`, `)}` : sql``}
    limit ${limit}`;
  const list = await jsonRows<Record<string, unknown>>(ctx.db, query);
  return list.map((r) => ({
    keys: dims.map((_, i) => (r[`k${i}`] === null || r[`k${i}`] === undefined ? null : String(r[`k${i}`]))),
    values: q.measures.map((_, i) => toNum(r[`v${i}`])),
    groupCount: Number(r.group_count ?? 0),
  }));
}

/** Whether a condition is a leaf (for drill-down building). */
export const isLeaf = (c: Condition): c is ConditionLeaf => !isGroup(c);
