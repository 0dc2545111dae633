import type { FastifyInstance } from "fastify";
import {
  ApplyMacroBody,
  ApplyMacroResult,
  CannedListQuery,
  CannedReply,
  CannedReplyList,
  CreateCannedReplyBody,
  CreateMacroBody,
  Macro,
  MacroList,
  RenderCannedBody,
  RenderedReply,
  UpdateCannedReplyBody,
  UpdateMacroBody,
} from "../../contract/canned-replies.js";
import { IdParams } from "../../contract/common.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { type ApplyDeps, applyMacro, renderForTicket } from "./apply.js";
import {
  createCannedReply,
  createMacro,
  deleteCannedReply,
  deleteMacro,
  getCannedReply,
  getMacro,
  listCannedReplies,
  listMacros,
  updateCannedReply,
  updateMacro,
} from "./service.js";

export async function cannedReplyRoutes(app: FastifyInstance, deps: ApplyDeps = {}): Promise<void> {
  const r = typed(app);
  const tags = ["canned replies"];
  r.get(
    "/canned-replies",
    {
      schema: {
        tags,
        summary: "The caller's personal canned replies and the shared ones, by name",
        querystring: CannedListQuery,
        response: { 200: CannedReplyList, ...problems },
      },
    },
    async (req) => listCannedReplies(req.ctx, req.query),
  );
  r.post(
    "/canned-replies",
    { schema: { tags, summary: "Create a canned reply (shared ones: admins)", body: CreateCannedReplyBody, response: { 201: CannedReply, ...problems } } },
    async (req, reply) => reply.status(201).send(await createCannedReply(req.ctx, req.body)),
  );
  r.post(
    "/canned-replies/preview",
    {
      schema: {
        tags,
        summary: "Render a template being written, for a ticket or with sample values; syntax errors name line and column",
        body: RenderCannedBody,
        response: { 200: RenderedReply, ...problems },
      },
    },
    async (req) => ({ text: await renderForTicket(req.ctx, { body: req.body.body ?? "", ticketId: req.body.ticketId }) }),
  );
  r.get("/canned-replies/:id", { schema: { tags, params: IdParams, response: { 200: CannedReply, ...problems } } }, async (req) =>
    getCannedReply(req.ctx, req.params.id),
  );
  r.patch(
    "/canned-replies/:id",
    { schema: { tags, params: IdParams, body: UpdateCannedReplyBody, response: { 200: CannedReply, ...problems } } },
    async (req) => updateCannedReply(req.ctx, req.params.id, req.body),
  );
  r.delete("/canned-replies/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteCannedReply(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.post(
    "/canned-replies/:id/render",
    {
      schema: {
        tags,
        summary: "Render a canned reply's merge fields for a ticket (the composer inserts the text)",
        params: IdParams,
        body: RenderCannedBody,
        response: { 200: RenderedReply, ...problems },
      },
    },
    async (req) => {
      const stored = await getCannedReply(req.ctx, req.params.id);
      return { text: await renderForTicket(req.ctx, { body: req.body.body ?? stored.body, ticketId: req.body.ticketId }) };
    },
  );

  const macroTags = ["macros"];
  r.get(
    "/macros",
    { schema: { tags: macroTags, summary: "The caller's personal macros and the shared ones", response: { 200: MacroList, ...problems } } },
    async (req) => ({
      data: await listMacros(req.ctx),
    }),
  );
  r.post(
    "/macros",
    { schema: { tags: macroTags, summary: "Create a macro: a canned reply plus field changes", body: CreateMacroBody, response: { 201: Macro, ...problems } } },
    async (req, reply) => reply.status(201).send(await createMacro(req.ctx, req.body)),
  );
  r.get("/macros/:id", { schema: { tags: macroTags, params: IdParams, response: { 200: Macro, ...problems } } }, async (req) =>
    getMacro(req.ctx, req.params.id),
  );
  r.patch("/macros/:id", { schema: { tags: macroTags, params: IdParams, body: UpdateMacroBody, response: { 200: Macro, ...problems } } }, async (req) =>
    updateMacro(req.ctx, req.params.id, req.body),
  );
  r.delete("/macros/:id", { schema: { tags: macroTags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteMacro(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.post(
    "/macros/:id/apply",
    {
      schema: {
        tags: macroTags,
        summary: "Apply a macro to one ticket or many: its field changes, and its reply (added, or rendered for the composer)",
        params: IdParams,
        body: ApplyMacroBody,
        response: { 200: ApplyMacroResult, ...problems },
      },
    },
    async (req) => ({ data: await applyMacro(req.ctx, req.params.id, req.body, deps) }),
  );
}
