import type { FastifyInstance } from "fastify";
import { ServiceDashboard, ServiceDashboardQuery } from "../../contract/service-reports.js";
import { problems, typed } from "../../server/route-kit.js";
import { serviceDashboard } from "./service.js";

export async function serviceReportRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  r.get(
    "/service/dashboard",
    {
      schema: {
        tags: ["service"],
        summary: "Service dashboard: backlog, first-response and resolution times, CSAT, created vs solved, per agent and queue, SLA attainment",
        querystring: ServiceDashboardQuery,
        response: { 200: ServiceDashboard, ...problems },
      },
    },
    async (req) => serviceDashboard(req.ctx, req.query),
  );
}
