import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { Problem } from "../contract/common.js";
import { AppError } from "../core/errors.js";
import type { Db } from "../db/client.js";

/** The typed route builder every module uses. */
export const typed = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

/** Problem responses documented on every route. */
export const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem, 422: Problem };
export const NoContent = z.null().describe("No content");

/** The job queue as routes see it (src/jobs implements it; the app decorates itself with it). */
export interface JobQueue {
  /** With `tx`, the job is written in that transaction: call `ready()` before opening it (starting the queue queries). */
  send(name: string, data: object, options?: { singletonKey?: string; tx?: Db }): Promise<string | null>;
  /** Starts the queue if this process has not yet. */
  ready(): Promise<void>;
  /** After the commit that queued a job: this process's worker, if any, takes it now rather than at its next poll. */
  notify(name: string): Promise<void>;
}

declare module "fastify" {
  interface FastifyInstance {
    jobs?: JobQueue;
  }
}

export function jobsOf(app: FastifyInstance): JobQueue {
  if (!app.jobs) throw new AppError("unavailable", "The job queue is not running on this server.");
  return app.jobs;
}
