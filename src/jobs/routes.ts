import type { FastifyInstance } from "fastify";
import { FailedJobList, FailedJobQuery, JobOverview, JobParams } from "../contract/jobs.js";
import { assertCan } from "../core/roles.js";
import { NoContent, problems, typed } from "../server/route-kit.js";
import { discardJob, failedJobs, jobOverview, retryJob } from "./admin.js";
import type { JobSystem } from "./system.js";

/** Settings → Jobs: admins see the queues, the stream's consumers and the failed jobs, and retry or discard them. */
export async function jobRoutes(app: FastifyInstance, deps: { jobSystem: () => Promise<JobSystem> }): Promise<void> {
  const r = typed(app);
  const tags = ["jobs"];
  r.get(
    "/jobs",
    { schema: { tags, summary: "Queues with their counts, and the event consumers' progress (admins)", response: { 200: JobOverview, ...problems } } },
    async (req) => {
      assertCan(req.ctx.actor, "admin");
      return jobOverview(req.ctx.db, (await deps.jobSystem()).specs);
    },
  );
  r.get(
    "/jobs/failed",
    {
      schema: {
        tags,
        summary: "Failed jobs with their error, dead ones first (admins)",
        querystring: FailedJobQuery,
        response: { 200: FailedJobList, ...problems },
      },
    },
    async (req) => {
      assertCan(req.ctx.actor, "admin");
      await deps.jobSystem();
      return { data: await failedJobs(req.ctx.workspaceId, req.ctx.db, req.query) };
    },
  );
  r.post(
    "/jobs/:queue/:id/retry",
    { schema: { tags, summary: "Run a failed job again (admins)", params: JobParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await retryJob(req.ctx, await deps.jobSystem(), req.ctx.db, req.params.queue, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.delete(
    "/jobs/:queue/:id",
    { schema: { tags, summary: "Discard a failed job (admins)", params: JobParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await discardJob(req.ctx, await deps.jobSystem(), req.ctx.db, req.params.queue, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
