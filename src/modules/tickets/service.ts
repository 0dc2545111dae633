import { type AnyColumn, and, asc, desc, eq, gt, inArray, isNotNull, isNull, lt, or, type SQL, sql } from "drizzle-orm";
import type {
  AddTicketMessageBody,
  BulkTicketBody,
  CreateTicketBody,
  CreateTicketExtras,
  Ticket,
  TicketAddress,
  TicketListItem,
  TicketListQuery,
  TicketMessage,
  TicketStatusCategory,
  TicketStatusDef,
  UpdateTicketBody,
} from "../../contract/tickets.js";
import { TicketListQuery as TicketListQuerySchema, ticketAttachmentLimits } from "../../contract/tickets.js";
import { accessOf, scopeOf } from "../../core/access.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan, assertMayAtAll, assertMayCreate } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { searchTerm, searchText } from "../../db/record-filters.js";
import { companyNames } from "../companies/service.js";
import { contactCompanyIds, contactIdByEmail, contactNames, contactsForScoring, createContact, existingContactIds } from "../contacts/service.js";
import { diff, publishEvents, recordChanges } from "../history/service.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { assertUsersExist, userNames } from "../users/service.js";
import { assertTicketAccess, ticketVisibleWhere } from "./access.js";
import { checkAttachments, type StoredAttachmentInput } from "./attachments.js";
import { defaultQueueId, existingQueueIds, pickAssignee } from "./routing.js";
import { routeByRules } from "./rules.js";
import { firstOf, statusOf, statusRows } from "./statuses.js";
import { ticketAttachments, ticketCounters, ticketMessages, ticketQueues, tickets } from "./table.js";

type Row = typeof tickets.$inferSelect;
type MessageRow = typeof ticketMessages.$inferSelect;

export const OBJECT = "ticket";
export const HISTORY_FIELDS = [
  "subject",
  "status",
  "priority",
  "type",
  "channel",
  "queueId",
  "assigneeId",
  "contactId",
  "companyId",
  "dealId",
  "tags",
  "custom",
  "satisfaction",
] as const;

/** What services outside HTTP pass for work beyond the database: the mail outbox's queue for agents' replies. */
export interface TicketDeps {
  mail?: MailQueue;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
/** A ticket's status with the workspace's label and category for it (a status removed since reads as open). */
const statusFields = (defs: readonly { key: string; label: string; category: TicketStatusCategory }[], key: string) => {
  const def = defs.find((d) => d.key === key);
  return { status: key, statusLabel: def?.label ?? key, statusCategory: def?.category ?? ("open" as const) };
};
const scoped = (ctx: Ctx, id: string) => and(eq(tickets.workspaceId, ctx.workspaceId), eq(tickets.id, id));
/** Message-IDs are compared without the angle brackets and case-insensitively in their domain part; stored lower-cased. */
export const normaliseMessageId = (id: string | null | undefined): string | null => {
  const bare = id?.trim().replace(/^<+/, "").replace(/>+$/, "").trim();
  return bare ? bare.toLowerCase() : null;
};
/** How much of a ticket's messages full-text search keeps: enough for the words that matter, bounded per ticket. */
const SEARCH_CAP = 20_000;

// ---- reading ----

async function toTickets(ctx: Ctx, rows: Row[], statuses?: TicketStatusDef[]): Promise<Ticket[]> {
  if (rows.length === 0) return [];
  const defs = statuses ?? (await statusRows(ctx.db, ctx.workspaceId));
  const users = await userNames(
    ctx,
    rows.flatMap((r) => (r.assigneeId ? [r.assigneeId] : [])),
  );
  const contactsById = await contactNames(
    ctx,
    rows.flatMap((r) => (r.contactId ? [r.contactId] : [])),
  );
  const companiesById = await companyNames(
    ctx,
    rows.flatMap((r) => (r.companyId ? [r.companyId] : [])),
  );
  const queueIds = [...new Set(rows.flatMap((r) => (r.queueId ? [r.queueId] : [])))];
  const queues = queueIds.length
    ? await ctx.db
        .select({ id: ticketQueues.id, name: ticketQueues.name })
        .from(ticketQueues)
        .where(and(eq(ticketQueues.workspaceId, ctx.workspaceId), inArray(ticketQueues.id, queueIds)))
    : [];
  const queueNames = new Map(queues.map((q) => [q.id, q.name]));
  return rows.map((r) => {
    return {
      id: r.id,
      number: r.number,
      subject: r.subject,
      ...statusFields(defs, r.status),
      priority: r.priority,
      type: r.type,
      channel: r.channel,
      queueId: r.queueId,
      queueName: r.queueId ? (queueNames.get(r.queueId) ?? null) : null,
      assigneeId: r.assigneeId,
      assigneeName: r.assigneeId ? (users.get(r.assigneeId) ?? null) : null,
      contactId: r.contactId,
      contactName: r.contactId ? (contactsById.get(r.contactId) ?? null) : null,
      companyId: r.companyId,
      companyName: r.companyId ? (companiesById.get(r.companyId) ?? null) : null,
      dealId: r.dealId,
      tags: r.tags,
      custom: r.custom,
      satisfaction: r.satisfaction,
      firstResponseAt: iso(r.firstResponseAt),
      lastCustomerMessageAt: iso(r.lastCustomerMessageAt),
      lastAgentMessageAt: iso(r.lastAgentMessageAt),
      solvedAt: iso(r.solvedAt),
      closedAt: iso(r.closedAt),
      createdById: r.createdById,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      deletedAt: iso(r.deletedAt),
    };
  });
}

/** History compares plain values. */
const snapshot = (r: Row) => ({
  subject: r.subject,
  status: r.status,
  priority: r.priority,
  type: r.type,
  channel: r.channel,
  queueId: r.queueId,
  assigneeId: r.assigneeId,
  contactId: r.contactId,
  companyId: r.companyId,
  dealId: r.dealId,
  tags: r.tags,
  custom: r.custom,
  satisfaction: r.satisfaction,
});

async function findRow(db: Db, ctx: Ctx, id: string, options: { trashed?: boolean } = {}): Promise<Row> {
  const [row] = await db
    .select()
    .from(tickets)
    .where(and(scoped(ctx, id), options.trashed ? undefined : isNull(tickets.deletedAt)));
  if (!row) throw notFound("Ticket");
  return row;
}

async function readable(ctx: Ctx, row: Row): Promise<void> {
  await assertTicketAccess(ctx, "read", row);
}

export async function getTicket(ctx: Ctx, id: string): Promise<Ticket> {
  assertCan(ctx.actor, "read");
  const row = await findRow(ctx.db, ctx, id, { trashed: true });
  await readable(ctx, row);
  return (await toTickets(ctx, [row]))[0] as Ticket;
}

export async function ticketStatuses(ctx: Ctx): Promise<TicketStatusDef[]> {
  return statusRows(ctx.db, ctx.workspaceId);
}

/** The live ticket with this number, or null (also when the actor may not see it: threading must not leak). */
export async function findTicketByNumber(ctx: Ctx, number: number): Promise<Ticket | null> {
  if (!Number.isInteger(number) || number < 1 || number > 2_147_483_647) return null;
  const [row] = await ctx.db
    .select()
    .from(tickets)
    .where(and(eq(tickets.workspaceId, ctx.workspaceId), eq(tickets.number, number), isNull(tickets.deletedAt)));
  if (!row) return null;
  if (!(await mayRead(ctx, row))) return null;
  return (await toTickets(ctx, [row]))[0] ?? null;
}

/** The live ticket one of whose messages has any of these Message-IDs (with or without <>), the newest if several. */
export async function findTicketByMessageIds(ctx: Ctx, messageIds: string[]): Promise<Ticket | null> {
  const ids = [...new Set(messageIds.map(normaliseMessageId).filter((m): m is string => Boolean(m)))].slice(0, 200);
  if (ids.length === 0) return null;
  const rows = await ctx.db
    .select({ ticket: tickets })
    .from(ticketMessages)
    .innerJoin(tickets, and(eq(tickets.workspaceId, ticketMessages.workspaceId), eq(tickets.id, ticketMessages.ticketId)))
    .where(and(eq(ticketMessages.workspaceId, ctx.workspaceId), inArray(ticketMessages.messageId, ids), isNull(tickets.deletedAt)))
    .orderBy(desc(ticketMessages.createdAt))
    .limit(1);
  const row = rows[0]?.ticket;
  if (!row || !(await mayRead(ctx, row))) return null;
  return (await toTickets(ctx, [row]))[0] ?? null;
}

async function mayRead(ctx: Ctx, row: Row): Promise<boolean> {
  try {
    await readable(ctx, row);
    return true;
  } catch (e) {
    if (e instanceof AppError) return false;
    throw e;
  }
}

// ---- creating ----

/** The next number of the workspace's tickets, in the caller's transaction: a rolled-back creation gives its number back. */
async function nextNumber(tx: Db, workspaceId: string): Promise<number> {
  const [row] = await queryRows<{ last_number: number }>(
    tx,
    sql`insert into ${ticketCounters} (workspace_id, last_number) values (${workspaceId}::uuid, 1)
        on conflict (workspace_id) do update set last_number = ${ticketCounters}.last_number + 1
        returning last_number`,
  );
  return Number(row?.last_number);
}

/** The customer: a named contact, or the requester's email found among contacts or added as a new one. */
async function resolveContact(ctx: Ctx, input: CreateTicketBody): Promise<string | null> {
  if (input.contactId) {
    if (!(await existingContactIds(ctx, [input.contactId])).has(input.contactId))
      throw new AppError("invalid_reference", "contactId: no such contact", [{ path: "contactId", message: "No such contact" }]);
    return input.contactId;
  }
  if (!input.requester) return null;
  const found = await contactIdByEmail(ctx, input.requester.email);
  if (found) return found;
  const [first, ...rest] = (input.requester.name ?? "").trim().split(/\s+/).filter(Boolean);
  // A customer writing in is not a sales lead: the contact is a customer, and whoever acts for the channel adds it.
  const contact = await createContact(
    { ...ctx, actor: ctx.actor.kind === "system" ? ctx.actor : { ...systemActor, userId: ctx.actor.userId } },
    { firstName: first ?? "", lastName: rest.join(" "), emails: [{ email: input.requester.email.toLowerCase(), primary: true }], lifecycleStage: "customer" },
  );
  return contact.id;
}

async function checkRefs(ctx: Ctx, refs: { assigneeId?: string | null; queueId?: string | null }) {
  if (refs.assigneeId) await assertUsersExist(ctx, [refs.assigneeId], "assigneeId");
  if (refs.queueId && !(await existingQueueIds(ctx.db, ctx.workspaceId, [refs.queueId])).has(refs.queueId))
    throw new AppError("invalid_reference", "queueId: no such queue", [{ path: "queueId", message: "No such queue" }]);
}

/**
 * Opens a ticket, with the customer's first message when given. Without a queue and an assignee, the routing rules
 * choose the queue (else the default queue) and the queue's routing the agent. One transaction: number, ticket,
 * message, history and events commit together.
 */
export async function createTicket(ctx: Ctx, input: CreateTicketBody, extras: CreateTicketExtras = {}): Promise<Ticket> {
  assertMayCreate(ctx.actor, "ticket");
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const status = statusOf(statuses, input.status ?? firstOf(statuses, "new")?.key ?? "new");
  await checkRefs(ctx, input);
  const contactId = await resolveContact(ctx, input);
  const companyId = input.companyId !== undefined ? input.companyId : contactId ? ((await contactCompanyIds(ctx, [contactId])).get(contactId) ?? null) : null;
  const channel = input.channel ?? (ctx.actor.kind === "api_key" ? "api" : "web");
  const attachments = await checkAttachments(
    (input.message?.attachments ?? []).map((a) => ({ ...a, content: Buffer.from(a.contentBase64, "base64") })),
    extras.message?.attachments,
  );
  let priority = input.priority ?? "normal";
  let queueId = input.queueId ?? null;
  const routeRules = !extras.noRouting && input.queueId === undefined && !input.assigneeId;
  if (routeRules) {
    const routed = await routeByRules(ctx, {
      subject: input.subject,
      channel,
      priority,
      type: input.type ?? null,
      tags: input.tags ?? [],
      custom: input.custom ?? {},
      fromAddress: extras.message?.fromAddress ?? input.requester?.email ?? null,
      contactId,
      companyId,
    });
    if (routed) {
      queueId = routed.queueId;
      if (routed.priority && !input.priority) priority = routed.priority;
    } else queueId = await defaultQueueId(ctx.db, ctx.workspaceId);
  }
  const now = extras.createdAt ?? new Date();
  const id = newId();
  const bodyText = input.message?.bodyText ?? extras.message?.bodyText ?? "";
  return ctx.db.transaction(async (tx) => {
    const number = await nextNumber(tx, ctx.workspaceId);
    const assigneeId = input.assigneeId ?? (queueId && !extras.noRouting ? await pickAssignee(tx, ctx.workspaceId, queueId) : null);
    const solved = status.category === "solved" || status.category === "closed";
    const [inserted] = await tx
      .insert(tickets)
      .values({
        workspaceId: ctx.workspaceId,
        id,
        number,
        subject: input.subject,
        status: status.key,
        priority,
        type: input.type ?? null,
        channel,
        queueId,
        assigneeId,
        contactId,
        companyId,
        dealId: input.dealId ?? null,
        tags: input.tags ?? [],
        custom: input.custom ?? {},
        satisfaction: extras.satisfaction ?? null,
        firstResponseAt: extras.firstResponseAt ?? null,
        lastCustomerMessageAt: input.message || extras.message ? now : null,
        solvedAt: extras.solvedAt ?? (solved ? now : null),
        closedAt: extras.closedAt ?? (status.category === "closed" ? now : null),
        createdById: ctx.actor.userId,
        searchText: searchText([`#${number}`, input.subject, bodyText.slice(0, SEARCH_CAP)]),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const created = inserted as Row;
    // The event's record is also what the caller gets back: read once, inside the transaction.
    const [ticket] = await toTickets({ ...ctx, db: tx }, [created], statuses);
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: id,
        action: "create",
        changes: diff(null, snapshot(created), HISTORY_FIELDS),
        payload: ticket,
      },
    ]);
    if (input.message || extras.message) {
      await insertMessage(tx, ctx, created, {
        ...extras.message,
        kind: "reply",
        direction: "in",
        bodyText,
        bodyHtml: input.message?.bodyHtml ?? extras.message?.bodyHtml ?? null,
        subject: extras.message?.subject ?? input.subject,
        authorContactId: extras.message?.authorContactId ?? contactId,
        createdAt: now,
        attachments,
        ...(extras.firstMessageId ? { id: extras.firstMessageId } : {}),
      });
    }
    return ticket as Ticket;
  });
}

/** Writes one message, its attachments and its ticket.message_added event, in the caller's transaction. */
async function insertMessage(
  tx: Db,
  ctx: Ctx,
  ticket: Row,
  body: Omit<AddTicketMessageBody, "attachments"> & { attachments: StoredAttachmentInput[]; mailId?: string | null; id?: string },
): Promise<MessageRow> {
  const id = body.id ?? newId();
  const [row] = await tx
    .insert(ticketMessages)
    .values({
      workspaceId: ctx.workspaceId,
      id,
      ticketId: ticket.id,
      kind: body.kind,
      direction: body.direction,
      authorUserId: body.direction === "out" || body.kind === "note" ? ctx.actor.userId : null,
      authorContactId: body.authorContactId ?? null,
      fromAddress: body.fromAddress?.trim().toLowerCase() || null,
      toAddresses: addresses(body.to),
      ccAddresses: addresses(body.cc),
      subject: body.subject ?? null,
      bodyText: body.bodyText,
      bodyHtml: body.bodyHtml ?? null,
      originalText: body.originalText ?? null,
      messageId: normaliseMessageId(body.messageId),
      inReplyTo: normaliseMessageId(body.inReplyTo),
      references: (body.references ?? []).map(normaliseMessageId).filter((m): m is string => Boolean(m)),
      headers: body.headers ?? {},
      mailId: body.mailId ?? null,
      createdAt: body.createdAt ?? new Date(),
    })
    .returning();
  if (body.attachments.length)
    await tx.insert(ticketAttachments).values(
      body.attachments.map((a) => ({
        workspaceId: ctx.workspaceId,
        id: newId(),
        ticketId: ticket.id,
        messageId: id,
        filename: a.filename,
        contentType: a.contentType,
        size: a.content.length,
        content: a.content,
        contentId: a.contentId ?? null,
      })),
    );
  await publishEvents(tx, ctx, [
    {
      type: "ticket.message_added",
      recordId: ticket.id,
      record: { ticketId: ticket.id, messageId: id, number: ticket.number, kind: body.kind, direction: body.direction },
    },
  ]);
  return row as MessageRow;
}

function addresses(list: (string | TicketAddress)[] | undefined): TicketAddress[] {
  return (list ?? []).map((a) =>
    typeof a === "string" ? { name: null, address: a.trim().toLowerCase() } : { name: a.name ?? null, address: a.address.trim().toLowerCase() },
  );
}

// ---- messages ----

/**
 * Adds a reply or a note. A customer's message (direction in) re-opens a pending or solved ticket; an agent's public
 * reply (a user writing, kind reply, direction out) also goes to the customer through the mail outbox, threaded by
 * In-Reply-To/References built from the ticket's messages and with [#number] in the subject, and keeps its Message-ID.
 */
export async function addTicketMessage(ctx: Ctx, ticketId: string, body: AddTicketMessageBody, deps: TicketDeps = {}): Promise<TicketMessage> {
  assertCan(ctx.actor, "read");
  const before = await findRow(ctx.db, ctx, ticketId);
  // Customers' mail arrives as the system; agents need the right to change the ticket to write on it.
  if (ctx.actor.kind !== "system") await assertTicketAccess(ctx, "edit", before);
  if (body.kind === "note" && body.direction === "in") throw invalidField("direction", "a note is written by an agent: direction out");
  const attachments = await checkAttachments(body.attachments);
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const now = body.createdAt ?? new Date();
  const agentReply = body.kind === "reply" && body.direction === "out" && Boolean(ctx.actor.userId) && ctx.actor.kind !== "system";
  const messageRow = await ctx.db.transaction(async (tx) => {
    // Lock the ticket: two messages at once each see the other's effect on status and timestamps.
    const [locked] = await queryRows<{ id: string }>(
      tx,
      sql`select id from tickets where workspace_id = ${ctx.workspaceId}::uuid and id = ${ticketId}::uuid for update`,
    );
    if (!locked) throw notFound("Ticket");
    const current = await findRow(tx, ctx, ticketId);
    let mail: { id: string; messageId: string; to: string; subject: string; references: string[]; inReplyTo: string | null } | null = null;
    if (agentReply) mail = await mailReply(tx, ctx, current, body, deps);
    const message = await insertMessage(tx, ctx, current, {
      ...body,
      attachments,
      createdAt: now,
      ...(mail
        ? {
            messageId: mail.messageId,
            inReplyTo: mail.inReplyTo,
            references: mail.references,
            to: [mail.to],
            subject: mail.subject,
            fromAddress: deps.mail?.from ?? null,
            mailId: mail.id,
          }
        : {}),
    });
    const set: Partial<Row> = { updatedAt: new Date() };
    if (body.kind === "reply" && body.direction === "in") {
      set.lastCustomerMessageAt = now;
      const category = statusOf(statuses, current.status).category;
      if (category === "pending" || category === "solved") {
        const open = firstOf(statuses, "open");
        if (open) Object.assign(set, statusChange(statuses, current, open.key));
      }
    }
    if (body.kind === "reply" && body.direction === "out") {
      set.lastAgentMessageAt = now;
      if (!current.firstResponseAt) set.firstResponseAt = now;
    }
    if (body.kind === "reply" && current.searchText.length < SEARCH_CAP)
      set.searchText = searchText([current.searchText, body.bodyText.slice(0, SEARCH_CAP - current.searchText.length)]).slice(0, SEARCH_CAP);
    const [updated] = await tx.update(tickets).set(set).where(scoped(ctx, ticketId)).returning();
    const after = updated as Row;
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: ticketId,
        action: "update",
        changes: diff(snapshot(current), snapshot(after), HISTORY_FIELDS),
        payload: (await toTickets({ ...ctx, db: tx }, [after], statuses))[0],
      },
    ]);
    return message;
  });
  return (await toMessages(ctx, [messageRow]))[0] as TicketMessage;
}

/** The outbox message of an agent's reply: to the ticket's customer, threaded on the ticket's conversation. */
async function mailReply(tx: Db, ctx: Ctx, ticket: Row, body: AddTicketMessageBody, deps: TicketDeps) {
  if (!deps.mail) throw new AppError("internal", "Replies to customers need the mail outbox; none was given.");
  const [contact] = ticket.contactId ? await contactsForScoring({ ...ctx, db: tx }, [ticket.contactId]) : [];
  const to = contact?.primaryEmail;
  if (!to) throw new AppError("conflict", "This ticket's customer has no email address: add one to the contact, or write an internal note.");
  const earlier = await tx
    .select({ messageId: ticketMessages.messageId, direction: ticketMessages.direction, kind: ticketMessages.kind })
    .from(ticketMessages)
    .where(and(eq(ticketMessages.workspaceId, ctx.workspaceId), eq(ticketMessages.ticketId, ticket.id), isNotNull(ticketMessages.messageId)))
    .orderBy(asc(ticketMessages.createdAt), asc(ticketMessages.id));
  const thread = earlier.filter((m) => m.kind === "reply");
  const references = thread.map((m) => m.messageId as string).slice(-50);
  const lastIn = [...thread].reverse().find((m) => m.direction === "in") ?? thread[thread.length - 1];
  const inReplyTo = lastIn?.messageId ?? null;
  const tag = `[#${ticket.number}]`;
  const base = ticket.subject.includes(tag) ? ticket.subject : `${ticket.subject} ${tag}`;
  const subject = /^re:/i.test(base) ? base : `Re: ${base}`;
  const headers: Record<string, string> = {};
  if (inReplyTo) headers["In-Reply-To"] = `<${inReplyTo}>`;
  if (references.length) headers.References = references.map((r) => `<${r}>`).join(" ");
  const queued = await queueMail({ db: tx, workspaceId: ctx.workspaceId }, deps.mail, {
    kind: "ticket_reply",
    to,
    cc: body.cc,
    subject,
    text: body.bodyText,
    html: body.bodyHtml ?? null,
    headers,
    related: { object: "ticket", id: ticket.id },
  });
  return { id: queued.id, messageId: normaliseMessageId(queued.messageId) as string, to, subject, references, inReplyTo };
}

export async function listTicketMessages(ctx: Ctx, ticketId: string): Promise<TicketMessage[]> {
  assertCan(ctx.actor, "read");
  const ticket = await findRow(ctx.db, ctx, ticketId, { trashed: true });
  await readable(ctx, ticket);
  const rows = await ctx.db
    .select()
    .from(ticketMessages)
    .where(and(eq(ticketMessages.workspaceId, ctx.workspaceId), eq(ticketMessages.ticketId, ticketId)))
    .orderBy(asc(ticketMessages.createdAt), asc(ticketMessages.id));
  return toMessages(ctx, rows);
}

async function toMessages(ctx: Ctx, rows: MessageRow[]): Promise<TicketMessage[]> {
  if (rows.length === 0) return [];
  const files = await ctx.db
    .select({
      id: ticketAttachments.id,
      messageId: ticketAttachments.messageId,
      filename: ticketAttachments.filename,
      contentType: ticketAttachments.contentType,
      size: ticketAttachments.size,
      contentId: ticketAttachments.contentId,
    })
    .from(ticketAttachments)
    .where(
      and(
        eq(ticketAttachments.workspaceId, ctx.workspaceId),
        inArray(
          ticketAttachments.messageId,
          rows.map((r) => r.id),
        ),
      ),
    )
    .orderBy(asc(ticketAttachments.createdAt), asc(ticketAttachments.id));
  const names = await userNames(
    ctx,
    rows.flatMap((r) => (r.authorUserId ? [r.authorUserId] : [])),
  );
  return rows.map((r) => ({
    id: r.id,
    ticketId: r.ticketId,
    kind: r.kind,
    direction: r.direction,
    authorUserId: r.authorUserId,
    authorUserName: r.authorUserId ? (names.get(r.authorUserId) ?? null) : null,
    authorContactId: r.authorContactId,
    fromAddress: r.fromAddress,
    to: r.toAddresses,
    cc: r.ccAddresses,
    subject: r.subject,
    bodyText: r.bodyText,
    bodyHtml: r.bodyHtml,
    originalText: r.originalText,
    messageId: r.messageId,
    inReplyTo: r.inReplyTo,
    references: r.references,
    headers: r.headers,
    attachments: files.filter((f) => f.messageId === r.id),
    createdAt: r.createdAt.toISOString(),
  }));
}

/** One attachment's bytes, for download; the ticket must be readable. */
export async function ticketAttachment(ctx: Ctx, ticketId: string, attachmentId: string): Promise<{ filename: string; contentType: string; content: Buffer }> {
  assertCan(ctx.actor, "read");
  const ticket = await findRow(ctx.db, ctx, ticketId, { trashed: true });
  await readable(ctx, ticket);
  const [row] = await ctx.db
    .select()
    .from(ticketAttachments)
    .where(and(eq(ticketAttachments.workspaceId, ctx.workspaceId), eq(ticketAttachments.ticketId, ticketId), eq(ticketAttachments.id, attachmentId)));
  if (!row) throw notFound("Attachment");
  return { filename: row.filename, contentType: row.contentType, content: row.content };
}

// ---- changing ----

/** The columns a status change sets: the new key, and when it was solved or closed (cleared when it re-opens). */
function statusChange(statuses: TicketStatusDef[], before: Row, key: string): Partial<Row> {
  const to = statusOf(statuses, key);
  const now = new Date();
  return {
    status: to.key,
    solvedAt: to.category === "solved" || to.category === "closed" ? (before.solvedAt ?? now) : null,
    closedAt: to.category === "closed" ? (before.closedAt ?? now) : null,
  };
}

export async function updateTicket(ctx: Ctx, id: string, input: UpdateTicketBody): Promise<Ticket> {
  assertCan(ctx.actor, "read");
  const before = await findRow(ctx.db, ctx, id);
  await assertTicketAccess(ctx, "edit", before);
  await checkRefs(ctx, input);
  if (input.contactId && !(await existingContactIds(ctx, [input.contactId])).has(input.contactId))
    throw new AppError("invalid_reference", "contactId: no such contact", [{ path: "contactId", message: "No such contact" }]);
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const set: Partial<Row> = { updatedAt: new Date() };
  for (const key of ["subject", "priority", "type", "queueId", "assigneeId", "contactId", "companyId", "dealId", "tags", "custom", "satisfaction"] as const) {
    if (input[key] !== undefined) (set as Record<string, unknown>)[key] = input[key];
  }
  // A new customer brings their company unless the change names one.
  if (input.contactId && input.companyId === undefined) set.companyId = (await contactCompanyIds(ctx, [input.contactId])).get(input.contactId) ?? null;
  if (input.status !== undefined && input.status !== before.status) Object.assign(set, statusChange(statuses, before, input.status));
  else if (input.status !== undefined) statusOf(statuses, input.status);
  const row = await ctx.db.transaction(async (tx) => {
    const [updated] = await tx.update(tickets).set(set).where(scoped(ctx, id)).returning();
    const after = updated as Row;
    if (input.subject && input.subject !== before.subject)
      await tx
        .update(tickets)
        .set({ searchText: searchText([`#${after.number}`, input.subject, before.searchText]).slice(0, SEARCH_CAP) })
        .where(scoped(ctx, id));
    await recordChanges(tx, ctx, [
      {
        object: OBJECT,
        recordId: id,
        action: "update",
        changes: diff(snapshot(before), snapshot(after), HISTORY_FIELDS),
        payload: (await toTickets({ ...ctx, db: tx }, [after], statuses))[0],
      },
    ]);
    return after;
  });
  return (await toTickets(ctx, [row], statuses))[0] as Ticket;
}

/** Moves a ticket to the trash (restorable); its messages stay. */
export async function deleteTicket(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "read");
  const row = await findRow(ctx.db, ctx, id);
  await assertTicketAccess(ctx, "delete", row);
  await ctx.db.transaction(async (tx) => {
    await tx.update(tickets).set({ deletedAt: new Date() }).where(scoped(ctx, id));
    await recordChanges(tx, ctx, [{ object: OBJECT, recordId: id, action: "delete", changes: [], payload: (await toTickets({ ...ctx, db: tx }, [row]))[0] }]);
  });
}

export async function restoreTicket(ctx: Ctx, id: string): Promise<Ticket> {
  assertCan(ctx.actor, "read");
  const row = await findRow(ctx.db, ctx, id, { trashed: true });
  await assertTicketAccess(ctx, "delete", row);
  if (!row.deletedAt) return getTicket(ctx, id);
  await ctx.db.transaction(async (tx) => {
    const [restored] = await tx.update(tickets).set({ deletedAt: null, updatedAt: new Date() }).where(scoped(ctx, id)).returning();
    await recordChanges(tx, ctx, [
      { object: OBJECT, recordId: id, action: "restore", changes: [], payload: (await toTickets({ ...ctx, db: tx }, [restored as Row]))[0] },
    ]);
  });
  return getTicket(ctx, id);
}

// ---- lists ----

/**
 * How each sort orders the list: a column or expression, what its cursor value is, and whether it can be null (a
 * ticket without a running SLA clock has no due time: such tickets come last whichever way the list is sorted).
 */
type SortKey = "createdAt" | "updatedAt" | "number" | "priority" | "slaDueAt";
type SortValue = Date | number | null;
const priorityRank = sql<number>`array_position(array['low','normal','high','urgent']::text[], ${tickets.priority})`.mapWith(Number);

/**
 * Hooks for the SLA module, registered at start-up by whoever computes clocks, so this module does not import it
 * (the SLA module calls this one). Both are SQL on tickets aliased as the tickets table: a predicate that keeps
 * overdue tickets, and the expression of a ticket's soonest due time among its clocks not yet met.
 */
let overduePredicate: ((ctx: Ctx) => SQL) | null = null;
let dueAtExpression: (() => SQL) | null = null;
export function registerOverdueFilter(predicate: (ctx: Ctx) => SQL): void {
  overduePredicate = predicate;
}
export function registerSlaDueAt(expression: () => SQL): void {
  dueAtExpression = expression;
}
function slaDueAt(): SQL {
  if (!dueAtExpression) throw new AppError("bad_request", "Sorting or filtering by time to breach needs the SLA module, which is not running here.");
  return dueAtExpression();
}

interface SortSpec {
  expr: SQL | AnyColumn;
  date: boolean;
  nullable: boolean;
}
function sortOf(key: SortKey): SortSpec {
  switch (key) {
    case "createdAt":
      return { expr: tickets.createdAt, date: true, nullable: false };
    case "updatedAt":
      return { expr: tickets.updatedAt, date: true, nullable: false };
    case "number":
      return { expr: tickets.number, date: false, nullable: false };
    case "priority":
      return { expr: priorityRank, date: false, nullable: false };
    case "slaDueAt":
      return { expr: sql`(${slaDueAt()})`.mapWith(tickets.createdAt), date: true, nullable: true };
  }
}

function encodeCursor(value: SortValue, id: string): string {
  return Buffer.from(JSON.stringify([value instanceof Date ? value.toISOString() : value, id])).toString("base64url");
}
function decodeCursor(raw: string, sort: SortSpec): { value: SortValue; id: string } {
  try {
    const [v, id] = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id)) {
      if (v === null && sort.nullable) return { value: null, id };
      if (!sort.date && typeof v === "number" && Number.isInteger(v)) return { value: v, id };
      if (sort.date && typeof v === "string" && !Number.isNaN(Date.parse(v))) return { value: new Date(v), id };
    }
  } catch {
    // fall through to the field error
  }
  throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
}

/**
 * The keyset condition for the rows after a cursor, in (sort value, id) order with nulls last in both directions:
 * after a value come the later values, the same value with a later id, then every null; after a null, only the
 * nulls with a later id.
 */
function afterCursor({ expr, nullable }: SortSpec, descending: boolean, after: { value: SortValue; id: string }): SQL | undefined {
  const idAfter = descending ? lt(tickets.id, after.id) : gt(tickets.id, after.id);
  if (after.value === null) return and(sql`${expr} is null`, idAfter);
  const v = after.value instanceof Date ? sql`${after.value.toISOString()}::timestamptz` : sql`${after.value}::int`;
  return or(descending ? sql`${expr} < ${v}` : sql`${expr} > ${v}`, and(sql`${expr} = ${v}`, idAfter), nullable ? sql`${expr} is null` : undefined);
}

/** Nulls last only where there can be any: a plain column order stays one the column's index serves. */
function orderOf({ expr, nullable }: SortSpec, descending: boolean): SQL {
  if (nullable) return descending ? sql`${expr} desc nulls last` : sql`${expr} asc nulls last`;
  return descending ? sql`${expr} desc` : sql`${expr} asc`;
}

const csv = (s: string | undefined) =>
  (s ?? "")
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);

/**
 * Tickets newest first by default, keyset-paginated; filters by status, queue, assignee, priority, channel, customer,
 * words, overdue and due within some minutes; each row carries its soonest SLA due time (when the SLA module runs).
 */
export async function listTickets(ctx: Ctx, rawQuery: TicketListQuery): Promise<{ data: TicketListItem[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const q = TicketListQuerySchema.parse(rawQuery);
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  const desc_ = q.sort.startsWith("-");
  const key = q.sort.replace(/^-/, "") as SortKey;
  const sort = sortOf(key);
  const after = q.cursor ? decodeCursor(q.cursor, sort) : undefined;
  const me = ctx.actor.userId;
  let assignee: SQL | undefined;
  if (q.assignee === "me") {
    if (!me) throw new AppError("validation_failed", "assignee: 'me' needs a signed-in user", [{ path: "assignee", message: "No user is acting" }]);
    assignee = eq(tickets.assigneeId, me);
  } else if (q.assignee === "none") assignee = isNull(tickets.assigneeId);
  else if (q.assignee) assignee = eq(tickets.assigneeId, q.assignee.toLowerCase());
  const categories = csv(q.statusCategory);
  const statusKeys = [...csv(q.status), ...statuses.filter((s) => categories.includes(s.category)).map((s) => s.key)];
  if ((q.status || categories.length) && statusKeys.length === 0) return { data: [], nextCursor: null };
  let words: SQL | undefined;
  if (q.q) {
    // "#123" is that ticket; a bare number is the ticket or any ticket mentioning it.
    const byNumber = /^(#?)(\d{1,9})$/.exec(q.q.trim());
    const text = sql`${tickets.searchVector} @@ plainto_tsquery('simple', ${searchTerm(q.q)})`;
    words = byNumber ? (byNumber[1] ? eq(tickets.number, Number(byNumber[2])) : or(eq(tickets.number, Number(byNumber[2])), text)) : text;
  }
  if (q.overdue === "true" && !overduePredicate) throw new AppError("bad_request", "overdue needs the SLA module, which is not running here.");
  const dueWithin = q.dueWithin !== undefined ? sql`(${slaDueAt()}) <= now() + make_interval(mins => ${q.dueWithin}::int)` : undefined;
  const dueAt = dueAtExpression ? sql<Date | null>`(${dueAtExpression()})`.mapWith(tickets.createdAt) : sql<null>`null`;
  const rows = await ctx.db
    .select({ row: tickets, sortValue: sql<SortValue>`${sort.expr}`.mapWith(sort.date ? tickets.createdAt : Number), dueAt })
    .from(tickets)
    .where(
      and(
        eq(tickets.workspaceId, ctx.workspaceId),
        q.trashed === "true" ? isNotNull(tickets.deletedAt) : isNull(tickets.deletedAt),
        ticketVisibleWhere(ctx, "read", { assignee: tickets.assigneeId, queue: tickets.queueId }),
        statusKeys.length ? inArray(tickets.status, statusKeys) : undefined,
        q.queue === "none" ? isNull(tickets.queueId) : q.queue ? eq(tickets.queueId, q.queue.toLowerCase()) : undefined,
        assignee,
        q.priority ? eq(tickets.priority, q.priority) : undefined,
        q.channel ? eq(tickets.channel, q.channel) : undefined,
        q.contact ? eq(tickets.contactId, q.contact) : undefined,
        q.company ? eq(tickets.companyId, q.company) : undefined,
        q.tag ? sql`${tickets.tags} @> array[${q.tag}]::text[]` : undefined,
        q.overdue === "true" && overduePredicate ? overduePredicate(ctx) : undefined,
        dueWithin,
        words,
        after ? afterCursor(sort, desc_, after) : undefined,
      ),
    )
    .orderBy(orderOf(sort, desc_), desc_ ? desc(tickets.id) : asc(tickets.id))
    .limit(q.limit + 1);
  const more = rows.length > q.limit;
  const slice = rows.slice(0, q.limit);
  const last = slice[slice.length - 1];
  const data = await toTickets(
    ctx,
    slice.map((r) => r.row),
    statuses,
  );
  return {
    data: data.map((t, i) => ({ ...t, slaDueAt: (slice[i]?.dueAt as Date | null | undefined)?.toISOString() ?? null })),
    nextCursor: more && last ? encodeCursor(last.sortValue ?? null, last.row.id) : null,
  };
}

/**
 * One change to many tickets (status, assignee, queue, priority, tags, or to the trash): each goes through the same
 * rules as a single change, so history, events and permissions are the same; a ticket the actor may not change is
 * skipped and counted out.
 */
export async function bulkUpdateTickets(ctx: Ctx, input: BulkTicketBody): Promise<{ affected: number }> {
  assertMayAtAll(ctx.actor, "ticket", input.delete ? "delete" : "edit");
  let affected = 0;
  for (const id of [...new Set(input.ids)]) {
    try {
      if (input.delete) await deleteTicket(ctx, id);
      else {
        const patch: UpdateTicketBody = {};
        if (input.status) patch.status = input.status;
        if (input.assigneeId !== undefined) patch.assigneeId = input.assigneeId;
        if (input.queueId !== undefined) patch.queueId = input.queueId;
        if (input.priority) patch.priority = input.priority;
        if (input.addTags?.length || input.removeTags?.length) {
          const [row] = await ctx.db.select({ tags: tickets.tags }).from(tickets).where(scoped(ctx, id));
          if (!row) continue;
          patch.tags = [...new Set([...row.tags.filter((t) => !input.removeTags?.includes(t)), ...(input.addTags ?? [])])];
        }
        await updateTicket(ctx, id, patch);
      }
      affected++;
    } catch (e) {
      // A field error is the whole request's fault (a bad status): report it rather than skip every ticket.
      if (e instanceof AppError && (e.code === "not_found" || e.code === "forbidden")) continue;
      throw e;
    }
  }
  return { affected };
}

/**
 * A contact's, a company's or a deal's tickets, newest first, before a timeline position: what their timelines show
 * beside activities and changes. Only the tickets the actor may read; trashed ones are left out.
 */
export async function ticketsOnTimeline(
  ctx: Ctx,
  subject: { object: "contact" | "company" | "deal"; id: string },
  limit: number,
  before?: { at: Date; id: string },
): Promise<
  {
    id: string;
    number: number;
    subject: string;
    status: string;
    statusLabel: string;
    statusCategory: string;
    priority: string;
    channel: string;
    contactId: string | null;
    createdAt: Date;
  }[]
> {
  if (scopeOf(ctx.actor, "ticket", "read") === "none") return [];
  const column = subject.object === "contact" ? tickets.contactId : subject.object === "company" ? tickets.companyId : tickets.dealId;
  const rows = await ctx.db
    .select()
    .from(tickets)
    .where(
      and(
        eq(tickets.workspaceId, ctx.workspaceId),
        eq(column, subject.id),
        isNull(tickets.deletedAt),
        ticketVisibleWhere(ctx, "read", { assignee: tickets.assigneeId, queue: tickets.queueId }),
        before ? or(lt(tickets.createdAt, before.at), and(eq(tickets.createdAt, before.at), lt(tickets.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(tickets.createdAt), desc(tickets.id))
    .limit(limit);
  if (rows.length === 0) return [];
  const statuses = await statusRows(ctx.db, ctx.workspaceId);
  return rows.map((r) => {
    return {
      id: r.id,
      number: r.number,
      subject: r.subject,
      ...statusFields(statuses, r.status),
      priority: r.priority,
      channel: r.channel,
      contactId: r.contactId,
      createdAt: r.createdAt,
    };
  });
}

/** Tickets for global search: "#123" (or a bare number) by number, otherwise by the words of subject and messages. */
export async function searchTickets(
  ctx: Ctx,
  q: string,
  limit: number,
): Promise<{ id: string; number: number; subject: string; statusLabel: string; contactName: string | null }[]> {
  if (scopeOf(ctx.actor, "ticket", "read") === "none") return [];
  const byNumber = /^#?(\d{1,9})$/.exec(q.trim());
  const term = searchTerm(q);
  if (!byNumber && !/[\p{L}\p{N}]/u.test(term)) return [];
  const rows = await ctx.db
    .select()
    .from(tickets)
    .where(
      and(
        eq(tickets.workspaceId, ctx.workspaceId),
        isNull(tickets.deletedAt),
        ticketVisibleWhere(ctx, "read", { assignee: tickets.assigneeId, queue: tickets.queueId }),
        byNumber ? eq(tickets.number, Number(byNumber[1])) : sql`${tickets.searchVector} @@ plainto_tsquery('simple', ${term})`,
      ),
    )
    .orderBy(desc(tickets.updatedAt), desc(tickets.id))
    .limit(limit);
  const list = await toTickets(ctx, rows);
  return list.map((t) => ({ id: t.id, number: t.number, subject: t.subject, statusLabel: t.statusLabel, contactName: t.contactName }));
}

/** Whether the actor's role may change tickets at all (bulk actions and the composer check it before anything else). */
export const mayWorkTickets = (ctx: Ctx): boolean => accessOf(ctx.actor).permissions.ticket.edit !== "none";

export const attachmentLimits = ticketAttachmentLimits;
