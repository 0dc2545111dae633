import type { FastifyInstance } from "fastify";
import { PresenceList, PutPresenceBody } from "../../contract/canned-replies.js";
import { IdParams } from "../../contract/common.js";
import { problems, typed } from "../../server/route-kit.js";
import { putTicketPresence, ticketPresenceList } from "./service.js";

/** The server's time, injectable so tests move it (the job system's clock when one is given). */
export interface PresenceDeps {
  clock?: { now(): number };
}

export async function ticketPresenceRoutes(app: FastifyInstance, deps: PresenceDeps = {}): Promise<void> {
  const r = typed(app);
  const tags = ["tickets"];
  const now = () => new Date(deps.clock?.now() ?? Date.now());
  r.get(
    "/tickets/:id/presence",
    {
      schema: {
        tags,
        summary: "Agents who have the ticket open or are replying to it now (collision warning)",
        params: IdParams,
        response: { 200: PresenceList, ...problems },
      },
    },
    async (req) => ticketPresenceList(req.ctx, req.params.id, now()),
  );
  r.put(
    "/tickets/:id/presence",
    {
      schema: {
        tags,
        summary: "Mark the caller as viewing or replying (renew every ~15 s; expires after 60 s), or as gone; answers who is there",
        params: IdParams,
        body: PutPresenceBody,
        response: { 200: PresenceList, ...problems },
      },
    },
    async (req) => putTicketPresence(req.ctx, req.params.id, req.body.state, now()),
  );
}
