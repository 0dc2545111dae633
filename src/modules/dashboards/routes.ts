import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  AddReportWidget,
  CreateDashboard,
  Dashboard,
  DashboardList,
  DuplicateDashboard,
  HomeDashboard,
  RunWidgetBody,
  SetHomeDashboard,
  UpdateDashboard,
  WidgetParams,
  WidgetResult,
} from "../../contract/dashboards.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import {
  addReportWidget,
  createDashboard,
  deleteDashboard,
  duplicateDashboard,
  getDashboard,
  homeDashboard,
  listDashboards,
  runWidget,
  setHomeDashboard,
  updateDashboard,
} from "./service.js";

export async function dashboardRoutes(app: FastifyInstance, deps: { clock?: { now(): number } } = {}): Promise<void> {
  const r = typed(app);
  // Relative periods ("this quarter") are read against the server's clock, which tests move.
  const now = () => new Date(deps.clock?.now() ?? Date.now());
  const tags = ["dashboards"];
  r.get(
    "/dashboards",
    { schema: { tags, summary: "Dashboards the viewer may open, the ready-made ones first", response: { 200: DashboardList, ...problems } } },
    async (req) => ({ data: await listDashboards(req.ctx) }),
  );
  r.post(
    "/dashboards",
    { schema: { tags, summary: "Make a dashboard", body: CreateDashboard, response: { 201: Dashboard, ...problems } } },
    async (req, reply) => reply.status(201).send(await createDashboard(req.ctx, req.body)),
  );
  r.get(
    "/dashboards/home",
    { schema: { tags, summary: "The dashboard I chose for my home page", response: { 200: HomeDashboard, ...problems } } },
    async (req) => homeDashboard(req.ctx),
  );
  r.put(
    "/dashboards/home",
    {
      schema: {
        tags,
        summary: "Choose the dashboard shown on my home page (null: none)",
        body: SetHomeDashboard,
        response: { 200: HomeDashboard, ...problems },
      },
    },
    async (req) => setHomeDashboard(req.ctx, req.body.dashboardId),
  );
  r.get("/dashboards/:id", { schema: { tags, params: IdParams, response: { 200: Dashboard, ...problems } } }, async (req) =>
    getDashboard(req.ctx, req.params.id),
  );
  r.patch(
    "/dashboards/:id",
    {
      schema: {
        tags,
        summary: "Change a dashboard: name, sharing, widgets and their places (its owner or an admin)",
        params: IdParams,
        body: UpdateDashboard,
        response: { 200: Dashboard, ...problems },
      },
    },
    async (req) => updateDashboard(req.ctx, req.params.id, req.body),
  );
  r.delete("/dashboards/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteDashboard(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.post(
    "/dashboards/:id/duplicate",
    {
      schema: {
        tags,
        summary: "A private copy to adapt (reports the viewer may not change are copied too)",
        params: IdParams,
        body: DuplicateDashboard,
        response: { 201: Dashboard, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await duplicateDashboard(req.ctx, req.params.id, req.body.name)),
  );
  r.post(
    "/dashboards/:id/widgets",
    {
      schema: {
        tags,
        summary: "Add a saved report to the dashboard, below its widgets",
        params: IdParams,
        body: AddReportWidget,
        response: { 200: Dashboard, ...problems },
      },
    },
    async (req) => addReportWidget(req.ctx, req.params.id, req.body),
  );
  r.post(
    "/dashboards/:id/widgets/:widgetId/run",
    {
      schema: {
        tags,
        summary: "Run one widget with the dashboard's filters (those its object has): each widget loads on its own",
        params: WidgetParams,
        body: RunWidgetBody,
        response: { 200: WidgetResult, ...problems },
      },
    },
    async (req) => runWidget(req.ctx, req.params.id, req.params.widgetId, req.body.filters, now()),
  );
}
