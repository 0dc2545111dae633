import { describe, expect, it } from "vitest";
import type { CalendarSpec } from "./business-hours.js";
import { computeClock } from "./clock.js";

const H = 3_600_000;
const d = (iso: string) => new Date(iso);
/** Mon–Fri 09:00–17:00 UTC. */
const office: CalendarSpec = {
  timeZone: "UTC",
  blocks: [1, 2, 3, 4, 5].map((day) => ({ day, start: "09:00", end: "17:00" })),
  holidays: [{ date: "2026-01-14" }],
};
const base = { calendar: office, targetMs: 4 * H, warnShare: 0.75, pauses: [], metAt: null };
const iso = (x: Date | null) => x?.toISOString() ?? null;

describe("an SLA clock", () => {
  it("runs over the night: due the next morning, warns before", () => {
    // Monday 15:00 + 4 business hours → Tuesday 11:00; 3 h → Tuesday 10:00.
    const c = computeClock({ ...base, startedAt: d("2026-01-12T15:00:00Z"), now: d("2026-01-12T16:00:00Z") });
    expect(c.state).toBe("running");
    expect(iso(c.dueAt)).toBe("2026-01-13T11:00:00.000Z");
    expect(iso(c.warnAt)).toBe("2026-01-13T10:00:00.000Z");
    expect(c.elapsedMs).toBe(H);
    expect(c.remainingMs).toBe(3 * H);
  });
  it("skips a holiday and a weekend", () => {
    // Tuesday 16:00 + 4 h: 1 h Tuesday, Wednesday is a holiday, 3 h Thursday → 12:00.
    expect(iso(computeClock({ ...base, startedAt: d("2026-01-13T16:00:00Z"), now: d("2026-01-13T16:00:00Z") }).dueAt)).toBe("2026-01-15T12:00:00.000Z");
    expect(iso(computeClock({ ...base, startedAt: d("2026-01-16T16:00:00Z"), now: d("2026-01-16T16:00:00Z") }).dueAt)).toBe("2026-01-19T12:00:00.000Z");
  });
  it("pauses: no due time while paused, and the paused time moves the due time on", () => {
    const startedAt = d("2026-01-12T09:00:00Z");
    const paused = computeClock({ ...base, startedAt, pauses: [{ from: d("2026-01-12T10:00:00Z"), to: null }], now: d("2026-01-12T15:00:00Z") });
    expect(paused.state).toBe("paused");
    expect(paused.dueAt).toBeNull();
    expect(paused.elapsedMs).toBe(H);
    expect(paused.remainingMs).toBe(3 * H);
    const resumed = computeClock({
      ...base,
      startedAt,
      pauses: [{ from: d("2026-01-12T10:00:00Z"), to: d("2026-01-12T15:00:00Z") }],
      now: d("2026-01-12T15:30:00Z"),
    });
    expect(resumed.state).toBe("running");
    // 1 h before the pause, 3 h after 15:00: 2 h Monday, 1 h Tuesday → 10:00.
    expect(iso(resumed.dueAt)).toBe("2026-01-13T10:00:00.000Z");
    expect(resumed.elapsedMs).toBe(1.5 * H);
  });
  it("is met in time, or met late and then counts as breached", () => {
    const met = computeClock({ ...base, startedAt: d("2026-01-12T09:00:00Z"), metAt: d("2026-01-12T12:00:00Z"), now: d("2026-01-13T12:00:00Z") });
    expect(met.state).toBe("met");
    expect(met.breachedAt).toBeNull();
    expect(met.elapsedMs).toBe(3 * H);
    const late = computeClock({ ...base, startedAt: d("2026-01-12T09:00:00Z"), metAt: d("2026-01-12T14:00:00Z"), now: d("2026-01-13T12:00:00Z") });
    expect(late.state).toBe("breached");
    expect(iso(late.breachedAt)).toBe("2026-01-12T13:00:00.000Z");
    expect(late.remainingMs).toBe(-H);
  });
  it("breaches at its due time while running, and stays breached through a later pause", () => {
    const startedAt = d("2026-01-12T09:00:00Z");
    expect(computeClock({ ...base, startedAt, now: d("2026-01-12T12:59:59Z") }).state).toBe("running");
    const at = computeClock({ ...base, startedAt, now: d("2026-01-12T13:00:00Z") });
    expect(at.state).toBe("breached");
    expect(iso(at.breachedAt)).toBe("2026-01-12T13:00:00.000Z");
    const pausedLater = computeClock({ ...base, startedAt, pauses: [{ from: d("2026-01-12T14:00:00Z"), to: null }], now: d("2026-01-13T10:00:00Z") });
    expect(pausedLater.state).toBe("breached");
    expect(pausedLater.paused).toBe(true);
    expect(pausedLater.remainingMs).toBe(-H);
  });
  it("ignores pauses before the start or after the end, and overlapping ones", () => {
    const c = computeClock({
      ...base,
      startedAt: d("2026-01-12T09:00:00Z"),
      pauses: [
        { from: d("2026-01-11T09:00:00Z"), to: d("2026-01-12T10:00:00Z") },
        { from: d("2026-01-12T11:00:00Z"), to: d("2026-01-12T12:00:00Z") },
        { from: d("2026-01-12T11:30:00Z"), to: d("2026-01-12T12:30:00Z") },
        { from: d("2026-01-12T16:00:00Z"), to: null },
      ],
      metAt: d("2026-01-12T15:00:00Z"),
      now: d("2026-01-12T18:00:00Z"),
    });
    // Runs 10:00–11:00 and 12:30–15:00: 3.5 h.
    expect(c.elapsedMs).toBe(3.5 * H);
    expect(c.state).toBe("met");
  });
});
