import { sql } from "drizzle-orm";
import type { CsatStats, DashboardGroupRow, DurationStats, ServiceDashboard, ServiceDashboardQuery } from "../../contract/service-reports.js";
import {
  type TicketChannel,
  type TicketPriority,
  ticketChannelLabels,
  ticketChannels,
  ticketPriorities,
  ticketPriorityLabels,
} from "../../contract/tickets.js";
import { scopeOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { dayInZone, offsetMinutes } from "../../core/time-zone.js";
import { ticketVisibleWhere } from "../tickets/access.js";
import {
  backlogCounts,
  type CreatedGroup,
  createdCohort,
  type DashboardFilter,
  type DurationRow,
  dailyCounts,
  queueNames,
  type SolvedGroup,
  slaAttainment,
  solvedCohort,
} from "../tickets/dashboard-queries.js";
import { ticketStatuses } from "../tickets/service.js";
import { userNames } from "../users/service.js";
import { workspaceTimeZone } from "../workspaces/service.js";

const DAY = 86_400_000;
const slaMetricLabels: Record<string, string> = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
};

/**
 * Who sees the dashboard: those who work tickets (the role may change tickets: admins, managers, support). Sales and
 * read-only users, who only read tickets, are told so. The numbers cover the tickets the role may read.
 */
function assertMaySeeDashboard(ctx: Ctx): void {
  if (scopeOf(ctx.actor, "ticket", "edit") === "none" || scopeOf(ctx.actor, "ticket", "read") === "none")
    throw new AppError("forbidden", "The service dashboard is for the people who work tickets: admins, managers and support.");
}

/** The UTC instant at which a calendar day starts in a time zone (the offset read at noon, so DST days land right). */
function startOfDay(day: string, tz: string): Date {
  return new Date(Date.parse(`${day}T00:00:00Z`) - offsetMinutes(new Date(`${day}T12:00:00Z`), tz) * 60_000);
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);

/** Inclusive first and last calendar day of the period in the workspace's time zone; a last-N-days period ends today. */
export function periodDays(q: Pick<ServiceDashboardQuery, "period" | "from" | "to">, tz: string, now: Date): { from: string; to: string } {
  if (q.period === "custom") return { from: q.from as string, to: q.to as string };
  const today = dayInZone(now, tz);
  const n = q.period === "7d" ? 7 : q.period === "90d" ? 90 : 30;
  return { from: addDays(today, -(n - 1)), to: today };
}

const duration = (d: DurationRow | undefined): DurationStats => ({
  count: d?.count ?? 0,
  medianSeconds: d?.median === null || d?.median === undefined ? null : Math.round(d.median),
  p90Seconds: d?.p90 === null || d?.p90 === undefined ? null : Math.round(d.p90),
});

const csat = (g: CreatedGroup | undefined): CsatStats => ({
  count: g?.csatCount ?? 0,
  average: g?.csatAvg ?? null,
  distribution: [1, 2, 3, 4, 5].map((rating) => ({ rating, count: g?.ratings[rating - 1] ?? 0 })),
});

function groupRows(
  dim: "assignee" | "queue",
  created: CreatedGroup[],
  solved: SolvedGroup[],
  names: Map<string, string>,
  noneName: string,
): DashboardGroupRow[] {
  const keyOf = (k: string | null) => k ?? "";
  const c = new Map(created.filter((g) => g.dim === dim).map((g) => [keyOf(g.key), g]));
  const s = new Map(solved.filter((g) => g.dim === dim).map((g) => [keyOf(g.key), g]));
  const keys = [...new Set([...c.keys(), ...s.keys()])];
  return keys
    .map((k) => {
      const cg = c.get(k);
      const sg = s.get(k);
      return {
        id: k || null,
        name: k ? (names.get(k) ?? "(removed)") : noneName,
        created: cg?.created ?? 0,
        solved: sg?.solved ?? 0,
        firstResponse: duration(cg?.frt),
        resolution: duration(sg?.resolution),
        csat: csat(cg),
      };
    })
    .sort((a, b) => b.created + b.solved - (a.created + a.solved) || a.name.localeCompare(b.name));
}

/**
 * The service dashboard over a period and filters: backlog now, first-response and resolution times (median, p90),
 * CSAT, created vs solved per day, per agent and per queue, and SLA attainment when SLA clocks exist. Times are
 * calendar time from the tickets' own timestamps; business-hours variants come from the SLA module's clocks (its
 * elapsed business time per clock), which is where a `basis: "business"` option would read them.
 */
export async function serviceDashboard(ctx: Ctx, q: ServiceDashboardQuery, now = new Date()): Promise<ServiceDashboard> {
  assertMaySeeDashboard(ctx);
  const timeZone = await workspaceTimeZone(ctx);
  const days = periodDays(q, timeZone, now);
  const assigneeId = q.assigneeId === "me" ? (ctx.actor.userId ?? "none") : q.assigneeId;
  const filter: DashboardFilter = {
    workspaceId: ctx.workspaceId,
    from: startOfDay(days.from, timeZone),
    to: startOfDay(addDays(days.to, 1), timeZone),
    timeZone,
    queueId: q.queueId,
    assigneeId,
    channel: q.channel,
    priority: q.priority,
    visible: ticketVisibleWhere(ctx, "read", { assignee: sql`t.assignee_id`, queue: sql`t.queue_id` }),
  };
  const statuses = await ticketStatuses(ctx);
  const openStatuses = statuses.filter((s) => s.category !== "solved" && s.category !== "closed");
  // PGlite runs one query at a time: in sequence, not Promise.all, so both databases do the same work.
  const created = await createdCohort(ctx.db, filter);
  const solved = await solvedCohort(ctx.db, filter);
  const daily = await dailyCounts(ctx.db, filter);
  const backlog = await backlogCounts(
    ctx.db,
    filter,
    openStatuses.map((s) => s.key),
  );
  const sla = await slaAttainment(ctx.db, filter);
  const queues = await queueNames(ctx.db, ctx.workspaceId);
  const agentIds = [...created, ...solved].flatMap((g) => (g.dim === "assignee" && g.key ? [g.key] : []));
  const agents = await userNames(ctx, agentIds);

  const all = created.find((g) => g.dim === "all");
  const allSolved = solved.find((g) => g.dim === "all");
  const statusLabel = new Map(statuses.map((s) => [s.key, s.label]));

  const byStatusNow = openStatuses
    .map((s) => ({ status: s.key, label: s.label, category: s.category, count: backlog.filter((b) => b.status === s.key).reduce((n, b) => n + b.n, 0) }))
    .filter((s) => s.count > 0);
  const queueCounts = new Map<string, number>();
  for (const b of backlog) queueCounts.set(b.queue ?? "", (queueCounts.get(b.queue ?? "") ?? 0) + b.n);
  const byQueueNow = [...queueCounts]
    .map(([id, count]) => ({ id: id || null, name: id ? (queues.get(id) ?? "(removed)") : "No queue", count }))
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));

  const dayList: ServiceDashboard["daily"] = [];
  for (let d = days.from; d <= days.to; d = addDays(d, 1)) dayList.push({ date: d, created: 0, solved: 0, byChannel: {} });
  const dayIndex = new Map(dayList.map((d) => [d.date, d]));
  for (const r of daily.created) {
    const d = dayIndex.get(r.day);
    if (!d) continue;
    d.created += r.n;
    d.byChannel[r.channel] = (d.byChannel[r.channel] ?? 0) + r.n;
  }
  for (const r of daily.solved) {
    const d = dayIndex.get(r.day);
    if (d) d.solved += r.n;
  }

  const slaOut =
    sla === null
      ? null
      : {
          metrics: sla.map((m) => ({
            metric: m.metric,
            label: slaMetricLabels[m.metric] ?? m.metric,
            met: m.met,
            breached: m.breached,
            attainment: m.met + m.breached ? Math.round((m.met / (m.met + m.breached)) * 1000) / 10 : null,
          })),
          attainment: (() => {
            const met = sla.reduce((n, m) => n + m.met, 0);
            const decided = met + sla.reduce((n, m) => n + m.breached, 0);
            return decided ? Math.round((met / decided) * 1000) / 10 : null;
          })(),
        };

  return {
    period: { ...days, timeZone },
    backlog: { total: byStatusNow.reduce((n, s) => n + s.count, 0), byStatus: byStatusNow, byQueue: byQueueNow },
    created: all?.created ?? 0,
    solved: allSolved?.solved ?? 0,
    awaitingFirstResponse: all?.awaiting ?? 0,
    firstResponse: duration(all?.frt),
    resolution: duration(allSolved?.resolution),
    csat: csat(all),
    byStatus: created
      .filter((g) => g.dim === "status" && g.key)
      .map((g) => ({ status: g.key as string, label: statusLabel.get(g.key as string) ?? (g.key as string), count: g.created }))
      .sort((a, b) => b.count - a.count),
    byChannel: ticketChannels.flatMap((channel: TicketChannel) => {
      const g = created.find((x) => x.dim === "channel" && x.key === channel);
      return g ? [{ channel, label: ticketChannelLabels[channel] ?? channel, count: g.created }] : [];
    }),
    byPriority: ticketPriorities.flatMap((priority: TicketPriority) => {
      const g = created.find((x) => x.dim === "priority" && x.key === priority);
      return g ? [{ priority, label: ticketPriorityLabels[priority] ?? priority, count: g.created }] : [];
    }),
    agents: groupRows("assignee", created, solved, agents, "Unassigned"),
    queues: groupRows("queue", created, solved, queues, "No queue"),
    daily: dayList,
    sla: slaOut,
  };
}
