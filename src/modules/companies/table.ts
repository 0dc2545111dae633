import { type SQL, sql } from "drizzle-orm";
import { customType, index, integer, jsonb, numeric, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import type { Address } from "../../contract/common.js";
import { createdAt, deletedAt, emptyObject, emptyTextArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

export const tsvector = customType<{ data: string }>({
  dataType: () => "tsvector",
});

export const companies = pgTable(
  "companies",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    domain: text("domain"),
    industry: text("industry"),
    employees: integer("employees"),
    annualRevenue: numeric("annual_revenue"),
    currency: text("currency").notNull().default("USD"),
    /** E.164 */
    phone: text("phone"),
    phoneExtension: text("phone_extension"),
    address: jsonb("address").$type<Address>(),
    parentId: uuid("parent_id"),
    ownerId: uuid("owner_id"),
    tags: text("tags").array().notNull().default(emptyTextArray),
    description: text("description"),
    custom: jsonb("custom").$type<Record<string, unknown>>().notNull().default(emptyObject),
    /** Name, domain and phone in one string, kept by the service, for typo-tolerant trigram search. */
    searchText: text("search_text").notNull().default(""),
    searchVector: tsvector("search_vector").generatedAlwaysAs((): SQL => sql`to_tsvector('simple', ${companies.searchText})`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    reference("companies_parent_fk", [t.workspaceId, t.parentId], [t.workspaceId, t.id], "set null"),
    reference("companies_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("companies_created_idx").on(t.workspaceId, t.createdAt, t.id),
    index("companies_name_idx").on(t.workspaceId, t.name, t.id),
    index("companies_domain_idx").on(t.workspaceId, t.domain),
    index("companies_owner_idx").on(t.workspaceId, t.ownerId),
    index("companies_parent_idx").on(t.workspaceId, t.parentId),
    index("companies_tags_idx").using("gin", t.tags),
    index("companies_custom_idx").using("gin", t.custom.op("jsonb_path_ops")),
    index("companies_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
    index("companies_search_vector_idx").using("gin", t.searchVector),
  ],
);
