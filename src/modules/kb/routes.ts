import type { FastifyInstance, FastifyRequest } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  Article,
  ArticleList,
  ArticleListQuery,
  ArticleSuggestionList,
  ArticleSuggestQuery,
  ArticleVersionList,
  ArticleVersionParams,
  CreateArticleBody,
  CreateKbCategoryBody,
  HelpCentreSettings,
  KbCategory,
  KbCategoryList,
  UpdateArticleBody,
  UpdateHelpCentreSettingsBody,
  UpdateKbCategoryBody,
} from "../../contract/kb.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import {
  createArticle,
  createCategory,
  deleteArticle,
  deleteCategory,
  getArticle,
  helpCentreSettings,
  listArticles,
  listArticleVersions,
  listCategories,
  restoreArticleVersion,
  suggestArticles,
  updateArticle,
  updateCategory,
  updateHelpCentreSettings,
} from "./service.js";

export async function kbRoutes(app: FastifyInstance, deps: { publicUrl?: string }): Promise<void> {
  const r = typed(app);
  const tags = ["knowledge base"];
  const origin = (req: FastifyRequest) => deps.publicUrl ?? `${req.protocol}://${req.host}`;

  r.get(
    "/kb/categories",
    { schema: { tags, summary: "Knowledge base categories, in order", response: { 200: KbCategoryList, ...problems } } },
    async (req) => ({
      data: await listCategories(req.ctx),
    }),
  );
  r.post("/kb/categories", { schema: { tags, body: CreateKbCategoryBody, response: { 201: KbCategory, ...problems } } }, async (req, reply) =>
    reply.status(201).send(await createCategory(req.ctx, req.body)),
  );
  r.patch("/kb/categories/:id", { schema: { tags, params: IdParams, body: UpdateKbCategoryBody, response: { 200: KbCategory, ...problems } } }, async (req) =>
    updateCategory(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/kb/categories/:id",
    { schema: { tags, summary: "Delete a category; its articles stay, uncategorised", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteCategory(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );

  r.get(
    "/kb/articles",
    {
      schema: {
        tags,
        summary: "Articles, most recently changed first; with q, the best matches of a full-text search",
        querystring: ArticleListQuery,
        response: { 200: ArticleList, ...problems },
      },
    },
    async (req) => listArticles(req.ctx, req.query),
  );
  r.get(
    "/kb/suggestions",
    {
      schema: {
        tags,
        summary: "Published articles that match a text, such as a ticket's subject and body",
        querystring: ArticleSuggestQuery,
        response: { 200: ArticleSuggestionList, ...problems },
      },
    },
    async (req) => ({ data: await suggestArticles(req.ctx, req.query.text, req.query.limit) }),
  );
  r.post(
    "/kb/articles",
    { schema: { tags, summary: "Write an article (a draft unless status is published)", body: CreateArticleBody, response: { 201: Article, ...problems } } },
    async (req, reply) => reply.status(201).send(await createArticle(req.ctx, req.body)),
  );
  r.get("/kb/articles/:id", { schema: { tags, params: IdParams, response: { 200: Article, ...problems } } }, async (req) => getArticle(req.ctx, req.params.id));
  r.patch(
    "/kb/articles/:id",
    {
      schema: {
        tags,
        summary: "Edit, publish or unpublish an article; a changed title or body is a new version",
        params: IdParams,
        body: UpdateArticleBody,
        response: { 200: Article, ...problems },
      },
    },
    async (req) => updateArticle(req.ctx, req.params.id, req.body),
  );
  r.delete("/kb/articles/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteArticle(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.get(
    "/kb/articles/:id/versions",
    { schema: { tags, summary: "Every saved version, newest first", params: IdParams, response: { 200: ArticleVersionList, ...problems } } },
    async (req) => ({ data: await listArticleVersions(req.ctx, req.params.id) }),
  );
  r.post(
    "/kb/articles/:id/versions/:version/restore",
    {
      schema: {
        tags,
        summary: "Make an earlier version's title and body current again (as a new version)",
        params: ArticleVersionParams,
        response: { 200: Article, ...problems },
      },
    },
    async (req) => restoreArticleVersion(req.ctx, req.params.id, req.params.version),
  );

  r.get("/kb/settings", { schema: { tags, summary: "The public help centre's settings", response: { 200: HelpCentreSettings, ...problems } } }, async (req) =>
    helpCentreSettings(req.ctx, origin(req)),
  );
  r.patch(
    "/kb/settings",
    {
      schema: {
        tags,
        summary: "Switch the public help centre on or off, or rename it",
        body: UpdateHelpCentreSettingsBody,
        response: { 200: HelpCentreSettings, ...problems },
      },
    },
    async (req) => updateHelpCentreSettings(req.ctx, req.body, origin(req)),
  );
}
