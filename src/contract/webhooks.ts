import { z } from "zod";
import { Timestamp } from "./common.js";
import { EventTypeName } from "./events.js";

/**
 * Signed webhooks, out and in. Outgoing deliveries follow the Standard Webhooks specification
 * (https://www.standardwebhooks.com): headers webhook-id, webhook-timestamp and webhook-signature, the signature
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` under a `whsec_` secret.
 */

/**
 * Waits before each attempt after the first, in seconds: Svix's Standard Webhooks schedule (immediately, 5 s, 5 min,
 * 30 min, 2 h, 5 h, 10 h, 10 h), stretched by three 14 h waits so a receiver gets about three days (69.6 h) to come
 * back. A Retry-After longer than the next wait is honoured instead. A delivery that fails every attempt is given
 * up, and its endpoint disabled with a notification to the workspace's admins.
 */
export const webhookRetryScheduleSeconds = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600, 14 * 3600, 14 * 3600, 14 * 3600] as const;
export const webhookMaxAttempts = webhookRetryScheduleSeconds.length + 1;
/** A receiver must answer 2xx within this time, or the attempt counts as failed. */
export const webhookTimeoutSeconds = 15;

export const webhookConditionOps = ["eq", "neq", "contains", "gt", "gte", "lt", "lte", "in", "empty", "notEmpty", "changed"] as const;

/**
 * One test on the event: `field` is a path into the event's record ("stage", "address.country", "custom.tier"),
 * and `changed` asks whether that field is among the event's changes. Every condition must hold.
 */
export const WebhookCondition = z
  .object({
    field: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$/, "Use a field name or a dotted path such as address.country"),
    op: z.enum(webhookConditionOps),
    value: z.union([z.string().max(500), z.number(), z.boolean(), z.array(z.union([z.string().max(500), z.number()])).max(50)]).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const needsValue = !["empty", "notEmpty", "changed"].includes(c.op);
    if (needsValue && c.value === undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `The ${c.op} test needs a value` });
    if (c.op === "in" && c.value !== undefined && !Array.isArray(c.value))
      ctx.addIssue({ code: "custom", path: ["value"], message: "in needs a list of values" });
  });
export type WebhookCondition = z.infer<typeof WebhookCondition>;

const EndpointUrl = z
  .string()
  .trim()
  .max(2000)
  .refine((s) => URL.canParse(s), "Give a full URL, such as https://example.com/hooks/rapport")
  .refine((s) => !URL.canParse(s) || ["http:", "https:"].includes(new URL(s).protocol), "Only http and https URLs can receive webhooks")
  .refine(
    (s) => !URL.canParse(s) || (!new URL(s).username && !new URL(s).password),
    "Put credentials in the receiver's check of the signature, not in the URL",
  );

export const CreateWebhookBody = z
  .object({
    url: EndpointUrl,
    description: z.string().trim().max(500).default(""),
    eventTypes: z.array(EventTypeName).min(1, "Choose at least one event type").max(200),
    conditions: z.array(WebhookCondition).max(20).default([]),
    enabled: z.boolean().default(true),
  })
  .strict();
export const UpdateWebhookBody = z
  .object({
    url: EndpointUrl.optional(),
    description: z.string().trim().max(500).optional(),
    eventTypes: z.array(EventTypeName).min(1, "Choose at least one event type").max(200).optional(),
    conditions: z.array(WebhookCondition).max(20).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();

export const Webhook = z.object({
  id: z.uuid(),
  url: z.string(),
  description: z.string(),
  eventTypes: z.array(EventTypeName),
  conditions: z.array(WebhookCondition),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe("Why Rapport disabled the endpoint (410 Gone, repeated failure); null when an admin did"),
  disabledAt: Timestamp.nullable(),
  secretHint: z.string().describe("The start of the signing secret, to tell secrets apart; the secret itself is shown only once"),
  previousSecretExpiresAt: Timestamp.nullable().describe("Until then deliveries are signed with the old secret too"),
  consecutiveFailures: z.number().int(),
  lastSuccessAt: Timestamp.nullable(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type Webhook = z.infer<typeof Webhook>;
export const WebhookWithSecret = Webhook.extend({ secret: z.string().describe("whsec_…: verify signatures with it; shown only in this reply") });
export const WebhookList = z.object({ data: z.array(Webhook) });

export const RotateSecretBody = z
  .object({
    graceHours: z.number().int().min(0).max(168).default(24).describe("How long the old secret keeps signing too (0: stop at once)"),
  })
  .strict();

export const deliveryStatuses = ["pending", "succeeded", "failed"] as const;
export const WebhookAttempt = z.object({
  id: z.uuid(),
  attempt: z.number().int(),
  startedAt: Timestamp,
  durationMs: z.number().int(),
  requestHeaders: z.record(z.string(), z.string()).describe("Signature headers included; never the secret"),
  responseStatus: z.number().int().nullable(),
  responseBody: z.string().nullable().describe("The first 2 KB of the reply"),
  error: z.string().nullable().describe("Why no response counted: timeout, refused address, connection error"),
});
export const WebhookDelivery = z.object({
  id: z.uuid(),
  messageId: z.string().describe("webhook-id: the same on every attempt, for the receiver's de-duplication"),
  eventType: z.string(),
  recordId: z.uuid(),
  status: z.enum(deliveryStatuses),
  attempts: z.number().int(),
  nextAttemptAt: Timestamp.nullable(),
  body: z.string().describe("The JSON body sent"),
  createdAt: Timestamp,
  completedAt: Timestamp.nullable(),
  log: z.array(WebhookAttempt).describe("Attempts, newest first"),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;
export const WebhookDeliveryQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(200).optional(),
    status: z.enum(deliveryStatuses).optional(),
  })
  .strict();
export const WebhookDeliveryList = z.object({ data: z.array(WebhookDelivery), nextCursor: z.string().nullable() });
export const WebhookDeliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() }).strict();

export const WebhookSettings = z.object({
  allowPrivateTargets: z
    .boolean()
    .describe("Let webhooks reach private, loopback and link-local addresses (self-hosted intranets); off by default against request forgery"),
});
export const UpdateWebhookSettingsBody = WebhookSettings.strict();

/** Inbound hooks: a secret URL that turns a JSON POST into an inbound_hook.received event. */
export const CreateInboundHookBody = z.object({ name: z.string().trim().min(1, "Give the hook a name").max(200) }).strict();
export const InboundHook = z.object({
  id: z.uuid(),
  name: z.string(),
  urlHint: z.string().describe("The URL with its secret cut short; the full URL is shown only at creation"),
  receivedCount: z.number().int(),
  lastReceivedAt: Timestamp.nullable(),
  createdAt: Timestamp,
});
export type InboundHook = z.infer<typeof InboundHook>;
export const CreatedInboundHook = InboundHook.extend({ url: z.string().describe("POST JSON here; shown only in this reply") });
export const InboundHookList = z.object({ data: z.array(InboundHook) });
export const InboundReceipt = z.object({ received: z.literal(true), eventType: z.literal("inbound_hook.received") });
export const InboundTokenParams = z.object({ token: z.string().min(1).max(300) }).strict();
/** An inbound body above this is refused with 413. */
export const inboundBodyLimit = 64 * 1024;
