import { and, eq, inArray } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { diff, recordChanges } from "../history/service.js";
import { dealContacts, deals } from "./table.js";

/** Each moved deal changed: its history and deal.updated event say from which record to which, in the merge's transaction. */
async function recordMoves(ctx: Ctx, dealIds: string[], field: "companyId" | "contactId", fromId: string, toId: string): Promise<void> {
  await recordChanges(
    ctx.db,
    ctx,
    [...new Set(dealIds)].map((id) => ({
      object: "deal" as const,
      recordId: id,
      action: "update" as const,
      changes: diff({ [field]: fromId }, { [field]: toId }, [field]),
      payload: { id, [field]: toId, reason: "merge" },
    })),
  );
}

/**
 * Merges: the losing company's deals (trashed ones too) now belong to the survivor; the losing contact's
 * places on deals go to the survivor, keeping the survivor's own role where both were on one deal.
 * Runs in the caller's transaction (ctx.db).
 */
export async function reassignDeals(ctx: Ctx, object: "contact" | "company", fromId: string, toId: string): Promise<number> {
  if (object === "company") {
    const moved = await ctx.db
      .update(deals)
      .set({ companyId: toId, updatedAt: new Date() })
      .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.companyId, fromId)))
      .returning({ id: deals.id });
    await recordMoves(
      ctx,
      moved.map((m) => m.id),
      "companyId",
      fromId,
      toId,
    );
    return moved.length;
  }
  const dc = dealContacts;
  const both = ctx.db
    .select({ id: dc.dealId })
    .from(dc)
    .where(and(eq(dc.workspaceId, ctx.workspaceId), eq(dc.contactId, toId)));
  const dropped = await ctx.db
    .delete(dc)
    .where(and(eq(dc.workspaceId, ctx.workspaceId), eq(dc.contactId, fromId), inArray(dc.dealId, both)))
    .returning({ id: dc.dealId });
  const moved = await ctx.db
    .update(dc)
    .set({ contactId: toId })
    .where(and(eq(dc.workspaceId, ctx.workspaceId), eq(dc.contactId, fromId)))
    .returning({ id: dc.dealId });
  // A deal both were on lost the loser: its contacts changed too.
  await recordMoves(
    ctx,
    [...moved, ...dropped].map((m) => m.id),
    "contactId",
    fromId,
    toId,
  );
  return moved.length;
}
