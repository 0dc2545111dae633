import { and, eq, gt, isNull, or, sql } from "drizzle-orm";
import type {
  ActOnNextActionBody,
  DismissNextActionBody,
  NextAction,
  NextActionKind,
  NextActionQuery,
  NextActionResult,
  NextActionVerb,
} from "../../contract/next-actions.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { queryRows } from "../../db/client.js";
import { logActivity } from "../activities/service.js";
import { getCompany } from "../companies/service.js";
import { getContact } from "../contacts/service.js";
import { addLineItem } from "../deals/line-items.js";
import { createDeal, getDeal } from "../deals/service.js";
import { getProduct } from "../products/service.js";
import { createTask, getTask, updateTask } from "../tasks/service.js";
import { type ActionScope, type RuleInput, rules } from "./rules.js";
import { nextActionDismissals } from "./table.js";

const DAY_MS = 86_400_000;

function needUser(ctx: Ctx): string {
  if (!ctx.actor.userId) throw new AppError("forbidden", "Next best actions are a signed-in user's; an API key without a user has none.");
  return ctx.actor.userId;
}

/** The keys the user has dismissed for good or snoozed past now. */
async function hiddenKeys(ctx: Ctx, userId: string, now: Date): Promise<Set<string>> {
  const rows = await ctx.db
    .select({ key: nextActionDismissals.actionKey })
    .from(nextActionDismissals)
    .where(
      and(
        eq(nextActionDismissals.workspaceId, ctx.workspaceId),
        eq(nextActionDismissals.userId, userId),
        or(isNull(nextActionDismissals.until), gt(nextActionDismissals.until, now)),
      ),
    );
  return new Set(rows.map((r) => r.key));
}

/**
 * The suggestions for the signed-in user's own records, or for one record they may read, best first. Each source runs
 * on its own; dismissed and snoozed ones are left out.
 */
export async function listNextActions(ctx: Ctx, q: NextActionQuery, now = new Date()): Promise<NextAction[]> {
  assertCan(ctx.actor, "read");
  const userId = needUser(ctx);
  let scope: ActionScope = { kind: "mine", userId };
  if (q.object && q.id) {
    // The record's own read rule: 404 when it is not the actor's to see.
    if (q.object === "deal") await getDeal(ctx, q.id);
    else if (q.object === "company") await getCompany(ctx, q.id);
    else await getContact(ctx, q.id);
    scope = { kind: "record", object: q.object, id: q.id };
  }
  const hidden = await hiddenKeys(ctx, userId, now);
  const input: RuleInput = { ctx, scope, now, limit: q.limit + hidden.size };
  const found: NextAction[] = [];
  // One after the other: PGlite runs one query at a time, and on PostgreSQL each is a short indexed query.
  for (const rule of rules) found.push(...(await rule(input)));
  return found
    .filter((a) => !hidden.has(a.key))
    .sort((a, b) => b.priority - a.priority || a.key.localeCompare(b.key))
    .slice(0, q.limit);
}

export async function dismissNextAction(ctx: Ctx, body: DismissNextActionBody, now = new Date()): Promise<void> {
  assertCan(ctx.actor, "read");
  const userId = needUser(ctx);
  parseKey(body.key);
  const until = body.snoozeDays ? new Date(now.getTime() + body.snoozeDays * DAY_MS) : null;
  await ctx.db
    .insert(nextActionDismissals)
    .values({ workspaceId: ctx.workspaceId, userId, actionKey: body.key, until, createdAt: now })
    .onConflictDoUpdate({
      target: [nextActionDismissals.workspaceId, nextActionDismissals.userId, nextActionDismissals.actionKey],
      set: { until, createdAt: now },
    });
}

/** Takes back a dismissal or snooze. */
export async function restoreNextAction(ctx: Ctx, key: string): Promise<void> {
  const userId = needUser(ctx);
  await ctx.db
    .delete(nextActionDismissals)
    .where(and(eq(nextActionDismissals.workspaceId, ctx.workspaceId), eq(nextActionDismissals.userId, userId), eq(nextActionDismissals.actionKey, key)));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const verbsOf: Record<NextActionKind, NextActionVerb[]> = {
  stalled_deal: ["create_task"],
  hot_lead: ["log_call", "create_task"],
  no_recent_contact: ["log_call", "create_task"],
  overdue_task: ["complete_task", "reschedule_task"],
  cross_sell: ["create_deal", "create_task"],
};

function parseKey(key: string): { kind: NextActionKind; id: string; productId?: string; customer?: "company" | "contact" } {
  const [kind, id, productId, ...rest] = key.split(":");
  const known = kind && Object.hasOwn(verbsOf, kind);
  const ok = known && id && UUID.test(id) && rest.length === 0 && (kind === "cross_sell" ? productId && UUID.test(productId) : productId === undefined);
  if (!ok) throw invalidField("key", "Not the key of a next best action (such as stalled_deal:<deal id>)");
  return { kind: kind as NextActionKind, id: id as string, productId };
}

/** Tomorrow at the same time: when a follow-up created now falls due. */
const tomorrow = (now: Date) => new Date(now.getTime() + DAY_MS).toISOString();

/**
 * Carries out one click on a suggestion through the service that owns the record (tasks, activities, deals), with the
 * actor's own rights: a suggestion never lets anyone do what they could not do by hand.
 */
export async function actOnNextAction(ctx: Ctx, body: ActOnNextActionBody, now = new Date()): Promise<NextActionResult> {
  assertCan(ctx.actor, "write");
  needUser(ctx);
  const { kind, id, productId } = parseKey(body.key);
  if (!verbsOf[kind].includes(body.verb))
    throw invalidField("verb", `A ${kind.replaceAll("_", " ")} suggestion offers ${verbsOf[kind].map((v) => v.replaceAll("_", " ")).join(" or ")}`);

  if (kind === "overdue_task") {
    const task = await getTask(ctx, id);
    if (body.verb === "complete_task") {
      await updateTask(ctx, id, { status: "done" });
      return { done: `Completed “${task.title}”`, created: null };
    }
    await updateTask(ctx, id, { dueAt: tomorrow(now) });
    return { done: `Moved “${task.title}” to tomorrow`, created: null };
  }

  if (kind === "stalled_deal") {
    const deal = await getDeal(ctx, id);
    const task = await createTask(ctx, {
      title: `Follow up on ${deal.name}`,
      description: `Stalled in ${deal.stageName}: agree the next step.`,
      dueAt: tomorrow(now),
      related: { object: "deal", id },
    });
    return { done: `Follow-up task created for ${deal.name}`, created: { object: "task", id: task.id } };
  }

  if (kind === "hot_lead" || kind === "no_recent_contact") {
    const contact = await getContact(ctx, id);
    const name = `${contact.firstName} ${contact.lastName}`.trim() || "the contact";
    if (body.verb === "log_call") {
      const activity = await logActivity(
        ctx,
        { object: "contact", id },
        { type: "call", subject: `Call with ${name}`, direction: "outbound", durationSeconds: 0, outcome: "connected", occurredAt: now.toISOString() },
      );
      return { done: `Call with ${name} logged`, created: { object: "activity", id: activity.id } };
    }
    const task = await createTask(ctx, {
      title: kind === "hot_lead" ? `Call ${name}` : `Check in with ${name}`,
      dueAt: tomorrow(now),
      related: { object: "contact", id },
    });
    return { done: `Task “${task.title}” created`, created: { object: "task", id: task.id } };
  }

  // cross_sell: the customer is a company or a contact without one.
  const product = await getProduct(ctx, productId as string);
  const customer = await customerOf(ctx, id);
  if (body.verb === "create_task") {
    const task = await createTask(ctx, { title: `Offer ${product.name} to ${customer.name}`, dueAt: tomorrow(now), related: { object: customer.object, id } });
    return { done: `Task “${task.title}” created`, created: { object: "task", id: task.id } };
  }
  const deal = await createDeal(ctx, {
    name: `${product.name} for ${customer.name}`,
    // In the product's currency, so its list price applies without a price list.
    currency: product.currency,
    ...(customer.object === "company" ? { companyId: id } : { contacts: [{ contactId: id }] }),
    ownerId: ctx.actor.userId,
  });
  await addLineItem(ctx, deal.id, { productId: product.id, quantity: "1", discountPercent: 0 });
  return { done: `Deal “${deal.name}” created`, created: { object: "deal", id: deal.id } };
}

async function customerOf(ctx: Ctx, id: string): Promise<{ object: "company" | "contact"; name: string }> {
  const [row] = await queryRows<{ object: "company" | "contact" }>(
    ctx.db,
    sql`select 'company' as object from companies where workspace_id = ${ctx.workspaceId}::uuid and id = ${id}::uuid
        union all select 'contact' from contacts where workspace_id = ${ctx.workspaceId}::uuid and id = ${id}::uuid`,
  );
  if (row?.object === "company") return { object: "company", name: (await getCompany(ctx, id)).name };
  const contact = await getContact(ctx, id);
  return { object: "contact", name: `${contact.firstName} ${contact.lastName}`.trim() || "Unnamed contact" };
}
