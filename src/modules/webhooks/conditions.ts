import type { Event } from "../../contract/events.js";
import type { WebhookCondition } from "../../contract/webhooks.js";

/**
 * Conditions on an event's record, all of which must hold. A small, closed set of tests evaluated in memory on data
 * the event already carries: nothing a subscriber writes reaches SQL or code.
 */
function valueAt(record: Record<string, unknown> | null, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const isBlank = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const norm = (v: unknown) => String(v).trim().toLowerCase();
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN);

function equals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => equals(a, expected));
  if (typeof expected === "number" || typeof actual === "number") return num(actual) === num(expected);
  return norm(actual) === norm(expected);
}

function compare(actual: unknown, expected: unknown): number | null {
  const a = num(actual);
  const b = num(expected);
  if (!Number.isNaN(a) && !Number.isNaN(b)) return a - b;
  // Dates (ISO strings) and other text compare as text.
  if (isBlank(actual) || expected === undefined) return null;
  return String(actual).localeCompare(String(expected));
}

export function conditionHolds(event: Pick<Event, "data">, c: WebhookCondition): boolean {
  if (c.op === "changed") return event.data.changes.some((ch) => ch.field === c.field || ch.field.startsWith(`${c.field}.`));
  const v = valueAt(event.data.record, c.field);
  switch (c.op) {
    case "empty":
      return isBlank(v);
    case "notEmpty":
      return !isBlank(v);
    case "eq":
      return !isBlank(v) && equals(v, c.value);
    case "neq":
      return isBlank(v) || !equals(v, c.value);
    case "in":
      return !isBlank(v) && (Array.isArray(c.value) ? c.value : [c.value]).some((x) => equals(v, x));
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

export const conditionsHold = (event: Pick<Event, "data">, conditions: readonly WebhookCondition[]) => conditions.every((c) => conditionHolds(event, c));
