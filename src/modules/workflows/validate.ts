import type { z } from "zod";
import {
  type DefinitionIssue,
  WorkflowDefinition as DefinitionSchema,
  type StepType,
  stepBranches,
  stepConfigs,
  stepLabels,
  type WorkflowDefinition,
  type WorkflowObject,
} from "../../contract/workflows.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { conditionContext } from "../conditions/service.js";
import { conditionIssues } from "./conditions.js";
import { checkTemplate } from "./liquid.js";
import { readableFields, writableFields } from "./records.js";
import { timeTriggerIssues } from "./time-triggers.js";

/** Config keys that hold liquid templates, per step type (nested keys as dotted paths; "*" for every array item). */
const templateKeys: Partial<Record<StepType, string[]>> = {
  create_task: ["title", "description"],
  create_note: ["body"],
  create_deal: ["name"],
  create_contact: ["firstName", "lastName", "email", "phone"],
  send_email: ["subject", "body"],
  notify: ["title", "body"],
  http_request: ["url", "body", "headers.*.value"],
  send_webhook: ["body"],
};

function valuesAt(obj: unknown, path: string[], prefix: string): { path: string; value: unknown }[] {
  if (path.length === 0) return [{ path: prefix, value: obj }];
  const [head, ...rest] = path;
  if (head === "*") return Array.isArray(obj) ? obj.flatMap((v, i) => valuesAt(v, rest, `${prefix}.${i}`)) : [];
  if (obj === null || typeof obj !== "object") return [];
  return valuesAt((obj as Record<string, unknown>)[head as string], rest, `${prefix}.${head}`);
}

const zodIssues = (err: z.ZodError, base: string, stepId: string | null): DefinitionIssue[] =>
  err.issues.map((i) => ({ path: [base, ...i.path.map(String)].filter(Boolean).join("."), stepId, message: i.message }));

/**
 * Everything wrong with a definition, each on the step it belongs to: shape and config errors, unknown step ids
 * (a missing branch), cycles, steps nothing leads to, fields the object does not have, and liquid syntax errors
 * with their line and column. Returns the parsed definition (configs with their defaults) when there is none.
 */
export async function validateDefinition(ctx: Ctx, raw: unknown): Promise<{ issues: DefinitionIssue[]; definition: WorkflowDefinition | null }> {
  const parsed = DefinitionSchema.safeParse(raw);
  if (!parsed.success) return { issues: zodIssues(parsed.error, "", null), definition: null };
  const def = parsed.data;
  const issues: DefinitionIssue[] = [];
  const ids = new Map<string, number>();
  def.steps.forEach((s, i) => {
    if (ids.has(s.id)) issues.push({ path: `steps.${i}.id`, stepId: s.id, message: `Two steps have the id ${s.id}` });
    ids.set(s.id, i);
  });
  if (def.start !== null && !ids.has(def.start)) issues.push({ path: "start", stepId: null, message: `The first step (${def.start}) does not exist` });
  if (def.start === null && def.steps.length > 0) issues.push({ path: "start", stepId: null, message: "Connect the trigger to the first step" });

  const object = (def.trigger.object ?? null) as WorkflowObject | null;
  const readable = object ? await readableFields(ctx, object) : null;
  const writable = object ? await writableFields(ctx, object) : null;
  const knows = (field: string, set: Set<string> | null) => !set || set.has(field) || set.has(field.split(".")[0] as string);
  const objectLabel = object ?? "record";

  const { registry } = await conditionContext(ctx);
  // Only an update trigger has a change for changed / changed from / changed to to compare with.
  const changes = def.trigger.type === "record_updated";
  for (const i of conditionIssues(def.trigger.filter, object, registry, "trigger.filter", changes)) issues.push({ ...i, stepId: null });
  if (def.trigger.type === "record_updated")
    def.trigger.changes.forEach((c, i) => {
      if (!knows(c.field, readable)) issues.push({ path: `trigger.changes.${i}.field`, stepId: null, message: `Unknown field "${c.field}" on ${objectLabel}` });
    });
  if (def.trigger.type === "date_reached" && !knows(def.trigger.field, readable))
    issues.push({ path: "trigger.field", stepId: null, message: `Unknown field "${def.trigger.field}" on ${objectLabel}` });
  else issues.push(...(await timeTriggerIssues(ctx, def.trigger)));

  const configs: WorkflowDefinition["steps"] = [];
  def.steps.forEach((step, i) => {
    const base = `steps.${i}`;
    const schema = stepConfigs[step.type] as z.ZodType;
    const config = schema.safeParse(step.config);
    if (!config.success) issues.push(...zodIssues(config.error, `${base}.config`, step.id));
    const cfg = (config.success ? config.data : step.config) as Record<string, unknown>;
    configs.push({ ...step, config: cfg });
    // Branches: each one the type has must be there (null ends the run), and lead to a step that exists.
    for (const b of stepBranches[step.type]) {
      if (!(b in step.next))
        issues.push({ path: `${base}.next.${b}`, stepId: step.id, message: `${stepLabels[step.type].label}: the "${b}" branch is missing` });
      const to = step.next[b];
      if (to && !ids.has(to))
        issues.push({ path: `${base}.next.${b}`, stepId: step.id, message: `The "${b}" branch leads to a step that does not exist (${to})` });
    }
    for (const b of Object.keys(step.next))
      if (!stepBranches[step.type].includes(b))
        issues.push({ path: `${base}.next.${b}`, stepId: step.id, message: `${stepLabels[step.type].label} has no "${b}" branch` });
    for (const key of templateKeys[step.type] ?? [])
      for (const { path, value } of valuesAt(cfg, key.split("."), `${base}.config`)) {
        if (typeof value !== "string") continue;
        const err = checkTemplate(value);
        if (err)
          issues.push({
            path,
            stepId: step.id,
            message: `Template error${err.line ? ` at line ${err.line}, column ${err.column}` : ""}: ${err.message}`,
            line: err.line,
            column: err.column,
          });
      }
    // A wait re-checks its condition later, when the triggering change is long past: no change operators there.
    const condition = step.type === "if_else" || (step.type === "wait" && cfg.mode === "until_condition") ? cfg.condition : null;
    for (const i of conditionIssues(
      condition as Record<string, unknown> | null,
      object,
      registry,
      `${base}.config.condition`,
      changes && step.type === "if_else",
    ))
      issues.push({ ...i, stepId: step.id });
    if (step.type === "update_fields" && config.success)
      (cfg.updates as { field: string; value: { kind: string; field?: string } }[]).forEach((u, k) => {
        // contact.<field> on a deal: the deal's contacts (first one), e.g. lifecycle stage "customer" when won.
        const related = u.field.startsWith("contact.") && object !== "contact";
        if (!related && !knows(u.field, writable))
          issues.push({
            path: `${base}.config.updates.${k}.field`,
            stepId: step.id,
            message: `"${u.field}" is not a field a workflow can set on ${objectLabel}`,
          });
        if (u.value.kind === "field" && u.value.field && !knows(u.value.field, readable))
          issues.push({ path: `${base}.config.updates.${k}.value.field`, stepId: step.id, message: `Unknown field "${u.value.field}" on ${objectLabel}` });
      });
    // Steps that act on the record: the trigger's object must have one, and the field the step writes.
    const onRecord = step.type === "update_fields" || step.type === "tags" || step.type === "assign_owner" || step.type === "create_note";
    if (onRecord && !object)
      issues.push({ path: `${base}.type`, stepId: step.id, message: `${stepLabels[step.type].label} needs a record: choose the trigger's object` });
    if (step.type === "tags" && writable && !writable.has("tags"))
      issues.push({ path: `${base}.type`, stepId: step.id, message: `A ${objectLabel} has no tags` });
    if (step.type === "assign_owner" && writable && !writable.has("ownerId") && !writable.has("assigneeId"))
      issues.push({ path: `${base}.type`, stepId: step.id, message: `A ${objectLabel} has no owner to assign` });
    if (step.type === "assign_owner" && object && object !== "contact" && cfg.mode === "assignment_rules")
      issues.push({ path: `${base}.config.mode`, stepId: step.id, message: "Assignment rules assign contacts; choose a person or round robin" });
    if (step.type === "create_note" && object && object !== "contact" && object !== "company" && object !== "deal" && object !== "ticket")
      issues.push({ path: `${base}.type`, stepId: step.id, message: `Notes go on contacts, companies, deals or tickets, not on a ${objectLabel}` });
    if (step.type === "wait" && config.success && cfg.mode === "until_date" && !knows(cfg.field as string, readable))
      issues.push({ path: `${base}.config.field`, stepId: step.id, message: `Unknown field "${cfg.field}" on ${objectLabel}` });
  });

  // Cycles and unreachable steps: walk from the start; a step met again on its own path closes a loop.
  const reached = new Set<string>();
  const onPath = new Set<string>();
  const cycleAt = new Set<string>();
  const walk = (id: string | null) => {
    if (!id || !ids.has(id)) return;
    if (onPath.has(id)) {
      cycleAt.add(id);
      return;
    }
    if (reached.has(id)) return;
    reached.add(id);
    onPath.add(id);
    const step = def.steps[ids.get(id) as number];
    for (const to of Object.values(step?.next ?? {})) walk(to);
    onPath.delete(id);
  };
  walk(def.start);
  for (const id of cycleAt)
    issues.push({
      path: `steps.${ids.get(id)}`,
      stepId: id,
      message: "This step is part of a loop: a workflow runs forward only (use a wait and re-enrollment instead)",
    });
  def.steps.forEach((s, i) => {
    if (!reached.has(s.id) && def.start !== null)
      issues.push({ path: `steps.${i}`, stepId: s.id, message: "Nothing leads to this step: connect it or delete it" });
  });
  return { issues, definition: issues.length ? null : { ...def, steps: configs } };
}

/** The definition, or a 400 with every issue as errors[{path, message}]. */
export async function assertValidDefinition(ctx: Ctx, raw: unknown): Promise<WorkflowDefinition> {
  const { issues, definition } = await validateDefinition(ctx, raw);
  if (!definition)
    throw new AppError(
      "validation_failed",
      `The workflow has ${issues.length} problem${issues.length === 1 ? "" : "s"}: ${issues
        .slice(0, 3)
        .map((i) => i.message)
        .join("; ")}`,
      issues.map((i) => ({ path: `definition.${i.path}`.replace(/\.$/, ""), message: i.message })),
      { issues },
    );
  return definition;
}
