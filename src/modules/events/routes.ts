import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { EventCatalogue, EventList, EventListQuery, eventCatalogue, eventDataSchema } from "../../contract/events.js";
import { problems, typed } from "../../server/route-kit.js";
import { listEvents } from "./service.js";

export async function eventRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["events"];
  r.get(
    "/events",
    {
      schema: {
        tags,
        summary: "The workspace's event stream after a position, oldest first (admins): poll with nextAfter to follow it",
        querystring: EventListQuery,
        response: { 200: EventList, ...problems },
      },
    },
    async (req) =>
      listEvents(req.ctx, {
        after: req.query.after,
        limit: req.query.limit,
        types: req.query.type
          ?.split(",")
          .map((t) => t.trim())
          .filter(Boolean),
      }),
  );
  r.get(
    "/events/catalogue",
    { schema: { tags, summary: "Every event type with the JSON Schema of its data", response: { 200: EventCatalogue, ...problems } } },
    async () => ({
      data: eventCatalogue().map((e) => ({ ...e, dataSchema: z.toJSONSchema(eventDataSchema(e.type), { unrepresentable: "any" }) as Record<string, unknown> })),
    }),
  );
}
