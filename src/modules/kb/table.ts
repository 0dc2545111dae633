import { type SQL, sql } from "drizzle-orm";
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { ArticleStatus, ArticleVisibility } from "../../contract/kb.js";
import { createdAt, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { tsvector } from "../companies/table.js";
import { users } from "../users/table.js";

export const kbCategories = pgTable(
  "kb_categories",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("kb_categories_order_idx").on(t.workspaceId, t.position, t.name)],
);

export const kbArticles = pgTable(
  "kb_articles",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    categoryId: uuid("category_id"),
    title: text("title").notNull(),
    /** Unique per workspace; kept when the title changes, so links already sent to customers keep working. */
    slug: text("slug").notNull(),
    bodyHtml: text("body_html").notNull().default(""),
    /** The body as plain text: search, excerpts and suggestions read it, never the HTML. */
    bodyText: text("body_text").notNull().default(""),
    visibility: text("visibility").$type<ArticleVisibility>().notNull().default("internal"),
    status: text("status").$type<ArticleStatus>().notNull().default("draft"),
    version: integer("version").notNull().default(1),
    publishedAt: timestamp("published_at", { withTimezone: true, mode: "date" }),
    authorId: uuid("author_id"),
    updatedById: uuid("updated_by_id"),
    // English stemming: "printers" finds "printer". The title weighs more than the body.
    searchVector: tsvector("search_vector").generatedAlwaysAs(
      (): SQL =>
        sql`setweight(to_tsvector('english', ${kbArticles.title}), 'A') || setweight(to_tsvector('english', left(${kbArticles.bodyText}, 200000)), 'B')`,
    ),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    reference("kb_articles_category_fk", [t.workspaceId, t.categoryId], [kbCategories.workspaceId, kbCategories.id], "set null"),
    reference("kb_articles_author_fk", [t.workspaceId, t.authorId], [users.workspaceId, users.id], "set null"),
    reference("kb_articles_updated_by_fk", [t.workspaceId, t.updatedById], [users.workspaceId, users.id], "set null"),
    uniqueIndex("kb_articles_slug_key").on(t.workspaceId, t.slug),
    index("kb_articles_list_idx").on(t.workspaceId, t.updatedAt, t.id),
    index("kb_articles_category_idx").on(t.workspaceId, t.categoryId, t.status, t.visibility),
    index("kb_articles_search_idx").using("gin", t.searchVector),
  ],
);

/** Every saved state of an article's title and body, so an editor can see what changed and go back. */
export const kbArticleVersions = pgTable(
  "kb_article_versions",
  {
    workspaceId: workspaceId(),
    articleId: uuid("article_id").notNull(),
    version: integer("version").notNull(),
    title: text("title").notNull(),
    bodyHtml: text("body_html").notNull(),
    createdById: uuid("created_by_id"),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.articleId, t.version] }),
    reference("kb_article_versions_article_fk", [t.workspaceId, t.articleId], [kbArticles.workspaceId, kbArticles.id], "cascade"),
    reference("kb_article_versions_created_by_fk", [t.workspaceId, t.createdById], [users.workspaceId, users.id], "set null"),
  ],
);

/** One row per workspace that changed the help centre's defaults (on, titled after the workspace). */
export const kbSettings = pgTable("kb_settings", {
  workspaceId: workspaceId().primaryKey(),
  helpCentreEnabled: boolean("help_centre_enabled").notNull().default(true),
  helpCentreTitle: text("help_centre_title"),
  /** Portal customers see every ticket of their company, not only their own. */
  portalCompanyTickets: boolean("portal_company_tickets").notNull().default(false),
  updatedAt: updatedAt(),
});
