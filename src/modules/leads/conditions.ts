import { type Condition, describeCondition, isGroup, leavesOf } from "../../contract/conditions.js";
import type { Contact } from "../../contract/contacts.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { assertValidCondition, type ConditionContext, conditionContext, evaluate } from "../conditions/service.js";

/**
 * What assignment and scoring rules look at: the contact as it is (or is about to be) stored, with its company's
 * size and industry under `company`, the relation `company.employees` / `company.industry` conditions read. Rules are
 * conditions of the one language (src/contract/conditions.ts) on the contact registry, so they are checked,
 * described and evaluated as lists and workflows are.
 */
export type LeadRecord = Record<string, unknown>;

export interface CompanyProfile {
  employees: number | null;
  industry: string | null;
}

type RecordSource = Pick<Contact, "address" | "jobTitle" | "leadSource" | "lifecycleStage" | "primaryEmail" | "tags" | "custom">;

export function leadRecordOf(c: RecordSource & Record<string, unknown>, company: CompanyProfile | null | undefined): LeadRecord {
  return { ...c, company: company ? { employees: company.employees, industry: company.industry } : null };
}

/** The condition context rules are evaluated in; read before a write's transaction, like the rules themselves. */
export const leadConditionContext = (ctx: Ctx): Promise<ConditionContext> => conditionContext(ctx);

/**
 * Whether a contact meets a rule. A rule naming a field that no longer exists (its custom field was deleted) matches
 * no one, rather than stopping every contact from being created.
 */
export function ruleMatches(condition: Condition, record: LeadRecord, context: ConditionContext, now = context.now): boolean {
  try {
    return evaluate(condition, record, { ...context, now, object: "contact" });
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}

/** "Country is any of DE, FR and Company employees is more than 200": what reasons and breakdowns show. */
export const describeRule = (condition: Condition, context: Pick<ConditionContext, "registry">): string =>
  describeCondition(condition, context.registry, "contact");

/** Whether a rule has anything to test (an empty "all" matches every contact). */
export const hasConditions = (condition: Condition): boolean => !isGroup(condition) || leavesOf(condition).length > 0;

/** Refuses a condition that does not fit the contact's fields, each problem at its path under `path`. */
export function assertRuleCondition(condition: Condition, context: Pick<ConditionContext, "registry">, path = "conditions"): void {
  assertValidCondition(condition, "contact", context.registry, { path });
}
