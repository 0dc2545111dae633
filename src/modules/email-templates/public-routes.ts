import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { escapeHtml } from "../../contract/form-html.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { type LinkClaims, verifyLink } from "../mail/sending.js";
import { type Hit, recordHit } from "../mail/tracking.js";
import { unsubscribe } from "./tracking.js";

/**
 * The public ends of marketing mail, outside /api/v1 and without sign-in: the open pixel, click redirects and the
 * unsubscribe page with its RFC 8058 one-click POST. Every link is signed (HMAC with the workspace's key): a forged,
 * altered or expired one gets the same plain page whatever was wrong, so nothing tells which messages or addresses
 * exist. Kept cheap: a signature check, one read and one insert.
 */
const Query = z.object({ t: z.string().max(4000).default("") });
// A 1×1 transparent GIF.
const PIXEL = Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64");

function page(reply: FastifyReply, status: number, title: string, body: string) {
  return reply
    .status(status)
    .header("cache-control", "no-store")
    .header("referrer-policy", "no-referrer")
    .type("text/html; charset=utf-8")
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#1f2937}button{font:inherit;padding:.5rem 1rem;border-radius:.4rem;border:0;background:#2563eb;color:#fff;cursor:pointer}</style></head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`,
    );
}

const invalidPage = (reply: FastifyReply) =>
  page(reply, 410, "This link is not valid", "<p>The link may have been copied incompletely or may have expired. Nothing was changed.</p>");

const hitOf = (req: FastifyRequest): Hit => ({
  method: req.method,
  ip: req.ip ?? null,
  userAgent: typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : null,
  at: new Date(),
});

export async function marketingPublicRoutes(app: FastifyInstance, options: { database: Database }): Promise<void> {
  const db = options.database.db;
  // Mail providers post the one-click body as urlencoded or multipart; the token in the URL is all that counts.
  for (const type of ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"])
    app.addContentTypeParser(type, { parseAs: "string", bodyLimit: 16 * 1024 }, (_req, body, done) => done(null, String(body)));

  const claimsOf = async (token: string, kind: LinkClaims["k"]): Promise<LinkClaims | null> => {
    try {
      return await verifyLink(db, token, kind);
    } catch (err) {
      if (err instanceof AppError) return null;
      throw err;
    }
  };

  app.route({
    method: ["GET", "HEAD"],
    url: "/m/o",
    schema: { hide: true, querystring: Query },
    handler: async (req, reply) => {
      const token = (req.query as z.infer<typeof Query>).t;
      const claims = await claimsOf(token, "o");
      // The pixel is answered the same either way: an image never says whether its link was genuine.
      if (claims) await recordHit(db, claims, hitOf(req)).catch((e: unknown) => req.log.warn({ err: e }, "recording an open failed"));
      return reply.header("cache-control", "no-store, private").type("image/gif").send(PIXEL);
    },
  });

  app.route({
    method: ["GET", "HEAD"],
    url: "/m/c",
    schema: { hide: true, querystring: Query },
    handler: async (req, reply) => {
      const token = (req.query as z.infer<typeof Query>).t;
      const claims = await claimsOf(token, "c");
      // Only the destination the signature covers, and only http(s): never an open redirect.
      if (!claims?.u || !/^https?:\/\//i.test(claims.u)) return invalidPage(reply);
      await recordHit(db, claims, hitOf(req)).catch((e: unknown) => req.log.warn({ err: e }, "recording a click failed"));
      return reply.header("cache-control", "no-store").header("referrer-policy", "no-referrer").redirect(claims.u, 302);
    },
  });

  app.get("/m/u", { schema: { hide: true, querystring: Query } }, async (req, reply) => {
    const token = (req.query as z.infer<typeof Query>).t;
    if (!(await claimsOf(token, "u"))) return invalidPage(reply);
    // A GET never unsubscribes: link scanners follow every link. The button posts, as a person would.
    return page(
      reply,
      200,
      "Unsubscribe",
      `<p>Stop receiving marketing email from us at this address?</p><form method="post" action="/m/u?t=${escapeHtml(encodeURIComponent(token))}"><button type="submit">Unsubscribe</button></form>`,
    );
  });

  app.post("/m/u", { schema: { hide: true, querystring: Query } }, async (req, reply) => {
    const token = (req.query as z.infer<typeof Query>).t;
    const claims = await claimsOf(token, "u");
    if (!claims) return invalidPage(reply);
    const oneClick = typeof req.body === "string" && req.body.includes("List-Unsubscribe=One-Click");
    await unsubscribe(db, claims, oneClick ? "one_click" : "unsubscribe_page");
    return page(reply, 200, "You are unsubscribed", "<p>You will not receive marketing email from us at this address any more.</p>");
  });
}
