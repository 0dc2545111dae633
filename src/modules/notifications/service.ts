import { and, count, desc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import type { Notification, NotificationKind } from "../../contract/notifications.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { notificationPreferences, notifications } from "./table.js";

type Row = typeof notifications.$inferSelect;

const toNotification = (r: Row): Notification => ({
  id: r.id,
  kind: r.kind,
  title: r.title,
  body: r.body,
  object: r.object,
  recordId: r.recordId,
  readAt: r.readAt?.toISOString() ?? null,
  createdAt: r.createdAt.toISOString(),
});

export interface NewNotification {
  userId: string;
  kind: NotificationKind;
  title: string;
  body?: string | null;
  object?: string | null;
  recordId?: string | null;
}

/** Queues in-app notifications; runs in the caller's transaction (ctx.db). */
export async function notify(ctx: Pick<Ctx, "db" | "workspaceId">, ...items: NewNotification[]): Promise<void> {
  if (items.length === 0) return;
  const now = new Date();
  await ctx.db.insert(notifications).values(
    items.map((n) => ({
      workspaceId: ctx.workspaceId,
      id: newId(),
      userId: n.userId,
      kind: n.kind,
      title: n.title.slice(0, 500),
      body: n.body ?? null,
      object: n.object ?? null,
      recordId: n.recordId ?? null,
      createdAt: now,
    })),
  );
}

function me(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "Notifications belong to users; this API key has no user.");
  return ctx.actor.userId;
}

export async function unreadCount(ctx: Ctx): Promise<number> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.workspaceId, ctx.workspaceId), eq(notifications.userId, me(ctx)), isNull(notifications.readAt)));
  return Number(row?.n ?? 0);
}

export async function listNotifications(
  ctx: Ctx,
  q: { limit: number; cursor?: string; unread?: "true" | "false" },
): Promise<{ data: Notification[]; nextCursor: string | null; unreadCount: number }> {
  assertCan(ctx.actor, "read");
  let before: { at: Date; id: string } | undefined;
  if (q.cursor) {
    const [at, id] = Buffer.from(q.cursor, "base64url").toString("utf8").split("|");
    if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id))
      throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
    before = { at: new Date(at), id };
  }
  const n = notifications;
  const rows = await ctx.db
    .select()
    .from(n)
    .where(
      and(
        eq(n.workspaceId, ctx.workspaceId),
        eq(n.userId, me(ctx)),
        q.unread === "true" ? isNull(n.readAt) : undefined,
        before ? or(lt(n.createdAt, before.at), and(eq(n.createdAt, before.at), lt(n.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(n.createdAt), desc(n.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toNotification),
    nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString("base64url") : null,
    unreadCount: await unreadCount(ctx),
  };
}

/** Marks some (or all) of the caller's notifications read; others' ids are ignored, never touched. */
export async function markRead(ctx: Ctx, input: { ids?: string[]; all?: true }): Promise<number> {
  assertCan(ctx.actor, "read");
  if (!input.ids?.length && !input.all)
    throw new AppError("validation_failed", "ids: give ids or all: true", [{ path: "ids", message: "Give ids or all: true" }]);
  const n = notifications;
  const done = await ctx.db
    .update(n)
    .set({ readAt: new Date() })
    .where(and(eq(n.workspaceId, ctx.workspaceId), eq(n.userId, me(ctx)), isNull(n.readAt), input.all ? undefined : inArray(n.id, input.ids ?? [])))
    .returning({ id: n.id });
  return done.length;
}

export async function getPreferences(ctx: Ctx): Promise<{ emailReminders: boolean }> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db
    .select()
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.workspaceId, ctx.workspaceId), eq(notificationPreferences.userId, me(ctx))));
  return { emailReminders: row?.emailReminders ?? false };
}

/** Choosing how one is notified is personal, so read-only users may change it too. */
export async function setPreferences(ctx: Ctx, input: { emailReminders: boolean }): Promise<{ emailReminders: boolean }> {
  assertCan(ctx.actor, "read");
  const now = new Date();
  await ctx.db
    .insert(notificationPreferences)
    .values({ workspaceId: ctx.workspaceId, userId: me(ctx), emailReminders: input.emailReminders, updatedAt: now })
    .onConflictDoUpdate({
      target: [notificationPreferences.workspaceId, notificationPreferences.userId],
      set: { emailReminders: input.emailReminders, updatedAt: now },
    });
  return getPreferences(ctx);
}

/** Users (of any workspace) who asked for reminder emails, for the reminder worker. */
export async function emailReminderUsers(ctx: Pick<Ctx, "db">, refs: { workspaceId: string; userId: string }[]): Promise<Set<string>> {
  if (refs.length === 0) return new Set();
  const p = notificationPreferences;
  const rows = await ctx.db
    .select({ workspaceId: p.workspaceId, userId: p.userId })
    .from(p)
    .where(and(inArray(p.userId, [...new Set(refs.map((r) => r.userId))]), eq(p.emailReminders, true)));
  return new Set(rows.map((r) => `${r.workspaceId}|${r.userId}`));
}
