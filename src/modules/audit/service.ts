import { and, desc, eq, gte, inArray, lt, or, sql } from "drizzle-orm";
import { type AuditAction, type AuditEntry, type AuditQuery, auditObjectLabels, defaultAuditRetentionDays, fieldLabel } from "../../contract/audit.js";
import type { Event } from "../../contract/events.js";
import type { Actor, Ctx, RequestOrigin } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { type Db, pgUuids, queryRows } from "../../db/client.js";
import { insertMany } from "../../db/insert-many.js";
import { listApiKeys } from "../api-keys/service.js";
import { type Consumer, eventOrigins } from "../events/service.js";
import { userNames } from "../users/service.js";
import { flushKeyUse } from "./key-usage.js";
import { type AuditChange, apiKeyUsage, auditLog, auditSettings } from "./table.js";

type Row = typeof auditLog.$inferInsert;

/** How a changed value reads in a sentence: "empty", a name rather than an object, lists joined. */
export function readable(v: unknown): string {
  if (v === null || v === undefined || v === "") return "empty";
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (typeof v === "string") return v.length > 80 ? `${v.slice(0, 79)}…` : v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (Array.isArray(v)) return v.length === 0 ? "empty" : readable(v.map((x) => readable(x)).join(", "));
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    const name = o.name ?? o.label ?? o.title ?? o.email ?? o.value;
    if (typeof name === "string" || typeof name === "number") return readable(name);
    return readable(JSON.stringify(v));
  }
  return readable(String(v));
}

/** The record's name as people know it, from an event's record. */
export function recordNameOf(record: Record<string, unknown> | null | undefined): string | null {
  if (!record) return null;
  for (const key of ["name", "title", "subject", "fileName", "label"]) {
    const v = record[key];
    if (typeof v === "string" && v.trim()) return v.trim().slice(0, 200);
  }
  const person = [record.firstName, record.lastName].filter((x) => typeof x === "string" && x.trim()).join(" ");
  if (person) return person.slice(0, 200);
  const email = (record.email ?? (Array.isArray(record.emails) ? record.emails[0] : undefined)) as { value?: unknown } | string | undefined;
  if (typeof email === "string") return email;
  return typeof email?.value === "string" ? email.value : null;
}

const objectWord = (object: string) => {
  const label = auditObjectLabels[object] ?? fieldLabel(object);
  return label.startsWith("API") ? label : label.toLowerCase();
};
const target = (object: string, name: string | null) =>
  name ? `${objectWord(object)} ${name}` : object.endsWith("_settings") ? `the ${objectWord(object)}` : `a ${objectWord(object)}`;

/** The sentence after the actor's name: "changed Stage from Qualified to Won on deal Acme renewal". */
export function summarise(action: AuditAction, object: string, name: string | null, changes: AuditChange[], details: Record<string, unknown> = {}): string {
  switch (action) {
    case "created":
      return `created ${target(object, name)}`;
    case "updated": {
      if (changes.length === 0) return `changed ${target(object, name)}`;
      const shown = changes.slice(0, 3).map((c) => `${fieldLabel(c.field)} from ${readable(c.from)} to ${readable(c.to)}`);
      const more = changes.length > 3 ? ` and ${changes.length - 3} more field${changes.length - 3 === 1 ? "" : "s"}` : "";
      const list = shown.length > 1 && !more ? `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}` : shown.join(", ") + more;
      return `changed ${list} on ${target(object, name)}`;
    }
    case "deleted":
      return `deleted ${target(object, name)}`;
    case "restored":
      return `restored ${target(object, name)}`;
    case "merged":
      return `merged a duplicate into ${target(object, name)}`;
    case "logged":
      return `logged ${target(object, name)}`;
    case "submitted":
      return `received a submission of ${target(object, name)}`;
    case "imported": {
      const counts = (details.counts ?? {}) as Record<string, number>;
      const what = details.object ? `${details.object === "company" ? "companies" : `${String(details.object)}s`}` : "records";
      return `imported ${what} from ${name ?? "a file"} (${counts.created ?? 0} created, ${counts.updated ?? 0} updated, ${counts.failed ?? 0} failed)`;
    }
    case "import_failed":
      return `started an import of ${name ?? "a file"} that failed${details.error ? `: ${readable(details.error)}` : ""}`;
    case "exported":
      return `exported ${details.rows === null || details.rows === undefined ? "" : `${details.rows} `}${details.object === "company" ? "companies" : `${String(details.object ?? "record")}s`} as ${String(details.format ?? "csv").toUpperCase()}`;
    case "signed_in":
      return "signed in";
    case "sign_in_failed":
      return `failed to sign in${details.reason ? ` (${String(details.reason)})` : ""}`;
  }
}

const eventActions: Record<string, AuditAction | undefined> = {
  created: "created",
  updated: "updated",
  deleted: "deleted",
  restored: "restored",
  merged: "merged",
  logged: "logged",
  submitted: "submitted",
  finished: "imported",
  failed: "import_failed",
};

/**
 * Events that repeat another one of the same change (deal.stage_changed beside deal.updated) or are not a change
 * by someone of this workspace (an inbound webhook's payload) make no entry.
 */
const skippedTypes = new Set(["deal.stage_changed", "task.completed", "inbound_hook.received"]);

/** Audit rows for a batch of events; records without a name in the event (deletions) take it from earlier entries. */
export async function auditRowsOf(tx: Db, events: Event[]): Promise<Row[]> {
  const wanted = events.filter((e) => !skippedTypes.has(e.type));
  if (wanted.length === 0) return [];
  const origins = await eventOrigins(tx, wanted);
  const rows: Row[] = [];
  const nameless: Row[] = [];
  for (const e of wanted) {
    const [object, verb] = e.type.split(".") as [string, string];
    const action = eventActions[verb];
    if (!action) continue;
    const origin = origins.get(e.id);
    const record = e.data.record;
    const details: Record<string, unknown> = {};
    if (object === "import" && record) {
      details.object = record.object;
      details.counts = record.counts;
      if (record.error) details.error = record.error;
    }
    const name = recordNameOf(record);
    const row: Row = {
      workspaceId: e.workspaceId,
      id: newId(),
      at: new Date(e.occurredAt),
      actorKind: e.actor.kind,
      actorId: e.actor.userId,
      apiKeyId: origin?.apiKeyId ?? null,
      action,
      object,
      objectId: e.recordId,
      recordName: name,
      summary: "",
      changes: e.data.changes,
      details,
      ip: origin?.ip ?? null,
      userAgent: origin?.userAgent ?? null,
      eventId: e.id,
    };
    if (!name) nameless.push(row);
    rows.push(row);
  }
  if (nameless.length) {
    const known = await queryRows<{ workspace_id: string; object_id: string; record_name: string }>(
      tx,
      sql`select distinct on (workspace_id, object_id) workspace_id, object_id, record_name from audit_log
          where (workspace_id, object_id) in (select * from unnest(${pgUuids(nameless.map((r) => r.workspaceId))}::uuid[], ${pgUuids(nameless.map((r) => r.objectId as string))}::uuid[]))
            and record_name is not null
          order by workspace_id, object_id, at desc`,
    );
    const byId = new Map(known.map((k) => [`${k.workspace_id}:${k.object_id}`, k.record_name]));
    // Within the batch too: a deal created and deleted in one batch.
    for (const r of rows) if (r.recordName) byId.set(`${r.workspaceId}:${r.objectId}`, r.recordName);
    for (const r of nameless) r.recordName = byId.get(`${r.workspaceId}:${r.objectId}`) ?? null;
  }
  for (const r of rows) r.summary = summarise(r.action as AuditAction, r.object, r.recordName ?? null, r.changes ?? [], r.details ?? {});
  return rows;
}

/**
 * The audit log's feed from the event stream: every change any write path publishes becomes an entry, in the
 * transaction that moves the cursor, once. Imports' per-record events are left out (a 300,000-row import would make
 * 300,000 entries); the import itself is one entry, from import.finished.
 */
export const auditConsumer: Consumer = {
  name: "audit",
  skipImports: true,
  batchSize: 500,
  async handle(tx, events) {
    const rows = await auditRowsOf(tx, events);
    // The event id is unique per workspace: a batch that runs again after a crash adds nothing twice.
    if (rows.length) await insertMany(tx, auditLog, rows, { onConflict: "doNothing" });
  },
};

/** Writes a security event (sign-in, export) directly: these change no record, so no event carries them. */
export async function writeAudit(
  db: Db,
  entry: {
    workspaceId: string;
    actor: Pick<Actor, "kind" | "userId" | "apiKeyId">;
    action: AuditAction;
    object: string;
    objectId?: string | null;
    recordName?: string | null;
    details?: Record<string, unknown>;
    origin?: RequestOrigin;
  },
): Promise<string> {
  const id = newId();
  const details = entry.details ?? {};
  await db.insert(auditLog).values({
    workspaceId: entry.workspaceId,
    id,
    actorKind: entry.actor.kind,
    actorId: entry.actor.userId,
    apiKeyId: entry.actor.apiKeyId ?? null,
    action: entry.action,
    object: entry.object,
    objectId: entry.objectId ?? null,
    recordName: entry.recordName ?? null,
    summary: summarise(entry.action, entry.object, entry.recordName ?? null, [], details),
    details,
    ip: entry.origin?.ip ?? null,
    userAgent: entry.origin?.userAgent ?? null,
  });
  return id;
}

/** An export: logged when it starts (so an aborted download is still on record), its row count once written. */
export async function auditExport(
  ctx: Ctx,
  input: { object: string; format: string; query: Record<string, unknown> },
): Promise<(rows: number | null, error?: string) => Promise<void>> {
  const filter = Object.fromEntries(Object.entries(input.query).filter(([k, v]) => k !== "format" && v !== undefined && v !== ""));
  const details = { object: input.object, format: input.format, filter, rows: null as number | null };
  const id = await writeAudit(ctx.db, {
    workspaceId: ctx.workspaceId,
    actor: ctx.actor,
    action: "exported",
    object: input.object,
    details,
    origin: ctx.origin,
  });
  return async (rows, error) => {
    const done = { ...details, rows, ...(error ? { error } : {}) };
    await ctx.db
      .update(auditLog)
      .set({ details: done, summary: summarise("exported", input.object, null, [], done) })
      .where(and(eq(auditLog.workspaceId, ctx.workspaceId), eq(auditLog.id, id)));
  };
}

/**
 * A sign-in, successful or not, in the workspace of each account it concerns. A failure for an email no account
 * has is written nowhere: a workspace's log never shows addresses that are not its own.
 */
export async function auditSignIn(
  db: Db,
  accounts: { workspaceId: string; userId: string; name?: string | null }[],
  outcome: { ok: boolean; reason?: string },
  origin: RequestOrigin,
): Promise<void> {
  for (const a of accounts) {
    await writeAudit(db, {
      workspaceId: a.workspaceId,
      actor: { kind: "user", userId: a.userId },
      action: outcome.ok ? "signed_in" : "sign_in_failed",
      object: "session",
      objectId: a.userId,
      recordName: a.name ?? null,
      details: outcome.reason ? { reason: outcome.reason } : {},
      origin,
    });
  }
}

// ---- reading ----

interface ListCursor {
  at: string;
  id: string;
}
const encode = (c: ListCursor) => Buffer.from(JSON.stringify([c.at, c.id])).toString("base64url");
function decode(raw: string): ListCursor {
  try {
    const [at, id] = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof at !== "string" || Number.isNaN(Date.parse(at)) || typeof id !== "string" || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error("bad");
    return { at, id };
  } catch {
    throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
  }
}

const list = (v: string | undefined) =>
  v
    ?.split(",")
    .map((x) => x.trim())
    .filter(Boolean) ?? [];

function whereOf(ctx: Ctx, q: Omit<AuditQuery, "limit" | "format">) {
  const a = auditLog;
  const objects = list(q.object);
  const actions = list(q.action);
  const cursor = q.cursor ? decode(q.cursor) : undefined;
  return and(
    eq(a.workspaceId, ctx.workspaceId),
    q.actorId ? eq(a.actorId, q.actorId) : undefined,
    objects.length ? inArray(a.object, objects) : undefined,
    actions.length ? inArray(a.action, actions) : undefined,
    q.objectId ? eq(a.objectId, q.objectId) : undefined,
    q.from ? gte(a.at, new Date(q.from)) : undefined,
    q.to ? lt(a.at, new Date(q.to)) : undefined,
    // Newest first; the cursor's time is the row's own text form, exact to the microsecond.
    cursor ? or(lt(a.at, sql`${cursor.at}::timestamptz`), and(eq(a.at, sql`${cursor.at}::timestamptz`), lt(a.id, cursor.id))) : undefined,
  );
}

type Stored = typeof auditLog.$inferSelect & { atText: string };

async function page(ctx: Ctx, q: Omit<AuditQuery, "format">): Promise<Stored[]> {
  const a = auditLog;
  const rows = await ctx.db
    .select({ row: a, atText: sql<string>`(${a.at})::text` })
    .from(a)
    .where(whereOf(ctx, q))
    .orderBy(desc(a.at), desc(a.id))
    .limit(q.limit);
  return rows.map((r) => ({ ...r.row, atText: r.atText }));
}

/** Names of the people and keys of some entries, looked up once per page. */
async function namesFor(ctx: Ctx, rows: Stored[]): Promise<{ users: Map<string, string>; keys: Map<string, string> }> {
  const users = await userNames(
    ctx,
    rows.map((r) => r.actorId).filter((x): x is string => Boolean(x)),
  );
  const keys = rows.some((r) => r.apiKeyId) ? new Map((await listApiKeys(ctx)).map((k) => [k.id, k.name])) : new Map<string, string>();
  return { users, keys };
}

function toEntry(r: Stored, names: { users: Map<string, string>; keys: Map<string, string> }): AuditEntry {
  const userName = r.actorId ? (names.users.get(r.actorId) ?? "A former user") : null;
  const actorName =
    r.actorKind === "api_key"
      ? `API key ${r.apiKeyId ? (names.keys.get(r.apiKeyId) ?? "(revoked)") : ""}`.trim()
      : r.actorKind === "workflow"
        ? "A workflow"
        : r.actorKind === "system"
          ? "Rapport"
          : (userName ?? "Someone");
  return {
    id: r.id,
    at: r.at.toISOString(),
    actor: { kind: r.actorKind as AuditEntry["actor"]["kind"], userId: r.actorId, apiKeyId: r.apiKeyId, name: actorName },
    action: r.action as AuditAction,
    object: r.object,
    objectLabel: auditObjectLabels[r.object] ?? fieldLabel(r.object),
    objectId: r.objectId,
    recordName: r.recordName,
    summary: `${actorName} ${r.summary}`,
    changes: (r.changes ?? []).map((c) => ({ field: c.field, label: fieldLabel(c.field), from: c.from ?? null, to: c.to ?? null })),
    details: r.details ?? {},
    ip: r.ip,
    userAgent: r.userAgent,
  };
}

export async function listAudit(ctx: Ctx, q: Omit<AuditQuery, "format">): Promise<{ data: AuditEntry[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "admin");
  const rows = await page(ctx, { ...q, limit: q.limit + 1 });
  const more = rows.length > q.limit;
  const shown = more ? rows.slice(0, q.limit) : rows;
  const names = await namesFor(ctx, shown);
  const last = shown.at(-1);
  return { data: shown.map((r) => toEntry(r, names)), nextCursor: more && last ? encode({ at: last.atText, id: last.id }) : null };
}

/** Every matching entry, a page at a time, for the CSV download: memory stays flat however long the log. */
export async function* auditPages(ctx: Ctx, q: Omit<AuditQuery, "format" | "limit" | "cursor">): AsyncGenerator<AuditEntry[]> {
  assertCan(ctx.actor, "admin");
  const size = 1000;
  let cursor: string | undefined;
  for (;;) {
    const rows = await page(ctx, { ...q, cursor, limit: size });
    if (rows.length === 0) return;
    const names = await namesFor(ctx, rows);
    yield rows.map((r) => toEntry(r, names));
    const last = rows.at(-1) as Stored;
    if (rows.length < size) return;
    cursor = encode({ at: last.atText, id: last.id });
  }
}

// ---- settings and retention ----

export async function readAuditSettings(ctx: Ctx): Promise<{ retentionDays: number }> {
  assertCan(ctx.actor, "admin");
  const [row] = await ctx.db.select().from(auditSettings).where(eq(auditSettings.workspaceId, ctx.workspaceId));
  return { retentionDays: row?.retentionDays ?? defaultAuditRetentionDays };
}

export async function updateAuditSettings(ctx: Ctx, input: { retentionDays: number }): Promise<{ retentionDays: number }> {
  assertCan(ctx.actor, "admin");
  const before = await readAuditSettings(ctx);
  await ctx.db.transaction(async (tx) => {
    await tx
      .insert(auditSettings)
      .values({ workspaceId: ctx.workspaceId, retentionDays: input.retentionDays })
      .onConflictDoUpdate({ target: auditSettings.workspaceId, set: { retentionDays: input.retentionDays, updatedAt: new Date() } });
    if (before.retentionDays !== input.retentionDays) {
      // The log's own setting is recorded in the log: shortening it is what someone covering their tracks would do.
      const changes = [{ field: "retentionDays", from: before.retentionDays, to: input.retentionDays }];
      await tx.insert(auditLog).values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        actorKind: ctx.actor.kind,
        actorId: ctx.actor.userId,
        apiKeyId: ctx.actor.apiKeyId ?? null,
        action: "updated",
        object: "audit_settings",
        summary: summarise("updated", "audit_settings", null, changes),
        changes,
        ip: ctx.origin?.ip ?? null,
        userAgent: ctx.origin?.userAgent ?? null,
      });
    }
  });
  return { retentionDays: input.retentionDays };
}

/** Deletes entries and key-use counters older than each workspace's retention period. */
export async function pruneAudit(db: Db, now: Date): Promise<{ entries: number; keyUseDays: number }> {
  const at = now.toISOString();
  const [entries] = await queryRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from audit_log a where a.at < ${at}::timestamptz - make_interval(days => coalesce(
            (select s.retention_days from audit_settings s where s.workspace_id = a.workspace_id), ${defaultAuditRetentionDays}))
          returning 1)
        select count(*)::int as n from gone`,
  );
  const [days] = await queryRows<{ n: number }>(
    db,
    sql`with gone as (
          delete from api_key_usage u where u.day < (${at}::timestamptz - make_interval(days => coalesce(
            (select s.retention_days from audit_settings s where s.workspace_id = u.workspace_id), ${defaultAuditRetentionDays})))::date
          returning 1)
        select count(*)::int as n from gone`,
  );
  return { entries: entries?.n ?? 0, keyUseDays: days?.n ?? 0 };
}

// ---- API key use ----

export async function keyUsage(ctx: Ctx, q: { from?: string; to?: string }): Promise<{ apiKeyId: string; name: string; day: string; requests: number }[]> {
  assertCan(ctx.actor, "admin");
  // This process's counts of the last seconds are part of the answer.
  await flushKeyUse(ctx.db);
  const today = new Date().toISOString().slice(0, 10);
  const from = q.from ?? new Date(Date.now() - 30 * 86_400_000).toISOString().slice(0, 10);
  const u = apiKeyUsage;
  const rows = await ctx.db
    .select()
    .from(u)
    .where(and(eq(u.workspaceId, ctx.workspaceId), gte(u.day, from), sql`${u.day} <= ${q.to ?? today}::date`))
    .orderBy(desc(u.day), u.apiKeyId);
  const names = new Map((await listApiKeys(ctx)).map((k) => [k.id, k.name]));
  return rows.map((r) => ({ apiKeyId: r.apiKeyId, name: names.get(r.apiKeyId) ?? "(deleted key)", day: r.day, requests: Number(r.requests) }));
}
