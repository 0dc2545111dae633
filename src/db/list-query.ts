import { type AnyColumn, and, asc, Column, desc, is, isNull, type SQL, sql } from "drizzle-orm";
import { FilterCondition } from "../contract/common.js";
import type { CustomFieldType } from "../contract/custom-fields.js";
import { AppError } from "../core/errors.js";

export type FieldKind = "text" | "number" | "timestamp" | "boolean" | "uuid" | "text_array";

/** A field a list can filter and sort on: its SQL expression and how values compare. */
export interface ListField {
  expr: SQL | AnyColumn;
  kind: FieldKind;
  sortable?: boolean;
}

export interface CustomFieldDef {
  key: string;
  type: CustomFieldType;
}

const castFor: Record<FieldKind, string> = {
  text: "text",
  number: "numeric",
  timestamp: "timestamptz",
  boolean: "boolean",
  uuid: "uuid",
  text_array: "text",
};

function customField(column: AnyColumn, def: CustomFieldDef): ListField {
  const raw = sql`(${column} ->> ${def.key})`;
  switch (def.type) {
    case "number":
    case "currency":
      return { expr: sql`(${raw})::numeric`, kind: "number", sortable: true };
    case "boolean":
      return { expr: sql`(${raw})::boolean`, kind: "boolean", sortable: true };
    case "multi_select":
      return { expr: sql`(${column} -> ${def.key})`, kind: "text_array" };
    default:
      return { expr: raw, kind: "text", sortable: true };
  }
}

export function resolveField(fields: Record<string, ListField>, name: string, customColumn: AnyColumn, defs: CustomFieldDef[]): ListField {
  if (name.startsWith("custom.")) {
    const def = defs.find((d) => d.key === name.slice(7));
    if (def) return customField(customColumn, def);
  } else if (Object.hasOwn(fields, name)) {
    return fields[name] as ListField;
  }
  throw new AppError("validation_failed", `Unknown field "${name}"`, [{ path: "filter", message: `Unknown field "${name}"` }]);
}

function literal(kind: FieldKind, value: unknown, field: string): SQL {
  if (value === undefined || value === null || Array.isArray(value)) {
    throw new AppError("validation_failed", `Filter on ${field} needs a single value`, [{ path: "filter", message: `Filter on ${field} needs a value` }]);
  }
  if (kind === "number" && !Number.isFinite(Number(value))) {
    throw new AppError("validation_failed", `Filter on ${field} needs a number`, [{ path: "filter", message: `${field} is a number` }]);
  }
  if (kind === "timestamp" && Number.isNaN(Date.parse(String(value)))) {
    throw new AppError("validation_failed", `Filter on ${field} needs a date`, [{ path: "filter", message: `${field} is a date` }]);
  }
  if (kind === "uuid" && !/^[0-9a-f-]{36}$/i.test(String(value))) {
    throw new AppError("validation_failed", `Filter on ${field} needs an id`, [{ path: "filter", message: `${field} is an id` }]);
  }
  return sql`${String(value)}::${sql.raw(castFor[kind])}`;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function filterCondition(field: ListField, c: FilterCondition): SQL {
  const e = field.expr;
  if (field.kind === "text_array") {
    // Arrays (tags, multi-select): eq/contains = has the value; in = has any; neq = lacks it.
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
      case "notEmpty":
        return asJson ? sql`coalesce(jsonb_array_length(${e}), 0) > 0` : sql`cardinality(${e}) > 0`;
      default:
        throw new AppError("validation_failed", `Operator ${c.op} does not apply to a list field`, [
          { path: "filter", message: `Operator ${c.op} does not apply here` },
        ]);
    }
  }
  switch (c.op) {
    case "eq":
      return field.kind === "text" ? sql`lower(${e}) = lower(${literal("text", c.value, c.field)})` : sql`${e} = ${literal(field.kind, c.value, c.field)}`;
    case "neq":
      return sql`${e} is distinct from ${literal(field.kind, c.value, c.field)}`;
    case "contains":
      return sql`${e}::text ilike ${`%${escapeLike(String(c.value ?? ""))}%`}`;
    case "gt":
      return sql`${e} > ${literal(field.kind, c.value, c.field)}`;
    case "gte":
      return sql`${e} >= ${literal(field.kind, c.value, c.field)}`;
    case "lt":
      return sql`${e} < ${literal(field.kind, c.value, c.field)}`;
    case "lte":
      return sql`${e} <= ${literal(field.kind, c.value, c.field)}`;
    case "in": {
      const values = Array.isArray(c.value) ? c.value : [c.value];
      if (values.length === 0 || values.length > 100)
        throw new AppError("validation_failed", "in needs 1 to 100 values", [{ path: "filter", message: "in needs 1 to 100 values" }]);
      return sql`${e} in (${sql.join(
        values.map((v) => literal(field.kind, v, c.field)),
        sql`, `,
      )})`;
    }
    case "empty":
      return field.kind === "text" ? sql`coalesce(${e}, '') = ''` : isNull(e as AnyColumn);
    case "notEmpty":
      return field.kind === "text" ? sql`coalesce(${e}, '') <> ''` : sql`${e} is not null`;
  }
}

export function parseFilterParam(raw: string | undefined): FilterCondition[] {
  if (!raw) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new AppError("validation_failed", "filter must be a JSON array", [{ path: "filter", message: "filter must be a JSON array" }]);
  }
  if (!Array.isArray(parsed) || parsed.length > 30) {
    throw new AppError("validation_failed", "filter must be a JSON array of at most 30 conditions", [{ path: "filter", message: "Expected an array" }]);
  }
  return parsed.map((c, i) => {
    const r = FilterCondition.safeParse(c);
    if (!r.success) {
      const issue = r.error.issues[0];
      const path = ["filter", i, ...(issue?.path ?? [])].join(".");
      throw new AppError("validation_failed", `${path}: ${issue?.message ?? "invalid"}`, [{ path, message: issue?.message ?? "Invalid condition" }]);
    }
    return r.data;
  });
}

// ---- keyset pagination ----

interface Cursor {
  v: string | number | boolean | null;
  id: string;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.v, c.id])).toString("base64url");
}

function decodeCursor(raw: string): Cursor {
  try {
    const [v, id] = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    if (typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error("bad id");
    if (v !== null && !["string", "number", "boolean"].includes(typeof v)) throw new Error("bad value");
    return { v, id };
  } catch {
    throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
  }
}

export interface Keyset {
  where?: SQL;
  orderBy: SQL[];
  /** Reads the cursor value of a row (the sort expression is selected as `sort_value`). */
  sortExpr: SQL | AnyColumn;
  kind: FieldKind;
}

/**
 * ORDER BY sort NULLS LAST, id — and the WHERE that continues after a cursor. A NOT NULL column needs no
 * NULLS LAST, and leaving it out (with a row comparison for the cursor) lets a (workspace_id, column, id)
 * index serve both directions and seek straight to the cursor; DESC NULLS LAST would sort the whole table.
 */
export function keyset(sortField: ListField, descending: boolean, idColumn: AnyColumn, cursor?: string): Keyset {
  const e = sortField.expr;
  const dir = descending ? sql`desc` : sql`asc`;
  const notNull = is(e, Column) && e.notNull;
  const orderBy = [notNull ? sql`${e} ${dir}` : sql`${e} ${dir} nulls last`, descending ? desc(idColumn) : asc(idColumn)];
  if (!cursor) return { orderBy, sortExpr: e, kind: sortField.kind };
  const c = decodeCursor(cursor);
  const cmp = descending ? sql`<` : sql`>`;
  const idAfter = sql`${idColumn} ${cmp} ${c.id}::uuid`;
  let where: SQL;
  if (notNull && c.v !== null) {
    where = sql`(${e}, ${idColumn}) ${cmp} (${String(c.v)}::${sql.raw(castFor[sortField.kind])}, ${c.id}::uuid)`;
  } else if (c.v === null) {
    where = sql`(${e} is null and ${idAfter})`;
  } else {
    // The cursor holds the value's own text form (selected as ::text), so the cast back is exact to the microsecond.
    const v = sql`${String(c.v)}::${sql.raw(castFor[sortField.kind])}`;
    where = sql`(${e} ${cmp} ${v} or (${e} = ${v} and ${idAfter}) or ${e} is null)`;
  }
  return { where, orderBy, sortExpr: e, kind: sortField.kind };
}

/** Selected beside each row so the next page's cursor can be built from the last one. */
export const sortValueOf = (k: Keyset) => sql<string | null>`(${k.sortExpr})::text`;

export function parseSort(sort: string | undefined, fallback: string): { name: string; descending: boolean } {
  const s = sort?.trim() || fallback;
  return s.startsWith("-") ? { name: s.slice(1), descending: true } : { name: s, descending: false };
}

export function allOf(parts: (SQL | undefined)[]): SQL | undefined {
  return and(...parts.filter((p): p is SQL => p !== undefined));
}
