import { and, asc, eq, inArray } from "drizzle-orm";
import type { CreateTicketQueueBody, TicketQueue, UpdateTicketQueueBody } from "../../contract/tickets.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { assertUsersExist, userNames } from "../users/service.js";
import { ticketQueueMembers, ticketQueues } from "./table.js";

type Row = typeof ticketQueues.$inferSelect;
const scoped = (ctx: Ctx, id: string) => and(eq(ticketQueues.workspaceId, ctx.workspaceId), eq(ticketQueues.id, id));

async function toQueues(ctx: Ctx, rows: Row[]): Promise<TicketQueue[]> {
  if (rows.length === 0) return [];
  const members = await ctx.db
    .select()
    .from(ticketQueueMembers)
    .where(
      and(
        eq(ticketQueueMembers.workspaceId, ctx.workspaceId),
        inArray(
          ticketQueueMembers.queueId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .orderBy(asc(ticketQueueMembers.createdAt), asc(ticketQueueMembers.userId));
  const names = await userNames(
    ctx,
    members.map((m) => m.userId),
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    teamId: r.teamId,
    routing: r.routing,
    isDefault: r.isDefault,
    members: members.filter((m) => m.queueId === r.id).map((m) => ({ userId: m.userId, name: names.get(m.userId) ?? null, available: m.available })),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

export async function listTicketQueues(ctx: Ctx): Promise<TicketQueue[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db.select().from(ticketQueues).where(eq(ticketQueues.workspaceId, ctx.workspaceId)).orderBy(asc(ticketQueues.name));
  return toQueues(ctx, rows);
}

export async function getTicketQueue(ctx: Ctx, id: string): Promise<TicketQueue> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db.select().from(ticketQueues).where(scoped(ctx, id));
  if (!row) throw notFound("Queue");
  return (await toQueues(ctx, [row]))[0] as TicketQueue;
}

/** Replaces the member list: those kept keep their availability, new ones start available. */
async function setMembers(tx: Db, ctx: Ctx, queueId: string, memberIds: string[]) {
  const wanted = [...new Set(memberIds.map((m) => m.toLowerCase()))];
  const current = await tx
    .select({ userId: ticketQueueMembers.userId })
    .from(ticketQueueMembers)
    .where(and(eq(ticketQueueMembers.workspaceId, ctx.workspaceId), eq(ticketQueueMembers.queueId, queueId)));
  const gone = current.map((c) => c.userId).filter((u) => !wanted.includes(u));
  const added = wanted.filter((u) => !current.some((c) => c.userId === u));
  if (gone.length)
    await tx
      .delete(ticketQueueMembers)
      .where(and(eq(ticketQueueMembers.workspaceId, ctx.workspaceId), eq(ticketQueueMembers.queueId, queueId), inArray(ticketQueueMembers.userId, gone)));
  // Joining order is round-robin's order: one millisecond apart so it is stable however fast the insert runs.
  const base = Date.now();
  if (added.length)
    await tx
      .insert(ticketQueueMembers)
      .values(added.map((userId, i) => ({ workspaceId: ctx.workspaceId, queueId, userId, available: true, createdAt: new Date(base + i) })));
}

/** Only one default queue: making one the default takes it from the other. */
async function clearDefault(tx: Db, ctx: Ctx) {
  await tx
    .update(ticketQueues)
    .set({ isDefault: false })
    .where(and(eq(ticketQueues.workspaceId, ctx.workspaceId), eq(ticketQueues.isDefault, true)));
}

export async function createTicketQueue(ctx: Ctx, input: CreateTicketQueueBody): Promise<TicketQueue> {
  assertCan(ctx.actor, "admin");
  if (input.memberIds?.length) await assertUsersExist(ctx, input.memberIds, "memberIds");
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    if (input.isDefault) await clearDefault(tx, ctx);
    await tx.insert(ticketQueues).values({
      workspaceId: ctx.workspaceId,
      id,
      name: input.name,
      teamId: input.teamId ?? null,
      routing: input.routing ?? "manual",
      isDefault: input.isDefault ?? false,
    });
    await setMembers(tx, ctx, id, input.memberIds ?? []);
  });
  return getTicketQueue(ctx, id);
}

export async function updateTicketQueue(ctx: Ctx, id: string, input: UpdateTicketQueueBody): Promise<TicketQueue> {
  assertCan(ctx.actor, "admin");
  await getTicketQueue(ctx, id);
  if (input.memberIds?.length) await assertUsersExist(ctx, input.memberIds, "memberIds");
  await ctx.db.transaction(async (tx) => {
    if (input.isDefault) await clearDefault(tx, ctx);
    const { memberIds, ...fields } = input;
    await tx
      .update(ticketQueues)
      .set({ ...fields, updatedAt: new Date() })
      .where(scoped(ctx, id));
    if (memberIds) await setMembers(tx, ctx, id, memberIds);
  });
  return getTicketQueue(ctx, id);
}

/** Its tickets stay, without a queue (the foreign key clears their queue); its rules go with it. */
export async function deleteTicketQueue(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const gone = await ctx.db.delete(ticketQueues).where(scoped(ctx, id)).returning({ id: ticketQueues.id });
  if (gone.length === 0) throw notFound("Queue");
}

/** An agent marks themselves available or away; admins and managers may do it for anyone. */
export async function setQueueAvailability(ctx: Ctx, queueId: string, userId: string, available: boolean): Promise<TicketQueue> {
  const self = ctx.actor.userId === userId;
  const manages = accessOf(ctx.actor).manageSettings || ctx.actor.role === "manager";
  if (!self && !manages) throw new AppError("forbidden", "Only admins and managers can change someone else's availability.");
  await getTicketQueue(ctx, queueId);
  const changed = await ctx.db
    .update(ticketQueueMembers)
    .set({ available })
    .where(and(eq(ticketQueueMembers.workspaceId, ctx.workspaceId), eq(ticketQueueMembers.queueId, queueId), eq(ticketQueueMembers.userId, userId)))
    .returning({ userId: ticketQueueMembers.userId });
  if (changed.length === 0) throw notFound("Queue member");
  return getTicketQueue(ctx, queueId);
}
