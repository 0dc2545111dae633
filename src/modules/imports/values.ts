/** Dates, numbers and yes/no values as spreadsheets and CRM exports write them. */

export type DateFormat = "auto" | "ymd" | "mdy" | "dmy";
export type NumberFormat = "auto" | "en" | "eu";

const pad = (n: number) => String(n).padStart(2, "0");

function validDate(y: number, m: number, d: number): string | null {
  if (y < 100) y += y < 70 ? 2000 : 1900;
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${y}-${pad(m)}-${pad(d)}`;
}

/**
 * A calendar date (YYYY-MM-DD) from ISO, US m/d/Y, EU d.m.Y or d/m/Y text, or null.
 * Slash dates follow `format`; "auto" (a column whose order nothing decided) reads them as m/d/Y unless the day is obviously first.
 */
export function parseDate(raw: string, format: DateFormat = "auto"): string | null {
  const s = raw.trim();
  if (!s) return null;
  let m = s.match(/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$/);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = s.match(/^(\d{4})\/(\d{1,2})\/(\d{1,2})(?:[T ].*)?$/);
  if (m) return validDate(Number(m[1]), Number(m[2]), Number(m[3]));
  m = s.match(/^(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})(?:[T ].*)?$/);
  if (m) return validDate(Number(m[3]), Number(m[2]), Number(m[1]));
  m = s.match(/^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})(?:[T ].*)?$/);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    const y = Number(m[3]);
    // "auto" only reaches here for a column nobody decided (a preview, which then asks): the run never guesses.
    if (format === "ymd") return null;
    const order = format === "dmy" ? "dmy" : format === "mdy" ? "mdy" : a > 12 ? "dmy" : "mdy";
    return order === "dmy" ? validDate(y, b, a) : validDate(y, a, b);
  }
  return null;
}

const orderNames: Record<DateFormat, string> = { auto: "", ymd: "year-month-day", mdy: "month/day/year", dmy: "day/month/year" };
/** Why a value was refused as a date, naming the order its column is read in (a 13th month is the usual reason). */
export const notADate = (raw: string, format: DateFormat) =>
  `"${raw}" is not a date${format !== "auto" && /^\d{1,2}[/-]\d{1,2}[/-]/.test(raw.trim()) ? ` in ${orderNames[format]} order` : ""}`;

/**
 * A moment from "2024-01-23T17:50:51.000+0000", "2024-01-23 17:50", "3/4/2025 2:30 PM" or a plain date.
 * Times without an offset are read as UTC (workspaces have no time zone yet). A plain date becomes noon UTC,
 * which is the same calendar day from UTC−11 to UTC+11, so the timeline shows the day the file says.
 */
export function parseDateTime(raw: string, format: DateFormat = "auto"): Date | null {
  const s = raw.trim();
  if (!s) return null;
  const iso = s.match(/^(\d{4}-\d{1,2}-\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i);
  if (iso) {
    const day = parseDate(iso[1] as string, "ymd");
    if (!day) return null;
    const zone = !iso[6] || iso[6].toUpperCase() === "Z" ? "Z" : iso[6].includes(":") ? iso[6] : `${iso[6].slice(0, 3)}:${iso[6].slice(3)}`;
    const d = new Date(`${day}T${pad(Number(iso[2]))}:${iso[3]}:${iso[4] ?? "00"}${iso[5] ?? ""}${zone}`);
    return Number.isNaN(d.getTime()) || Number(iso[2]) > 23 ? null : d;
  }
  const local = s.match(/^(.+?)[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$/);
  if (local) {
    const day = parseDate(local[1] as string, format);
    let h = Number(local[2]);
    if (local[5]) {
      if (h < 1 || h > 12) return null;
      h = (h % 12) + (local[5].toLowerCase() === "pm" ? 12 : 0);
    }
    if (!day || h > 23) return null;
    return new Date(`${day}T${pad(h)}:${local[3]}:${local[4] ?? "00"}Z`);
  }
  const day = parseDate(s, format);
  return day ? new Date(`${day}T12:00:00Z`) : null;
}

export type SlashOrder = "none" | "mdy" | "dmy" | "ambiguous" | "conflict";

/**
 * What the slash dates of one column allow, value after value: a column is read in one order, decided from all
 * its values, never value by value (which swaps day and month of every date up to the 12th in a d/m/Y file).
 */
export class SlashDateOrder {
  private dmyOnly: string | null = null;
  private mdyOnly: string | null = null;
  /** An ambiguous value, to show the user what needs a decision. */
  example: string | null = null;

  add(value: string): void {
    const m = value.trim().match(/^(\d{1,2})[/-](\d{1,2})[/-](\d{2}|\d{4})/);
    if (!m) return;
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (a > 12 && b <= 12) this.dmyOnly ??= value.trim();
    else if (b > 12 && a <= 12) this.mdyOnly ??= value.trim();
    else if (a !== b && a <= 12 && b <= 12) this.example ??= value.trim();
  }

  get order(): SlashOrder {
    if (this.dmyOnly && this.mdyOnly) return "conflict";
    if (this.dmyOnly) return "dmy";
    if (this.mdyOnly) return "mdy";
    // Only dates such as 05/05/2025, which read the same in both orders: nothing to decide.
    return this.example ? "ambiguous" : "none";
  }

  /** A value that only one order can read, for each order: the evidence behind a decision or a conflict. */
  get evidence(): { dmy: string | null; mdy: string | null } {
    return { dmy: this.dmyOnly, mdy: this.mdyOnly };
  }
}

/** What slash dates in these values allow: both orders, only one, or no slash dates at all. */
export function slashDateOrder(values: string[]): SlashOrder {
  const o = new SlashDateOrder();
  for (const v of values) o.add(v);
  return o.order;
}

/** A number from "1,234.56", "1.234,56", "1 234,5", "$1,200", "12%"; null if it is not one. */
export function parseNumber(raw: string, format: NumberFormat = "auto"): number | null {
  let s = raw
    .trim()
    .replace(/[\s\u00a0\u202f']/g, "")
    .replace(/^[$€£¥]|[$€£¥%]$/g, "");
  if (!s) return null;
  const negative = /^\(.*\)$/.test(s);
  if (negative) s = s.slice(1, -1);
  // Scientific notation, as Salesforce and spreadsheets write large amounts ("6.0E7", "8.48E10").
  const sci = s.match(/^(-?\d+)(?:([.,])(\d+))?[eE]([+-]?\d{1,3})$/);
  if (sci) {
    const mark = sci[2];
    if (mark && ((format === "en" && mark !== ".") || (format === "eu" && mark !== ","))) return null;
    const n = Number(`${sci[1]}${sci[3] ? `.${sci[3]}` : ""}e${sci[4]}`);
    if (!Number.isFinite(n)) return null;
    return negative ? -n : n;
  }
  let decimal: "." | "," = ".";
  if (format === "eu") decimal = ",";
  else if (format === "auto") {
    const lastDot = s.lastIndexOf(".");
    const lastComma = s.lastIndexOf(",");
    if (lastDot >= 0 && lastComma >= 0) decimal = lastComma > lastDot ? "," : ".";
    // A lone comma followed by anything but exactly three digits is a decimal comma ("1,5"); "1,234" stays a thousand.
    else if (lastComma >= 0 && !/^-?\d{1,3}(,\d{3})+$/.test(s)) decimal = ",";
    // Dots every three digits with no comma ("1.234.567") are thousands.
    else if (lastDot >= 0 && /^-?\d{1,3}(\.\d{3}){2,}$/.test(s)) decimal = ",";
  }
  const thousands = decimal === "." ? "," : ".";
  const grouped = new RegExp(`^-?\\d{1,3}(\\${thousands}\\d{3})*(\\${decimal}\\d+)?$`);
  const plain = new RegExp(`^-?\\d+(\\${decimal}\\d+)?$`);
  if (!grouped.test(s) && !plain.test(s)) return null;
  const n = Number(s.split(thousands).join("").replace(decimal, "."));
  if (!Number.isFinite(n)) return null;
  return negative ? -n : n;
}

const yes = new Set(["true", "yes", "y", "1", "x", "ja", "oui", "si", "sí", "checked", "opted in", "opted-in"]);
const no = new Set(["false", "no", "n", "0", "nein", "non", "unchecked", "opted out", "opted-out"]);

export function parseBoolean(raw: string): boolean | null {
  const s = raw.trim().toLowerCase();
  if (yes.has(s)) return true;
  if (no.has(s)) return false;
  return null;
}

/** example.com from "https://www.example.com/about", "www.example.com", "info@example.com". */
export function domainOf(raw: string): string | null {
  let s = raw.trim().toLowerCase();
  if (!s) return null;
  if (s.includes("@") && !s.includes("/")) s = s.slice(s.lastIndexOf("@") + 1);
  s = s
    .replace(/^[a-z]+:\/\//, "")
    .replace(/^www\./, "")
    .replace(/[/?#:].*$/, "");
  return /^([a-z0-9-]+\.)+[a-z]{2,}$/.test(s) ? s : null;
}

const unitSeconds: Record<string, number> = {
  d: 86_400,
  day: 86_400,
  days: 86_400,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
};

/**
 * A duration as exports write one, in seconds: "HH:MM[:SS]" (hours may pass 24), words ("1 day 2 h 30 min", "90 min"),
 * ISO 8601 ("P1DT2H30M"), a bare number (minutes, as help desks export reply times), or a date-time, whose time of day
 * is the duration (some exports store durations as times on a placeholder date, as the support-tickets dataset does).
 */
export function parseDuration(raw: string): number | null {
  const s = raw.trim().toLowerCase();
  if (!s) return null;
  const clock = /^(\d{1,5}):([0-5]\d)(?::([0-5]\d))?$/.exec(s);
  if (clock) return Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3] ?? 0);
  const onDate = /^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}[ t](\d{1,2}):([0-5]\d)(?::([0-5]\d)(?:\.\d+)?)?$/.exec(s);
  if (onDate && Number(onDate[1]) < 24) return Number(onDate[1]) * 3600 + Number(onDate[2]) * 60 + Number(onDate[3] ?? 0);
  const iso = /^p(?:(\d+(?:\.\d+)?)d)?(?:t(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?)?$/.exec(s);
  if (iso && s !== "p" && s !== "pt")
    return Math.round(Number(iso[1] ?? 0) * 86_400 + Number(iso[2] ?? 0) * 3600 + Number(iso[3] ?? 0) * 60 + Number(iso[4] ?? 0));
  if (/^\d+(?:\.\d+)?$/.test(s)) return Math.round(Number(s) * 60);
  const parts = [...s.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)\s*,?\s*/g)];
  if (parts.length && parts.map((p) => p[0]).join("") === s.replace(/^\s+/, "")) {
    let total = 0;
    for (const [, n, unit] of parts) {
      const per = unitSeconds[unit as string];
      if (per === undefined) return null;
      total += Number(n) * per;
    }
    return Math.round(total);
  }
  return null;
}
