import { and, eq } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { formSubmissions } from "./table.js";

/** Merges: the losing contact's form submissions (engagement that scoring counts) now belong to the survivor. */
export async function reassignFormSubmissions(ctx: Ctx, fromId: string, toId: string): Promise<number> {
  const moved = await ctx.db
    .update(formSubmissions)
    .set({ contactId: toId })
    .where(and(eq(formSubmissions.workspaceId, ctx.workspaceId), eq(formSubmissions.contactId, fromId)))
    .returning({ id: formSubmissions.id });
  return moved.length;
}
