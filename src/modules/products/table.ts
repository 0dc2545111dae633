import { sql } from "drizzle-orm";
import { boolean, index, numeric, pgTable, primaryKey, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";

export const products = pgTable(
  "products",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    sku: text("sku").notNull(),
    unitPrice: numeric("unit_price", { precision: 18, scale: 2 }).notNull(),
    currency: text("currency").notNull(),
    active: boolean("active").notNull().default(true),
    description: text("description"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // SKUs compare case-insensitively: "ab-1" and "AB-1" are the same article.
    uniqueIndex("products_sku_key").on(t.workspaceId, sql`lower(${t.sku})`),
    index("products_name_idx").on(t.workspaceId, t.name, t.id),
    index("products_search_trgm_idx").using("gin", sql`(${t.name} || ' ' || ${t.sku}) gin_trgm_ops`),
  ],
);

export const priceLists = pgTable(
  "price_lists",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    currency: text("currency").notNull(),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("price_lists_name_key").on(t.workspaceId, sql`lower(${t.name})`)],
);

export const priceListEntries = pgTable(
  "price_list_entries",
  {
    workspaceId: workspaceId(),
    priceListId: uuid("price_list_id").notNull(),
    productId: uuid("product_id").notNull(),
    price: numeric("price", { precision: 18, scale: 2 }).notNull(),
  },
  (t) => [
    reference("price_list_entries_list_fk", [t.workspaceId, t.priceListId], [priceLists.workspaceId, priceLists.id], "cascade"),
    reference("price_list_entries_product_fk", [t.workspaceId, t.productId], [products.workspaceId, products.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.priceListId, t.productId] }),
    index("price_list_entries_product_idx").on(t.workspaceId, t.productId),
  ],
);
