import { and, asc, eq, gt, ilike, isNull, or, type SQL } from "drizzle-orm";
import type {
  CannedListQuery,
  CannedReply,
  CannedScope,
  CreateCannedReplyBody,
  CreateMacroBody,
  Macro,
  MacroChanges,
  UpdateCannedReplyBody,
  UpdateMacroBody,
} from "../../contract/canned-replies.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { checkTemplate, render } from "../../core/liquid.js";
import { assertCan } from "../../core/roles.js";
import { existingQueueIds } from "../tickets/routing.js";
import { ticketStatuses } from "../tickets/service.js";
import { assertUsersExist, userNames } from "../users/service.js";
import { cannedReplies, macros } from "./table.js";

type ReplyRow = typeof cannedReplies.$inferSelect;
type MacroRow = typeof macros.$inferSelect;

function me(ctx: Ctx): string {
  // Personal replies and macros belong to a person; an API key acts as the user who made it.
  if (!ctx.actor.userId) throw new AppError("forbidden", "Canned replies belong to a user; sign in or use a user's API key.");
  return ctx.actor.userId;
}

/** Shared replies speak for the whole team, so only those who manage the workspace's settings change them. */
const mayManageShared = (ctx: Ctx) => accessOf(ctx.actor).manageSettings;
const mayEdit = (ctx: Ctx, row: { scope: CannedScope; ownerId: string | null }) =>
  row.scope === "shared" ? mayManageShared(ctx) : row.ownerId !== null && row.ownerId === ctx.actor.userId;

function assertScope(ctx: Ctx, scope: CannedScope) {
  if (scope === "shared" && !mayManageShared(ctx))
    throw new AppError("forbidden", "Only admins can share canned replies and macros with the team; keep it personal instead.");
}

/** A template's syntax error as a field error with its line and column (the editor points at it). */
function assertTemplate(body: string) {
  const err = checkTemplate(body);
  if (!err) return;
  const where = err.line ? ` at line ${err.line}, column ${err.column}` : "";
  throw new AppError("validation_failed", `body: template error${where}: ${err.message}`, [
    { path: "body", message: `Template error${where}: ${err.message}` },
  ]);
}

const visibleTo = (ctx: Ctx, table: typeof cannedReplies | typeof macros): SQL => or(eq(table.scope, "shared"), eq(table.ownerId, me(ctx))) as SQL;

async function toReplies(ctx: Ctx, rows: ReplyRow[]): Promise<CannedReply[]> {
  const names = await userNames(
    ctx,
    rows.flatMap((r) => (r.ownerId ? [r.ownerId] : [])),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    body: r.body,
    scope: r.scope,
    queueId: r.queueId,
    ownerId: r.ownerId,
    ownerName: r.ownerId ? (names.get(r.ownerId) ?? null) : null,
    mayEdit: mayEdit(ctx, r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

async function replyRow(ctx: Ctx, id: string): Promise<ReplyRow> {
  const [row] = await ctx.db
    .select()
    .from(cannedReplies)
    .where(and(eq(cannedReplies.workspaceId, ctx.workspaceId), eq(cannedReplies.id, id), visibleTo(ctx, cannedReplies)));
  if (!row) throw notFound("Canned reply");
  return row;
}

export async function getCannedReply(ctx: Ctx, id: string): Promise<CannedReply> {
  assertCan(ctx.actor, "read");
  const [reply] = await toReplies(ctx, [await replyRow(ctx, id)]);
  return reply as CannedReply;
}

export async function createCannedReply(ctx: Ctx, input: CreateCannedReplyBody): Promise<CannedReply> {
  assertCan(ctx.actor, "write");
  const scope = input.scope ?? "personal";
  assertScope(ctx, scope);
  assertTemplate(input.body);
  const id = newId();
  await ctx.db.insert(cannedReplies).values({
    workspaceId: ctx.workspaceId,
    id,
    name: input.name,
    body: input.body,
    scope,
    queueId: scope === "shared" ? (input.queueId ?? null) : null,
    ownerId: me(ctx),
  });
  return getCannedReply(ctx, id);
}

export async function updateCannedReply(ctx: Ctx, id: string, input: UpdateCannedReplyBody): Promise<CannedReply> {
  assertCan(ctx.actor, "write");
  const row = await replyRow(ctx, id);
  if (!mayEdit(ctx, row)) throw new AppError("forbidden", "Only admins change shared canned replies; only its author a personal one.");
  const scope = input.scope ?? row.scope;
  if (scope !== row.scope) assertScope(ctx, scope);
  if (input.body !== undefined) assertTemplate(input.body);
  const set: Partial<ReplyRow> = { updatedAt: new Date(), scope };
  if (input.name !== undefined) set.name = input.name;
  if (input.body !== undefined) set.body = input.body;
  if (input.queueId !== undefined) set.queueId = input.queueId;
  if (scope === "personal") set.queueId = null;
  await ctx.db
    .update(cannedReplies)
    .set(set)
    .where(and(eq(cannedReplies.workspaceId, ctx.workspaceId), eq(cannedReplies.id, id)));
  return getCannedReply(ctx, id);
}

export async function deleteCannedReply(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const row = await replyRow(ctx, id);
  if (!mayEdit(ctx, row)) throw new AppError("forbidden", "Only admins delete shared canned replies; only its author a personal one.");
  await ctx.db.delete(cannedReplies).where(and(eq(cannedReplies.workspaceId, ctx.workspaceId), eq(cannedReplies.id, id)));
}

const encode = (name: string, id: string) => Buffer.from(JSON.stringify([name, id])).toString("base64url");
function decode(raw: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof name === "string" && typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id)) return { name, id };
  } catch {
    // fall through to the field error
  }
  throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
}

/** The caller's personal replies and the shared ones, by name, keyset-paginated. */
export async function listCannedReplies(ctx: Ctx, q: CannedListQuery): Promise<{ data: CannedReply[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const after = q.cursor ? decode(q.cursor) : undefined;
  const words = q.q?.trim();
  const pattern = words ? `%${words.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const rows = await ctx.db
    .select()
    .from(cannedReplies)
    .where(
      and(
        eq(cannedReplies.workspaceId, ctx.workspaceId),
        visibleTo(ctx, cannedReplies),
        q.queueId ? or(isNull(cannedReplies.queueId), eq(cannedReplies.queueId, q.queueId)) : undefined,
        pattern ? or(ilike(cannedReplies.name, pattern), ilike(cannedReplies.body, pattern)) : undefined,
        after ? or(gt(cannedReplies.name, after.name), and(eq(cannedReplies.name, after.name), gt(cannedReplies.id, after.id))) : undefined,
      ),
    )
    .orderBy(asc(cannedReplies.name), asc(cannedReplies.id))
    .limit(q.limit + 1);
  const more = rows.length > q.limit;
  const slice = rows.slice(0, q.limit);
  const last = slice[slice.length - 1];
  return { data: await toReplies(ctx, slice), nextCursor: more && last ? encode(last.name, last.id) : null };
}

/** The values a canned reply's merge fields read (src/contract/canned-replies.ts cannedMergeFields). */
export interface MergeData {
  ticket: { number: number | null; subject: string };
  contact: { first_name: string; last_name: string; name: string; email: string };
  company: { name: string };
  agent: { name: string; first_name: string };
  workspace: { name: string };
}

/**
 * Renders a template with the merge data. A field with no value renders empty; a template that fails at render time
 * (a filter given the wrong kind of value) is reported like a syntax error rather than as a server error.
 */
export async function renderTemplate(body: string, data: MergeData): Promise<string> {
  assertTemplate(body);
  try {
    return await render(body, data as unknown as Record<string, unknown>);
  } catch (err) {
    throw new AppError("validation_failed", `body: template error: ${(err as Error).message}`, [{ path: "body", message: (err as Error).message }]);
  }
}

// ---- macros ----

async function macroRow(ctx: Ctx, id: string): Promise<MacroRow> {
  const [row] = await ctx.db
    .select()
    .from(macros)
    .where(and(eq(macros.workspaceId, ctx.workspaceId), eq(macros.id, id), visibleTo(ctx, macros)));
  if (!row) throw notFound("Macro");
  return row;
}

async function toMacros(ctx: Ctx, rows: MacroRow[]): Promise<Macro[]> {
  const replyIds = [...new Set(rows.flatMap((r) => (r.cannedReplyId ? [r.cannedReplyId] : [])))];
  const names = new Map<string, string>();
  for (const id of replyIds) {
    const [row] = await ctx.db
      .select({ name: cannedReplies.name })
      .from(cannedReplies)
      .where(and(eq(cannedReplies.workspaceId, ctx.workspaceId), eq(cannedReplies.id, id)));
    if (row) names.set(id, row.name);
  }
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    cannedReplyId: r.cannedReplyId,
    cannedReplyName: r.cannedReplyId ? (names.get(r.cannedReplyId) ?? null) : null,
    replyKind: r.replyKind,
    changes: r.changes,
    scope: r.scope,
    ownerId: r.ownerId,
    mayEdit: mayEdit(ctx, r),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

/** A macro may only name a reply everyone who sees the macro also sees: a shared macro, a shared reply. */
async function assertReplyUsable(ctx: Ctx, replyId: string | null | undefined, scope: CannedScope) {
  if (!replyId) return;
  const row = await replyRow(ctx, replyId).catch(() => {
    throw new AppError("invalid_reference", "cannedReplyId: no such canned reply", [{ path: "cannedReplyId", message: "No such canned reply" }]);
  });
  if (scope === "shared" && row.scope !== "shared")
    throw new AppError("validation_failed", "cannedReplyId: a shared macro needs a shared reply", [
      { path: "cannedReplyId", message: "A shared macro needs a shared reply" },
    ]);
}

/** The status, person and queue a macro names must exist in this workspace (a typo or another workspace's id is refused). */
async function assertChanges(ctx: Ctx, changes: MacroChanges | undefined) {
  if (!changes) return;
  if (changes.status && !(await ticketStatuses(ctx)).some((s) => s.key === changes.status))
    throw new AppError("validation_failed", "changes.status: no such ticket status", [{ path: "changes.status", message: "No such status" }]);
  if (changes.assigneeId && changes.assigneeId !== "me" && changes.assigneeId !== "none")
    await assertUsersExist(ctx, [changes.assigneeId], "changes.assigneeId");
  if (changes.queueId && changes.queueId !== "none" && !(await existingQueueIds(ctx.db, ctx.workspaceId, [changes.queueId])).has(changes.queueId))
    throw new AppError("invalid_reference", "changes.queueId: no such queue", [{ path: "changes.queueId", message: "No such queue" }]);
}

export async function getMacro(ctx: Ctx, id: string): Promise<Macro> {
  assertCan(ctx.actor, "read");
  const [macro] = await toMacros(ctx, [await macroRow(ctx, id)]);
  return macro as Macro;
}

export async function listMacros(ctx: Ctx): Promise<Macro[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(macros)
    .where(and(eq(macros.workspaceId, ctx.workspaceId), visibleTo(ctx, macros)))
    .orderBy(asc(macros.name), asc(macros.id))
    .limit(500);
  return toMacros(ctx, rows);
}

export async function createMacro(ctx: Ctx, input: CreateMacroBody): Promise<Macro> {
  assertCan(ctx.actor, "write");
  const scope = input.scope ?? "personal";
  assertScope(ctx, scope);
  await assertReplyUsable(ctx, input.cannedReplyId, scope);
  await assertChanges(ctx, input.changes);
  const id = newId();
  await ctx.db.insert(macros).values({
    workspaceId: ctx.workspaceId,
    id,
    name: input.name,
    cannedReplyId: input.cannedReplyId ?? null,
    replyKind: input.replyKind ?? "reply",
    changes: input.changes ?? {},
    scope,
    ownerId: me(ctx),
  });
  return getMacro(ctx, id);
}

export async function updateMacro(ctx: Ctx, id: string, input: UpdateMacroBody): Promise<Macro> {
  assertCan(ctx.actor, "write");
  const row = await macroRow(ctx, id);
  if (!mayEdit(ctx, row)) throw new AppError("forbidden", "Only admins change shared macros; only its author a personal one.");
  const scope = input.scope ?? row.scope;
  if (scope !== row.scope) assertScope(ctx, scope);
  const replyId = input.cannedReplyId === undefined ? row.cannedReplyId : input.cannedReplyId;
  await assertReplyUsable(ctx, replyId, scope);
  await assertChanges(ctx, input.changes);
  const set: Partial<MacroRow> = { updatedAt: new Date(), scope, cannedReplyId: replyId };
  if (input.name !== undefined) set.name = input.name;
  if (input.replyKind !== undefined) set.replyKind = input.replyKind;
  if (input.changes !== undefined) set.changes = input.changes;
  await ctx.db
    .update(macros)
    .set(set)
    .where(and(eq(macros.workspaceId, ctx.workspaceId), eq(macros.id, id)));
  return getMacro(ctx, id);
}

export async function deleteMacro(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const row = await macroRow(ctx, id);
  if (!mayEdit(ctx, row)) throw new AppError("forbidden", "Only admins delete shared macros; only its author a personal one.");
  await ctx.db.delete(macros).where(and(eq(macros.workspaceId, ctx.workspaceId), eq(macros.id, id)));
}

/** The stored macro with its reply's body, for applying it (src/modules/canned-replies/apply.ts). */
export async function macroForApply(ctx: Ctx, id: string): Promise<{ macro: Macro; replyBody: string | null }> {
  const macro = await getMacro(ctx, id);
  const replyBody = macro.cannedReplyId ? ((await replyRow(ctx, macro.cannedReplyId).catch(() => null))?.body ?? null) : null;
  return { macro, replyBody };
}

/** Tags after a macro's additions and removals, in their first order, without repeats. */
export function changedTags(tags: readonly string[], add: readonly string[] = [], remove: readonly string[] = []): string[] {
  const gone = new Set(remove.map((t) => t.toLowerCase()));
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of [...tags, ...add]) {
    const key = t.toLowerCase();
    if (gone.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(t);
  }
  return out;
}
