import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import {
  Board,
  BoardQuery,
  ClosedTasks,
  CreateDealBody,
  CreatePipelineBody,
  Deal,
  DealList,
  DealListQuery,
  LineItemInput,
  LineItemList,
  LostReason,
  LostReasonBody,
  LostReasonList,
  MoveDealBody,
  Pipeline,
  PipelineList,
  PlaybookTasks,
  PurchaseSummary,
  ReorderBody,
  ReplaceLineItemsBody,
  StageCards,
  StageCardsParams,
  StageCardsQuery,
  StageHistory,
  UpdateDealBody,
  UpdatePipelineBody,
} from "../../contract/deals.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { getCompany } from "../companies/service.js";
import { getContact } from "../contacts/service.js";
import { getBoard, getStageCards, getStageHistory, purchaseSummary } from "./board.js";
import { addLineItem, listLineItems, removeLineItem, replaceLineItems } from "./line-items.js";
import {
  createLostReason,
  createPipeline,
  deleteLostReason,
  deletePipeline,
  getPipeline,
  listLostReasons,
  listPipelines,
  renameLostReason,
  reorderLostReasons,
  updatePipeline,
} from "./pipelines.js";
import { closePlaybookTasks, createDeal, deleteDeal, getDeal, listDeals, moveDeal, openPlaybookTasks, restoreDeal, updateDeal } from "./service.js";

const LineItemParams = z.object({ id: z.uuid(), itemId: z.uuid() }).strict();

export async function dealRoutes(app: FastifyInstance): Promise<void> {
  const r = typed(app);
  const tags = ["deals"];
  const ptags = ["pipelines"];

  // ---- pipelines and stages (configuration: admins write, everyone reads) ----
  r.get(
    "/pipelines",
    { schema: { tags: ptags, summary: "Pipelines with their ordered stages", response: { 200: PipelineList, ...problems } } },
    async (req) => ({
      data: await listPipelines(req.ctx),
    }),
  );
  r.post(
    "/pipelines",
    { schema: { tags: ptags, summary: "Add a pipeline (admin)", body: CreatePipelineBody, response: { 201: Pipeline, ...problems } } },
    async (req, reply) => reply.status(201).send(await createPipeline(req.ctx, req.body)),
  );
  r.get("/pipelines/:id", { schema: { tags: ptags, params: IdParams, response: { 200: Pipeline, ...problems } } }, async (req) =>
    getPipeline(req.ctx, req.params.id),
  );
  r.patch(
    "/pipelines/:id",
    {
      schema: {
        tags: ptags,
        summary: "Rename, make default, or edit the stages: add, rename, reorder, delete (admin)",
        params: IdParams,
        body: UpdatePipelineBody,
        response: { 200: Pipeline, ...problems },
      },
    },
    async (req) => updatePipeline(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/pipelines/:id",
    { schema: { tags: ptags, summary: "Delete an empty, non-default pipeline (admin)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deletePipeline(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.get(
    "/pipelines/:id/board",
    {
      schema: {
        tags: ptags,
        summary: "Kanban board: per stage the first cards, count and totals",
        params: IdParams,
        querystring: BoardQuery,
        response: { 200: Board, ...problems },
      },
    },
    async (req) => getBoard(req.ctx, req.params.id, req.query),
  );
  r.get(
    "/pipelines/:id/stages/:stageId/deals",
    {
      schema: {
        tags: ptags,
        summary: "More cards of one board column (keyset)",
        params: StageCardsParams,
        querystring: StageCardsQuery,
        response: { 200: StageCards, ...problems },
      },
    },
    async (req) => getStageCards(req.ctx, req.params.id, req.params.stageId, req.query),
  );

  // ---- lost reasons ----
  r.get("/lost-reasons", { schema: { tags: ptags, response: { 200: LostReasonList, ...problems } } }, async (req) => ({
    data: await listLostReasons(req.ctx),
  }));
  r.post(
    "/lost-reasons",
    { schema: { tags: ptags, summary: "Add a lost reason (admin)", body: LostReasonBody, response: { 201: LostReason, ...problems } } },
    async (req, reply) => reply.status(201).send(await createLostReason(req.ctx, req.body.name)),
  );
  r.put(
    "/lost-reasons/order",
    { schema: { tags: ptags, summary: "Reorder lost reasons (admin)", body: ReorderBody, response: { 200: LostReasonList, ...problems } } },
    async (req) => ({
      data: await reorderLostReasons(req.ctx, req.body.ids),
    }),
  );
  r.patch("/lost-reasons/:id", { schema: { tags: ptags, params: IdParams, body: LostReasonBody, response: { 200: LostReason, ...problems } } }, async (req) =>
    renameLostReason(req.ctx, req.params.id, req.body.name),
  );
  r.delete("/lost-reasons/:id", { schema: { tags: ptags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteLostReason(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });

  // ---- deals ----
  r.get(
    "/deals",
    { schema: { tags, summary: "List, search and filter deals", querystring: DealListQuery, response: { 200: DealList, ...problems } } },
    async (req) => listDeals(req.ctx, req.query),
  );
  r.post(
    "/deals",
    {
      schema: {
        tags,
        summary: "Create a deal (defaults to the default pipeline's first open stage)",
        body: CreateDealBody,
        response: { 201: Deal, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createDeal(req.ctx, req.body)),
  );
  r.get("/deals/:id", { schema: { tags, params: IdParams, response: { 200: Deal, ...problems } } }, async (req) => getDeal(req.ctx, req.params.id));
  r.patch("/deals/:id", { schema: { tags, params: IdParams, body: UpdateDealBody, response: { 200: Deal, ...problems } } }, async (req) =>
    updateDeal(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/deals/:id",
    { schema: { tags, summary: "Move to the trash", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteDeal(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post("/deals/:id/restore", { schema: { tags, summary: "Restore from the trash", params: IdParams, response: { 200: Deal, ...problems } } }, async (req) =>
    restoreDeal(req.ctx, req.params.id),
  );
  r.post(
    "/deals/:id/stage",
    {
      schema: { tags, summary: "Move to a stage (a lost stage needs lostReason)", params: IdParams, body: MoveDealBody, response: { 200: Deal, ...problems } },
    },
    async (req) => moveDeal(req.ctx, req.params.id, req.body),
  );
  r.get(
    "/deals/:id/playbook-tasks",
    {
      schema: {
        tags,
        summary: "The deal's open tasks created by its pipeline's stage playbooks",
        params: IdParams,
        response: { 200: PlaybookTasks, ...problems },
      },
    },
    async (req) => ({ data: await openPlaybookTasks(req.ctx, req.params.id) }),
  );
  r.post(
    "/deals/:id/playbook-tasks/close",
    {
      schema: {
        tags,
        summary: "Mark a won or lost deal's open playbook tasks done",
        params: IdParams,
        response: { 200: ClosedTasks, ...problems },
      },
    },
    async (req) => closePlaybookTasks(req.ctx, req.params.id),
  );
  r.get(
    "/deals/:id/stage-history",
    { schema: { tags, summary: "Stage changes with time in each stage", params: IdParams, response: { 200: StageHistory, ...problems } } },
    async (req) => getStageHistory(req.ctx, req.params.id),
  );
  r.get("/deals/:id/line-items", { schema: { tags, params: IdParams, response: { 200: LineItemList, ...problems } } }, async (req) =>
    listLineItems(req.ctx, req.params.id),
  );
  r.put(
    "/deals/:id/line-items",
    {
      schema: {
        tags,
        summary: "Replace the line items (and recompute the amount when it follows them)",
        params: IdParams,
        body: ReplaceLineItemsBody,
        response: { 200: LineItemList, ...problems },
      },
    },
    async (req) => replaceLineItems(req.ctx, req.params.id, req.body),
  );
  r.post(
    "/deals/:id/line-items",
    { schema: { tags, summary: "Add one line item", params: IdParams, body: LineItemInput.omit({ id: true }), response: { 201: LineItemList, ...problems } } },
    async (req, reply) => reply.status(201).send(await addLineItem(req.ctx, req.params.id, req.body)),
  );
  r.delete("/deals/:id/line-items/:itemId", { schema: { tags, params: LineItemParams, response: { 200: LineItemList, ...problems } } }, async (req) =>
    removeLineItem(req.ctx, req.params.id, req.params.itemId),
  );

  // ---- purchase history ----
  r.get(
    "/contacts/:id/purchases",
    {
      schema: {
        tags: ["contacts"],
        summary: "What the contact bought: won deals they are on",
        params: IdParams,
        response: { 200: PurchaseSummary, ...problems },
      },
    },
    async (req) => {
      await getContact(req.ctx, req.params.id);
      return purchaseSummary(req.ctx, { object: "contact", id: req.params.id });
    },
  );
  r.get(
    "/companies/:id/purchases",
    { schema: { tags: ["companies"], summary: "What the company bought: its won deals", params: IdParams, response: { 200: PurchaseSummary, ...problems } } },
    async (req) => {
      await getCompany(req.ctx, req.params.id);
      return purchaseSummary(req.ctx, { object: "company", id: req.params.id });
    },
  );
}
