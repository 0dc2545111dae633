import { type AccessObject, builtInRoles, type Permissions, readOnlyPermissions, type Scope } from "../contract/roles.js";
import type { Access, Actor } from "./context.js";

export type RecordAction = "read" | "edit" | "delete";

const everything = builtInRoles.admin as { manageSettings: boolean; permissions: Permissions };

/**
 * The actor's access; an actor built without one (jobs, the CLI, tests that make a context by hand) gets its
 * role's built-in defaults with no teammates, the system actor everything. Narrower than the truth, never wider.
 */
export function accessOf(actor: Actor): Access {
  if (actor.access) return actor.access;
  if (actor.kind === "system") return { ...everything, fieldRules: {}, teammateIds: [], teamIds: [] };
  const builtIn = builtInRoles[actor.role];
  return {
    manageSettings: builtIn?.manageSettings ?? false,
    permissions: builtIn?.permissions ?? readOnlyPermissions(),
    fieldRules: {},
    teammateIds: actor.userId ? [actor.userId] : [],
    teamIds: [],
  };
}

export function scopeOf(actor: Actor, object: AccessObject, action: RecordAction): Scope {
  return accessOf(actor).permissions[object][action];
}

export const mayCreate = (actor: Actor, object: AccessObject): boolean => accessOf(actor).permissions[object].create;

/** Whether the role's rule (not a share) lets the actor act on a record with this owner. */
export function ownerAllows(actor: Actor, scope: Scope, ownerId: string | null | undefined): boolean {
  switch (scope) {
    case "all":
      return true;
    case "none":
      return false;
    case "own":
      return Boolean(ownerId) && ownerId === actor.userId;
    case "team":
      return Boolean(ownerId) && accessOf(actor).teammateIds.includes(ownerId as string);
  }
}

/** Custom-field keys of an object the actor may not see. */
export function hiddenFields(actor: Actor, object: AccessObject): string[] {
  const rules = accessOf(actor).fieldRules[object];
  return rules ? Object.keys(rules).filter((k) => rules[k] === "hidden") : [];
}

/** Custom-field keys of an object the actor may not change (hidden ones included). */
export function lockedFields(actor: Actor, object: AccessObject): string[] {
  const rules = accessOf(actor).fieldRules[object];
  return rules ? Object.keys(rules) : [];
}

/** A record's `custom` without the fields the actor may not see; the same object when nothing is hidden. */
export function visibleCustom<T extends Record<string, unknown>>(actor: Actor, object: AccessObject, custom: T): T {
  const hidden = hiddenFields(actor, object);
  if (hidden.length === 0) return custom;
  const out = { ...custom };
  for (const k of hidden) delete out[k];
  return out;
}
