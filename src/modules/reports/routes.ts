import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  CreateReport,
  DrillDown,
  DrillDownBody,
  ExportFormatQuery,
  ExportReportBody,
  Report,
  ReportList,
  ReportResult,
  RunReportBody,
  RunSavedReportBody,
  UpdateReport,
} from "../../contract/reports.js";
import type { Ctx } from "../../core/context.js";
import { dayInZone } from "../../core/time-zone.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import type { ColumnSpec } from "../exports/columns.js";
import { writeCsv, writeXlsx } from "../exports/service.js";
import { workspaceTimeZone } from "../workspaces/service.js";
import { createReport, deleteReport, drillDown, getReport, listReports, resultTable, runReport, runSavedReport, updateReport } from "./service.js";

const types = { csv: "text/csv; charset=utf-8", xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" } as const;

/** A report's groups as a file, through the exports module's writers (formula-looking text stays text). */
async function sendFile(ctx: Ctx, reply: FastifyReply, name: string, format: "csv" | "xlsx", result: Awaited<ReturnType<typeof runReport>>) {
  const { header, rows } = resultTable(result);
  const timeZone = await workspaceTimeZone(ctx);
  const columns: ColumnSpec<(string | number | null)[]>[] = header.map((label, i) => ({ id: `c${i}`, label, value: (row) => row[i] ?? null }));
  const source = {
    columns,
    pages: (async function* () {
      yield rows;
    })(),
    lookups: { userName: () => null },
    timeZone,
  };
  const body = new PassThrough();
  const written = format === "csv" ? writeCsv(source, body) : writeXlsx(source, body, "Report");
  written.catch((err: unknown) => body.destroy(err instanceof Error ? err : new Error(String(err))));
  const day = dayInZone(new Date(), timeZone);
  const safe = name.replace(/[^\w. -]+/g, "").trim() || "report";
  // filename* (RFC 6266) keeps a name such as "Umsatz über Quartal" whole; filename is the ASCII fallback.
  const full = `${name.replace(/[\\/:*?"<>|\r\n]+/g, "").trim() || "report"}-${day}.${format}`;
  return reply
    .header("content-type", types[format])
    .header(
      "content-disposition",
      `attachment; filename="${safe}-${day}.${format}"; filename*=UTF-8''${encodeURIComponent(full).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
    )
    .header("cache-control", "no-store")
    .send(body);
}

export async function reportRoutes(app: FastifyInstance, deps: { clock?: { now(): number } } = {}): Promise<void> {
  const r = typed(app);
  // The server's clock: relative dates ("this quarter") are read against it, and tests move it.
  const now = () => new Date(deps.clock?.now() ?? Date.now());
  const tags = ["reports"];
  r.post(
    "/reports/run",
    {
      schema: {
        tags,
        summary: "Run a report definition (the builder's preview): one row per group, measures, as-of time",
        body: RunReportBody,
        response: { 200: ReportResult, ...problems },
      },
    },
    async (req) => runReport(req.ctx, req.body.definition, req.body.filter, now()),
  );
  r.post(
    "/reports/drilldown",
    {
      schema: {
        tags,
        summary: "The records behind a group: a condition the object's list takes as its filter",
        body: DrillDownBody,
        response: { 200: DrillDown, ...problems },
      },
    },
    async (req) => drillDown(req.ctx, req.body.definition, req.body.keys, req.body.filter),
  );
  r.post(
    "/reports/export",
    { schema: { tags, summary: "A report definition's result as CSV or XLSX", body: ExportReportBody, response: problems } },
    async (req, reply) =>
      sendFile(req.ctx, reply, req.body.name || "report", req.body.format, await runReport(req.ctx, req.body.definition, req.body.filter, now())),
  );
  r.get("/reports", { schema: { tags, summary: "Saved reports the viewer may open", response: { 200: ReportList, ...problems } } }, async (req) => ({
    data: await listReports(req.ctx),
  }));
  r.post("/reports", { schema: { tags, summary: "Save a report", body: CreateReport, response: { 201: Report, ...problems } } }, async (req, reply) =>
    reply.status(201).send(await createReport(req.ctx, req.body)),
  );
  r.get("/reports/:id", { schema: { tags, params: IdParams, response: { 200: Report, ...problems } } }, async (req) => getReport(req.ctx, req.params.id));
  r.patch(
    "/reports/:id",
    { schema: { tags, summary: "Change a report (its owner or an admin)", params: IdParams, body: UpdateReport, response: { 200: Report, ...problems } } },
    async (req) => updateReport(req.ctx, req.params.id, req.body),
  );
  r.delete("/reports/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteReport(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.post(
    "/reports/:id/run",
    {
      schema: {
        tags,
        summary: "Run a saved report, with extra filters (a dashboard's): what a dashboard widget calls",
        params: IdParams,
        body: RunSavedReportBody,
        response: { 200: ReportResult, ...problems },
      },
    },
    async (req) => runSavedReport(req.ctx, req.params.id, req.body.filter, now()),
  );
  r.get(
    "/reports/:id/export",
    { schema: { tags, summary: "A saved report's result as CSV or XLSX", params: IdParams, querystring: ExportFormatQuery, response: problems } },
    async (req, reply) => {
      const report = await getReport(req.ctx, req.params.id);
      return sendFile(req.ctx, reply, report.name, req.query.format, await runReport(req.ctx, report.definition, undefined, now()));
    },
  );
}
