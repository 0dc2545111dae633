import { queryOptions } from "@tanstack/react-query";
import type { DashboardPeriod, ServiceDashboard } from "../../contract/service-reports.js";
import { api } from "../http/client.js";

export interface DashboardParams {
  period: DashboardPeriod;
  from?: string;
  to?: string;
  queueId?: string;
  assigneeId?: string;
  channel?: string;
  priority?: string;
}

export const serviceDashboardQuery = (p: DashboardParams) =>
  queryOptions({
    queryKey: ["service-dashboard", p],
    queryFn: ({ signal }) => api.get<ServiceDashboard>("/api/v1/service/dashboard", { ...p }, signal),
    // Tickets change all the time: the dashboard refetches whenever it opens.
    staleTime: 0,
  });
