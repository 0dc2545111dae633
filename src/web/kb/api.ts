import { queryOptions } from "@tanstack/react-query";
import type { z } from "zod";
import type { Article, ArticleList, ArticleListQuery, ArticleSummary, ArticleVersion, HelpCentreSettings, KbCategory } from "../../contract/index.js";
import { api } from "../http/client.js";

export type ArticleParams = Omit<Partial<z.input<typeof ArticleListQuery>>, "limit" | "cursor">;

export const kbKeys = { all: ["kb"] as const };

export const categoriesQuery = queryOptions({
  queryKey: ["kb", "categories"],
  queryFn: () => api.get<{ data: KbCategory[] }>("/api/v1/kb/categories").then((r) => r.data),
});

export const fetchArticles = (p: ArticleParams, cursor?: string) => api.get<z.infer<typeof ArticleList>>("/api/v1/kb/articles", { ...p, limit: 50, cursor });

export const articleQuery = (id: string) => queryOptions({ queryKey: ["kb", "article", id], queryFn: () => api.get<Article>(`/api/v1/kb/articles/${id}`) });

export const versionsQuery = (id: string) =>
  queryOptions({
    queryKey: ["kb", "article", id, "versions"],
    queryFn: () => api.get<{ data: ArticleVersion[] }>(`/api/v1/kb/articles/${id}/versions`).then((r) => r.data),
  });

export const suggestionsQuery = (text: string) =>
  queryOptions({
    queryKey: ["kb", "suggestions", text],
    queryFn: () => api.get<{ data: ArticleSummary[] }>("/api/v1/kb/suggestions", { text, limit: 5 }).then((r) => r.data),
    enabled: text.trim().length > 2,
    staleTime: 60_000,
  });

export const helpCentreQuery = queryOptions({ queryKey: ["kb", "settings"], queryFn: () => api.get<HelpCentreSettings>("/api/v1/kb/settings") });

export const kbApi = {
  createArticle: (body: unknown) => api.post<Article>("/api/v1/kb/articles", body),
  updateArticle: (id: string, body: unknown) => api.patch<Article>(`/api/v1/kb/articles/${id}`, body),
  deleteArticle: (id: string) => api.del(`/api/v1/kb/articles/${id}`),
  restore: (id: string, version: number) => api.post<Article>(`/api/v1/kb/articles/${id}/versions/${version}/restore`, {}),
  createCategory: (body: unknown) => api.post<KbCategory>("/api/v1/kb/categories", body),
  updateCategory: (id: string, body: unknown) => api.patch<KbCategory>(`/api/v1/kb/categories/${id}`, body),
  deleteCategory: (id: string) => api.del(`/api/v1/kb/categories/${id}`),
  updateSettings: (body: unknown) => api.patch<HelpCentreSettings>("/api/v1/kb/settings", body),
};

/** A help-centre path as a full address, for links pasted into emails. */
export const absoluteUrl = (path: string) => new URL(path, window.location.origin).toString();
