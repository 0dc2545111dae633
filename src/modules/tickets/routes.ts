import type { FastifyInstance } from "fastify";
import { BulkResult, IdParams, Problem } from "../../contract/common.js";
import {
  BulkTicketBody,
  CreateTicketBody,
  CreateTicketQueueBody,
  CreateTicketRoutingRuleBody,
  CreateTicketStatusBody,
  PostTicketMessageBody,
  QueueAvailabilityBody,
  QueueMemberParams,
  Ticket,
  TicketAttachmentParams,
  TicketList,
  TicketListQuery,
  TicketMessage,
  TicketMessageList,
  TicketNumberParams,
  TicketQueue,
  TicketQueueList,
  TicketRoutingRule,
  TicketRoutingRuleList,
  TicketStatusDef,
  TicketStatusList,
  TicketStatusParams,
  UpdateTicketBody,
  UpdateTicketQueueBody,
  UpdateTicketRoutingRuleBody,
  UpdateTicketStatusBody,
} from "../../contract/tickets.js";
import { notFound } from "../../core/errors.js";
import { NoContent, problems, typed } from "../../server/route-kit.js";
import type { MailQueue } from "../mail/service.js";
import { createTicketQueue, deleteTicketQueue, getTicketQueue, listTicketQueues, setQueueAvailability, updateTicketQueue } from "./queues.js";
import { createRoutingRule, deleteRoutingRule, listRoutingRules, updateRoutingRule } from "./rules.js";
import {
  addTicketMessage,
  bulkUpdateTickets,
  createTicket,
  deleteTicket,
  findTicketByNumber,
  getTicket,
  listTicketMessages,
  listTickets,
  restoreTicket,
  ticketAttachment,
  ticketStatuses,
  updateTicket,
} from "./service.js";
import { createTicketStatus, deleteTicketStatus, updateTicketStatus } from "./statuses.js";

export interface TicketRouteDeps {
  /** The mail outbox's queue: agents' replies go to customers through it. */
  mailQueue: () => Promise<MailQueue>;
}

// Attachments travel base64-encoded in JSON: 25 MB of files is about 34 MB of body.
const withAttachments = 36 * 1024 * 1024;

const b64 = (a: { filename: string; contentType: string; contentBase64: string; contentId?: string }) => ({
  filename: a.filename,
  contentType: a.contentType,
  content: Buffer.from(a.contentBase64, "base64"),
  contentId: a.contentId ?? null,
});

/** A filename for Content-Disposition: ASCII fallback plus the UTF-8 original (RFC 6266 / 5987). */
function disposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, "_").replace(/["\\]/g, "_");
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export async function ticketRoutes(app: FastifyInstance, deps: TicketRouteDeps): Promise<void> {
  const r = typed(app);
  const tags = ["tickets"];
  r.get(
    "/tickets",
    {
      schema: {
        tags,
        summary: "Tickets, newest first; filter by status, queue, assignee (me, none, id), priority, channel, customer, words or #number",
        querystring: TicketListQuery,
        response: { 200: TicketList, ...problems },
      },
    },
    async (req) => listTickets(req.ctx, req.query),
  );
  r.post(
    "/tickets",
    {
      bodyLimit: withAttachments,
      schema: {
        tags,
        summary: "Open a ticket for a contact or a requester's email (found or added); routed by the rules and queues when no queue or assignee is given",
        body: CreateTicketBody,
        response: { 201: Ticket, ...problems },
      },
    },
    async (req, reply) => reply.status(201).send(await createTicket(req.ctx, req.body)),
  );
  r.post(
    "/tickets/bulk",
    {
      schema: {
        tags,
        summary: "Change the status, assignee, queue, priority or tags of many tickets, or move them to the trash",
        body: BulkTicketBody,
        response: { 200: BulkResult, ...problems },
      },
    },
    async (req) => bulkUpdateTickets(req.ctx, req.body),
  );
  r.get(
    "/tickets/by-number/:number",
    { schema: { tags, summary: "The ticket with this number", params: TicketNumberParams, response: { 200: Ticket, ...problems } } },
    async (req) => {
      const found = await findTicketByNumber(req.ctx, req.params.number);
      if (!found) throw notFound("Ticket");
      return found;
    },
  );
  r.get("/tickets/:id", { schema: { tags, params: IdParams, response: { 200: Ticket, ...problems } } }, async (req) => getTicket(req.ctx, req.params.id));
  r.patch(
    "/tickets/:id",
    {
      schema: {
        tags,
        summary: "Change a ticket's status, priority, assignee, queue, customer, tags or fields",
        params: IdParams,
        body: UpdateTicketBody,
        response: { 200: Ticket, ...problems },
      },
    },
    async (req) => updateTicket(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/tickets/:id",
    { schema: { tags, summary: "Move a ticket to the trash", params: IdParams, response: { 204: NoContent, ...problems } } },
    async (req, reply) => {
      await deleteTicket(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.post(
    "/tickets/:id/restore",
    { schema: { tags, summary: "Bring a ticket back from the trash", params: IdParams, response: { 200: Ticket, ...problems } } },
    async (req) => restoreTicket(req.ctx, req.params.id),
  );
  r.get(
    "/tickets/:id/messages",
    {
      schema: {
        tags,
        summary: "The conversation: replies and internal notes, oldest first",
        params: IdParams,
        response: { 200: TicketMessageList, ...problems },
      },
    },
    async (req) => ({ data: await listTicketMessages(req.ctx, req.params.id) }),
  );
  r.post(
    "/tickets/:id/messages",
    {
      bodyLimit: withAttachments,
      schema: {
        tags,
        summary: "Reply to the customer (sent by email, threaded) or add an internal note (kind: note)",
        params: IdParams,
        body: PostTicketMessageBody,
        response: { 201: TicketMessage, ...problems, 413: Problem, 415: Problem },
      },
    },
    async (req, reply) => {
      const message = await addTicketMessage(
        req.ctx,
        req.params.id,
        {
          kind: req.body.kind,
          direction: "out",
          bodyText: req.body.bodyText,
          bodyHtml: req.body.bodyHtml ?? null,
          cc: req.body.cc,
          attachments: (req.body.attachments ?? []).map(b64),
        },
        { mail: req.body.kind === "reply" ? await deps.mailQueue() : undefined },
      );
      return reply.status(201).send(message);
    },
  );
  r.get(
    "/tickets/:id/attachments/:attachmentId",
    { schema: { tags, summary: "Download an attachment (always as a file, never shown inline)", params: TicketAttachmentParams } },
    async (req, reply) => {
      const file = await ticketAttachment(req.ctx, req.params.id, req.params.attachmentId);
      return reply
        .header("content-type", file.contentType)
        .header("content-disposition", disposition(file.filename))
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("cache-control", "private, no-store")
        .send(file.content);
    },
  );

  // ---- statuses ----
  const settings = ["ticket settings"];
  r.get(
    "/ticket-statuses",
    { schema: { tags: settings, summary: "The workspace's ticket statuses in order", response: { 200: TicketStatusList, ...problems } } },
    async (req) => ({
      data: await ticketStatuses(req.ctx),
    }),
  );
  r.post(
    "/ticket-statuses",
    { schema: { tags: settings, summary: "Add a status (admins)", body: CreateTicketStatusBody, response: { 201: TicketStatusDef, ...problems } } },
    async (req, reply) => reply.status(201).send(await createTicketStatus(req.ctx, req.body)),
  );
  r.patch(
    "/ticket-statuses/:key",
    {
      schema: {
        tags: settings,
        summary: "Rename or reorder a status, or say whether SLA clocks run in it (admins)",
        params: TicketStatusParams,
        body: UpdateTicketStatusBody,
        response: { 200: TicketStatusDef, ...problems },
      },
    },
    async (req) => updateTicketStatus(req.ctx, req.params.key, req.body),
  );
  r.delete(
    "/ticket-statuses/:key",
    {
      schema: {
        tags: settings,
        summary: "Delete an added status no ticket is in (admins)",
        params: TicketStatusParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteTicketStatus(req.ctx, req.params.key);
      return reply.status(204).send(null);
    },
  );

  // ---- queues ----
  r.get(
    "/ticket-queues",
    { schema: { tags: settings, summary: "Queues with their members and availability", response: { 200: TicketQueueList, ...problems } } },
    async (req) => ({
      data: await listTicketQueues(req.ctx),
    }),
  );
  r.post(
    "/ticket-queues",
    { schema: { tags: settings, summary: "Add a queue (admins)", body: CreateTicketQueueBody, response: { 201: TicketQueue, ...problems } } },
    async (req, reply) => reply.status(201).send(await createTicketQueue(req.ctx, req.body)),
  );
  r.get("/ticket-queues/:id", { schema: { tags: settings, params: IdParams, response: { 200: TicketQueue, ...problems } } }, async (req) =>
    getTicketQueue(req.ctx, req.params.id),
  );
  r.patch(
    "/ticket-queues/:id",
    {
      schema: {
        tags: settings,
        summary: "Rename a queue, change its routing, default or members (admins)",
        params: IdParams,
        body: UpdateTicketQueueBody,
        response: { 200: TicketQueue, ...problems },
      },
    },
    async (req) => updateTicketQueue(req.ctx, req.params.id, req.body),
  );
  r.delete(
    "/ticket-queues/:id",
    {
      schema: {
        tags: settings,
        summary: "Delete a queue; its tickets stay, without a queue (admins)",
        params: IdParams,
        response: { 204: NoContent, ...problems },
      },
    },
    async (req, reply) => {
      await deleteTicketQueue(req.ctx, req.params.id);
      return reply.status(204).send(null);
    },
  );
  r.put(
    "/ticket-queues/:id/members/:userId/availability",
    {
      schema: {
        tags: settings,
        summary: "Mark a member available for routing or away (themselves, or admins and managers for anyone)",
        params: QueueMemberParams,
        body: QueueAvailabilityBody,
        response: { 200: TicketQueue, ...problems },
      },
    },
    async (req) => setQueueAvailability(req.ctx, req.params.id, req.params.userId, req.body.available),
  );

  // ---- routing rules ----
  r.get(
    "/ticket-routing-rules",
    {
      schema: {
        tags: settings,
        summary: "Rules that route new tickets to queues, in the order they are tried",
        response: { 200: TicketRoutingRuleList, ...problems },
      },
    },
    async (req) => ({ data: await listRoutingRules(req.ctx) }),
  );
  r.post(
    "/ticket-routing-rules",
    {
      schema: { tags: settings, summary: "Add a routing rule (admins)", body: CreateTicketRoutingRuleBody, response: { 201: TicketRoutingRule, ...problems } },
    },
    async (req, reply) => reply.status(201).send(await createRoutingRule(req.ctx, req.body)),
  );
  r.patch(
    "/ticket-routing-rules/:id",
    { schema: { tags: settings, params: IdParams, body: UpdateTicketRoutingRuleBody, response: { 200: TicketRoutingRule, ...problems } } },
    async (req) => updateRoutingRule(req.ctx, req.params.id, req.body),
  );
  r.delete("/ticket-routing-rules/:id", { schema: { tags: settings, params: IdParams, response: { 204: NoContent, ...problems } } }, async (req, reply) => {
    await deleteRoutingRule(req.ctx, req.params.id);
    return reply.status(204).send(null);
  });
}
