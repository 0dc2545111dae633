import { sql } from "drizzle-orm";
import { col, type FieldSource, stamps } from "../conditions/types.js";
import { tickets } from "./table.js";

/** The ticket table and how each built-in registry field of a ticket is read (src/contract/fields.ts). */
export const ticketConditionTable = tickets;
export const ticketConditionSources: Readonly<Record<string, FieldSource>> = {
  number: col("number", "number"),
  subject: col("subject", "text"),
  status: col("status", "text"),
  priority: col("priority", "text"),
  type: col("type", "text"),
  channel: col("channel", "text"),
  // The customer's address as the ticket's first message came from (routing reads it before the ticket is stored).
  senderDomain: {
    sql: (t) =>
      sql`(select nullif(split_part(m.from_address, '@', 2), '') from ticket_messages m
            where m.workspace_id = ${t.workspaceId} and m.ticket_id = ${t.id} and m.direction = 'in' and m.from_address is not null
            order by m.created_at limit 1)`,
    kind: "text",
    js: (r) => (typeof r.senderDomain === "string" ? r.senderDomain : null),
  },
  assigneeId: col("assigneeId", "uuid"),
  contactId: col("contactId", "uuid"),
  companyId: col("companyId", "uuid"),
  tags: col("tags", "array"),
  satisfaction: col("satisfaction", "number"),
  ...stamps,
};
