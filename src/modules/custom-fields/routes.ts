import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import { CreateCustomFieldBody, CustomField, CustomObject, UpdateCustomFieldBody } from "../../contract/custom-fields.js";
import { hiddenFields } from "../../core/access.js";
import { assertCan } from "../../core/roles.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { createCustomField, deleteCustomField, listCustomFields, updateCustomField } from "./service.js";

export async function customFieldRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["custom fields"];
  r.get(
    "/custom-fields",
    {
      schema: {
        tags,
        querystring: z.object({ object: CustomObject.optional() }).strict(),
        response: {
          200: z.object({ data: z.array(CustomField) }),
          ...problems,
        },
      },
    },
    async (req) => {
      assertCan(req.ctx.actor, "read");
      // A field the actor's role hides is not theirs to know of: forms and lists never show it.
      const fields = await listCustomFields(req.ctx, req.query.object);
      const hidden = new Set(req.query.object ? hiddenFields(req.ctx.actor, req.query.object) : []);
      return {
        data: req.query.object ? fields.filter((f) => !hidden.has(f.key)) : fields.filter((f) => !hiddenFields(req.ctx.actor, f.object).includes(f.key)),
      };
    },
  );
  r.post(
    "/custom-fields",
    {
      schema: {
        tags,
        summary: "Define a custom field (admin)",
        body: CreateCustomFieldBody,
        response: { 201: CustomField, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createCustomField(req.ctx, req.body)),
  );
  r.patch(
    "/custom-fields/:id",
    {
      schema: {
        tags,
        params: IdParams,
        body: UpdateCustomFieldBody,
        response: { 200: CustomField, ...problems },
      },
    },
    async (req) => updateCustomField(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/custom-fields/:id",
    {
      schema: {
        tags,
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteCustomField(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
}
