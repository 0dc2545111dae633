import { and, asc, eq, sql } from "drizzle-orm";
import {
  type CreateTicketStatusBody,
  defaultTicketStatuses,
  type TicketStatusCategory,
  type TicketStatusDef,
  type UpdateTicketStatusBody,
} from "../../contract/tickets.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { ticketStatuses, tickets } from "./table.js";

type Row = typeof ticketStatuses.$inferSelect;

const toDef = (r: Row): TicketStatusDef => ({
  key: r.key,
  label: r.label,
  category: r.category,
  slaRunning: r.slaRunning,
  position: r.position,
  builtIn: r.builtIn,
});

/**
 * The workspace's statuses in order. A workspace gets the built-in six the first time anything asks (built-ins
 * cannot be deleted, so none at all means never seeded); ON CONFLICT keeps two first askers from colliding.
 */
export async function statusRows(db: Db, workspaceId: string): Promise<TicketStatusDef[]> {
  const read = () =>
    db.select().from(ticketStatuses).where(eq(ticketStatuses.workspaceId, workspaceId)).orderBy(asc(ticketStatuses.position), asc(ticketStatuses.key));
  let rows = await read();
  if (rows.length === 0) {
    await db
      .insert(ticketStatuses)
      .values(defaultTicketStatuses.map((s, i) => ({ ...s, workspaceId, position: i * 10, builtIn: true })))
      .onConflictDoNothing();
    rows = await read();
  }
  return rows.map(toDef);
}

/** The status a ticket in this category moves to by itself (a customer's reply re-opens into the first open one). */
export function firstOf(statuses: TicketStatusDef[], category: TicketStatusCategory): TicketStatusDef | undefined {
  return statuses.find((s) => s.category === category);
}

export function statusOf(statuses: TicketStatusDef[], key: string, path = "status"): TicketStatusDef {
  const found = statuses.find((s) => s.key === key);
  if (!found) throw invalidField(path, `"${key}" is not a ticket status here; use one of ${statuses.map((s) => s.key).join(", ")}`);
  return found;
}

export async function createTicketStatus(ctx: Ctx, input: CreateTicketStatusBody): Promise<TicketStatusDef> {
  assertCan(ctx.actor, "admin");
  const existing = await statusRows(ctx.db, ctx.workspaceId);
  if (existing.some((s) => s.key === input.key)) throw new AppError("conflict", `A status with the key "${input.key}" exists already.`);
  const [row] = await ctx.db
    .insert(ticketStatuses)
    .values({
      workspaceId: ctx.workspaceId,
      key: input.key,
      label: input.label,
      category: input.category,
      slaRunning: input.slaRunning ?? (input.category === "new" || input.category === "open"),
      position: input.position ?? Math.max(0, ...existing.map((s) => s.position)) + 10,
      builtIn: false,
    })
    .returning();
  return toDef(row as Row);
}

export async function updateTicketStatus(ctx: Ctx, key: string, input: UpdateTicketStatusBody): Promise<TicketStatusDef> {
  assertCan(ctx.actor, "admin");
  await statusRows(ctx.db, ctx.workspaceId);
  const [row] = await ctx.db
    .update(ticketStatuses)
    .set({ ...input, updatedAt: new Date() })
    .where(and(eq(ticketStatuses.workspaceId, ctx.workspaceId), eq(ticketStatuses.key, key)))
    .returning();
  if (!row) throw notFound("Ticket status");
  return toDef(row);
}

/** Added statuses only, and only when no ticket (trashed ones included) is in them: tickets never point at nothing. */
export async function deleteTicketStatus(ctx: Ctx, key: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const status = statuses.find((s) => s.key === key);
  if (!status) throw notFound("Ticket status");
  if (status.builtIn) throw new AppError("conflict", "Built-in statuses can be renamed but not deleted.");
  const [used] = await ctx.db
    .select({ n: sql<number>`count(*)::int` })
    .from(tickets)
    .where(and(eq(tickets.workspaceId, ctx.workspaceId), eq(tickets.status, key)));
  if ((used?.n ?? 0) > 0) throw new AppError("conflict", `${used?.n} tickets are in this status; move them to another status first.`);
  await ctx.db.delete(ticketStatuses).where(and(eq(ticketStatuses.workspaceId, ctx.workspaceId), eq(ticketStatuses.key, key)));
}
