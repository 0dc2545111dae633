import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import type { ValidationObject } from "../../contract/data-quality.js";
import { createdAt, emptyArray, recordId, updatedAt, workspaceId } from "../../db/columns.js";

/**
 * Admin-managed rules, one row per field of companies or contacts (built-in or custom.<key>).
 * Each constraint is optional: required, a regex with its human message, allowed values, a min/max
 * (value for numbers, length for text, count for lists).
 */
export const validationRules = pgTable(
  "validation_rules",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<ValidationObject>().notNull(),
    field: text("field").notNull(),
    required: boolean("required").notNull().default(false),
    pattern: text("pattern"),
    message: text("message"),
    allowedValues: jsonb("allowed_values").$type<string[]>().notNull().default(emptyArray),
    min: doublePrecision("min"),
    max: doublePrecision("max"),
    /** The records the rule applies to, in the one condition language; the empty "all" group applies it to every one. */
    when: jsonb("when").$type<Condition>().notNull().default(sql`'{"all":[]}'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("validation_rules_field_key").on(t.workspaceId, t.object, t.field),
    index("validation_rules_object_idx").on(t.workspaceId, t.object),
  ],
);
