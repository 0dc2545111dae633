import { z } from "zod";
import { Id, listOf, Timestamp } from "./common.js";

/**
 * The knowledge base (issue #19): articles agents write once and link from replies, and that customers read in the
 * public help centre. Internal articles are for the team only; public ones appear in the help centre once published.
 */

export const articleVisibilities = ["internal", "public"] as const;
export const ArticleVisibility = z.enum(articleVisibilities);
export type ArticleVisibility = z.infer<typeof ArticleVisibility>;
export const articleVisibilityLabels: Record<ArticleVisibility, string> = { internal: "Internal (team only)", public: "Public (help centre)" };

export const articleStatuses = ["draft", "published"] as const;
export const ArticleStatus = z.enum(articleStatuses);
export type ArticleStatus = z.infer<typeof ArticleStatus>;
export const articleStatusLabels: Record<ArticleStatus, string> = { draft: "Draft", published: "Published" };

export const KbCategory = z.object({
  id: Id,
  name: z.string(),
  description: z.string(),
  position: z.number().int(),
  articleCount: z.number().int().describe("Articles in the category the caller can see"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type KbCategory = z.infer<typeof KbCategory>;
export const KbCategoryList = z.object({ data: z.array(KbCategory) });

const CategoryName = z.string().trim().min(1, "Give the category a name").max(120);
export const CreateKbCategoryBody = z
  .object({
    name: CategoryName,
    description: z.string().trim().max(1000).default(""),
    position: z.number().int().min(0).max(100_000).optional().describe("Order in lists; default: last"),
  })
  .strict();
export type CreateKbCategoryBody = z.infer<typeof CreateKbCategoryBody>;
export const UpdateKbCategoryBody = z
  .object({
    name: CategoryName.optional(),
    description: z.string().trim().max(1000).optional(),
    position: z.number().int().min(0).max(100_000).optional(),
  })
  .strict();
export type UpdateKbCategoryBody = z.infer<typeof UpdateKbCategoryBody>;

/** What lists and suggestions show of an article: everything but the body. */
export const ArticleSummary = z.object({
  id: Id,
  title: z.string(),
  slug: z.string().describe("The article's address in the help centre: /help/<workspace>/articles/<slug>"),
  categoryId: Id.nullable(),
  categoryName: z.string().nullable(),
  visibility: ArticleVisibility,
  status: ArticleStatus,
  version: z.number().int().describe("Increases with every saved change of title or body"),
  excerpt: z.string().describe("The start of the body as plain text, or the passage that matched a search"),
  publishedAt: Timestamp.nullable(),
  authorId: Id.nullable(),
  authorName: z.string().nullable(),
  publicUrl: z.string().nullable().describe("The help-centre address when the article is public and published"),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export type ArticleSummary = z.infer<typeof ArticleSummary>;

export const Article = ArticleSummary.extend({
  bodyHtml: z.string().describe("Sanitised rich text"),
  updatedById: Id.nullable(),
  updatedByName: z.string().nullable(),
});
export type Article = z.infer<typeof Article>;
export const ArticleList = listOf(ArticleSummary);

const Title = z.string().trim().min(1, "Give the article a title").max(300);
/** Rich text; sanitised on the server, so what is stored is what any reader is shown. */
const Body = z.string().max(500_000, "An article can hold up to 500,000 characters of HTML");

export const CreateArticleBody = z
  .object({
    title: Title,
    bodyHtml: Body.default(""),
    categoryId: Id.nullable().optional(),
    visibility: ArticleVisibility.default("internal"),
    status: ArticleStatus.default("draft"),
  })
  .strict();
export type CreateArticleBody = z.infer<typeof CreateArticleBody>;

export const UpdateArticleBody = z
  .object({
    title: Title.optional(),
    bodyHtml: Body.optional(),
    categoryId: Id.nullable().optional(),
    visibility: ArticleVisibility.optional(),
    status: ArticleStatus.optional().describe("published makes a public article visible in the help centre; draft takes it down"),
    expectedVersion: z.number().int().optional().describe("Refuse the change (409) when someone saved a newer version meanwhile"),
  })
  .strict();
export type UpdateArticleBody = z.infer<typeof UpdateArticleBody>;

export const ArticleListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().max(2000).optional(),
    q: z.string().max(200).optional().describe("Full-text search over titles and bodies, best matches first"),
    categoryId: Id.optional(),
    status: ArticleStatus.optional(),
    visibility: ArticleVisibility.optional(),
  })
  .strict();
export type ArticleListQuery = z.infer<typeof ArticleListQuery>;

export const ArticleVersion = z.object({
  version: z.number().int(),
  title: z.string(),
  bodyHtml: z.string(),
  createdById: Id.nullable(),
  createdByName: z.string().nullable(),
  createdAt: Timestamp,
});
export type ArticleVersion = z.infer<typeof ArticleVersion>;
export const ArticleVersionList = z.object({ data: z.array(ArticleVersion) });
export const ArticleVersionParams = z.object({ id: Id, version: z.coerce.number().int().min(1) }).strict();

export const ArticleSuggestQuery = z
  .object({
    text: z.string().max(20_000).describe("A ticket's subject and body: the articles whose words it shares most come first"),
    limit: z.coerce.number().int().min(1).max(20).default(5),
  })
  .strict();
export const ArticleSuggestionList = z.object({ data: z.array(ArticleSummary) });

export const HelpCentreSettings = z.object({
  enabled: z.boolean().describe("Whether the public help centre answers at /help/<workspace>"),
  title: z.string().describe("The help centre's heading"),
  portalCompanyTickets: z.boolean().describe("Customers signed in to the portal see their company's tickets, not only their own"),
  url: z.string().describe("The help centre's address"),
});
export type HelpCentreSettings = z.infer<typeof HelpCentreSettings>;
export const UpdateHelpCentreSettingsBody = z
  .object({
    enabled: z.boolean().optional(),
    title: z.string().trim().min(1, "Give the help centre a title").max(120).optional(),
    portalCompanyTickets: z.boolean().optional(),
  })
  .strict();
export type UpdateHelpCentreSettingsBody = z.infer<typeof UpdateHelpCentreSettingsBody>;
