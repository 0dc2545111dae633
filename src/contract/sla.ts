/**
 * Service levels (issue #19): business-hours calendars, SLA policies and the per-ticket clocks they drive.
 * Targets are business minutes: time inside a calendar's working blocks, outside its holidays.
 */
import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Condition } from "./conditions.js";

/** ISO weekday: 1 Monday … 7 Sunday. */
export const weekdays = [1, 2, 3, 4, 5, 6, 7] as const;
export const weekdayLabels: Readonly<Record<number, string>> = {
  1: "Monday",
  2: "Tuesday",
  3: "Wednesday",
  4: "Thursday",
  5: "Friday",
  6: "Saturday",
  7: "Sunday",
};

const Clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, "Use a time of day as HH:MM, from 00:00 to 24:00");
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date as YYYY-MM-DD");

/** One stretch of working time on a weekday, in the calendar's zone. Blocks never cross midnight: split them. */
export const WorkingBlock = z
  .object({ day: z.number().int().min(1).max(7), start: Clock, end: Clock })
  .strict()
  .refine((b) => b.end > b.start, { message: "A block ends after it starts (split one that crosses midnight in two)", path: ["end"] });
export type WorkingBlock = z.infer<typeof WorkingBlock>;

export const Holiday = z.object({ date: IsoDate, name: z.string().trim().min(1).max(200) }).strict();
export type Holiday = z.infer<typeof Holiday>;

const TimeZoneName = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: "Use an IANA time zone, e.g. Europe/Berlin" },
  );

const CalendarFields = z.object({
  name: z.string().trim().min(1, "Give the calendar a name").max(120),
  timeZone: TimeZoneName,
  blocks: z.array(WorkingBlock).max(70).describe("Working blocks per weekday; none at all means open around the clock (24/7)"),
  holidays: z.array(Holiday).max(1000),
  isDefault: z.boolean().describe("The calendar of policies that name none"),
});

export const CreateCalendarBody = CalendarFields.partial({ blocks: true, holidays: true, isDefault: true }).strict();
export type CreateCalendarBody = z.infer<typeof CreateCalendarBody>;
export const UpdateCalendarBody = CalendarFields.partial().strict();
export type UpdateCalendarBody = z.infer<typeof UpdateCalendarBody>;

export const BusinessCalendar = CalendarFields.extend({ id: Id, createdAt: Timestamp, updatedAt: Timestamp });
export type BusinessCalendar = z.infer<typeof BusinessCalendar>;
export const CalendarList = z.object({ data: z.array(BusinessCalendar) });

export const ImportHolidaysBody = z
  .object({
    ics: z.string().min(1).max(2_000_000).describe("An iCalendar file's text; each all-day event (or event's first day) becomes a holiday"),
    from: IsoDate.optional().describe("First day of recurring holidays to expand (default: today)"),
    years: z.number().int().min(1).max(10).default(2).describe("How many years of recurring holidays to expand"),
  })
  .strict();
export const ImportHolidaysResult = z.object({ calendar: BusinessCalendar, added: z.number().int(), skipped: z.number().int() });

export const slaMetrics = ["first_response", "next_response", "resolution"] as const;
export const SlaMetric = z.enum(slaMetrics);
export type SlaMetric = z.infer<typeof SlaMetric>;
export const slaMetricLabels: Readonly<Record<SlaMetric, string>> = {
  first_response: "First response",
  next_response: "Next response",
  resolution: "Resolution",
};

const Minutes = z
  .number()
  .int()
  .min(1)
  .max(60 * 24 * 365);

const PolicyFields = z.object({
  name: z.string().trim().min(1, "Give the policy a name").max(120),
  position: z.number().int().min(0).max(10_000).describe("Policies are tried in position order; the first that matches a ticket applies"),
  // Which tickets the policy covers (the one condition language over ticket fields); {all:[]} matches every ticket.
  // Not .describe()d: a described copy of the recursive Condition sends the response serializer's JSON Schema writer
  // into endless recursion, and the route falls back to slow zod serialization (src/server/serializer.test.ts).
  condition: Condition,
  firstResponseMinutes: Minutes.nullable().describe("Business minutes to the first public agent reply"),
  nextResponseMinutes: Minutes.nullable().describe("Business minutes from each customer message to the next agent reply"),
  resolutionMinutes: Minutes.nullable().describe("Business minutes from creation to solved"),
  calendarId: Id.nullable().describe("Business hours; null: the workspace's default calendar (24/7 when there is none)"),
  warnPercent: z.number().int().min(1).max(99).describe("Share of the target after which the clock warns"),
  active: z.boolean(),
});

export const CreatePolicyBody = PolicyFields.partial({
  position: true,
  condition: true,
  firstResponseMinutes: true,
  nextResponseMinutes: true,
  resolutionMinutes: true,
  calendarId: true,
  warnPercent: true,
  active: true,
}).strict();
export type CreatePolicyBody = z.infer<typeof CreatePolicyBody>;
export const UpdatePolicyBody = PolicyFields.partial().strict();
export type UpdatePolicyBody = z.infer<typeof UpdatePolicyBody>;

export const SlaPolicy = PolicyFields.extend({ id: Id, createdAt: Timestamp, updatedAt: Timestamp });
export type SlaPolicy = z.infer<typeof SlaPolicy>;
export const PolicyList = z.object({ data: z.array(SlaPolicy) });

export const slaClockStates = ["running", "paused", "met", "breached"] as const;
export const SlaClockState = z.enum(slaClockStates);
export type SlaClockState = z.infer<typeof SlaClockState>;

export const SlaClock = z.object({
  metric: SlaMetric,
  policyId: Id,
  policyName: z.string(),
  state: SlaClockState,
  startedAt: Timestamp,
  targetMinutes: z.number().int(),
  dueAt: Timestamp.nullable().describe("When the target is reached if the clock keeps running; null while paused"),
  warnAt: Timestamp.nullable(),
  metAt: Timestamp.nullable(),
  breachedAt: Timestamp.nullable().describe("When the clock passed its target (also set when it was met late)"),
  remainingMinutes: z.number().describe("Business minutes left now; negative: breached by that much"),
  elapsedMinutes: z.number(),
  paused: z.boolean(),
});
export type SlaClock = z.infer<typeof SlaClock>;

export const TicketSla = z.object({
  ticketId: Id,
  policyId: Id.nullable(),
  calendarName: z.string().nullable(),
  clocks: z.array(SlaClock),
});
export type TicketSla = z.infer<typeof TicketSla>;

/** What ticket.sla_warning and ticket.sla_breached carry. */
export const SlaEventRecord = z.object({
  id: Id.describe("The ticket's id"),
  ticketId: Id,
  ticketNumber: z.number().int().nullable(),
  metric: SlaMetric,
  policyId: Id,
  policyName: z.string(),
  dueAt: Timestamp,
  warnAt: Timestamp.nullable(),
});
export type SlaEventRecord = z.infer<typeof SlaEventRecord>;
