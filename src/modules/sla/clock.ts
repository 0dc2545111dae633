/**
 * One SLA clock, computed from scratch: a target of business time that runs from a start, pauses while the ticket
 * waits on someone else, and stops when the metric is met. Recomputing from the facts (rather than ticking a
 * counter) is what lets a calendar or policy change recompute every open ticket and always get the same answer.
 */
import { addBusinessTime, businessTimeBetween, type CalendarSpec } from "./business-hours.js";

export interface Pause {
  from: Date;
  /** null: still paused. */
  to: Date | null;
}

export interface ClockInput {
  calendar: CalendarSpec;
  targetMs: number;
  /** 0 < share < 1: the clock warns once this share of the target has passed. */
  warnShare: number;
  startedAt: Date;
  pauses: readonly Pause[];
  /** When the metric was met (first reply, next reply, solved); null: still running or paused. */
  metAt: Date | null;
  now: Date;
}

export interface ClockResult {
  state: "running" | "paused" | "met" | "breached";
  paused: boolean;
  /** The instant the target is reached (past or future); null while paused before reaching it. */
  dueAt: Date | null;
  warnAt: Date | null;
  metAt: Date | null;
  /** dueAt once it has passed before the metric was met. */
  breachedAt: Date | null;
  elapsedMs: number;
  remainingMs: number;
}

interface Segment {
  from: number;
  /** null: open-ended (running now and on). */
  to: number | null;
}

/** The stretches the clock runs: from the start to the end (met, or open), minus the pauses. */
function runningSegments(input: ClockInput): Segment[] {
  const start = input.startedAt.getTime();
  const end = input.metAt ? input.metAt.getTime() : null;
  const pauses = input.pauses
    .map((p) => ({ from: p.from.getTime(), to: p.to ? p.to.getTime() : Number.POSITIVE_INFINITY }))
    .filter((p) => p.to > p.from)
    .sort((a, b) => a.from - b.from);
  const out: Segment[] = [];
  let cursor = start;
  for (const p of pauses) {
    if (end !== null && p.from >= end) break;
    if (p.to <= cursor) continue;
    if (p.from > cursor) out.push({ from: cursor, to: end !== null ? Math.min(p.from, end) : p.from });
    cursor = Math.max(cursor, p.to);
    if (cursor === Number.POSITIVE_INFINITY) return out;
  }
  if (end === null) out.push({ from: cursor, to: null });
  else if (end > cursor) out.push({ from: cursor, to: end });
  return out;
}

/** The instant the clock has run `ms` of business time, walking its segments; null if it never gets there. */
function instantAt(calendar: CalendarSpec, segments: Segment[], ms: number): Date | null {
  let used = 0;
  for (const s of segments) {
    if (s.to === null) return addBusinessTime(calendar, new Date(s.from), ms - used);
    const length = businessTimeBetween(calendar, new Date(s.from), new Date(s.to));
    if (used + length >= ms) return addBusinessTime(calendar, new Date(s.from), ms - used);
    used += length;
  }
  return null;
}

export function computeClock(input: ClockInput): ClockResult {
  const { calendar, targetMs, now } = input;
  const segments = runningSegments(input);
  const t = now.getTime();
  let elapsedMs = 0;
  for (const s of segments) {
    const to = s.to === null ? t : Math.min(s.to, t);
    if (to > s.from) elapsedMs += businessTimeBetween(calendar, new Date(s.from), new Date(to));
  }
  const last = segments[segments.length - 1];
  const paused = input.metAt === null && !(last && last.to === null);
  const dueAt = instantAt(calendar, segments, targetMs);
  const warnAt = instantAt(calendar, segments, Math.round(targetMs * input.warnShare));
  const end = input.metAt ? input.metAt.getTime() : t;
  const breached = dueAt !== null && (input.metAt ? dueAt.getTime() < end : dueAt.getTime() <= end);
  return {
    state: breached ? "breached" : input.metAt ? "met" : paused ? "paused" : "running",
    paused,
    dueAt,
    warnAt,
    metAt: input.metAt,
    breachedAt: breached ? dueAt : null,
    elapsedMs,
    remainingMs: targetMs - elapsedMs,
  };
}
