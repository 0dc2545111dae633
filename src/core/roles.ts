import { type AccessObject, accessObjectLabels, accessObjects } from "../contract/roles.js";
import { accessOf, mayCreate } from "./access.js";
import type { Actor } from "./context.js";
import { AppError } from "./errors.js";

/**
 * The coarse checks older than the permission matrix, mapped onto it: "admin" is the role's settings capability,
 * "write" is any change the role may make to any object (a shared view, a validation check), "read" everyone.
 */
export type Permission = "read" | "write" | "admin";

export function can(actor: Actor, permission: Permission): boolean {
  const access = accessOf(actor);
  if (permission === "read") return true;
  if (permission === "admin") return access.manageSettings;
  return access.manageSettings || accessObjects.some((o) => access.permissions[o].create || access.permissions[o].edit !== "none");
}

const roleName = (actor: Actor) => actor.role.replaceAll("_", "-");

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor, permission)) {
    const need = permission === "admin" ? "an admin" : "a role that can make changes";
    throw new AppError("forbidden", `This needs ${need}; you are ${roleName(actor)}.`);
  }
}

export function assertMayCreate(actor: Actor, object: AccessObject): void {
  if (!mayCreate(actor, object)) {
    throw new AppError("forbidden", `Your role (${roleName(actor)}) cannot add ${accessObjectLabels[object].toLowerCase()}.`);
  }
}

/** Refuses an action the role has on no record of the object at all (a bulk change by a read-only user). */
export function assertMayAtAll(actor: Actor, object: AccessObject, action: "edit" | "delete"): void {
  if (accessOf(actor).permissions[object][action] === "none") {
    throw new AppError(
      "forbidden",
      `Your role (${roleName(actor)}) cannot ${action === "edit" ? "change" : "delete"} ${accessObjectLabels[object].toLowerCase()}.`,
    );
  }
}
