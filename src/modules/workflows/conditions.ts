import { type Condition, type ConditionIssue, Condition as ConditionSchema, validateCondition } from "../../contract/conditions.js";
import { type FieldRegistry, type RegistryObject, registryObjects } from "../../contract/fields.js";
import type { WorkflowCondition } from "../../contract/workflows.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { conditionContext, evaluate, relatedLeaves } from "../conditions/service.js";

/**
 * Conditions of triggers, branches and waits: the one condition language (src/contract/conditions.ts), on the
 * workflow's record. Fields of related records (company.industry, deals.amount) are decided in SQL for the stored
 * record; changed / changedFrom / changedTo compare with the record before the triggering change.
 */

type Change = { field: string; from: unknown; to?: unknown };

const isEmpty = (c: WorkflowCondition | null | undefined) => !c || Object.keys(c).length === 0;
const asObject = (object: string | null | undefined): RegistryObject | null =>
  (registryObjects as readonly string[]).includes(object ?? "") ? (object as RegistryObject) : null;

/** The record as it was before a change: each changed field (a dotted path) back at its old value. */
function previousOf(record: Record<string, unknown>, changes: readonly Change[]): Record<string, unknown> {
  const before = structuredClone(record);
  for (const ch of changes) {
    const keys = ch.field.split(".");
    let at: Record<string, unknown> = before;
    for (const k of keys.slice(0, -1)) {
      const next = at[k];
      if (!next || typeof next !== "object" || Array.isArray(next)) at[k] = {};
      at = at[k] as Record<string, unknown>;
    }
    at[keys[keys.length - 1] as string] = ch.from;
  }
  return before;
}

/**
 * Whether the workflow's record meets a condition. No condition holds for every record; a condition naming a field
 * the object no longer has (a deleted custom field) holds for none, as a value that is never there.
 */
export async function conditionHolds(
  ctx: Ctx,
  object: string | null | undefined,
  condition: WorkflowCondition | null | undefined,
  record: Record<string, unknown> | null,
  options: { changes?: readonly Change[]; now?: Date } = {},
): Promise<boolean> {
  if (isEmpty(condition)) return true;
  const kind = asObject(object);
  const parsed = ConditionSchema.safeParse(condition);
  if (!kind || !parsed.success || !record) return false;
  const context = await conditionContext(ctx, options.now);
  try {
    const id = typeof record.id === "string" ? record.id : null;
    const related = id ? await relatedLeaves(ctx, parsed.data, kind, id, context) : undefined;
    const previous = options.changes?.length ? previousOf(record, options.changes) : null;
    return evaluate(parsed.data, record, { ...context, object: kind, previous, related });
  } catch (err) {
    if (err instanceof AppError) return false;
    throw err;
  }
}

/**
 * Everything wrong with a condition of a workflow on this object, at paths under `base` ("trigger.filter.all.0.value"):
 * its shape, its fields and values against the registry. Change operators only where there is a change to compare.
 */
export function conditionIssues(
  condition: WorkflowCondition | null | undefined,
  object: string | null | undefined,
  registry: FieldRegistry,
  base: string,
  allowChanges: boolean,
): ConditionIssue[] {
  if (isEmpty(condition)) return [];
  const parsed = ConditionSchema.safeParse(condition);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [base, ...(issue?.path ?? []).map(String)].join(".");
    return [{ path, message: `Not a condition: ${issue?.message ?? "use { all: [...] }, { any: [...] } or { field, op, value }"}` }];
  }
  const kind = asObject(object);
  if (!kind) return [{ path: base, message: "Choose the trigger's object before adding conditions" }];
  return validateCondition(parsed.data as Condition, kind, registry, { allowChanges }, base);
}
