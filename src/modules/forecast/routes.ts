import type { FastifyInstance } from "fastify";
import {
  ForecastBacktest,
  ForecastBacktestQuery,
  ForecastQuery,
  ForecastReport,
  ForecastSettings,
  PipelineReport,
  PipelineReportQuery,
  UpdateForecastSettingsBody,
} from "../../contract/forecast.js";
import { problems, typed } from "../../server/route-kit.js";
import { forecast, forecastBacktest, getForecastSettings, pipelineReport, updateForecastSettings } from "./service.js";

export async function forecastRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  r.get(
    "/forecast",
    {
      schema: {
        tags: ["forecast"],
        summary: "Won, commit, best case and weighted pipeline against quota, per owner or team, for a month or quarter",
        querystring: ForecastQuery,
        response: { 200: ForecastReport, ...problems },
      },
    },
    async (req) => forecast(req.ctx, req.query),
  );
  r.get(
    "/forecast/backtest",
    {
      schema: {
        tags: ["forecast"],
        summary: "For past periods: what the stage-weighted forecast said at each period's start against what was won in it, with the error",
        querystring: ForecastBacktestQuery,
        response: { 200: ForecastBacktest, ...problems },
      },
    },
    async (req) => forecastBacktest(req.ctx, req.query),
  );
  r.get("/forecast/settings", { schema: { tags: ["forecast"], response: { 200: ForecastSettings, ...problems } } }, async (req) =>
    getForecastSettings(req.ctx),
  );
  r.put(
    "/forecast/settings",
    {
      schema: {
        tags: ["forecast"],
        summary: "Set the commit threshold (admins)",
        body: UpdateForecastSettingsBody,
        response: { 200: ForecastSettings, ...problems },
      },
    },
    async (req) => updateForecastSettings(req.ctx, req.body),
  );
  r.get(
    "/reports/pipeline",
    {
      schema: {
        tags: ["reports"],
        summary: "Per stage: deals, amount and weighted amount; conversion and average days in stage from the stage history",
        querystring: PipelineReportQuery,
        response: { 200: PipelineReport, ...problems },
      },
    },
    async (req) => pipelineReport(req.ctx, req.query),
  );
}
