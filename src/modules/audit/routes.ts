import { PassThrough } from "node:stream";
import { stringify } from "csv-stringify";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { ApiKeyUsage, ApiKeyUsageQuery, AuditList, AuditQuery, AuditSettings, auditActionLabels, UpdateAuditSettingsBody } from "../../contract/audit.js";
import { assertCan } from "../../core/roles.js";
import { problems, typed } from "../../server/route-kit.js";
import { auditPages, keyUsage, listAudit, readAuditSettings, updateAuditSettings } from "./service.js";

/** A spreadsheet would run a cell that starts like a formula: prefix it, as the record exports do. */
const cell = (v: string | null) => (v && /^[=+\-@\t\r]/.test(v) ? `'${v}` : (v ?? ""));

/** Streams the whole filtered log as CSV, a page at a time. */
function streamCsv(req: FastifyRequest, reply: FastifyReply, query: Omit<AuditQuery, "format" | "limit" | "cursor">): FastifyReply {
  assertCan(req.ctx.actor, "admin");
  const body = new PassThrough();
  const csv = stringify({
    bom: true,
    record_delimiter: "\r\n",
    header: true,
    columns: ["Time (UTC)", "Who", "Actor kind", "Action", "Object", "Record", "Record id", "Summary", "Changed fields", "IP address", "User agent"],
  });
  csv.pipe(body);
  (async () => {
    for await (const entries of auditPages(req.ctx, query)) {
      for (const e of entries) {
        const ok = csv.write([
          e.at,
          cell(e.actor.name),
          e.actor.kind,
          auditActionLabels[e.action] ?? e.action,
          e.objectLabel,
          cell(e.recordName),
          e.objectId ?? "",
          cell(e.summary),
          e.changes.map((c) => c.label).join(", "),
          e.ip ?? "",
          cell(e.userAgent),
        ]);
        if (!ok) await new Promise((resolve) => csv.once("drain", resolve));
      }
    }
    csv.end();
  })().catch((err: unknown) => {
    req.log.error({ err }, "audit export failed mid-stream");
    body.destroy(err instanceof Error ? err : new Error(String(err)));
  });
  return reply
    .header("content-type", "text/csv; charset=utf-8")
    .header("content-disposition", `attachment; filename="audit-log-${new Date().toISOString().slice(0, 10)}.csv"`)
    .header("cache-control", "no-store")
    .send(body);
}

/** Settings → Audit log (admins only): the entries, their CSV, the retention setting and API key use by day. */
export async function auditRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["audit"];
  const description =
    "Newest first, keyset-paginated (pass nextCursor as cursor). Filters combine: actorId (a person), object and action (comma-separated codes), from/to (ISO 8601). format=csv streams every matching entry as a file.";
  r.get(
    "/audit",
    { schema: { tags, summary: "The workspace's audit log (admins)", description, querystring: AuditQuery, response: { 200: AuditList, ...problems } } },
    async (req, reply) => {
      const { format, ...q } = req.query;
      if (format === "csv") return streamCsv(req, reply, q);
      return listAudit(req.ctx, q);
    },
  );
  r.get(
    "/audit.csv",
    {
      schema: {
        tags,
        summary: "The audit log as a CSV file (admins)",
        description: "The same filters as GET /audit, without paging: every matching entry, streamed.",
        querystring: AuditQuery.omit({ limit: true, cursor: true, format: true }),
        response: problems,
      },
    },
    async (req, reply) => streamCsv(req, reply, req.query),
  );
  r.get(
    "/audit/settings",
    { schema: { tags, summary: "How long the audit log keeps entries (admins)", response: { 200: AuditSettings, ...problems } } },
    async (req) => readAuditSettings(req.ctx),
  );
  r.put(
    "/audit/settings",
    {
      schema: {
        tags,
        summary: "Set how many days the audit log keeps entries (admins); a daily job deletes older ones",
        body: UpdateAuditSettingsBody,
        response: { 200: AuditSettings, ...problems },
      },
    },
    async (req) => updateAuditSettings(req.ctx, req.body),
  );
  r.get(
    "/audit/api-key-usage",
    {
      schema: { tags, summary: "Requests per API key and day (admins)", querystring: ApiKeyUsageQuery, response: { 200: ApiKeyUsage, ...problems } },
    },
    async (req) => ({ data: await keyUsage(req.ctx, req.query) }),
  );
}
