/**
 * Dates in the workspace's time zone. Every screen shows, and every date-time input reads, wall-clock time
 * in the zone the workspace chose (Settings → Workspace), not the browser's: a team spread over several
 * zones sees one calendar, and "due today" means the same day to everyone. Built on the platform's own
 * IANA database (Intl), which the browser keeps current; no zone data is shipped.
 */

const browserZone = (() => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
})();

let zone = browserZone;

/** The browser's own zone: what sign-up offers as the workspace's. */
export const browserTimeZone = (): string => browserZone;

/** Switches every helper here to the workspace's zone; Root calls it with /me's answer before rendering. */
export function setTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    if (tz !== zone) formats.clear();
    zone = tz;
  } catch {
    // A zone this browser does not know (an older ICU): keep the previous one rather than fail every render.
  }
}

export const timeZone = (): string => zone;

const formats = new Map<string, Intl.DateTimeFormat>();
/** One formatter per option set and zone: building them costs more than formatting. */
function fmt(options: Intl.DateTimeFormatOptions, tz = zone): Intl.DateTimeFormat {
  const key = `${tz}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(undefined, { ...options, timeZone: tz });
    formats.set(key, f);
  }
  return f;
}

const toDate = (v: Date | string | number): Date => (v instanceof Date ? v : new Date(v));

/** Formats an instant in the workspace's zone with any Intl options (weekday, month, hour, …). */
export function formatIn(v: Date | string | number, options: Intl.DateTimeFormatOptions): string {
  const d = toDate(v);
  return Number.isNaN(d.getTime()) ? String(v) : fmt(options).format(d);
}

/** "14:30" (or "2:30 PM", as the user's locale writes it). */
export const formatTime = (v: Date | string | number): string => formatIn(v, { hour: "2-digit", minute: "2-digit" });

/**
 * A date. A bare YYYY-MM-DD (a close date, a custom date field) is a calendar day, not an instant: it is
 * shown as written, whatever the zone.
 */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "—";
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) {
    const d = new Date(`${iso}T00:00:00Z`);
    return Number.isNaN(d.getTime()) ? iso : fmt({ dateStyle: "medium" }, "UTC").format(d);
  }
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : fmt({ dateStyle: "medium" }).format(d);
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : fmt({ dateStyle: "medium", timeStyle: "short" }).format(d);
}

export interface ZonedParts {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 0 = Sunday, as Date#getDay */
  weekday: number;
}

const partsFormat = (tz: string) =>
  fmt({ year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23" }, tz);

/** The wall-clock reading of an instant in a zone (the workspace's by default). */
export function zonedParts(v: Date | string | number, tz = zone): ZonedParts {
  const d = toDate(v);
  const p: Record<string, number> = {};
  for (const part of partsFormat(tz).formatToParts(d)) if (part.type !== "literal") p[part.type] = Number(part.value);
  const year = p.year ?? 1970;
  const month = p.month ?? 1;
  const day = p.day ?? 1;
  return { year, month, day, hour: (p.hour ?? 0) % 24, minute: p.minute ?? 0, weekday: new Date(Date.UTC(year, month - 1, day)).getUTCDay() };
}

/** Minutes the zone is ahead of UTC at an instant. */
function offsetMinutes(ms: number, tz: string): number {
  const p: Record<string, number> = {};
  for (const part of partsFormat(tz).formatToParts(new Date(ms))) if (part.type !== "literal") p[part.type] = Number(part.value);
  const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/**
 * The instant a wall-clock time names in a zone. Month and day may overflow (day 32, hour 25) as with
 * Date.UTC. A time inside a spring-forward gap moves past it (02:30 → 03:30).
 */
export function zonedTime(year: number, month: number, day: number, hour = 0, minute = 0, tz = zone): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const first = offsetMinutes(wall, tz);
  const guess = wall - first * 60_000;
  const second = offsetMinutes(guess, tz);
  if (second === first) return new Date(guess);
  const alt = wall - second * 60_000;
  return new Date(offsetMinutes(alt, tz) === second ? alt : Math.max(guess, alt));
}

/** A calendar day (no time, no zone): the unit calendars and "today" are made of. */
export interface Day {
  year: number;
  month: number;
  day: number;
}

export const dayOf = (v: Date | string | number, tz = zone): Day => {
  const p = zonedParts(v, tz);
  return { year: p.year, month: p.month, day: p.day };
};
export const today = (): Day => dayOf(Date.now());
export function addDays(d: Day, n: number): Day {
  const u = new Date(Date.UTC(d.year, d.month - 1, d.day + n));
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: u.getUTCDate() };
}
export const addMonths = (d: Day, n: number): Day => {
  const u = new Date(Date.UTC(d.year, d.month - 1 + n, 1));
  return { year: u.getUTCFullYear(), month: u.getUTCMonth() + 1, day: 1 };
};
/** 0 = Sunday */
export const weekdayOf = (d: Day): number => new Date(Date.UTC(d.year, d.month - 1, d.day)).getUTCDay();
export const dayKey = (d: Day): string => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
export const sameDay = (a: Day, b: Day): boolean => a.year === b.year && a.month === b.month && a.day === b.day;
/** The instant a day starts (or a time of it) in the workspace's zone. */
export const startOf = (d: Day, hour = 0, minute = 0): Date => zonedTime(d.year, d.month, d.day, hour, minute);
/** Formats a calendar day (weekday, month names…) without a zone shifting it. */
export const formatDay = (d: Day, options: Intl.DateTimeFormatOptions): string =>
  fmt(options, "UTC").format(new Date(Date.UTC(d.year, d.month - 1, d.day, 12)));

const pad = (n: number) => String(n).padStart(2, "0");

/** Value for <input type="datetime-local">: the instant's wall-clock time in the workspace's zone. */
export function toZonedInput(v: Date | string | number): string {
  const p = zonedParts(v);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}`;
}

/** An <input type="datetime-local"> value read as wall-clock time in the workspace's zone; undefined when empty or malformed. */
export function fromZonedInput(local: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return undefined;
  return zonedTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])).toISOString();
}
