import { type SQL, sql } from "drizzle-orm";
import { type RecordAction, scopeOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { assertAccess, mayAccess, visibleWhere } from "../../db/visibility.js";

/**
 * Who reaches a ticket. The role's rule works on the assignee as the ticket's owner ("own": assigned to me, "all":
 * every ticket), and for tickets "team" also means *my queues*: a ticket assigned to a teammate, sitting in a queue
 * I am a member of, or in no queue at all (a workspace without queues is one shared queue). That is how the support
 * role works the tickets of its queues and not the rest.
 */
export function ticketVisibleWhere(
  ctx: Ctx,
  action: RecordAction,
  cols: { assignee: SQL | Parameters<typeof visibleWhere>[3]; queue: SQL | Parameters<typeof visibleWhere>[3] },
): SQL | undefined {
  const rule = visibleWhere(ctx, "ticket", action, cols.assignee);
  if (scopeOf(ctx.actor, "ticket", action) !== "team" || !ctx.actor.userId) return rule;
  const mine = sql`(${cols.queue} is null or ${cols.queue} in (select queue_id from ticket_queue_members where workspace_id = ${ctx.workspaceId}::uuid and user_id = ${ctx.actor.userId}::uuid))`;
  return rule ? sql`(${rule} or ${mine})` : mine;
}

/** The single-ticket form of ticketVisibleWhere: refuses (404 unreadable, 403 read-only) as every record does. */
export async function assertTicketAccess(
  ctx: Ctx,
  action: RecordAction,
  row: { id: string; assigneeId: string | null; queueId: string | null },
): Promise<void> {
  const record = { id: row.id, ownerId: row.assigneeId };
  const inMyQueue = async () =>
    scopeOf(ctx.actor, "ticket", action) === "team" &&
    Boolean(ctx.actor.userId) &&
    (row.queueId === null ||
      (
        await queryRows(
          ctx.db,
          sql`select 1 as hit from ticket_queue_members where workspace_id = ${ctx.workspaceId}::uuid and queue_id = ${row.queueId}::uuid and user_id = ${ctx.actor.userId}::uuid`,
        )
      ).length > 0);
  if ((await mayAccess(ctx, "ticket", action, record)) || (await inMyQueue())) return;
  await assertAccess(ctx, "ticket", action, record);
}
