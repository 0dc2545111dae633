import { and, eq } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { activities } from "./table.js";

/**
 * Merges: every activity of the losing contact or company (deleted ones too, so nothing is lost if they
 * are restored) now belongs to the survivor. Runs in the caller's transaction (ctx.db).
 */
export async function reassignActivities(ctx: Ctx, object: "contact" | "company", fromId: string, toId: string): Promise<number> {
  const column = object === "contact" ? activities.contactId : activities.companyId;
  const moved = await ctx.db
    .update(activities)
    .set(object === "contact" ? { contactId: toId } : { companyId: toId })
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(column, fromId)))
    .returning({ id: activities.id });
  return moved.length;
}
