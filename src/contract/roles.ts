import { z } from "zod";
import { Id, RoleKey, Timestamp } from "./common.js";

/** The objects whose records a role's rights govern. */
export const accessObjects = [
  "contact",
  "company",
  "deal",
  "task",
  "activity",
  "product",
  "import",
  "ticket",
  "article",
  "segment",
  "sequence",
  "campaign",
] as const;
export const AccessObject = z.enum(accessObjects);
export type AccessObject = z.infer<typeof AccessObject>;

export const accessObjectLabels: Record<AccessObject, string> = {
  contact: "Contacts",
  company: "Companies",
  deal: "Deals",
  task: "Tasks",
  activity: "Activities",
  product: "Products",
  import: "Imports",
  ticket: "Tickets",
  article: "Knowledge base articles",
  segment: "Segments, lists and consent",
  sequence: "Sequences",
  campaign: "Campaigns",
};

/**
 * Which records an action reaches: none, the user's own (they own it: a task's assignee, an activity's author, an
 * import's starter), their teams' (owned by anyone sharing a team with them, themselves included), or all.
 */
export const scopes = ["none", "own", "team", "all"] as const;
export const Scope = z.enum(scopes);
export type Scope = z.infer<typeof Scope>;
export const scopeLabels: Record<Scope, string> = { none: "None", own: "Own", team: "Team's", all: "All" };
export const scopeRank: Record<Scope, number> = { none: 0, own: 1, team: 2, all: 3 };

export const ObjectRights = z
  .object({
    read: Scope,
    create: z.boolean(),
    edit: Scope,
    delete: Scope,
  })
  .strict();
export type ObjectRights = z.infer<typeof ObjectRights>;

export const Permissions = z.object(Object.fromEntries(accessObjects.map((o) => [o, ObjectRights])) as Record<AccessObject, typeof ObjectRights>).strict();
export type Permissions = z.infer<typeof Permissions>;

/** A custom field a role sees but cannot change, or does not see at all (absent from replies, exports and forms). */
export const fieldAccessLevels = ["hidden", "read_only"] as const;
export const FieldAccess = z.enum(fieldAccessLevels);
export type FieldAccess = z.infer<typeof FieldAccess>;
/** object → custom field key → restriction; a field not named is readable and writable. */
export const FieldRules = z.partialRecord(AccessObject, z.record(z.string().max(100), FieldAccess));
export type FieldRules = Partial<Record<AccessObject, Record<string, FieldAccess>>>;

export const RoleDefinition = z.object({
  id: Id,
  key: RoleKey,
  name: z.string(),
  builtIn: z.boolean().describe("Built-in roles cannot be deleted or have their key changed"),
  manageSettings: z.boolean().describe("Settings, users, teams, roles, custom fields, keys and pipelines"),
  permissions: Permissions,
  fieldRules: FieldRules,
  userCount: z.number().int().describe("Users and API keys with this role"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type RoleDefinition = z.infer<typeof RoleDefinition>;
export const RoleList = z.object({ data: z.array(RoleDefinition) });

const RoleName = z.string().trim().min(1, "Give the role a name").max(60);
export const CreateRoleBody = z
  .object({
    name: RoleName,
    key: RoleKey.optional().describe("Derived from the name when absent"),
    copyFrom: RoleKey.optional().describe("Start from this role's rights (default: read-only)"),
    permissions: Permissions.optional(),
    fieldRules: FieldRules.optional(),
    manageSettings: z.boolean().optional(),
  })
  .strict();
export const UpdateRoleBody = z
  .object({
    name: RoleName.optional(),
    permissions: Permissions.optional(),
    fieldRules: FieldRules.optional(),
    manageSettings: z.boolean().optional(),
  })
  .strict();

const every = (rights: ObjectRights): Permissions => Object.fromEntries(accessObjects.map((o) => [o, rights])) as Permissions;
const ALL: ObjectRights = { read: "all", create: true, edit: "all", delete: "all" };
const READ: ObjectRights = { read: "all", create: false, edit: "none", delete: "none" };
const NONE: ObjectRights = { read: "none", create: false, edit: "none", delete: "none" };
const OWN_WORK: ObjectRights = { read: "all", create: true, edit: "own", delete: "own" };

/** The roles every workspace starts with, and their default rights (issue 17, "Who sees what"). */
export const builtInRoles: Record<string, { name: string; manageSettings: boolean; permissions: Permissions }> = {
  admin: { name: "Admin", manageSettings: true, permissions: every(ALL) },
  manager: {
    name: "Manager",
    manageSettings: false,
    permissions: {
      ...every({ read: "all", create: true, edit: "team", delete: "team" }),
      product: ALL,
      article: ALL,
      // A manager undoes anyone's import (an importer's mistake found after they left).
      import: { read: "all", create: true, edit: "all", delete: "all" },
      // Service managers work every queue's tickets, reassigning and closing across teams.
      ticket: ALL,
      segment: ALL,
      sequence: ALL,
      campaign: ALL,
    },
  },
  sales: {
    name: "Sales",
    manageSettings: false,
    // Sales sees its customers' tickets beside their deals, read-only: answering them is support's work.
    permissions: {
      ...every(OWN_WORK),
      product: READ,
      import: { read: "all", create: true, edit: "own", delete: "own" },
      ticket: READ,
      article: READ,
      // Sales sees who is in which segment and what each contact agreed to; marketing keeps them.
      segment: READ,
      // Sales sees which sequence its contacts are in and how each step did; marketing runs them.
      sequence: READ,
      // Sales reads the campaigns its contacts received (and their reports); marketing runs them.
      campaign: READ,
    },
  },
  support: {
    name: "Support",
    manageSettings: false,
    permissions: {
      ...every(NONE),
      contact: { read: "all", create: true, edit: "all", delete: "none" },
      company: { read: "all", create: true, edit: "all", delete: "none" },
      deal: READ,
      task: OWN_WORK,
      activity: OWN_WORK,
      product: READ,
      // "Team's" tickets are those of the agent's queues (and any ticket in no queue): src/modules/tickets/access.ts.
      ticket: { read: "team", create: true, edit: "team", delete: "none" },
      // Support writes the knowledge base it answers from, and keeps it current whoever wrote an article.
      article: { read: "all", create: true, edit: "all", delete: "own" },
    },
  },
  marketing: {
    name: "Marketing",
    manageSettings: false,
    permissions: {
      ...every(NONE),
      contact: { read: "all", create: true, edit: "all", delete: "own" },
      company: { read: "all", create: true, edit: "own", delete: "none" },
      deal: READ,
      task: OWN_WORK,
      activity: OWN_WORK,
      product: READ,
      import: { read: "all", create: true, edit: "own", delete: "own" },
      article: OWN_WORK,
      segment: ALL,
      sequence: ALL,
      campaign: ALL,
    },
  },
  read_only: { name: "Read-only", manageSettings: false, permissions: { ...every(READ), import: NONE } },
};

/** Rights a new custom role starts with when it copies nothing: reading, no changes. */
/**
 * A stored role's rights completed for objects added after it was saved: a built-in role gets its default for them,
 * a custom role none, so a new object never opens up to a role nobody reviewed for it.
 */
export function completePermissions(stored: Partial<Permissions>, roleKey: string): Permissions {
  if (accessObjects.every((o) => stored[o])) return stored as Permissions;
  const defaults = builtInRoles[roleKey]?.permissions;
  return Object.fromEntries(accessObjects.map((o) => [o, stored[o] ?? defaults?.[o] ?? NONE])) as Permissions;
}

export const readOnlyPermissions = (): Permissions => structuredClone((builtInRoles.read_only as { permissions: Permissions }).permissions);

// ---- sharing ----

export const shareLevels = ["read", "edit"] as const;
export const ShareLevel = z.enum(shareLevels);
export type ShareLevel = z.infer<typeof ShareLevel>;
export const sharedObjects = ["contact", "company", "deal"] as const;
export const SharedObject = z.enum(sharedObjects);
export type SharedObject = z.infer<typeof SharedObject>;

export const Share = z.object({
  id: Id,
  object: SharedObject,
  recordId: Id,
  userId: Id.nullable(),
  teamId: Id.nullable(),
  name: z.string().describe("The person's or team's name"),
  level: ShareLevel,
  createdAt: Timestamp,
});
export type Share = z.infer<typeof Share>;

export const RecordAccessEntry = z.object({
  userId: Id,
  name: z.string(),
  role: z.string(),
  level: z.enum(["read", "edit"]),
  via: z.enum(["owner", "role", "share"]).describe("owner: owns it; role: their role's rule; share: shared with them or their team"),
});
export const RecordAccess = z.object({ shares: z.array(Share), people: z.array(RecordAccessEntry) });
export type RecordAccess = z.infer<typeof RecordAccess>;

export const ShareParams = z.object({ object: SharedObject, id: Id }).strict();
export const ShareDeleteParams = z.object({ object: SharedObject, id: Id, shareId: Id }).strict();
export const CreateShareBody = z
  .object({ userId: Id.optional(), teamId: Id.optional(), level: ShareLevel.default("read") })
  .strict()
  .refine((b) => Boolean(b.userId) !== Boolean(b.teamId), { message: "Share with one person (userId) or one team (teamId)", path: ["userId"] });

/** The signed-in actor's own rights, for the web app to hide what it may not do. */
export const MyAccess = z.object({
  role: z.string(),
  roleName: z.string().describe("The role's name as admins named it"),
  manageSettings: z.boolean(),
  permissions: Permissions,
  fieldRules: FieldRules,
  teamIds: z.array(Id).describe("The teams the user belongs to (a record shared with one of them is shared with the user)"),
  teammateIds: z.array(Id).describe('The user and everyone sharing a team with them: the owners a "team" scope reaches'),
});
export type MyAccess = z.infer<typeof MyAccess>;
