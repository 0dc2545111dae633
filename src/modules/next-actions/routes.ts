import type { FastifyInstance } from "fastify";
import {
  ActOnNextActionBody,
  DismissNextActionBody,
  NextActionList,
  NextActionQuery,
  NextActionResult,
  RestoreNextActionBody,
} from "../../contract/next-actions.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { actOnNextAction, dismissNextAction, listNextActions, restoreNextAction } from "./service.js";

export async function nextActionRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["next-actions"];
  r.get(
    "/next-actions",
    {
      schema: {
        tags,
        summary: "Next best actions: on your own records, or with object and id on one record you may read",
        description:
          "Each with its reason and the one-click actions it offers: deals stalled beyond their stage's median time, hot leads not yet contacted, overdue follow-ups, customers gone quiet, and cross-sell suggestions from association rules over won deals' products (with support and confidence). Dismissed and snoozed ones are left out.",
        querystring: NextActionQuery,
        response: { 200: NextActionList, ...problems },
      },
    },
    async (req) => ({ data: await listNextActions(req.ctx, req.query) }),
  );
  r.post(
    "/next-actions/act",
    {
      schema: {
        tags,
        summary: "Carry out one of a suggestion's actions (create a task, log a call, complete or move a task, create a deal)",
        body: ActOnNextActionBody,
        response: { 200: NextActionResult, ...problems },
      },
    },
    async (req) => actOnNextAction(req.ctx, req.body),
  );
  r.post(
    "/next-actions/dismiss",
    {
      schema: {
        tags,
        summary: "Dismiss a suggestion for good, or snooze it for some days (yours only)",
        body: DismissNextActionBody,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await dismissNextAction(req.ctx, req.body);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/next-actions/restore",
    {
      schema: { tags, summary: "Take back a dismissal or snooze", body: RestoreNextActionBody, response: { 204: NoContent, ...problems } },
    },
    async (req, reply) => {
      await restoreNextAction(req.ctx, req.body.key);
      return reply.status(204).send(null);
    },
  );
}
