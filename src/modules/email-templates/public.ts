import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, invalidField } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { logActivity } from "../activities/service.js";
import { assertSender, settingsRow, signLink } from "../mail/sending.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { type PreparedTemplate, prepareTemplate, renderTemplate, rewriteLinks, type TemplateSource } from "./render.js";
import { mergeData, templateRow } from "./service.js";

/**
 * The marketing send of one message to one contact, for campaigns and sequences: renders the template as the contact,
 * adds the RFC 8058 one-click unsubscribe headers, a visible unsubscribe link, and (unless turned off) an open pixel
 * and signed click redirects, and queues it in the outbox, in the caller's transaction when ctx.db is one.
 * Suppression and consent are the caller's to check before; a contact marked do-not-contact is refused here too.
 */
export interface MarketingSend {
  /** A stored template, or the parts themselves (a campaign's A/B subject). */
  template: { id: string } | TemplateSource;
  contactId: string;
  /** A verified sender (Settings → Email sending) or the server's default sender. */
  from?: string;
  /** Open pixel and click redirects; default on. */
  tracking?: boolean;
  /** Where links start when the workspace set no tracking domain (RAPPORT_PUBLIC_URL). */
  baseUrl: string;
  /** Extra X- headers, e.g. X-Rapport-Campaign. */
  headers?: Record<string, string>;
  /** A note on the contact's timeline (default on). */
  timeline?: boolean;
  /** The outbox id (and so the Message-ID): a campaign fixes it per campaign and contact before sending. */
  mailId?: string;
  /** "caller": no mail.send job; the caller delivers the outbox row itself (campaigns' paced batches). */
  delivery?: "job" | "caller";
  /** The template compiled once for many sends (prepareMarketingTemplate); `template` is then not parsed again. */
  prepared?: PreparedTemplate;
}

/** Who sends, as the footer names them. */
const footerOf = (from: string) =>
  from
    .replace(/<[^>]*>/, "")
    .replace(/"/g, "")
    .trim() || null;

/** Compiles a template's layout once for a campaign's many sends from one sender. */
export function prepareMarketingTemplate(source: TemplateSource, from: string): Promise<PreparedTemplate> {
  return prepareTemplate(source, { footer: footerOf(from) });
}

const YEAR_SECONDS = 365 * 24 * 3600;

export async function sendMarketingEmail(ctx: Ctx, queue: MailQueue, send: MarketingSend): Promise<{ mailId: string; messageId: string; to: string }> {
  const systemCtx: Ctx = { ...ctx, actor: systemActor };
  const source: TemplateSource = "id" in send.template ? await templateRow(ctx, send.template.id) : send.template;
  const data = await mergeData(systemCtx, send.contactId);
  const contact = data.contact as { primaryEmail: string | null; doNotContact: boolean; fullName: string };
  if (!contact.primaryEmail) throw invalidField("contactId", "This contact has no email address");
  if (contact.doNotContact) throw new AppError("conflict", "This contact is marked do not contact.");
  const from = send.from ?? queue.from;
  if (send.from) await assertSender(ctx.db, ctx.workspaceId, send.from, queue.from);
  const settings = await settingsRow(ctx.db, ctx.workspaceId);
  const base = (settings.trackingBaseUrl ?? send.baseUrl).replace(/\/+$/, "");
  const mailId = send.mailId ?? newId();
  const claims = { w: ctx.workspaceId, m: mailId, c: send.contactId };
  const unsubscribeUrl = `${base}/m/u?t=${await signLink(ctx.db, { k: "u", ...claims })}`;
  const rendered = send.prepared
    ? await send.prepared.render(data, unsubscribeUrl)
    : await renderTemplate(source, data, { unsubscribeUrl, footer: footerOf(from) });
  let html = rendered.html;
  if (send.tracking !== false) {
    const expires = Math.floor(Date.now() / 1000) + YEAR_SECONDS;
    html = await rewriteLinks(html, async (url) =>
      url.startsWith(`${base}/m/u?`) ? null : `${base}/m/c?t=${await signLink(ctx.db, { k: "c", ...claims, u: url, x: expires })}`,
    );
    const pixel = `<img src="${base}/m/o?t=${await signLink(ctx.db, { k: "o", ...claims, x: expires })}" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0">`;
    html = html.includes("</body>") ? html.replace("</body>", `${pixel}</body>`) : html + pixel;
  }
  const mailto = settings.bounceAddress ? `<mailto:${settings.bounceAddress}?subject=unsubscribe%20${mailId}>, ` : "";
  const queued = await queueMail(ctx, queue, {
    id: mailId,
    kind: "marketing",
    from,
    to: { name: contact.fullName || null, address: contact.primaryEmail },
    subject: rendered.subject,
    text: rendered.text,
    html,
    htmlIsSanitised: true,
    headers: {
      ...send.headers,
      "List-Unsubscribe": `${mailto}<${unsubscribeUrl}>`,
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "X-Rapport-Mail": mailId,
    },
    related: { object: "contact", id: send.contactId },
    delivery: send.delivery,
  });
  if (send.timeline !== false)
    await logActivity(
      systemCtx,
      { object: "contact", id: send.contactId },
      {
        type: "email",
        direction: "outbound",
        subject: `Marketing email: ${rendered.subject}`.slice(0, 300),
        to: [contact.primaryEmail],
      },
    );
  return { mailId, messageId: queued.messageId, to: contact.primaryEmail };
}
