import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { IdParams } from "../../contract/common.js";
import {
  AddSuppressionBody,
  ConsentRecord,
  ConsentTopic,
  ConsentTopicList,
  ContactConsent,
  CreateConsentTopicBody,
  PreferenceLink,
  RecordConsentBody,
  Suppression,
  SuppressionAddressParams,
  SuppressionList,
  SuppressionListQuery,
  SuppressionLog,
  UpdateConsentTopicBody,
} from "../../contract/consent.js";
import { notFound } from "../../core/errors.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { getContact } from "../contacts/service.js";
import { assertAudienceManage } from "../segments/access.js";
import { getWorkspace } from "../workspaces/service.js";
import {
  addSuppression,
  contactConsent,
  createTopic,
  deleteTopic,
  listSuppressionLog,
  listSuppressions,
  listTopics,
  preferencePath,
  recordConsent,
  removeSuppression,
  updateTopic,
} from "./service.js";

export async function consentRoutes(app: FastifyInstance, deps: { publicUrl?: string }): Promise<void> {
  const r = typed(app);
  const tags = ["consent"];
  const origin = (req: FastifyRequest) => deps.publicUrl ?? `${req.protocol}://${req.host}`;

  r.get("/consent/topics", { schema: { tags, summary: "Subscription topics", response: { 200: ConsentTopicList, ...problems } } }, async (req) => ({
    data: await listTopics(req.ctx),
  }));
  r.post("/consent/topics", { schema: { tags, body: CreateConsentTopicBody, response: { 201: ConsentTopic, ...problems } } }, async (req, reply) =>
    reply.status(201).send(await createTopic(req.ctx, req.body)),
  );
  r.patch(
    "/consent/topics/:id",
    { schema: { tags, params: IdParams, body: UpdateConsentTopicBody, response: { 200: ConsentTopic, ...problems } } },
    async (req) => updateTopic(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/consent/topics/:id",
    {
      schema: {
        tags,
        summary: "Delete a topic and its consent records (archive it to keep them)",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteTopic(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    "/contacts/:id/consent",
    { schema: { tags, summary: "A contact's consent now, its history and its suppression", params: IdParams, response: { 200: ContactConsent, ...problems } } },
    async (req) => contactConsent(req.ctx, req.params.id),
  );
  r.post(
    "/contacts/:id/consent",
    {
      schema: {
        tags,
        summary: "Record a contact's consent for a channel or topic",
        params: IdParams,
        body: RecordConsentBody,
        response: { 201: ConsentRecord, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await recordConsent(req.ctx, req.params.id, req.body)),
  );
  r.post(
    "/contacts/:id/preference-link",
    {
      schema: { tags, summary: "A signed link to the contact's preference page (180 days)", params: IdParams, response: { 200: PreferenceLink, ...problems } },
    },
    async (req) => {
      assertAudienceManage(req.ctx);
      await getContact(req.ctx, req.params.id);
      const ws = await getWorkspace(req.ctx.db, req.ctx.workspaceId);
      if (!ws) throw notFound("Workspace");
      const link = await preferencePath(req.ctx.db, ws, req.params.id);
      return { url: `${origin(req)}${link.path}`, expiresAt: link.expiresAt.toISOString() };
    },
  );

  r.get(
    "/suppressions",
    {
      schema: {
        tags,
        summary: "The suppression list: addresses no marketing email goes to",
        querystring: SuppressionListQuery,
        response: { 200: SuppressionList, ...problems },
      },
    },
    async (req) => listSuppressions(req.ctx, req.query),
  );
  r.post("/suppressions", { schema: { tags, body: AddSuppressionBody, response: { 201: Suppression, ...problems } } }, async (req, reply) =>
    reply.status(201).send(await addSuppression(req.ctx, req.body)),
  );
  r.get(
    "/suppressions/log",
    {
      schema: {
        tags,
        summary: "Who added or removed which address, and bounces counted",
        querystring: z.object({ address: z.string().max(254).optional() }).strict(),
        response: { 200: SuppressionLog, ...problems },
      },
    },
    async (req) => ({ data: await listSuppressionLog(req.ctx, req.query.address) }),
  );
  r.delete(
    "/suppressions/:address",
    { schema: { tags, summary: "Remove an address from the suppression list", params: SuppressionAddressParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await removeSuppression(req.ctx, req.params.address);
      return reply.status(204).send(null);
    },
  );
}
