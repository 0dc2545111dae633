/**
 * The deals module's small public surface for other modules that deals itself depends on (tasks link to deals, and
 * deals create and close tasks): reads of this module's own table only, so importing it never closes a cycle.
 */
import { and, eq, inArray } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { deals } from "./table.js";

/** Display names of deals by id (tasks, timelines); ids outside the workspace are absent. */
export async function dealNames(ctx: Ctx, ids: string[]): Promise<Map<string, string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: deals.id, name: deals.name })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), inArray(deals.id, unique)));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** Whether a deal exists in this workspace, and if so whether it is in the trash; null when it does not exist. */
export async function dealPresence(ctx: Ctx, id: string): Promise<{ id: string; ownerId: string | null; deletedAt: Date | null } | null> {
  const [row] = await ctx.db
    .select({ id: deals.id, ownerId: deals.ownerId, deletedAt: deals.deletedAt })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.id, id)));
  return row ?? null;
}
