import { and, asc, eq, or } from "drizzle-orm";
import type { z } from "zod";
import type { Condition } from "../../contract/conditions.js";
import type { CreateViewBody, SavedView, UpdateViewBody } from "../../contract/views.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { savedViews } from "./table.js";

type Row = typeof savedViews.$inferSelect;

const toView = (r: Row): SavedView => ({
  id: r.id,
  object: r.object,
  name: r.name,
  shared: r.shared,
  ownerId: r.ownerId,
  state: r.state,
  createdAt: r.createdAt.toISOString(),
});

function requireUser(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "Saved views belong to a user; sign in to use them.");
  return ctx.actor.userId;
}

/**
 * A user may keep private views whatever their role (saving a filter is reading), but an API key acts for its
 * creator only within its own role: a read-only key changes none of its creator's views.
 */
function assertMayChangeViews(ctx: Ctx): void {
  if (ctx.actor.kind === "api_key") assertCan(ctx.actor, "write");
}

/** Mine and those others shared. */
export async function listViews(ctx: Ctx, object?: "company" | "contact"): Promise<SavedView[]> {
  assertCan(ctx.actor, "read");
  const me = requireUser(ctx);
  const rows = await ctx.db
    .select()
    .from(savedViews)
    .where(
      and(
        eq(savedViews.workspaceId, ctx.workspaceId),
        object ? eq(savedViews.object, object) : undefined,
        or(eq(savedViews.ownerId, me), eq(savedViews.shared, true)),
      ),
    )
    .orderBy(asc(savedViews.name));
  return rows.map(toView);
}

export async function createView(ctx: Ctx, input: z.infer<typeof CreateViewBody>): Promise<SavedView> {
  assertCan(ctx.actor, "read");
  assertMayChangeViews(ctx);
  const me = requireUser(ctx);
  // Sharing puts the view in front of everyone: that takes a role that can write.
  if (input.shared) assertCan(ctx.actor, "write");
  const now = new Date();
  const [row] = await ctx.db
    .insert(savedViews)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      object: input.object,
      name: input.name,
      shared: input.shared,
      ownerId: me,
      state: input.state,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toView(row as Row);
}

async function ownView(ctx: Ctx, id: string): Promise<Row> {
  assertMayChangeViews(ctx);
  const me = requireUser(ctx);
  const [row] = await ctx.db
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.workspaceId, ctx.workspaceId), eq(savedViews.id, id)));
  if (!row || (!row.shared && row.ownerId !== me)) throw notFound("View");
  if (row.ownerId !== me && ctx.actor.role !== "admin") throw new AppError("forbidden", "Only the view's owner or an admin can change it.");
  return row;
}

export async function updateView(ctx: Ctx, id: string, input: z.infer<typeof UpdateViewBody>): Promise<SavedView> {
  await ownView(ctx, id);
  if (input.shared) assertCan(ctx.actor, "write");
  const [row] = await ctx.db
    .update(savedViews)
    .set({ ...input, updatedAt: new Date() })
    .where(and(eq(savedViews.workspaceId, ctx.workspaceId), eq(savedViews.id, id)))
    .returning();
  return toView(row as Row);
}

export async function deleteView(ctx: Ctx, id: string): Promise<void> {
  await ownView(ctx, id);
  await ctx.db.delete(savedViews).where(and(eq(savedViews.workspaceId, ctx.workspaceId), eq(savedViews.id, id)));
}

/**
 * A view's object and its filters as one condition (all must match), for work that runs over a view's records
 * without a user at the screen (a scheduled workflow). Null when the view is gone. The view's search text is a list
 * convenience and is not part of it.
 */
export async function viewCondition(ctx: Ctx, id: string): Promise<{ object: "company" | "contact"; name: string; condition: Condition } | null> {
  const [row] = await ctx.db
    .select({ object: savedViews.object, name: savedViews.name, state: savedViews.state })
    .from(savedViews)
    .where(and(eq(savedViews.workspaceId, ctx.workspaceId), eq(savedViews.id, id)));
  if (!row) return null;
  return { object: row.object, name: row.name, condition: { all: row.state.filters ?? [] } };
}
