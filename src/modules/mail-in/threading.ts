import type { Ctx } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import { contactIdByEmail } from "../contacts/service.js";
import type { MailQueue } from "../mail/service.js";
import { addTicketMessage, createTicket, findTicketByMessageIds, findTicketByNumber } from "../tickets/service.js";
import { getUser, userIdsByEmail } from "../users/service.js";
import { cleanSubject, type ParsedInbound, ticketNumberIn } from "./parse.js";
import type { Deliver, Delivered, MailboxTarget } from "./service.js";

/** The message as a ticket message: the visible reply, the full original, the addressing and the attachments. */
const messageBody = (m: ParsedInbound) => ({
  bodyText: m.bodyText || "(no text)",
  bodyHtml: m.bodyHtml,
  originalText: m.originalText,
  fromAddress: m.from?.address,
  to: m.to,
  cc: m.cc,
  subject: m.subject,
  messageId: m.messageId ?? undefined,
  inReplyTo: m.inReplyTo ?? undefined,
  references: m.references,
  headers: m.headers,
  attachments: m.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content, contentId: a.contentId ?? undefined })),
});

/**
 * Where a received message belongs, in order:
 * 1. `[#123]` in the subject, trusted only when the sender is that ticket's contact or one of our agents (anyone can
 *    type a number into a subject; a stranger's guess must not land in someone else's ticket);
 * 2. In-Reply-To / References naming a message of a ticket (a reply that lost the tag, or a thread joined late);
 * 3. otherwise a new ticket for the sender, on the mailbox's queue.
 * An agent's answer in the ticket's email thread (In-Reply-To / References naming one of its messages) is a public
 * reply in their name, sent on to the customer through the outbox: only the thread's participants know its Message-IDs,
 * so a stranger who forges an agent's From cannot mail our customers through us. An agent's message found only by the
 * number in its subject (which anyone can type) is kept as an internal note, with the reason.
 */
export const deliverToTickets: Deliver = async (ctx: Ctx, m: ParsedInbound, mailbox: MailboxTarget, mail: MailQueue | null): Promise<Delivered> => {
  const from = m.from;
  if (!from) throw new Error("No sender address");
  const agentId = (await userIdsByEmail(ctx, [from.address])).get(from.address) ?? null;
  let reason: string | null = null;

  const number = ticketNumberIn(m.subject);
  let ticket = number === null ? null : await findTicketByNumber(ctx, number);
  if (ticket) {
    const senderContact = agentId ? null : await contactIdByEmail(ctx, from.address);
    if (!agentId && (!senderContact || senderContact !== ticket.contactId)) {
      reason = `The subject names ticket #${ticket.number}, but ${from.address} is neither its contact nor an agent`;
      ticket = null;
    }
  } else if (number !== null) reason = `The subject names ticket #${number}, which does not exist`;

  const ids = [...new Set([m.inReplyTo, ...m.references].filter((s): s is string => Boolean(s)))];
  let inThread = ticket && ids.length ? (await findTicketByMessageIds(ctx, ids))?.id === ticket.id : false;
  if (!ticket) {
    ticket = ids.length ? await findTicketByMessageIds(ctx, ids) : null;
    if (ticket) {
      reason = null;
      inThread = true;
    }
  }

  if (ticket) {
    const actorCtx = agentId ? { ...ctx, actor: { kind: "user" as const, userId: agentId, role: (await getUser(ctx, agentId)).role } } : ctx;
    const publicReply = Boolean(agentId && inThread && mail);
    if (agentId && !publicReply)
      reason = inThread
        ? "An agent's reply by email, kept as an internal note: no outbox is configured to send it on"
        : "An agent's email that names the ticket only by its subject number is kept as an internal note; reply in the ticket's email thread to answer the customer";
    const message = await addTicketMessage(
      actorCtx,
      ticket.id,
      publicReply
        ? // What the customer gets is the agent's new text (quoted history and signature stripped), from the mailbox's
          // outbox address, threaded on the ticket's messages; the full original stays viewable on the message.
          { ...messageBody(m), bodyHtml: undefined, to: undefined, cc: undefined, kind: "reply", direction: "out" }
        : { ...messageBody(m), kind: agentId ? "note" : "reply", direction: agentId ? "out" : "in" },
      publicReply && mail ? { mail } : {},
    );
    return {
      status: "threaded",
      ticketId: ticket.id,
      ticketNumber: ticket.number,
      ticketSubject: ticket.subject,
      ticketMessageId: message.id,
      reason,
      requester: null,
    };
  }

  const firstMessageId = newId();
  const created = await createTicket(
    ctx,
    {
      requester: { email: from.address, ...(from.name ? { name: from.name.slice(0, 200) } : {}) },
      subject: (cleanSubject(m.subject) || "(no subject)").slice(0, 500),
      channel: "email",
      ...(mailbox.queueId ? { queueId: mailbox.queueId } : {}),
    },
    { message: messageBody(m), firstMessageId },
  );
  return {
    status: "ticket_created",
    ticketId: created.id,
    ticketNumber: created.number,
    ticketSubject: created.subject,
    ticketMessageId: firstMessageId,
    reason,
    requester: { address: from.address, name: from.name },
  };
};
