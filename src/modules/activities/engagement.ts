import { and, eq, gte, inArray, isNull } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { activities } from "./table.js";

// Apart from service.ts, which looks up contacts, companies and deals: lead scoring reads this, and the contacts
// module scores with it, so it may import only this module's own table.
type Row = typeof activities.$inferSelect;

/** Live interactions of some contacts since a time, oldest details dropped: what engagement scoring counts. */
export async function engagementActivities(
  ctx: Ctx,
  contactIds: string[],
  types: Row["type"][],
  since: Date | null,
): Promise<{ contactId: string; type: Row["type"]; at: Date }[]> {
  if (contactIds.length === 0 || types.length === 0) return [];
  const rows = await ctx.db
    .select({ contactId: activities.contactId, type: activities.type, at: activities.occurredAt })
    .from(activities)
    .where(
      and(
        eq(activities.workspaceId, ctx.workspaceId),
        inArray(activities.contactId, contactIds),
        inArray(activities.type, types),
        isNull(activities.deletedAt),
        since ? gte(activities.occurredAt, since) : undefined,
      ),
    );
  return rows.filter((r): r is { contactId: string; type: Row["type"]; at: Date } => r.contactId !== null);
}
