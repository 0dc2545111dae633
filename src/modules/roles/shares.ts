import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import type { CreateShareBody, Share, SharedObject } from "../../contract/roles.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertAccess } from "../../db/visibility.js";
import { getCompany } from "../companies/service.js";
import { getContact } from "../contacts/service.js";
import { getDeal } from "../deals/service.js";
import { listTeams, listUsers } from "../users/service.js";
import { recordShares } from "./table.js";

/** The record, if the actor may read it (404 otherwise, as on its page). */
async function recordOf(ctx: Ctx, object: SharedObject, id: string): Promise<{ id: string; ownerId: string | null }> {
  const r = object === "contact" ? await getContact(ctx, id) : object === "company" ? await getCompany(ctx, id) : await getDeal(ctx, id);
  return { id: r.id, ownerId: r.ownerId };
}

async function namesOf(ctx: Ctx): Promise<{ users: Map<string, string>; teams: Map<string, string> }> {
  const system = { ...ctx, actor: { kind: "system" as const, userId: null, role: "admin" } };
  const [users, teams] = await Promise.all([listUsers(system), listTeams(system)]);
  return { users: new Map(users.map((u) => [u.id, u.name])), teams: new Map(teams.map((t) => [t.id, t.name])) };
}

/** Who a record is shared with beyond the rule; anyone who can read the record can see this. */
export async function listShares(ctx: Ctx, object: SharedObject, id: string): Promise<Share[]> {
  await recordOf(ctx, object, id);
  const rows = await ctx.db
    .select()
    .from(recordShares)
    .where(and(eq(recordShares.workspaceId, ctx.workspaceId), eq(recordShares.object, object), eq(recordShares.recordId, id)))
    .orderBy(asc(recordShares.createdAt));
  const names = await namesOf(ctx);
  return rows.map((r) => ({
    id: r.id,
    object: r.object,
    recordId: r.recordId,
    userId: r.userId,
    teamId: r.teamId,
    name: (r.userId ? names.users.get(r.userId) : r.teamId ? names.teams.get(r.teamId) : undefined) ?? "(removed)",
    level: r.level,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** Shares a record with a person or a team; whoever may edit the record may share it. Sharing again changes the level. */
export async function shareRecord(ctx: Ctx, object: SharedObject, id: string, input: z.infer<typeof CreateShareBody>): Promise<Share[]> {
  const record = await recordOf(ctx, object, id);
  await assertAccess(ctx, object, "edit", record);
  const names = await namesOf(ctx);
  if (input.userId && !names.users.has(input.userId))
    throw new AppError("validation_failed", "userId: no such user", [{ path: "userId", message: "No such user" }]);
  if (input.teamId && !names.teams.has(input.teamId))
    throw new AppError("validation_failed", "teamId: no such team", [{ path: "teamId", message: "No such team" }]);
  const grantee = input.userId ? eq(recordShares.userId, input.userId) : eq(recordShares.teamId, input.teamId as string);
  const same = and(eq(recordShares.workspaceId, ctx.workspaceId), eq(recordShares.object, object), eq(recordShares.recordId, id), grantee);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(recordShares).where(same);
    await tx.insert(recordShares).values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      object,
      recordId: id,
      userId: input.userId ?? null,
      teamId: input.teamId ?? null,
      level: input.level,
      createdBy: ctx.actor.userId,
    });
  });
  return listShares(ctx, object, id);
}

export async function unshareRecord(ctx: Ctx, object: SharedObject, id: string, shareId: string): Promise<void> {
  const record = await recordOf(ctx, object, id);
  await assertAccess(ctx, object, "edit", record);
  const gone = await ctx.db
    .delete(recordShares)
    .where(and(eq(recordShares.workspaceId, ctx.workspaceId), eq(recordShares.object, object), eq(recordShares.recordId, id), eq(recordShares.id, shareId)))
    .returning({ id: recordShares.id });
  if (gone.length === 0) throw notFound("Share");
}
