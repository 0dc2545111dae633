/**
 * The one condition language: list filters, saved views, assignment and scoring rules, validation, webhook filters
 * and workflows all write `{ all: [...] }` / `{ any: [...] }` groups of `{ field, op, value }` leaves, checked against
 * the field registry (./fields.ts) by `validateCondition`.
 */
import { z } from "zod";
import { type FieldDef, type FieldRegistry, type FieldType, findField, type RegistryObject, type RelationDef } from "./fields.js";

/** Calendar periods relative to now, in the workspace's time zone (no value). */
export const periodOperators = [
  "thisWeek",
  "thisMonth",
  "thisQuarter",
  "thisYear",
  "today",
  "yesterday",
  "lastWeek",
  "lastMonth",
  "lastQuarter",
  "lastYear",
  "monthToDate",
  "quarterToDate",
  "yearToDate",
] as const;

export const conditionOperators = [
  "eq",
  "neq",
  "in",
  "notIn",
  "contains",
  "notContains",
  "startsWith",
  "anyContains",
  "empty",
  "notEmpty",
  "gt",
  "gte",
  "lt",
  "lte",
  "between",
  "before",
  "after",
  "inLast",
  "inNext",
  "olderThan",
  ...periodOperators,
  "changed",
  "changedFrom",
  "changedTo",
] as const;
export const ConditionOp = z.enum(conditionOperators);
export type ConditionOp = z.infer<typeof ConditionOp>;

/** Operators that compare a record with its previous version: update triggers only, never a list or a query. */
export const changeOperators: readonly ConditionOp[] = ["changed", "changedFrom", "changedTo"];

export const timeUnits = ["hour", "day", "week", "month", "quarter", "year"] as const;
export const TimeUnit = z.enum(timeUnits);
export type TimeUnit = z.infer<typeof TimeUnit>;
export const timeUnitLabels: Readonly<Record<TimeUnit, string>> = {
  hour: "hours",
  day: "days",
  week: "weeks",
  month: "months",
  quarter: "quarters",
  year: "years",
};

/** "3 days": what inLast, inNext and olderThan take. */
export const RelativeSpan = z.object({ n: z.number().int().min(1).max(10000), unit: TimeUnit }).strict();
export type RelativeSpan = z.infer<typeof RelativeSpan>;

const Scalar = z.union([z.string().max(500, "A condition value is at most 500 characters"), z.number(), z.boolean()]);
export const ConditionValue = z.union([
  Scalar,
  z.null(),
  z.array(z.union([z.string().max(500, "A condition value is at most 500 characters"), z.number()])).max(200, "A condition takes at most 200 values"),
  RelativeSpan,
]);
export type ConditionValue = z.infer<typeof ConditionValue>;

export const ConditionLeaf = z
  .object({
    field: z.string().min(1).max(140).describe("A field of the record (lifecycleStage, custom.tier) or of a related one (company.industry, deals.amount)"),
    op: ConditionOp,
    value: ConditionValue.optional().describe(
      "A list for in/notIn, [from, to] for between, {n, unit} for inLast/inNext/olderThan; none for empty, notEmpty, this…, changed",
    ),
    quantifier: z
      .enum(["any", "none"])
      .optional()
      .describe("For a field of many related records (deals.amount): any of them matches (the default) or none does"),
  })
  .strict();
export type ConditionLeaf = z.infer<typeof ConditionLeaf>;

export type ConditionGroup = { all: Condition[] } | { any: Condition[] };
export type Condition = ConditionLeaf | ConditionGroup;

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    ConditionLeaf,
    z.object({ all: z.array(Condition).max(50, "A group holds at most 50 conditions") }).strict(),
    z.object({ any: z.array(Condition).max(50, "A group holds at most 50 conditions") }).strict(),
  ]),
);

export const isGroup = (c: Condition): c is ConditionGroup => "all" in c || "any" in c;
export const groupItems = (g: ConditionGroup): Condition[] => ("all" in g ? g.all : g.any);
/** The condition that every record meets. */
export const matchAll = (): ConditionGroup => ({ all: [] });

/**
 * What rules and filters take as input: one condition, or (as before the one language) a list of conditions that
 * all must match, read as `{ all: [...] }`. Always stored and answered as one condition.
 */
export const ConditionInput = z
  .union([Condition, z.array(Condition).max(50, "A group holds at most 50 conditions")])
  .transform((c): Condition => (Array.isArray(c) ? { all: c } : c))
  .describe("A condition ({ all: [...] }, { any: [...] } or a leaf { field, op, value }); a plain list means all of them");
/** All leaves of a condition, depth first. */
export function leavesOf(c: Condition): ConditionLeaf[] {
  return isGroup(c) ? groupItems(c).flatMap(leavesOf) : [c];
}

/** What each operator reads as, in the editor and in descriptions. */
export const operatorLabels: Readonly<Record<ConditionOp, string>> = {
  eq: "is",
  neq: "is not",
  in: "is any of",
  notIn: "is none of",
  contains: "contains",
  notContains: "does not contain",
  startsWith: "starts with",
  anyContains: "has one containing",
  empty: "is empty",
  notEmpty: "is not empty",
  gt: "is more than",
  gte: "is at least",
  lt: "is less than",
  lte: "is at most",
  between: "is between",
  before: "is before",
  after: "is after",
  inLast: "is in the last",
  inNext: "is in the next",
  olderThan: "is more than … ago",
  thisWeek: "is this week",
  thisMonth: "is this month",
  thisQuarter: "is this quarter",
  thisYear: "is this year",
  today: "is today",
  yesterday: "is yesterday",
  lastWeek: "is last week",
  lastMonth: "is last month",
  lastQuarter: "is last quarter",
  lastYear: "is last year",
  monthToDate: "is this month to date",
  quarterToDate: "is this quarter to date",
  yearToDate: "is this year to date",
  changed: "changed",
  changedFrom: "changed from",
  changedTo: "changed to",
};

/** For lists (tags, several choices) some operators read differently. */
export const listOperatorLabels: Partial<Record<ConditionOp, string>> = {
  eq: "has",
  neq: "does not have",
  contains: "has",
  notContains: "does not have",
  in: "has any of",
  notIn: "has none of",
};

/** The shape of value an operator takes. */
export type ValueKind = "none" | "single" | "list" | "range" | "span";
export const valueKindOf: Readonly<Record<ConditionOp, ValueKind>> = {
  eq: "single",
  neq: "single",
  in: "list",
  notIn: "list",
  contains: "single",
  notContains: "single",
  startsWith: "single",
  anyContains: "single",
  empty: "none",
  notEmpty: "none",
  gt: "single",
  gte: "single",
  lt: "single",
  lte: "single",
  between: "range",
  before: "single",
  after: "single",
  inLast: "span",
  inNext: "span",
  olderThan: "span",
  thisWeek: "none",
  thisMonth: "none",
  thisQuarter: "none",
  thisYear: "none",
  today: "none",
  yesterday: "none",
  lastWeek: "none",
  lastMonth: "none",
  lastQuarter: "none",
  lastYear: "none",
  monthToDate: "none",
  quarterToDate: "none",
  yearToDate: "none",
  changed: "none",
  changedFrom: "single",
  changedTo: "single",
};

const blanks: ConditionOp[] = ["empty", "notEmpty"];
const changes: ConditionOp[] = ["changed", "changedFrom", "changedTo"];
const textOps: ConditionOp[] = ["eq", "neq", "in", "notIn", "contains", "notContains", "startsWith", ...blanks, ...changes];
const numberOps: ConditionOp[] = ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "notIn", ...blanks, ...changes];
const dateOps: ConditionOp[] = [
  "eq",
  "before",
  "after",
  "between",
  "inLast",
  "inNext",
  "olderThan",
  ...periodOperators,
  "gt",
  "gte",
  "lt",
  "lte",
  ...blanks,
  ...changes,
];
const choiceOps: ConditionOp[] = ["eq", "neq", "in", "notIn", ...blanks, ...changes];
// anyContains: a part of any one item ("vip" finds the tag "VIP 2026"), where contains asks for a whole item.
const listOps: ConditionOp[] = ["contains", "notContains", "in", "notIn", "anyContains", "eq", "neq", ...blanks, ...changes];

/** The operators each type of field takes, the most useful first. */
export const operatorsFor: Readonly<Record<FieldType, readonly ConditionOp[]>> = {
  text: textOps,
  email: textOps,
  phone: textOps,
  number: numberOps,
  money: numberOps,
  date: dateOps,
  datetime: dateOps,
  boolean: ["eq", "neq", ...blanks, ...changes],
  select: choiceOps,
  user: choiceOps,
  team: choiceOps,
  relation: choiceOps,
  multiselect: listOps,
  tags: listOps,
};

/** A field path resolved against the registry: the field, and the relation it is reached through, if any. */
export interface ResolvedField {
  field: FieldDef;
  object: RegistryObject;
  relation?: RelationDef;
}

/** `company.industry` → the company relation and its industry field; `custom.tier` and `lifecycleStage` → own fields. */
export function resolveFieldPath(registry: FieldRegistry, object: RegistryObject, path: string): ResolvedField | string {
  const own = findField(registry, object, path);
  if (own) return { field: own, object };
  const dot = path.indexOf(".");
  const relation = dot > 0 ? registry[object].relations.find((r) => r.name === path.slice(0, dot)) : undefined;
  if (relation) {
    const field = findField(registry, relation.object, path.slice(dot + 1));
    if (field) return { field, object: relation.object, relation };
    return `Unknown field '${path.slice(dot + 1)}' on ${relation.object}`;
  }
  if (path.startsWith("custom.")) return `No ${object} custom field '${path.slice(7)}'`;
  return `Unknown field '${path}' on ${object}`;
}

export interface ConditionIssue {
  path: string;
  message: string;
}

const uuidRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const dateRe = /^\d{4}-\d{2}-\d{2}$/;
const isNum = (v: unknown) => (typeof v === "number" && Number.isFinite(v)) || (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)));
const isDate = (v: unknown) => typeof v === "string" && (dateRe.test(v) || (/^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))));

/** Why one value does not fit a field, or null when it does. */
function valueProblem(field: FieldDef, v: unknown): string | null {
  if (v === null || v === undefined || v === "") return "Give a value";
  if (typeof v === "object") return "Give a single value";
  switch (field.type) {
    case "number":
    case "money":
      return isNum(v) ? null : `${field.label} is a number`;
    case "date":
    case "datetime":
      return isDate(v) ? null : `${field.label} is a date such as 2026-03-31`;
    case "boolean":
      return typeof v === "boolean" || v === "true" || v === "false" ? null : `${field.label} is yes or no (true or false)`;
    case "user":
      return v === "me" || v === "myTeam" || uuidRe.test(String(v)) ? null : `${field.label} is a person: a user id, "me" or "myTeam"`;
    case "team":
    case "relation":
      return uuidRe.test(String(v)) ? null : `${field.label} is a record id`;
    case "select":
    case "multiselect": {
      if (field.dynamicOptions) return uuidRe.test(String(v)) ? null : `${field.label} is an id`;
      if (!field.options?.length) return null;
      const s = String(v);
      if (field.options.some((o) => o.value === s)) return null;
      // Custom options are stored as written; matching ignores case, so "gold" for "Gold" is fine.
      if (field.custom && field.options.some((o) => o.value.toLowerCase() === s.toLowerCase())) return null;
      const meant = field.options.find((o) => o.label.toLowerCase() === s.toLowerCase() || o.value.toLowerCase() === s.toLowerCase());
      if (meant) return `${field.label} "${s}" is a label, not a value: use ${meant.value}`;
      const codes = field.options.map((o) => (o.value === o.label ? o.value : `${o.value} (${o.label})`)).join(", ");
      return `${field.label} has no value "${s}": use one of ${codes}`;
    }
    default:
      return null;
  }
}

export interface ValidateOptions {
  /** Allow changed / changedFrom / changedTo (update triggers). */
  allowChanges?: boolean;
  /** Deepest nesting of groups allowed. */
  maxDepth?: number;
}

/** Every problem with a condition, with its path ("all.1.value") and a message a person can act on. Empty when valid. */
export function validateCondition(
  condition: Condition,
  object: RegistryObject,
  registry: FieldRegistry,
  options: ValidateOptions = {},
  base = "",
): ConditionIssue[] {
  const issues: ConditionIssue[] = [];
  const at = (p: string) => (base ? `${base}.${p}` : p);
  const walk = (c: Condition, path: string, depth: number) => {
    const here = (p: string) => (path ? `${path}.${p}` : p);
    if (isGroup(c)) {
      if (depth > (options.maxDepth ?? 5)) {
        issues.push({ path: at(path || "condition"), message: "Groups nest at most 5 deep" });
        return;
      }
      const key = "all" in c ? "all" : "any";
      groupItems(c).forEach((item, i) => {
        walk(item, here(`${key}.${i}`), depth + 1);
      });
      return;
    }
    const resolved = resolveFieldPath(registry, object, c.field);
    if (typeof resolved === "string") {
      issues.push({ path: at(here("field")), message: resolved });
      return;
    }
    const { field, relation } = resolved;
    if (!field.filterable) issues.push({ path: at(here("field")), message: `${field.label} cannot be used in a condition` });
    if (!operatorsFor[field.type].includes(c.op)) {
      issues.push({ path: at(here("op")), message: `"${operatorLabels[c.op]}" (${c.op}) does not apply to ${field.label}` });
      return;
    }
    if (changeOperators.includes(c.op) && !options.allowChanges) {
      issues.push({ path: at(here("op")), message: `"${operatorLabels[c.op]}" only applies when a record is updated` });
      return;
    }
    if (changeOperators.includes(c.op) && relation) {
      issues.push({ path: at(here("op")), message: `"${operatorLabels[c.op]}" applies to the record's own fields` });
      return;
    }
    if (c.quantifier && !relation?.many) issues.push({ path: at(here("quantifier")), message: "any/none applies to fields of many related records" });
    const v = c.value;
    const valuePath = at(here("value"));
    switch (valueKindOf[c.op]) {
      case "none":
        if (v !== undefined && v !== null) issues.push({ path: valuePath, message: `"${operatorLabels[c.op]}" takes no value` });
        break;
      case "single": {
        if (Array.isArray(v) || (v !== null && typeof v === "object")) {
          issues.push({ path: valuePath, message: `"${operatorLabels[c.op]}" takes a single value` });
          break;
        }
        // Text operators on choice fields compare text; other values must be the field's own.
        const problem =
          c.op === "anyContains" || (["contains", "notContains", "startsWith"].includes(c.op) && field.type !== "tags" && field.type !== "multiselect")
            ? v === undefined || v === null || v === ""
              ? "Give a value"
              : null
            : valueProblem(field, v);
        if (problem) issues.push({ path: valuePath, message: problem });
        break;
      }
      case "list": {
        if (!Array.isArray(v) || v.length === 0) {
          issues.push({ path: valuePath, message: `"${operatorLabels[c.op]}" needs a list of values` });
          break;
        }
        const problem = v.map((x) => valueProblem(field, x)).find(Boolean);
        if (problem) issues.push({ path: valuePath, message: problem });
        break;
      }
      case "range": {
        if (!Array.isArray(v) || v.length !== 2) {
          issues.push({ path: valuePath, message: "between needs [from, to]" });
          break;
        }
        const problem = v.map((x) => valueProblem(field, x)).find(Boolean);
        if (problem) issues.push({ path: valuePath, message: problem });
        else if (field.type === "number" || field.type === "money" ? Number(v[0]) > Number(v[1]) : String(v[0]) > String(v[1]))
          issues.push({ path: valuePath, message: "between needs the smaller value first" });
        break;
      }
      case "span":
        if (!RelativeSpan.safeParse(v).success) issues.push({ path: valuePath, message: `"${operatorLabels[c.op]}" needs a number and a unit, e.g. 7 days` });
        break;
    }
  };
  walk(condition, "", 0);
  return issues;
}

/** Fields of the registry that are the same as a leaf's in another language, e.g. for descriptions. */
export function describeLeaf(leaf: ConditionLeaf, registry: FieldRegistry, object: RegistryObject): string {
  const resolved = resolveFieldPath(registry, object, leaf.field);
  if (typeof resolved === "string") return `${leaf.field} ${leaf.op}`;
  const { field, relation } = resolved;
  const name = relation ? `${relation.label} ${field.label.toLowerCase()}` : field.label;
  const isList = field.type === "tags" || field.type === "multiselect";
  const op = (isList ? listOperatorLabels[leaf.op] : undefined) ?? operatorLabels[leaf.op];
  const show = (x: unknown) => field.options?.find((o) => o.value === String(x))?.label ?? String(x);
  const v = leaf.value;
  let value = "";
  if (Array.isArray(v)) value = leaf.op === "between" ? `${show(v[0])} and ${show(v[1])}` : v.map(show).join(", ");
  else if (v && typeof v === "object") value = `${v.n} ${timeUnitLabels[v.unit]}`;
  else if (v !== undefined && v !== null) value = field.type === "boolean" ? (String(v) === "true" ? "yes" : "no") : show(v);
  const quant = relation?.many ? (leaf.quantifier === "none" ? "no " : "any ") : "";
  return `${quant}${name} ${op}${value ? ` ${value}` : ""}`.replace(" … ago", "").trim() + (leaf.op === "olderThan" ? " ago" : "");
}

/** "Lifecycle stage is Customer and (Country is DE or Lead score is more than 50)". */
export function describeCondition(c: Condition, registry: FieldRegistry, object: RegistryObject, nested = false): string {
  if (!isGroup(c)) return describeLeaf(c, registry, object);
  const items = groupItems(c);
  if (items.length === 0) return "every record";
  const text = items.map((i) => describeCondition(i, registry, object, true)).join("all" in c ? " and " : " or ");
  return nested && items.length > 1 ? `(${text})` : text;
}
