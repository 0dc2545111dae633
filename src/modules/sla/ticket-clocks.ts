/**
 * From a ticket's facts (its status history and messages) to its SLA clocks under one policy. Pure: the database
 * layer (clocks.ts) gathers the facts through the tickets and history services and stores what this returns.
 */
import type { SlaMetric } from "../../contract/sla.js";
import type { CalendarSpec } from "./business-hours.js";
import { type ClockResult, computeClock, type Pause } from "./clock.js";

export interface TicketFacts {
  createdAt: Date;
  /** Whether the ticket is solved or closed now, and since when. */
  resolvedAt: Date | null;
  firstResponseAt: Date | null;
  /** The ticket's statuses in time order, the first at creation: whether SLA clocks run in each. */
  statusTimeline: readonly { at: Date; running: boolean }[];
  /** Public replies and notes, any order. */
  messages: readonly { at: Date; kind: "reply" | "note"; direction: "in" | "out" }[];
}

export interface PolicyTargets {
  firstResponseMinutes: number | null;
  nextResponseMinutes: number | null;
  resolutionMinutes: number | null;
  warnPercent: number;
}

export interface TicketClock extends ClockResult {
  metric: SlaMetric;
  startedAt: Date;
  targetMinutes: number;
}

/** Stretches in statuses whose clocks do not run (pending, solved, closed by default). */
export function pausesOf(timeline: TicketFacts["statusTimeline"]): Pause[] {
  const sorted = [...timeline].sort((a, b) => a.at.getTime() - b.at.getTime());
  const out: Pause[] = [];
  let open: Date | null = null;
  for (const s of sorted) {
    if (!s.running && !open) open = s.at;
    else if (s.running && open) {
      out.push({ from: open, to: s.at });
      open = null;
    }
  }
  if (open) out.push({ from: open, to: null });
  return out;
}

const isAgentReply = (m: TicketFacts["messages"][number]) => m.kind === "reply" && m.direction === "out";
const isCustomerMessage = (m: TicketFacts["messages"][number]) => m.kind === "reply" && m.direction === "in";

/**
 * The clocks a policy gives a ticket. First response runs from creation to the first public agent reply; next
 * response from the first customer message after an agent reply to the agent's next reply (the latest such cycle);
 * resolution from creation until solved. Solving a ticket also settles a response still owed.
 */
export function ticketClocks(facts: TicketFacts, policy: PolicyTargets, calendar: CalendarSpec, now: Date): TicketClock[] {
  const pauses = pausesOf(facts.statusTimeline);
  const messages = [...facts.messages].sort((a, b) => a.at.getTime() - b.at.getTime());
  const warnShare = policy.warnPercent / 100;
  const out: TicketClock[] = [];
  const clock = (metric: SlaMetric, minutes: number, startedAt: Date, metAt: Date | null) => {
    out.push({
      metric,
      startedAt,
      targetMinutes: minutes,
      ...computeClock({ calendar, targetMs: minutes * 60_000, warnShare, startedAt, pauses, metAt, now }),
    });
  };
  const firstReply = messages.find(isAgentReply)?.at ?? null;
  const firstResponseAt = facts.firstResponseAt ?? firstReply;
  if (policy.firstResponseMinutes !== null) clock("first_response", policy.firstResponseMinutes, facts.createdAt, firstResponseAt ?? facts.resolvedAt);
  if (policy.nextResponseMinutes !== null) {
    let cycle: { startedAt: Date; metAt: Date | null } | null = null;
    let waiting = false;
    let replied = false;
    for (const m of messages) {
      if (isAgentReply(m)) {
        if (waiting && cycle) cycle.metAt = m.at;
        waiting = false;
        replied = true;
      } else if (isCustomerMessage(m) && replied && !waiting) {
        cycle = { startedAt: m.at, metAt: null };
        waiting = true;
      }
    }
    if (cycle) clock("next_response", policy.nextResponseMinutes, cycle.startedAt, cycle.metAt ?? (waiting ? facts.resolvedAt : null));
  }
  if (policy.resolutionMinutes !== null) clock("resolution", policy.resolutionMinutes, facts.createdAt, facts.resolvedAt);
  return out;
}
