import { index, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { createdAt, recordId, reference, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Sign-in links mailed to customers: only the hash is kept, each works once and briefly. */
export const portalLinks = pgTable(
  "portal_links",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    contactId: uuid("contact_id").notNull(),
    email: text("email").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: at("expires_at").notNull(),
    usedAt: at("used_at"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("portal_links_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    index("portal_links_token_idx").on(t.workspaceId, t.tokenHash),
    // The per-address limit counts an address's recent links.
    index("portal_links_email_idx").on(t.workspaceId, t.email, t.createdAt),
  ],
);

/** A customer's signed-in browser: the cookie holds the workspace and a secret whose hash is here. */
export const portalSessions = pgTable(
  "portal_sessions",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    contactId: uuid("contact_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** Sent in every form of the portal and checked on every post: a cookie alone cannot post for the customer. */
    csrfToken: text("csrf_token").notNull(),
    expiresAt: at("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("portal_sessions_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    index("portal_sessions_token_idx").on(t.workspaceId, t.tokenHash),
  ],
);
