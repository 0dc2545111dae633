import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import { CreateValidationRuleBody, UpdateValidationRuleBody, ValidationRule, ValidationRuleList, ValidationRuleQuery } from "../../contract/data-quality.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { createValidationRule, deleteValidationRule, listValidationRules, updateValidationRule } from "./service.js";

export async function validationRuleRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["data quality"];
  r.get(
    "/validation-rules",
    {
      schema: {
        tags,
        summary: "Validation rules of companies and contacts",
        querystring: ValidationRuleQuery,
        response: { 200: ValidationRuleList, ...problems },
      },
    },
    async (req) => ({ data: await listValidationRules(req.ctx, req.query.object) }),
  );
  r.post(
    "/validation-rules",
    { schema: { tags, summary: "Add a rule (admins)", body: CreateValidationRuleBody, response: { 201: ValidationRule, ...problems } } },
    async (req, reply) => reply.status(201).send(await createValidationRule(req.ctx, req.body)),
  );
  r.patch(
    "/validation-rules/:id",
    { schema: { tags, params: IdParams, body: UpdateValidationRuleBody, response: { 200: ValidationRule, ...problems } } },
    async (req) => updateValidationRule(req.ctx, req.params.id, req.body),
  );
  r.delete("/validation-rules/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteValidationRule(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
}
