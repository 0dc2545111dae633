import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import {
  AtRiskList,
  AtRiskQuery,
  CreateModelBody,
  InsightModel,
  ModelKind,
  ModelList,
  RecordScores,
  ScoreObjectParams,
  TrainAccepted,
  UpdateModelBody,
} from "../../contract/insights.js";
import { jobsOf, NoContent, problems, typed } from "../../server/route-kit.js";
import { createModel, deleteModel, getModel, listModels, markTraining, rankedRecords, recordScores, updateModel } from "./service.js";

export async function insightsRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["insights"];
  r.get("/insights/models", { schema: { tags, summary: "Predictive models of the workspace", response: { 200: ModelList, ...problems } } }, async (req) => ({
    data: await listModels(req.ctx),
  }));
  r.post(
    "/insights/models",
    {
      schema: {
        tags,
        summary: "Add a model (admins): win probability, churn risk or lead conversion",
        body: CreateModelBody,
        response: { 201: InsightModel, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createModel(req.ctx, req.body)),
  );
  r.get(
    "/insights/models/:id",
    {
      schema: { tags, summary: "A model with its held-out quality, baseline and top factors", params: IdParams, response: { 200: InsightModel, ...problems } },
    },
    async (req) => getModel(req.ctx, req.params.id),
  );
  r.patch(
    "/insights/models/:id",
    {
      schema: {
        tags,
        summary: "Change a model's fields, label, split or schedule (admins)",
        params: IdParams,
        body: UpdateModelBody,
        response: { 200: InsightModel, ...problems },
      },
    },
    async (req) => updateModel(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/insights/models/:id",
    { schema: { tags, summary: "Delete a model and its scores (admins)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteModel(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/insights/models/:id/train",
    {
      schema: {
        tags,
        summary: "Train the model now and rescore every record, as a job (admins)",
        params: IdParams,
        response: { 202: TrainAccepted, ...problems },
      },
    },
    async (req, reply) => {
      await markTraining(req.ctx, req.params.id);
      const jobs = jobsOf(req.server);
      await jobs.send("insights.train", { workspaceId: req.ctx.workspaceId, modelId: req.params.id }, { singletonKey: req.params.id });
      await jobs.notify("insights.train");
      return reply.status(202).send({ id: req.params.id, status: "training" as const });
    },
  );
  r.get(
    "/insights/scores/:object/:id",
    {
      schema: {
        tags,
        summary: "A record's predicted probabilities with the factors behind them",
        params: ScoreObjectParams,
        response: { 200: RecordScores, ...problems },
      },
    },
    async (req) => ({ data: await recordScores(req.ctx, req.params.object, req.params.id) }),
  );
  r.get(
    "/insights/ranked/:kind",
    {
      schema: {
        tags,
        summary: "Records by score, highest first, among those you may see (customers at risk, deals likely to win)",
        params: z.object({ kind: ModelKind }).strict(),
        querystring: AtRiskQuery,
        response: { 200: AtRiskList, ...problems },
      },
    },
    async (req) => rankedRecords(req.ctx, req.params.kind, req.query),
  );
}
