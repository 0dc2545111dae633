import { PassThrough } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { CompanyExportQuery, ContactExportQuery, DealExportQuery } from "../../contract/exports.js";
import { dayInZone } from "../../core/time-zone.js";
import { problems, typed } from "../../server/route-kit.js";
import { auditExport } from "../audit/service.js";
import { writeVcf } from "../vcard/service.js";
import { companyExport, contactExport, dealExport, type ExportSource, writeCsv, writeXlsx } from "./service.js";

const types = {
  csv: "text/csv; charset=utf-8",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  vcf: "text/vcard; charset=utf-8",
} as const;

/** Streams the file: headers go out once the first page has been read (so a bad filter is still a 400), rows follow page by page. */
async function stream(
  req: FastifyRequest,
  reply: FastifyReply,
  name: string,
  timeZone: string,
  format: keyof typeof types,
  write: (out: PassThrough) => Promise<number>,
): Promise<FastifyReply> {
  const body = new PassThrough();
  // Who exported what (object, filter, format) is on record before the first byte leaves; the row count once written.
  const finished = await auditExport(req.ctx, { object: objectOf[name] ?? name, format, query: req.query as Record<string, unknown> });
  write(body)
    .then((rows) => finished(rows))
    .catch((err: unknown) => {
      req.log.error({ err }, "export failed mid-stream");
      body.destroy(err instanceof Error ? err : new Error(String(err)));
      return finished(null, err instanceof Error ? err.message : String(err));
    })
    .catch((err: unknown) => req.log.error({ err }, "export audit entry not completed"));
  const day = dayInZone(new Date(), timeZone);
  return reply
    .header("content-type", types[format])
    .header("content-disposition", `attachment; filename="${name}-${day}.${format}"`)
    .header("cache-control", "no-store")
    .send(body);
}

const objectOf: Record<string, string> = { contacts: "contact", companies: "company", deals: "deal" };

const description =
  "Takes the list's own query (q, filter, sort, owner, …) without paging, plus format and columns, and streams the whole view as a file. " +
  "Cells a spreadsheet would read as formulas (=, +, -, @, tab, CR first) are prefixed with ' in CSV and written as plain text in XLSX.";

export async function exportRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  r.get(
    "/contacts/export",
    {
      schema: {
        tags: ["contacts"],
        summary: "Export the contacts of a view as CSV, XLSX or vCard",
        description,
        querystring: ContactExportQuery,
        response: problems,
      },
    },
    async (req, reply) => {
      const source = await contactExport(req.ctx, req.query);
      const format = req.query.format;
      return stream(req, reply, "contacts", source.timeZone, format, (out) =>
        format === "vcf" ? writeVcf(source.pages, out) : format === "xlsx" ? writeXlsx(source, out, "Contacts") : writeCsv(source, out),
      );
    },
  );
  r.get(
    "/companies/export",
    {
      schema: {
        tags: ["companies"],
        summary: "Export the companies of a view as CSV or XLSX",
        description,
        querystring: CompanyExportQuery,
        response: problems,
      },
    },
    async (req, reply) => {
      const source: ExportSource<unknown> = (await companyExport(req.ctx, req.query)) as ExportSource<unknown>;
      const format = req.query.format;
      return stream(req, reply, "companies", source.timeZone, format, (out) =>
        format === "xlsx" ? writeXlsx(source, out, "Companies") : writeCsv(source, out),
      );
    },
  );
  r.get(
    "/deals/export",
    {
      schema: {
        tags: ["deals"],
        summary: "Export the deals of a view (pipeline, stage, owner, amounts, close dates, search) as CSV or XLSX",
        description,
        querystring: DealExportQuery,
        response: problems,
      },
    },
    async (req, reply) => {
      const source = (await dealExport(req.ctx, req.query)) as ExportSource<unknown>;
      const format = req.query.format;
      return stream(req, reply, "deals", source.timeZone, format, (out) => (format === "xlsx" ? writeXlsx(source, out, "Deals") : writeCsv(source, out)));
    },
  );
}
