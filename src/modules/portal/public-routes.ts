import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { escapeHtml } from "../../contract/form-html.js";
import type { Ticket, TicketMessage } from "../../contract/tickets.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { typed } from "../../server/route-kit.js";
import { safeEqual, splitScopedToken } from "../auth/tokens.js";
import { page, send } from "../kb/pages.js";
import { findHelpCentre, type HelpCentre } from "../kb/service.js";
import type { MailQueue } from "../mail/service.js";
import {
  endPortalSession,
  openPortalTicket,
  type PortalSession,
  portalSession,
  portalTicket,
  portalTickets,
  redeemPortalLink,
  replyFromPortal,
  requestPortalLink,
  SESSION_DAYS,
} from "./service.js";

/**
 * The customer portal's pages under /help/<workspace>/portal: server-rendered like the help centre, posted as plain
 * forms. The session cookie is scoped to the portal's path, httpOnly and SameSite=Lax, and every post also carries
 * the session's own form token.
 */

const COOKIE = "rapport_portal";
const FORM_POST = "application/x-www-form-urlencoded";
const Params = z.object({ workspace: z.string().max(100) }).strict();
const TicketParams = z.object({ workspace: z.string().max(100), number: z.coerce.number().int().min(1).max(2_147_483_647) }).strict();
const AuthQuery = z.object({ token: z.string().max(300).optional() });

type Form = Record<string, string>;
const field = (body: unknown, name: string) => (body && typeof body === "object" ? String((body as Form)[name] ?? "") : "");

export interface PortalRouteOptions {
  database: Database;
  mailQueue: () => Promise<MailQueue>;
  secureCookies: boolean;
  publicUrl?: string;
  /** Sign-in link requests per IP per minute, per server. */
  linkRateLimit?: number;
}

const when = (iso: string) => new Date(iso).toISOString().replace("T", " ").slice(0, 16);

export async function portalRoutes(app: FastifyInstance, options: PortalRouteOptions): Promise<void> {
  const db = options.database.db;
  const r = typed(app);
  app.addContentTypeParser(FORM_POST, { parseAs: "string", bodyLimit: 256 * 1024 }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const base = (hc: HelpCentre) => `/help/${encodeURIComponent(hc.slug)}/portal`;
  const origin = (req: FastifyRequest) => options.publicUrl ?? `${req.protocol}://${req.host}`;

  const nav = (hc: HelpCentre, s: PortalSession | null) =>
    s
      ? `<a href="${base(hc)}/tickets">My requests</a><span>${escapeHtml(s.contactName)}</span><form method="post" action="${base(hc)}/sign-out"><input type="hidden" name="_csrf" value="${escapeHtml(s.csrfToken)}"><button type="submit">Sign out</button></form>`
      : `<a href="${base(hc)}">Sign in</a>`;
  const render = (reply: FastifyReply, hc: HelpCentre, s: PortalSession | null, title: string, body: string, status = 200) =>
    send(reply, status, page(hc, `${title} — ${hc.title}`, body, "", nav(hc, s))).header("cache-control", "no-store");

  async function context(req: { params: { workspace: string }; cookies: FastifyRequest["cookies"] }) {
    const hc = await findHelpCentre(db, req.params.workspace);
    if (!hc) return { hc: null, session: null };
    const raw = req.cookies[COOKIE];
    const parts = raw ? splitScopedToken(raw) : null;
    const session = parts && parts.workspaceId === hc.workspaceId ? await portalSession(db, hc.workspaceId, parts.secret) : null;
    return { hc, session };
  }

  const gone = (reply: FastifyReply) =>
    reply.status(404).type("text/html; charset=utf-8").send("<!doctype html><title>Not found</title><p>There is no such page.</p>");

  const signInForm = (hc: HelpCentre, note = "") =>
    `<section><h2>Sign in to see your requests</h2>${note}<p class="muted">We send a sign-in link to the address you wrote to us from. No password needed.</p>
<form method="post" action="${base(hc)}/link" style="display:block"><label for="email">Email address</label><input type="email" id="email" name="email" required autocomplete="email" maxlength="320"><button class="primary" type="submit">Email me a sign-in link</button></form></section>`;

  /** A post must carry the session's form token: a page of another site cannot post for the customer. */
  const checkCsrf = (s: PortalSession, body: unknown) => {
    if (!safeEqual(field(body, "_csrf"), s.csrfToken)) throw new AppError("csrf_rejected", "This form is out of date. Reload the page and try again.");
  };

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err instanceof AppError ? err.status : (err.statusCode ?? 500);
    if (status >= 500) req.log.error({ err }, "portal request failed");
    const text =
      status === 429
        ? "Too many requests from your network. Please wait a minute and try again."
        : err instanceof AppError
          ? (err.detail ?? err.title)
          : status < 500
            ? "The request could not be read. Please go back and try again."
            : "Something went wrong on our side. Please try again later.";
    return reply
      .status(status)
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(
        `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Please check</title></head><body style="font-family:system-ui,sans-serif;max-width:560px;margin:40px auto;padding:0 16px"><h1>Please check</h1><p class="error">${escapeHtml(text)}</p><p><a href="javascript:history.back()">Go back</a></p></body></html>`,
      );
  });

  r.get("/help/:workspace/portal", { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (session) return reply.redirect(`${base(hc)}/tickets`, 303);
    return render(reply, hc, null, "Sign in", signInForm(hc));
  });

  r.post(
    "/help/:workspace/portal/link",
    { schema: { hide: true, params: Params }, config: { rateLimit: { max: options.linkRateLimit ?? 10, timeWindow: "1 minute" } } },
    async (req, reply) => {
      const { hc } = await context(req);
      if (!hc) return gone(reply);
      const email = field(req.body, "email").trim();
      if (!z.email().safeParse(email).success)
        return render(reply, hc, null, "Sign in", signInForm(hc, `<p class="error">Write the email address you contacted us from.</p>`), 400);
      await requestPortalLink(db, hc.workspaceId, await options.mailQueue(), {
        email,
        baseUrl: origin(req),
        portalPath: base(hc),
        workspaceName: hc.workspaceName,
      });
      // The same answer whether or not the address is known: the form does not reveal who is a customer.
      return render(
        reply,
        hc,
        null,
        "Check your email",
        `<section><h2>Check your email</h2><p>If <strong>${escapeHtml(email)}</strong> is an address we know, a sign-in link is on its way. It works once, for 30 minutes.</p></section>`,
      );
    },
  );

  r.get("/help/:workspace/portal/auth", { schema: { hide: true, params: Params, querystring: AuthQuery } }, async (req, reply) => {
    const hc = await findHelpCentre(db, req.params.workspace);
    if (!hc) return gone(reply);
    const parts = req.query.token ? splitScopedToken(req.query.token) : null;
    if (!parts || parts.workspaceId !== hc.workspaceId)
      return render(reply, hc, null, "Sign in", signInForm(hc, `<p class="error">This sign-in link is not valid. Ask for a new one below.</p>`), 400);
    try {
      const { cookie } = await redeemPortalLink(db, hc.workspaceId, parts.secret);
      reply.setCookie(COOKIE, cookie, {
        path: base(hc),
        httpOnly: true,
        sameSite: "lax",
        secure: options.secureCookies,
        maxAge: SESSION_DAYS * 86_400,
      });
      return reply.redirect(`${base(hc)}/tickets`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "link_expired") throw err;
      return render(reply, hc, null, "Sign in", signInForm(hc, `<p class="error">${escapeHtml(err.detail ?? err.title)}</p>`), 410);
    }
  });

  r.post("/help/:workspace/portal/sign-out", { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (session) {
      checkCsrf(session, req.body);
      await endPortalSession(db, session);
    }
    reply.clearCookie(COOKIE, { path: base(hc) });
    return reply.redirect(base(hc), 303);
  });

  const statusBadge = (t: Ticket) => `<span class="badge">${escapeHtml(t.statusCategory === "pending" ? "Waiting for you" : t.statusLabel)}</span>`;

  r.get("/help/:workspace/portal/tickets", { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (!session) return reply.redirect(base(hc), 303);
    const tickets = await portalTickets(db, session, { companyTickets: hc.companyTickets });
    const rows = tickets
      .map(
        (t) =>
          `<tr><td>#${t.number}</td><td><a href="${base(hc)}/tickets/${t.number}">${escapeHtml(t.subject)}</a>${t.contactId !== session.contactId ? ` <span class="muted">(${escapeHtml(t.contactName ?? "a colleague")})</span>` : ""}</td><td>${statusBadge(t)}</td><td class="muted">${when(t.updatedAt)}</td></tr>`,
      )
      .join("");
    const list = tickets.length
      ? `<table><thead><tr><th>#</th><th>Subject</th><th>Status</th><th>Updated (UTC)</th></tr></thead><tbody>${rows}</tbody></table>`
      : `<p>You have no requests yet. Open one below, or write to us by email.</p>`;
    return render(
      reply,
      hc,
      session,
      "My requests",
      `<section><h2>My requests</h2>${list}<p><a href="${base(hc)}/tickets/new">Open a new request</a></p></section>`,
    );
  });

  const newForm = (hc: HelpCentre, s: PortalSession, values: { subject?: string; body?: string } = {}, error = "") =>
    `<section><h2>New request</h2>${error ? `<p class="error">${escapeHtml(error)}</p>` : ""}<form method="post" action="${base(hc)}/tickets" style="display:block">
<input type="hidden" name="_csrf" value="${escapeHtml(s.csrfToken)}">
<label for="subject">Subject</label><input type="text" id="subject" name="subject" required maxlength="500" value="${escapeHtml(values.subject ?? "")}">
<label for="body">How can we help?</label><textarea id="body" name="body" rows="8" required>${escapeHtml(values.body ?? "")}</textarea>
<button class="primary" type="submit">Send request</button></form></section>`;

  r.get("/help/:workspace/portal/tickets/new", { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (!session) return reply.redirect(base(hc), 303);
    return render(reply, hc, session, "New request", newForm(hc, session));
  });

  r.post("/help/:workspace/portal/tickets", { schema: { hide: true, params: Params } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (!session) return reply.redirect(base(hc), 303);
    checkCsrf(session, req.body);
    const values = { subject: field(req.body, "subject"), body: field(req.body, "body") };
    try {
      const ticket = await openPortalTicket(db, session, values);
      return reply.redirect(`${base(hc)}/tickets/${ticket.number}`, 303);
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== "validation_failed") throw err;
      return render(reply, hc, session, "New request", newForm(hc, session, values, err.detail ?? err.title), 400);
    }
  });

  const message = (m: TicketMessage, s: PortalSession) =>
    `<div class="msg"><div class="who">${escapeHtml(m.direction === "in" ? (m.authorContactId === s.contactId ? "You" : (m.fromAddress ?? "Customer")) : (m.authorUserName ?? "Support"))} <span class="muted">· ${when(m.createdAt)} UTC</span></div>${escapeHtml(m.bodyText)}${m.attachments.length ? `<div class="muted">Attachments: ${m.attachments.map((a) => escapeHtml(a.filename)).join(", ")}</div>` : ""}</div>`;

  r.get("/help/:workspace/portal/tickets/:number", { schema: { hide: true, params: TicketParams } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (!session) return reply.redirect(base(hc), 303);
    const { ticket, messages } = await portalTicket(db, session, { companyTickets: hc.companyTickets }, req.params.number).catch((err) => {
      if (err instanceof AppError && err.code === "not_found") return { ticket: null, messages: [] };
      throw err;
    });
    if (!ticket)
      return render(
        reply,
        hc,
        session,
        "Not found",
        `<section><h2>Not found</h2><p>There is no such request among yours. <a href="${base(hc)}/tickets">Back to my requests</a></p></section>`,
        404,
      );
    const closed = ticket.statusCategory === "closed";
    const replyForm = closed
      ? `<p class="muted">This request is closed. <a href="${base(hc)}/tickets/new">Open a new one</a> if you need more help.</p>`
      : `<form method="post" action="${base(hc)}/tickets/${ticket.number}/replies" style="display:block"><input type="hidden" name="_csrf" value="${escapeHtml(session.csrfToken)}"><label for="body">Your reply</label><textarea id="body" name="body" rows="6" required></textarea><button class="primary" type="submit">Send reply</button></form>`;
    return render(
      reply,
      hc,
      session,
      `#${ticket.number} ${ticket.subject}`,
      `<section><p><a href="${base(hc)}/tickets">← My requests</a></p><h2>#${ticket.number} ${escapeHtml(ticket.subject)}</h2><p>${statusBadge(ticket)} <span class="muted">opened ${when(ticket.createdAt)} UTC</span></p>${messages.map((m) => message(m, session)).join("")}${replyForm}</section>`,
    );
  });

  r.post("/help/:workspace/portal/tickets/:number/replies", { schema: { hide: true, params: TicketParams } }, async (req, reply) => {
    const { hc, session } = await context(req);
    if (!hc) return gone(reply);
    if (!session) return reply.redirect(base(hc), 303);
    checkCsrf(session, req.body);
    await replyFromPortal(db, session, { companyTickets: hc.companyTickets }, req.params.number, field(req.body, "body"));
    return reply.redirect(`${base(hc)}/tickets/${req.params.number}`, 303);
  });
}
