import { pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, reference, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/**
 * One private iCalendar feed per user. Only the SHA-256 of the token is kept: the URL is shown once, and
 * the lookup by hash (no session on feed requests) is why that index is not led by workspace_id.
 */
export const calendarFeeds = pgTable(
  "calendar_feeds",
  {
    workspaceId: workspaceId(),
    userId: uuid("user_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [
    reference("calendar_feeds_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    uniqueIndex("calendar_feeds_token_key").on(t.tokenHash),
  ],
);
