import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { escapeHtml } from "../../contract/form-html.js";
import type { Database } from "../../db/client.js";
import { typed } from "../../server/route-kit.js";
import { findHelpCentre, type HelpCentre, type PublicArticle, publicArticle, publicArticlesByCategory, searchPublicArticles } from "./service.js";

/**
 * The public help centre: server-rendered pages (list, search, article) that work without JavaScript, load fast and
 * can be indexed by search engines. Only published public articles appear; article bodies were sanitised when saved.
 */

const HelpParams = z.object({ workspace: z.string().max(100) }).strict();
const ArticleParams = z.object({ workspace: z.string().max(100), slug: z.string().max(200) }).strict();
const SearchQuery = z.object({ q: z.string().max(200).optional() });

const date = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

function page(hc: HelpCentre, title: string, body: string, q = ""): string {
  const home = `/help/${encodeURIComponent(hc.slug)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f7f9; color: #1a1b1e; margin: 0; line-height: 1.55; }
  header { background: #1c7ed6; color: #fff; padding: 28px 16px; }
  header .inner, main { max-width: 820px; margin: 0 auto; }
  header a { color: #fff; text-decoration: none; }
  header h1 { margin: 0 0 14px; font-size: 26px; }
  form { display: flex; gap: 8px; }
  input[type=search] { flex: 1; padding: 10px 12px; border: 0; border-radius: 6px; font: inherit; }
  button { background: #fff; color: #1c7ed6; border: 0; border-radius: 6px; padding: 10px 16px; font: inherit; font-weight: 600; cursor: pointer; }
  main { padding: 24px 16px 48px; }
  section, article { background: #fff; border: 1px solid #e3e5e8; border-radius: 10px; padding: 20px 24px; margin-bottom: 16px; }
  h2 { font-size: 19px; margin: 0 0 10px; }
  ul { padding-left: 20px; margin: 0; }
  li { margin: 6px 0; }
  .muted { color: #6b7079; font-size: 14px; }
  a { color: #1971c2; }
  article img { max-width: 100%; }
</style></head>
<body><header><div class="inner"><h1><a href="${home}">${escapeHtml(hc.title)}</a></h1>
<form action="${home}/search" method="get" role="search"><input type="search" name="q" value="${escapeHtml(q)}" placeholder="Search the help centre" aria-label="Search the help centre"><button type="submit">Search</button></form>
</div></header><main>${body}</main></body></html>`;
}

const articleLink = (hc: HelpCentre, a: PublicArticle) => `/help/${encodeURIComponent(hc.slug)}/articles/${encodeURIComponent(a.slug)}`;

function send(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).type("text/html; charset=utf-8").header("cache-control", "public, max-age=60").send(html);
}

function notFoundPage(reply: FastifyReply, hc: HelpCentre | null) {
  const body = `<section><h2>Not found</h2><p>There is no such page${hc ? ` in this help centre. <a href="/help/${encodeURIComponent(hc.slug)}">Back to all articles</a>` : ""}.</p></section>`;
  if (!hc)
    return reply
      .status(404)
      .type("text/html; charset=utf-8")
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><main>${body}</main></body></html>`);
  return send(reply, 404, page(hc, "Not found", body));
}

export async function helpCentreRoutes(app: FastifyInstance, options: { database: Database }): Promise<void> {
  const db = options.database.db;
  const r = typed(app);

  r.get("/help/:workspace", { schema: { hide: true, params: HelpParams } }, async (req, reply) => {
    const hc = await findHelpCentre(db, req.params.workspace);
    if (!hc) return notFoundPage(reply, null);
    const { categories, articles } = await publicArticlesByCategory(db, hc);
    if (articles.length === 0)
      return send(
        reply,
        200,
        page(hc, hc.title, `<section><h2>No articles yet</h2><p class="muted">Articles appear here once they are published.</p></section>`),
      );
    const groups = new Map<string | null, PublicArticle[]>();
    for (const a of articles) groups.set(a.categoryId, [...(groups.get(a.categoryId) ?? []), a]);
    const order = [...categories.keys(), null].filter((id) => groups.has(id));
    const sections = order
      .map((id) => {
        const list = (groups.get(id) ?? []).map((a) => `<li><a href="${articleLink(hc, a)}">${escapeHtml(a.title)}</a></li>`).join("");
        return `<section><h2>${escapeHtml(id ? (categories.get(id) ?? "") : "Other articles")}</h2><ul>${list}</ul></section>`;
      })
      .join("");
    return send(reply, 200, page(hc, hc.title, sections));
  });

  r.get("/help/:workspace/search", { schema: { hide: true, params: HelpParams, querystring: SearchQuery } }, async (req, reply) => {
    const hc = await findHelpCentre(db, req.params.workspace);
    if (!hc) return notFoundPage(reply, null);
    const q = (req.query.q ?? "").trim();
    const results = q ? await searchPublicArticles(db, hc, q) : [];
    const list = results.length
      ? `<ul>${results.map((a) => `<li><a href="${articleLink(hc, a)}">${escapeHtml(a.title)}</a><div class="muted">${escapeHtml(a.excerpt)}</div></li>`).join("")}</ul>`
      : `<p>${q ? "No article matches. Try other words, or fewer." : "Type a question or a few words above."}</p>`;
    return send(reply, 200, page(hc, `Search: ${q} — ${hc.title}`, `<section><h2>${q ? `Results for “${escapeHtml(q)}”` : "Search"}</h2>${list}</section>`, q));
  });

  r.get("/help/:workspace/articles/:slug", { schema: { hide: true, params: ArticleParams } }, async (req, reply) => {
    const hc = await findHelpCentre(db, req.params.workspace);
    if (!hc) return notFoundPage(reply, null);
    const a = await publicArticle(db, hc, req.params.slug);
    if (!a) return notFoundPage(reply, hc);
    const meta = [a.categoryName ? escapeHtml(a.categoryName) : "", `Updated ${date(a.updatedAt)}`].filter(Boolean).join(" · ");
    return send(
      reply,
      200,
      page(hc, `${a.title} — ${hc.title}`, `<article><h1>${escapeHtml(a.title)}</h1><p class="muted">${meta}</p>${a.bodyHtml}</article>`),
    );
  });
}
