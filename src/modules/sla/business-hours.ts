/**
 * Business time: elapsed time counted only inside a calendar's working blocks (wall-clock times of its IANA zone),
 * outside its holidays. Pure functions over instants; daylight-saving changes are handled by turning each day's
 * wall-clock blocks into real instants, so a block that spans a change counts its real length.
 */
import { offsetMinutes } from "../../core/time-zone.js";

export interface CalendarSpec {
  timeZone: string;
  /** ISO weekday (1 Monday … 7 Sunday) with "HH:MM" start/end; none at all: open around the clock. */
  blocks: readonly { day: number; start: string; end: string }[];
  /** YYYY-MM-DD days of the zone on which nothing counts. */
  holidays: readonly { date: string }[];
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** How far a search walks before it gives up: a calendar whose every working day is a holiday has no due time. */
const MAX_DAYS = 366 * 20;

const minutesOf = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
};

export class CalendarError extends Error {}

/** Blocks that are valid on their own but overlap on the same day would count twice: refused. */
export function calendarProblems(spec: Pick<CalendarSpec, "blocks">): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  spec.blocks.forEach((b, i) => {
    if (minutesOf(b.end) <= minutesOf(b.start))
      problems.push({ path: `blocks.${i}.end`, message: "A block ends after it starts (split one that crosses midnight in two)" });
  });
  for (let day = 1; day <= 7; day++) {
    const own = spec.blocks
      .map((b, i) => ({ ...b, i }))
      .filter((b) => b.day === day)
      .sort((a, b) => minutesOf(a.start) - minutesOf(b.start));
    for (let k = 1; k < own.length; k++) {
      const prev = own[k - 1] as (typeof own)[number];
      const cur = own[k] as (typeof own)[number];
      if (minutesOf(cur.start) < minutesOf(prev.end)) problems.push({ path: `blocks.${cur.i}.start`, message: `Overlaps the block ${prev.start}–${prev.end}` });
    }
  }
  return problems;
}

/** The instant at which a zone's wall clock reads that day and minute. A time skipped by a DST change moves forward by the gap; a repeated one takes its first occurrence. */
export function zonedInstant(year: number, month: number, day: number, minuteOfDay: number, tz: string): number {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  const before = offsetMinutes(new Date(wall - DAY / 2), tz);
  const after = offsetMinutes(new Date(wall + DAY / 2), tz);
  const a = wall - before * MINUTE;
  if (before === after) return a;
  const b = wall - after * MINUTE;
  const aValid = offsetMinutes(new Date(a), tz) === before;
  const bValid = offsetMinutes(new Date(b), tz) === after;
  if (aValid && bValid) return Math.min(a, b);
  if (aValid) return a;
  if (bValid) return b;
  // In the gap of a spring-forward change: the pre-change offset lands as far past the change as the wall time is past it.
  return a;
}

interface Compiled {
  tz: string;
  allDay: boolean;
  /** Per ISO weekday, minute ranges [start, end) sorted and merged. */
  week: [number, number][][];
  holidays: Set<string>;
  days: Map<string, [number, number][]>;
}

const compiledCache = new WeakMap<CalendarSpec, Compiled>();

function compile(spec: CalendarSpec): Compiled {
  const hit = compiledCache.get(spec);
  if (hit) return hit;
  const week: [number, number][][] = Array.from({ length: 8 }, () => []);
  for (const b of spec.blocks) {
    const s = minutesOf(b.start);
    const e = minutesOf(b.end);
    if (e <= s) throw new CalendarError(`Block ${b.start}–${b.end} ends before it starts`);
    week[b.day]?.push([s, e]);
  }
  for (const ranges of week) {
    ranges.sort((x, y) => x[0] - y[0]);
    // Overlaps are refused when a calendar is saved; merged here so a stray one can never count twice.
    for (let i = 1; i < ranges.length; ) {
      const prev = ranges[i - 1] as [number, number];
      const cur = ranges[i] as [number, number];
      if (cur[0] <= prev[1]) {
        prev[1] = Math.max(prev[1], cur[1]);
        ranges.splice(i, 1);
      } else i++;
    }
  }
  const c: Compiled = {
    tz: spec.timeZone,
    allDay: spec.blocks.length === 0,
    week,
    holidays: new Set(spec.holidays.map((h) => h.date)),
    days: new Map(),
  };
  compiledCache.set(spec, c);
  return c;
}

/** A local calendar day as a number of days since 1970-01-01 (wall-clock, zone-free). */
type DayNumber = number;
const dayKey = (n: DayNumber) => new Date(n * DAY).toISOString().slice(0, 10);

function localDayOf(instant: number, tz: string): DayNumber {
  const wall = instant + offsetMinutes(new Date(instant), tz) * MINUTE;
  return Math.floor(wall / DAY);
}

/** The working intervals of one local day as instants [start, end), in order. */
function intervalsOf(c: Compiled, n: DayNumber): [number, number][] {
  const key = dayKey(n);
  const cached = c.days.get(key);
  if (cached) return cached;
  let out: [number, number][] = [];
  if (!c.holidays.has(key)) {
    const d = new Date(n * DAY);
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const iso = ((d.getUTCDay() + 6) % 7) + 1;
    const ranges: [number, number][] = c.allDay ? [[0, 24 * 60]] : (c.week[iso] ?? []);
    out = ranges.map(([s, e]) => [zonedInstant(y, m, day, s, c.tz), zonedInstant(y, m, day, e, c.tz)] as [number, number]).filter(([s, e]) => e > s);
  }
  // Days are revisited constantly (every clock of every ticket); a bounded cache keeps long runs from growing without end.
  if (c.days.size > 5000) c.days.clear();
  c.days.set(key, out);
  return out;
}

/** The instant `ms` of business time after `start` (start itself when ms ≤ 0). */
export function addBusinessTime(spec: CalendarSpec, start: Date, ms: number): Date {
  if (ms <= 0) return new Date(start.getTime());
  const c = compile(spec);
  let remaining = ms;
  const from = start.getTime();
  // The day before too: a zone's local day of `start` is right, but a block's end may sit past a DST-shifted midnight.
  const first = localDayOf(from, c.tz) - 1;
  for (let n = first; n < first + MAX_DAYS; n++) {
    for (const [s, e] of intervalsOf(c, n)) {
      if (e <= from) continue;
      const open = Math.max(s, from);
      const available = e - open;
      if (remaining <= available) return new Date(open + remaining);
      remaining -= available;
    }
  }
  throw new CalendarError("The calendar has no working time in the next twenty years");
}

/** Business time between two instants in ms (negative when b is before a). */
export function businessTimeBetween(spec: CalendarSpec, a: Date, b: Date): number {
  const from = a.getTime();
  const to = b.getTime();
  if (to < from) return -businessTimeBetween(spec, b, a);
  if (to === from) return 0;
  const c = compile(spec);
  let total = 0;
  const last = localDayOf(to, c.tz) + 1;
  for (let n = localDayOf(from, c.tz) - 1; n <= last; n++) {
    for (const [s, e] of intervalsOf(c, n)) {
      const lo = Math.max(s, from);
      const hi = Math.min(e, to);
      if (hi > lo) total += hi - lo;
    }
  }
  return total;
}

/** Whether the instant falls inside working time. */
export function isBusinessTime(spec: CalendarSpec, at: Date): boolean {
  const c = compile(spec);
  const t = at.getTime();
  const n = localDayOf(t, c.tz);
  for (let k = n - 1; k <= n + 1; k++) for (const [s, e] of intervalsOf(c, k)) if (t >= s && t < e) return true;
  return false;
}
