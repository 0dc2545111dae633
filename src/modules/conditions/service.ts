import { type SQL, sql } from "drizzle-orm";
import {
  type Condition,
  type ConditionLeaf,
  Condition as ConditionSchema,
  changeOperators,
  groupItems,
  isGroup,
  leavesOf,
  periodOperators,
  type ResolvedField,
  resolveFieldPath,
  type ValidateOptions,
  validateCondition,
} from "../../contract/conditions.js";
import { type CustomFieldLike, type FieldRegistry, fieldRegistry, type RegistryObject } from "../../contract/fields.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { queryRows } from "../../db/client.js";
import { listCustomFields } from "../custom-fields/service.js";
import { workspaceTimeZone } from "../workspaces/service.js";
import { type FieldSource, relationJoin, sourceOf, tableOf } from "./sources.js";
import { type Bounds, dateBounds, datetimeBounds } from "./time.js";

/** What evaluating or compiling a condition needs besides the condition: the registry, the clock, the time zone. */
export interface ConditionContext {
  registry: FieldRegistry;
  /** The workspace's IANA time zone: "today", "this month" and date values are its days. */
  timeZone: string;
  now: Date;
  /** Who "me" is in a user field; no one when absent. */
  userId?: string | null;
  /** Who "myTeam" is in a user field: everyone sharing a team with the user (the user included). */
  teammateIds?: readonly string[];
}

/** For update triggers: the record before the change (changed / changedFrom / changedTo compare with it). */
export interface EvaluateContext extends ConditionContext {
  /** What kind of record is evaluated: which registry fields and relations its condition names. */
  object: RegistryObject;
  previous?: Record<string, unknown> | null;
  /**
   * Leaves on related records already decided (by `relatedLeaves`, in SQL), for a record read without its related
   * records: evaluate takes their answer instead of reading `record.company` or `record.deals`.
   */
  related?: ReadonlyMap<ConditionLeaf, boolean>;
}

/** The context for a workspace: its custom fields joined into the registry, its time zone, now, the actor as "me". */
export async function conditionContext(ctx: Ctx, now = new Date()): Promise<ConditionContext> {
  const [defs, timeZone] = await Promise.all([listCustomFields(ctx), workspaceTimeZone(ctx)]);
  return { registry: fieldRegistry(defs as CustomFieldLike[]), timeZone, now, userId: ctx.actor.userId, teammateIds: accessOf(ctx.actor).teammateIds };
}

/** Throws validation_failed with every problem (path and message) when the condition does not fit the registry. */
export function assertValidCondition(condition: Condition, object: RegistryObject, registry: FieldRegistry, options: ValidateOptions & { path?: string } = {}) {
  const issues = validateCondition(condition, object, registry, options, options.path ?? "");
  if (issues.length) throw new AppError("validation_failed", issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
}

function resolve(registry: FieldRegistry, object: RegistryObject, leaf: ConditionLeaf): ResolvedField & { source: FieldSource } {
  const r = resolveFieldPath(registry, object, leaf.field);
  if (typeof r === "string") throw new AppError("validation_failed", r, [{ path: "field", message: r }]);
  const source = sourceOf(r.object, r.field);
  if (!source) throw new AppError("validation_failed", `${r.field.label} cannot be used in a condition`, [{ path: "field", message: "Not filterable" }]);
  return { ...r, source };
}

// ---- shared value semantics ----

const isBlank = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const lower = (v: unknown) => String(v).toLowerCase();
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN);
const bool = (v: unknown) => v === true || v === "true";
const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const isTemporal = (kind: FieldSource["kind"]) => kind === "datetime" || kind === "date" || kind === "datetext";
const usesBounds = (op: ConditionLeaf["op"]) =>
  ["eq", "before", "after", "gt", "gte", "lt", "lte", "between", "inLast", "inNext", "olderThan", ...periodOperators].includes(op);

const NOBODY = "00000000-0000-0000-0000-000000000000";

/**
 * "me" in a user field is the context's user (none: a value no record holds); "myTeam" everyone sharing a team with
 * them, so "is my team" reads as "is any of" those people and "is not my team" as "is none of" them.
 */
function resolveMe(leaf: ConditionLeaf, c: ConditionContext): { op: ConditionLeaf["op"]; value: unknown } {
  const team = () => (c.teammateIds?.length ? [...c.teammateIds] : [c.userId ?? NOBODY]);
  const one = (v: unknown): unknown[] => (v === "me" ? [c.userId ?? NOBODY] : v === "myTeam" ? team() : [v]);
  const v = leaf.value;
  if (Array.isArray(v)) return { op: leaf.op, value: [...new Set(v.flatMap(one))] };
  if (v === "myTeam" && (leaf.op === "eq" || leaf.op === "neq")) return { op: leaf.op === "eq" ? "in" : "notIn", value: team() };
  return { op: leaf.op, value: v === "me" ? (c.userId ?? NOBODY) : v };
}

function boundsFor(kind: FieldSource["kind"], leaf: ConditionLeaf, c: ConditionContext): Bounds<Date> | Bounds<string> | null {
  const t = { now: c.now, timeZone: c.timeZone };
  return kind === "datetime" ? datetimeBounds(leaf.op, leaf.value, t) : dateBounds(leaf.op, leaf.value, t);
}

// ---- evaluate in memory ----

function valueAt(record: Record<string, unknown> | null | undefined, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function read(record: Record<string, unknown> | null | undefined, r: ResolvedField & { source: FieldSource }): unknown {
  if (!record) return undefined;
  return r.source.js ? r.source.js(record) : valueAt(record, r.field.path ?? r.field.name);
}

function inBounds(kind: FieldSource["kind"], v: unknown, b: Bounds<Date> | Bounds<string>): boolean {
  if (isBlank(v)) return false;
  let x: number | string;
  const at = (bound: Date | string) => (bound instanceof Date ? bound.getTime() : bound);
  if (kind === "datetime") {
    x = v instanceof Date ? v.getTime() : Date.parse(String(v));
    if (Number.isNaN(x)) return false;
  } else x = String(v).slice(0, 10);
  if (b.gt !== undefined && !(x > at(b.gt))) return false;
  if (b.gte !== undefined && !(x >= at(b.gte))) return false;
  if (b.lt !== undefined && !(x < at(b.lt))) return false;
  if (b.lte !== undefined && !(x <= at(b.lte))) return false;
  return true;
}

/** One value against a leaf (no change operators, no relation). */
function matchValue(r: ResolvedField & { source: FieldSource }, v: unknown, given: ConditionLeaf, c: ConditionContext): boolean {
  const kind = r.source.kind;
  const me = r.field.type === "user" ? resolveMe(given, c) : { op: given.op, value: given.value };
  const leaf: ConditionLeaf = me.op === given.op ? given : { ...given, op: me.op };
  const value = me.value;
  if (leaf.op === "empty") return isBlank(v);
  if (leaf.op === "notEmpty") return !isBlank(v);
  if (kind === "array" || kind === "jsonarray") {
    const items = asList(v).map(String);
    const has = (x: unknown) => items.includes(String(x));
    switch (leaf.op) {
      case "anyContains":
        return items.some((x) => lower(x).includes(lower(value)));
      case "eq":
      case "contains":
        return has(value);
      case "neq":
      case "notContains":
        return !has(value);
      case "in":
        return asList(value).some(has);
      case "notIn":
        return !asList(value).some(has);
      default:
        return false;
    }
  }
  if (isTemporal(kind) && usesBounds(leaf.op)) {
    const b = boundsFor(kind, { ...leaf, value: value as ConditionLeaf["value"] }, c);
    return b ? inBounds(kind, v, b) : false;
  }
  const eq = (x: unknown): boolean => {
    if (isBlank(v)) return false;
    if (kind === "number") return num(v) === num(x);
    if (kind === "boolean") return bool(v) === bool(x);
    return lower(v) === lower(x);
  };
  switch (leaf.op) {
    case "eq":
      return eq(value);
    case "neq":
      return !eq(value);
    case "in":
      return asList(value).some(eq);
    case "notIn":
      return !asList(value).some(eq);
    case "contains":
      return !isBlank(v) && lower(v).includes(lower(value));
    case "notContains":
      return isBlank(v) || !lower(v).includes(lower(value));
    case "startsWith":
      return !isBlank(v) && lower(v).startsWith(lower(value));
    case "gt":
    case "gte":
    case "lt":
    case "lte": {
      const n = num(v);
      const x = num(value);
      if (isBlank(v) || Number.isNaN(n)) return false;
      return leaf.op === "gt" ? n > x : leaf.op === "gte" ? n >= x : leaf.op === "lt" ? n < x : n <= x;
    }
    case "between": {
      const [lo, hi] = asList(value).map(num);
      const n = num(v);
      return !isBlank(v) && !Number.isNaN(n) && n >= (lo as number) && n <= (hi as number);
    }
    default:
      return false;
  }
}

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Whether a record meets a condition, in memory. Related records are read from the record under the relation's
 * name (`record.company`, `record.deals`), as `loadRelated` puts them. Relative dates are the context's time zone's.
 */
export function evaluate(condition: Condition, record: Record<string, unknown>, context: EvaluateContext): boolean {
  if (isGroup(condition)) {
    const items = groupItems(condition);
    return "all" in condition ? items.every((i) => evaluate(i, record, context)) : items.some((i) => evaluate(i, record, context));
  }
  const r = resolve(context.registry, context.object, condition);
  if (changeOperators.includes(condition.op)) {
    if (!context.previous) return false;
    const before = read(context.previous, r);
    const after = read(record, r);
    if (same(before, after)) return false;
    if (condition.op === "changed") return true;
    const probe = { ...condition, op: "eq" as const };
    return condition.op === "changedFrom" ? matchValue(r, before, probe, context) : matchValue(r, after, probe, context);
  }
  if (r.relation) {
    const decided = context.related?.get(condition);
    if (decided !== undefined) return decided;
    const related = record[r.relation.name];
    const rows = (r.relation.many ? asList(related) : related ? [related] : []) as Record<string, unknown>[];
    const any = rows.some((row) => matchValue(r, read(row, r), condition, context));
    return condition.quantifier === "none" ? !any : any;
  }
  return matchValue(r, read(record, r), condition, context);
}

// ---- compile to SQL ----

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);
const castOf: Record<string, string> = {
  number: "numeric",
  boolean: "boolean",
  uuid: "uuid",
  datetime: "timestamptz",
  date: "date",
  datetext: "text",
  text: "text",
};

function param(kind: FieldSource["kind"], v: unknown): SQL {
  if (v instanceof Date) return sql`${v.toISOString()}::timestamptz`;
  const s = kind === "boolean" ? String(bool(v)) : kind === "text" ? lower(v) : String(v);
  return sql`${s}::${sql.raw(castOf[kind] ?? "text")}`;
}

function boundsSql(e: SQL, kind: FieldSource["kind"], b: Bounds<Date> | Bounds<string>): SQL {
  const parts: SQL[] = [];
  const p = (x: Date | string) => param(kind === "datetime" ? "datetime" : kind, x);
  if (b.gt !== undefined) parts.push(sql`${e} > ${p(b.gt)}`);
  if (b.gte !== undefined) parts.push(sql`${e} >= ${p(b.gte)}`);
  if (b.lt !== undefined) parts.push(sql`${e} < ${p(b.lt)}`);
  if (b.lte !== undefined) parts.push(sql`${e} <= ${p(b.lte)}`);
  // A custom date stored as text: a blank one is not a date.
  if (kind === "datetext") parts.push(sql`${e} <> ''`);
  return parts.length ? sql`(${sql.join(parts, sql` and `)})` : sql`${e} is not null`;
}

function leafSql(e: SQL, kind: FieldSource["kind"], leaf: ConditionLeaf, value: unknown, c: ConditionContext): SQL {
  const list = asList(value);
  if (kind === "array" || kind === "jsonarray") {
    const has = (x: unknown) => (kind === "array" ? sql`${e} @> array[${String(x)}]::text[]` : sql`coalesce(${e} ? ${String(x)}, false)`);
    const hasAny = () =>
      kind === "array"
        ? sql`${e} && ${sql`array[${sql.join(
            list.map((x) => sql`${String(x)}`),
            sql`, `,
          )}]::text[]`}`
        : sql`(${sql.join(list.map(has), sql` or `)})`;
    const size = kind === "array" ? sql`coalesce(cardinality(${e}), 0)` : sql`coalesce(jsonb_array_length(${e}), 0)`;
    switch (leaf.op) {
      case "anyContains": {
        const items = kind === "array" ? sql`unnest(${e})` : sql`jsonb_array_elements_text(case when jsonb_typeof(${e}) = 'array' then ${e} end)`;
        return sql`exists (select 1 from ${items} as item(v) where item.v ilike ${`%${escapeLike(String(value))}%`})`;
      }
      case "eq":
      case "contains":
        return has(value);
      case "neq":
      case "notContains":
        return sql`not ${has(value)}`;
      case "in":
        return hasAny();
      case "notIn":
        return sql`not coalesce(${hasAny()}, false)`;
      case "empty":
        return sql`${size} = 0`;
      case "notEmpty":
        return sql`${size} > 0`;
      default:
        throw unsupported(leaf);
    }
  }
  if (leaf.op === "empty") return kind === "text" || kind === "datetext" ? sql`coalesce(${e}, '') = ''` : sql`${e} is null`;
  if (leaf.op === "notEmpty") return kind === "text" || kind === "datetext" ? sql`coalesce(${e}, '') <> ''` : sql`${e} is not null`;
  if (isTemporal(kind) && usesBounds(leaf.op)) {
    const b = boundsFor(kind, { ...leaf, value: value as ConditionLeaf["value"] }, c);
    if (!b) throw unsupported(leaf);
    return boundsSql(e, kind, b);
  }
  // Text compares without regard to case: lower() on the column, the value lowered here.
  const x = kind === "text" ? sql`lower(${e})` : e;
  switch (leaf.op) {
    case "eq":
      return sql`${x} = ${param(kind, value)}`;
    case "neq":
      return sql`${x} is distinct from ${param(kind, value)}`;
    case "in":
      return sql`${x} in (${sql.join(
        list.map((v) => param(kind, v)),
        sql`, `,
      )})`;
    case "notIn":
      return sql`coalesce(${x} not in (${sql.join(
        list.map((v) => param(kind, v)),
        sql`, `,
      )}), true)`;
    case "contains":
      return sql`${e}::text ilike ${`%${escapeLike(String(value))}%`}`;
    case "notContains":
      return sql`coalesce(${e}::text not ilike ${`%${escapeLike(String(value))}%`}, true)`;
    case "startsWith":
      return sql`${e}::text ilike ${`${escapeLike(String(value))}%`}`;
    case "gt":
      return sql`${e} > ${param(kind, value)}`;
    case "gte":
      return sql`${e} >= ${param(kind, value)}`;
    case "lt":
      return sql`${e} < ${param(kind, value)}`;
    case "lte":
      return sql`${e} <= ${param(kind, value)}`;
    case "between": {
      const [lo, hi] = list;
      return sql`(${e} >= ${param(kind, lo)} and ${e} <= ${param(kind, hi)})`;
    }
    default:
      throw unsupported(leaf);
  }
}

const unsupported = (leaf: ConditionLeaf) =>
  new AppError("validation_failed", `${leaf.field}: "${leaf.op}" cannot be used here`, [{ path: "op", message: `"${leaf.op}" cannot be used here` }]);

/**
 * A condition as a SQL predicate on the object's table (`contacts`, `deals`, …), to AND into a query's WHERE.
 * Values are parameters; relative dates are constants computed from the context's clock and time zone, so the
 * predicate compares columns with constants and the table's indexes serve it. Related records become EXISTS
 * subqueries. Change operators have no meaning in a query and are refused.
 */
export function toSql(condition: Condition, object: RegistryObject, context: ConditionContext, table = tableOf[object]): SQL {
  if (isGroup(condition)) {
    const items = groupItems(condition);
    if (items.length === 0) return "all" in condition ? sql`true` : sql`false`;
    const parts = items.map((i) => toSql(i, object, context, table));
    return sql`(${sql.join(parts, "all" in condition ? sql` and ` : sql` or `)})`;
  }
  if (changeOperators.includes(condition.op)) {
    throw new AppError("validation_failed", `${condition.field}: "${condition.op}" only applies when a record is updated`, [
      { path: "op", message: "Only for update triggers" },
    ]);
  }
  const r = resolve(context.registry, object, condition);
  const me = r.field.type === "user" ? resolveMe(condition, context) : { op: condition.op, value: condition.value };
  const leaf: ConditionLeaf = me.op === condition.op ? condition : { ...condition, op: me.op };
  const value = me.value;
  if (r.relation) {
    const join = relationJoin(object, r.relation.name, table);
    if (!join) throw unsupported(leaf);
    const e = sql`${r.source.sql(join.table)}`;
    const exists = sql`exists (select 1 from ${join.from} where ${join.link} and ${leafSql(e, r.source.kind, leaf, value, context)})`;
    return leaf.quantifier === "none" ? sql`not ${exists}` : exists;
  }
  return leafSql(sql`${r.source.sql(table)}`, r.source.kind, leaf, value, context);
}

// ---- list filters ----

/**
 * A list's `filter` parameter: one condition (`{"all":[…]}`, `{"any":[…]}` or a leaf), or the older JSON array of
 * leaves, which all must match. Errors name the filter's path.
 */
export function parseConditionParam(raw: string | undefined): Condition | undefined {
  if (!raw) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError("validation_failed", "filter must be JSON: a condition or an array of conditions", [{ path: "filter", message: "Not JSON" }]);
  }
  if (Array.isArray(parsed) && parsed.length > 50) {
    throw new AppError("validation_failed", "filter takes at most 50 conditions", [{ path: "filter", message: "Too many conditions" }]);
  }
  const r = ConditionSchema.safeParse(Array.isArray(parsed) ? { all: parsed } : parsed);
  if (!r.success) {
    const issue = r.error.issues[0];
    const inner = Array.isArray(parsed) ? (issue?.path ?? []).slice(1) : (issue?.path ?? []);
    const path = ["filter", ...inner].join(".");
    throw new AppError("validation_failed", `${path}: ${issue?.message ?? "invalid"}`, [{ path, message: issue?.message ?? "Invalid condition" }]);
  }
  return r.data;
}

/** The WHERE predicate of a list's `filter` parameter on an object's table, checked against the workspace's fields. */
export async function filterPredicate(ctx: Ctx, object: RegistryObject, raw: string | undefined): Promise<SQL | undefined> {
  const condition = parseConditionParam(raw);
  if (!condition) return undefined;
  const context = await conditionContext(ctx);
  const plain = Array.isArray(JSON.parse(raw as string));
  const issues = validateCondition(condition, object, context.registry).map((i) => ({
    // The older array form reports "filter.0.value" as it did; a condition object its own path.
    path: `filter.${plain ? i.path.replace(/^all\./, "") : i.path}`,
    message: i.message,
  }));
  if (issues.length) throw new AppError("validation_failed", issues.map((i) => `${i.path}: ${i.message}`).join("; "), issues);
  return toSql(condition, object, context);
}

// ---- one record ----

/** Whether a leaf reads a related record (company.industry, deals.amount). */
export function readsRelated(leaf: ConditionLeaf, object: RegistryObject, registry: FieldRegistry): boolean {
  const r = resolveFieldPath(registry, object, leaf.field);
  return typeof r !== "string" && r.relation !== undefined;
}

/**
 * The leaves of a condition on related records, each decided for one stored record in a single query (the same
 * EXISTS the list uses), for `evaluate`'s `related`: a record in memory (an event's, a workflow's) has no related
 * records with it, and the database has them as of this transaction.
 */
export async function relatedLeaves(
  ctx: Ctx,
  condition: Condition,
  object: RegistryObject,
  recordId: string,
  context: ConditionContext,
): Promise<Map<ConditionLeaf, boolean>> {
  const leaves = leavesOf(condition).filter((l) => !changeOperators.includes(l.op) && readsRelated(l, object, context.registry));
  const out = new Map<ConditionLeaf, boolean>();
  if (leaves.length === 0) return out;
  const table = tableOf[object];
  const columns = sql.join(
    leaves.map((l, i) => sql`coalesce(${toSql(l, object, context, table)}, false) as ${sql.identifier(`l${i}`)}`),
    sql`, `,
  );
  const [row] = await queryRows<Record<string, unknown>>(
    ctx.db,
    sql`select ${columns} from ${table} where ${table.workspaceId} = ${ctx.workspaceId} and ${table.id} = ${recordId}`,
  );
  leaves.forEach((l, i) => {
    out.set(l, row?.[`l${i}`] === true);
  });
  return out;
}
