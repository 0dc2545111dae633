import { type Condition, leavesOf, validateCondition } from "../../contract/conditions.js";
import { type RegistryObject, registryObjects } from "../../contract/fields.js";
import type { Ctx } from "../../core/context.js";
import type { FieldError } from "../../core/errors.js";
import { conditionContext, evaluate, relatedLeaves } from "../conditions/service.js";

/** Policies test ticket fields in the one condition language; "ticket" is the field registry's object for them. */
const TICKET = "ticket" as RegistryObject;
const ticketsKnown = () => (registryObjects as readonly string[]).includes(TICKET);

export async function policyConditionProblems(ctx: Ctx, condition: Condition): Promise<FieldError[]> {
  if (leavesOf(condition).length === 0) return [];
  if (!ticketsKnown()) return [{ path: "condition", message: "Ticket fields are not in the field registry" }];
  const { registry } = await conditionContext(ctx);
  return validateCondition(condition, TICKET, registry, {}, "condition");
}

/**
 * A function telling whether a ticket (as the tickets service returns it) meets a policy's condition. Leaves on the
 * ticket's company or contact (company.custom.tier) are decided in SQL against the stored records.
 */
export async function policyMatcher(ctx: Ctx, now = new Date()): Promise<(condition: Condition, ticket: { id: string }) => Promise<boolean>> {
  const context = await conditionContext(ctx, now);
  return async (condition, ticket) => {
    if (leavesOf(condition).length === 0) return true;
    if (!ticketsKnown()) return false;
    const related = await relatedLeaves(ctx, condition, TICKET, ticket.id, context);
    return evaluate(condition, ticket as unknown as Record<string, unknown>, { ...context, object: TICKET, related });
  };
}
