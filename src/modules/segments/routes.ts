import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  ContactSegments,
  CreateSegmentBody,
  RfmContactList,
  RfmContactsQuery,
  RfmReport,
  Segment,
  SegmentCount,
  SegmentList,
  SegmentMembersBody,
  SegmentMembersResult,
  SegmentPreviewBody,
  UpdateSegmentBody,
} from "../../contract/segments.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { rfmContacts, rfmReport } from "./rfm.js";
import {
  addMembers,
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  removeMembers,
  segmentsOfContact,
  updateSegment,
} from "./service.js";

export async function segmentRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["segments"];

  r.get(
    "/segments",
    { schema: { tags, summary: "Segments and static lists, with their member counts now", response: { 200: SegmentList, ...problems } } },
    async (req) => ({
      data: await listSegments(req.ctx),
    }),
  );
  r.post(
    "/segments",
    { schema: { tags, summary: "Create a dynamic segment (a condition) or a static list", body: CreateSegmentBody, response: { 201: Segment, ...problems } } },
    async (req, reply) => reply.status(201).send(await createSegment(req.ctx, req.body)),
  );
  r.post(
    "/segments/preview",
    {
      schema: {
        tags,
        summary: "How many contacts a condition matches now (the editor's live count)",
        body: SegmentPreviewBody,
        response: { 200: SegmentCount, ...problems },
      },
    },
    async (req) => ({ count: await previewSegment(req.ctx, req.body.condition) }),
  );
  r.get(
    "/segments/rfm",
    { schema: { tags, summary: "RFM grid of customers from their purchases (won deals)", response: { 200: RfmReport, ...problems } } },
    async (req) => rfmReport(req.ctx),
  );
  r.get(
    "/segments/rfm/contacts",
    { schema: { tags, summary: "The customers of one RFM cell or group", querystring: RfmContactsQuery, response: { 200: RfmContactList, ...problems } } },
    async (req) => rfmContacts(req.ctx, req.query),
  );
  r.get("/segments/:id", { schema: { tags, params: IdParams, response: { 200: Segment, ...problems } } }, async (req) => getSegment(req.ctx, req.params.id));
  r.patch("/segments/:id", { schema: { tags, params: IdParams, body: UpdateSegmentBody, response: { 200: Segment, ...problems } } }, async (req) =>
    updateSegment(req.ctx, req.params.id, req.body),
  );
  r.delete("/segments/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteSegment(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.post(
    "/segments/:id/members",
    {
      schema: {
        tags,
        summary: "Add contacts to a static list",
        params: IdParams,
        body: SegmentMembersBody,
        response: { 200: SegmentMembersResult, ...problems },
      },
    },
    async (req) => ({
      changed: await addMembers(req.ctx, req.params.id, req.body.contactIds, req.body.source ?? (req.ctx.actor.kind === "api_key" ? "api" : "manual")),
    }),
  );
  r.post(
    "/segments/:id/members/remove",
    {
      schema: {
        tags,
        summary: "Remove contacts from a static list",
        params: IdParams,
        body: SegmentMembersBody,
        response: { 200: SegmentMembersResult, ...problems },
      },
    },
    async (req) => ({ changed: await removeMembers(req.ctx, req.params.id, req.body.contactIds) }),
  );
  r.get(
    "/contacts/:id/segments",
    {
      schema: { tags, summary: "The lists a contact is on and the segments it matches now", params: IdParams, response: { 200: ContactSegments, ...problems } },
    },
    async (req) => ({ data: await segmentsOfContact(req.ctx, req.params.id) }),
  );
}
