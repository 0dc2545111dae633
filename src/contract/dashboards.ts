/**
 * Dashboards: saved reports and notes placed in a grid, with dashboard-wide filters (period, owner, team, pipeline)
 * that each widget takes only where its object has the field. A widget runs on its own (one request each), so a
 * filter change re-runs only the widgets it applies to and a slow or failing widget holds no other back.
 */
import { z } from "zod";
import { periodOperators } from "./conditions.js";
import { ReportObject, ReportResult, ReportVisibility, Visualization } from "./reports.js";

export const GRID_COLUMNS = 12;
export const MAX_WIDGETS = 40;

/** The periods a dashboard filters by: the condition language's calendar periods and a few rolling spans. */
export const rollingPeriods = ["last7Days", "last30Days", "last90Days", "last12Months"] as const;
export const dashboardPeriods = [...periodOperators, ...rollingPeriods] as const;
export const DashboardPeriod = z.enum(dashboardPeriods);
export type DashboardPeriod = z.infer<typeof DashboardPeriod>;
export const dashboardPeriodLabels: Readonly<Record<DashboardPeriod, string>> = {
  today: "Today",
  yesterday: "Yesterday",
  thisWeek: "This week",
  lastWeek: "Last week",
  thisMonth: "This month",
  lastMonth: "Last month",
  monthToDate: "Month to date",
  thisQuarter: "This quarter",
  lastQuarter: "Last quarter",
  quarterToDate: "Quarter to date",
  thisYear: "This year",
  lastYear: "Last year",
  yearToDate: "Year to date",
  last7Days: "Last 7 days",
  last30Days: "Last 30 days",
  last90Days: "Last 90 days",
  last12Months: "Last 12 months",
};

/** A widget's place in the grid, in grid units (12 columns; rows of a fixed height). */
export const WidgetLayout = z
  .object({
    x: z
      .number()
      .int()
      .min(0)
      .max(GRID_COLUMNS - 1),
    y: z.number().int().min(0).max(1000),
    w: z.number().int().min(1).max(GRID_COLUMNS),
    h: z.number().int().min(1).max(40),
  })
  .strict();
export type WidgetLayout = z.infer<typeof WidgetLayout>;

const widgetBase = {
  id: z.string().min(1).max(40).describe("The widget's key within its dashboard"),
  title: z.string().trim().max(200).default("").describe("Shown above the widget; a report widget shows its report's name when empty"),
  layout: WidgetLayout,
};

export const ReportWidgetInput = z
  .object({
    ...widgetBase,
    kind: z.literal("report"),
    reportId: z.uuid(),
    dateField: z
      .string()
      .max(140)
      .nullable()
      .optional()
      .describe("The date the dashboard's period filters on (closedAt, occurredAt…); null: the period does not apply; omitted: the object's usual date"),
  })
  .strict();
export const NoteWidgetInput = z
  .object({
    ...widgetBase,
    kind: z.literal("note"),
    text: z.string().max(10_000).describe("Plain text or light markdown (headings, bold, lists, links); any HTML is removed"),
  })
  .strict();
export const WidgetInput = z.discriminatedUnion("kind", [ReportWidgetInput, NoteWidgetInput]);
export type WidgetInput = z.infer<typeof WidgetInput>;

/** Which of the dashboard's filters a widget takes (its object has the field). */
export const AppliedFilters = z.object({ period: z.boolean(), owner: z.boolean(), team: z.boolean(), pipeline: z.boolean() });
export type AppliedFilters = z.infer<typeof AppliedFilters>;

export const Widget = z.discriminatedUnion("kind", [
  z.object({
    ...widgetBase,
    title: z.string(),
    kind: z.literal("report"),
    reportId: z.string(),
    dateField: z.string().nullable().optional(),
    /** The report as the viewer may see it; null when it was deleted or is not shared with them. */
    report: z.object({ name: z.string(), object: ReportObject, visualization: Visualization, mayEdit: z.boolean() }).nullable(),
    applies: AppliedFilters,
    /** The date field's label the period filters on, for the widget's caption. */
    dateLabel: z.string().nullable(),
  }),
  z.object({ ...widgetBase, title: z.string(), kind: z.literal("note"), text: z.string() }),
]);
export type Widget = z.infer<typeof Widget>;

export const Dashboard = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  ownerId: z.string().nullable(),
  visibility: ReportVisibility,
  /** The key of a ready-made dashboard (sales, activity, leads, service): not edited in place, duplicated instead. */
  readyMade: z.string().nullable(),
  mayEdit: z.boolean(),
  widgets: z.array(Widget),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Dashboard = z.infer<typeof Dashboard>;

export const DashboardSummary = Dashboard.omit({ widgets: true }).extend({ widgetCount: z.number().int() });
export type DashboardSummary = z.infer<typeof DashboardSummary>;
export const DashboardList = z.object({ data: z.array(DashboardSummary) });

export const CreateDashboard = z
  .object({
    name: z.string().trim().min(1, "Give the dashboard a name").max(200),
    description: z.string().max(2000).default(""),
    visibility: ReportVisibility.default("private"),
    widgets: z.array(WidgetInput).max(MAX_WIDGETS, `At most ${MAX_WIDGETS} widgets`).default([]),
  })
  .strict();
export const UpdateDashboard = z
  .object({
    name: z.string().trim().min(1, "Give the dashboard a name").max(200).optional(),
    description: z.string().max(2000).optional(),
    visibility: ReportVisibility.optional(),
    widgets: z.array(WidgetInput).max(MAX_WIDGETS, `At most ${MAX_WIDGETS} widgets`).optional(),
  })
  .strict();
export const DuplicateDashboard = z.object({ name: z.string().trim().min(1).max(200).optional() }).strict();

/** Add one saved report to a dashboard (from the report builder), placed below the widgets already there. */
export const AddReportWidget = z.object({ reportId: z.uuid(), title: z.string().trim().max(200).optional() }).strict();

export const DashboardFilters = z
  .object({
    period: DashboardPeriod.nullable().optional(),
    ownerId: z
      .union([z.uuid(), z.literal("me")])
      .nullable()
      .optional()
      .describe('A user id or "me"'),
    teamId: z.uuid().nullable().optional(),
    pipelineId: z.uuid().nullable().optional(),
  })
  .strict();
export type DashboardFilters = z.infer<typeof DashboardFilters>;

export const WidgetParams = z.object({ id: z.uuid(), widgetId: z.string().min(1).max(40) }).strict();
export const RunWidgetBody = z.object({ filters: DashboardFilters.default({}) }).strict();
export const WidgetResult = z.object({ result: ReportResult, applied: z.array(z.string()).describe("The filters this widget took, as readable labels") });
export type WidgetResult = z.infer<typeof WidgetResult>;

/** The dashboard a user chose for their home page. */
export const HomeDashboard = z.object({ dashboardId: z.string().nullable() });
export const SetHomeDashboard = z.object({ dashboardId: z.uuid().nullable() }).strict();
