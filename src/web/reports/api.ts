import { queryOptions } from "@tanstack/react-query";
import type { Condition } from "../../contract/conditions.js";
import type { DrillDown, Report, ReportDefinitionInput, ReportObject, ReportResult } from "../../contract/reports.js";
import { api } from "../http/client.js";

export const reportsQuery = queryOptions({
  queryKey: ["reports"],
  queryFn: () => api.get<{ data: Report[] }>("/api/v1/reports").then((r) => r.data),
});

export const reportQuery = (id: string) =>
  queryOptions({
    queryKey: ["reports", id],
    queryFn: () => api.get<Report>(`/api/v1/reports/${id}`),
  });

export const runReport = (definition: ReportDefinitionInput, filter?: Condition) =>
  api.post<ReportResult>("/api/v1/reports/run", { definition, ...(filter ? { filter } : {}) });

export const drillDown = (definition: ReportDefinitionInput, keys: (string | null)[]) => api.post<DrillDown>("/api/v1/reports/drilldown", { definition, keys });

/** Where the records of a drill-down are listed: the object's ordinary list page, with the drill-down's filter. */
export const listPathOf: Partial<Record<ReportObject, string>> = { deal: "/deals", contact: "/contacts", company: "/companies" };
