import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { and, asc, desc, eq, gt, ilike, lt, or, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type {
  AddSuppressionBody,
  ConsentChannel,
  ConsentRecord,
  ConsentSource,
  ConsentTopic,
  ContactConsent,
  CreateConsentTopicBody,
  RecordConsentBody,
  Suppression,
  SuppressionListQuery,
  SuppressionReason,
  UpdateConsentTopicBody,
} from "../../contract/consent.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { type Db, queryRows } from "../../db/client.js";
import { getContact } from "../contacts/service.js";
import { diff, publishEvents, recordChanges } from "../history/service.js";
import { assertAudienceManage, assertAudienceRead } from "../segments/access.js";
import { userNames } from "../users/service.js";
import { consentRecords, consentSettings, consentTopics, suppressionLog, suppressions } from "./table.js";

const normalise = (address: string) => address.trim().toLowerCase();

// ---- topics ----

type TopicRow = typeof consentTopics.$inferSelect;
const TOPIC_FIELDS = ["name", "description", "active"] as const;
const toTopic = (r: TopicRow): ConsentTopic => ({
  id: r.id,
  name: r.name,
  description: r.description,
  active: r.active,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export async function listTopics(ctx: Ctx): Promise<ConsentTopic[]> {
  const rows = await ctx.db
    .select()
    .from(consentTopics)
    .where(eq(consentTopics.workspaceId, ctx.workspaceId))
    .orderBy(asc(sql`lower(${consentTopics.name})`));
  return rows.map(toTopic);
}

async function assertTopicNameFree(ctx: Ctx, name: string, except?: string) {
  const [clash] = await ctx.db
    .select({ id: consentTopics.id })
    .from(consentTopics)
    .where(and(eq(consentTopics.workspaceId, ctx.workspaceId), sql`lower(${consentTopics.name}) = ${name.toLowerCase()}`));
  if (clash && clash.id !== except)
    throw new AppError("conflict", `There is already a topic named "${name}"`, [{ path: "name", message: "This name is taken" }]);
}

export async function createTopic(ctx: Ctx, body: z.infer<typeof CreateConsentTopicBody>): Promise<ConsentTopic> {
  assertAudienceManage(ctx);
  await assertTopicNameFree(ctx, body.name);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(consentTopics)
      .values({ workspaceId: ctx.workspaceId, id: newId(), name: body.name, description: body.description ?? "", active: body.active ?? true })
      .returning();
    const topic = toTopic(row as TopicRow);
    await recordChanges(tx, ctx, [{ object: "consent_topic", recordId: topic.id, action: "create", changes: diff(null, topic, TOPIC_FIELDS), payload: topic }]);
    return topic;
  });
}

export async function updateTopic(ctx: Ctx, id: string, body: z.infer<typeof UpdateConsentTopicBody>): Promise<ConsentTopic> {
  assertAudienceManage(ctx);
  if (body.name) await assertTopicNameFree(ctx, body.name, id);
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(consentTopics)
      .where(and(eq(consentTopics.workspaceId, ctx.workspaceId), eq(consentTopics.id, id)))
      .for("update");
    if (!before) throw notFound("Topic");
    const [row] = await tx
      .update(consentTopics)
      .set({ ...body, updatedAt: new Date() })
      .where(and(eq(consentTopics.workspaceId, ctx.workspaceId), eq(consentTopics.id, id)))
      .returning();
    const topic = toTopic(row as TopicRow);
    await recordChanges(tx, ctx, [
      { object: "consent_topic", recordId: id, action: "update", changes: diff(toTopic(before), topic, TOPIC_FIELDS), payload: topic },
    ]);
    return topic;
  });
}

/** Deleting a topic deletes its consent records too: archive it (active: false) to keep the proof. */
export async function deleteTopic(ctx: Ctx, id: string): Promise<void> {
  assertAudienceManage(ctx);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(consentTopics)
      .where(and(eq(consentTopics.workspaceId, ctx.workspaceId), eq(consentTopics.id, id)))
      .returning();
    if (!row) throw notFound("Topic");
    await recordChanges(tx, ctx, [{ object: "consent_topic", recordId: id, action: "delete", changes: [], payload: toTopic(row) }]);
  });
}

// ---- consent records ----

type RecordRow = typeof consentRecords.$inferSelect;
const toRecord = (r: RecordRow, topicName: string | null): ConsentRecord => ({
  id: r.id,
  contactId: r.contactId,
  channel: r.channel,
  topicId: r.topicId,
  topicName,
  status: r.status,
  source: r.source,
  recordedAt: r.recordedAt.toISOString(),
  confirmedAt: r.confirmedAt?.toISOString() ?? null,
  formId: r.formId,
  ip: r.ip,
  note: r.note,
});

export interface ConsentEntry {
  channel: ConsentChannel;
  topicId?: string | null;
  status: RecordConsentBody["status"];
  source: ConsentSource;
  formId?: string;
  ip?: string;
  note?: string;
}

/**
 * Writes consent records for one contact in the caller's transaction, each with a contact.consent_changed event.
 * Records are never updated: the latest per channel and topic is the contact's consent now.
 */
export async function writeConsent(tx: Db, ctx: Ctx, contactId: string, entries: ConsentEntry[], at = new Date()): Promise<RecordRow[]> {
  if (entries.length === 0) return [];
  const topicIds = [...new Set(entries.map((e) => e.topicId).filter((t): t is string => Boolean(t)))];
  if (topicIds.length) {
    const known = await tx
      .select({ id: consentTopics.id })
      .from(consentTopics)
      .where(and(eq(consentTopics.workspaceId, ctx.workspaceId), sql`${consentTopics.id} in ${topicIds}`));
    if (known.length !== topicIds.length)
      throw new AppError("validation_failed", "No such subscription topic", [{ path: "topicId", message: "Unknown topic" }]);
  }
  const rows = await tx
    .insert(consentRecords)
    .values(
      entries.map((e, i) => ({
        workspaceId: ctx.workspaceId,
        id: newId(),
        contactId,
        channel: e.channel,
        topicId: e.topicId ?? null,
        status: e.status,
        source: e.source,
        // Entries written together keep their order: the latest wins.
        recordedAt: new Date(at.getTime() + i),
        confirmedAt: e.status === "granted" && e.source === "form" ? at : null,
        formId: e.formId ?? null,
        ip: e.ip ?? null,
        note: e.note ?? null,
        actorId: ctx.actor.kind === "user" ? ctx.actor.userId : null,
      })),
    )
    .returning();
  await publishEvents(
    tx,
    ctx,
    rows.map((r) => ({
      type: "contact.consent_changed" as const,
      recordId: contactId,
      record: { id: r.id, contactId, channel: r.channel, topicId: r.topicId, status: r.status, source: r.source },
    })),
  );
  return rows;
}

export async function recordConsent(ctx: Ctx, contactId: string, body: RecordConsentBody): Promise<ConsentRecord> {
  assertAudienceManage(ctx);
  await getContact(ctx, contactId);
  const source: ConsentSource = body.source ?? (ctx.actor.kind === "api_key" ? "api" : "manual");
  const [row] = await ctx.db.transaction((tx) => writeConsent(tx, ctx, contactId, [{ ...body, source }]));
  const topics = new Map((await listTopics(ctx)).map((t) => [t.id, t.name]));
  return toRecord(row as RecordRow, row?.topicId ? (topics.get(row.topicId) ?? null) : null);
}

/** The contact's consent now (latest per channel and topic), its last 200 records and its address's suppression. */
export async function contactConsent(ctx: Ctx, contactId: string): Promise<ContactConsent> {
  assertAudienceRead(ctx);
  const contact = await getContact(ctx, contactId);
  const topics = new Map((await listTopics(ctx)).map((t) => [t.id, t.name]));
  const history = await ctx.db
    .select()
    .from(consentRecords)
    .where(and(eq(consentRecords.workspaceId, ctx.workspaceId), eq(consentRecords.contactId, contactId)))
    .orderBy(desc(consentRecords.recordedAt), desc(consentRecords.id))
    .limit(200);
  const seen = new Set<string>();
  const current: ConsentRecord[] = [];
  for (const r of history) {
    const key = `${r.channel}:${r.topicId ?? ""}`;
    if (seen.has(key)) continue;
    seen.add(key);
    current.push(toRecord(r, r.topicId ? (topics.get(r.topicId) ?? null) : null));
  }
  const address = contact.primaryEmail ? normalise(contact.primaryEmail) : null;
  const [s] = address
    ? await ctx.db
        .select()
        .from(suppressions)
        .where(and(eq(suppressions.workspaceId, ctx.workspaceId), eq(suppressions.address, address)))
    : [];
  return {
    current,
    history: history.map((r) => toRecord(r, r.topicId ? (topics.get(r.topicId) ?? null) : null)),
    suppressed: s ? { address: s.address, reason: s.reason, createdAt: s.createdAt.toISOString() } : null,
    doNotContact: Boolean(contact.doNotContact),
  };
}

/**
 * SQL for sends: the contact (a contacts row's id) has not refused the channel (nor the topic, when given). A
 * contact with no record has not refused; `requireGrant` asks for an explicit grant instead (strict opt-in).
 */
export function consentPredicate(
  workspaceId: string,
  contactId: SQL,
  channel: ConsentChannel,
  options: { topicId?: string; requireGrant?: boolean } = {},
): SQL {
  const latest = (topic: SQL) =>
    sql`(select cr.status from ${consentRecords} cr where cr.workspace_id = ${workspaceId}::uuid and cr.contact_id = ${contactId} and cr.channel = ${channel} and ${topic} order by cr.recorded_at desc, cr.id desc limit 1)`;
  const channelStatus = latest(sql`cr.topic_id is null`);
  const checks = [sql`coalesce(${channelStatus}, 'none') <> 'denied'`];
  if (options.topicId) {
    const topicStatus = latest(sql`cr.topic_id = ${options.topicId}::uuid`);
    checks.push(options.requireGrant ? sql`${topicStatus} = 'granted'` : sql`coalesce(${topicStatus}, 'none') <> 'denied'`);
  } else if (options.requireGrant) checks.push(sql`${channelStatus} = 'granted'`);
  return sql`(${sql.join(checks, sql` and `)})`;
}

// ---- suppression list ----

/** SQL for sends: the address (an expression) is on the workspace's suppression list. */
export function suppressedPredicate(workspaceId: string, address: SQL): SQL {
  return sql`exists (select 1 from ${suppressions} s where s.workspace_id = ${workspaceId}::uuid and s.address = lower(${address}))`;
}

export async function isSuppressed(db: Db, workspaceId: string, address: string): Promise<SuppressionReason | null> {
  const [row] = await db
    .select({ reason: suppressions.reason })
    .from(suppressions)
    .where(and(eq(suppressions.workspaceId, workspaceId), eq(suppressions.address, normalise(address))));
  return row?.reason ?? null;
}

/** Adds an address (kept as it was when already there: the first reason stands) and logs it. Returns whether it was new. */
export async function suppress(tx: Db, ctx: Ctx, address: string, reason: SuppressionReason, detail = "", note = ""): Promise<boolean> {
  const a = normalise(address);
  const actorId = ctx.actor.kind === "user" ? ctx.actor.userId : null;
  const added = await tx
    .insert(suppressions)
    .values({ workspaceId: ctx.workspaceId, address: a, reason, note, createdById: actorId })
    .onConflictDoNothing()
    .returning({ address: suppressions.address });
  if (added.length) await tx.insert(suppressionLog).values({ workspaceId: ctx.workspaceId, id: newId(), address: a, action: "added", reason, detail, actorId });
  return added.length > 0;
}

export async function addSuppression(ctx: Ctx, body: z.infer<typeof AddSuppressionBody>): Promise<Suppression> {
  assertAudienceManage(ctx);
  const a = normalise(body.address);
  await ctx.db.transaction(async (tx) => {
    const added = await suppress(tx, ctx, a, body.reason ?? "manual", "Added by hand", body.note ?? "");
    if (!added) throw new AppError("conflict", `${a} is already on the suppression list`, [{ path: "address", message: "Already suppressed" }]);
  });
  const [row] = await suppressionRows(ctx, { limit: 1, q: undefined, exact: a });
  return row as Suppression;
}

export async function removeSuppression(ctx: Ctx, address: string, detail = "Removed by hand"): Promise<void> {
  assertAudienceManage(ctx);
  const a = normalise(address);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(suppressions)
      .where(and(eq(suppressions.workspaceId, ctx.workspaceId), eq(suppressions.address, a)))
      .returning();
    if (!row) throw notFound("Suppressed address");
    await tx.insert(suppressionLog).values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      address: a,
      action: "removed",
      reason: row.reason,
      detail,
      actorId: ctx.actor.kind === "user" ? ctx.actor.userId : null,
    });
  });
}

async function suppressionRows(
  ctx: Ctx,
  q: { limit: number; q?: string; reason?: SuppressionReason; cursor?: string; exact?: string },
): Promise<Suppression[]> {
  let after: { at: Date; address: string } | null = null;
  if (q.cursor) {
    const [at, address] = Buffer.from(q.cursor, "base64url").toString().split("|");
    if (!at || address === undefined || Number.isNaN(Date.parse(at)))
      throw new AppError("validation_failed", "cursor is not one this list gave", [{ path: "cursor", message: "Bad cursor" }]);
    after = { at: new Date(at), address };
  }
  const rows = await ctx.db
    .select()
    .from(suppressions)
    .where(
      and(
        eq(suppressions.workspaceId, ctx.workspaceId),
        q.exact ? eq(suppressions.address, q.exact) : undefined,
        q.q
          ? ilike(
              suppressions.address,
              `%${q.q
                .trim()
                .toLowerCase()
                .replace(/[\\%_]/g, (c) => `\\${c}`)}%`,
            )
          : undefined,
        q.reason ? eq(suppressions.reason, q.reason) : undefined,
        after ? or(lt(suppressions.createdAt, after.at), and(eq(suppressions.createdAt, after.at), gt(suppressions.address, after.address))) : undefined,
      ),
    )
    .orderBy(desc(suppressions.createdAt), asc(suppressions.address))
    .limit(q.limit);
  const names = await userNames(
    ctx,
    rows.map((s) => s.createdById).filter((id): id is string => Boolean(id)),
  );
  return rows.map((s) => ({
    address: s.address,
    reason: s.reason,
    note: s.note,
    createdAt: s.createdAt.toISOString(),
    createdByName: s.createdById ? (names.get(s.createdById) ?? null) : null,
  }));
}

export async function listSuppressions(ctx: Ctx, q: z.infer<typeof SuppressionListQuery>): Promise<{ data: Suppression[]; nextCursor: string | null }> {
  assertAudienceRead(ctx);
  const rows = await suppressionRows(ctx, { ...q, limit: q.limit + 1 });
  const data = rows.slice(0, q.limit);
  const last = data.at(-1);
  const [lastRow] = last
    ? await ctx.db
        .select({ createdAt: suppressions.createdAt })
        .from(suppressions)
        .where(and(eq(suppressions.workspaceId, ctx.workspaceId), eq(suppressions.address, last.address)))
    : [];
  return {
    data,
    nextCursor: rows.length > q.limit && last && lastRow ? Buffer.from(`${lastRow.createdAt.toISOString()}|${last.address}`).toString("base64url") : null,
  };
}

/** The suppression list's audit trail, newest first (one address, or all). */
export async function listSuppressionLog(ctx: Ctx, address?: string) {
  assertAudienceRead(ctx);
  const rows = await ctx.db
    .select()
    .from(suppressionLog)
    .where(and(eq(suppressionLog.workspaceId, ctx.workspaceId), address ? eq(suppressionLog.address, normalise(address)) : undefined))
    .orderBy(desc(suppressionLog.at), desc(suppressionLog.id))
    .limit(200);
  const names = await userNames(
    ctx,
    rows.map((l) => l.actorId).filter((id): id is string => Boolean(id)),
  );
  return rows.map((l) => ({
    address: l.address,
    action: l.action,
    reason: l.reason,
    detail: l.detail,
    at: l.at.toISOString(),
    actorName: l.actorId ? (names.get(l.actorId) ?? null) : null,
  }));
}

// ---- signed links ----

/** The workspace's link key, made on first use. */
async function linkSecret(db: Db, workspaceId: string): Promise<{ secret: string; softBounceLimit: number }> {
  const [row] = await db.select().from(consentSettings).where(eq(consentSettings.workspaceId, workspaceId));
  if (row) return { secret: row.linkSecret, softBounceLimit: row.softBounceLimit };
  await db
    .insert(consentSettings)
    .values({ workspaceId, linkSecret: randomBytes(32).toString("base64url") })
    .onConflictDoNothing();
  return linkSecret(db, workspaceId);
}

const mac = (secret: string, payload: string) => createHmac("sha256", secret).update(payload).digest("base64url");

/** A signed token naming one contact until a time: `<contact id>.<expiry, unix seconds>.<HMAC-SHA256>`. */
export async function signContactToken(db: Db, workspaceId: string, purpose: "preferences" | "confirm", contactId: string, expiresAt: Date): Promise<string> {
  const { secret } = await linkSecret(db, workspaceId);
  const exp = Math.floor(expiresAt.getTime() / 1000);
  return `${contactId}.${exp}.${mac(secret, `${purpose}|${workspaceId}|${contactId}|${exp}`)}`;
}

/** The contact a token names, or why not: a forged token and an expired one are told apart, nothing else is said. */
export async function verifyContactToken(
  db: Db,
  workspaceId: string,
  purpose: "preferences" | "confirm",
  token: string,
  now = new Date(),
): Promise<{ contactId: string } | "invalid" | "expired"> {
  const m = /^([0-9a-f-]{36})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return "invalid";
  const [, contactId, exp, given] = m as unknown as [string, string, string, string];
  const { secret } = await linkSecret(db, workspaceId);
  const expected = Buffer.from(mac(secret, `${purpose}|${workspaceId}|${contactId}|${exp}`));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return "invalid";
  if (Number(exp) * 1000 < now.getTime()) return "expired";
  return { contactId };
}

/** The path of a contact's preference page, valid for `days` (the origin is the caller's). */
export async function preferencePath(db: Db, workspace: { id: string; slug: string }, contactId: string, now = new Date(), days = 180) {
  const expiresAt = new Date(now.getTime() + days * 86_400_000);
  const token = await signContactToken(db, workspace.id, "preferences", contactId, expiresAt);
  return { path: `/preferences/${encodeURIComponent(workspace.slug)}?token=${encodeURIComponent(token)}`, expiresAt };
}

// ---- the preference page's reads and writes ----

export interface PreferenceState {
  name: string;
  email: string | null;
  unsubscribedAll: boolean;
  topics: { id: string; name: string; description: string; subscribed: boolean }[];
}

const systemCtx = (db: Db, workspaceId: string): Ctx => ({ db, workspaceId, actor: systemActor });

export async function preferenceState(db: Db, workspaceId: string, contactId: string): Promise<PreferenceState | null> {
  const ctx = systemCtx(db, workspaceId);
  const contact = await getContact(ctx, contactId).catch((err) => {
    if (err instanceof AppError && err.code === "not_found") return null;
    throw err;
  });
  if (!contact || contact.deletedAt) return null;
  const consent = await contactConsent(ctx, contactId);
  const now = new Map(consent.current.filter((c) => c.channel === "email").map((c) => [c.topicId ?? "", c.status]));
  const unsubscribedAll = now.get("") === "denied" || consent.suppressed?.reason === "unsubscribed";
  const topics = (await listTopics(ctx)).filter((t) => t.active);
  return {
    name: [contact.firstName, contact.lastName].filter(Boolean).join(" "),
    email: contact.primaryEmail ?? null,
    unsubscribedAll,
    topics: topics.map((t) => ({ id: t.id, name: t.name, description: t.description, subscribed: !unsubscribedAll && now.get(t.id) === "granted" })),
  };
}

/**
 * Saves what the person chose on their preference page, at once, as consent records with source "preference page".
 * Unsubscribing from all refuses the email channel and suppresses the address; choosing a topic again lifts an
 * unsubscribe (never a bounce or complaint).
 */
export async function savePreferences(
  db: Db,
  workspaceId: string,
  contactId: string,
  choice: { unsubscribeAll: boolean; topics: ReadonlySet<string>; ip?: string },
): Promise<PreferenceState | null> {
  const state = await preferenceState(db, workspaceId, contactId);
  if (!state) return null;
  const ctx = systemCtx(db, workspaceId);
  const ip = choice.ip?.slice(0, 64);
  await db.transaction(async (tx) => {
    const entries: ConsentEntry[] = [];
    if (choice.unsubscribeAll) {
      entries.push({ channel: "email", status: "denied", source: "preference_page", ip, note: "Unsubscribed from all" });
      for (const t of state.topics) if (t.subscribed) entries.push({ channel: "email", topicId: t.id, status: "denied", source: "preference_page", ip });
      await writeConsent(tx, ctx, contactId, entries);
      if (state.email) await suppress(tx, ctx, state.email, "unsubscribed", "Preference page: unsubscribed from all");
      return;
    }
    const wantsAny = choice.topics.size > 0;
    if (state.unsubscribedAll && wantsAny) {
      entries.push({ channel: "email", status: "granted", source: "preference_page", ip, note: "Subscribed again" });
      if (state.email) {
        await tx
          .delete(suppressions)
          .where(and(eq(suppressions.workspaceId, workspaceId), eq(suppressions.address, normalise(state.email)), eq(suppressions.reason, "unsubscribed")))
          .returning()
          .then(async (gone) => {
            if (gone.length)
              await tx.insert(suppressionLog).values({
                workspaceId,
                id: newId(),
                address: normalise(state.email as string),
                action: "removed",
                reason: "unsubscribed",
                detail: "Preference page: subscribed again",
              });
          });
      }
    }
    for (const t of state.topics) {
      const want = choice.topics.has(t.id);
      if (want !== t.subscribed) entries.push({ channel: "email", topicId: t.id, status: want ? "granted" : "denied", source: "preference_page", ip });
    }
    await writeConsent(tx, ctx, contactId, entries);
  });
  return preferenceState(db, workspaceId, contactId);
}

// ---- bounces and complaints ----

/**
 * Reacts to what the mail side learns: a complaint or a hard bounce suppresses the address; soft bounces are
 * counted and suppress it once the workspace's limit is reached within 30 days. Written in the consumer's
 * transaction, so each event counts once.
 */
export async function applyMailFeedback(
  tx: Db,
  workspaceId: string,
  type: "mail.bounced" | "mail.complained",
  record: { address: string; kind?: "hard" | "soft"; reason?: string; messageId?: string | null },
  at: Date,
): Promise<void> {
  const ctx = systemCtx(tx, workspaceId);
  const address = normalise(record.address);
  if (!address.includes("@")) return;
  const detail = [record.reason, record.messageId ? `message ${record.messageId}` : ""].filter(Boolean).join(" · ").slice(0, 500);
  if (type === "mail.complained") {
    await suppress(tx, ctx, address, "complained", detail);
    return;
  }
  // A bounce that does not say which kind is taken as permanent: retrying an address that failed for an unknown
  // reason is how a sender's reputation suffers.
  if (record.kind !== "soft") {
    await suppress(tx, ctx, address, "hard_bounced", detail);
    return;
  }
  await tx.insert(suppressionLog).values({ workspaceId, id: newId(), address, action: "soft_bounce", reason: "soft_bounce", detail, at });
  const { softBounceLimit } = await linkSecret(tx, workspaceId);
  const [row] = await queryRows<{ n: number }>(
    tx,
    sql`select count(*)::int as n from ${suppressionLog} where ${suppressionLog.workspaceId} = ${workspaceId}::uuid and ${suppressionLog.address} = ${address}
          and ${suppressionLog.action} = 'soft_bounce' and ${suppressionLog.at} > ${new Date(at.getTime() - 30 * 86_400_000).toISOString()}::timestamptz`,
  );
  if (Number(row?.n ?? 0) >= softBounceLimit) await suppress(tx, ctx, address, "hard_bounced", `${row?.n} soft bounces in 30 days; last: ${detail}`);
}

/**
 * An unsubscribe through an email's own link (the one-click List-Unsubscribe POST, the unsubscribe page, a mailto):
 * the contact's email consent is withdrawn from every topic and the address suppressed, as "unsubscribe from all" on
 * the preference page does. In the consumer's transaction, so it happens once per event.
 */
export async function applyUnsubscribe(tx: Db, workspaceId: string, record: { contactId: string; address: string; source: string }, at: Date): Promise<void> {
  const ctx = systemCtx(tx, workspaceId);
  const [live] = await queryRows<{ id: string }>(tx, sql`select id from contacts where workspace_id = ${workspaceId}::uuid and id = ${record.contactId}::uuid`);
  if (live) {
    const topics = await tx.select({ id: consentTopics.id }).from(consentTopics).where(eq(consentTopics.workspaceId, workspaceId));
    const note = `Unsubscribe link (${record.source})`.slice(0, 200);
    const entries: ConsentEntry[] = [
      { channel: "email", status: "denied", source: "unsubscribe_link", note },
      ...topics.map((t) => ({ channel: "email" as const, topicId: t.id, status: "denied" as const, source: "unsubscribe_link" as const })),
    ];
    await writeConsent(tx, ctx, record.contactId, entries, at);
  }
  if (normalise(record.address).includes("@"))
    await suppress(tx, ctx, record.address, "unsubscribed", `Unsubscribe link in an email (${record.source})`.slice(0, 500));
}

/**
 * The contact's email-consent checkbox (set in a form, by the API or by an import's column) as consent records,
 * source stated by where the change came from. One insert for a batch of events: an import of a million contacts
 * becomes a few thousand statements, not a million.
 */
export async function recordConsentFlags(
  tx: Db,
  flags: { workspaceId: string; contactId: string; granted: boolean; source: ConsentSource; at: Date; actorId: string | null }[],
): Promise<void> {
  if (flags.length === 0) return;
  const contactIds = [...new Set(flags.map((f) => f.contactId))];
  // A contact deleted since the event has no consent left to record.
  const live = await queryRows<{ id: string; workspace_id: string }>(tx, sql`select id, workspace_id from contacts where id in ${contactIds}`);
  const exists = new Set(live.map((r) => `${r.workspace_id}:${r.id}`));
  const rows = flags
    .filter((f) => exists.has(`${f.workspaceId}:${f.contactId}`))
    .map((f, i) => ({
      workspaceId: f.workspaceId,
      id: newId(),
      contactId: f.contactId,
      channel: "email" as const,
      topicId: null,
      status: f.granted ? ("granted" as const) : ("denied" as const),
      source: f.source,
      recordedAt: new Date(f.at.getTime() + (i % 1000) / 1000),
      note: f.source === "import" ? "Email consent column of an import" : "Email consent checkbox",
      actorId: null,
    }));
  for (let i = 0; i < rows.length; i += 1000) await tx.insert(consentRecords).values(rows.slice(i, i + 1000));
}
