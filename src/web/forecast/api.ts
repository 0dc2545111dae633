import { queryOptions } from "@tanstack/react-query";
import type { ForecastBacktest, ForecastReport, Pipeline, PipelineReport, Quota } from "../../contract/index.js";
import { api } from "../http/client.js";

export interface ForecastParams {
  period: string;
  groupBy: "owner" | "team";
  teamId?: string;
  pipelineId?: string;
  ownerId?: string;
}

export const forecastQuery = (p: ForecastParams) =>
  queryOptions({
    queryKey: ["forecast", p],
    queryFn: ({ signal }) => api.get<ForecastReport>("/api/v1/forecast", { ...p }, signal),
    // Deals change elsewhere (board, deal page, automation): reports refetch whenever the page opens.
    staleTime: 0,
  });

export const pipelineReportQuery = (pipelineId: string | undefined, from: string, to: string) =>
  queryOptions({
    queryKey: ["reports", "pipeline", pipelineId ?? "default", from, to],
    queryFn: ({ signal }) => api.get<PipelineReport>("/api/v1/reports/pipeline", { pipelineId, from, to }, signal),
    staleTime: 0,
  });

export const pipelinesListQuery = queryOptions({
  queryKey: ["pipelines"],
  queryFn: () => api.get<{ data: Pipeline[] }>("/api/v1/pipelines").then((r) => r.data),
  staleTime: 60_000,
});

/** Every quota of a year visible to me, following the cursor (a year holds at most people × 16 rows). */
export const quotasQuery = (year: number) =>
  queryOptions({
    queryKey: ["quotas", year],
    queryFn: async ({ signal }) => {
      const out: Quota[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Quota[]; nextCursor: string | null } = await api.get("/api/v1/quotas", { year, limit: 500, cursor }, signal);
        out.push(...page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return out;
    },
  });

export const forecastSettingsQuery = queryOptions({
  queryKey: ["forecast", "settings"],
  queryFn: () => api.get<{ commitThreshold: number }>("/api/v1/forecast/settings"),
  staleTime: 60_000,
});

export const backtestQuery = (p: { from: string; to: string; pipelineId?: string }) =>
  queryOptions({
    queryKey: ["forecast", "backtest", p],
    queryFn: ({ signal }) => api.get<ForecastBacktest>("/api/v1/forecast/backtest", { ...p }, signal),
    staleTime: 60_000,
  });
