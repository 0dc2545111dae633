import type { Actor, Ctx } from "../core/context.js";
import { resolveAccess } from "../modules/roles/service.js";
import { getUser, listUsers, userIdsByEmail } from "../modules/users/service.js";

/** Who a data command (import, export) acts as, and how to say so on the terminal. */
export interface CliActor {
  actor: Actor;
  user: { name: string; email: string } | null;
}

/**
 * A shell has no signed-in user, so a data command acts as `--as <email>`, else as the workspace's first active admin
 * (as the web app's owner of the workspace would), else as the system: history, ownership and the audit log then name
 * a person, and that person's role (as the workspace defines it) decides what they may read and write.
 */
export async function cliActor(ctx: Ctx, as: string | undefined): Promise<CliActor> {
  let user: { id: string; name: string; email: string; role: string } | undefined;
  if (as) {
    const userId = (await userIdsByEmail(ctx, [as])).get(as.trim().toLowerCase());
    if (!userId) throw new Error(`no user ${as} in this workspace`);
    user = await getUser(ctx, userId);
  } else {
    user = (await listUsers(ctx)).filter((u) => u.role === "admin" && u.active).sort((a, b) => a.createdAt.localeCompare(b.createdAt))[0];
  }
  if (!user) return { actor: ctx.actor, user: null };
  const access = await resolveAccess(ctx, user.id, user.role);
  return { actor: { kind: "user", userId: user.id, role: user.role, access }, user: { name: user.name, email: user.email } };
}
