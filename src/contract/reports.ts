/**
 * The report builder's contract: one definition (what to count, over which records, grouped how) shared by the
 * builder, saved reports, dashboards (a widget runs a saved report by id with extra filters) and exports. Filters are
 * the one condition language; fields are the one field registry's (custom fields included).
 */
import { z } from "zod";
import { Condition } from "./conditions.js";
import { registryObjects } from "./fields.js";

export const ReportObject = z.enum(registryObjects);
export type ReportObject = z.infer<typeof ReportObject>;

export const dateBuckets = ["day", "week", "month", "quarter", "year"] as const;
export const DateBucket = z.enum(dateBuckets);
export type DateBucket = z.infer<typeof DateBucket>;
export const dateBucketLabels: Readonly<Record<DateBucket, string>> = { day: "Day", week: "Week", month: "Month", quarter: "Quarter", year: "Year" };

/**
 * Group-by fields beyond the registry's own: the team of a record's owner (assignee for tasks and tickets, author for
 * activities). A person in two teams counts in both, as a deal with two contacts does.
 */
export const OWNER_TEAM = "ownerTeam";

export const GroupBy = z
  .object({
    field: z.string().min(1).max(140).describe("A field of the record (status, custom.tier), of a related one (company.industry), or ownerTeam"),
    bucket: DateBucket.optional().describe("For a date: the period it is counted in, in the workspace's time zone (day when omitted)"),
  })
  .strict();
export type GroupBy = z.infer<typeof GroupBy>;

export const measureFns = ["count", "countDistinct", "sum", "avg", "min", "max", "median", "percentOfTotal", "rate"] as const;
export const MeasureFn = z.enum(measureFns);
export type MeasureFn = z.infer<typeof MeasureFn>;
export const measureFnLabels: Readonly<Record<MeasureFn, string>> = {
  count: "Count",
  countDistinct: "Count distinct",
  sum: "Sum",
  avg: "Average",
  min: "Minimum",
  max: "Maximum",
  median: "Median",
  percentOfTotal: "Percent of total",
  rate: "Rate (share meeting a condition)",
};
/** Measures that read a field: always (sum…), optionally (percent of total: of the sum of the field, else of the count). */
export const measureNeedsField: Readonly<Record<MeasureFn, "yes" | "no" | "optional">> = {
  count: "no",
  countDistinct: "yes",
  sum: "yes",
  avg: "yes",
  min: "yes",
  max: "yes",
  median: "yes",
  percentOfTotal: "optional",
  rate: "no",
};

export const Measure = z
  .object({
    fn: MeasureFn,
    field: z.string().min(1).max(140).optional(),
    where: Condition.optional(),
    label: z.string().max(80).optional(),
    axis: z.enum(["left", "right"]).optional(),
  })
  .strict();
export type Measure = z.infer<typeof Measure>;

export const visualizations = ["number", "bar", "barHorizontal", "barStacked", "line", "area", "pie", "donut", "funnel", "table", "pivot"] as const;
export const Visualization = z.enum(visualizations);
export type Visualization = z.infer<typeof Visualization>;
export const visualizationLabels: Readonly<Record<Visualization, string>> = {
  number: "Number",
  bar: "Bar",
  barHorizontal: "Horizontal bar",
  barStacked: "Stacked bar",
  line: "Line",
  area: "Area",
  pie: "Pie",
  donut: "Donut",
  funnel: "Funnel",
  table: "Table",
  pivot: "Pivot table",
};

export const ReportSort = z
  .object({
    by: z.enum(["group", "measure"]),
    index: z.number().int().min(0).max(3).default(0),
    direction: z.enum(["asc", "desc"]).default("asc"),
  })
  .strict();

/** Most groups a report returns: beyond, it says it was limited. */
export const MAX_REPORT_GROUPS = 10_000;

export const ReportDefinition = z
  .object({
    object: ReportObject,
    filter: Condition.default({ all: [] }),
    groupBy: z.array(GroupBy).max(2, "Group by at most two fields").default([]),
    measures: z.array(Measure).min(1, "Add a measure").max(4, "At most four measures"),
    sort: ReportSort.optional(),
    limit: z.number().int().min(1).max(MAX_REPORT_GROUPS).optional(),
    visualization: Visualization.default("table"),
  })
  .strict();
export type ReportDefinition = z.infer<typeof ReportDefinition>;
export type ReportDefinitionInput = z.input<typeof ReportDefinition>;

export const ReportColumn = z.object({
  key: z.string(),
  label: z.string(),
  kind: z.enum(["group", "currency", "measure"]),
  /** For a measure: whether it is an amount of money (shown with the row's currency) or a percentage. */
  format: z.enum(["text", "number", "money", "percent", "date"]),
});
export const ReportRow = z.object({
  /** Raw values of the group columns (ids, ISO dates of a bucket's first day), null for "none": what drill-down takes. */
  keys: z.array(z.string().nullable()),
  labels: z.array(z.string()),
  values: z.array(z.number().nullable()),
});
export type ReportRow = z.infer<typeof ReportRow>;

export const ReportResult = z.object({
  columns: z.array(ReportColumn),
  rows: z.array(ReportRow),
  /** Group columns first (including the currency column when amounts are summed), then the measures. */
  groupCount: z.number().int(),
  limited: z.boolean(),
  message: z.string().nullable(),
  /** For a number with a relative period in its filter: the same measure over the period before. */
  comparison: z.object({ previous: z.number().nullable(), change: z.number().nullable(), label: z.string() }).nullable(),
  asOf: z.string(),
  cached: z.boolean(),
});
export type ReportResult = z.infer<typeof ReportResult>;

export const RunReportBody = z
  .object({
    definition: ReportDefinition,
    filter: Condition.optional().describe("Extra filters ANDed with the report's own, e.g. a dashboard's date range or owner"),
  })
  .strict();
export const RunSavedReportBody = z.object({ filter: Condition.optional() }).strict();

export const DrillDownBody = z
  .object({
    definition: ReportDefinition,
    keys: z.array(z.string().nullable()).max(3).describe("A row's keys as the run returned them; fewer keys drill into a whole first group"),
    filter: Condition.optional(),
  })
  .strict();
export const DrillDown = z.object({
  object: ReportObject,
  filter: Condition,
  description: z.string(),
});
export type DrillDown = z.infer<typeof DrillDown>;

export const ReportVisibility = z.enum(["private", "team", "workspace"]);
export type ReportVisibility = z.infer<typeof ReportVisibility>;
export const reportVisibilityLabels: Readonly<Record<ReportVisibility, string>> = {
  private: "Only me",
  team: "My teams",
  workspace: "Everyone in the workspace",
};

export const Report = z.object({
  id: z.string().uuid(),
  name: z.string(),
  description: z.string(),
  definition: ReportDefinition,
  ownerId: z.string().uuid().nullable(),
  visibility: ReportVisibility,
  mayEdit: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Report = z.infer<typeof Report>;

export const CreateReport = z
  .object({
    name: z.string().trim().min(1, "Give the report a name").max(200),
    description: z.string().max(2000).default(""),
    definition: ReportDefinition,
    visibility: ReportVisibility.default("private"),
  })
  .strict();
export const UpdateReport = CreateReport.partial().strict();
export const ReportList = z.object({ data: z.array(Report) });

export const ExportReportBody = z
  .object({
    definition: ReportDefinition,
    format: z.enum(["csv", "xlsx"]),
    filter: Condition.optional(),
    /** What the file is called (an unsaved report's working title); "report" when absent. */
    name: z.string().trim().max(200).optional(),
  })
  .strict();
export const ExportFormatQuery = z.object({ format: z.enum(["csv", "xlsx"]).default("csv") });
