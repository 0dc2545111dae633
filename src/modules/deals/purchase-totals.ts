import { type SQL, sql } from "drizzle-orm";
import { dealContacts, deals } from "./table.js";

/**
 * Each contact's purchase history as a subquery (contact_id, last_at, purchases, revenue): a purchase is a won deal
 * the contact is on (as purchaseSummary counts them). Revenue adds the deals' amounts as stored, whatever their
 * currency: RFM ranks contacts against each other, it does not report money.
 */
export function contactPurchaseTotals(workspaceId: string): SQL {
  return sql`select ${dealContacts.contactId} as contact_id, max(${deals.closedAt}) as last_at, count(*)::int as purchases,
      coalesce(sum(${deals.amount}), 0)::numeric as revenue
    from ${deals} join ${dealContacts} on ${dealContacts.workspaceId} = ${deals.workspaceId} and ${dealContacts.dealId} = ${deals.id}
    where ${deals.workspaceId} = ${workspaceId}::uuid and ${deals.status} = 'won' and ${deals.deletedAt} is null
    group by ${dealContacts.contactId}`;
}
