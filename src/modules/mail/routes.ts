import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import { MailDetail, MailList, MailListQuery, MailSendUnsentResult } from "../../contract/mail.js";
import { problems, typed } from "../../server/route-kit.js";
import { getMail, listMail, type MailQueue, retryMail, sendTestMail, sendUnsentMail } from "./service.js";

export interface MailRouteDeps {
  /** Whether this server has an SMTP server to send through (SMTP_URL), for the log's empty state. */
  emailConfigured: boolean;
  /** The job system's mail queue, started on first use. */
  mailQueue: () => Promise<MailQueue>;
}

/** Settings → Email log: the outbox, read by admins, who retry a failed message or send the kept ones. */
export async function mailRoutes(app: FastifyInstance, deps: MailRouteDeps): Promise<void> {
  const r = typed(app);
  const tags = ["mail"];
  r.get(
    "/mail",
    {
      schema: {
        tags,
        summary: "Outgoing email, newest first, with its delivery status (admins)",
        querystring: MailListQuery,
        response: { 200: MailList, ...problems },
      },
    },
    async (req) => ({ ...(await listMail(req.ctx, req.query)), smtpConfigured: deps.emailConfigured }),
  );
  r.post(
    "/mail/test",
    {
      schema: {
        tags,
        summary: "Queue a test email to yourself, to check the SMTP settings (admins)",
        response: { 201: MailDetail, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await sendTestMail(req.ctx, await deps.mailQueue())),
  );
  r.post(
    "/mail/send-unsent",
    {
      schema: {
        tags,
        summary: "Queue every message kept unsent for want of an SMTP server, once one is configured (admins)",
        response: { 200: MailSendUnsentResult, ...problems },
      },
    },
    async (req) => ({ queued: await sendUnsentMail(req.ctx, await deps.mailQueue()) }),
  );
  r.get(
    "/mail/:id",
    { schema: { tags, summary: "One email with its content (admins)", params: IdParams, response: { 200: MailDetail, ...problems } } },
    async (req) => getMail(req.ctx, req.params.id),
  );
  r.post(
    "/mail/:id/retry",
    {
      schema: {
        tags,
        summary: "Send a failed or unsent email again, with the same Message-ID (admins)",
        params: IdParams,
        response: { 200: MailDetail, ...problems },
      },
    },
    async (req) => retryMail(req.ctx, await deps.mailQueue(), req.params.id),
  );
}
