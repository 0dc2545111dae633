import type { Role } from "../contract/common.js";
import type { Actor } from "./context.js";
import { AppError } from "./errors.js";

export type Permission = "read" | "write" | "admin";

const grants: Record<Role, ReadonlySet<Permission>> = {
  admin: new Set(["read", "write", "admin"]),
  manager: new Set(["read", "write"]),
  sales: new Set(["read", "write"]),
  support: new Set(["read", "write"]),
  marketing: new Set(["read", "write"]),
  read_only: new Set(["read"]),
};

export function can(role: Role, permission: Permission): boolean {
  return grants[role].has(permission);
}

export function assertCan(actor: Actor, permission: Permission): void {
  if (!can(actor.role, permission)) {
    const need = permission === "admin" ? "an admin" : "a role that can make changes";
    throw new AppError("forbidden", `This needs ${need}; you are ${actor.role.replace("_", "-")}.`);
  }
}
