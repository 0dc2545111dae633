import { sql } from "drizzle-orm";
import { foreignKey, timestamp, uuid } from "drizzle-orm/pg-core";

/** Columns every workspace-scoped table starts with; workspace_id leads every key. */
export const workspaceId = () => uuid("workspace_id").notNull();
export const recordId = () => uuid("id").notNull();
export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const deletedAt = () => timestamp("deleted_at", { withTimezone: true, mode: "date" });
export const emptyObject = sql`'{}'::jsonb`;
export const emptyArray = sql`'[]'::jsonb`;
export const emptyTextArray = sql`'{}'::text[]`;

type Col = Parameters<typeof foreignKey>[0]["columns"][number];

/**
 * A reference to another record of the same workspace: a foreign key on (workspace_id, id), so it can neither point
 * into another workspace nor at nothing. The behaviour when the referenced row is deleted is stated at each use:
 * "set null" clears the id column only (the generated SQL is edited to `ON DELETE SET NULL (column)`; Drizzle would
 * null workspace_id too), "cascade" deletes the referencing row, "no action" refuses the delete. Every key is made
 * DEFERRABLE in its migration, so a restore may load tables in any order and check them at commit.
 */
export const reference = (name: string, columns: [Col, Col], target: [Col, Col], onDelete: "set null" | "cascade" | "no action") =>
  foreignKey({ name, columns, foreignColumns: target }).onDelete(onDelete);
