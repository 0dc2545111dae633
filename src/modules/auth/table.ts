import { sql } from "drizzle-orm";
import { bigint, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, reference, updatedAt, workspaceId } from "../../db/columns.js";
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
    /** Refreshed at most once a minute per session, so reading it costs a write only now and then. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    /** As the browser sent it at sign-in (cut to 500 characters); the sessions list shows the browser and system. */
    userAgent: text("user_agent"),
    ip: text("ip"),
    /** How this session signed in: "password" or "sso". */
    method: text("method").notNull().default("password"),
  },
  (t) => [
    reference("sessions_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("sessions_user_idx").on(t.workspaceId, t.userId),
  ],
);

/**
 * A person: one per email across the instance, with the one password (and second factor) that opens every workspace
 * they belong to. Their memberships are `users` rows (workspace_id, id, identity_id, role, …), so every reference to a
 * user stays workspace-keyed. The one table besides `workspaces` without workspace_id: a person is not a tenant's.
 */
export const identities = pgTable(
  "identities",
  {
    id: uuid("id").primaryKey(),
    email: text("email").notNull(),
    passwordHash: text("password_hash").notNull(),
    /** Base32 TOTP secret once enrolment is confirmed; null when the person has no second factor. */
    totpSecret: text("totp_secret"),
    /**
     * The 30-second step (Unix time / 30) of the last authenticator code accepted: a code is refused unless its step is
     * later, so one seen over a shoulder or in a phishing relay cannot be used again within its window.
     */
    totpLastStep: bigint("totp_last_step", { mode: "number" }),
    /** A secret shown for scanning but not yet confirmed with a code. */
    totpPendingSecret: text("totp_pending_secret"),
    /** SHA-256 of each unused recovery code. */
    recoveryCodes: jsonb("recovery_codes").$type<string[]>().notNull().default(sql`'[]'::jsonb`),
    /** Where sign-in lands when no workspace is named: the one last used. */
    lastWorkspaceId: uuid("last_workspace_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("identities_email_key").on(t.email)],
);

/** A "forgot password" link: only the token's SHA-256 is kept; single use, short-lived. */
export const passwordResets = pgTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    identityId: uuid("identity_id")
      .notNull()
      .references(() => identities.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true, mode: "date" }),
  },
  (t) => [index("password_resets_identity_idx").on(t.identityId, t.createdAt)],
);
