import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { SlaClock, SlaMetric, TicketSla } from "../../contract/sla.js";
import type { Ticket, TicketStatusDef } from "../../contract/tickets.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { listHistory } from "../history/service.js";
import { getTicket, listTicketMessages, listTickets, registerOverdueFilter, registerSlaDueAt, ticketStatuses } from "../tickets/service.js";
import { businessTimeBetween, type CalendarSpec } from "./business-hours.js";
import type { ScheduleCheck } from "./detect.js";
import { policyMatcher } from "./policy-conditions.js";
import { calendarsById } from "./service.js";
import { type slaCalendars, slaPolicies, ticketSlaClocks } from "./table.js";
import { type TicketFacts, ticketClocks } from "./ticket-clocks.js";

type ClockRow = typeof ticketSlaClocks.$inferSelect;
type PolicyRow = typeof slaPolicies.$inferSelect;
type CalendarRow = typeof slaCalendars.$inferSelect;

/** No calendar at all: clocks count around the clock. */
const aroundTheClock: CalendarSpec = { timeZone: "UTC", blocks: [], holidays: [] };
const resolvedCategories = new Set(["solved", "closed"]);

/** Everything a batch of recomputes shares: the workspace's policies, calendars and statuses, read once. */
interface Setup {
  policies: PolicyRow[];
  calendars: { byId: Map<string, CalendarRow>; fallback: CalendarRow | null };
  statuses: Map<string, TicketStatusDef>;
  matches: Awaited<ReturnType<typeof policyMatcher>>;
}

async function setupFor(ctx: Ctx, now: Date): Promise<Setup> {
  const policies = await ctx.db
    .select()
    .from(slaPolicies)
    .where(and(eq(slaPolicies.workspaceId, ctx.workspaceId), eq(slaPolicies.active, true)))
    .orderBy(asc(slaPolicies.position), asc(slaPolicies.createdAt));
  return {
    policies,
    calendars: await calendarsById(ctx),
    statuses: new Map((await ticketStatuses(ctx)).map((s) => [s.key, s])),
    matches: await policyMatcher(ctx, now),
  };
}

export const calendarOf = (setup: Pick<Setup, "calendars">, policy: Pick<PolicyRow, "calendarId">): CalendarRow | null =>
  (policy.calendarId ? setup.calendars.byId.get(policy.calendarId) : undefined) ?? setup.calendars.fallback;

/** The facts the clocks are computed from: the status history (history module) and the messages (tickets module). */
async function factsOf(ctx: Ctx, ticket: Ticket, statuses: Setup["statuses"]): Promise<TicketFacts> {
  const running = (key: unknown) => statuses.get(String(key))?.slaRunning ?? true;
  const history = await listHistory(ctx, [{ object: "ticket", recordIds: [ticket.id] }], 1000);
  const timeline = history
    .flatMap((h) => h.changes.filter((c) => c.field === "status").map((c) => ({ at: h.at, running: running(c.to) })))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const createdAt = new Date(ticket.createdAt);
  // The creation's own history row is written a moment after created_at: the first status holds from creation on.
  const first = timeline[0];
  if (!first || first.at.getTime() > createdAt.getTime()) timeline.unshift({ at: createdAt, running: first?.running ?? running(ticket.status) });
  const resolved = resolvedCategories.has(ticket.statusCategory);
  const lastChange = timeline[timeline.length - 1]?.at ?? createdAt;
  const messages = await listTicketMessages(ctx, ticket.id);
  return {
    createdAt,
    resolvedAt: resolved ? new Date(ticket.solvedAt ?? ticket.closedAt ?? lastChange) : null,
    firstResponseAt: ticket.firstResponseAt ? new Date(ticket.firstResponseAt) : null,
    statusTimeline: timeline,
    messages: messages.map((m) => ({ at: new Date(m.createdAt), kind: m.kind, direction: m.direction })),
  };
}

/**
 * Recomputes the clocks of some tickets from their facts and stores them: the policy that matches now, the calendar
 * it names, every pause. A deleted ticket, or one no policy covers, loses its clocks. A clock keeps its announcements
 * (warned, breach notified) while it is the same clock (same start and policy) and they still hold; otherwise it may
 * announce again. Each future warn and due time gets a check job at that moment.
 */
export async function recomputeTickets(ctx: Ctx, ticketIds: readonly string[], now: Date, schedule?: ScheduleCheck): Promise<number> {
  if (ticketIds.length === 0) return 0;
  const setup = await setupFor(ctx, now);
  let stored = 0;
  for (const id of new Set(ticketIds)) {
    const ticket = await getTicket(ctx, id).catch((err: unknown) => {
      if (err instanceof AppError && err.code === "not_found") return null;
      throw err;
    });
    let policy: PolicyRow | undefined;
    if (ticket && !ticket.deletedAt)
      for (const p of setup.policies)
        if (await setup.matches(p.condition, ticket)) {
          policy = p;
          break;
        }
    if (!ticket || !policy) {
      await ctx.db.delete(ticketSlaClocks).where(and(eq(ticketSlaClocks.workspaceId, ctx.workspaceId), eq(ticketSlaClocks.ticketId, id)));
      continue;
    }
    const calendar = calendarOf(setup, policy) ?? aroundTheClock;
    const clocks = ticketClocks(await factsOf(ctx, ticket, setup.statuses), policy, calendar, now);
    await ctx.db.transaction(async (tx) => {
      const before = await tx
        .select()
        .from(ticketSlaClocks)
        .where(and(eq(ticketSlaClocks.workspaceId, ctx.workspaceId), eq(ticketSlaClocks.ticketId, id)));
      const old = new Map(before.map((r) => [r.metric, r]));
      const gone = before.filter((r) => !clocks.some((c) => c.metric === r.metric)).map((r) => r.metric);
      if (gone.length)
        await tx
          .delete(ticketSlaClocks)
          .where(and(eq(ticketSlaClocks.workspaceId, ctx.workspaceId), eq(ticketSlaClocks.ticketId, id), inArray(ticketSlaClocks.metric, gone)));
      for (const c of clocks) {
        const prev = old.get(c.metric);
        const same = prev && prev.policyId === policy.id && prev.startedAt.getTime() === c.startedAt.getTime();
        const row = {
          workspaceId: ctx.workspaceId,
          ticketId: id,
          metric: c.metric,
          ticketNumber: ticket.number,
          policyId: policy.id,
          startedAt: c.startedAt,
          targetMinutes: c.targetMinutes,
          dueAt: c.dueAt,
          warnAt: c.warnAt,
          metAt: c.metAt,
          breachedAt: c.breachedAt,
          paused: c.paused,
          remainingMs: c.remainingMs,
          elapsedMs: c.elapsedMs,
          // An announcement stands while what it announced still holds: the warning while the warn time is past, the breach while breached.
          warnedAt: same && prev.warnedAt && c.warnAt && c.warnAt.getTime() <= now.getTime() ? prev.warnedAt : null,
          breachNotifiedAt: same && prev.breachNotifiedAt && c.breachedAt ? prev.breachNotifiedAt : null,
          computedAt: now,
        };
        await tx
          .insert(ticketSlaClocks)
          .values(row)
          .onConflictDoUpdate({
            target: [ticketSlaClocks.workspaceId, ticketSlaClocks.ticketId, ticketSlaClocks.metric],
            set: { ...row, workspaceId: undefined, ticketId: undefined, metric: undefined },
          });
        stored++;
        if (schedule && !c.metAt && !c.paused) for (const t of [c.warnAt, c.dueAt]) if (t && t.getTime() > now.getTime()) await schedule(tx, t);
      }
    });
  }
  return stored;
}

/**
 * After a calendar or policy changed: every unsolved ticket of the workspace, page by page (each page its own
 * transactions), so a large backlog neither holds one long transaction nor all its tickets in memory.
 */
export async function recomputeWorkspace(ctx: Ctx, now: Date, schedule?: ScheduleCheck, pageSize = 200): Promise<number> {
  let cursor: string | undefined;
  let total = 0;
  do {
    const page = await listTickets(ctx, { statusCategory: "new,open,pending", limit: pageSize, cursor, sort: "createdAt" });
    total += await recomputeTickets(
      ctx,
      page.data.map((t) => t.id),
      now,
      schedule,
    );
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return total;
}

const minutes = (ms: number) => Math.round(ms / 6_000) / 10;

/** A ticket's clocks for its page: remaining time is measured now in business time, so it moves while the page is open. */
export async function getTicketSla(ctx: Ctx, ticketId: string, now = new Date()): Promise<TicketSla> {
  await getTicket(ctx, ticketId);
  const rows = await ctx.db
    .select({ clock: ticketSlaClocks, policy: slaPolicies })
    .from(ticketSlaClocks)
    .innerJoin(slaPolicies, and(eq(slaPolicies.workspaceId, ticketSlaClocks.workspaceId), eq(slaPolicies.id, ticketSlaClocks.policyId)))
    .where(and(eq(ticketSlaClocks.workspaceId, ctx.workspaceId), eq(ticketSlaClocks.ticketId, ticketId)));
  if (rows.length === 0) return { ticketId, policyId: null, calendarName: null, clocks: [] };
  const calendars = await calendarsById(ctx);
  const policy = (rows[0] as (typeof rows)[number]).policy;
  const calendarRow = calendarOf({ calendars }, policy);
  const calendar = calendarRow ?? aroundTheClock;
  const order: SlaMetric[] = ["first_response", "next_response", "resolution"];
  const clocks = rows.map(({ clock: c, policy: p }) => toClock(c, p.name, calendar, now)).sort((a, b) => order.indexOf(a.metric) - order.indexOf(b.metric));
  return { ticketId, policyId: policy.id, calendarName: calendarRow?.name ?? null, clocks };
}

function toClock(c: ClockRow, policyName: string, calendar: CalendarSpec, wallNow: Date): SlaClock {
  // Never before what the worker last saw: a web server whose clock lags the worker's must not show a breach as time left.
  const now = new Date(Math.max(wallNow.getTime(), c.computedAt.getTime(), c.breachNotifiedAt?.getTime() ?? 0));
  const live = !c.metAt && !c.paused && c.dueAt;
  const remainingMs = live ? businessTimeBetween(calendar, now, c.dueAt as Date) : c.remainingMs;
  const breached = Boolean(c.breachedAt) || (live && (c.dueAt as Date).getTime() <= now.getTime());
  return {
    metric: c.metric,
    policyId: c.policyId,
    policyName,
    state: breached ? "breached" : c.metAt ? "met" : c.paused ? "paused" : "running",
    startedAt: c.startedAt.toISOString(),
    targetMinutes: c.targetMinutes,
    dueAt: c.dueAt?.toISOString() ?? null,
    warnAt: c.warnAt?.toISOString() ?? null,
    metAt: c.metAt?.toISOString() ?? null,
    breachedAt: c.breachedAt?.toISOString() ?? (breached ? (c.dueAt?.toISOString() ?? null) : null),
    remainingMinutes: minutes(remainingMs),
    elapsedMinutes: minutes(live ? c.targetMinutes * 60_000 - remainingMs : c.elapsedMs),
    paused: c.paused,
  };
}

/**
 * Lists' `overdue=true` and `sort=slaDueAt` / `dueWithin`: tickets with a clock past its due time and not met (the tickets module names its table
 * "tickets"). A breach the detector stamped counts even before the database's own clock reaches the due time.
 */
export function registerSlaListFilters(): void {
  registerOverdueFilter(
    () =>
      sql`exists (select 1 from ticket_sla_clocks c where c.workspace_id = "tickets"."workspace_id" and c.ticket_id = "tickets"."id" and c.met_at is null and (c.breached_at is not null or c.due_at <= now()))`,
  );
  // Time to breach: the soonest due time among the clocks not yet met. A paused clock has no due time (unless it was
  // already breached), so a ticket waiting on its customer sorts with those that have no clock, last.
  registerSlaDueAt(
    () =>
      sql`select min(c.due_at) from ticket_sla_clocks c where c.workspace_id = "tickets"."workspace_id" and c.ticket_id = "tickets"."id" and c.met_at is null`,
  );
}
