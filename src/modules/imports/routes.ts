import { Readable } from "node:stream";
import multipart from "@fastify/multipart";
import { stringify } from "csv-stringify";
import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  AnalysisQuery,
  ImportAnalysis,
  ImportJob,
  ImportList,
  ImportObject,
  ImportOptions,
  ImportPreview,
  MappingList,
  MappingListQuery,
  SavedMapping,
  SaveMappingBody,
} from "../../contract/imports.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import type { Database } from "../../db/client.js";
import { jobsOf, NoContent, problems, typed } from "../../server/route-kit.js";
import {
  analyseImport,
  createImport,
  deleteMapping,
  discardImport,
  dropUpload,
  type EnqueueImport,
  errorRows,
  getImport,
  listImports,
  listMappings,
  markInterrupted,
  previewImport,
  resumeImport,
  saveMapping,
  saveUpload,
  startImport,
  undoImport,
} from "./service.js";

export const MAX_UPLOAD_BYTES = 200 * 1024 * 1024;

export async function importRoutes(app: FastifyInstance, deps: { database: Database }): Promise<void> {
  // Runs left "running" by a process that is gone can be resumed; PGlite has one process, PostgreSQL may have several.
  await markInterrupted(deps.database.db, deps.database.kind === "pglite" ? 0 : 60_000);
  const tags = ["imports"];
  // Runs are imports.run jobs, enqueued in the transaction that marks the import running; whichever worker (this
  // server, another, or `rapport worker`) takes the job runs it.
  const enqueue = async (): Promise<EnqueueImport> => {
    const jobs = jobsOf(app);
    await jobs.ready();
    return (tx, data) => jobs.send("imports.run", data, { tx, singletonKey: data.importId });
  };
  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5 } });
    const r = typed(scope);
    r.post(
      "/imports",
      {
        schema: {
          tags,
          summary: "Upload a CSV, TSV or XLSX file (multipart: field `object` = contact|company, then `file`)",
          consumes: ["multipart/form-data"],
          response: { 201: ImportAnalysis, ...problems },
        },
      },
      async (req, reply) => {
        const part = await req.file();
        if (!part) throw new AppError("validation_failed", "file: attach a file", [{ path: "file", message: "Attach a file" }]);
        const objectField = part.fields.object as { value?: unknown } | undefined;
        const object = ImportObject.safeParse(objectField?.value ?? "contact");
        if (!object.success) throw new AppError("validation_failed", "object: contact or company", [{ path: "object", message: "contact or company" }]);
        const id = newId();
        // Streamed into the database as it arrives: never a temp file, never the whole file in memory.
        const size = await saveUpload(req.ctx, id, part.file);
        if (part.file.truncated) {
          await dropUpload(req.ctx, id);
          throw new AppError("payload_too_large", `The file is larger than ${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
        }
        await createImport(req.ctx, { id, object: object.data, fileName: part.filename || "upload", size });
        return reply.status(201).send(await analyseImport(req.ctx, id));
      },
    );
  });

  const r = typed(app);
  r.get("/imports", { schema: { tags, summary: "Past imports, newest first", response: { 200: ImportList, ...problems } } }, async (req) => ({
    data: await listImports(req.ctx),
  }));
  r.get(
    "/imports/mappings",
    { schema: { tags, summary: "Saved column mappings", querystring: MappingListQuery, response: { 200: MappingList, ...problems } } },
    async (req) => ({ data: await listMappings(req.ctx, req.query.object) }),
  );
  r.post(
    "/imports/mappings",
    {
      schema: {
        tags,
        summary: "Save a column mapping by name (replaces one of the same name)",
        body: SaveMappingBody,
        response: { 201: SavedMapping, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await saveMapping(req.ctx, req.body)),
  );
  r.delete("/imports/mappings/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteMapping(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.get("/imports/:id", { schema: { tags, params: IdParams, response: { 200: ImportJob, ...problems } } }, async (req) => getImport(req.ctx, req.params.id));
  r.delete(
    "/imports/:id",
    {
      schema: {
        tags,
        summary: "Discard an uploaded file that was not imported (after a preview, or to start over); a run is undone instead",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await discardImport(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.get(
    "/imports/:id/analysis",
    {
      schema: {
        tags,
        summary: "Header, first rows, suggested mapping (optionally for a preset: salesforce, hubspot, pipedrive, none)",
        params: IdParams,
        querystring: AnalysisQuery,
        response: { 200: ImportAnalysis, ...problems },
      },
    },
    async (req) => analyseImport(req.ctx, req.params.id, req.query.preset),
  );
  r.post(
    "/imports/:id/preview",
    {
      schema: {
        tags,
        summary: "Dry run: rows to create, update, skip and reject, with reasons",
        params: IdParams,
        body: ImportOptions,
        response: { 200: ImportPreview, ...problems },
      },
    },
    async (req) => previewImport(req.ctx, req.params.id, req.body),
  );
  r.post(
    "/imports/:id/run",
    {
      schema: {
        tags,
        summary: "Start the import in the background; poll GET /imports/:id",
        params: IdParams,
        body: ImportOptions,
        response: { 202: ImportJob, ...problems },
      },
    },
    async (req, reply) => {
      const job = await startImport(req.ctx, req.params.id, req.body, await enqueue());
      await jobsOf(app).notify("imports.run");
      return reply.status(202).send(job);
    },
  );
  r.post(
    "/imports/:id/resume",
    { schema: { tags, summary: "Continue an interrupted import after its last committed row", params: IdParams, response: { 202: ImportJob, ...problems } } },
    async (req, reply) => {
      const job = await resumeImport(req.ctx, req.params.id, await enqueue());
      await jobsOf(app).notify("imports.run");
      return reply.status(202).send(job);
    },
  );
  r.post(
    "/imports/:id/undo",
    {
      schema: {
        tags,
        summary: "Undo: created records go to the trash, updated fields get their previous values",
        params: IdParams,
        response: { 200: ImportJob, ...problems },
      },
    },
    async (req) => undoImport(req.ctx, req.params.id),
  );
  r.get(
    "/imports/:id/errors.csv",
    { schema: { tags, summary: "Rejected rows as CSV: row, line, reason, original values", params: IdParams, produces: ["text/csv"], response: problems } },
    async (req, reply) => {
      const job = await getImport(req.ctx, req.params.id);
      const rows = errorRows(req.ctx, req.params.id);
      const source = Readable.from(
        (async function* () {
          for await (const item of rows) {
            if ("header" in item) yield ["row", "line", "reason", ...item.header];
            else yield [String(item.row), item.line === null ? "" : String(item.line), item.reason, ...item.values];
          }
        })(),
      );
      const name = `${job.fileName.replace(/\.[^.]*$/, "").replace(/[^\w.-]+/g, "_")}-errors.csv`;
      reply.header("content-type", "text/csv; charset=utf-8").header("content-disposition", `attachment; filename="${name}"`);
      return reply.send(source.pipe(stringify({ bom: true })) as never);
    },
  );
}
