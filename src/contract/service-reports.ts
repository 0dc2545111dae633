import { z } from "zod";
import { Id } from "./common.js";
import { TicketChannel, TicketPriority, TicketStatusCategory } from "./tickets.js";

const DateOnly = z.iso.date({ error: "Use a date such as 2026-12-31" });

export const dashboardPeriods = ["7d", "30d", "90d", "custom"] as const;
export const DashboardPeriod = z.enum(dashboardPeriods);
export type DashboardPeriod = z.infer<typeof DashboardPeriod>;
export const dashboardPeriodLabels: Record<DashboardPeriod, string> = {
  "7d": "Last 7 days",
  "30d": "Last 30 days",
  "90d": "Last 90 days",
  custom: "Custom",
};

/** A queue or agent id, or "none" for tickets without one. */
const IdOrNone = z.union([Id, z.literal("none")]);

export const ServiceDashboardQuery = z
  .object({
    period: DashboardPeriod.default("30d"),
    from: DateOnly.optional().describe("First day (custom period), in the workspace's time zone"),
    to: DateOnly.optional().describe("Last day, inclusive (custom period)"),
    queueId: IdOrNone.optional(),
    assigneeId: z.union([IdOrNone, z.literal("me")]).optional(),
    channel: TicketChannel.optional(),
    priority: TicketPriority.optional(),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.period !== "custom") return;
    if (!q.from) ctx.addIssue({ code: "custom", path: ["from"], message: "A custom period needs a first day" });
    if (!q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "A custom period needs a last day" });
    if (q.from && q.to && q.from > q.to) ctx.addIssue({ code: "custom", path: ["to"], message: "The last day is before the first day" });
    if (q.from && q.to && Date.parse(q.to) - Date.parse(q.from) > 731 * 86_400_000)
      ctx.addIssue({ code: "custom", path: ["to"], message: "A period is at most two years" });
  });
export type ServiceDashboardQuery = z.infer<typeof ServiceDashboardQuery>;

/** Durations in seconds between a ticket's creation and its first response or its solving. */
export const DurationStats = z.object({
  count: z.number().int(),
  medianSeconds: z.number().nullable(),
  p90Seconds: z.number().nullable(),
});
export type DurationStats = z.infer<typeof DurationStats>;

export const CsatStats = z.object({
  count: z.number().int().describe("Rated tickets"),
  average: z.number().nullable().describe("Mean rating 1–5, two decimals"),
  distribution: z.array(z.object({ rating: z.number().int().min(1).max(5), count: z.number().int() })),
});
export type CsatStats = z.infer<typeof CsatStats>;

/** One agent's or queue's figures over the period. */
export const DashboardGroupRow = z.object({
  id: Id.nullable().describe("null: unassigned / no queue"),
  name: z.string(),
  created: z.number().int(),
  solved: z.number().int(),
  firstResponse: DurationStats,
  resolution: DurationStats,
  csat: CsatStats,
});
export type DashboardGroupRow = z.infer<typeof DashboardGroupRow>;

export const DashboardDay = z.object({
  date: z.string(),
  created: z.number().int(),
  solved: z.number().int(),
  byChannel: z.record(z.string(), z.number().int()).describe("Tickets created that day per channel"),
});
export type DashboardDay = z.infer<typeof DashboardDay>;

export const SlaMetricAttainment = z.object({
  metric: z.string(),
  label: z.string(),
  met: z.number().int(),
  breached: z.number().int(),
  attainment: z.number().nullable().describe("Percent of decided clocks met, one decimal"),
});

export const ServiceDashboard = z.object({
  period: z.object({ from: z.string(), to: z.string().describe("Inclusive"), timeZone: z.string() }),
  backlog: z.object({
    total: z.number().int(),
    byStatus: z.array(z.object({ status: z.string(), label: z.string(), category: TicketStatusCategory, count: z.number().int() })),
    byQueue: z.array(z.object({ id: Id.nullable(), name: z.string(), count: z.number().int() })),
  }),
  created: z.number().int().describe("Tickets created in the period"),
  solved: z.number().int().describe("Tickets solved in the period"),
  awaitingFirstResponse: z.number().int().describe("Tickets created in the period with no first response yet"),
  firstResponse: DurationStats.describe("Tickets created in the period that were answered"),
  resolution: DurationStats.describe("Tickets solved in the period"),
  csat: CsatStats.describe("Ratings of the tickets created in the period"),
  byStatus: z.array(z.object({ status: z.string(), label: z.string(), count: z.number().int() })),
  byChannel: z.array(z.object({ channel: TicketChannel, label: z.string(), count: z.number().int() })),
  byPriority: z.array(z.object({ priority: TicketPriority, label: z.string(), count: z.number().int() })),
  agents: z.array(DashboardGroupRow),
  queues: z.array(DashboardGroupRow),
  daily: z.array(DashboardDay),
  sla: z
    .object({ metrics: z.array(SlaMetricAttainment), attainment: z.number().nullable() })
    .nullable()
    .describe("null until service levels (SLA clocks) exist in this installation"),
});
export type ServiceDashboard = z.infer<typeof ServiceDashboard>;
