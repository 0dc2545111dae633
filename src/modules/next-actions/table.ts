import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { createdAt, reference, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/**
 * A user's "not now" on one next best action: dismissed for good (until null) or snoozed until a time. Keyed by the
 * action's stable key (kind, record and for cross-sell the product), so the same suggestion computed again later
 * stays hidden; actions are computed on read, never stored.
 */
export const nextActionDismissals = pgTable(
  "next_action_dismissals",
  {
    workspaceId: workspaceId(),
    userId: uuid("user_id").notNull(),
    actionKey: text("action_key").notNull(),
    until: timestamp("until", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
  },
  (t) => [
    reference("next_action_dismissals_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.userId, t.actionKey] }),
    index("next_action_dismissals_until_idx").on(t.workspaceId, t.userId, t.until),
  ],
);
