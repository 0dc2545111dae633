import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { escapeHtml, REFERRER_FIELD, renderFormHtml } from "../../contract/form-html.js";
import { FormIdParams, PublicSubmissionResult, utmKeys } from "../../contract/leads.js";
import { AppError } from "../../core/errors.js";
import type { Database } from "../../db/client.js";
import { problems, typed } from "../../server/route-kit.js";
import { publicForm, type RawSubmission, submitForm } from "./forms.js";

export interface PublicFormOptions {
  database: Database;
  /** Submissions per IP per minute, per server. */
  submissionRateLimit?: number;
}

const FORM_POST = "application/x-www-form-urlencoded";
const isFormPost = (req: FastifyRequest) => String(req.headers["content-type"] ?? "").startsWith(FORM_POST);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; background: #f6f7f9; color: #1a1b1e; margin: 0; padding: 24px 16px; }
  main { max-width: 560px; margin: 0 auto; background: #fff; border: 1px solid #e3e5e8; border-radius: 10px; padding: 24px; }
  h1 { font-size: 22px; margin: 0 0 16px; }
  .rapport-field { margin: 0 0 14px; }
  label { display: block; font-weight: 600; font-size: 14px; margin-bottom: 4px; }
  input:not([type=checkbox]), textarea, select { width: 100%; box-sizing: border-box; padding: 9px 10px; border: 1px solid #c9ccd1; border-radius: 6px; font: inherit; }
  button { background: #228be6; color: #fff; border: 0; border-radius: 6px; padding: 10px 18px; font: inherit; font-weight: 600; cursor: pointer; }
  .error { color: #c92a2a; }
</style></head>
<body><main>${body}</main></body></html>`;
}

/**
 * Public, unauthenticated web-to-lead endpoints, outside /api/v1: the hosted form page and the
 * submission endpoint. Only this plugin parses urlencoded bodies (a plain HTML form posts those); the
 * rest of the API stays JSON-only, which is part of its CSRF defence.
 */
export async function publicFormRoutes(app: FastifyInstance, options: PublicFormOptions): Promise<void> {
  const { database } = options;
  app.addContentTypeParser(FORM_POST, { parseAs: "string", bodyLimit: 64 * 1024 }, (_req, body, done) => {
    const out: RawSubmission = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = out[k];
      out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, out);
  });

  // Readable HTML errors for people posting the plain form; problem+json (the app's handler) for the rest.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (!isFormPost(req) && !req.url.startsWith("/forms/")) throw err;
    const status = err instanceof AppError ? err.status : (err.statusCode ?? 500);
    const text =
      status === 429
        ? "Too many submissions from your network. Please wait a minute and try again."
        : err instanceof AppError
          ? (err.detail ?? err.title)
          : status < 500
            ? "The form could not be read. Please go back and try again."
            : "Something went wrong on our side. Please try again later.";
    if (status >= 500) req.log.error({ err }, "form submission failed");
    const items = err instanceof AppError && err.errors?.length ? `<ul>${err.errors.map((e) => `<li>${escapeHtml(e.message)}</li>`).join("")}</ul>` : "";
    return reply
      .status(status)
      .type("text/html; charset=utf-8")
      .send(
        page(
          "Please check the form",
          `<h1>Please check the form</h1><p class="error">${escapeHtml(text)}</p>${items}<p><a href="javascript:history.back()">Go back</a></p>`,
        ),
      );
  });

  // Any site may post JSON here from a browser (the form is public by design).
  const cors = (reply: FastifyReply) =>
    reply
      .header("access-control-allow-origin", "*")
      .header("access-control-allow-methods", "POST, OPTIONS")
      .header("access-control-allow-headers", "content-type")
      .header("access-control-max-age", "86400")
      .header("cross-origin-resource-policy", "cross-origin");

  const r = typed(app);
  r.options("/api/public/forms/:formId/submissions", { schema: { hide: true } }, async (_req, reply) => cors(reply).status(204).send());
  r.post(
    "/api/public/forms/:formId/submissions",
    {
      config: { rateLimit: { max: options.submissionRateLimit ?? 20, timeWindow: "1 minute" } },
      onRequest: async (_req, reply) => {
        cors(reply);
      },
      schema: {
        tags: ["forms"],
        summary: "Submit a web-to-lead form (public; urlencoded from an HTML form, or JSON)",
        description:
          "A form post answers 303 to the form's redirect URL or a thank-you page; JSON answers JSON. Field names are the form's keys (email, firstName, custom.<key>…), plus utm_* and _referrer.",
        params: FormIdParams,
        response: { 201: PublicSubmissionResult, 429: problems[400], ...problems },
        security: [],
      },
    },
    async (req, reply) => {
      const body = req.body;
      if (!body || typeof body !== "object" || Array.isArray(body))
        throw new AppError("bad_request", "Send the form's fields as a JSON object or a form post.");
      const raw: RawSubmission = {};
      for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
        if (typeof v === "string") raw[k] = v;
        else if (typeof v === "number" || typeof v === "boolean") raw[k] = String(v);
        else if (Array.isArray(v) && v.every((x) => typeof x === "string")) raw[k] = v as string[];
        else throw new AppError("validation_failed", `${k}: send text values`, [{ path: k, message: "Send a text value" }]);
      }
      const result = await submitForm(database.db, req.params.formId, raw, { ip: req.ip, referer: req.headers.referer });
      if (!isFormPost(req)) return reply.status(201).send({ ok: true as const, message: result.message, redirectUrl: result.redirectUrl });
      if (result.redirectUrl) return reply.redirect(result.redirectUrl, 303);
      // HTML is not part of the JSON response schema: send it through the untyped reply.
      return (reply as FastifyReply)
        .status(200)
        .type("text/html; charset=utf-8")
        .send(page("Thank you", `<h1>Thank you</h1><p data-testid="form-thanks">${escapeHtml(result.message)}</p>`));
    },
  );

  r.get("/forms/:formId", { schema: { hide: true, params: FormIdParams } }, async (req, reply) => {
    const { form, defs } = await publicForm(database.db, req.params.formId);
    const query = req.query as Record<string, unknown>;
    const hidden: Record<string, string> = {};
    for (const k of utmKeys) if (typeof query[k] === "string") hidden[k] = (query[k] as string).slice(0, 300);
    if (req.headers.referer) hidden[REFERRER_FIELD] = req.headers.referer.slice(0, 1000);
    const html = renderFormHtml(form, `/api/public/forms/${form.id}/submissions`, defs, { hidden });
    return reply
      .type("text/html; charset=utf-8")
      .header("cache-control", "no-store")
      .send(page(form.name, `<h1>${escapeHtml(form.name)}</h1>${html}`));
  });
}
