import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { ticketQueueMembers, ticketQueues, ticketStatuses, tickets } from "./table.js";

/**
 * The agent a queue gives its next ticket to, or null (manual routing, or nobody available). Runs in the creating
 * transaction: the queue row is locked first, so two tickets arriving together see each other's assignment
 * (round-robin moves on, least-open counts the first one) instead of both landing on the same agent.
 */
export async function pickAssignee(tx: Db, workspaceId: string, queueId: string): Promise<string | null> {
  const [queue] = await queryRows<{ routing: string; last_assigned_user_id: string | null }>(
    tx,
    sql`select routing, last_assigned_user_id from ticket_queues where workspace_id = ${workspaceId}::uuid and id = ${queueId}::uuid for update`,
  );
  if (!queue || queue.routing === "manual") return null;
  const members = await tx
    .select({ userId: ticketQueueMembers.userId })
    .from(ticketQueueMembers)
    .where(and(eq(ticketQueueMembers.workspaceId, workspaceId), eq(ticketQueueMembers.queueId, queueId), eq(ticketQueueMembers.available, true)))
    .orderBy(asc(ticketQueueMembers.createdAt), asc(ticketQueueMembers.userId));
  const ids = members.map((m) => m.userId);
  if (ids.length === 0) return null;
  let chosen: string;
  if (queue.routing === "round_robin") {
    const last = queue.last_assigned_user_id ? ids.indexOf(queue.last_assigned_user_id) : -1;
    chosen = ids[(last + 1) % ids.length] as string;
  } else {
    // Open work: tickets assigned to the member in a status whose category is not solved or closed, in any queue.
    const counts = await queryRows<{ assignee_id: string; n: number }>(
      tx,
      sql`select t.assignee_id, count(*)::int as n from ${tickets} t
            join ${ticketStatuses} s on s.workspace_id = t.workspace_id and s.key = t.status
           where t.workspace_id = ${workspaceId}::uuid and t.deleted_at is null and s.category in ('new', 'open', 'pending')
             and t.assignee_id in (${sql.join(
               ids.map((id) => sql`${id}::uuid`),
               sql`, `,
             )})
           group by t.assignee_id`,
    );
    const load = new Map(counts.map((c) => [c.assignee_id, c.n]));
    // Ties go to the member after the last one assigned, so equal loads still take turns.
    const last = queue.last_assigned_user_id ? ids.indexOf(queue.last_assigned_user_id) : -1;
    const order = ids.map((_, i) => ids[(last + 1 + i) % ids.length] as string);
    chosen = order.reduce((best, id) => ((load.get(id) ?? 0) < (load.get(best) ?? 0) ? id : best), order[0] as string);
  }
  await tx
    .update(ticketQueues)
    .set({ lastAssignedUserId: chosen })
    .where(and(eq(ticketQueues.workspaceId, workspaceId), eq(ticketQueues.id, queueId)));
  return chosen;
}

/** The workspace's default queue, where tickets no rule routes land. */
export async function defaultQueueId(db: Db, workspaceId: string): Promise<string | null> {
  const [row] = await db
    .select({ id: ticketQueues.id })
    .from(ticketQueues)
    .where(and(eq(ticketQueues.workspaceId, workspaceId), eq(ticketQueues.isDefault, true)));
  return row?.id ?? null;
}

/** Queue ids that exist in the workspace (for checking input). */
export async function existingQueueIds(db: Db, workspaceId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: ticketQueues.id })
    .from(ticketQueues)
    .where(and(eq(ticketQueues.workspaceId, workspaceId), inArray(ticketQueues.id, ids)));
  return new Set(rows.map((r) => r.id));
}
