import { type AnyColumn, and, asc, Column, desc, is, type SQL, sql } from "drizzle-orm";
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
