import { and, asc, eq, lt } from "drizzle-orm";
import type { PresenceList, PresenceState } from "../../contract/canned-replies.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { getTicket } from "../tickets/service.js";
import { userNames } from "../users/service.js";
import { ticketPresence } from "./table.js";

/** A browser renews its mark every ~15 s; one not renewed for this long belongs to a closed tab or a lost laptop. */
export const PRESENCE_TTL_SECONDS = 60;

function me(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "Presence belongs to a signed-in agent.");
  return ctx.actor.userId;
}

/** The agents with the ticket open now (marks renewed within the TTL), the caller flagged as self. */
export async function ticketPresenceList(ctx: Ctx, ticketId: string, now: Date): Promise<PresenceList> {
  assertCan(ctx.actor, "read");
  // Only those who may read the ticket learn who works on it (404 otherwise, as for the ticket itself).
  await getTicket(ctx, ticketId);
  return liveMarks(ctx, ticketId, now);
}

async function liveMarks(ctx: Ctx, ticketId: string, now: Date): Promise<PresenceList> {
  const fresh = new Date(now.getTime() - PRESENCE_TTL_SECONDS * 1000);
  const rows = await ctx.db
    .select()
    .from(ticketPresence)
    .where(and(eq(ticketPresence.workspaceId, ctx.workspaceId), eq(ticketPresence.ticketId, ticketId)))
    .orderBy(asc(ticketPresence.seenAt));
  const live = rows.filter((r) => r.seenAt.getTime() >= fresh.getTime() && r.seenAt.getTime() <= now.getTime() + PRESENCE_TTL_SECONDS * 1000);
  const names = await userNames(
    ctx,
    live.map((r) => r.userId),
  );
  return {
    data: live.map((r) => ({
      userId: r.userId,
      name: names.get(r.userId) ?? "Someone",
      state: r.state,
      seenAt: r.seenAt.toISOString(),
      self: r.userId === ctx.actor.userId,
    })),
    expiresAfterSeconds: PRESENCE_TTL_SECONDS,
  };
}

/**
 * Marks (or renews) the caller as viewing or replying to a ticket, or removes the mark ("left"), and answers with who
 * else is there. Expired marks of the ticket are swept on the way, so the table holds only live ones and the recent dead.
 */
export async function putTicketPresence(ctx: Ctx, ticketId: string, state: PresenceState | "left", now: Date): Promise<PresenceList> {
  assertCan(ctx.actor, "read");
  const userId = me(ctx);
  await getTicket(ctx, ticketId);
  const fresh = new Date(now.getTime() - PRESENCE_TTL_SECONDS * 1000);
  await ctx.db.transaction(async (tx) => {
    await tx
      .delete(ticketPresence)
      .where(and(eq(ticketPresence.workspaceId, ctx.workspaceId), eq(ticketPresence.ticketId, ticketId), lt(ticketPresence.seenAt, fresh)));
    if (state === "left") {
      await tx
        .delete(ticketPresence)
        .where(and(eq(ticketPresence.workspaceId, ctx.workspaceId), eq(ticketPresence.ticketId, ticketId), eq(ticketPresence.userId, userId)));
      return;
    }
    await tx
      .insert(ticketPresence)
      .values({ workspaceId: ctx.workspaceId, ticketId, userId, state, seenAt: now })
      .onConflictDoUpdate({ target: [ticketPresence.workspaceId, ticketPresence.ticketId, ticketPresence.userId], set: { state, seenAt: now } });
  });
  return liveMarks(ctx, ticketId, now);
}
