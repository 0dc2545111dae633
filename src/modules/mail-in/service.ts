import { and, desc, eq, getTableColumns, sql } from "drizzle-orm";
import type {
  CreateMailboxBody,
  ImapSettingsBody,
  InboundMessage,
  InboundStatus,
  Mailbox,
  TestImapBody,
  TestImapResult,
  UpdateMailboxBody,
} from "../../contract/mail-in.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { queryRows } from "../../db/client.js";
import { rootDb, scopedToWorkspace } from "../../db/workspace-scope.js";
import { diff, publishEvents, recordChanges } from "../history/service.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { openSecret, sealSecret } from "../sso/secrets.js";
import { dedupeKeyOf, type LoopVerdict, loopGuard, type ParsedInbound, parseInbound } from "./parse.js";
import { inboundMessages, mailboxes } from "./table.js";

type MailboxRow = typeof mailboxes.$inferSelect;
type InboundRow = typeof inboundMessages.$inferSelect;

// ---------------------------------------------------------------------------------------------------------------
// Mailboxes (Settings → Mailboxes, admin)

const toMailbox = (r: MailboxRow): Mailbox => ({
  id: r.id,
  address: r.address,
  name: r.name,
  queueId: r.queueId,
  autoAcknowledge: r.autoAcknowledge,
  enabled: r.enabled,
  imap:
    r.imapHost && r.imapUser
      ? { host: r.imapHost, port: r.imapPort ?? 993, tls: r.imapTls, user: r.imapUser, folder: r.imapFolder, passwordSet: Boolean(r.imapPassword) }
      : null,
  imapState: r.imapHost ? { lastPolledAt: r.imapLastPolledAt?.toISOString() ?? null, lastError: r.imapLastError, lastUid: r.imapLastUid } : null,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** What history and events carry: the mailbox without state that changes by itself (the poll checkpoint). */
const eventRecord = (m: Mailbox) => {
  const { imapState: _s, updatedAt: _u, ...rest } = m;
  return rest;
};

async function mailboxRow(ctx: Ctx, id: string): Promise<MailboxRow> {
  const [row] = await ctx.db
    .select()
    .from(mailboxes)
    .where(and(eq(mailboxes.workspaceId, ctx.workspaceId), eq(mailboxes.id, id)));
  if (!row) throw notFound("Mailbox");
  return row;
}

export async function listMailboxes(ctx: Ctx): Promise<Mailbox[]> {
  assertCan(ctx.actor, "admin");
  const rows = await ctx.db.select().from(mailboxes).where(eq(mailboxes.workspaceId, ctx.workspaceId)).orderBy(mailboxes.address);
  return rows.map(toMailbox);
}

export async function getMailbox(ctx: Ctx, id: string): Promise<Mailbox> {
  assertCan(ctx.actor, "admin");
  return toMailbox(await mailboxRow(ctx, id));
}

function imapColumns(imap: ImapSettingsBody | null, before: MailboxRow | null, secretKey: string | undefined) {
  if (!imap) return { imapHost: null, imapPort: null, imapUser: null, imapPassword: null, imapTls: true, imapFolder: "INBOX" };
  const keep = before?.imapPassword && before.imapHost === imap.host && before.imapUser === imap.user;
  if (imap.password === undefined && !keep) throw invalidField("imap.password", "Enter the IMAP password");
  const server = { imapHost: imap.host, imapPort: imap.port, imapUser: imap.user, imapTls: imap.tls, imapFolder: imap.folder };
  const moved = !before || before.imapHost !== imap.host || before.imapUser !== imap.user || before.imapFolder !== imap.folder;
  return {
    ...server,
    imapPassword: imap.password !== undefined ? sealSecret(imap.password, secretKey) : (before?.imapPassword ?? null),
    // Another server, account or folder has UIDs of its own: its checkpoint starts afresh.
    ...(moved ? { imapUidValidity: null, imapLastUid: 0, imapLastError: null, imapLastPolledAt: null } : {}),
  };
}

const uniqueAddress = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (e) {
    const text = `${(e as Error).message} ${String((e as { cause?: unknown }).cause ?? "")}`;
    if (/mailboxes_address_key/.test(text))
      throw new AppError("conflict", "This address already receives mail into a workspace.", [{ path: "address", message: "Already in use" }]);
    throw e;
  }
};

const fields = ["address", "name", "queueId", "autoAcknowledge", "enabled", "imap"] as const;

export async function createMailbox(ctx: Ctx, body: CreateMailboxBody, secretKey: string | undefined): Promise<Mailbox> {
  assertCan(ctx.actor, "admin");
  const now = new Date();
  return uniqueAddress(() =>
    ctx.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(mailboxes)
        .values({
          workspaceId: ctx.workspaceId,
          id: newId(),
          address: body.address.toLowerCase(),
          name: body.name,
          queueId: body.queueId,
          autoAcknowledge: body.autoAcknowledge,
          enabled: body.enabled,
          ...imapColumns(body.imap, null, secretKey),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const after = toMailbox(row as MailboxRow);
      await recordChanges(tx, { ...ctx, db: tx }, [
        { object: "mailbox", recordId: after.id, action: "create", changes: diff(null, after, fields), payload: eventRecord(after) },
      ]);
      return after;
    }),
  );
}

export async function updateMailbox(ctx: Ctx, id: string, patch: UpdateMailboxBody, secretKey: string | undefined): Promise<Mailbox> {
  assertCan(ctx.actor, "admin");
  return uniqueAddress(() =>
    ctx.db.transaction(async (tx) => {
      const before = await mailboxRow({ ...ctx, db: tx }, id);
      const [row] = await tx
        .update(mailboxes)
        .set({
          ...(patch.address !== undefined ? { address: patch.address.toLowerCase() } : {}),
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.queueId !== undefined ? { queueId: patch.queueId } : {}),
          ...(patch.autoAcknowledge !== undefined ? { autoAcknowledge: patch.autoAcknowledge } : {}),
          ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
          ...(patch.imap !== undefined ? imapColumns(patch.imap, before, secretKey) : {}),
          updatedAt: new Date(),
        })
        .where(and(eq(mailboxes.workspaceId, ctx.workspaceId), eq(mailboxes.id, id)))
        .returning();
      const after = toMailbox(row as MailboxRow);
      const changes = diff(toMailbox(before), after, fields);
      // The password's value never enters history or events; that it changed does.
      if (patch.imap?.password !== undefined) changes.push({ field: "imapPassword", from: before.imapPassword ? "(set)" : null, to: "(set)" });
      await recordChanges(tx, { ...ctx, db: tx }, [{ object: "mailbox", recordId: id, action: "update", changes, payload: eventRecord(after) }]);
      return after;
    }),
  );
}

export async function deleteMailbox(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const before = toMailbox(await mailboxRow({ ...ctx, db: tx }, id));
    await tx.delete(mailboxes).where(and(eq(mailboxes.workspaceId, ctx.workspaceId), eq(mailboxes.id, id)));
    await recordChanges(tx, { ...ctx, db: tx }, [{ object: "mailbox", recordId: id, action: "delete", changes: [], payload: eventRecord(before) }]);
  });
}

/** The IMAP settings to connect with, password opened; for the poller and "test connection" only. */
export interface ImapTarget {
  host: string;
  port: number;
  tls: boolean;
  user: string;
  password: string;
  folder: string;
}

export function imapTargetOf(row: MailboxRow, secretKey: string | undefined): ImapTarget | null {
  if (!row.imapHost || !row.imapUser || !row.imapPassword) return null;
  return {
    host: row.imapHost,
    port: row.imapPort ?? 993,
    tls: row.imapTls,
    user: row.imapUser,
    password: openSecret(row.imapPassword, secretKey),
    folder: row.imapFolder,
  };
}

/** "Test connection": signs in with the given settings (or the stored password) and opens the folder. */
export async function testImap(
  ctx: Ctx,
  body: TestImapBody,
  secretKey: string | undefined,
  connect: (t: ImapTarget) => Promise<{ messages: number }>,
): Promise<TestImapResult> {
  assertCan(ctx.actor, "admin");
  let password = body.password;
  if (password === undefined && body.mailboxId) {
    const row = await mailboxRow(ctx, body.mailboxId);
    if (row.imapPassword && row.imapHost === body.host && row.imapUser === body.user) password = openSecret(row.imapPassword, secretKey);
  }
  if (password === undefined) throw invalidField("password", "Enter the IMAP password");
  try {
    const { messages } = await connect({ host: body.host, port: body.port, tls: body.tls, user: body.user, password, folder: body.folder });
    return { ok: true, message: `Connected and opened ${body.folder} (${messages} message${messages === 1 ? "" : "s"}).`, messages };
  } catch (e) {
    return { ok: false, message: describeImapError(e), messages: null };
  }
}

/** An IMAP failure in words for the admin; never carries the password. */
export function describeImapError(e: unknown): string {
  const err = e as { code?: string; authenticationFailed?: boolean; responseText?: string; message?: string };
  if (err.authenticationFailed) return `The server refused the user name or password${err.responseText ? ` (${err.responseText})` : ""}.`;
  if (err.code === "ECONNREFUSED") return "Nothing answers at this host and port.";
  if (err.code === "ENOTFOUND" || err.code === "EAI_AGAIN") return "This host name does not resolve.";
  if (err.code === "ETIMEDOUT" || err.code === "ETIMEOUT") return "The server did not answer in time.";
  if (/mailbox|folder|nonexistent/i.test(err.responseText ?? "")) return `The folder could not be opened (${err.responseText}).`;
  return `Could not connect: ${err.responseText ?? err.message ?? String(e)}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Receiving

/** A mailbox as the receiver knows it before any workspace is: found by address across workspaces. */
export interface MailboxTarget {
  workspaceId: string;
  id: string;
  address: string;
  queueId: string | null;
  autoAcknowledge: boolean;
}

/**
 * The SMTP receiver's RCPT TO lookup. Runs outside any workspace's transaction (the row-level security policy lets an
 * unscoped statement through), so it reads only what routing needs: the mailbox's ids, address and options.
 */
export async function findMailboxesByAddress(db: Db, addresses: string[]): Promise<MailboxTarget[]> {
  const wanted = [...new Set(addresses.map((a) => a.trim().toLowerCase()).filter(Boolean))];
  if (wanted.length === 0) return [];
  const rows = await queryRows<{ workspace_id: string; id: string; address: string; queue_id: string | null; auto_acknowledge: boolean }>(
    rootDb(db),
    sql`select workspace_id, id, address, queue_id, auto_acknowledge from mailboxes
         where address in (${sql.join(
           wanted.map((a) => sql`${a}`),
           sql`, `,
         )}) and enabled`,
  );
  return rows.map((r) => ({ workspaceId: r.workspace_id, id: r.id, address: r.address, queueId: r.queue_id, autoAcknowledge: r.auto_acknowledge }));
}

/** What the ticket side did with a message (threading.ts). */
export interface Delivered {
  status: "ticket_created" | "threaded";
  ticketId: string;
  ticketNumber: number;
  ticketSubject: string;
  ticketMessageId: string;
  /** Why the subject's [#n] or the references were not followed, when they were not. */
  reason?: string | null;
  /** The requester, to acknowledge; null: nobody to answer. */
  requester: { address: string; name: string | null } | null;
}

/** Takes a parsed message into the workspace's tickets: threads it onto one or opens one (threading.ts). */
/** `mail`: the outbox, for what a received message sends on (an agent's reply by email goes to the customer). */
export type Deliver = (ctx: Ctx, message: ParsedInbound, mailbox: MailboxTarget, mail: MailQueue | null) => Promise<Delivered>;

export interface ReceiveDeps {
  deliver: Deliver;
  /** The outbox's queue, for acknowledgements; null sends none. */
  mail: MailQueue | null;
  /** Test clocks; default the wall clock. */
  now?: () => Date;
  /** Acknowledgements per sender and workspace per hour, at most (default 5): a runaway autoresponder gets a few. */
  ackLimitPerHour?: number;
}

export interface ReceiveResult {
  mailboxId: string;
  workspaceId: string;
  status: InboundStatus | "duplicate";
  inboundId: string | null;
  ticketId: string | null;
  ticketMessageId: string | null;
  acknowledged: boolean;
  reason: string | null;
}

/** The X-Loop value our automatic mail carries: the outbox sender's address. */
export const loopMarkerOf = (queue: MailQueue | null) => (/<([^>]+)>/.exec(queue?.from ?? "")?.[1] ?? queue?.from ?? "rapport@localhost").trim().toLowerCase();

// A database that went away or a transaction that lost a race: the sender (or the next poll) should try again later.
const temporary = (e: unknown) => {
  const err = e as { code?: string; cause?: { code?: string }; message?: string };
  const code = err.cause?.code ?? err.code ?? "";
  return /^(08|40001|40P01|57P|53)/.test(code) || /ECONNRESET|ECONNREFUSED|Connection terminated|connection is closed/i.test(err.message ?? "");
};

/**
 * The one way a received message enters Rapport, from the SMTP receiver and the IMAP poller alike: parsed once, then
 * for each workspace among its recipients (one mailbox per workspace: the same message to two of a workspace's
 * addresses is one ticket), in one transaction of that workspace: stored with its raw MIME, deduplicated by Message-ID,
 * checked against loops, threaded or made a ticket, and acknowledged through the mail outbox.
 * A temporary failure (the database) throws, so SMTP answers 4xx and IMAP retries; anything else is kept as failed.
 */
export async function receiveMessage(
  db: Db,
  deps: ReceiveDeps,
  input: { raw: Buffer; mailboxes: MailboxTarget[]; via: "smtp" | "imap" },
): Promise<ReceiveResult[]> {
  let parsed: ParsedInbound | null = null;
  let parseError: string | null = null;
  try {
    parsed = await parseInbound(input.raw);
  } catch (e) {
    parseError = `The message could not be read as email: ${(e as Error).message}`;
  }
  const perWorkspace = new Map<string, MailboxTarget>();
  for (const m of input.mailboxes) if (!perWorkspace.has(m.workspaceId)) perWorkspace.set(m.workspaceId, m);
  const results: ReceiveResult[] = [];
  for (const mailbox of perWorkspace.values()) results.push(await receiveInto(db, deps, input, mailbox, parsed, parseError));
  return results;
}

async function ourAddresses(tx: Db, workspaceId: string): Promise<Set<string>> {
  const rows = await tx.select({ address: mailboxes.address }).from(mailboxes).where(eq(mailboxes.workspaceId, workspaceId));
  return new Set(rows.map((r) => r.address));
}

async function receiveInto(
  db: Db,
  deps: ReceiveDeps,
  input: { raw: Buffer; via: "smtp" | "imap" },
  mailbox: MailboxTarget,
  parsed: ParsedInbound | null,
  parseError: string | null,
): Promise<ReceiveResult> {
  const now = deps.now?.() ?? new Date();
  const scoped = scopedToWorkspace(db, mailbox.workspaceId);
  const base = { mailboxId: mailbox.id, workspaceId: mailbox.workspaceId };
  return scoped.transaction(async (tx) => {
    const ctx: Ctx = { db: tx, workspaceId: mailbox.workspaceId, actor: systemActor };
    const id = newId();
    const [stored] = await tx
      .insert(inboundMessages)
      .values({
        workspaceId: mailbox.workspaceId,
        id,
        mailboxId: mailbox.id,
        via: input.via,
        dedupeKey: dedupeKeyOf(parsed?.messageId ?? null, input.raw),
        messageId: parsed?.messageId ?? null,
        fromAddress: parsed?.from?.address ?? null,
        subject: parsed?.subject.slice(0, 998) ?? null,
        size: input.raw.length,
        raw: input.raw,
        status: "failed",
        reason: parseError,
        receivedAt: now,
      })
      .onConflictDoNothing()
      .returning({ id: inboundMessages.id });
    if (!stored)
      return { ...base, status: "duplicate", inboundId: null, ticketId: null, ticketMessageId: null, acknowledged: false, reason: "Already received" };
    const settle = async (set: Partial<InboundRow>) => {
      await tx
        .update(inboundMessages)
        .set(set)
        .where(and(eq(inboundMessages.workspaceId, mailbox.workspaceId), eq(inboundMessages.id, id)));
    };
    if (!parsed) return { ...base, status: "failed", inboundId: id, ticketId: null, ticketMessageId: null, acknowledged: false, reason: parseError };

    const verdict: LoopVerdict = loopGuard(parsed, { loopMarker: loopMarkerOf(deps.mail), addresses: await ourAddresses(tx, mailbox.workspaceId) });
    if (verdict.ignore) {
      await settle({ status: "ignored", reason: verdict.ignore });
      return { ...base, status: "ignored", inboundId: id, ticketId: null, ticketMessageId: null, acknowledged: false, reason: verdict.ignore };
    }
    if (!parsed.from) {
      const reason = "No sender address (From): there is nobody to open a ticket for";
      await settle({ status: "failed", reason });
      return { ...base, status: "failed", inboundId: id, ticketId: null, ticketMessageId: null, acknowledged: false, reason };
    }

    // Announced whatever the ticket side makes of it: a reply to a sequence email ends that contact's sequence (an
    // automatic answer, an out-of-office say, is flagged so it does not).
    await publishEvents(tx, ctx, [
      {
        type: "mail.received",
        recordId: id,
        record: {
          inboundId: id,
          from: parsed.from.address,
          messageId: parsed.messageId,
          inReplyTo: parsed.inReplyTo,
          references: parsed.references,
          automatic: verdict.noAutoReply !== null,
        },
      },
    ]);

    let delivered: Delivered;
    try {
      // A savepoint: a refusal of the ticket side (a validation, an attachment too big) keeps the stored original.
      delivered = await tx.transaction(async (inner) => deps.deliver({ ...ctx, db: inner }, parsed, mailbox, deps.mail ?? null));
    } catch (e) {
      if (temporary(e)) throw e;
      const reason = `Not taken into a ticket: ${(e as Error).message}`;
      await settle({ status: "failed", reason });
      return { ...base, status: "failed", inboundId: id, ticketId: null, ticketMessageId: null, acknowledged: false, reason };
    }

    let noAck: string | null = verdict.noAutoReply;
    let acknowledged = false;
    if (delivered.status === "ticket_created" && mailbox.autoAcknowledge && deps.mail && delivered.requester) {
      noAck ??= await overAckLimit(tx, mailbox.workspaceId, delivered.requester.address, now, deps.ackLimitPerHour ?? 5);
      if (!noAck) {
        const queue = deps.mail;
        try {
          // An address the outbox refuses (no domain dot, say) costs the acknowledgement, not the ticket. No savepoint:
          // queueMail checks everything before its first statement, so a refusal (AppError) leaves nothing to undo,
          // and a database error fails the whole message anyway (451, the sender retries). Two round trips fewer,
          // inside the ticket counter's lock.
          await acknowledge(ctx, queue, mailbox, parsed, delivered);
          acknowledged = true;
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
          noAck = `the acknowledgement could not be queued (${e.message})`;
        }
      }
    }
    const reason =
      [delivered.reason, noAck && delivered.status === "ticket_created" ? `No acknowledgement: ${noAck}` : null].filter(Boolean).join("; ") || null;
    await settle({ status: delivered.status, reason, ticketId: delivered.ticketId, ticketMessageId: delivered.ticketMessageId, acknowledged });
    return { ...base, status: delivered.status, inboundId: id, ticketId: delivered.ticketId, ticketMessageId: delivered.ticketMessageId, acknowledged, reason };
  });
}

async function overAckLimit(tx: Db, workspaceId: string, address: string, now: Date, limit: number): Promise<string | null> {
  const since = new Date(now.getTime() - 3_600_000);
  const [row] = await queryRows<{ n: number }>(
    tx,
    sql`select count(*)::int as n from inbound_messages
         where workspace_id = ${workspaceId}::uuid and from_address = ${address} and acknowledged and created_at > ${since.toISOString()}::timestamptz`,
  );
  return (row?.n ?? 0) >= limit ? `${address} was already sent ${limit} acknowledgements in the last hour` : null;
}

/**
 * The automatic acknowledgement (RFC 3834): to the requester, from the mailbox, threaded onto their message, marked
 * Auto-Submitted: auto-replied and with our X-Loop so that our own receiver and well-behaved responders never answer it.
 */
async function acknowledge(ctx: Ctx, queue: MailQueue, mailbox: MailboxTarget, message: ParsedInbound, ticket: Delivered): Promise<void> {
  const to = message.replyTo ?? ticket.requester ?? message.from;
  if (!to) return;
  const subject = `[#${ticket.ticketNumber}] ${ticket.ticketSubject}`.slice(0, 900);
  const headers: Record<string, string> = { "Auto-Submitted": "auto-replied", "X-Loop": loopMarkerOf(queue), Precedence: "auto_reply" };
  if (message.messageId) {
    headers["In-Reply-To"] = `<${message.messageId}>`;
    headers.References = [...message.references, message.messageId].map((r) => `<${r}>`).join(" ");
  }
  const greeting = to.name ? `Hello ${to.name},` : "Hello,";
  await queueMail(ctx, queue, {
    kind: "other",
    from: mailbox.address,
    to: [{ name: to.name, address: to.address }],
    subject,
    text: `${greeting}\n\nWe received your message and opened ticket #${ticket.ticketNumber}. We will get back to you soon.\nTo add to this request, reply to this email and keep [#${ticket.ticketNumber}] in the subject.\n`,
    headers,
    related: { object: "ticket", id: ticket.ticketId },
  });
}

// ---------------------------------------------------------------------------------------------------------------
// The log of received messages and their originals

const toInbound = (r: Omit<InboundRow, "raw">): InboundMessage => ({
  id: r.id,
  mailboxId: r.mailboxId,
  via: r.via,
  messageId: r.messageId,
  fromAddress: r.fromAddress,
  subject: r.subject,
  size: r.size,
  status: r.status,
  reason: r.reason,
  ticketId: r.ticketId,
  ticketMessageId: r.ticketMessageId,
  acknowledged: r.acknowledged,
  receivedAt: r.receivedAt.toISOString(),
});

const { raw: _raw, ...summaryColumns } = getTableColumns(inboundMessages);

export async function listInboundMessages(
  ctx: Ctx,
  q: { limit: number; mailboxId?: string; status?: InboundStatus },
): Promise<{ data: InboundMessage[]; nextCursor: null }> {
  assertCan(ctx.actor, "admin");
  const i = inboundMessages;
  const rows = await ctx.db
    .select(summaryColumns)
    .from(i)
    .where(and(eq(i.workspaceId, ctx.workspaceId), q.mailboxId ? eq(i.mailboxId, q.mailboxId) : undefined, q.status ? eq(i.status, q.status) : undefined))
    .orderBy(desc(i.receivedAt), desc(i.id))
    .limit(q.limit);
  return { data: rows.map(toInbound), nextCursor: null };
}

/** The raw MIME of a received message, by its id. Admins only here; the ticket route checks the ticket's access itself. */
export async function inboundOriginal(ctx: Ctx, id: string): Promise<{ raw: Buffer; messageId: string | null }> {
  assertCan(ctx.actor, "admin");
  const [row] = await ctx.db
    .select({ raw: inboundMessages.raw, messageId: inboundMessages.messageId })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.workspaceId, ctx.workspaceId), eq(inboundMessages.id, id)));
  if (!row) throw notFound("Received message");
  return row;
}

/** The raw MIME behind a ticket message, for whoever may read the ticket (the caller checks that first). */
export async function originalOfTicketMessage(ctx: Ctx, ticketMessageId: string): Promise<{ raw: Buffer; ticketId: string | null } | null> {
  const [row] = await ctx.db
    .select({ raw: inboundMessages.raw, ticketId: inboundMessages.ticketId })
    .from(inboundMessages)
    .where(and(eq(inboundMessages.workspaceId, ctx.workspaceId), eq(inboundMessages.ticketMessageId, ticketMessageId)))
    .limit(1);
  return row ?? null;
}
