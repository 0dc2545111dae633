import { and, asc, eq } from "drizzle-orm";
import type { Condition } from "../../contract/conditions.js";
import type { CreateTicketRoutingRuleBody, TicketPriority, TicketRoutingRule, UpdateTicketRoutingRuleBody } from "../../contract/tickets.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { companiesByIds } from "../companies/service.js";
import { assertValidCondition, conditionContext, evaluate } from "../conditions/service.js";
import { contactsForScoring } from "../contacts/service.js";
import { existingQueueIds } from "./routing.js";
import { ticketRoutingRules } from "./table.js";

type Row = typeof ticketRoutingRules.$inferSelect;

const toRule = (r: Row): TicketRoutingRule => ({
  id: r.id,
  name: r.name,
  position: r.position,
  active: r.active,
  condition: r.condition,
  queueId: r.queueId,
  priority: r.priority,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const scoped = (ctx: Ctx, id: string) => and(eq(ticketRoutingRules.workspaceId, ctx.workspaceId), eq(ticketRoutingRules.id, id));

async function checkCondition(ctx: Ctx, condition: Condition) {
  const context = await conditionContext(ctx);
  assertValidCondition(condition, "ticket", context.registry, { path: "condition" });
}

async function checkQueue(ctx: Ctx, queueId: string) {
  if (!(await existingQueueIds(ctx.db, ctx.workspaceId, [queueId])).has(queueId))
    throw new AppError("invalid_reference", "queueId: no such queue", [{ path: "queueId", message: "No such queue" }]);
}

export async function listRoutingRules(ctx: Ctx): Promise<TicketRoutingRule[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(ticketRoutingRules)
    .where(eq(ticketRoutingRules.workspaceId, ctx.workspaceId))
    .orderBy(asc(ticketRoutingRules.position), asc(ticketRoutingRules.createdAt));
  return rows.map(toRule);
}

export async function createRoutingRule(ctx: Ctx, input: CreateTicketRoutingRuleBody): Promise<TicketRoutingRule> {
  assertCan(ctx.actor, "admin");
  await checkCondition(ctx, input.condition);
  await checkQueue(ctx, input.queueId);
  const existing = await listRoutingRules(ctx);
  const now = new Date();
  const [row] = await ctx.db
    .insert(ticketRoutingRules)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      name: input.name,
      position: input.position ?? Math.max(0, ...existing.map((r) => r.position)) + 10,
      active: input.active ?? true,
      condition: input.condition,
      queueId: input.queueId,
      priority: input.priority ?? null,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return toRule(row as Row);
}

export async function updateRoutingRule(ctx: Ctx, id: string, input: UpdateTicketRoutingRuleBody): Promise<TicketRoutingRule> {
  assertCan(ctx.actor, "admin");
  if (input.condition) await checkCondition(ctx, input.condition);
  if (input.queueId) await checkQueue(ctx, input.queueId);
  const [row] = await ctx.db
    .update(ticketRoutingRules)
    .set({ ...input, updatedAt: new Date() })
    .where(scoped(ctx, id))
    .returning();
  if (!row) throw notFound("Routing rule");
  return toRule(row);
}

export async function deleteRoutingRule(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const gone = await ctx.db.delete(ticketRoutingRules).where(scoped(ctx, id)).returning({ id: ticketRoutingRules.id });
  if (gone.length === 0) throw notFound("Routing rule");
}

/** What routing knows of a ticket before it is stored. */
export interface RoutingFacts {
  subject: string;
  channel: string;
  priority: TicketPriority;
  type: string | null;
  tags: string[];
  custom: Record<string, unknown>;
  fromAddress: string | null;
  contactId: string | null;
  companyId: string | null;
}

/**
 * The first active rule (by position) whose condition the new ticket meets: its queue and, if it sets one, its
 * priority. Conditions are the one condition language's, on the ticket registry object, with the contact and company
 * (a company's tier is a custom field of the company) read as related records.
 */
export async function routeByRules(ctx: Ctx, facts: RoutingFacts): Promise<{ queueId: string; priority: TicketPriority | null; ruleId: string } | null> {
  const rules = (await listRoutingRules({ ...ctx, actor: { ...ctx.actor, role: ctx.actor.role } })).filter((r) => r.active);
  if (rules.length === 0) return null;
  const context = await conditionContext(ctx);
  const [contact] = facts.contactId ? await contactsForScoring(ctx, [facts.contactId]) : [];
  const [company] = facts.companyId ? await companiesByIds(ctx, [facts.companyId]) : [];
  const email = facts.fromAddress ?? contact?.primaryEmail ?? null;
  const record: Record<string, unknown> = {
    ...facts,
    status: "new",
    senderDomain: email?.split("@")[1]?.toLowerCase() ?? null,
    assigneeId: null,
    satisfaction: null,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
    contact: contact ?? null,
    company: company ?? null,
  };
  for (const rule of rules) {
    if (evaluate(rule.condition, record, { ...context, object: "ticket" })) return { queueId: rule.queueId, priority: rule.priority, ruleId: rule.id };
  }
  return null;
}
