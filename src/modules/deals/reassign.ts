import { and, eq, inArray } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { dealContacts, deals } from "./table.js";

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
    return moved.length;
  }
  const dc = dealContacts;
  const both = ctx.db
    .select({ id: dc.dealId })
    .from(dc)
    .where(and(eq(dc.workspaceId, ctx.workspaceId), eq(dc.contactId, toId)));
  await ctx.db.delete(dc).where(and(eq(dc.workspaceId, ctx.workspaceId), eq(dc.contactId, fromId), inArray(dc.dealId, both)));
  const moved = await ctx.db
    .update(dc)
    .set({ contactId: toId })
    .where(and(eq(dc.workspaceId, ctx.workspaceId), eq(dc.contactId, fromId)))
    .returning({ id: dc.dealId });
  return moved.length;
}
