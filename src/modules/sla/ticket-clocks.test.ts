import { describe, expect, it } from "vitest";
import type { CalendarSpec } from "./business-hours.js";
import { pausesOf, type TicketFacts, ticketClocks } from "./ticket-clocks.js";

const d = (iso: string) => new Date(iso);
const iso = (x: Date | null) => x?.toISOString() ?? null;
/** Mon–Fri 09:00–17:00 in Berlin (UTC+1 in January), Wednesday 2026-01-14 a holiday. */
const berlin: CalendarSpec = {
  timeZone: "Europe/Berlin",
  blocks: [1, 2, 3, 4, 5].map((day) => ({ day, start: "09:00", end: "17:00" })),
  holidays: [{ date: "2026-01-14" }],
};
const policy = { firstResponseMinutes: 120, nextResponseMinutes: 60, resolutionMinutes: 16 * 60, warnPercent: 50 };
const open = (at: string) => ({ at: d(at), running: true });
const pending = (at: string) => ({ at: d(at), running: false });

describe("a ticket's clocks", () => {
  it("first response and resolution run from creation across the night; the reply meets the first", () => {
    // Created Monday 2026-01-12 16:00 local (15:00Z): 1 h left that day.
    const facts: TicketFacts = {
      createdAt: d("2026-01-12T15:00:00Z"),
      resolvedAt: null,
      firstResponseAt: null,
      statusTimeline: [open("2026-01-12T15:00:00Z")],
      messages: [{ at: d("2026-01-12T15:00:00Z"), kind: "reply", direction: "in" }],
    };
    const clocks = ticketClocks(facts, policy, berlin, d("2026-01-12T15:30:00Z"));
    const first = clocks.find((c) => c.metric === "first_response");
    expect(iso(first?.dueAt ?? null)).toBe("2026-01-13T09:00:00.000Z");
    expect(iso(first?.warnAt ?? null)).toBe("2026-01-12T16:00:00.000Z");
    // Resolution: 16 business hours → 1 h Monday, 8 h Tuesday, Wednesday off, 7 h Thursday → Thursday 16:00 local.
    expect(iso(clocks.find((c) => c.metric === "resolution")?.dueAt ?? null)).toBe("2026-01-15T15:00:00.000Z");
    expect(clocks.map((c) => c.metric)).toEqual(["first_response", "resolution"]);

    const replied = ticketClocks(
      { ...facts, messages: [...facts.messages, { at: d("2026-01-13T08:30:00Z"), kind: "reply", direction: "out" }] },
      policy,
      berlin,
      d("2026-01-13T10:00:00Z"),
    );
    expect(replied.find((c) => c.metric === "first_response")).toMatchObject({ state: "met", elapsedMs: 90 * 60_000 });
  });

  it("an internal note is no response; the next response clock starts with the customer's answer", () => {
    const facts: TicketFacts = {
      createdAt: d("2026-01-12T08:00:00Z"),
      resolvedAt: null,
      firstResponseAt: null,
      statusTimeline: [open("2026-01-12T08:00:00Z")],
      messages: [
        { at: d("2026-01-12T08:00:00Z"), kind: "reply", direction: "in" },
        { at: d("2026-01-12T08:30:00Z"), kind: "note", direction: "out" },
        { at: d("2026-01-12T09:00:00Z"), kind: "reply", direction: "out" },
        { at: d("2026-01-12T15:30:00Z"), kind: "reply", direction: "in" },
        { at: d("2026-01-12T15:45:00Z"), kind: "reply", direction: "in" },
      ],
    };
    const clocks = ticketClocks(facts, policy, berlin, d("2026-01-12T15:50:00Z"));
    expect(clocks.find((c) => c.metric === "first_response")).toMatchObject({ state: "met", elapsedMs: 60 * 60_000 });
    const next = clocks.find((c) => c.metric === "next_response");
    // From the first unanswered message (16:30 local): 30 min that day, 30 min Tuesday morning.
    expect(iso(next?.startedAt ?? null)).toBe("2026-01-12T15:30:00.000Z");
    expect(iso(next?.dueAt ?? null)).toBe("2026-01-13T08:30:00.000Z");
  });

  it("pauses while pending on the customer and resumes when the customer writes (status back to open)", () => {
    const facts: TicketFacts = {
      createdAt: d("2026-01-12T08:00:00Z"),
      resolvedAt: null,
      firstResponseAt: d("2026-01-12T09:00:00Z"),
      statusTimeline: [open("2026-01-12T08:00:00Z"), pending("2026-01-12T09:00:00Z"), open("2026-01-15T08:00:00Z")],
      messages: [],
    };
    const during = ticketClocks(facts, { ...policy, firstResponseMinutes: null, nextResponseMinutes: null }, berlin, d("2026-01-13T12:00:00Z"));
    // Looked at while still pending (the reopening is in the future of `now`): paused with 15 h left.
    expect(during[0]).toMatchObject({ metric: "resolution", elapsedMs: 60 * 60_000 });
    const after = ticketClocks(facts, { ...policy, firstResponseMinutes: null, nextResponseMinutes: null }, berlin, d("2026-01-15T09:00:00Z"));
    // 1 h Monday, then from Thursday 09:00 local: 8 h Thursday, 7 h Friday → Friday 16:00 local.
    expect(iso(after[0]?.dueAt ?? null)).toBe("2026-01-16T15:00:00.000Z");
    expect(pausesOf(facts.statusTimeline)).toEqual([{ from: d("2026-01-12T09:00:00Z"), to: d("2026-01-15T08:00:00Z") }]);
  });

  it("solving meets resolution and settles a response still owed", () => {
    const facts: TicketFacts = {
      createdAt: d("2026-01-12T08:00:00Z"),
      resolvedAt: d("2026-01-12T10:00:00Z"),
      firstResponseAt: null,
      statusTimeline: [open("2026-01-12T08:00:00Z"), pending("2026-01-12T10:00:00Z")],
      messages: [{ at: d("2026-01-12T08:00:00Z"), kind: "reply", direction: "in" }],
    };
    const clocks = ticketClocks(facts, policy, berlin, d("2026-01-20T10:00:00Z"));
    expect(clocks.map((c) => [c.metric, c.state])).toEqual([
      ["first_response", "met"],
      ["resolution", "met"],
    ]);
  });
});
