import { sql } from "drizzle-orm";
import type { HomeActivity, HomeDeals, HomeMeetings, HomeQuota, HomeTasks } from "../../contract/home.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { recentOnOwnedRecords } from "../activities/recent.js";
import { meetingsBetween } from "../activities/service.js";
import { listDeals } from "../deals/service.js";
import { forecast } from "../forecast/service.js";
import { listQuotas } from "../quotas/service.js";
import { listTasks } from "../tasks/service.js";
import { workspaceTimeZone } from "../workspaces/service.js";

/** "Today" and "this month" as the workspace's clock reads them, with their instants. */
interface Day {
  today: string;
  dayStart: Date;
  dayEnd: Date;
  monthStart: string;
  monthEnd: string;
  month: string;
}

async function dayOf(ctx: Ctx, now: Date): Promise<Day> {
  const tz = await workspaceTimeZone(ctx);
  const local = sql`(${now.toISOString()}::timestamptz at time zone ${tz})`;
  const [r] = await queryRows<{ today: string; start_ms: number; end_ms: number; month_start: string; month_end: string; month: string }>(
    ctx.db,
    sql`select to_char(${local}, 'YYYY-MM-DD') as today,
               (extract(epoch from date_trunc('day', ${local}) at time zone ${tz}) * 1000)::float8 as start_ms,
               (extract(epoch from (date_trunc('day', ${local}) + interval '1 day') at time zone ${tz}) * 1000)::float8 as end_ms,
               to_char(date_trunc('month', ${local}), 'YYYY-MM-DD') as month_start,
               to_char(date_trunc('month', ${local}) + interval '1 month' - interval '1 day', 'YYYY-MM-DD') as month_end,
               to_char(${local}, 'YYYY-MM') as month`,
  );
  if (!r) throw new AppError("internal", "Could not read the workspace's date");
  return {
    today: r.today,
    dayStart: new Date(Number(r.start_ms)),
    dayEnd: new Date(Number(r.end_ms)),
    monthStart: r.month_start,
    monthEnd: r.month_end,
    month: r.month,
  };
}

function me(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "The home page is a signed-in user's.");
  return ctx.actor.userId;
}

/** My open tasks due before the end of today: the overdue ones, then today's. */
export async function homeTasks(ctx: Ctx, now = new Date()): Promise<HomeTasks> {
  me(ctx);
  const day = await dayOf(ctx, now);
  const { data } = await listTasks(ctx, { assignee: "me", status: "open", dueTo: day.dayEnd.toISOString(), limit: 100 });
  return {
    today: day.today,
    overdue: data.filter((t) => t.dueAt !== null && Date.parse(t.dueAt) < now.getTime()),
    dueToday: data.filter((t) => t.dueAt !== null && Date.parse(t.dueAt) >= now.getTime()),
  };
}

export async function homeMeetings(ctx: Ctx, now = new Date()): Promise<HomeMeetings> {
  const userId = me(ctx);
  const day = await dayOf(ctx, now);
  const meetings = await meetingsBetween(ctx, userId, day.dayStart, day.dayEnd, 50);
  return {
    data: meetings.map((m) => ({
      id: m.id,
      subject: m.subject,
      startsAt: m.occurredAt,
      endsAt: typeof m.details.endsAt === "string" ? m.details.endsAt : null,
      location: typeof m.details.location === "string" ? m.details.location : null,
      record: m.dealId
        ? { object: "deal", id: m.dealId }
        : m.contactId
          ? { object: "contact", id: m.contactId }
          : m.companyId
            ? { object: "company", id: m.companyId }
            : null,
      attendeeCount: m.attendees.length,
    })),
  };
}

/** My open deals expected to close this month, soonest first, with totals per currency (never added across). */
export async function homeDeals(ctx: Ctx, now = new Date()): Promise<HomeDeals> {
  me(ctx);
  const day = await dayOf(ctx, now);
  const { data } = await listDeals(ctx, {
    ownerId: "me",
    status: "open",
    closeFrom: day.monthStart,
    closeTo: day.monthEnd,
    sort: "expectedCloseDate",
    limit: 100,
  });
  const totals = new Map<string, { cents: bigint; count: number }>();
  for (const d of data) {
    const t = totals.get(d.currency) ?? { cents: 0n, count: 0 };
    t.cents += BigInt(Math.round(Number(d.amount ?? 0) * 100));
    t.count += 1;
    totals.set(d.currency, t);
  }
  const money = (cents: bigint) => `${cents / 100n}.${String(cents % 100n).padStart(2, "0")}`;
  return {
    month: day.month,
    data: data.map((d) => ({
      id: d.id,
      name: d.name,
      amount: d.amount,
      currency: d.currency,
      stageName: d.stageName,
      stageProbability: d.stageProbability,
      expectedCloseDate: d.expectedCloseDate,
      companyName: d.companyName,
    })),
    totals: [...totals].sort(([a], [b]) => a.localeCompare(b)).map(([currency, t]) => ({ currency, amount: money(t.cents), count: t.count })),
  };
}

/** My quota of the period running today (the shortest one when I have a month's and a quarter's) against what I won. */
export async function homeQuota(ctx: Ctx, now = new Date()): Promise<HomeQuota> {
  const userId = me(ctx);
  assertCan(ctx.actor, "read");
  const day = await dayOf(ctx, now);
  const year = Number(day.today.slice(0, 4));
  const { data } = await listQuotas(ctx, { year, subjectType: "user", subjectId: userId, limit: 50 });
  const current = data
    .filter((q) => q.periodStart <= day.today && day.today < q.periodEnd)
    .sort((a, b) => a.periodEnd.localeCompare(b.periodEnd) || a.period.localeCompare(b.period))[0];
  if (!current) return { quota: null };
  const report = await forecast(ctx, { period: current.period, groupBy: "owner", ownerId: "me", currency: current.currency });
  const mine = report.rows.find((r) => r.id === userId);
  const won = mine?.won ?? "0.00";
  const startMs = Date.parse(`${current.periodStart}T00:00:00Z`);
  const endMs = Date.parse(`${current.periodEnd}T00:00:00Z`);
  const todayMs = Date.parse(`${day.today}T00:00:00Z`) + 86_400_000;
  return {
    quota: {
      period: current.period,
      periodStart: current.periodStart,
      periodEnd: current.periodEnd,
      amount: current.amount,
      currency: current.currency,
      won,
      bestCase: mine?.bestCase ?? "0.00",
      attainment: Number(current.amount) > 0 ? Math.round((Number(won) / Number(current.amount)) * 1000) / 10 : 0,
      elapsed: Math.round(Math.min(1, Math.max(0, (todayMs - startMs) / (endMs - startMs))) * 1000) / 10,
    },
  };
}

/** What others logged on my records in the last two weeks. */
export async function homeActivity(ctx: Ctx, now = new Date()): Promise<HomeActivity> {
  const userId = me(ctx);
  const since = new Date(now.getTime() - 14 * 86_400_000);
  return { data: await recentOnOwnedRecords(ctx, userId, since, now, 20) };
}
