import { boolean, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import type { Role } from "../../contract/common.js";
import { createdAt, emptyTextArray, updatedAt, workspaceId } from "../../db/columns.js";

/** A workspace's OpenID Connect provider. The client secret never leaves the server (not in answers, events or logs). */
export const ssoConfigs = pgTable(
  "sso_configs",
  {
    workspaceId: workspaceId(),
    issuer: text("issuer").notNull(),
    clientId: text("client_id").notNull(),
    /** "enc:v1:…" when RAPPORT_SECRET_KEY is set (AES-256-GCM), otherwise "plain:…". */
    clientSecret: text("client_secret").notNull(),
    /** Lower-case email domains whose people may sign in (and join) through this provider. */
    allowedDomains: text("allowed_domains").array().notNull().default(emptyTextArray),
    defaultRole: text("default_role").$type<Role>().notNull().default("sales"),
    /** Non-admins of this workspace must sign in through the provider; admins keep their password as a way back in. */
    requireSso: boolean("require_sso").notNull().default(false),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId] })],
);

/**
 * A sign-in on its way through the provider: one row per redirect, used once at the callback. id is the SHA-256 of
 * the OAuth state, which is also in a cookie of the browser that started, so a callback URL handed to someone else fails.
 */
export const ssoFlows = pgTable(
  "sso_flows",
  {
    workspaceId: workspaceId(),
    id: text("id").notNull(),
    codeVerifier: text("code_verifier").notNull(),
    nonce: text("nonce").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    /** Where the web app goes after signing in (a path of ours). */
    returnTo: text("return_to").notNull().default("/"),
    createdAt: createdAt(),
    expiresAt: timestamp("expires_at", { withTimezone: true, mode: "date" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);
