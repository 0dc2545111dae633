import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import { CsatSettings, CsatSummary, CsatSummaryQuery, CsatSurveyList, UpdateCsatSettingsBody } from "../../contract/csat.js";
import { problems, typed } from "../../server/route-kit.js";
import { csatSummary, getCsatSettings, ticketSurveys, updateCsatSettings } from "./service.js";

export async function csatRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["satisfaction"];
  r.get("/csat/settings", { schema: { tags, summary: "How satisfaction surveys are sent", response: { 200: CsatSettings, ...problems } } }, async (req) =>
    getCsatSettings(req.ctx),
  );
  r.patch(
    "/csat/settings",
    {
      schema: {
        tags,
        summary: "Switch surveys on or off; delay, question, scale, comment, resend window",
        body: UpdateCsatSettingsBody,
        response: { 200: CsatSettings, ...problems },
      },
    },
    async (req) => updateCsatSettings(req.ctx, req.body),
  );
  r.get(
    "/csat/summary",
    {
      schema: {
        tags,
        summary: "Survey results: response rate, average, CSAT score, per agent and per queue",
        querystring: CsatSummaryQuery,
        response: { 200: CsatSummary, ...problems },
      },
    },
    async (req) => csatSummary(req.ctx, req.query.days),
  );
  r.get(
    "/tickets/:id/surveys",
    {
      schema: {
        tags,
        summary: "A ticket's satisfaction surveys: scheduled, sent, skipped (and why) or answered",
        params: IdParams,
        response: { 200: CsatSurveyList, ...problems },
      },
    },
    async (req) => ({ data: await ticketSurveys(req.ctx, req.params.id) }),
  );
}
