import type { PeriodKind } from "../../contract/forecast.js";
import { invalidField } from "../../core/errors.js";

export interface ParsedPeriod {
  period: string;
  kind: PeriodKind;
  /** First day, YYYY-MM-DD. */
  start: string;
  /** First day after the period (exclusive end), YYYY-MM-DD. */
  end: string;
}

const day = (year: number, month0: number) => {
  const y = year + Math.floor(month0 / 12);
  const m = (month0 % 12) + 1;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-01`;
};

/** "2026-10" or "2026-Q4" → its kind and date range; anything else is a validation error on `path`. */
export function parsePeriod(raw: string, path = "period"): ParsedPeriod {
  const p = raw.trim().toUpperCase();
  const m = /^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$/.exec(p);
  if (!m) throw invalidField(path, "Use a month such as 2026-10 or a quarter such as 2026-Q4");
  const year = Number(m[1]);
  if (m[2]) {
    const month0 = Number(m[2]) - 1;
    return { period: p, kind: "month", start: day(year, month0), end: day(year, month0 + 1) };
  }
  const q0 = (Number(m[3]) - 1) * 3;
  return { period: p, kind: "quarter", start: day(year, q0), end: day(year, q0 + 3) };
}

/** The periods of a year, in order: 12 months or 4 quarters. */
export function periodsOfYear(year: number, kind: PeriodKind): string[] {
  return kind === "month"
    ? Array.from({ length: 12 }, (_, i) => `${year}-${String(i + 1).padStart(2, "0")}`)
    : Array.from({ length: 4 }, (_, i) => `${year}-Q${i + 1}`);
}

/** The period containing a date, of the given kind. */
export function periodOf(date: Date, kind: PeriodKind): string {
  const y = date.getUTCFullYear();
  const m = date.getUTCMonth();
  return kind === "month" ? `${y}-${String(m + 1).padStart(2, "0")}` : `${y}-Q${Math.floor(m / 3) + 1}`;
}
