import type { FastifyInstance } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  AddDkimKeyBody,
  CreateEmailTemplateBody,
  DomainParams,
  EmailTemplate,
  EmailTemplateList,
  Preview,
  PreviewBody,
  SendingSettings,
  TestSendBody,
  TestSendResult,
  UpdateEmailTemplateBody,
  UpdateSendingSettingsBody,
} from "../../contract/email-templates.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { addDkimKey, deleteDkimKey, getSendingSettings, type SendingEnv, updateSendingSettings } from "../mail/sending.js";
import type { MailQueue } from "../mail/service.js";
import { createTemplate, deleteTemplate, getTemplate, listTemplates, previewTemplate, sendTestTemplate, updateTemplate } from "./service.js";

export interface EmailTemplateRouteDeps {
  mailQueue: () => Promise<MailQueue>;
  emailConfigured: boolean;
  secretKey?: string;
  mailReceiver: () => { host: string; port: number } | null;
}

/** Marketing → Templates, and Settings → Email sending. */
export async function emailTemplateRoutes(app: FastifyInstance, deps: EmailTemplateRouteDeps): Promise<void> {
  const r = typed(app);
  const tags = ["email templates"];
  r.get("/email-templates", { schema: { tags, summary: "Email templates by name", response: { 200: EmailTemplateList, ...problems } } }, async (req) => ({
    data: await listTemplates(req.ctx),
  }));
  r.post(
    "/email-templates",
    {
      schema: {
        tags,
        summary: "Create a template (marketing, admins); a liquid syntax error is refused with its line and column",
        body: CreateEmailTemplateBody,
        response: { 201: EmailTemplate, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createTemplate(req.ctx, req.body)),
  );
  r.post(
    "/email-templates/preview",
    {
      schema: {
        tags,
        summary: "Render a template as a contact (or sample data): problems with line and column, the HTML and the plain text",
        body: PreviewBody,
        response: { 200: Preview, ...problems },
      },
    },
    async (req) => previewTemplate(req.ctx, req.body),
  );
  r.get("/email-templates/:id", { schema: { tags, params: IdParams, response: { 200: EmailTemplate, ...problems } } }, async (req) =>
    getTemplate(req.ctx, req.params.id),
  );
  r.patch(
    "/email-templates/:id",
    { schema: { tags, params: IdParams, body: UpdateEmailTemplateBody, response: { 200: EmailTemplate, ...problems } } },
    async (req) => updateTemplate(req.ctx, req.params.id, req.body),
  );
  r.delete("/email-templates/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteTemplate(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.post(
    "/email-templates/:id/test",
    {
      schema: {
        tags,
        summary: "Send the template to yourself through the outbox, rendered as a contact (or sample data)",
        params: IdParams,
        body: TestSendBody,
        response: { 201: TestSendResult, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await sendTestTemplate(req.ctx, await deps.mailQueue(), req.params.id, req.body.contactId)),
  );

  const env = async (): Promise<SendingEnv> => ({
    smtpConfigured: deps.emailConfigured,
    defaultFrom: (await deps.mailQueue()).from,
    receiverPort: deps.mailReceiver()?.port ?? null,
    secretKey: deps.secretKey,
  });
  const stags = ["email sending"];
  r.get(
    "/settings/email-sending",
    {
      schema: {
        tags: stags,
        summary: "Sender addresses, bounce address, tracking domain and DKIM keys (admins)",
        response: { 200: SendingSettings, ...problems },
      },
    },
    async (req) => getSendingSettings(req.ctx, await env()),
  );
  r.patch(
    "/settings/email-sending",
    { schema: { tags: stags, body: UpdateSendingSettingsBody, response: { 200: SendingSettings, ...problems } } },
    async (req) => updateSendingSettings(req.ctx, await env(), req.body),
  );
  r.post(
    "/settings/email-sending/dkim",
    {
      schema: {
        tags: stags,
        summary: "Store a sending domain's DKIM private key (kept sealed, never returned); replaces the domain's key",
        body: AddDkimKeyBody,
        response: { 200: SendingSettings, ...problems },
      },
    },
    async (req) => addDkimKey(req.ctx, await env(), req.body),
  );
  r.delete(
    "/settings/email-sending/dkim/:domain",
    { schema: { tags: stags, params: DomainParams, response: { 200: SendingSettings, ...problems } } },
    async (req) => deleteDkimKey(req.ctx, await env(), req.params.domain),
  );
}
