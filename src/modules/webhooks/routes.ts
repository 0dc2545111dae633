import type { FastifyInstance, FastifyRequest } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  CreatedInboundHook,
  CreateInboundHookBody,
  CreateWebhookBody,
  InboundHookList,
  InboundReceipt,
  InboundTokenParams,
  inboundBodyLimit,
  RotateSecretBody,
  UpdateWebhookBody,
  UpdateWebhookSettingsBody,
  Webhook,
  WebhookDelivery,
  WebhookDeliveryList,
  WebhookDeliveryParams,
  WebhookDeliveryQuery,
  WebhookList,
  WebhookSettings,
  WebhookWithSecret,
} from "../../contract/webhooks.js";
import type { Database } from "../../db/client.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import {
  createInboundHook,
  createWebhook,
  deleteInboundHook,
  deleteWebhook,
  getWebhook,
  listDeliveries,
  listInboundHooks,
  listWebhooks,
  readWebhookSettings,
  receiveInbound,
  redeliver,
  rotateSecret,
  type ScheduleDelivery,
  sendTestEvent,
  updateWebhook,
  updateWebhookSettings,
} from "./service.js";

const origin = (req: FastifyRequest, publicUrl?: string) => publicUrl ?? `${req.protocol}://${req.host}`;

/** Settings → Webhooks: endpoints, their delivery log, redelivery and test messages, inbound hooks (admins only). */
export async function webhookRoutes(app: FastifyInstance, deps: { schedule: ScheduleDelivery; publicUrl?: string }): Promise<void> {
  const r = typed(app);
  const tags = ["webhooks"];
  const { schedule } = deps;
  r.get("/webhooks", { schema: { tags, summary: "Webhook endpoints (admins)", response: { 200: WebhookList, ...problems } } }, async (req) => ({
    data: await listWebhooks(req.ctx),
  }));
  r.post(
    "/webhooks",
    {
      schema: {
        tags,
        summary: "Subscribe an endpoint to event types (admins); the signing secret is in this reply only",
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecret, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createWebhook(req.ctx, req.body)),
  );
  r.get(
    "/webhooks/settings",
    { schema: { tags, summary: "Webhook settings of the workspace (admins)", response: { 200: WebhookSettings, ...problems } } },
    async (req) => readWebhookSettings(req.ctx),
  );
  r.patch(
    "/webhooks/settings",
    {
      schema: {
        tags,
        summary: "Allow or refuse private, loopback and link-local webhook targets (admins)",
        body: UpdateWebhookSettingsBody,
        response: { 200: WebhookSettings, ...problems },
      },
    },
    async (req) => updateWebhookSettings(req.ctx, req.body),
  );
  r.get("/webhooks/inbound", { schema: { tags, summary: "Inbound hooks (admins)", response: { 200: InboundHookList, ...problems } } }, async (req) => ({
    data: await listInboundHooks(req.ctx, origin(req, deps.publicUrl)),
  }));
  r.post(
    "/webhooks/inbound",
    {
      schema: {
        tags,
        summary: "Create an inbound hook: a secret URL that turns a JSON POST into an inbound_hook.received event (admins); the URL is in this reply only",
        body: CreateInboundHookBody,
        response: { 201: CreatedInboundHook, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createInboundHook(req.ctx, req.body, origin(req, deps.publicUrl))),
  );
  r.delete(
    "/webhooks/inbound/:id",
    { schema: { tags, summary: "Delete an inbound hook; its URL stops working (admins)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteInboundHook(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.get(
    "/webhooks/:id",
    { schema: { tags, summary: "One webhook endpoint (admins)", params: IdParams, response: { 200: Webhook, ...problems } } },
    async (req) => getWebhook(req.ctx, req.params.id),
  );
  r.patch(
    "/webhooks/:id",
    {
      schema: {
        tags,
        summary: "Change an endpoint; enabling it again sends what waited (admins)",
        params: IdParams,
        body: UpdateWebhookBody,
        response: { 200: Webhook, ...problems },
      },
    },
    async (req) => updateWebhook(req.ctx, req.params.id, req.body, schedule),
  );
  r.delete(
    "/webhooks/:id",
    { schema: { tags, summary: "Delete an endpoint and its delivery log (admins)", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteWebhook(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/webhooks/:id/rotate-secret",
    {
      schema: {
        tags,
        summary: "New signing secret; the old one keeps signing too for the grace period (admins); the new secret is in this reply only",
        params: IdParams,
        body: RotateSecretBody,
        response: { 200: WebhookWithSecret, ...problems },
      },
    },
    async (req) => rotateSecret(req.ctx, req.params.id, req.body.graceHours),
  );
  r.get(
    "/webhooks/:id/deliveries",
    {
      schema: {
        tags,
        summary: "The endpoint's delivery log, newest first, with each attempt (admins)",
        params: IdParams,
        querystring: WebhookDeliveryQuery,
        response: { 200: WebhookDeliveryList, ...problems },
      },
    },
    async (req) => listDeliveries(req.ctx, req.params.id, req.query),
  );
  r.post(
    "/webhooks/:id/deliveries/:deliveryId/redeliver",
    {
      schema: {
        tags,
        summary: "Send a delivered (or failed) message again, as a new delivery (admins)",
        params: WebhookDeliveryParams,
        response: { 202: WebhookDelivery, ...problems },
      },
    },
    async (req, reply) => reply.status(202).send(await redeliver(req.ctx, req.params.id, req.params.deliveryId, schedule)),
  );
  r.post(
    "/webhooks/:id/test",
    {
      schema: { tags, summary: "Send a webhook.test message to the endpoint (admins)", params: IdParams, response: { 202: WebhookDelivery, ...problems } },
    },
    async (req, reply) => reply.status(202).send(await sendTestEvent(req.ctx, req.params.id, schedule)),
  );
}

/** The public side of inbound hooks, outside /api/v1: the secret URL is the credential. */
export async function inboundHookRoutes(app: FastifyInstance, deps: { database: Database; rateLimit?: number }): Promise<void> {
  const r = typed(app);
  r.post(
    "/hooks/in/:token",
    {
      bodyLimit: inboundBodyLimit,
      config: { rateLimit: { max: deps.rateLimit ?? 600, timeWindow: "1 minute" } },
      schema: {
        tags: ["webhooks"],
        summary: "Inbound hook: POST any JSON (up to 64 KB); it becomes an inbound_hook.received event",
        params: InboundTokenParams,
        security: [],
        response: { 202: InboundReceipt, 400: problems[400], 404: problems[404] },
      },
    },
    async (req, reply) => {
      await receiveInbound(deps.database.db, req.params.token, req.body ?? null);
      return reply.status(202).send({ received: true as const, eventType: "inbound_hook.received" as const });
    },
  );
}
