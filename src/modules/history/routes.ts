import type { FastifyInstance } from "fastify";
import { fieldLabel, RecordHistoryList, RecordHistoryQuery } from "../../contract/audit.js";
import { IdParams } from "../../contract/common.js";
import type { Ctx } from "../../core/context.js";
import { problems, typed } from "../../server/route-kit.js";
import { getActivity } from "../activities/service.js";
import { getTask } from "../tasks/service.js";
import { userNames } from "../users/service.js";
import { listHistory } from "./service.js";

/** Tasks and activities keep history like other records; they have no timeline, so their history has its own read. */
export async function historyRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const objects = [
    { object: "task", path: "tasks", check: (ctx: Ctx, id: string) => getTask(ctx, id) },
    { object: "activity", path: "activities", check: (ctx: Ctx, id: string) => getActivity(ctx, id) },
  ] as const;
  for (const { object, path, check } of objects) {
    r.get(
      `/${path}/:id/history`,
      {
        schema: {
          tags: [path],
          summary: `Who changed the ${object} and how, newest first`,
          params: IdParams,
          querystring: RecordHistoryQuery,
          response: { 200: RecordHistoryList, ...problems },
        },
      },
      async (req) => {
        // Reading the record first: a record of another workspace (or one the reader may not see) is a 404.
        await check(req.ctx, req.params.id);
        const rows = await listHistory(req.ctx, [{ object, recordIds: [req.params.id] }], req.query.limit);
        const names = await userNames(
          req.ctx,
          rows.map((h) => h.actorId).filter((x): x is string => Boolean(x)),
        );
        return {
          data: rows.map((h) => ({
            id: h.id,
            at: h.at.toISOString(),
            action: h.action,
            actorId: h.actorId,
            actorName: h.actorId ? (names.get(h.actorId) ?? null) : null,
            changes: h.changes.map((c) => ({ field: c.field, label: fieldLabel(c.field), from: c.from ?? null, to: c.to ?? null })),
          })),
        };
      },
    );
  }
}
