import type { ReportDefinitionInput } from "../../contract/reports.js";
import { ReportDefinition } from "../../contract/reports.js";

/**
 * The dashboards every workspace starts with. Each widget's report is a ready-made report (one per key and
 * workspace, shared with the workspace, owned by no one); people duplicate a dashboard to adapt it, which gives them
 * private copies of its reports.
 */
export interface ReadyMadeWidget {
  key: string;
  name: string;
  description: string;
  definition: ReportDefinitionInput;
  /** The date the dashboard's period filters on; null: the period does not apply (a pipeline is what is open now). */
  dateField?: string | null;
  layout: { x: number; y: number; w: number; h: number };
}
export interface ReadyMadeDashboard {
  key: string;
  name: string;
  description: string;
  note?: { text: string; layout: { x: number; y: number; w: number; h: number } };
  widgets: ReadyMadeWidget[];
}

const won = { field: "status", op: "eq", value: "won" } as const;

export const readyMadeDashboards: readonly ReadyMadeDashboard[] = [
  {
    key: "sales",
    name: "Sales",
    description: "Pipeline, won business, win rates and deal size",
    widgets: [
      {
        key: "sales.pipeline_by_stage",
        name: "Pipeline by stage",
        description: "Open deals' value and count in each stage",
        definition: {
          object: "deal",
          filter: { field: "status", op: "eq", value: "open" },
          groupBy: [{ field: "stageId" }],
          measures: [{ fn: "sum", field: "amount", label: "Value" }],
          visualization: "bar",
        },
        dateField: null,
        layout: { x: 0, y: 0, w: 6, h: 8 },
      },
      {
        key: "sales.won_by_month",
        name: "Won by month",
        description: "Value of the deals won, by the month they closed",
        definition: {
          object: "deal",
          filter: won,
          groupBy: [{ field: "closedAt", bucket: "month" }],
          measures: [{ fn: "sum", field: "amount", label: "Won value" }],
          sort: { by: "group", index: 0, direction: "asc" },
          visualization: "bar",
        },
        dateField: "closedAt",
        layout: { x: 6, y: 0, w: 6, h: 8 },
      },
      {
        key: "sales.win_rate_by_owner",
        name: "Win rate by owner",
        description: "Of each owner's closed deals, the share won",
        definition: {
          object: "deal",
          filter: { field: "status", op: "in", value: ["won", "lost"] },
          groupBy: [{ field: "ownerId" }],
          measures: [{ fn: "rate", where: won, label: "Win rate" }],
          sort: { by: "measure", index: 0, direction: "desc" },
          visualization: "barHorizontal",
        },
        dateField: "closedAt",
        layout: { x: 0, y: 8, w: 6, h: 8 },
      },
      {
        key: "sales.average_deal_size",
        name: "Average deal size",
        description: "Average value of the deals won",
        definition: { object: "deal", filter: won, measures: [{ fn: "avg", field: "amount", label: "Average won deal" }], visualization: "number" },
        dateField: "closedAt",
        layout: { x: 6, y: 8, w: 3, h: 4 },
      },
      {
        key: "sales.sales_cycle_length",
        name: "Sales cycle length",
        description: "Average days from a deal's creation to its close, for the deals won",
        definition: { object: "deal", filter: won, measures: [{ fn: "avg", field: "daysToClose", label: "Days to close" }], visualization: "number" },
        dateField: "closedAt",
        layout: { x: 9, y: 8, w: 3, h: 4 },
      },
      {
        key: "sales.deals_won_count",
        name: "Deals won",
        description: "How many deals were won",
        definition: { object: "deal", filter: won, measures: [{ fn: "count", label: "Deals won" }], visualization: "number" },
        dateField: "closedAt",
        layout: { x: 6, y: 12, w: 6, h: 4 },
      },
    ],
  },
  {
    key: "activity",
    name: "Activity",
    description: "Calls, emails and meetings per person, and overdue tasks",
    widgets: [
      {
        key: "activity.per_person_per_week",
        name: "Calls, emails and meetings per person per week",
        description: "Activities logged each week, by who logged them",
        definition: {
          object: "activity",
          filter: { field: "type", op: "in", value: ["call", "email", "meeting"] },
          groupBy: [{ field: "occurredAt", bucket: "week" }, { field: "authorId" }],
          measures: [{ fn: "count", label: "Activities" }],
          sort: { by: "group", index: 0, direction: "asc" },
          visualization: "barStacked",
        },
        dateField: "occurredAt",
        layout: { x: 0, y: 0, w: 8, h: 9 },
      },
      {
        key: "activity.by_type_and_person",
        name: "Activities by person and type",
        description: "Calls, emails and meetings of each person",
        definition: {
          object: "activity",
          filter: { field: "type", op: "in", value: ["call", "email", "meeting"] },
          groupBy: [{ field: "authorId" }, { field: "type" }],
          measures: [{ fn: "count", label: "Activities" }],
          visualization: "pivot",
        },
        dateField: "occurredAt",
        layout: { x: 8, y: 0, w: 4, h: 9 },
      },
      {
        key: "activity.tasks_overdue",
        name: "Tasks overdue",
        description: "Open tasks past their due time, by assignee",
        definition: {
          object: "task",
          filter: {
            all: [
              { field: "status", op: "eq", value: "open" },
              { field: "dueAt", op: "olderThan", value: { n: 1, unit: "hour" } },
            ],
          },
          groupBy: [{ field: "assigneeId" }],
          measures: [{ fn: "count", label: "Overdue tasks" }],
          sort: { by: "measure", index: 0, direction: "desc" },
          visualization: "barHorizontal",
        },
        dateField: null,
        layout: { x: 0, y: 9, w: 12, h: 7 },
      },
    ],
  },
  {
    key: "leads",
    name: "Leads",
    description: "Where leads come from, how they convert and how they score",
    widgets: [
      {
        key: "leads.new_by_source",
        name: "New leads by source",
        description: "Contacts created, by lead source",
        definition: { object: "contact", groupBy: [{ field: "leadSource" }], measures: [{ fn: "count", label: "New leads" }], visualization: "bar" },
        dateField: "createdAt",
        layout: { x: 0, y: 0, w: 6, h: 8 },
      },
      {
        key: "leads.conversion_by_source",
        name: "Conversion by source",
        description: "Share of each source's contacts who became customers",
        definition: {
          object: "contact",
          groupBy: [{ field: "leadSource" }],
          measures: [{ fn: "rate", where: { field: "lifecycleStage", op: "in", value: ["customer", "evangelist"] }, label: "Converted" }],
          visualization: "bar",
        },
        dateField: "createdAt",
        layout: { x: 6, y: 0, w: 6, h: 8 },
      },
      {
        key: "leads.score_distribution",
        name: "Lead score distribution",
        description: "How many scored leads have each score",
        definition: {
          object: "contact",
          filter: { field: "leadScore", op: "notEmpty" },
          groupBy: [{ field: "leadScore" }],
          measures: [{ fn: "count", label: "Leads" }],
          sort: { by: "group", index: 0, direction: "asc" },
          visualization: "bar",
        },
        dateField: "createdAt",
        layout: { x: 0, y: 8, w: 12, h: 8 },
      },
    ],
  },
  {
    key: "service",
    name: "Service",
    description: "Tickets created and solved, the backlog and satisfaction",
    widgets: [
      {
        key: "service.created_by_week",
        name: "Tickets created per week",
        description: "New tickets each week",
        definition: {
          object: "ticket",
          groupBy: [{ field: "createdAt", bucket: "week" }],
          measures: [{ fn: "count", label: "Created" }],
          sort: { by: "group", index: 0, direction: "asc" },
          visualization: "line",
        },
        dateField: "createdAt",
        layout: { x: 0, y: 0, w: 6, h: 8 },
      },
      {
        key: "service.solved_by_week",
        name: "Tickets solved per week",
        description: "Tickets solved or closed, by the week they were created",
        definition: {
          object: "ticket",
          filter: { field: "status", op: "in", value: ["solved", "closed"] },
          groupBy: [{ field: "createdAt", bucket: "week" }],
          measures: [{ fn: "count", label: "Solved" }],
          sort: { by: "group", index: 0, direction: "asc" },
          visualization: "line",
        },
        dateField: "createdAt",
        layout: { x: 6, y: 0, w: 6, h: 8 },
      },
      {
        key: "service.backlog_by_assignee",
        name: "Backlog by assignee",
        description: "Tickets not yet solved, by who holds them",
        definition: {
          object: "ticket",
          filter: { field: "status", op: "notIn", value: ["solved", "closed"] },
          groupBy: [{ field: "assigneeId" }],
          measures: [{ fn: "count", label: "Open tickets" }],
          sort: { by: "measure", index: 0, direction: "desc" },
          visualization: "barHorizontal",
        },
        dateField: null,
        layout: { x: 0, y: 8, w: 6, h: 8 },
      },
      {
        key: "service.backlog_by_priority",
        name: "Backlog by priority",
        description: "Tickets not yet solved, by priority",
        definition: {
          object: "ticket",
          filter: { field: "status", op: "notIn", value: ["solved", "closed"] },
          groupBy: [{ field: "priority" }],
          measures: [{ fn: "count", label: "Open tickets" }],
          visualization: "donut",
        },
        dateField: null,
        layout: { x: 6, y: 8, w: 3, h: 8 },
      },
      {
        key: "service.satisfaction",
        name: "Average satisfaction",
        description: "Average satisfaction (1–5) of the rated tickets",
        definition: { object: "ticket", measures: [{ fn: "avg", field: "satisfaction", label: "Satisfaction" }], visualization: "number" },
        dateField: "createdAt",
        layout: { x: 9, y: 8, w: 3, h: 8 },
      },
    ],
  },
];

/** Parsed once: the definitions as the report builder keeps them (defaults filled). */
export const readyMadeDefinition = (w: ReadyMadeWidget) => ReportDefinition.parse(w.definition);
