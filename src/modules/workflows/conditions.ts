import type { WebhookCondition } from "../../contract/webhooks.js";
import type { WorkflowCondition } from "../../contract/workflows.js";
import { conditionHolds } from "../webhooks/conditions.js";

/**
 * Conditions of triggers, branches and waits, evaluated on a record (and the triggering change). Groups are
 * `{ all: [...] }` / `{ any: [...] }` of leaves `{ field, op, value }` or further groups.
 * This evaluator predates src/modules/conditions and reads the webhook filters' operators; moving workflows onto the
 * one condition language (evaluate() there, with the field registry's validation) is open work named in issue #18.
 */
type Node = { all?: Node[]; any?: Node[]; field?: string; op?: string; value?: unknown };

export function evaluateCondition(
  condition: WorkflowCondition | null | undefined,
  record: Record<string, unknown> | null,
  changes: { field: string; from: unknown; to: unknown }[] = [],
): boolean {
  if (!condition || Object.keys(condition).length === 0) return true;
  const node = condition as Node;
  if (node.all) return node.all.every((c) => evaluateCondition(c as WorkflowCondition, record, changes));
  if (node.any) return node.any.length === 0 || node.any.some((c) => evaluateCondition(c as WorkflowCondition, record, changes));
  return conditionHolds({ data: { record, changes } }, node as WebhookCondition);
}

/** The fields a condition reads, to check them against the object's fields. */
export function conditionFields(condition: WorkflowCondition | null | undefined, path = ""): { path: string; field: string }[] {
  if (!condition) return [];
  const node = condition as Node;
  const out: { path: string; field: string }[] = [];
  for (const key of ["all", "any"] as const)
    node[key]?.forEach((c, i) => {
      out.push(...conditionFields(c as WorkflowCondition, `${path}${path ? "." : ""}${key}.${i}`));
    });
  if (typeof node.field === "string") out.push({ path: `${path}${path ? "." : ""}field`, field: node.field });
  else if (!node.all && !node.any && Object.keys(node).length > 0) out.push({ path, field: "" });
  return out;
}
