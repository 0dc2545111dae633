import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { createdAt, reference, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/** A signed-in browser. id is the SHA-256 of the secret token, so a database leak yields no usable cookie. */
export const sessions = pgTable(
  "sessions",
  {
    workspaceId: workspaceId(),
    id: text("id").notNull(),
    userId: uuid("user_id").notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", {
      withTimezone: true,
      mode: "date",
    }).notNull(),
  },
  (t) => [
    reference("sessions_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("sessions_user_idx").on(t.workspaceId, t.userId),
  ],
);
