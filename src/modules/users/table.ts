import { boolean, index, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Role } from "../../contract/common.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";

export const users = pgTable(
  "users",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    /** The person (auth's identities): their password and second factor are theirs, not this membership's. */
    identityId: uuid("identity_id").notNull(),
    /** The identity's email, copied: lists, imports and mail name users by it within the workspace. */
    email: text("email").notNull(),
    name: text("name").notNull(),
    role: text("role").$type<Role>().notNull(),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("users_workspace_email_key").on(t.workspaceId, t.email),
    // Sign-in and the workspace switcher list a person's memberships before a workspace is known.
    index("users_identity_idx").on(t.identityId),
  ],
);

export const teams = pgTable(
  "teams",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("teams_workspace_name_key").on(t.workspaceId, t.name)],
);

export const teamMembers = pgTable(
  "team_members",
  {
    workspaceId: workspaceId(),
    teamId: uuid("team_id").notNull(),
    userId: uuid("user_id").notNull(),
  },
  (t) => [
    reference("team_members_team_fk", [t.workspaceId, t.teamId], [teams.workspaceId, teams.id], "cascade"),
    reference("team_members_user_fk", [t.workspaceId, t.userId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.teamId, t.userId] }),
    index("team_members_user_idx").on(t.workspaceId, t.userId),
  ],
);
