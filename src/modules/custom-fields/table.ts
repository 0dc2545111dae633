import { boolean, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from "drizzle-orm/pg-core";
import type { CustomFieldType, CustomObject } from "../../contract/custom-fields.js";
import { createdAt, emptyArray, recordId, workspaceId } from "../../db/columns.js";

export const customFields = pgTable(
  "custom_fields",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<CustomObject>().notNull(),
    key: text("key").notNull(),
    label: text("label").notNull(),
    type: text("type").$type<CustomFieldType>().notNull(),
    options: jsonb("options").$type<string[]>().notNull().default(emptyArray),
    required: boolean("required").notNull().default(false),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("custom_fields_key").on(t.workspaceId, t.object, t.key)],
);
