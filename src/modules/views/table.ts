import { boolean, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

export interface StoredViewState {
  q?: string;
  sort?: string;
  /** All must match (the condition language of src/contract/conditions.ts; older views hold leaves only). */
  filters: Condition[];
  columns: string[];
}

export const savedViews = pgTable(
  "saved_views",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<"company" | "contact">().notNull(),
    name: text("name").notNull(),
    shared: boolean("shared").notNull().default(false),
    ownerId: uuid("owner_id").notNull(),
    state: jsonb("state").$type<StoredViewState>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("saved_views_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
  ],
);
