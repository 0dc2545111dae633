import type { FastifyInstance } from "fastify";
import type { z } from "zod";
import { IdParams } from "../../contract/common.js";
import { Company } from "../../contract/companies.js";
import { Contact } from "../../contract/contacts.js";
import {
  DuplicateCandidateList,
  DuplicateCandidateQuery,
  DuplicateCheckQuery,
  DuplicateCheckResult,
  DuplicateScanBody,
  DuplicateScanResult,
  MergeBody,
  MergePreview,
  MergePreviewQuery,
  MergeResult,
  RestoreFieldBody,
} from "../../contract/data-quality.js";
import { Deal } from "../../contract/deals.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { restoreDealField, restoreField } from "../history/restore.js";
import { checkDuplicates, dismissCandidate, listCandidates, mergePreview, mergeRecords, scanDuplicates } from "./service.js";

export async function duplicateRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["data quality"];
  r.get(
    "/duplicates/check",
    {
      schema: {
        tags,
        summary: "Likely duplicates of a record being typed (contacts: email, phone, name at a company; companies: name, domain)",
        querystring: DuplicateCheckQuery,
        response: { 200: DuplicateCheckResult, ...problems },
      },
    },
    async (req) => ({ data: await checkDuplicates(req.ctx, req.query) }),
  );
  r.get(
    "/duplicates",
    {
      schema: {
        tags,
        summary: "The duplicate review queue, most likely first",
        querystring: DuplicateCandidateQuery,
        response: { 200: DuplicateCandidateList, ...problems },
      },
    },
    async (req) => listCandidates(req.ctx, req.query),
  );
  r.post(
    "/duplicates/scan",
    {
      schema: {
        tags,
        summary: "Scan the workspace for duplicates; safe to re-run (open pairs are refreshed, never doubled)",
        body: DuplicateScanBody,
        response: { 200: DuplicateScanResult, ...problems },
      },
    },
    async (req) => scanDuplicates(req.ctx, req.body.object),
  );
  r.post(
    "/duplicates/:id/dismiss",
    {
      schema: {
        tags,
        summary: "Not a duplicate: keep both and leave the pair out of later scans",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await dismissCandidate(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.get(
    "/duplicates/merge-preview",
    {
      schema: {
        tags,
        summary: "Both records field by field, for choosing what the merged record keeps",
        querystring: MergePreviewQuery,
        response: { 200: MergePreview, ...problems },
      },
    },
    async (req) => mergePreview(req.ctx, req.query.object, req.query.a, req.query.b),
  );
  r.post(
    "/duplicates/merge",
    {
      schema: {
        tags,
        summary: "Merge the loser into the survivor: chosen values, all relations moved, loser to the trash",
        body: MergeBody,
        response: { 200: MergeResult, ...problems },
      },
    },
    async (req) => mergeRecords(req.ctx, req.body),
  );
  r.post(
    "/contacts/:id/restore-field",
    {
      schema: {
        tags: ["contacts"],
        summary: "Put a field back to its value before a recorded change",
        params: IdParams,
        body: RestoreFieldBody,
        response: { 200: Contact, ...problems },
      },
    },
    async (req) => (await restoreField(req.ctx, "contact", req.params.id, req.body)) as z.infer<typeof Contact>,
  );
  r.post(
    "/companies/:id/restore-field",
    {
      schema: {
        tags: ["companies"],
        summary: "Put a field back to its value before a recorded change",
        params: IdParams,
        body: RestoreFieldBody,
        response: { 200: Company, ...problems },
      },
    },
    async (req) => (await restoreField(req.ctx, "company", req.params.id, req.body)) as z.infer<typeof Company>,
  );
  r.post(
    "/deals/:id/restore-field",
    {
      schema: {
        tags: ["deals"],
        summary: "Put a field back to its value before a recorded change (the stage by its name in the deal's pipeline)",
        params: IdParams,
        body: RestoreFieldBody,
        response: { 200: Deal, ...problems },
      },
    },
    async (req) => (await restoreDealField(req.ctx, req.params.id, req.body)) as z.infer<typeof Deal>,
  );
}
