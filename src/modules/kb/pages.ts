import type { FastifyReply } from "fastify";
import { escapeHtml } from "../../contract/form-html.js";
import type { HelpCentre, PublicArticle } from "./service.js";

/**
 * The public pages' frame (help centre and customer portal): plain HTML and one style sheet, no script, so the pages
 * load fast, work everywhere and can be indexed. Every value written into them goes through escapeHtml.
 */

export const date = (d: Date | null) => (d ? d.toISOString().slice(0, 10) : "");

export function page(hc: HelpCentre, title: string, body: string, q = "", nav = ""): string {
  const home = `/help/${encodeURIComponent(hc.slug)}`;
  const links = nav || `<a href="${home}/portal">My requests</a>`;
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
  nav.top { float: right; font-size: 14px; display: flex; gap: 14px; align-items: center; }
  nav.top form { display: inline; }
  nav.top button { background: none; color: #fff; padding: 0; font-weight: 400; text-decoration: underline; }
  label { display: block; font-weight: 600; font-size: 14px; margin: 12px 0 4px; }
  textarea, input[type=text], input[type=email] { width: 100%; box-sizing: border-box; padding: 9px 10px; border: 1px solid #c9ccd1; border-radius: 6px; font: inherit; }
  .primary { background: #1c7ed6; color: #fff; margin-top: 12px; }
  .error { color: #c92a2a; }
  .msg { border-top: 1px solid #e3e5e8; padding: 12px 0; white-space: pre-wrap; }
  .msg .who { font-weight: 600; font-size: 14px; white-space: normal; }
  .badge { display: inline-block; font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #e7f5ff; color: #1864ab; }
  table { width: 100%; border-collapse: collapse; } td, th { text-align: left; padding: 8px 6px; border-bottom: 1px solid #eef0f2; font-size: 15px; }
</style></head>
<body><header><div class="inner"><nav class="top">${links}</nav><h1><a href="${home}">${escapeHtml(hc.title)}</a></h1>
<form action="${home}/search" method="get" role="search"><input type="search" name="q" value="${escapeHtml(q)}" placeholder="Search the help centre" aria-label="Search the help centre"><button type="submit">Search</button></form>
</div></header><main>${body}</main></body></html>`;
}

export const articleLink = (hc: HelpCentre, a: PublicArticle) => `/help/${encodeURIComponent(hc.slug)}/articles/${encodeURIComponent(a.slug)}`;

export function send(reply: FastifyReply, status: number, html: string) {
  return reply.status(status).type("text/html; charset=utf-8").header("cache-control", "public, max-age=60").send(html);
}

export function notFoundPage(reply: FastifyReply, hc: HelpCentre | null) {
  const body = `<section><h2>Not found</h2><p>There is no such page${hc ? ` in this help centre. <a href="/help/${encodeURIComponent(hc.slug)}">Back to all articles</a>` : ""}.</p></section>`;
  if (!hc)
    return reply
      .status(404)
      .type("text/html; charset=utf-8")
      .send(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Not found</title></head><body><main>${body}</main></body></html>`);
  return send(reply, 404, page(hc, "Not found", body));
}
