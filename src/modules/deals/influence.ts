import { type SQL, sql } from "drizzle-orm";
import { type Db, queryRows } from "../../db/client.js";
import { dealContacts, deals } from "./table.js";

/**
 * Won deals "influenced" by a send: deals of a recipient (as a deal contact) won within `days` after the message went
 * to them. `sent` is a subquery of (contact_id, sent_at) pairs; each deal counts once, amounts summed per currency.
 */
export async function influencedWonDeals(
  db: Db,
  workspaceId: string,
  sent: SQL,
  days: number,
): Promise<{ deals: number; revenue: { currency: string; amount: string }[] }> {
  const won = sql`select distinct d.id, d.currency, d.amount from ${deals} d
      join ${dealContacts} dc on dc.workspace_id = d.workspace_id and dc.deal_id = d.id
      join (${sent}) s(contact_id, sent_at) on s.contact_id = dc.contact_id
      where d.workspace_id = ${workspaceId}::uuid and dc.workspace_id = ${workspaceId}::uuid and d.status = 'won' and d.deleted_at is null
        and d.closed_at >= s.sent_at and d.closed_at < s.sent_at + make_interval(days => ${days})`;
  const rows = await queryRows<{ currency: string | null; n: number; amount: string | null }>(
    db,
    sql`select currency, count(*)::int as n, coalesce(sum(amount), 0)::text as amount from (${won}) w group by currency order by currency`,
  );
  return {
    deals: rows.reduce((a, r) => a + Number(r.n), 0),
    revenue: rows.filter((r) => r.currency).map((r) => ({ currency: r.currency as string, amount: r.amount ?? "0" })),
  };
}
