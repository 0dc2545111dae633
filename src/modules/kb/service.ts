import { and, asc, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import sanitizeHtml from "sanitize-html";
import type {
  Article,
  ArticleListQuery,
  ArticleSummary,
  ArticleVersion,
  CreateArticleBody,
  CreateKbCategoryBody,
  HelpCentreSettings,
  KbCategory,
  UpdateArticleBody,
  UpdateHelpCentreSettingsBody,
  UpdateKbCategoryBody,
} from "../../contract/kb.js";
import { ownerAllows, scopeOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { sanitiseRichText } from "../../core/html.js";
import { newId } from "../../core/ids.js";
import { assertCan, assertMayAtAll, assertMayCreate, can } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { encodeCursor, keyset, sortValueOf } from "../../db/list-query.js";
import { visibleWhere } from "../../db/visibility.js";
import { diff, recordChanges } from "../history/service.js";
import { userNames } from "../users/service.js";
import { getWorkspace, workspaceBySlug } from "../workspaces/service.js";
import { kbArticles, kbArticleVersions, kbCategories, kbSettings } from "./table.js";

type ArticleRow = typeof kbArticles.$inferSelect;
type CategoryRow = typeof kbCategories.$inferSelect;
const ARTICLE_FIELDS = ["title", "slug", "categoryId", "visibility", "status", "version"] as const;
const CATEGORY_FIELDS = ["name", "description", "position"] as const;

const iso = (d: Date | null) => d?.toISOString() ?? null;

// ---- text ----

const entities: Record<string, string> = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&#39;": "'", "&#x27;": "'", "&nbsp;": " " };

/** The body as plain text, block elements as line breaks: what search, excerpts and suggestions read. */
export function articleText(html: string): string {
  const marked = html.replace(/<\/(p|div|h[1-6]|li|blockquote|pre|tr)>|<br\s*\/?>/gi, "\n");
  const text = sanitizeHtml(marked, { allowedTags: [], allowedAttributes: {} });
  return text
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (m) => entities[m] ?? m)
    .replace(/[ \t]+/g, " ")
    .replace(/\n\s*\n+/g, "\n")
    .trim();
}

const excerptOf = (text: string) => (text.length > 240 ? `${text.slice(0, 240).replace(/\s+\S*$/, "")}…` : text);

/** A URL-safe, readable name from the title: lower-case ASCII words joined by hyphens. */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 80)
    .replace(/-+$/, "");
  return slug || "article";
}

// ---- rights ----

/**
 * Articles are owned by their author. Reading follows the role's read scope; published public articles are also
 * what anyone on the internet reads in the help centre, so the scope only narrows the app's lists.
 */
const mayRead = (ctx: Ctx, r: ArticleRow) => ownerAllows(ctx.actor, scopeOf(ctx.actor, "article", "read"), r.authorId);
const mayEdit = (ctx: Ctx, r: ArticleRow) => ownerAllows(ctx.actor, scopeOf(ctx.actor, "article", "edit"), r.authorId);
const mayDelete = (ctx: Ctx, r: ArticleRow) => ownerAllows(ctx.actor, scopeOf(ctx.actor, "article", "delete"), r.authorId);

const readScopeWhere = (ctx: Ctx) => visibleWhere(ctx, "article", "read", kbArticles.authorId);

/** Categories are the shelves of the whole knowledge base: kept by admins and by roles that edit every article. */
function assertCategoryEditor(ctx: Ctx) {
  if (!can(ctx.actor, "admin") && scopeOf(ctx.actor, "article", "edit") !== "all")
    throw new AppError("forbidden", "Knowledge base categories are kept by admins and by roles that may edit every article.");
}

// ---- shaping ----

/** The help centre's path (/help/<workspace slug>): the portal's and the satisfaction surveys' links start with it. */
export async function helpCentrePath(db: Db, workspaceId: string): Promise<string> {
  const ws = await getWorkspace(db, workspaceId);
  return `/help/${encodeURIComponent(ws?.slug ?? "")}`;
}

async function helpCentreBase(ctx: Ctx, publicUrl?: string): Promise<string> {
  return `${publicUrl ?? ""}${await helpCentrePath(ctx.db, ctx.workspaceId)}`;
}

async function toSummaries(ctx: Ctx, rows: ArticleRow[], excerpts?: Map<string, string>): Promise<ArticleSummary[]> {
  const categoryIds = [...new Set(rows.map((r) => r.categoryId).filter((c): c is string => Boolean(c)))];
  const [names, cats, base] = await Promise.all([
    userNames(
      ctx,
      rows.flatMap((r) => [r.authorId, r.updatedById].filter((u): u is string => Boolean(u))),
    ),
    categoryIds.length
      ? ctx.db
          .select({ id: kbCategories.id, name: kbCategories.name })
          .from(kbCategories)
          .where(and(eq(kbCategories.workspaceId, ctx.workspaceId), inArray(kbCategories.id, categoryIds)))
      : Promise.resolve([]),
    helpCentreBase(ctx),
  ]);
  const catNames = new Map(cats.map((c) => [c.id, c.name]));
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    slug: r.slug,
    categoryId: r.categoryId,
    categoryName: r.categoryId ? (catNames.get(r.categoryId) ?? null) : null,
    visibility: r.visibility,
    status: r.status,
    version: r.version,
    excerpt: excerpts?.get(r.id) ?? excerptOf(r.bodyText),
    publishedAt: iso(r.publishedAt),
    authorId: r.authorId,
    authorName: r.authorId ? (names.get(r.authorId) ?? null) : null,
    publicUrl: r.visibility === "public" && r.status === "published" ? `${base}/articles/${r.slug}` : null,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  }));
}

async function toArticle(ctx: Ctx, r: ArticleRow): Promise<Article> {
  const [summary] = await toSummaries(ctx, [r]);
  const names = r.updatedById ? await userNames(ctx, [r.updatedById]) : new Map<string, string>();
  return {
    ...(summary as ArticleSummary),
    bodyHtml: r.bodyHtml,
    updatedById: r.updatedById,
    updatedByName: r.updatedById ? (names.get(r.updatedById) ?? null) : null,
  };
}

/** What an article's events carry: its summary fields, never the body. */
const eventRecord = (r: ArticleRow) => ({
  id: r.id,
  title: r.title,
  slug: r.slug,
  categoryId: r.categoryId,
  visibility: r.visibility,
  status: r.status,
  version: r.version,
  publishedAt: iso(r.publishedAt),
  authorId: r.authorId,
});

// ---- categories ----

export async function listCategories(ctx: Ctx): Promise<KbCategory[]> {
  assertCan(ctx.actor, "read");
  const visible = readScopeWhere(ctx);
  const rows = await ctx.db
    .select({
      category: kbCategories,
      // Qualified by hand: inside a one-table select Drizzle writes columns unqualified, and "id" would be the article's.
      count: sql<number>`(select count(*)::int from ${kbArticles} where ${kbArticles.workspaceId} = "kb_categories"."workspace_id" and ${kbArticles.categoryId} = "kb_categories"."id"${visible ? sql` and ${visible}` : sql``})`,
    })
    .from(kbCategories)
    .where(eq(kbCategories.workspaceId, ctx.workspaceId))
    .orderBy(asc(kbCategories.position), asc(kbCategories.name));
  return rows.map(({ category, count }) => toCategory(category, count));
}

const toCategory = (c: CategoryRow, count: number): KbCategory => ({
  id: c.id,
  name: c.name,
  description: c.description,
  position: c.position,
  articleCount: count,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

async function assertCategoryNameFree(ctx: Ctx, name: string, exceptId?: string) {
  const [clash] = await ctx.db
    .select({ id: kbCategories.id })
    .from(kbCategories)
    .where(and(eq(kbCategories.workspaceId, ctx.workspaceId), sql`lower(${kbCategories.name}) = lower(${name})`));
  if (clash && clash.id !== exceptId)
    throw new AppError("conflict", `A category named "${name}" exists already`, [{ path: "name", message: "Choose another name" }]);
}

export async function createCategory(ctx: Ctx, input: CreateKbCategoryBody): Promise<KbCategory> {
  assertCategoryEditor(ctx);
  await assertCategoryNameFree(ctx, input.name);
  return ctx.db.transaction(async (tx) => {
    const [last] = await tx
      .select({ max: sql<number | null>`max(${kbCategories.position})` })
      .from(kbCategories)
      .where(eq(kbCategories.workspaceId, ctx.workspaceId));
    const [row] = await tx
      .insert(kbCategories)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        name: input.name,
        description: input.description,
        position: input.position ?? (last?.max ?? -1) + 1,
      })
      .returning();
    const category = toCategory(row as CategoryRow, 0);
    await recordChanges(tx, ctx, [
      { object: "kb_category", recordId: category.id, action: "create", changes: diff(null, category, CATEGORY_FIELDS), payload: category },
    ]);
    return category;
  });
}

export async function updateCategory(ctx: Ctx, id: string, input: UpdateKbCategoryBody): Promise<KbCategory> {
  assertCategoryEditor(ctx);
  if (input.name) await assertCategoryNameFree(ctx, input.name, id);
  return ctx.db.transaction(async (tx) => {
    const [before] = await tx
      .select()
      .from(kbCategories)
      .where(and(eq(kbCategories.workspaceId, ctx.workspaceId), eq(kbCategories.id, id)))
      .for("update");
    if (!before) throw notFound("Category");
    const [row] = await tx
      .update(kbCategories)
      .set({ ...input, updatedAt: new Date() })
      .where(and(eq(kbCategories.workspaceId, ctx.workspaceId), eq(kbCategories.id, id)))
      .returning();
    const category = toCategory(row as CategoryRow, 0);
    await recordChanges(tx, ctx, [
      { object: "kb_category", recordId: id, action: "update", changes: diff(toCategory(before, 0), category, CATEGORY_FIELDS), payload: category },
    ]);
    return category;
  });
}

/** Deleting a category keeps its articles: they become uncategorised. */
export async function deleteCategory(ctx: Ctx, id: string): Promise<void> {
  assertCategoryEditor(ctx);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(kbCategories)
      .where(and(eq(kbCategories.workspaceId, ctx.workspaceId), eq(kbCategories.id, id)))
      .returning();
    if (!row) throw notFound("Category");
    const category = toCategory(row, 0);
    await recordChanges(tx, ctx, [{ object: "kb_category", recordId: id, action: "delete", changes: [], payload: category }]);
  });
}

async function assertCategoryExists(db: Db, ctx: Ctx, id: string | null | undefined) {
  if (!id) return;
  const [row] = await db
    .select({ id: kbCategories.id })
    .from(kbCategories)
    .where(and(eq(kbCategories.workspaceId, ctx.workspaceId), eq(kbCategories.id, id)));
  if (!row) throw new AppError("invalid_reference", "The category does not exist", [{ path: "categoryId", message: "Choose an existing category" }]);
}

// ---- articles ----

const scoped = (ctx: Ctx, id: string) => and(eq(kbArticles.workspaceId, ctx.workspaceId), eq(kbArticles.id, id));

async function findArticle(db: Db, ctx: Ctx, id: string, lock = false): Promise<ArticleRow> {
  const q = db.select().from(kbArticles).where(scoped(ctx, id));
  const [row] = lock ? await q.for("update") : await q;
  if (!row || !mayRead(ctx, row)) throw notFound("Article");
  return row;
}

export async function getArticle(ctx: Ctx, id: string): Promise<Article> {
  assertCan(ctx.actor, "read");
  return toArticle(ctx, await findArticle(ctx.db, ctx, id));
}

/** A slug no other article of the workspace has: the title's, then -2, -3… */
async function freeSlug(db: Db, ctx: Ctx, title: string): Promise<string> {
  const base = slugify(title);
  const taken = await db
    .select({ slug: kbArticles.slug })
    .from(kbArticles)
    .where(and(eq(kbArticles.workspaceId, ctx.workspaceId), sql`(${kbArticles.slug} = ${base} or ${kbArticles.slug} like ${`${base}-%`})`));
  const used = new Set(taken.map((t) => t.slug));
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

export async function createArticle(ctx: Ctx, input: CreateArticleBody): Promise<Article> {
  assertMayCreate(ctx.actor, "article");
  const bodyHtml = sanitiseRichText(input.bodyHtml);
  const row = await ctx.db.transaction(async (tx) => {
    await assertCategoryExists(tx, ctx, input.categoryId);
    const now = new Date();
    const [created] = await tx
      .insert(kbArticles)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        categoryId: input.categoryId ?? null,
        title: input.title,
        slug: await freeSlug(tx, ctx, input.title),
        bodyHtml,
        bodyText: articleText(bodyHtml),
        visibility: input.visibility,
        status: input.status,
        version: 1,
        publishedAt: input.status === "published" ? now : null,
        authorId: ctx.actor.userId,
        updatedById: ctx.actor.userId,
      })
      .returning();
    const r = created as ArticleRow;
    await tx.insert(kbArticleVersions).values({
      workspaceId: ctx.workspaceId,
      articleId: r.id,
      version: 1,
      title: r.title,
      bodyHtml: r.bodyHtml,
      createdById: ctx.actor.userId,
    });
    await recordChanges(tx, ctx, [
      { object: "article", recordId: r.id, action: "create", changes: diff(null, eventRecord(r), ARTICLE_FIELDS), payload: eventRecord(r) },
    ]);
    return r;
  });
  return toArticle(ctx, row);
}

export async function updateArticle(ctx: Ctx, id: string, input: UpdateArticleBody): Promise<Article> {
  assertMayAtAll(ctx.actor, "article", "edit");
  const row = await ctx.db.transaction(async (tx) => {
    const before = await findArticle(tx, ctx, id, true);
    if (!mayEdit(ctx, before)) throw new AppError("forbidden", "Your role may change only its own articles.");
    if (input.expectedVersion !== undefined && input.expectedVersion !== before.version)
      throw new AppError(
        "conflict",
        `${(await userNames(ctx, before.updatedById ? [before.updatedById] : [])).get(before.updatedById ?? "") ?? "Someone"} saved a newer version (${before.version}) meanwhile; reload to see it`,
      );
    if (input.categoryId !== undefined) await assertCategoryExists(tx, ctx, input.categoryId);
    const bodyHtml = input.bodyHtml === undefined ? before.bodyHtml : sanitiseRichText(input.bodyHtml);
    const title = input.title ?? before.title;
    const contentChanged = bodyHtml !== before.bodyHtml || title !== before.title;
    const status = input.status ?? before.status;
    const version = contentChanged ? before.version + 1 : before.version;
    const [updated] = await tx
      .update(kbArticles)
      .set({
        title,
        bodyHtml,
        bodyText: bodyHtml === before.bodyHtml ? before.bodyText : articleText(bodyHtml),
        categoryId: input.categoryId === undefined ? before.categoryId : input.categoryId,
        visibility: input.visibility ?? before.visibility,
        status,
        version,
        // First publication's date stays: it is what the help centre shows as "published".
        publishedAt: status === "published" ? (before.publishedAt ?? new Date()) : null,
        updatedById: ctx.actor.userId,
        updatedAt: new Date(),
      })
      .where(scoped(ctx, id))
      .returning();
    const after = updated as ArticleRow;
    if (contentChanged)
      await tx.insert(kbArticleVersions).values({ workspaceId: ctx.workspaceId, articleId: id, version, title, bodyHtml, createdById: ctx.actor.userId });
    const changes = diff(eventRecord(before), eventRecord(after), ARTICLE_FIELDS);
    if (bodyHtml !== before.bodyHtml) changes.push({ field: "body", from: null, to: null });
    await recordChanges(tx, ctx, [{ object: "article", recordId: id, action: "update", changes, payload: eventRecord(after) }]);
    return after;
  });
  return toArticle(ctx, row);
}

export async function deleteArticle(ctx: Ctx, id: string): Promise<void> {
  assertMayAtAll(ctx.actor, "article", "delete");
  await ctx.db.transaction(async (tx) => {
    const row = await findArticle(tx, ctx, id, true);
    if (!mayDelete(ctx, row)) throw new AppError("forbidden", "Your role may delete only its own articles.");
    await tx.delete(kbArticles).where(scoped(ctx, id));
    await recordChanges(tx, ctx, [{ object: "article", recordId: id, action: "delete", changes: [], payload: eventRecord(row) }]);
  });
}

export async function listArticleVersions(ctx: Ctx, id: string): Promise<ArticleVersion[]> {
  assertCan(ctx.actor, "read");
  await findArticle(ctx.db, ctx, id);
  const rows = await ctx.db
    .select()
    .from(kbArticleVersions)
    .where(and(eq(kbArticleVersions.workspaceId, ctx.workspaceId), eq(kbArticleVersions.articleId, id)))
    .orderBy(desc(kbArticleVersions.version));
  const names = await userNames(
    ctx,
    rows.map((r) => r.createdById).filter((u): u is string => Boolean(u)),
  );
  return rows.map((r) => ({
    version: r.version,
    title: r.title,
    bodyHtml: r.bodyHtml,
    createdById: r.createdById,
    createdByName: r.createdById ? (names.get(r.createdById) ?? null) : null,
    createdAt: r.createdAt.toISOString(),
  }));
}

/** Going back makes the old text the newest version; the versions in between stay in the history. */
export async function restoreArticleVersion(ctx: Ctx, id: string, version: number): Promise<Article> {
  const [old] = await ctx.db
    .select()
    .from(kbArticleVersions)
    .where(and(eq(kbArticleVersions.workspaceId, ctx.workspaceId), eq(kbArticleVersions.articleId, id), eq(kbArticleVersions.version, version)));
  if (!old) {
    await findArticle(ctx.db, ctx, id);
    throw notFound("Version");
  }
  return updateArticle(ctx, id, { title: old.title, bodyHtml: old.bodyHtml });
}

/** A search's query: the words of the request as a web search engine reads them ("quoted phrase", -not, or). */
const searchQuery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

/**
 * A query any of the text's words satisfies (stemmed, stop words dropped, at most 60): for suggestions from a ticket,
 * and for a search whose words no article has all of. Each lexeme is quoted, so nothing in the text is query syntax.
 */
const anyWordQuery = (text: string) =>
  sql`(select to_tsquery('simple', coalesce(string_agg(quote_literal(w), ' | '), '')) from (select unnest(tsvector_to_array(to_tsvector('english', ${text}))) as w limit 60) lexemes)`;

export async function listArticles(ctx: Ctx, q: ArticleListQuery): Promise<{ data: ArticleSummary[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const filters = [
    eq(kbArticles.workspaceId, ctx.workspaceId),
    readScopeWhere(ctx),
    q.categoryId ? eq(kbArticles.categoryId, q.categoryId) : undefined,
    q.status ? eq(kbArticles.status, q.status) : undefined,
    q.visibility ? eq(kbArticles.visibility, q.visibility) : undefined,
  ];
  const term = q.q?.trim();
  if (term) {
    // Ranked search reads one page of the best matches; its order has no stable cursor worth keeping.
    const ranked = (query: SQL) =>
      ctx.db
        .select({ article: kbArticles, snippet: headline(query) })
        .from(kbArticles)
        .where(and(...filters, sql`${kbArticles.searchVector} @@ ${query}`))
        .orderBy(sql`ts_rank_cd(${kbArticles.searchVector}, ${query}) desc`, desc(kbArticles.updatedAt))
        .limit(q.limit);
    let rows = await ranked(searchQuery(term));
    // No article has every word: show those with some of them rather than nothing.
    if (rows.length === 0) rows = await ranked(anyWordQuery(term));
    return {
      data: await toSummaries(
        ctx,
        rows.map((r) => r.article),
        new Map(rows.map((r) => [r.article.id, r.snippet])),
      ),
      nextCursor: null,
    };
  }
  const ks = keyset({ expr: kbArticles.updatedAt, kind: "timestamp", sortable: true }, true, kbArticles.id, q.cursor);
  const rows = await ctx.db
    .select({ article: kbArticles, sortValue: sortValueOf(ks) })
    .from(kbArticles)
    .where(and(...filters, ks.where))
    .orderBy(...ks.orderBy)
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    data: await toSummaries(
      ctx,
      page.map((r) => r.article),
    ),
    nextCursor: rows.length > q.limit && last ? encodeCursor({ v: last.sortValue, id: last.article.id }) : null,
  };
}

/** The passage around the matched words, as plain text (ts_headline's markers removed, the app marks nothing). */
const headline = (query: SQL) =>
  sql<string>`ts_headline('english', left(${kbArticles.bodyText}, 20000), ${query}, 'StartSel="",StopSel="",MaxWords=35,MinWords=15,ShortWord=2')`;

/**
 * Articles that share the most words with a piece of text (a ticket's subject and body): any word may match, the
 * rarer and the more of them the better. Only published articles are suggested; internal ones too, since agents read
 * them before answering.
 */
export async function suggestArticles(ctx: Ctx, text: string, limit: number): Promise<ArticleSummary[]> {
  assertCan(ctx.actor, "read");
  const query = anyWordQuery(text.slice(0, 5000));
  const rows = await ctx.db
    .select({ article: kbArticles })
    .from(kbArticles)
    .where(
      and(eq(kbArticles.workspaceId, ctx.workspaceId), eq(kbArticles.status, "published"), readScopeWhere(ctx), sql`${kbArticles.searchVector} @@ ${query}`),
    )
    .orderBy(sql`ts_rank_cd(${kbArticles.searchVector}, ${query}) desc`, desc(kbArticles.updatedAt))
    .limit(limit);
  return toSummaries(
    ctx,
    rows.map((r) => r.article),
  );
}

// ---- help centre settings ----

export async function helpCentreSettings(ctx: Ctx, publicUrl?: string): Promise<HelpCentreSettings> {
  const [row] = await ctx.db.select().from(kbSettings).where(eq(kbSettings.workspaceId, ctx.workspaceId));
  const ws = await getWorkspace(ctx.db, ctx.workspaceId);
  return {
    enabled: row?.helpCentreEnabled ?? true,
    portalCompanyTickets: row?.portalCompanyTickets ?? false,
    title: row?.helpCentreTitle ?? `${ws?.name ?? ""} help centre`.trim(),
    url: await helpCentreBase(ctx, publicUrl),
  };
}

export async function updateHelpCentreSettings(ctx: Ctx, input: UpdateHelpCentreSettingsBody, publicUrl?: string): Promise<HelpCentreSettings> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const set = {
      ...(input.enabled === undefined ? {} : { helpCentreEnabled: input.enabled }),
      ...(input.title === undefined ? {} : { helpCentreTitle: input.title }),
      ...(input.portalCompanyTickets === undefined ? {} : { portalCompanyTickets: input.portalCompanyTickets }),
      updatedAt: new Date(),
    };
    await tx
      .insert(kbSettings)
      .values({ workspaceId: ctx.workspaceId, ...set })
      .onConflictDoUpdate({ target: kbSettings.workspaceId, set });
    const changes = Object.entries(input).map(([field, to]) => ({ field, from: null, to }));
    await recordChanges(tx, ctx, [{ object: "help_centre_settings", recordId: ctx.workspaceId, action: "update", changes, payload: input }]);
  });
  return helpCentreSettings(ctx, publicUrl);
}

// ---- the public help centre ----

export interface HelpCentre {
  workspaceId: string;
  slug: string;
  title: string;
  workspaceName: string;
  /** The portal shows customers their company's tickets too. */
  companyTickets: boolean;
}

/** The help centre of a workspace, or null when there is none to show (unknown workspace, or switched off). */
export async function findHelpCentre(db: Db, slug: string): Promise<HelpCentre | null> {
  const ws = await workspaceBySlug(db, slug);
  if (!ws) return null;
  const [settings] = await db.select().from(kbSettings).where(eq(kbSettings.workspaceId, ws.id));
  if (settings && !settings.helpCentreEnabled) return null;
  return {
    workspaceId: ws.id,
    slug: ws.slug,
    title: settings?.helpCentreTitle ?? `${ws.name} help centre`,
    workspaceName: ws.name,
    companyTickets: settings?.portalCompanyTickets ?? false,
  };
}

/** What the world may read: published, public articles. */
const publicWhere = (workspaceId: string) =>
  and(eq(kbArticles.workspaceId, workspaceId), eq(kbArticles.status, "published"), eq(kbArticles.visibility, "public"));

export interface PublicArticle {
  title: string;
  slug: string;
  excerpt: string;
  bodyHtml: string;
  categoryId: string | null;
  categoryName: string | null;
  publishedAt: Date | null;
  updatedAt: Date;
}

const toPublic = (r: ArticleRow, categories: Map<string, string>, excerpt?: string): PublicArticle => ({
  title: r.title,
  slug: r.slug,
  excerpt: excerpt ?? excerptOf(r.bodyText),
  bodyHtml: r.bodyHtml,
  categoryId: r.categoryId,
  categoryName: r.categoryId ? (categories.get(r.categoryId) ?? null) : null,
  publishedAt: r.publishedAt,
  updatedAt: r.updatedAt,
});

async function categoryNames(db: Db, workspaceId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: kbCategories.id, name: kbCategories.name, position: kbCategories.position })
    .from(kbCategories)
    .where(eq(kbCategories.workspaceId, workspaceId))
    .orderBy(asc(kbCategories.position), asc(kbCategories.name));
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The help centre's front page: every category with its public articles, newest first (up to 500 in all). */
export async function publicArticlesByCategory(db: Db, hc: HelpCentre): Promise<{ categories: Map<string, string>; articles: PublicArticle[] }> {
  const categories = await categoryNames(db, hc.workspaceId);
  const rows = await db.select().from(kbArticles).where(publicWhere(hc.workspaceId)).orderBy(desc(kbArticles.publishedAt)).limit(500);
  return { categories, articles: rows.map((r) => toPublic(r, categories)) };
}

export async function publicArticle(db: Db, hc: HelpCentre, slug: string): Promise<PublicArticle | null> {
  const [row] = await db
    .select()
    .from(kbArticles)
    .where(and(publicWhere(hc.workspaceId), eq(kbArticles.slug, slug)));
  return row ? toPublic(row, await categoryNames(db, hc.workspaceId)) : null;
}

export async function searchPublicArticles(db: Db, hc: HelpCentre, q: string): Promise<PublicArticle[]> {
  const ranked = (query: SQL) =>
    db
      .select({ article: kbArticles, snippet: headline(query) })
      .from(kbArticles)
      .where(and(publicWhere(hc.workspaceId), sql`${kbArticles.searchVector} @@ ${query}`))
      .orderBy(sql`ts_rank_cd(${kbArticles.searchVector}, ${query}) desc`)
      .limit(30);
  let rows = await ranked(searchQuery(q.slice(0, 200)));
  if (rows.length === 0) rows = await ranked(anyWordQuery(q.slice(0, 200)));
  const categories = await categoryNames(db, hc.workspaceId);
  return rows.map((r) => toPublic(r.article, categories, r.snippet));
}
