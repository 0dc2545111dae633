import { sql } from "drizzle-orm";
import { timestamp, uuid } from "drizzle-orm/pg-core";

/** Columns every workspace-scoped table starts with; workspace_id leads every key. */
export const workspaceId = () => uuid("workspace_id").notNull();
export const recordId = () => uuid("id").notNull();
export const createdAt = () => timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const updatedAt = () => timestamp("updated_at", { withTimezone: true, mode: "date" }).notNull().defaultNow();
export const deletedAt = () => timestamp("deleted_at", { withTimezone: true, mode: "date" });
export const emptyObject = sql`'{}'::jsonb`;
export const emptyArray = sql`'[]'::jsonb`;
export const emptyTextArray = sql`'{}'::text[]`;
