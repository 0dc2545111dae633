import type { CustomField, FilterCondition } from "../../contract/index.js";
import type { FieldDef, FieldKind } from "./types.js";

type Op = FilterCondition["op"];

export const opLabels: Record<Op, string> = {
  eq: "is",
  neq: "is not",
  contains: "contains",
  gt: "greater than",
  gte: "at least",
  lt: "less than",
  lte: "at most",
  in: "is any of",
  empty: "is empty",
  notEmpty: "is not empty",
};

const dateOpLabels: Partial<Record<Op, string>> = { eq: "on", gt: "after", gte: "on or after", lt: "before", lte: "on or before" };

export function opLabel(kind: FieldKind, op: Op): string {
  if (kind === "date") return dateOpLabels[op] ?? opLabels[op];
  if (kind === "tags" || kind === "multi") return op === "contains" ? "includes" : opLabels[op];
  return opLabels[op];
}

export function opsFor(kind: FieldKind): Op[] {
  switch (kind) {
    case "text":
      return ["contains", "eq", "neq", "empty", "notEmpty"];
    case "number":
      return ["eq", "neq", "gt", "gte", "lt", "lte", "empty", "notEmpty"];
    case "date":
      return ["eq", "gt", "gte", "lt", "lte", "empty", "notEmpty"];
    case "boolean":
      return ["eq"];
    case "enum":
      return ["eq", "neq", "in", "empty", "notEmpty"];
    case "user":
      return ["eq", "neq", "empty", "notEmpty"];
    case "tags":
    case "multi":
      return ["contains", "empty", "notEmpty"];
  }
}

export const opNeedsValue = (op: Op) => op !== "empty" && op !== "notEmpty";

export function customFieldKind(f: CustomField): FieldKind {
  switch (f.type) {
    case "number":
    case "currency":
      return "number";
    case "date":
      return "date";
    case "boolean":
      return "boolean";
    case "select":
      return "enum";
    case "multi_select":
      return "multi";
    default:
      return "text";
  }
}

export function customFieldDefs(fields: CustomField[]): FieldDef[] {
  return fields.map((f) => ({
    id: `custom.${f.key}`,
    label: f.label,
    kind: customFieldKind(f),
    options: f.options.length ? f.options.map((o) => ({ value: o, label: o })) : undefined,
  }));
}

/** A new condition with a sensible default value for the field's kind. */
export function newCondition(field: FieldDef): FilterCondition {
  const op = opsFor(field.kind)[0] ?? "eq";
  return { field: field.id, op, value: defaultValue(field, op) };
}

export function defaultValue(field: FieldDef, op: Op): FilterCondition["value"] {
  if (!opNeedsValue(op)) return undefined;
  if (op === "in") return [];
  switch (field.kind) {
    case "boolean":
      return true;
    case "enum":
      return field.options?.[0]?.value ?? "";
    default:
      return "";
  }
}

/** Conditions that are complete enough to send (blank values are skipped, not sent). */
export function completeFilters(filters: FilterCondition[]): FilterCondition[] {
  return filters.filter((f) => {
    if (!opNeedsValue(f.op)) return true;
    if (f.value === undefined || f.value === null || f.value === "") return false;
    if (Array.isArray(f.value) && f.value.length === 0) return false;
    return true;
  });
}

export function describeCondition(c: FilterCondition, fields: FieldDef[], userName: (id: string) => string): string {
  const def = fields.find((f) => f.id === c.field);
  const label = def?.label ?? c.field;
  const kind = def?.kind ?? "text";
  const op = opLabel(kind, c.op);
  if (!opNeedsValue(c.op)) return `${label} ${op}`;
  const show = (v: string | number | boolean) => {
    if (typeof v === "boolean") return v ? "yes" : "no";
    if (kind === "user") return v === "me" ? "me" : userName(String(v));
    return def?.options?.find((o) => o.value === v)?.label ?? String(v);
  };
  const value = Array.isArray(c.value) ? c.value.map(show).join(", ") : c.value === undefined ? "" : show(c.value);
  return `${label} ${op} ${value}`;
}

const dayStart = (d: string) => new Date(`${d}T00:00:00`);
const nextDay = (d: string) => {
  const t = dayStart(d);
  t.setDate(t.getDate() + 1);
  return t;
};

/**
 * What is sent to the API: incomplete conditions dropped, and date conditions on timestamps widened
 * to whole local days ("created on 3 May" = from local midnight to the next).
 */
export function expandFilters(filters: FilterCondition[], fields: FieldDef[]): FilterCondition[] {
  const out: FilterCondition[] = [];
  for (const c of completeFilters(filters)) {
    const def = fields.find((f) => f.id === c.field);
    if (!def?.timestamp || typeof c.value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(c.value)) {
      out.push(c);
      continue;
    }
    const start = dayStart(c.value).toISOString();
    const end = nextDay(c.value).toISOString();
    switch (c.op) {
      case "eq":
        out.push({ field: c.field, op: "gte", value: start }, { field: c.field, op: "lt", value: end });
        break;
      case "gt":
        out.push({ field: c.field, op: "gte", value: end });
        break;
      case "gte":
        out.push({ field: c.field, op: "gte", value: start });
        break;
      case "lt":
        out.push({ field: c.field, op: "lt", value: start });
        break;
      case "lte":
        out.push({ field: c.field, op: "lt", value: end });
        break;
      default:
        out.push(c);
    }
  }
  return out;
}
