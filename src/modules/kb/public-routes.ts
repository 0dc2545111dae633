import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { escapeHtml } from "../../contract/form-html.js";
import type { Database } from "../../db/client.js";
import { typed } from "../../server/route-kit.js";
import { articleLink, date, notFoundPage, page, send } from "./pages.js";
import { findHelpCentre, type PublicArticle, publicArticle, publicArticlesByCategory, searchPublicArticles } from "./service.js";

/**
 * The public help centre: server-rendered pages (list, search, article) that work without JavaScript, load fast and
 * can be indexed by search engines. Only published public articles appear; article bodies were sanitised when saved.
 */

const HelpParams = z.object({ workspace: z.string().max(100) }).strict();
const ArticleParams = z.object({ workspace: z.string().max(100), slug: z.string().max(200) }).strict();
const SearchQuery = z.object({ q: z.string().max(200).optional() });

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
