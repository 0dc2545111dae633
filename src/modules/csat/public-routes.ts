import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { escapeHtml } from "../../contract/form-html.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { typed } from "../../server/route-kit.js";
import { splitScopedToken } from "../auth/tokens.js";
import { page, send } from "../kb/pages.js";
import type { HelpCentre } from "../kb/service.js";
import { workspaceBySlug } from "../workspaces/service.js";
import { answerSurvey, commentOnSurvey, ratingChoices } from "./service.js";

/**
 * The one-click answer to a satisfaction survey: the link in the email records the rating at once and thanks the
 * customer, who may add a comment or change the answer. It works whether or not the help centre is switched on.
 */
const Params = z.object({ workspace: z.string().max(100) }).strict();
const AnswerQuery = z.object({ token: z.string().max(300).optional(), rating: z.coerce.number().int().optional() });
const FORM_POST = "application/x-www-form-urlencoded";

export async function csatPublicRoutes(app: FastifyInstance, options: { database: Database }): Promise<void> {
  const db = options.database.db;
  const r = typed(app);
  app.addContentTypeParser(FORM_POST, { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  async function frame(slug: string): Promise<HelpCentre | null> {
    const ws = await workspaceBySlug(db, slug);
    return ws ? { workspaceId: ws.id, slug: ws.slug, title: `${ws.name} support`, workspaceName: ws.name, companyTickets: false } : null;
  }
  const show = (reply: FastifyReply, hc: HelpCentre, status: number, body: string) =>
    send(reply, status, page(hc, `Your feedback — ${hc.title}`, `<section>${body}</section>`, "", " ")).header("cache-control", "no-store");
  const secretOf = (hc: HelpCentre, token: string | undefined) => {
    const parts = token ? splitScopedToken(token) : null;
    return parts && parts.workspaceId === hc.workspaceId ? parts.secret : null;
  };

  r.get("/help/:workspace/csat", { schema: { hide: true, params: Params, querystring: AnswerQuery } }, async (req, reply) => {
    const hc = await frame(req.params.workspace);
    if (!hc) return reply.status(404).type("text/html; charset=utf-8").send("<!doctype html><title>Not found</title><p>There is no such page.</p>");
    const secret = secretOf(hc, req.query.token);
    if (!secret || req.query.rating === undefined)
      return show(reply, hc, 400, `<h2>This link is not complete</h2><p>Use one of the answers in the survey email.</p>`);
    try {
      const answered = await answerSurvey(db, hc.workspaceId, secret, req.query.rating);
      const token = escapeHtml(req.query.token as string);
      const choices = ratingChoices(answered.scale)
        .map(
          (c) =>
            `<a href="?token=${encodeURIComponent(req.query.token as string)}&amp;rating=${c.value}"${c.value === answered.rating ? ' aria-current="true" style="font-weight:700"' : ""}>${escapeHtml(c.label)}</a>`,
        )
        .join(" · ");
      const comment = answered.askComment
        ? `<form method="post" action="/help/${encodeURIComponent(hc.slug)}/csat" style="display:block"><input type="hidden" name="token" value="${token}"><label for="comment">Anything you would like to add? (optional)</label><textarea id="comment" name="comment" rows="4" maxlength="5000">${escapeHtml(answered.comment ?? "")}</textarea><button class="primary" type="submit">Send comment</button></form>`
        : "";
      return show(
        reply,
        hc,
        200,
        `<h2 data-rating="${answered.rating}">Thank you for your feedback</h2><p>We recorded your answer about request #${answered.ticketNumber}. Clicked the wrong one? ${choices}</p>${comment}`,
      );
    } catch (err) {
      if (!(err instanceof AppError) || !["link_expired", "validation_failed"].includes(err.code)) throw err;
      return show(reply, hc, err.status, `<h2>We could not record this answer</h2><p>${escapeHtml(err.detail ?? err.title)}</p>`);
    }
  });

  r.post("/help/:workspace/csat", { schema: { hide: true, params: Params } }, async (req, reply) => {
    const hc = await frame(req.params.workspace);
    if (!hc) return reply.status(404).send();
    const body = (req.body ?? {}) as Record<string, string>;
    const secret = secretOf(hc, body.token);
    if (!secret) return show(reply, hc, 400, `<h2>This form is not complete</h2><p>Use the link in the survey email.</p>`);
    try {
      await commentOnSurvey(db, hc.workspaceId, secret, String(body.comment ?? ""));
    } catch (err) {
      if (!(err instanceof AppError) || !["link_expired", "validation_failed"].includes(err.code)) throw err;
      return show(reply, hc, err.status, `<h2>We could not record this comment</h2><p>${escapeHtml(err.detail ?? err.title)}</p>`);
    }
    return show(reply, hc, 200, `<h2>Thank you</h2><p>Your comment reached the team.</p>`);
  });
}
