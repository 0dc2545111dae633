import { builtInRoles } from "../../contract/roles.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { roles } from "./table.js";

/**
 * The built-in roles with their default rights, for a new workspace (migration 0022 gave existing ones the same).
 * A file of its own so that creating a workspace (auth) imports nothing that imports auth back.
 */
export async function seedBuiltInRoles(tx: Db, workspaceId: string): Promise<void> {
  await tx
    .insert(roles)
    .values(
      Object.entries(builtInRoles).map(([key, r]) => ({
        workspaceId,
        id: newId(),
        key,
        name: r.name,
        builtIn: true,
        manageSettings: r.manageSettings,
        permissions: structuredClone(r.permissions),
      })),
    )
    .onConflictDoNothing();
}
