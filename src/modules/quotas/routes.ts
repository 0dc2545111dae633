import type { FastifyInstance } from "fastify";
import { QuotaList, QuotaListQuery, SetQuotasBody, SetQuotasResult } from "../../contract/forecast.js";
import { problems, typed } from "../../server/route-kit.js";
import { listQuotas, setQuotas } from "./service.js";

export async function quotaRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["quotas"];
  r.get(
    "/quotas",
    {
      schema: {
        tags,
        summary: "Quotas of one year you may see (yours; your teams' members' as a manager; everyone's as an admin)",
        querystring: QuotaListQuery,
        response: { 200: QuotaList, ...problems },
      },
    },
    async (req) => listQuotas(req.ctx, req.query),
  );
  r.put(
    "/quotas",
    {
      schema: {
        tags,
        summary: "Set, change or remove (amount null) quotas per person or team and period, in one transaction",
        description: "Admins set anyone's quotas; managers only their teams' members' and their own teams'.",
        body: SetQuotasBody,
        response: { 200: SetQuotasResult, ...problems },
      },
    },
    async (req) => setQuotas(req.ctx, req.body),
  );
}
