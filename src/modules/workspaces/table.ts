import { jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, emptyObject } from "../../db/columns.js";

/** The tenant. Its id is the workspace_id every other table is keyed by. */
export const workspaces = pgTable(
  "workspaces",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    slug: text("slug").notNull(),
    settings: jsonb("settings")
      .$type<{ defaultCountry?: string; defaultCurrency?: string; timeZone?: string; requireTotp?: boolean }>()
      .notNull()
      .default(emptyObject),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("workspaces_slug_key").on(t.slug)],
);
