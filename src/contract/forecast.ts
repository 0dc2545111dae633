import { z } from "zod";
import { Id, Timestamp } from "./common.js";
import { Currency, DateOnly, MoneyInput } from "./deals.js";

/** A calendar month ("2026-10") or quarter ("2026-Q4"). */
export const Period = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^(19|20|21)\d{2}-(0[1-9]|1[0-2]|Q[1-4])$/, "Use a month such as 2026-10 or a quarter such as 2026-Q4")
  .describe("A month (2026-10) or a quarter (2026-Q4)");
export const periodKinds = ["month", "quarter"] as const;
export const PeriodKind = z.enum(periodKinds);
export type PeriodKind = z.infer<typeof PeriodKind>;
export const quotaSubjects = ["user", "team"] as const;
export const QuotaSubject = z.enum(quotaSubjects);

export const Quota = z.object({
  id: Id,
  subjectType: QuotaSubject,
  subjectId: Id,
  subjectName: z.string(),
  period: z.string(),
  periodKind: PeriodKind,
  periodStart: z.string(),
  periodEnd: z.string().describe("Exclusive"),
  amount: z.string(),
  currency: z.string(),
  updatedAt: Timestamp,
});
export type Quota = z.infer<typeof Quota>;

export const QuotaListQuery = z
  .object({
    year: z.coerce.number().int().min(1900).max(2199).describe("Quotas whose period lies in this year"),
    periodKind: PeriodKind.optional(),
    subjectType: QuotaSubject.optional(),
    subjectId: Id.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
    cursor: z.string().max(500).optional(),
  })
  .strict();
export const QuotaList = z.object({ data: z.array(Quota), nextCursor: z.string().nullable() });

export const QuotaCell = z
  .object({
    subjectType: QuotaSubject,
    subjectId: Id,
    period: Period,
    amount: MoneyInput.nullable().describe("null removes the quota"),
    currency: Currency.optional().describe("Defaults to the workspace currency"),
  })
  .strict();
export const SetQuotasBody = z.object({ quotas: z.array(QuotaCell).min(1, "Send at least one quota").max(500, "At most 500 quotas per request") }).strict();
export const SetQuotasResult = z.object({ data: z.array(Quota), removed: z.number().int() });

export const ForecastSettings = z.object({
  commitThreshold: z.number().describe("Open deals in stages with at least this win probability (%) count as commit"),
});
export const UpdateForecastSettingsBody = z.object({ commitThreshold: z.number().min(0).max(100) }).strict();

export const forecastGroupings = ["owner", "team"] as const;
export const ForecastQuery = z
  .object({
    period: Period,
    pipelineId: Id.optional(),
    groupBy: z.enum(forecastGroupings).default("owner"),
    teamId: Id.optional().describe("Only this team's members"),
    ownerId: z.string().max(40).optional().describe("A user id, or 'me'"),
    currency: Currency.optional().describe("Defaults to the workspace currency; deals in other currencies are summed apart"),
  })
  .strict();

const Money = z.string().describe("Decimal amount");
export const ForecastRow = z.object({
  id: Id.nullable().describe("Owner or team id; null for deals without an owner"),
  name: z.string(),
  quota: Money.nullable(),
  won: Money,
  commit: Money,
  bestCase: Money,
  weighted: Money,
  wonCount: z.number().int(),
  openCount: z.number().int(),
  attainment: z.number().nullable().describe("won ÷ quota, as a percentage"),
  gap: Money.nullable().describe("quota − won; negative when the quota is exceeded"),
  members: z
    .array(
      z.object({
        id: Id,
        name: z.string(),
        quota: Money.nullable(),
        won: Money,
        commit: Money,
        bestCase: Money,
        weighted: Money,
        attainment: z.number().nullable(),
        gap: Money.nullable(),
      }),
    )
    .optional()
    .describe("With groupBy=team: each member's own figures"),
});
export type ForecastRow = z.infer<typeof ForecastRow>;
export const ForecastReport = z.object({
  period: z.string(),
  periodStart: z.string(),
  periodEnd: z.string().describe("Exclusive"),
  groupBy: z.enum(forecastGroupings),
  currency: z.string(),
  commitThreshold: z.number(),
  rows: z.array(ForecastRow),
  totals: ForecastRow.omit({ id: true, members: true }),
  otherCurrencies: z
    .array(z.object({ currency: z.string(), won: Money, bestCase: Money, deals: z.number().int() }))
    .describe("Deals in other currencies, not added to the figures above"),
});
export type ForecastReport = z.infer<typeof ForecastReport>;

export const PipelineReportQuery = z
  .object({
    pipelineId: Id.optional().describe("Defaults to the default pipeline"),
    from: DateOnly.optional().describe("Won/lost deals closed, and stage changes made, on or after (default: 90 days ago)"),
    to: DateOnly.optional().describe("… and before (default: tomorrow)"),
  })
  .strict();
export const PipelineStageReport = z.object({
  stageId: Id,
  name: z.string(),
  position: z.number().int(),
  type: z.enum(["open", "won", "lost"]),
  probability: z.number().int(),
  count: z.number().int(),
  totals: z.array(z.object({ currency: z.string(), amount: Money, weighted: Money })),
  entered: z.number().int().describe("Entries into the stage in the window (a deal that comes back counts again)"),
  advanced: z.number().int().describe("… of which moved on next to a later stage or were won"),
  conversionRate: z.number().nullable().describe("advanced ÷ entered, as a percentage"),
  avgDaysInStage: z.number().nullable(),
});
export const PipelineReport = z.object({
  pipelineId: Id,
  pipelineName: z.string(),
  from: z.string(),
  to: z.string(),
  stages: z.array(PipelineStageReport),
});
export type PipelineReport = z.infer<typeof PipelineReport>;

export const ForecastBacktestQuery = z
  .object({
    from: Period.describe("First period (a month or a quarter); the last four complete quarters by default"),
    to: Period.describe("Last period, of the same kind as from"),
    pipelineId: Id.optional(),
    currency: Currency.optional().describe("Defaults to the workspace currency; deals in other currencies are left out"),
  })
  .partial({ from: true, to: true })
  .strict();
export const ForecastBacktestRow = z.object({
  period: z.string(),
  periodStart: z.string(),
  periodEnd: z.string().describe("Exclusive"),
  openCount: z.number().int().describe("Deals open at the period's start, expected to close in it or with no expected close date"),
  pipeline: Money.describe("Their amount"),
  weighted: Money.describe("Their amount × the probability of the stage each was in at the start: what the stage-weighted forecast said"),
  won: Money.describe("Amount actually won in the period (every deal)"),
  wonCount: z.number().int(),
  wonFromPipeline: Money.describe("Of the start's open deals, the amount won in the period"),
  error: Money.describe("weighted − won: positive when the forecast said more than was won"),
  errorPercent: z.number().nullable().describe("error ÷ won, as a percentage; null when nothing was won"),
});
export type ForecastBacktestRow = z.infer<typeof ForecastBacktestRow>;
export const ForecastBacktest = z.object({
  currency: z.string(),
  rows: z.array(ForecastBacktestRow),
  meanAbsolutePercentError: z.number().nullable().describe("Mean of |errorPercent| over periods with something won"),
});
export type ForecastBacktest = z.infer<typeof ForecastBacktest>;
