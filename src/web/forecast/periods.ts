import { today } from "../lib/dates.js";

export type PeriodKind = "month" | "quarter";

const monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The period today falls in, today being the workspace's (a quarter turns at its midnight, not UTC's). */
export function currentPeriod(kind: PeriodKind, now = today()): string {
  const y = now.year;
  const m = now.month - 1;
  return kind === "month" ? `${y}-${String(m + 1).padStart(2, "0")}` : `${y}-Q${Math.floor(m / 3) + 1}`;
}

export function periodsOfYear(year: number, kind: PeriodKind): string[] {
  return kind === "month"
    ? Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`)
    : Array.from({ length: 4 }, (_, i) => `${year}-Q${i + 1}`);
}

export const periodKindOf = (period: string): PeriodKind => (period.includes("Q") ? "quarter" : "month");

/** "2026-Q4" → "Q4 2026", "2026-10" → "Oct 2026". */
export function periodLabel(period: string, withYear = true): string {
  const [y, rest] = period.split("-");
  const label = rest?.startsWith("Q") ? rest : (monthNames[Number(rest) - 1] ?? rest);
  return withYear ? `${label} ${y}` : (label ?? period);
}

/** The periods offered in pickers: last year, this year and next. */
export function periodOptions(kind: PeriodKind, now = today()): { value: string; label: string }[] {
  const y = now.year;
  return [y - 1, y, y + 1].flatMap((year) => periodsOfYear(year, kind).map((p) => ({ value: p, label: periodLabel(p) })));
}

/** First day and the day after the last (YYYY-MM-DD), as the API's from/to take them. */
export function periodRange(period: string): { from: string; to: string } {
  const [y, rest] = period.split("-");
  const year = Number(y);
  const first = rest?.startsWith("Q") ? (Number(rest.slice(1)) - 1) * 3 : Number(rest) - 1;
  const months = rest?.startsWith("Q") ? 3 : 1;
  const day = (m: number) => new Date(Date.UTC(year, m, 1)).toISOString().slice(0, 10);
  return { from: day(first), to: day(first + months) };
}

/** The period `n` periods after (negative: before) this one, of the same kind: shiftPeriod("2026-Q1", -1) → "2025-Q4". */
export function shiftPeriod(period: string, n: number): string {
  const [y, rest] = period.split("-");
  const quarter = rest?.startsWith("Q");
  const index = Number(y) * (quarter ? 4 : 12) + (quarter ? Number(rest!.slice(1)) - 1 : Number(rest) - 1) + n;
  const per = quarter ? 4 : 12;
  const year = Math.floor(index / per);
  const i = index - year * per;
  return quarter ? `${year}-Q${i + 1}` : `${year}-${String(i + 1).padStart(2, "0")}`;
}
