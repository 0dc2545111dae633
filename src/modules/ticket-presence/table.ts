import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { PresenceState } from "../../contract/canned-replies.js";
import { reference, workspaceId } from "../../db/columns.js";
import { tickets } from "../tickets/table.js";
import { users } from "../users/table.js";

/**
 * Who has a ticket open, renewed by each agent's browser every few seconds. Kept in the database, not in a process's
 * memory, so agents served by different server processes still see each other; a mark not renewed expires.
 */
export const ticketPresence = pgTable(
  "ticket_presence",
  {
    workspaceId: workspaceId(),
    ticketId: uuid("ticket_id").notNull(),
    userId: uuid("user_id").notNull(),
    state: text("state").$type<PresenceState>().notNull(),
    seenAt: timestamp("seen_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [
    reference("ticket_presence_ticket_fk", [t.workspaceId, t.ticketId], [tickets.workspaceId, tickets.id], "cascade"),
    reference("ticket_presence_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.ticketId, t.userId] }),
    index("ticket_presence_seen_idx").on(t.workspaceId, t.seenAt),
  ],
);
