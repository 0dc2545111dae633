import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { createdAt, workspaceId } from "../../db/columns.js";

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
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("sessions_user_idx").on(t.workspaceId, t.userId)],
);
