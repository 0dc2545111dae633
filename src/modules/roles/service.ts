import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import {
  type AccessObject,
  accessObjects,
  builtInRoles,
  type CreateRoleBody,
  type FieldRules,
  type MyAccess,
  type Permissions,
  type RoleDefinition,
  readOnlyPermissions,
  type UpdateRoleBody,
} from "../../contract/roles.js";
import { accessOf } from "../../core/access.js";
import type { Access, Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import { listApiKeys } from "../api-keys/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { recordChanges } from "../history/service.js";
import { listTeams, listUsers } from "../users/service.js";
import { roles } from "./table.js";

type Row = typeof roles.$inferSelect;
const ROLE_FIELDS = ["name", "manageSettings", "permissions", "fieldRules"] as const;

/** The workspace's roles by key, through the configuration cache (roles announce their changes, migration 0022). */
function roleMap(ctx: { db: Db; workspaceId: string }): Promise<ReadonlyMap<string, Row>> {
  return cachedConfig(ctx, "roles", async () => {
    const rows = await ctx.db.select().from(roles).where(eq(roles.workspaceId, ctx.workspaceId)).orderBy(asc(roles.createdAt));
    return frozen(new Map(rows.map((r) => [r.key, Object.freeze(r)])));
  });
}

/**
 * An actor's rights for one request: their role's matrix and field rules, plus (only when a "team" scope or a share
 * needs them) their teams and teammates. A role that is gone (deleted while a key still named it) reads nothing.
 */
export async function resolveAccess(ctx: { db: Db; workspaceId: string }, userId: string | null, roleKey: string): Promise<Access> {
  const role = (await roleMap(ctx)).get(roleKey);
  const builtIn = builtInRoles[roleKey];
  // An object added after the role was stored (its migration fills stored roles, a restore may bring older ones)
  // takes the built-in role's default, or no rights for a custom role.
  const defaults = builtIn?.permissions ?? noRights();
  const permissions = role ? ({ ...defaults, ...role.permissions } as Permissions) : defaults;
  const base = {
    manageSettings: role?.manageSettings ?? builtIn?.manageSettings ?? false,
    permissions,
    fieldRules: role?.fieldRules ?? {},
  };
  if (!userId) return { ...base, teammateIds: [], teamIds: [] };
  const teams = await listTeams({ ...ctx, actor: { kind: "system", userId: null, role: "admin" } });
  const teamIds = teams.filter((t) => t.memberIds.includes(userId)).map((t) => t.id);
  const teammateIds = [...new Set([userId, ...teams.filter((t) => t.memberIds.includes(userId)).flatMap((t) => t.memberIds)])];
  return { ...base, teammateIds, teamIds };
}

const noRights = (): Permissions =>
  Object.fromEntries(accessObjects.map((o) => [o, { read: "none", create: false, edit: "none", delete: "none" }])) as Permissions;

function toRole(r: Row, userCount: number): RoleDefinition {
  return {
    id: r.id,
    key: r.key,
    name: r.name,
    builtIn: r.builtIn,
    manageSettings: r.manageSettings,
    permissions: r.permissions,
    fieldRules: r.fieldRules,
    userCount,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

async function holders(ctx: Ctx): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const u of await listUsers(ctx)) counts.set(u.role, (counts.get(u.role) ?? 0) + 1);
  for (const k of await listApiKeys(ctx)) if (!k.revokedAt) counts.set(k.role, (counts.get(k.role) ?? 0) + 1);
  return counts;
}

export async function listRoles(ctx: Ctx): Promise<RoleDefinition[]> {
  assertCan(ctx.actor, "admin");
  const counts = await holders(ctx);
  return [...(await roleMap(ctx)).values()].map((r) => toRole(r, counts.get(r.key) ?? 0));
}

/** Roles a user or key may be given: their keys and names, for anyone who lists users. */
export async function roleNames(ctx: Ctx): Promise<{ key: string; name: string }[]> {
  return [...(await roleMap(ctx)).values()].map((r) => ({ key: r.key, name: r.name }));
}

/**
 * Refuses a role key the workspace does not have, before a user, key, invitation or SSO setting is given it: an unknown
 * reference (422), named by the field that holds it.
 */
export async function assertRoleExists(ctx: { db: Db; workspaceId: string }, key: string | undefined, path = "role"): Promise<void> {
  if (key === undefined) return;
  if (!(await roleMap(ctx)).has(key)) {
    throw new AppError("invalid_reference", `There is no role "${key}" in this workspace`, [{ path, message: "Choose one of the workspace's roles" }]);
  }
}

/** What a membership made without an admin at hand gets when its role was deleted after it was named. */
export const FALLBACK_ROLE = "read_only";

/**
 * The role for a membership that an earlier admin decision makes now (an invitation accepted, a first SSO sign-in):
 * the one named, or Read-only when that role was deleted in between. Read-only has the fewest rights and is built in,
 * so it cannot be deleted itself: a stale setting never blocks someone from joining, nor grants more than was meant;
 * an admin raises the role afterwards.
 */
export async function roleOrFallback(ctx: { db: Db; workspaceId: string }, key: string): Promise<string> {
  return (await roleMap(ctx)).has(key) ? key : FALLBACK_ROLE;
}

export async function myAccess(ctx: Ctx): Promise<MyAccess> {
  const a = accessOf(ctx.actor);
  const roleName = (await roleMap(ctx)).get(ctx.actor.role)?.name ?? builtInRoles[ctx.actor.role]?.name ?? ctx.actor.role;
  return {
    role: ctx.actor.role,
    roleName,
    manageSettings: a.manageSettings,
    permissions: a.permissions,
    fieldRules: a.fieldRules,
    teamIds: [...a.teamIds],
    teammateIds: [...a.teammateIds],
  };
}

async function findRole(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(roles)
    .where(and(eq(roles.workspaceId, ctx.workspaceId), eq(roles.id, id)));
  if (!row) throw notFound("Role");
  return row;
}

/** Field rules may only name custom fields the workspace has, so a typo does not silently protect nothing. */
async function checkFieldRules(ctx: Ctx, rules: FieldRules): Promise<void> {
  for (const [object, fields] of Object.entries(rules) as [AccessObject, Record<string, string>][]) {
    if (!["contact", "company", "deal"].includes(object)) {
      throw new AppError("validation_failed", `Field rules apply to contacts, companies and deals`, [
        { path: `fieldRules.${object}`, message: "No custom fields here" },
      ]);
    }
    const keys = new Set((await listCustomFields(ctx, object as "contact")).map((f) => f.key));
    for (const key of Object.keys(fields)) {
      if (!keys.has(key)) {
        throw new AppError("validation_failed", `There is no ${object} custom field "${key}"`, [
          { path: `fieldRules.${object}.${key}`, message: "No such custom field" },
        ]);
      }
    }
  }
}

const keyFrom = (name: string) =>
  name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^[^a-z]+|_+$/g, "")
    .slice(0, 40);

export async function createRole(ctx: Ctx, input: z.infer<typeof CreateRoleBody>): Promise<RoleDefinition> {
  assertCan(ctx.actor, "admin");
  const existing = await roleMap(ctx);
  const key = input.key ?? keyFrom(input.name);
  if (key.length < 2) throw new AppError("validation_failed", "Give the role a key of letters", [{ path: "key", message: "Needs letters" }]);
  if (existing.has(key)) throw new AppError("conflict", `There is already a role with the key "${key}"`, [{ path: "key", message: "Already in use" }]);
  if ([...existing.values()].some((r) => r.name.toLowerCase() === input.name.toLowerCase()))
    throw new AppError("conflict", `There is already a role named "${input.name}"`, [{ path: "name", message: "Already in use" }]);
  const source = input.copyFrom ? existing.get(input.copyFrom) : undefined;
  if (input.copyFrom && !source) throw notFound("Role to copy");
  const fieldRules = input.fieldRules ?? source?.fieldRules ?? {};
  await checkFieldRules(ctx, fieldRules);
  const role = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(roles)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        key,
        name: input.name,
        builtIn: false,
        manageSettings: input.manageSettings ?? source?.manageSettings ?? false,
        permissions: input.permissions ?? structuredClone(source?.permissions ?? readOnlyPermissions()),
        fieldRules,
      })
      .returning();
    const r = toRole(row as Row, 0);
    await recordChanges(tx, ctx, [{ object: "role", recordId: r.id, action: "create", changes: [], payload: r }]);
    return r;
  });
  forgetConfig(ctx);
  return role;
}

export async function updateRole(ctx: Ctx, id: string, input: z.infer<typeof UpdateRoleBody>): Promise<RoleDefinition> {
  assertCan(ctx.actor, "admin");
  const current = await findRole(ctx, id);
  if (current.key === "admin" && (input.manageSettings === false || input.permissions)) {
    // Someone must always be able to undo a mistake in the matrix.
    throw new AppError("conflict", "The Admin role always has every right; make a custom role for narrower rights.");
  }
  if (input.name && input.name.toLowerCase() !== current.name.toLowerCase()) {
    const taken = [...(await roleMap(ctx)).values()].some((r) => r.id !== id && r.name.toLowerCase() === input.name?.toLowerCase());
    if (taken) throw new AppError("conflict", `There is already a role named "${input.name}"`, [{ path: "name", message: "Already in use" }]);
  }
  if (input.fieldRules) await checkFieldRules(ctx, input.fieldRules);
  const next = {
    name: input.name ?? current.name,
    manageSettings: input.manageSettings ?? current.manageSettings,
    permissions: input.permissions ?? current.permissions,
    fieldRules: input.fieldRules ?? current.fieldRules,
  };
  const counts = await holders(ctx);
  const role = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(roles)
      .set({ ...next, updatedAt: new Date() })
      .where(and(eq(roles.workspaceId, ctx.workspaceId), eq(roles.id, id)))
      .returning();
    const r = toRole(row as Row, counts.get(current.key) ?? 0);
    const changes = ROLE_FIELDS.filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k])).map((k) => ({ field: k, from: current[k], to: next[k] }));
    if (changes.length) await recordChanges(tx, ctx, [{ object: "role", recordId: id, action: "update", changes, payload: r }]);
    return r;
  });
  forgetConfig(ctx);
  return role;
}

export async function deleteRole(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const current = await findRole(ctx, id);
  if (current.builtIn) throw new AppError("conflict", `${current.name} is a built-in role; it can be changed but not deleted.`);
  const inUse = (await listUsers(ctx)).filter((u) => u.role === current.key).length;
  const keys = (await listApiKeys(ctx)).filter((k) => k.role === current.key && !k.revokedAt).length;
  if (inUse || keys) {
    const who = [inUse ? `${inUse} ${inUse === 1 ? "user" : "users"}` : "", keys ? `${keys} API ${keys === 1 ? "key" : "keys"}` : ""]
      .filter(Boolean)
      .join(" and ");
    throw new AppError("conflict", `${current.name} is still given to ${who}; give them another role first.`);
  }
  const before = toRole(current, 0);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(roles).where(and(eq(roles.workspaceId, ctx.workspaceId), eq(roles.id, id)));
    await recordChanges(tx, ctx, [{ object: "role", recordId: id, action: "delete", changes: [], payload: before }]);
  });
  forgetConfig(ctx);
}
