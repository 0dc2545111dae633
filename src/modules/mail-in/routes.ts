import type { FastifyInstance, FastifyReply } from "fastify";
import { IdParams } from "../../contract/common.js";
import {
  CreateMailboxBody,
  InboundMessageList,
  InboundMessageListQuery,
  Mailbox,
  MailboxList,
  TestImapBody,
  TestImapResult,
  UpdateMailboxBody,
} from "../../contract/mail-in.js";
import { notFound } from "../../core/errors.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import { getTicket } from "../tickets/service.js";
import { tryImap } from "./imap.js";
import {
  createMailbox,
  deleteMailbox,
  getMailbox,
  inboundOriginal,
  listInboundMessages,
  listMailboxes,
  originalOfTicketMessage,
  testImap,
  updateMailbox,
} from "./service.js";

export interface MailInRouteDeps {
  /** RAPPORT_SECRET_KEY: seals IMAP passwords at rest. */
  secretKey?: string;
  mailReceiver: () => { host: string; port: number } | null;
}

/**
 * The original as it arrived: plain text and a download, never rendered (an HTML part shown in our origin could run
 * a sender's script); nosniff keeps a browser from guessing otherwise.
 */
const sendOriginal = (reply: FastifyReply, raw: Buffer, name: string) =>
  reply
    .header("content-type", "text/plain; charset=utf-8")
    .header("content-disposition", `attachment; filename="${name}.eml"`)
    .header("x-content-type-options", "nosniff")
    .header("content-security-policy", "default-src 'none'; sandbox")
    .send(raw);

/** Settings → Mailboxes (admins) and the originals of received messages. */
export async function mailInRoutes(app: FastifyInstance, deps: MailInRouteDeps): Promise<void> {
  const r = typed(app);
  const tags = ["mail-in"];
  r.get(
    "/mailboxes",
    { schema: { tags, summary: "The workspace's inbound mailboxes (admins)", response: { 200: MailboxList, ...problems } } },
    async (req) => ({ data: await listMailboxes(req.ctx), smtpReceiver: deps.mailReceiver() }),
  );
  r.post(
    "/mailboxes",
    {
      schema: {
        tags,
        summary: "Add an address whose mail becomes tickets; optionally polled over IMAP (admins)",
        body: CreateMailboxBody,
        response: { 201: Mailbox, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createMailbox(req.ctx, req.body, deps.secretKey)),
  );
  r.post(
    "/mailboxes/test-imap",
    {
      schema: {
        tags,
        summary: "Try IMAP settings: sign in and open the folder (admins); the stored password is used when none is given",
        body: TestImapBody,
        response: { 200: TestImapResult, ...problems },
      },
    },
    async (req) => testImap(req.ctx, req.body, deps.secretKey, tryImap),
  );
  r.get("/mailboxes/:id", { schema: { tags, params: IdParams, response: { 200: Mailbox, ...problems } } }, async (req) => getMailbox(req.ctx, req.params.id));
  r.patch(
    "/mailboxes/:id",
    { schema: { tags, summary: "Change a mailbox (admins)", params: IdParams, body: UpdateMailboxBody, response: { 200: Mailbox, ...problems } } },
    async (req) => updateMailbox(req.ctx, req.params.id, req.body, deps.secretKey),
  );
  r.delete("/mailboxes/:id", { schema: { tags, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteMailbox(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
  r.get(
    "/inbound-messages",
    {
      schema: {
        tags,
        summary: "Received messages, newest first, with what became of each (admins)",
        querystring: InboundMessageListQuery,
        response: { 200: InboundMessageList, ...problems },
      },
    },
    async (req) => listInboundMessages(req.ctx, req.query),
  );
  r.get(
    "/inbound-messages/:id/original",
    { schema: { tags, summary: "A received message's raw MIME, as plain text (admins)", params: IdParams, response: problems } },
    async (req, reply) => {
      const { raw } = await inboundOriginal(req.ctx, req.params.id);
      return sendOriginal(reply as FastifyReply, raw, `message-${req.params.id}`);
    },
  );
  r.get(
    "/ticket-messages/:id/original",
    {
      schema: {
        tags,
        summary: "The raw MIME of a ticket message that came in by email, for whoever may read its ticket",
        params: IdParams,
        response: problems,
      },
    },
    async (req, reply) => {
      const found = await originalOfTicketMessage(req.ctx, req.params.id);
      if (!found?.ticketId) throw notFound("Original email");
      // getTicket applies the ticket's permissions: no original of a ticket the user cannot see.
      await getTicket(req.ctx, found.ticketId);
      return sendOriginal(reply as FastifyReply, found.raw, `ticket-message-${req.params.id}`);
    },
  );
}
