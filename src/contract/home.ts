import { z } from "zod";
import { ActivityType } from "./activities.js";
import { Id, Timestamp } from "./common.js";
import { Task } from "./tasks.js";

/**
 * The home page ("my day"): one route per card, so each card loads, fails and retries on its own and a slow card
 * never holds the others back. Everything is the signed-in user's and within their record visibility.
 */
export const HomeTasks = z.object({
  today: z.string().describe("Today's date in the workspace's time zone"),
  overdue: z.array(Task),
  dueToday: z.array(Task),
});
export type HomeTasks = z.infer<typeof HomeTasks>;

export const HomeMeeting = z.object({
  id: Id,
  subject: z.string().nullable(),
  startsAt: Timestamp,
  endsAt: Timestamp.nullable(),
  location: z.string().nullable(),
  record: z.object({ object: z.enum(["contact", "company", "deal"]), id: Id }).nullable(),
  attendeeCount: z.number().int(),
});
export const HomeMeetings = z.object({ data: z.array(HomeMeeting) });
export type HomeMeetings = z.infer<typeof HomeMeetings>;

export const HomeDeal = z.object({
  id: Id,
  name: z.string(),
  amount: z.string().nullable(),
  currency: z.string(),
  stageName: z.string(),
  stageProbability: z.number().int(),
  expectedCloseDate: z.string().nullable(),
  companyName: z.string().nullable(),
});
export const HomeDeals = z.object({
  month: z.string().describe("YYYY-MM in the workspace's time zone"),
  data: z.array(HomeDeal),
  totals: z.array(z.object({ currency: z.string(), amount: z.string(), count: z.number().int() })).describe("Per currency, never added across"),
});
export type HomeDeals = z.infer<typeof HomeDeals>;

export const HomeQuota = z.object({
  quota: z
    .object({
      period: z.string(),
      periodStart: z.string(),
      periodEnd: z.string().describe("Exclusive"),
      amount: z.string(),
      currency: z.string(),
      won: z.string(),
      bestCase: z.string(),
      attainment: z.number().describe("won ÷ quota, as a percentage"),
      elapsed: z.number().describe("Share of the period gone by, as a percentage: where attainment would be on pace"),
    })
    .nullable()
    .describe("Null when no quota is set for the current period"),
});
export type HomeQuota = z.infer<typeof HomeQuota>;

export const HomeActivityEntry = z.object({
  id: Id,
  type: ActivityType,
  subject: z.string().nullable(),
  occurredAt: Timestamp,
  authorName: z.string().nullable(),
  record: z.object({ object: z.enum(["contact", "company", "deal"]), id: Id, name: z.string() }),
});
export const HomeActivity = z.object({ data: z.array(HomeActivityEntry) });
export type HomeActivity = z.infer<typeof HomeActivity>;
