import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { escapeHtml } from "../../contract/form-html.js";
import type { Database } from "../../db/client.js";
import { typed } from "../../server/route-kit.js";
import { workspaceBySlug } from "../workspaces/service.js";
import { type PreferenceState, preferenceState, savePreferences, verifyContactToken } from "./service.js";

/**
 * The public preference page a marketing email links to: signed per contact (HMAC, with an expiry), plain HTML that
 * works without JavaScript. A forged or expired link gets a page that says so and names no one; a wrong workspace
 * is the same "not valid" page, so the page tells nobody which workspaces or addresses exist.
 */
const Params = z.object({ workspace: z.string().max(100) }).strict();
const Query = z.object({ token: z.string().max(300).optional() });
const FORM_POST = "application/x-www-form-urlencoded";

function frame(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f7f9; color: #1a1b1e; margin: 0; line-height: 1.55; }
  main { max-width: 620px; margin: 0 auto; padding: 32px 16px; }
  section { background: #fff; border: 1px solid #e3e5e8; border-radius: 10px; padding: 20px 24px; margin-bottom: 16px; }
  h1 { font-size: 22px; margin: 0 0 12px; } h2 { font-size: 17px; margin: 0 0 8px; }
  .muted { color: #6b7079; font-size: 14px; }
  label.topic { display: flex; gap: 10px; align-items: flex-start; padding: 10px 0; border-top: 1px solid #eef0f2; cursor: pointer; }
  label.topic input { margin-top: 5px; width: 18px; height: 18px; }
  button { border: 0; border-radius: 6px; padding: 10px 16px; font: inherit; font-weight: 600; cursor: pointer; margin-top: 12px; }
  .primary { background: #1c7ed6; color: #fff; } .danger { background: #fff; color: #c92a2a; border: 1px solid #c92a2a; }
  .notice { background: #ebfbee; border: 1px solid #b2f2bb; border-radius: 8px; padding: 10px 14px; margin-bottom: 16px; }
</style></head><body><main>${body}</main></body></html>`;
}

function sendPage(reply: FastifyReply, status: number, title: string, body: string) {
  // Never cached: the page shows one person's choices, and each change must show at once.
  return reply
    .status(status)
    .type("text/html; charset=utf-8")
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer")
    .send(frame(title, body));
}

const invalid = (reply: FastifyReply) =>
  sendPage(
    reply,
    400,
    "Link not valid",
    `<section><h1>This link is not valid</h1><p>Use the newest link from one of our emails to manage your subscriptions.</p></section>`,
  );
const expired = (reply: FastifyReply) =>
  sendPage(
    reply,
    410,
    "Link expired",
    `<section><h1>This link has expired</h1><p>Links to manage your subscriptions last a few months. Use the link in a more recent email from us.</p></section>`,
  );

function preferencesBody(workspaceName: string, slug: string, token: string, s: PreferenceState, notice: string): string {
  const action = `/preferences/${encodeURIComponent(slug)}`;
  const topics = s.topics.length
    ? s.topics
        .map(
          (t) =>
            `<label class="topic"><input type="checkbox" name="topic" value="${escapeHtml(t.id)}"${t.subscribed ? " checked" : ""}><span><strong>${escapeHtml(t.name)}</strong>${t.description ? `<br><span class="muted">${escapeHtml(t.description)}</span>` : ""}</span></label>`,
        )
        .join("")
    : `<p class="muted">There are no topics to choose from.</p>`;
  const who = s.email ? `<p class="muted">For ${escapeHtml(s.email)}</p>` : "";
  const status = s.unsubscribedAll
    ? `<p data-status="unsubscribed"><strong>You are unsubscribed from all our emails.</strong> Choose a topic below to subscribe again.</p>`
    : `<p data-status="subscribed">Choose what you would like to receive from ${escapeHtml(workspaceName)}.</p>`;
  return `${notice ? `<div class="notice" role="status">${escapeHtml(notice)}</div>` : ""}
<section><h1>Your email preferences</h1>${who}${status}
<form method="post" action="${action}"><input type="hidden" name="token" value="${escapeHtml(token)}">${topics}
<button class="primary" type="submit" name="action" value="save">Save my choices</button></form></section>
<section><h2>Unsubscribe from all</h2><p class="muted">You will receive no marketing email from us at all.</p>
<form method="post" action="${action}"><input type="hidden" name="token" value="${escapeHtml(token)}">
<button class="danger" type="submit" name="action" value="unsubscribe_all">Unsubscribe from all</button></form></section>`;
}

export async function preferencePageRoutes(app: FastifyInstance, options: { database: Database; rateLimit?: number }): Promise<void> {
  const db = options.database.db;
  const r = typed(app);
  app.addContentTypeParser(FORM_POST, { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => {
    const params = new URLSearchParams(body as string);
    done(null, { token: params.get("token") ?? "", action: params.get("action") ?? "save", topics: params.getAll("topic") });
  });
  const config = { rateLimit: { max: options.rateLimit ?? 60, timeWindow: "1 minute" } };

  async function resolve(slug: string, token: string | undefined) {
    const ws = await workspaceBySlug(db, slug);
    if (!ws || !token) return { outcome: "invalid" as const };
    const v = await verifyContactToken(db, ws.id, "preferences", token);
    if (v === "invalid" || v === "expired") return { outcome: v };
    return { outcome: "ok" as const, ws, contactId: v.contactId };
  }

  r.get("/preferences/:workspace", { schema: { hide: true, params: Params, querystring: Query }, config }, async (req, reply) => {
    const token = req.query.token ?? "";
    const found = await resolve(req.params.workspace, token);
    if (found.outcome === "expired") return expired(reply);
    if (found.outcome !== "ok") return invalid(reply);
    const state = await preferenceState(db, found.ws.id, found.contactId);
    if (!state) return invalid(reply);
    return sendPage(reply, 200, "Your email preferences", preferencesBody(found.ws.name, found.ws.slug, token, state, ""));
  });

  r.post("/preferences/:workspace", { schema: { hide: true, params: Params }, config }, async (req, reply) => {
    const body = (req.body ?? {}) as { token?: string; action?: string; topics?: string[] };
    const token = String(body.token ?? "");
    const found = await resolve(req.params.workspace, token);
    if (found.outcome === "expired") return expired(reply);
    if (found.outcome !== "ok") return invalid(reply);
    const unsubscribeAll = body.action === "unsubscribe_all";
    const state = await savePreferences(db, found.ws.id, found.contactId, { unsubscribeAll, topics: new Set(body.topics ?? []), ip: req.ip });
    if (!state) return invalid(reply);
    const notice = unsubscribeAll ? "You are unsubscribed from all our emails." : "Your choices are saved.";
    return sendPage(reply, 200, "Your email preferences", preferencesBody(found.ws.name, found.ws.slug, token, state, notice));
  });
}
