import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { type Condition, leavesOf, validateCondition } from "../../contract/conditions.js";
import {
  type CreateValidationRuleBody,
  ruleFields,
  type UpdateValidationRuleBody,
  type ValidationObject,
  type ValidationRule,
} from "../../contract/data-quality.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { compileUserPattern, type UserPattern } from "../../core/patterns.js";
import { assertCan } from "../../core/roles.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import { conditionContext, evaluate, readsRelated } from "../conditions/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { recordChanges } from "../history/service.js";
import { validationRules } from "./table.js";

type Row = typeof validationRules.$inferSelect;

const toRule = (r: Row): ValidationRule => ({
  id: r.id,
  object: r.object,
  field: r.field,
  required: r.required,
  pattern: r.pattern,
  message: r.message,
  allowedValues: r.allowedValues,
  min: r.min,
  max: r.max,
  when: r.when,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export async function listValidationRules(ctx: Ctx, object?: ValidationObject): Promise<ValidationRule[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(validationRules)
    .where(and(eq(validationRules.workspaceId, ctx.workspaceId), object ? eq(validationRules.object, object) : undefined))
    .orderBy(asc(validationRules.object), asc(validationRules.field));
  return rows.map(toRule);
}

/** A rule must name a real field, hold a pattern that compiles, and a min that is not above its max. */
async function checkDefinition(ctx: Ctx, object: ValidationObject, field: string, r: Partial<ValidationRule>): Promise<void> {
  const errors: FieldError[] = [];
  if (field.startsWith("custom.")) {
    const defs = await listCustomFields(ctx, object);
    if (!defs.some((d) => `custom.${d.key}` === field)) errors.push({ path: "field", message: `No ${object} custom field ${field.slice(7)}` });
  } else if (!(ruleFields[object] as readonly string[]).includes(field)) {
    errors.push({ path: "field", message: `Rules can name ${ruleFields[object].join(", ")} or custom.<key>` });
  }
  if (r.pattern) {
    const compiled = compileUserPattern(r.pattern);
    if (!compiled.ok) errors.push({ path: "pattern", message: compiled.message });
  }
  if (r.min != null && r.max != null && r.min > r.max) errors.push({ path: "min", message: "min is larger than max" });
  if (r.when) {
    const { registry } = await conditionContext(ctx);
    errors.push(...validateCondition(r.when, object, registry, {}, "when"));
    // A record is checked before it is stored: its related records are not there to read yet.
    if (leavesOf(r.when).some((l) => readsRelated(l, object, registry)))
      errors.push({ path: "when", message: "A rule's condition names the record's own fields" });
  }
  if (!r.required && !r.pattern && !r.allowedValues?.length && r.min == null && r.max == null) {
    errors.push({ path: "required", message: "Give the rule at least one check: required, pattern, allowed values, min or max" });
  }
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

export async function createValidationRule(ctx: Ctx, input: z.infer<typeof CreateValidationRuleBody>): Promise<ValidationRule> {
  assertCan(ctx.actor, "admin");
  const values = {
    required: input.required ?? false,
    pattern: input.pattern || null,
    message: input.message || null,
    allowedValues: [...new Set(input.allowedValues ?? [])],
    min: input.min ?? null,
    max: input.max ?? null,
    when: input.when ?? ({ all: [] } as Condition),
  };
  await checkDefinition(ctx, input.object, input.field, values);
  const [existing] = await ctx.db
    .select({ id: validationRules.id })
    .from(validationRules)
    .where(and(eq(validationRules.workspaceId, ctx.workspaceId), eq(validationRules.object, input.object), eq(validationRules.field, input.field)));
  if (existing)
    throw new AppError("conflict", `There is already a rule for ${input.object} ${input.field}; edit it instead.`, [
      { path: "field", message: "Already has a rule" },
    ]);
  const now = new Date();
  const rule = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(validationRules)
      .values({ workspaceId: ctx.workspaceId, id: newId(), object: input.object, field: input.field, ...values, createdAt: now, updatedAt: now })
      .returning();
    const r = toRule(row as Row);
    await recordChanges(tx, ctx, [{ object: "validation_rule", recordId: r.id, action: "create", changes: [], payload: r }]);
    return r;
  });
  forgetConfig(ctx);
  return rule;
}

async function findRule(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(validationRules)
    .where(and(eq(validationRules.workspaceId, ctx.workspaceId), eq(validationRules.id, id)));
  if (!row) throw notFound("Validation rule");
  return row;
}

export async function updateValidationRule(ctx: Ctx, id: string, input: z.infer<typeof UpdateValidationRuleBody>): Promise<ValidationRule> {
  assertCan(ctx.actor, "admin");
  const current = toRule(await findRule(ctx, id));
  const next = {
    required: input.required ?? current.required,
    pattern: input.pattern === undefined ? current.pattern : input.pattern || null,
    message: input.message === undefined ? current.message : input.message || null,
    allowedValues: input.allowedValues === undefined ? current.allowedValues : [...new Set(input.allowedValues)],
    min: input.min === undefined ? current.min : input.min,
    max: input.max === undefined ? current.max : input.max,
    when: input.when === undefined ? current.when : input.when,
  };
  await checkDefinition(ctx, current.object, current.field, next);
  const rule = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(validationRules)
      .set({ ...next, updatedAt: new Date() })
      .where(and(eq(validationRules.workspaceId, ctx.workspaceId), eq(validationRules.id, id)))
      .returning();
    const r = toRule(row as Row);
    const changes = (Object.keys(next) as (keyof typeof next)[])
      .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]))
      .map((k) => ({ field: k, from: current[k], to: next[k] }));
    if (changes.length) await recordChanges(tx, ctx, [{ object: "validation_rule", recordId: id, action: "update", changes, payload: r }]);
    return r;
  });
  forgetConfig(ctx);
  return rule;
}

export async function deleteValidationRule(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const before = toRule(await findRule(ctx, id));
  await ctx.db.transaction(async (tx) => {
    await tx.delete(validationRules).where(and(eq(validationRules.workspaceId, ctx.workspaceId), eq(validationRules.id, id)));
    await recordChanges(tx, ctx, [{ object: "validation_rule", recordId: id, action: "delete", changes: [], payload: before }]);
  });
  forgetConfig(ctx);
}

// Enforcement

/** Rules ready to check: the pattern compiled once. Load once per import batch, then check each row. */
export interface LoadedRule extends ValidationRule {
  /** The compiled pattern; a string when a stored pattern no longer compiles (saved before patterns ran in RE2). */
  regex: UserPattern | string | null;
  /** Whether the rule applies to a record (its `when` condition, evaluated now). */
  applies: (record: Record<string, unknown>) => boolean;
}

function loadPattern(source: string | null): LoadedRule["regex"] {
  if (!source) return null;
  const compiled = compileUserPattern(source);
  return compiled.ok ? compiled.pattern : compiled.message;
}

export async function loadRules(ctx: Ctx, object: ValidationObject): Promise<LoadedRule[]> {
  return cachedConfig(ctx, `validationRules:${object}`, async () => {
    const rows = await ctx.db
      .select()
      .from(validationRules)
      .where(and(eq(validationRules.workspaceId, ctx.workspaceId), eq(validationRules.object, object)));
    const context = rows.some((r) => leavesOf(r.when).length > 0) ? await conditionContext(ctx) : null;
    const applies = (when: Condition) => (record: Record<string, unknown>) => {
      if (!context || leavesOf(when).length === 0) return true;
      try {
        return evaluate(when, record, { ...context, now: new Date(), object });
      } catch (err) {
        // A field the condition names was deleted since: the rule keeps applying, as it did before it had one.
        if (err instanceof AppError) return true;
        throw err;
      }
    };
    return frozen(rows.map((r) => ({ ...toRule(r), regex: loadPattern(r.pattern), applies: applies(r.when) })));
  });
}

/** The value a rule's field names, read from a record shaped like the service's row or API output. */
function fieldValue(record: Record<string, unknown>, field: string): unknown {
  if (field.startsWith("custom.")) return (record.custom as Record<string, unknown> | undefined)?.[field.slice(7)];
  const [head, sub] = field.split(".") as [string, string | undefined];
  const v = record[head];
  if (sub) return v && typeof v === "object" ? (v as Record<string, unknown>)[sub] : undefined;
  return v;
}

/** The input key that writes a rule's field: a rule on address.country is checked when address is written. */
function writtenBy(field: string): string[] {
  if (field.startsWith("custom.")) return ["custom"];
  if (field === "primaryEmail") return ["emails"];
  if (field === "primaryPhone") return ["phones"];
  return [field.split(".")[0] as string];
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

/**
 * Field errors for one record. `written`, on updates, is the input: only rules on fields it writes are
 * checked, so a rule added today does not block edits to other fields of older records.
 */
export function checkRecord(rules: LoadedRule[], record: Record<string, unknown>, written?: Record<string, unknown>): FieldError[] {
  const errors: FieldError[] = [];
  for (const rule of rules) {
    if (!rule.applies(record)) continue;
    if (written) {
      const keys = writtenBy(rule.field);
      const touched = rule.field.startsWith("custom.")
        ? written.custom !== undefined && rule.field.slice(7) in (written.custom as Record<string, unknown>)
        : keys.some((k) => written[k] !== undefined);
      if (!touched) continue;
    }
    const value = fieldValue(record, rule.field);
    const fail = (fallback: string) => errors.push({ path: rule.field, message: rule.message || fallback });
    if (isEmpty(value)) {
      if (rule.required) fail("Required");
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    if (typeof rule.regex === "string") {
      // Never fall back to a backtracking engine: the value is refused until an admin rewrites the pattern.
      errors.push({
        path: rule.field,
        message: `This field's validation rule has a pattern that cannot be checked safely; an admin must edit it (${rule.regex})`,
      });
      continue;
    }
    const pattern = rule.regex;
    if (pattern && items.some((v) => !pattern.matchesWhole(String(v)))) {
      fail(`Does not have the expected format (${rule.pattern})`);
      continue;
    }
    if (rule.allowedValues.length && items.some((v) => !rule.allowedValues.includes(String(v)))) {
      fail(`Must be one of: ${rule.allowedValues.join(", ")}`);
      continue;
    }
    if (rule.min != null || rule.max != null) {
      const numeric = typeof value === "number" || (typeof value === "string" && (rule.field === "annualRevenue" || rule.field === "amount"));
      const size = Array.isArray(value) ? value.length : numeric ? Number(value) : String(value).length;
      const what = Array.isArray(value) ? "items" : numeric ? "" : "characters";
      if (rule.min != null && size < rule.min) fail(numeric ? `Must be at least ${rule.min}` : `Needs at least ${rule.min} ${what}`);
      else if (rule.max != null && size > rule.max) fail(numeric ? `Must be at most ${rule.max}` : `Allows at most ${rule.max} ${what}`);
    }
  }
  return errors;
}

/**
 * The one call every write path makes (create, update, bulk, import): throws validation_failed naming
 * each field that breaks a rule. `record` is the record as it will be stored (row or API shape);
 * `written` is the update's input (omit on create, where every rule applies).
 */
export async function enforceRules(ctx: Ctx, object: ValidationObject, record: Record<string, unknown>, written?: Record<string, unknown>): Promise<void> {
  const rules = await loadRules(ctx, object);
  if (rules.length === 0) return;
  const errors = checkRecord(rules, record, written);
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

/** Bulk actions: a tag added must pass the tags rule; a new owner must pass the ownerId rule. */
export async function enforceBulkRules(ctx: Ctx, object: ValidationObject, input: { action: string; tag?: string; ownerId?: string | null }): Promise<void> {
  if (input.action === "tag") await enforceRules(ctx, object, { tags: [input.tag] }, { tags: [input.tag] });
  if (input.action === "setOwner") await enforceRules(ctx, object, { ownerId: input.ownerId }, { ownerId: input.ownerId });
}
