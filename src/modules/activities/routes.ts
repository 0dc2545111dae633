import type { FastifyInstance } from "fastify";
import { Activity, CreateActivityBody, Timeline, type TimelineKind, TimelineQuery, UpdateActivityBody } from "../../contract/activities.js";
import { IdParams } from "../../contract/common.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { deleteActivity, logActivity, timeline, updateActivity } from "./service.js";

export async function activityRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  for (const [object, path] of [
    ["contact", "contacts"],
    ["company", "companies"],
    ["deal", "deals"],
  ] as const) {
    const tags = [path];
    r.get(
      `/${path}/:id/timeline`,
      {
        schema: {
          tags,
          summary: `The ${object}'s interactions and field changes, newest first`,
          params: IdParams,
          querystring: TimelineQuery,
          response: { 200: Timeline, ...problems },
        },
      },
      async (req) =>
        timeline(req.ctx, { object, id: req.params.id }, req.query.limit, req.query.cursor, req.query.types?.split(",") as TimelineKind[] | undefined),
    );
    r.post(
      `/${path}/:id/activities`,
      {
        schema: {
          tags,
          summary: `Log a note, call, email or meeting on the ${object}`,
          params: IdParams,
          body: CreateActivityBody,
          response: { 201: Activity, ...problems },
        },
      },
      async (req, reply) => reply.status(201).send(await logActivity(req.ctx, { object, id: req.params.id }, req.body)),
    );
  }
  r.patch(
    "/activities/:id",
    {
      schema: {
        tags: ["activities"],
        summary: "Edit a timeline entry (its author, a manager or an admin)",
        params: IdParams,
        body: UpdateActivityBody,
        response: { 200: Activity, ...problems },
      },
    },
    async (req) => updateActivity(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/activities/:id",
    {
      schema: {
        tags: ["activities"],
        summary: "Remove a timeline entry (its author, a manager or an admin)",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteActivity(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
