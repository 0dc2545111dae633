import { randomBytes } from "node:crypto";
import { and, arrayOverlaps, asc, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { Event } from "../../contract/events.js";
import {
  type InboundHook,
  type Webhook,
  type WebhookCondition,
  type WebhookDelivery,
  webhookMaxAttempts,
  webhookRetryScheduleSeconds,
} from "../../contract/webhooks.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { randomToken, sha256, splitScopedToken } from "../auth/tokens.js";
import { publishEvents } from "../history/service.js";
import { notify } from "../notifications/service.js";
import { listUsers } from "../users/service.js";
import { conditionsHold } from "./conditions.js";
import { postJson, RESPONSE_KEEP_BYTES, signatureHeaders } from "./delivery.js";
import { checkResolvedTarget, ForbiddenTargetError } from "./ssrf.js";
import { inboundHooks, webhookAttempts, webhookDeliveries, webhookEndpoints, webhookSettings } from "./table.js";

/** The unit of ordered delivery: one record's messages to one endpoint go out one at a time, oldest first. */
export interface DeliveryKey {
  workspaceId: string;
  endpointId: string;
  recordId: string;
}
export const deliveryKeyOf = (k: DeliveryKey) => `${k.endpointId}:${k.recordId}`;

/** Asks the job system to run a key's deliveries (at a time, or now); with `tx`, only if that transaction commits. */
export type ScheduleDelivery = (key: DeliveryKey, options?: { at?: Date; tx?: Db }) => Promise<void>;

type EndpointRow = typeof webhookEndpoints.$inferSelect;
type DeliveryRow = typeof webhookDeliveries.$inferSelect;

const SECRET_PREFIX = "whsec_";
/** 32 random bytes: above the 24 the brief asks for, and the length Svix uses. */
export const newSecret = () => `${SECRET_PREFIX}${randomBytes(32).toString("base64")}`;
const hintOf = (secret: string) => `${secret.slice(0, SECRET_PREFIX.length + 4)}…`;

const toWebhook = (r: EndpointRow): Webhook => ({
  id: r.id,
  url: r.url,
  description: r.description,
  eventTypes: r.eventTypes as Webhook["eventTypes"],
  conditions: r.conditions,
  enabled: r.enabled,
  disabledReason: r.disabledReason,
  disabledAt: r.disabledAt?.toISOString() ?? null,
  secretHint: hintOf(r.secret),
  previousSecretExpiresAt: r.previousSecret && r.previousSecretExpiresAt ? r.previousSecretExpiresAt.toISOString() : null,
  consecutiveFailures: r.consecutiveFailures,
  lastSuccessAt: r.lastSuccessAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

// ---------------------------------------------------------------------------------------------------------------
// Settings and the request-forgery guard

export async function getWebhookSettings(ctx: Pick<Ctx, "db" | "workspaceId">): Promise<{ allowPrivateTargets: boolean }> {
  const [row] = await ctx.db.select().from(webhookSettings).where(eq(webhookSettings.workspaceId, ctx.workspaceId));
  return { allowPrivateTargets: row?.allowPrivateTargets ?? false };
}

export async function readWebhookSettings(ctx: Ctx): Promise<{ allowPrivateTargets: boolean }> {
  assertCan(ctx.actor, "admin");
  return getWebhookSettings(ctx);
}

export async function updateWebhookSettings(ctx: Ctx, input: { allowPrivateTargets: boolean }): Promise<{ allowPrivateTargets: boolean }> {
  assertCan(ctx.actor, "admin");
  await ctx.db
    .insert(webhookSettings)
    .values({ workspaceId: ctx.workspaceId, allowPrivateTargets: input.allowPrivateTargets, updatedAt: new Date() })
    .onConflictDoUpdate({ target: webhookSettings.workspaceId, set: { allowPrivateTargets: input.allowPrivateTargets, updatedAt: new Date() } });
  return getWebhookSettings(ctx);
}

async function assertUrlAllowed(ctx: Ctx, url: string): Promise<void> {
  if ((await getWebhookSettings(ctx)).allowPrivateTargets) return;
  try {
    await checkResolvedTarget(new URL(url));
  } catch (err) {
    if (err instanceof ForbiddenTargetError) throw new AppError("validation_failed", `url: ${err.message}`, [{ path: "url", message: err.message }]);
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

export async function listWebhooks(ctx: Ctx): Promise<Webhook[]> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.workspaceId, ctx.workspaceId)).orderBy(asc(webhookEndpoints.createdAt));
  return rows.map(toWebhook);
}

async function endpointRow(ctx: Pick<Ctx, "db" | "workspaceId">, id: string): Promise<EndpointRow> {
  const [row] = await ctx.db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, ctx.workspaceId), eq(webhookEndpoints.id, id)));
  if (!row) throw notFound("Webhook");
  return row;
}

export async function getWebhook(ctx: Ctx, id: string): Promise<Webhook> {
  assertCan(ctx.actor, "admin");
  return toWebhook(await endpointRow(ctx, id));
}

export interface WebhookInput {
  url: string;
  description: string;
  eventTypes: string[];
  conditions: WebhookCondition[];
  enabled: boolean;
}

/** Subscribes an endpoint; the reply carries its signing secret, the only time it leaves the server (besides rotation). */
export async function createWebhook(ctx: Ctx, input: WebhookInput): Promise<Webhook & { secret: string }> {
  assertCan(ctx.actor, "admin");
  await assertUrlAllowed(ctx, input.url);
  const secret = newSecret();
  const [row] = await ctx.db
    .insert(webhookEndpoints)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      url: input.url,
      description: input.description,
      eventTypes: [...new Set(input.eventTypes)],
      conditions: input.conditions,
      secret,
      enabled: input.enabled,
      createdBy: ctx.actor.userId,
    })
    .returning();
  return { ...toWebhook(row as EndpointRow), secret };
}

/** Changes an endpoint. Enabling one again clears its failure state and sends what waited meanwhile. */
export async function updateWebhook(ctx: Ctx, id: string, input: Partial<WebhookInput>, schedule: ScheduleDelivery): Promise<Webhook> {
  assertCan(ctx.actor, "admin");
  const before = await endpointRow(ctx, id);
  if (input.url !== undefined && input.url !== before.url) await assertUrlAllowed(ctx, input.url);
  const reenabling = input.enabled === true && !before.enabled;
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.eventTypes !== undefined ? { eventTypes: [...new Set(input.eventTypes)] } : {}),
        ...(input.conditions !== undefined ? { conditions: input.conditions } : {}),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
        ...(input.enabled !== undefined && input.enabled !== before.enabled
          ? { disabledReason: null, disabledAt: input.enabled ? null : new Date(), consecutiveFailures: 0 }
          : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(webhookEndpoints.workspaceId, ctx.workspaceId), eq(webhookEndpoints.id, id)))
      .returning();
    if (reenabling) await resumePending({ ...ctx, db: tx }, id, schedule);
    return toWebhook(row as EndpointRow);
  });
}

/** Queues the pending deliveries of an endpoint that was off, due now. */
async function resumePending(ctx: Pick<Ctx, "db" | "workspaceId">, endpointId: string, schedule: ScheduleDelivery): Promise<void> {
  const d = webhookDeliveries;
  const keys = await ctx.db
    .update(d)
    .set({ nextAttemptAt: null })
    .where(and(eq(d.workspaceId, ctx.workspaceId), eq(d.endpointId, endpointId), eq(d.status, "pending")))
    .returning({ recordId: d.recordId });
  for (const recordId of new Set(keys.map((k) => k.recordId))) await schedule({ workspaceId: ctx.workspaceId, endpointId, recordId }, { tx: ctx.db });
}

export async function deleteWebhook(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db
    .delete(webhookEndpoints)
    .where(and(eq(webhookEndpoints.workspaceId, ctx.workspaceId), eq(webhookEndpoints.id, id)))
    .returning({ id: webhookEndpoints.id });
  if (rows.length === 0) throw notFound("Webhook");
}

/**
 * A new signing secret. For `graceHours` the old one keeps signing too (both signatures in the header), so a
 * receiver that still verifies with the old secret keeps accepting messages until it switches.
 */
export async function rotateSecret(ctx: Ctx, id: string, graceHours: number, now = new Date()): Promise<Webhook & { secret: string }> {
  assertCan(ctx.actor, "admin");
  const before = await endpointRow(ctx, id);
  const secret = newSecret();
  const [row] = await ctx.db
    .update(webhookEndpoints)
    .set({
      secret,
      previousSecret: graceHours > 0 ? before.secret : null,
      previousSecretExpiresAt: graceHours > 0 ? new Date(now.getTime() + graceHours * 3_600_000) : null,
      updatedAt: now,
    })
    .where(and(eq(webhookEndpoints.workspaceId, ctx.workspaceId), eq(webhookEndpoints.id, id)))
    .returning();
  return { ...toWebhook(row as EndpointRow), secret };
}

// ---------------------------------------------------------------------------------------------------------------
// Fan-out: the event stream's "webhooks" consumer

/** The body every subscriber receives (Standard Webhooks' recommended shape: type, timestamp, data). */
export const messageBody = (e: Event) => JSON.stringify({ type: e.type, timestamp: e.occurredAt, data: e });

/**
 * Writes one delivery per (subscribed endpoint, event) and queues the delivery jobs, all in the consumer's
 * transaction: a crash repeats the batch with none of it written, and the unique (endpoint, event) key keeps a
 * repeated batch from sending twice.
 */
export async function fanOut(tx: Db, events: Event[], schedule: ScheduleDelivery): Promise<number> {
  if (events.length === 0) return 0;
  const e = webhookEndpoints;
  const endpoints = await tx
    .select({ workspaceId: e.workspaceId, id: e.id, eventTypes: e.eventTypes, conditions: e.conditions })
    .from(e)
    .where(
      and(
        inArray(e.workspaceId, [...new Set(events.map((x) => x.workspaceId))]),
        eq(e.enabled, true),
        arrayOverlaps(e.eventTypes, [...new Set(events.map((x) => x.type))]),
      ),
    );
  if (endpoints.length === 0) return 0;
  const rows: (typeof webhookDeliveries.$inferInsert)[] = [];
  for (const event of events) {
    for (const endpoint of endpoints) {
      if (endpoint.workspaceId !== event.workspaceId || !endpoint.eventTypes.includes(event.type)) continue;
      if (!conditionsHold(event, endpoint.conditions)) continue;
      const id = newId();
      rows.push({
        workspaceId: event.workspaceId,
        id,
        endpointId: endpoint.id,
        eventId: event.id,
        eventType: event.type,
        recordId: event.recordId,
        seq: event.position,
        messageId: `msg_${id}`,
        body: messageBody(event),
      });
    }
  }
  if (rows.length === 0) return 0;
  for (let i = 0; i < rows.length; i += 500)
    await tx
      .insert(webhookDeliveries)
      .values(rows.slice(i, i + 500))
      .onConflictDoNothing();
  const keys = new Map(rows.map((r) => [`${r.endpointId}:${r.recordId}`, { workspaceId: r.workspaceId, endpointId: r.endpointId, recordId: r.recordId }]));
  for (const key of keys.values()) await schedule(key, { tx });
  return rows.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Delivery

export interface DeliverOptions {
  now: () => Date;
  schedule: ScheduleDelivery;
  /** Receivers must answer within this (15 s; tests shorten it). */
  timeoutMs?: number;
}

const retryDelaySeconds = (attempt: number) => webhookRetryScheduleSeconds[Math.min(attempt, webhookRetryScheduleSeconds.length) - 1] ?? 0;

/**
 * Sends a key's pending deliveries oldest first, one at a time, until one fails (it is retried later, and the ones
 * behind it wait: per-record order) or none is left. The job system runs at most one of these per key at a time
 * (stately queue, singleton key = endpoint:record); the attempt counter is also claimed with a compare-and-set, so a
 * stray second runner can never send the same attempt twice.
 */
export async function deliverPending(db: Db, key: DeliveryKey, options: DeliverOptions): Promise<{ sent: number; succeeded: number }> {
  let sent = 0;
  let succeeded = 0;
  const ctx = { db, workspaceId: key.workspaceId };
  for (let guard = 0; guard < 100; guard++) {
    const [endpoint] = await db
      .select()
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.workspaceId, key.workspaceId), eq(webhookEndpoints.id, key.endpointId)));
    // Deleted: its deliveries went with it. Disabled: they wait for it to be enabled again (resumePending).
    if (!endpoint?.enabled) break;
    const d = webhookDeliveries;
    const [next] = await db
      .select()
      .from(d)
      .where(and(eq(d.workspaceId, key.workspaceId), eq(d.endpointId, key.endpointId), eq(d.recordId, key.recordId), eq(d.status, "pending")))
      .orderBy(asc(d.seq), asc(d.id))
      .limit(1);
    if (!next) break;
    const now = options.now();
    if (next.nextAttemptAt && next.nextAttemptAt > now) {
      await options.schedule(key, { at: next.nextAttemptAt });
      break;
    }
    const claimed = await db
      .update(d)
      .set({ attempts: next.attempts + 1 })
      .where(and(eq(d.workspaceId, key.workspaceId), eq(d.id, next.id), eq(d.status, "pending"), eq(d.attempts, next.attempts)))
      .returning({ id: d.id });
    if (claimed.length === 0) break;
    const attempt = next.attempts + 1;
    const outcome = await sendOnce(ctx, endpoint, next, attempt, options);
    sent++;
    // A failed send loops once more: it finds the same delivery due later and books the job for then (or, with the
    // endpoint disabled, stops).
    if (outcome === "succeeded") succeeded++;
  }
  return { sent, succeeded };
}

type Outcome = "succeeded" | "retry" | "failed";

async function sendOnce(
  ctx: { db: Db; workspaceId: string },
  endpoint: EndpointRow,
  delivery: DeliveryRow,
  attempt: number,
  options: DeliverOptions,
): Promise<Outcome> {
  const now = options.now();
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > now) secrets.push(endpoint.previousSecret);
  // The signed timestamp is the wall clock of the send: receivers reject messages outside their tolerance window.
  const headers = signatureHeaders(delivery.messageId, delivery.body, secrets, new Date());
  const { allowPrivateTargets } = await getWebhookSettings(ctx);
  const startedAt = options.now();
  const res = await postJson(endpoint.url, headers, delivery.body, { allowPrivate: allowPrivateTargets, timeoutMs: options.timeoutMs });
  const ok = res.status !== null && res.status >= 200 && res.status < 300;
  const gone = res.status === 410;
  const exhausted = attempt >= webhookMaxAttempts;
  const outcome: Outcome = ok ? "succeeded" : gone || exhausted ? "failed" : "retry";
  const finishedAt = options.now();
  let nextAttemptAt: Date | null = null;
  if (outcome === "retry") {
    // Retry-After is honoured when it asks for longer than the schedule (capped at a day: a receiver cannot park us).
    const wait = Math.max(retryDelaySeconds(attempt), Math.min(res.retryAfterSeconds ?? 0, 86_400));
    nextAttemptAt = new Date(finishedAt.getTime() + wait * 1000);
  }
  const describe = res.status !== null ? `HTTP ${res.status}` : (res.error ?? "no reply");
  await ctx.db.transaction(async (tx) => {
    await tx.insert(webhookAttempts).values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      deliveryId: delivery.id,
      attempt,
      startedAt,
      durationMs: res.durationMs,
      requestHeaders: { ...headers, "content-type": "application/json" },
      responseStatus: res.status,
      responseBody: res.body === null ? null : res.body.slice(0, RESPONSE_KEEP_BYTES),
      error: res.error,
    });
    await tx
      .update(webhookDeliveries)
      .set({ status: outcome === "retry" ? "pending" : outcome, nextAttemptAt, completedAt: outcome === "retry" ? null : finishedAt })
      .where(and(eq(webhookDeliveries.workspaceId, ctx.workspaceId), eq(webhookDeliveries.id, delivery.id)));
    const e = webhookEndpoints;
    const where = and(eq(e.workspaceId, ctx.workspaceId), eq(e.id, endpoint.id));
    if (ok) {
      await tx.update(e).set({ consecutiveFailures: 0, lastSuccessAt: finishedAt }).where(where);
      return;
    }
    await tx
      .update(e)
      .set({ consecutiveFailures: sql`${e.consecutiveFailures} + 1` })
      .where(where);
    if (gone || exhausted) {
      const reason = gone
        ? "The receiver answered 410 Gone: it asked for no more messages."
        : `Every attempt to deliver a ${delivery.eventType} message failed over about three days (last: ${describe}).`;
      const disabled = await tx
        .update(e)
        .set({ enabled: false, disabledReason: reason, disabledAt: finishedAt, updatedAt: finishedAt })
        .where(and(where, eq(e.enabled, true)))
        .returning({ id: e.id });
      if (disabled.length) await notifyAdmins({ db: tx, workspaceId: ctx.workspaceId }, endpoint, reason);
    }
  });
  return outcome;
}

async function notifyAdmins(ctx: { db: Db; workspaceId: string }, endpoint: EndpointRow, reason: string): Promise<void> {
  const admins = (await listUsers({ ...ctx, actor: systemActor })).filter((u) => u.active && u.role === "admin");
  await notify(
    ctx,
    ...admins.map((u) => ({
      userId: u.id,
      kind: "webhook_disabled" as const,
      title: `Webhook to ${new URL(endpoint.url).host} was disabled`,
      body: `${reason} Fix the receiver, then enable the webhook again under Settings → Webhooks; messages that waited are sent then.`,
      object: "webhook",
      recordId: endpoint.id,
    })),
  );
}

/**
 * The safety net: keys whose pending deliveries are due but that no job holds (a job lost to a crash between claim
 * and record, or a wake-up refused because one was already queued). Runs every minute; the singleton key makes
 * asking for a key that already has a job harmless.
 */
export async function sweepDue(db: Db, now: Date, schedule: ScheduleDelivery, limit = 1000): Promise<number> {
  const d = webhookDeliveries;
  const e = webhookEndpoints;
  const rows = await db
    .selectDistinct({ workspaceId: d.workspaceId, endpointId: d.endpointId, recordId: d.recordId })
    .from(d)
    .innerJoin(e, and(eq(e.workspaceId, d.workspaceId), eq(e.id, d.endpointId)))
    .where(and(eq(d.status, "pending"), eq(e.enabled, true), or(sql`${d.nextAttemptAt} is null`, lt(d.nextAttemptAt, now))))
    .limit(limit);
  for (const key of rows) await schedule(key);
  return rows.length;
}

// ---------------------------------------------------------------------------------------------------------------
// The delivery log, redelivery, test events

const toDelivery = (r: DeliveryRow, attempts: (typeof webhookAttempts.$inferSelect)[]): WebhookDelivery => ({
  id: r.id,
  messageId: r.messageId,
  eventType: r.eventType,
  recordId: r.recordId,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
  body: r.body,
  createdAt: r.createdAt.toISOString(),
  completedAt: r.completedAt?.toISOString() ?? null,
  log: attempts.map((a) => ({
    id: a.id,
    attempt: a.attempt,
    startedAt: a.startedAt.toISOString(),
    durationMs: a.durationMs,
    requestHeaders: a.requestHeaders,
    responseStatus: a.responseStatus,
    responseBody: a.responseBody,
    error: a.error,
  })),
});

export async function listDeliveries(
  ctx: Ctx,
  endpointId: string,
  q: { limit: number; cursor?: string; status?: DeliveryRow["status"] },
): Promise<{ data: WebhookDelivery[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "admin");
  await endpointRow(ctx, endpointId);
  let before: { at: Date; id: string } | undefined;
  if (q.cursor) {
    const [at, id] = Buffer.from(q.cursor, "base64url").toString("utf8").split("|");
    if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id))
      throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
    before = { at: new Date(at), id };
  }
  const d = webhookDeliveries;
  const rows = await ctx.db
    .select()
    .from(d)
    .where(
      and(
        eq(d.workspaceId, ctx.workspaceId),
        eq(d.endpointId, endpointId),
        q.status ? eq(d.status, q.status) : undefined,
        before ? or(lt(d.createdAt, before.at), and(eq(d.createdAt, before.at), lt(d.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(d.createdAt), desc(d.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const attempts = page.length
    ? await ctx.db
        .select()
        .from(webhookAttempts)
        .where(
          and(
            eq(webhookAttempts.workspaceId, ctx.workspaceId),
            inArray(
              webhookAttempts.deliveryId,
              page.map((r) => r.id),
            ),
          ),
        )
        .orderBy(desc(webhookAttempts.attempt))
    : [];
  const last = page.at(-1);
  return {
    data: page.map((r) =>
      toDelivery(
        r,
        attempts.filter((a) => a.deliveryId === r.id),
      ),
    ),
    nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString("base64url") : null,
  };
}

async function queueMessage(
  ctx: Ctx,
  endpointId: string,
  message: { eventType: string; recordId: string; messageId?: string; body: string },
  schedule: ScheduleDelivery,
): Promise<WebhookDelivery> {
  return ctx.db.transaction(async (tx) => {
    const d = webhookDeliveries;
    // After whatever this record still has pending, so a redelivery never overtakes a newer message.
    const [last] = await tx
      .select({ seq: sql<number>`coalesce(max(${d.seq}), 0)::bigint` })
      .from(d)
      .where(and(eq(d.workspaceId, ctx.workspaceId), eq(d.endpointId, endpointId), eq(d.recordId, message.recordId)));
    const id = newId();
    const [row] = await tx
      .insert(d)
      .values({
        workspaceId: ctx.workspaceId,
        id,
        endpointId,
        eventId: null,
        eventType: message.eventType,
        recordId: message.recordId,
        seq: Number(last?.seq ?? 0),
        messageId: message.messageId ?? `msg_${id}`,
        body: message.body,
      })
      .returning();
    await schedule({ workspaceId: ctx.workspaceId, endpointId, recordId: message.recordId }, { tx });
    return toDelivery(row as DeliveryRow, []);
  });
}

/** Sends a delivery's message again as a new delivery with its own log; the webhook-id is kept, so receivers that de-duplicate see the same message. */
export async function redeliver(ctx: Ctx, endpointId: string, deliveryId: string, schedule: ScheduleDelivery): Promise<WebhookDelivery> {
  assertCan(ctx.actor, "admin");
  const endpoint = await endpointRow(ctx, endpointId);
  if (!endpoint.enabled) throw new AppError("conflict", "This webhook is disabled; enable it before sending messages to it.");
  const [original] = await ctx.db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.workspaceId, ctx.workspaceId), eq(webhookDeliveries.endpointId, endpointId), eq(webhookDeliveries.id, deliveryId)));
  if (!original) throw notFound("Delivery");
  return queueMessage(
    ctx,
    endpointId,
    { eventType: original.eventType, recordId: original.recordId, messageId: original.messageId, body: original.body },
    schedule,
  );
}

/** A "webhook.test" message through the real delivery path (signing, guard, log), to check a receiver. */
export async function sendTestEvent(ctx: Ctx, endpointId: string, schedule: ScheduleDelivery, now = new Date()): Promise<WebhookDelivery> {
  assertCan(ctx.actor, "admin");
  const endpoint = await endpointRow(ctx, endpointId);
  if (!endpoint.enabled) throw new AppError("conflict", "This webhook is disabled; enable it before sending messages to it.");
  const recordId = newId();
  const body = JSON.stringify({
    type: "webhook.test",
    timestamp: now.toISOString(),
    data: { workspaceId: ctx.workspaceId, endpointId, message: "A test message from Rapport: if its signature verifies, this endpoint is ready." },
  });
  return queueMessage(ctx, endpointId, { eventType: "webhook.test", recordId, body }, schedule);
}

// ---------------------------------------------------------------------------------------------------------------
// Inbound hooks

const INBOUND_PATH = "/hooks/in/";
const toInbound = (r: typeof inboundHooks.$inferSelect, base: string): InboundHook => ({
  id: r.id,
  name: r.name,
  urlHint: `${base}${INBOUND_PATH}${r.workspaceId}.${r.tokenHint}…`,
  receivedCount: r.receivedCount,
  lastReceivedAt: r.lastReceivedAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

export async function listInboundHooks(ctx: Ctx, base: string): Promise<InboundHook[]> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.select().from(inboundHooks).where(eq(inboundHooks.workspaceId, ctx.workspaceId)).orderBy(asc(inboundHooks.createdAt));
  return rows.map((r) => toInbound(r, base));
}

/** The URL is "<base>/hooks/in/<workspace id>.<secret>"; only the secret's hash is kept, so it is shown once. */
export async function createInboundHook(ctx: Ctx, input: { name: string }, base: string): Promise<InboundHook & { url: string }> {
  assertCan(ctx.actor, "admin");
  const secret = randomToken();
  const [row] = await ctx.db
    .insert(inboundHooks)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      name: input.name,
      tokenHash: sha256(secret),
      tokenHint: secret.slice(0, 6),
      createdBy: ctx.actor.userId,
    })
    .returning();
  return { ...toInbound(row as typeof inboundHooks.$inferSelect, base), url: `${base}${INBOUND_PATH}${ctx.workspaceId}.${secret}` };
}

export async function deleteInboundHook(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db
    .delete(inboundHooks)
    .where(and(eq(inboundHooks.workspaceId, ctx.workspaceId), eq(inboundHooks.id, id)))
    .returning({ id: inboundHooks.id });
  if (rows.length === 0) throw notFound("Inbound hook");
}

/** A POST to an inbound hook's URL: the JSON body becomes an inbound_hook.received event, in one transaction. */
export async function receiveInbound(db: Db, token: string, body: unknown): Promise<void> {
  const scoped = splitScopedToken(token);
  // One answer for every unknown or malformed token: the URL is the credential, and nothing tells which part was wrong.
  if (!scoped) throw notFound("Inbound hook");
  const hash = sha256(scoped.secret);
  await db.transaction(async (tx) => {
    const now = new Date();
    const [hook] = await tx
      .update(inboundHooks)
      .set({ receivedCount: sql`${inboundHooks.receivedCount} + 1`, lastReceivedAt: now })
      .where(and(eq(inboundHooks.workspaceId, scoped.workspaceId), eq(inboundHooks.tokenHash, hash)))
      .returning();
    if (!hook) throw notFound("Inbound hook");
    const receiptId = newId();
    await publishEvents(tx, { db: tx, workspaceId: hook.workspaceId, actor: systemActor }, [
      {
        type: "inbound_hook.received",
        recordId: receiptId,
        record: { id: receiptId, hookId: hook.id, hookName: hook.name, receivedAt: now.toISOString(), body },
      },
    ]);
  });
}
