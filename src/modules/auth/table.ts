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
    /** Refreshed at most once a minute per session, so reading it costs a write only now and then. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** As the browser sent it at sign-in (cut to 500 characters); the sessions list shows the browser and system. */
    userAgent: text("user_agent"),
    ip: text("ip"),
    /** How this session signed in: "password" or "sso". */
    method: text("method").notNull().default("password"),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("sessions_user_idx").on(t.workspaceId, t.userId)],
);
