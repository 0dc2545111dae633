import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import { ApiKey, CreateApiKeyBody, CreatedApiKey } from "../../contract/users.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { assertRoleExists } from "../roles/service.js";
import { createApiKey, listApiKeys, revokeApiKey } from "./service.js";

export async function apiKeyRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["api keys"];
  r.get(
    "/api-keys",
    {
      schema: {
        tags,
        summary: "API keys (admin)",
        response: { 200: z.object({ data: z.array(ApiKey) }), ...problems },
      },
    },
    async (req) => ({
      data: await listApiKeys(req.ctx),
    }),
  );
  r.post(
    "/api-keys",
    {
      schema: {
        tags,
        summary: "Create an API key (admin); the key is in this reply only",
        body: CreateApiKeyBody,
        response: { 201: CreatedApiKey, ...problems },
      },
    },
    async (req, reply) => {
      await assertRoleExists(req.ctx, req.body.role);
      return reply.status(201).send(await createApiKey(req.ctx, req.body));
    },
  );
  r.delete(
    "/api-keys/:id",
    {
      schema: {
        tags,
        summary: "Revoke an API key (admin)",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await revokeApiKey(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
