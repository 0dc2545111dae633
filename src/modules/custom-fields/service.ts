import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import type { CustomField, CustomFieldType, CustomObject } from "../../contract/custom-fields.js";
import { lockedFields } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { normalisePhone } from "../../core/phones.js";
import { assertCan } from "../../core/roles.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import { diff, recordChanges } from "../history/service.js";
import { customFields } from "./table.js";

const toField = (f: typeof customFields.$inferSelect): CustomField => ({
  id: f.id,
  object: f.object,
  key: f.key,
  label: f.label,
  type: f.type,
  options: f.options,
  required: f.required,
  position: f.position,
  createdAt: f.createdAt.toISOString(),
});

export async function listCustomFields(ctx: Ctx, object?: CustomObject): Promise<CustomField[]> {
  return cachedConfig(ctx, `customFields:${object ?? "*"}`, async () => {
    const rows = await ctx.db
      .select()
      .from(customFields)
      .where(and(eq(customFields.workspaceId, ctx.workspaceId), object ? eq(customFields.object, object) : undefined))
      .orderBy(asc(customFields.position), asc(customFields.createdAt));
    return frozen(rows.map(toField));
  });
}

const keyFromLabel = (label: string) =>
  label
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/^(\d)/, "f_$1")
    .slice(0, 40) || "field";

const FIELD_FIELDS = ["object", "key", "label", "type", "options", "required", "position"] as const;

export async function createCustomField(
  ctx: Ctx,
  input: {
    object: CustomObject;
    label: string;
    key?: string;
    type: CustomFieldType;
    options?: string[];
    required?: boolean;
  },
): Promise<CustomField> {
  assertCan(ctx.actor, "admin");
  const key = input.key ?? keyFromLabel(input.label);
  const existing = await listCustomFields(ctx, input.object);
  if (existing.some((f) => f.key === key)) {
    throw new AppError("conflict", `A ${input.object} field with key "${key}" exists`, [{ path: "key", message: "Already in use" }]);
  }
  const field = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(customFields)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        object: input.object,
        key,
        label: input.label,
        type: input.type,
        options: [...new Set(input.options ?? [])],
        required: input.required ?? false,
        position: existing.length,
      })
      .returning();
    const created = toField(row as typeof customFields.$inferSelect);
    await recordChanges(tx, ctx, [
      { object: "custom_field", recordId: created.id, action: "create", changes: diff(null, created, FIELD_FIELDS), payload: created },
    ]);
    return created;
  });
  forgetConfig(ctx);
  return field;
}

export async function updateCustomField(
  ctx: Ctx,
  id: string,
  input: {
    label?: string;
    options?: string[];
    required?: boolean;
    position?: number;
  },
): Promise<CustomField> {
  assertCan(ctx.actor, "admin");
  const field = await ctx.db.transaction(async (tx) => {
    const where = and(eq(customFields.workspaceId, ctx.workspaceId), eq(customFields.id, id));
    const [before] = await tx.select().from(customFields).where(where).for("update");
    if (!before) throw notFound("Custom field");
    // Nothing to set ({}): an UPDATE without columns is an error in Drizzle, and there is no change to record.
    if (Object.values(input).every((v) => v === undefined)) return toField(before);
    const [row] = await tx
      .update(customFields)
      .set({
        ...input,
        options: input.options ? [...new Set(input.options)] : undefined,
      })
      .where(where)
      .returning();
    const after = toField(row as typeof customFields.$inferSelect);
    await recordChanges(tx, ctx, [
      { object: "custom_field", recordId: id, action: "update", changes: diff(toField(before), after, FIELD_FIELDS), payload: after },
    ]);
    return after;
  });
  forgetConfig(ctx);
  return field;
}

/** Deleting a definition keeps old values in records' history but hides them from forms and lists. */
export async function deleteCustomField(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.transaction(async (tx) => {
    const gone = await tx
      .delete(customFields)
      .where(and(eq(customFields.workspaceId, ctx.workspaceId), eq(customFields.id, id)))
      .returning();
    const field = gone[0] ? toField(gone[0]) : undefined;
    if (field) await recordChanges(tx, ctx, [{ object: "custom_field", recordId: id, action: "delete", changes: [], payload: field }]);
    return gone;
  });
  forgetConfig(ctx);
  if (rows.length === 0) throw notFound("Custom field");
}

const isoDate = z.iso.date("Use a date such as 2026-03-31");

function valueSchema(f: CustomField): z.ZodType {
  switch (f.type) {
    case "text":
      return z.string().max(1000);
    case "long_text":
      return z.string().max(20_000);
    case "number":
    case "currency":
      return z
        .union([
          z.number(),
          z
            .string()
            .regex(/^-?\d+(\.\d+)?$/)
            .transform(Number),
        ])
        .pipe(z.number().finite());
    case "date":
      return isoDate;
    case "boolean":
      return z.boolean();
    case "select":
      return z.enum(f.options as [string, ...string[]], `Choose one of: ${f.options.join(", ")}`);
    case "multi_select":
      return z
        .array(z.enum(f.options as [string, ...string[]], `Choose from: ${f.options.join(", ")}`))
        .max(200)
        .transform((v) => [...new Set(v)]);
    case "url":
      return z.url({ protocol: /^https?$/, error: "Enter a full http(s) URL" }).max(2000);
    case "email":
      return z
        .email("Enter a valid email address")
        .max(254)
        .transform((e) => e.toLowerCase());
    case "phone":
      return z
        .string()
        .max(40)
        .transform((p, c) => {
          const n = normalisePhone(p);
          if (!n) {
            c.addIssue({
              code: "custom",
              message: "Enter a valid phone number, with its country code (+49 …)",
            });
            return z.NEVER;
          }
          return n;
        });
  }
}

const isEmpty = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);

/**
 * Validates custom values against the workspace's definitions and returns the merged record value.
 * `current` is the stored value on update (undefined on create); null or "" removes a value.
 */
/**
 * Refuses a change to a custom field the actor's role may only read (or not see): every custom write passes here.
 * A value sent back unchanged (a form that returns what it showed) is not a change.
 */
function assertFieldsWritable(ctx: Ctx, object: CustomObject, input: Record<string, unknown> | undefined, current: Record<string, unknown> | undefined): void {
  const locked = lockedFields(ctx.actor, object);
  if (locked.length === 0 || !input) return;
  const errors = locked
    .filter((k) => Object.hasOwn(input, k) && JSON.stringify(input[k] ?? null) !== JSON.stringify(current?.[k] ?? null))
    .map((k) => ({ path: `custom.${k}`, message: "Your role cannot change this field" }));
  if (errors.length) throw new AppError("forbidden", `Your role cannot change ${errors.map((e) => e.path).join(", ")}.`, errors);
}

export async function validateCustomValues(
  ctx: Ctx,
  object: CustomObject,
  input: Record<string, unknown> | undefined,
  current?: Record<string, unknown>,
  /** The object's definitions when the caller already has them (bulk writes validate many rows). */
  knownDefs?: CustomField[],
): Promise<Record<string, unknown>> {
  assertFieldsWritable(ctx, object, input, current);
  const defs = knownDefs ?? (await listCustomFields(ctx, object));
  const result: Record<string, unknown> = { ...(current ?? {}) };
  const errors: FieldError[] = [];
  for (const [key, value] of Object.entries(input ?? {})) {
    const def = defs.find((d) => d.key === key);
    if (!def) {
      errors.push({
        path: `custom.${key}`,
        message: `Unknown ${object} field "${key}"`,
      });
      continue;
    }
    if (isEmpty(value)) {
      delete result[key];
      continue;
    }
    const parsed = valueSchema(def).safeParse(value);
    if (parsed.success) result[key] = parsed.data;
    else
      errors.push({
        path: `custom.${key}`,
        message: parsed.error.issues[0]?.message ?? "Invalid value",
      });
  }
  for (const def of defs) {
    if (def.required && isEmpty(result[def.key]))
      errors.push({
        path: `custom.${def.key}`,
        message: `${def.label} is required`,
      });
  }
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  // Values of deleted definitions are dropped on the next write.
  for (const key of Object.keys(result)) if (!defs.some((d) => d.key === key)) delete result[key];
  return result;
}
