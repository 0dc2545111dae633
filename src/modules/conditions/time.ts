import type { ConditionLeaf, RelativeSpan, TimeUnit } from "../../contract/conditions.js";
import { partsIn } from "../../core/time-zone.js";

/**
 * Relative and calendar dates in the workspace's time zone, turned into plain bounds. Both the TypeScript evaluator
 * and the SQL compiler apply the same bounds, so "this month" or "in the last 7 days" selects the same records in
 * memory and in a query, and a query compares a column with constants (an index serves it).
 */

/** Lower and upper bounds: instants for datetime fields, YYYY-MM-DD strings for date-only fields. */
export interface Bounds<T> {
  gt?: T;
  gte?: T;
  lt?: T;
  lte?: T;
}

interface LocalDate {
  y: number;
  m: number; // 1-12
  d: number;
}

function localParts(instant: Date, tz: string) {
  const p = partsIn(instant, tz);
  return { y: p.year as number, m: p.month as number, d: p.day as number, h: p.hour as number, min: p.minute as number, s: p.second as number };
}

/** How far the zone is ahead of UTC at an instant, in ms. */
function offsetAt(instant: Date, tz: string): number {
  const p = localParts(instant, tz);
  const asUtc = Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s);
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant a local date starts (its midnight, or the first moment after a DST gap). */
export function startOfLocalDay(day: LocalDate, tz: string): Date {
  const guess = Date.UTC(day.y, day.m - 1, day.d);
  const first = offsetAt(new Date(guess), tz);
  let t = guess - first;
  const second = offsetAt(new Date(t), tz);
  if (second !== first) t = guess - second;
  return new Date(t);
}

export function localDateOf(instant: Date, tz: string): LocalDate {
  const { y, m, d } = localParts(instant, tz);
  return { y, m, d };
}

/** Calendar arithmetic on a local date (month ends roll over, as Date.UTC does). */
export function addToDate(day: LocalDate, unit: Exclude<TimeUnit, "hour">, n: number): LocalDate {
  const months = unit === "month" ? n : unit === "quarter" ? 3 * n : unit === "year" ? 12 * n : 0;
  const days = unit === "day" ? n : unit === "week" ? 7 * n : 0;
  const t = new Date(Date.UTC(day.y, day.m - 1 + months, day.d + days));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

export const isoDate = (day: LocalDate) => `${String(day.y).padStart(4, "0")}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}`;
export function parseIsoDate(s: string): LocalDate {
  const [y, m, d] = s.slice(0, 10).split("-").map(Number);
  return { y: y as number, m: m as number, d: d as number };
}

/** The first day of the week (Monday), month, quarter or year a local date falls in. */
export function startOfPeriod(day: LocalDate, unit: "week" | "month" | "quarter" | "year"): LocalDate {
  if (unit === "week") {
    const dow = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay(); // 0 = Sunday
    return addToDate(day, "day", -((dow + 6) % 7));
  }
  if (unit === "month") return { y: day.y, m: day.m, d: 1 };
  if (unit === "quarter") return { y: day.y, m: day.m - ((day.m - 1) % 3), d: 1 };
  return { y: day.y, m: 1, d: 1 };
}

const isDateOnly = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);
const HOUR = 3_600_000;

export interface TimeContext {
  now: Date;
  timeZone: string;
}

const periodOf: Partial<Record<ConditionLeaf["op"], "week" | "month" | "quarter" | "year">> = {
  thisWeek: "week",
  thisMonth: "month",
  thisQuarter: "quarter",
  thisYear: "year",
};

type Period = "day" | "week" | "month" | "quarter" | "year";
/** Whole calendar periods relative to today: the period, and how many periods back (0 this one, 1 the one before). */
const wholePeriodOf: Partial<Record<ConditionLeaf["op"], { unit: Period; back: number }>> = {
  today: { unit: "day", back: 0 },
  yesterday: { unit: "day", back: 1 },
  lastWeek: { unit: "week", back: 1 },
  lastMonth: { unit: "month", back: 1 },
  lastQuarter: { unit: "quarter", back: 1 },
  lastYear: { unit: "year", back: 1 },
};
/** Periods from their first day up to now ("quarter to date"). */
const toDateOf: Partial<Record<ConditionLeaf["op"], "month" | "quarter" | "year">> = {
  monthToDate: "month",
  quarterToDate: "quarter",
  yearToDate: "year",
};

/** First day of a whole period (inclusive) and the day after it ends (exclusive), in local dates. */
function wholePeriod(today: LocalDate, unit: Period, back: number): { start: LocalDate; end: LocalDate } {
  const current = unit === "day" ? today : startOfPeriod(today, unit);
  const start = addToDate(current, unit, -back);
  return { start, end: addToDate(start, unit, 1) };
}

/**
 * The bounds a temporal operator puts on a datetime field. Days are the workspace's days: "2026-03-01" means from
 * that local midnight to the next, "in the last 7 days" from the start of the day a week ago until now.
 */
export function datetimeBounds(op: ConditionLeaf["op"], value: unknown, t: TimeContext): Bounds<Date> | null {
  const tz = t.timeZone;
  const today = localDateOf(t.now, tz);
  const dayStart = (d: LocalDate) => startOfLocalDay(d, tz);
  /** A value as an instant: a date alone is that day's start. */
  const instant = (v: unknown) => (isDateOnly(String(v)) ? dayStart(parseIsoDate(String(v))) : new Date(String(v)));
  const dayOf = (v: unknown) => (isDateOnly(String(v)) ? parseIsoDate(String(v)) : localDateOf(new Date(String(v)), tz));
  const period = periodOf[op];
  if (period) {
    const start = startOfPeriod(today, period);
    return { gte: dayStart(start), lt: dayStart(addToDate(start, period, 1)) };
  }
  const whole = wholePeriodOf[op];
  if (whole) {
    const { start, end } = wholePeriod(today, whole.unit, whole.back);
    return { gte: dayStart(start), lt: dayStart(end) };
  }
  const toDate = toDateOf[op];
  if (toDate) return { gte: dayStart(startOfPeriod(today, toDate)), lte: t.now };
  const span = value as RelativeSpan;
  switch (op) {
    case "eq": {
      const d = dayOf(value);
      return { gte: dayStart(d), lt: dayStart(addToDate(d, "day", 1)) };
    }
    case "before":
      return { lt: instant(value) };
    case "after":
      return isDateOnly(String(value)) ? { gte: dayStart(addToDate(parseIsoDate(String(value)), "day", 1)) } : { gt: instant(value) };
    case "gt":
      return { gt: instant(value) };
    case "gte":
      return { gte: instant(value) };
    case "lt":
      return { lt: instant(value) };
    case "lte":
      return { lte: instant(value) };
    case "between": {
      const [a, b] = value as unknown[];
      return { gte: instant(a), ...(isDateOnly(String(b)) ? { lt: dayStart(addToDate(parseIsoDate(String(b)), "day", 1)) } : { lte: instant(b) }) };
    }
    case "inLast":
      return span.unit === "hour"
        ? { gte: new Date(t.now.getTime() - span.n * HOUR), lte: t.now }
        : { gte: dayStart(addToDate(today, span.unit, -span.n)), lte: t.now };
    case "inNext":
      return span.unit === "hour"
        ? { gte: t.now, lte: new Date(t.now.getTime() + span.n * HOUR) }
        : { gte: t.now, lt: dayStart(addToDate(addToDate(today, span.unit, span.n), "day", 1)) };
    case "olderThan":
      return span.unit === "hour" ? { lt: new Date(t.now.getTime() - span.n * HOUR) } : { lt: dayStart(addToDate(today, span.unit, -span.n)) };
    default:
      return null;
  }
}

/** The bounds a temporal operator puts on a date-only field, as YYYY-MM-DD strings (which sort as dates). */
export function dateBounds(op: ConditionLeaf["op"], value: unknown, t: TimeContext): Bounds<string> | null {
  const tz = t.timeZone;
  const today = localDateOf(t.now, tz);
  const day = (v: unknown) => (isDateOnly(String(v)) ? String(v) : isoDate(localDateOf(new Date(String(v)), tz)));
  const period = periodOf[op];
  if (period) {
    const start = startOfPeriod(today, period);
    return { gte: isoDate(start), lt: isoDate(addToDate(start, period, 1)) };
  }
  const whole = wholePeriodOf[op];
  if (whole) {
    const { start, end } = wholePeriod(today, whole.unit, whole.back);
    return { gte: isoDate(start), lt: isoDate(end) };
  }
  const toDate = toDateOf[op];
  if (toDate) return { gte: isoDate(startOfPeriod(today, toDate)), lte: isoDate(today) };
  const span = value as RelativeSpan;
  const shifted = (n: number) =>
    span.unit === "hour" ? isoDate(localDateOf(new Date(t.now.getTime() + n * HOUR), tz)) : isoDate(addToDate(today, span.unit, n));
  switch (op) {
    case "eq":
      return { gte: day(value), lte: day(value) };
    case "before":
    case "lt":
      return { lt: day(value) };
    case "after":
    case "gt":
      return { gt: day(value) };
    case "gte":
      return { gte: day(value) };
    case "lte":
      return { lte: day(value) };
    case "between": {
      const [a, b] = value as unknown[];
      return { gte: day(a), lte: day(b) };
    }
    case "inLast":
      return { gte: shifted(-span.n), lte: isoDate(today) };
    case "inNext":
      return { gte: isoDate(today), lte: shifted(span.n) };
    case "olderThan":
      return { lt: shifted(-span.n) };
    default:
      return null;
  }
}
