import { sql } from "drizzle-orm";
import { col, type FieldSource, stamps } from "../conditions/types.js";
import { dealContacts, deals } from "./table.js";

/** The deal table and how each built-in registry field of a deal is read (src/contract/fields.ts). */
export const dealConditionTable = deals;
/** Which contacts a deal has: the link "deal.contacts" and "contact.deals" conditions go through. */
export const dealContactLinks = dealContacts;
export const dealConditionSources: Readonly<Record<string, FieldSource>> = {
  name: col("name", "text"),
  amount: col("amount", "number"),
  currency: col("currency", "text"),
  expectedCloseDate: col("expectedCloseDate", "date"),
  ownerId: col("ownerId", "uuid"),
  companyId: col("companyId", "uuid"),
  pipelineId: col("pipelineId", "uuid"),
  stageId: col("stageId", "uuid"),
  status: col("status", "text"),
  source: col("source", "text"),
  tags: col("tags", "array"),
  stageEnteredAt: col("stageEnteredAt", "datetime"),
  closedAt: col("closedAt", "datetime"),
  // The sales cycle in days (fractional), null while the deal is open: what "average sales cycle length" averages.
  daysToClose: {
    sql: (t) => sql`(extract(epoch from (${t.closedAt} - ${t.createdAt})) / 86400.0)`,
    kind: "number",
    js: (r) => {
      const closed = r.closedAt ? Date.parse(String(r.closedAt)) : Number.NaN;
      const created = r.createdAt ? Date.parse(String(r.createdAt)) : Number.NaN;
      return Number.isNaN(closed) || Number.isNaN(created) ? null : (closed - created) / 86_400_000;
    },
  },
  ...stamps,
};
