import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Role } from "../../contract/common.js";
import { createdAt, recordId, workspaceId } from "../../db/columns.js";

/**
 * An email invited into a workspace with a role. The link carries "<workspace id>.<secret>"; only the secret's SHA-256
 * is kept (token_hash). Pending while neither accepted nor revoked and not past expires_at.
 */
export const invitations = pgTable(
  "invitations",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    email: text("email").notNull(),
    role: text("role").$type<Role>().notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: uuid("invited_by"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    acceptedAt: timestamp("accepted_at", { withTimezone: true, mode: "date" }),
    revokedAt: timestamp("revoked_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("invitations_token_idx").on(t.workspaceId, t.tokenHash)],
);
