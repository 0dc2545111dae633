/**
 * The three condition evaluators Rapport had before the one condition language (issue #18), kept verbatim as the
 * reference the condition migration's test (src/modules/conditions/migration.test.ts) compares with: lead rules
 * (in memory, on a contact and its company), list filters and saved views (SQL), workflow and webhook conditions
 * (in memory, on the record an event carries). Nothing in the application uses them.
 */
import { type AnyColumn, isNull, type SQL, sql } from "drizzle-orm";
import type { FieldKind, ListField } from "../db/list-query.js";

export interface LegacyLeaf {
  field: string;
  op: string;
  value?: unknown;
}

const isBlank = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const norm = (v: unknown) => String(v).trim().toLowerCase();
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN);

// ---- assignment and scoring rules (src/modules/leads/conditions.ts) ----

export interface LegacyLeadFacts {
  country: string | null;
  region: string | null;
  city: string | null;
  jobTitle: string | null;
  leadSource: string | null;
  lifecycleStage: string | null;
  companySize: number | null;
  companyIndustry: string | null;
  emailDomain: string | null;
  tags: string[];
  custom: Record<string, unknown>;
}

function leadEquals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => leadEquals(a, expected));
  if (typeof expected === "number" || typeof actual === "number") return num(actual) === num(expected);
  if (typeof actual === "boolean") return String(actual) === norm(expected);
  return norm(actual) === norm(expected);
}

export function legacyLeadMatches(facts: LegacyLeadFacts, c: LegacyLeaf): boolean {
  const v = c.field.startsWith("custom.") ? facts.custom[c.field.slice(7)] : facts[c.field as keyof LegacyLeadFacts];
  switch (c.op) {
    case "empty":
      return isBlank(v);
    case "notEmpty":
      return !isBlank(v);
    case "eq":
      return !isBlank(v) && leadEquals(v, c.value);
    case "neq":
      return isBlank(v) || !leadEquals(v, c.value);
    case "in":
      return !isBlank(v) && (Array.isArray(c.value) ? c.value : [c.value]).some((x) => leadEquals(v, x));
    case "contains":
      if (isBlank(v)) return false;
      return Array.isArray(v) ? v.some((x) => norm(x).includes(norm(c.value))) : norm(v).includes(norm(c.value));
    case "between": {
      const [lo, hi] = (c.value as (string | number)[]).map(num);
      const n = num(v);
      return !Number.isNaN(n) && n >= (lo as number) && n <= (hi as number);
    }
    default: {
      const n = num(v);
      const x = num(c.value);
      if (isBlank(v) || Number.isNaN(n)) return false;
      return c.op === "gt" ? n > x : c.op === "gte" ? n >= x : c.op === "lt" ? n < x : n <= x;
    }
  }
}

// ---- list filters and saved views (src/db/list-query.ts filterCondition) ----

const castFor: Record<FieldKind, string> = { text: "text", number: "numeric", timestamp: "timestamptz", boolean: "boolean", uuid: "uuid", text_array: "text" };
const literal = (kind: FieldKind, value: unknown): SQL => sql`${String(value)}::${sql.raw(castFor[kind])}`;
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function legacyFilterSql(field: ListField, c: LegacyLeaf): SQL {
  const e = field.expr;
  if (field.kind === "text_array") {
    const asJson = !(e as { getSQLType?: () => string }).getSQLType;
    const has = (v: unknown) => (asJson ? sql`coalesce(${e} ? ${String(v)}, false)` : sql`${String(v)} = any(${e})`);
    switch (c.op) {
      case "eq":
      case "contains":
        return has(c.value);
      case "neq":
        return sql`not ${has(c.value)}`;
      case "in":
        return sql`(${sql.join((Array.isArray(c.value) ? c.value : [c.value]).map(has), sql` or `)})`;
      case "empty":
        return asJson ? sql`coalesce(jsonb_array_length(${e}), 0) = 0` : sql`cardinality(${e}) = 0`;
      default:
        return asJson ? sql`coalesce(jsonb_array_length(${e}), 0) > 0` : sql`cardinality(${e}) > 0`;
    }
  }
  switch (c.op) {
    case "eq":
      return field.kind === "text" ? sql`lower(${e}) = lower(${literal("text", c.value)})` : sql`${e} = ${literal(field.kind, c.value)}`;
    case "neq":
      return sql`${e} is distinct from ${literal(field.kind, c.value)}`;
    case "contains":
      return sql`${e}::text ilike ${`%${escapeLike(String(c.value ?? ""))}%`}`;
    case "gt":
      return sql`${e} > ${literal(field.kind, c.value)}`;
    case "gte":
      return sql`${e} >= ${literal(field.kind, c.value)}`;
    case "lt":
      return sql`${e} < ${literal(field.kind, c.value)}`;
    case "lte":
      return sql`${e} <= ${literal(field.kind, c.value)}`;
    case "in":
      return sql`${e} in (${sql.join(
        (c.value as unknown[]).map((v) => literal(field.kind, v)),
        sql`, `,
      )})`;
    case "empty":
      return field.kind === "text" ? sql`coalesce(${e}, '') = ''` : isNull(e as AnyColumn);
    default:
      return field.kind === "text" ? sql`coalesce(${e}, '') <> ''` : sql`${e} is not null`;
  }
}

// ---- workflow conditions (src/modules/workflows/conditions.ts over src/modules/webhooks/conditions.ts) ----

function valueAt(record: Record<string, unknown> | null, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function hookEquals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => hookEquals(a, expected));
  if (typeof expected === "number" || typeof actual === "number") return num(actual) === num(expected);
  return norm(actual) === norm(expected);
}

function compare(actual: unknown, expected: unknown): number | null {
  const a = num(actual);
  const b = num(expected);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  if (isBlank(actual) || expected === undefined) return null;
  return String(actual).localeCompare(String(expected));
}

function hookHolds(record: Record<string, unknown> | null, changes: { field: string }[], c: LegacyLeaf): boolean {
  if (c.op === "changed") return changes.some((ch) => ch.field === c.field || ch.field.startsWith(`${c.field}.`));
  const v = valueAt(record, c.field);
  switch (c.op) {
    case "empty":
      return isBlank(v);
    case "notEmpty":
      return !isBlank(v);
    case "eq":
      return !isBlank(v) && hookEquals(v, c.value);
    case "neq":
      return isBlank(v) || !hookEquals(v, c.value);
    case "in":
      return !isBlank(v) && (Array.isArray(c.value) ? c.value : [c.value]).some((x) => hookEquals(v, x));
    case "contains":
      if (isBlank(v)) return false;
      return Array.isArray(v) ? v.some((x) => norm(x).includes(norm(c.value))) : norm(typeof v === "object" ? JSON.stringify(v) : v).includes(norm(c.value));
    default: {
      const d = compare(v, c.value);
      if (d === null || Number.isNaN(d)) return false;
      return c.op === "gt" ? d > 0 : c.op === "gte" ? d >= 0 : c.op === "lt" ? d < 0 : d <= 0;
    }
  }
}

type Node = { all?: Node[]; any?: Node[]; field?: string; op?: string; value?: unknown };

export function legacyWorkflowHolds(condition: Node | null | undefined, record: Record<string, unknown> | null, changes: { field: string }[] = []): boolean {
  if (!condition || Object.keys(condition).length === 0) return true;
  if (condition.all) return condition.all.every((c) => legacyWorkflowHolds(c, record, changes));
  if (condition.any) return condition.any.length === 0 || condition.any.some((c) => legacyWorkflowHolds(c, record, changes));
  return hookHolds(record, changes, condition as LegacyLeaf);
}
