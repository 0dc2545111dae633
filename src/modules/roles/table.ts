import { boolean, index, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { FieldRules, Permissions, SharedObject, ShareLevel } from "../../contract/roles.js";
import { createdAt, emptyObject, recordId, updatedAt, workspaceId } from "../../db/columns.js";

/**
 * A workspace's roles: the built-in six (seeded for every workspace) and the admins' own. Users and API keys name
 * theirs by `key` (users.role, api_keys.role), so a role is renamed without touching them.
 */
export const roles = pgTable(
  "roles",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    builtIn: boolean("built_in").notNull().default(false),
    manageSettings: boolean("manage_settings").notNull().default(false),
    permissions: jsonb("permissions").$type<Permissions>().notNull(),
    fieldRules: jsonb("field_rules").$type<FieldRules>().notNull().default(emptyObject),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("roles_workspace_key_key").on(t.workspaceId, t.key)],
);

/** A record shared with one person or one team beyond their role's rule: to read it, or to read and edit it. */
export const recordShares = pgTable(
  "record_shares",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<SharedObject>().notNull(),
    recordId: uuid("record_id").notNull(),
    userId: uuid("user_id"),
    teamId: uuid("team_id"),
    level: text("level").$type<ShareLevel>().notNull(),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("record_shares_record_idx").on(t.workspaceId, t.object, t.recordId),
    // What visibility asks of every list: the records shared with this user or these teams.
    index("record_shares_user_idx").on(t.workspaceId, t.object, t.userId, t.recordId),
    index("record_shares_team_idx").on(t.workspaceId, t.object, t.teamId, t.recordId),
  ],
);
