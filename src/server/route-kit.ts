import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { Problem } from "../contract/common.js";

/** The typed route builder every module uses. */
export const typed = (app: FastifyInstance) => app.withTypeProvider<ZodTypeProvider>();

/** Problem responses documented on every route. */
export const problems = { 400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem };
export const NoContent = z.null().describe("No content");
