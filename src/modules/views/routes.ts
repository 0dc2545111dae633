import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import { CreateViewBody, SavedView, UpdateViewBody, ViewListQuery } from "../../contract/views.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { createView, deleteView, listViews, updateView } from "./service.js";

export async function viewRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["saved views"];
  r.get(
    "/views",
    {
      schema: {
        tags,
        querystring: ViewListQuery,
        response: { 200: z.object({ data: z.array(SavedView) }), ...problems },
      },
    },
    async (req) => ({
      data: await listViews(req.ctx, req.query.object),
    }),
  );
  r.post(
    "/views",
    {
      schema: {
        tags,
        body: CreateViewBody,
        response: { 201: SavedView, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createView(req.ctx, req.body)),
  );
  r.patch(
    "/views/:id",
    {
      schema: {
        tags,
        params: IdParams,
        body: UpdateViewBody,
        response: { 200: SavedView, ...problems },
      },
    },
    async (req) => updateView(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/views/:id",
    {
      schema: {
        tags,
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteView(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
