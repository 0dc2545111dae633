import { and, eq } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { notFound } from "../../core/errors.js";
import { type FieldChange, type HistoryAction, recordHistory } from "./table.js";

/** Merges: the loser's history rows move to the survivor, so its timeline tells the whole story. */
export async function reassignHistory(ctx: Ctx, object: string, fromId: string, toId: string): Promise<number> {
  const moved = await ctx.db
    .update(recordHistory)
    .set({ recordId: toId })
    .where(and(eq(recordHistory.workspaceId, ctx.workspaceId), eq(recordHistory.object, object), eq(recordHistory.recordId, fromId)))
    .returning({ id: recordHistory.id });
  return moved.length;
}

export interface HistoryEntry {
  id: string;
  object: string;
  recordId: string;
  action: HistoryAction;
  changes: FieldChange[];
}

export async function getHistoryEntry(ctx: Ctx, id: string): Promise<HistoryEntry> {
  const [row] = await ctx.db
    .select({
      id: recordHistory.id,
      object: recordHistory.object,
      recordId: recordHistory.recordId,
      action: recordHistory.action,
      changes: recordHistory.changes,
    })
    .from(recordHistory)
    .where(and(eq(recordHistory.workspaceId, ctx.workspaceId), eq(recordHistory.id, id)));
  if (!row) throw notFound("History entry");
  return row;
}
