import { queryOptions } from "@tanstack/react-query";
import type { Dashboard, DashboardFilters, DashboardSummary, WidgetInput, WidgetResult } from "../../contract/dashboards.js";
import { api } from "../http/client.js";

export const dashboardsQuery = queryOptions({
  queryKey: ["dashboards"],
  queryFn: () => api.get<{ data: DashboardSummary[] }>("/api/v1/dashboards").then((r) => r.data),
});

export const dashboardQuery = (id: string) => queryOptions({ queryKey: ["dashboards", id], queryFn: () => api.get<Dashboard>(`/api/v1/dashboards/${id}`) });

export const homeDashboardQuery = queryOptions({
  queryKey: ["dashboards", "home-choice"],
  queryFn: () => api.get<{ dashboardId: string | null }>("/api/v1/dashboards/home"),
});

/**
 * One widget's own query. Its key holds only the filters the widget takes, so changing a filter it does not take
 * (a pipeline, for activities) leaves it as it is: only the widgets a filter applies to run again.
 */
export const widgetQuery = (dashboardId: string, widgetId: string, reportId: string, filters: DashboardFilters) =>
  queryOptions({
    queryKey: ["dashboards", dashboardId, "widget", widgetId, reportId, filters],
    queryFn: () => api.post<WidgetResult>(`/api/v1/dashboards/${dashboardId}/widgets/${widgetId}/run`, { filters }),
    retry: false,
  });

/** A widget as the API takes it back (the view adds the report's name, the filters it takes…). */
export function widgetInput(w: Dashboard["widgets"][number]): WidgetInput {
  if (w.kind === "note") return { id: w.id, kind: "note", title: w.title, text: w.text, layout: w.layout };
  return {
    id: w.id,
    kind: "report",
    title: w.title,
    reportId: w.reportId,
    layout: w.layout,
    ...(w.dateField !== undefined ? { dateField: w.dateField } : {}),
  };
}

export const dashboardApi = {
  create: (name: string) => api.post<Dashboard>("/api/v1/dashboards", { name }),
  update: (id: string, body: Partial<{ name: string; visibility: string; widgets: WidgetInput[] }>) => api.patch<Dashboard>(`/api/v1/dashboards/${id}`, body),
  remove: (id: string) => api.del(`/api/v1/dashboards/${id}`),
  duplicate: (id: string) => api.post<Dashboard>(`/api/v1/dashboards/${id}/duplicate`, {}),
  addReport: (id: string, reportId: string) => api.post<Dashboard>(`/api/v1/dashboards/${id}/widgets`, { reportId }),
  setHome: (dashboardId: string | null) => api.put<{ dashboardId: string | null }>("/api/v1/dashboards/home", { dashboardId }),
};
