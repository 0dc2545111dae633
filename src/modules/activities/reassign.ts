import { and, eq, inArray } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { diff, recordChanges } from "../history/service.js";
import { activities, activityAttendees } from "./table.js";

/**
 * Merges: every activity of the losing contact or company (deleted ones too, so nothing is lost if they
 * are restored) now belongs to the survivor, and so do the meetings the loser attended. Runs in the
 * caller's transaction (ctx.db).
 */
export async function reassignActivities(ctx: Ctx, object: "contact" | "company", fromId: string, toId: string): Promise<number> {
  const column = object === "contact" ? activities.contactId : activities.companyId;
  const moved = await ctx.db
    .update(activities)
    .set(object === "contact" ? { contactId: toId } : { companyId: toId })
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(column, fromId)))
    .returning({ id: activities.id });
  const a = activityAttendees;
  const touched = moved.map((m) => m.id);
  if (object === "contact") {
    // A meeting both attended keeps one attendee row: the survivor's.
    const both = ctx.db
      .select({ id: a.activityId })
      .from(a)
      .where(and(eq(a.workspaceId, ctx.workspaceId), eq(a.attendeeId, toId)));
    const dropped = await ctx.db
      .delete(a)
      .where(and(eq(a.workspaceId, ctx.workspaceId), eq(a.attendeeId, fromId), inArray(a.activityId, both)))
      .returning({ id: a.activityId });
    const attended = await ctx.db
      .update(a)
      .set({ attendeeId: toId })
      .where(and(eq(a.workspaceId, ctx.workspaceId), eq(a.attendeeId, fromId)))
      .returning({ id: a.activityId });
    touched.push(...dropped.map((r) => r.id), ...attended.map((r) => r.id));
  } else {
    const attended = await ctx.db
      .update(a)
      .set({ companyId: toId })
      .where(and(eq(a.workspaceId, ctx.workspaceId), eq(a.companyId, fromId)))
      .returning({ id: a.activityId });
    touched.push(...attended.map((r) => r.id));
  }
  // Each activity now filed on (or attended by) the survivor changed: one activity.updated each, in the merge's transaction.
  const field = object === "contact" ? "contactId" : "companyId";
  await recordChanges(
    ctx.db,
    ctx,
    [...new Set(touched)].map((id) => ({
      object: "activity" as const,
      recordId: id,
      action: "update" as const,
      changes: diff({ [field]: fromId }, { [field]: toId }, [field]),
      payload: { id, [field]: toId, reason: "merge" },
    })),
  );
  return moved.length;
}
