import { sql } from "drizzle-orm";
import type { SlaEventRecord, SlaMetric } from "../../contract/sla.js";
import { systemActor } from "../../core/context.js";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { publishEvents } from "../history/service.js";

/** How a clock's warn and due times get a check job at that moment (the job system's sla.check, in the caller's transaction). */
export type ScheduleCheck = (tx: Db, at: Date) => Promise<void>;

interface Claimed {
  workspace_id: string;
  ticket_id: string;
  metric: SlaMetric;
  policy_id: string;
  ticket_number: number | null;
  due_at: Date | string;
  warn_at: Date | string | null;
  policy_name: string | null;
}

const isoOf = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());

async function announce(tx: Db, type: "ticket.sla_warning" | "ticket.sla_breached", rows: Claimed[]) {
  const byWorkspace = new Map<string, Claimed[]>();
  for (const r of rows) byWorkspace.set(r.workspace_id, [...(byWorkspace.get(r.workspace_id) ?? []), r]);
  for (const [workspaceId, list] of byWorkspace) {
    await publishEvents(
      tx,
      { db: tx, workspaceId, actor: systemActor },
      list.map((r) => {
        const record: SlaEventRecord = {
          id: r.ticket_id,
          ticketId: r.ticket_id,
          ticketNumber: r.ticket_number,
          metric: r.metric,
          policyId: r.policy_id,
          policyName: r.policy_name ?? "",
          dueAt: isoOf(r.due_at) as string,
          warnAt: isoOf(r.warn_at),
        };
        return { type, recordId: r.ticket_id, record };
      }),
    );
  }
}

/**
 * Announces every warning and breach that has fallen due, each exactly once: a batch of clocks is claimed with FOR
 * UPDATE SKIP LOCKED and stamped (warned_at / breach_notified_at) in the transaction that writes its events, so two
 * workers never announce the same clock and a crash before commit leaves it for the next pass. A clock already past
 * its due time when its warning is first seen gets only the breach.
 */
export async function detectSlaEvents(db: Db, now: Date, batchSize = 500): Promise<{ warned: number; breached: number }> {
  const at = now.toISOString();
  let warned = 0;
  let breached = 0;
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const rows = await queryRows<Claimed & { late: boolean }>(
        tx,
        sql`with due as (
              select workspace_id, ticket_id, metric from ticket_sla_clocks
               where warned_at is null and met_at is null and not paused and warn_at <= ${at}::timestamptz
               order by warn_at limit ${batchSize} for update skip locked)
            update ticket_sla_clocks c set warned_at = ${at}::timestamptz
              from due where c.workspace_id = due.workspace_id and c.ticket_id = due.ticket_id and c.metric = due.metric
            returning c.workspace_id, c.ticket_id, c.metric, c.policy_id, c.ticket_number, c.due_at, c.warn_at,
                      (select p.name from sla_policies p where p.workspace_id = c.workspace_id and p.id = c.policy_id) as policy_name,
                      c.due_at <= ${at}::timestamptz as late`,
      );
      const fresh = rows.filter((r) => !r.late);
      if (fresh.length) await announce(tx, "ticket.sla_warning", fresh);
      warned += fresh.length;
      return rows.length;
    });
    if (n < batchSize) break;
  }
  for (;;) {
    const n = await db.transaction(async (tx) => {
      const rows = await queryRows<Claimed>(
        tx,
        sql`with due as (
              select workspace_id, ticket_id, metric from ticket_sla_clocks
               where breach_notified_at is null and met_at is null and not paused and due_at <= ${at}::timestamptz
               order by due_at limit ${batchSize} for update skip locked)
            update ticket_sla_clocks c set breach_notified_at = ${at}::timestamptz, breached_at = c.due_at
              from due where c.workspace_id = due.workspace_id and c.ticket_id = due.ticket_id and c.metric = due.metric
            returning c.workspace_id, c.ticket_id, c.metric, c.policy_id, c.ticket_number, c.due_at, c.warn_at,
                      (select p.name from sla_policies p where p.workspace_id = c.workspace_id and p.id = c.policy_id) as policy_name`,
      );
      if (rows.length) await announce(tx, "ticket.sla_breached", rows);
      breached += rows.length;
      return rows.length;
    });
    if (n < batchSize) break;
  }
  return { warned, breached };
}
