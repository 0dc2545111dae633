import { and, desc, eq, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import addressparser from "nodemailer/lib/addressparser/index.js";
import { z } from "zod";
import type { MailAddress, MailDetail, MailKind, MailStatus, MailSummary } from "../../contract/mail.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { sanitiseEmailHtml } from "../../core/html.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { getUser } from "../users/service.js";
import { dkimFor, settingsRow, verpAddress } from "./sending.js";
import { mailMessages } from "./table.js";
import { classifySendError, type MailTransport } from "./transport.js";

/** What a `mail.send` job carries: the outbox row to deliver. */
export interface MailJob {
  workspaceId: string;
  mailId: string;
}

/**
 * How the outbox reaches the job queue without importing it (the job system imports the modules): the default
 * sender, and a function that enqueues a `mail.send` job inside the given transaction. The job system provides it.
 */
export interface MailQueue {
  from: string;
  enqueue(tx: Db, job: MailJob): Promise<unknown>;
}

type Recipients = string | MailAddress | (string | MailAddress)[];

export interface OutgoingMail {
  kind: MailKind;
  /** Addresses as "ada@example.com", "Ada Lovelace <ada@example.com>", or objects. */
  to: Recipients;
  cc?: Recipients;
  subject: string;
  text: string;
  /** Sanitised before it is stored (unless htmlIsSanitised). */
  html?: string | null;
  /**
   * The caller built the HTML from parts it sanitised itself inside a fixed layout (the marketing templates' MJML,
   * whose inline styles and head the outbox's own sanitiser would strip): stored as given.
   */
  htmlIsSanitised?: boolean;
  headers?: Record<string, string>;
  /** The body carries a secret (sign-in or reset link): the log shows the envelope, not the content. */
  sensitive?: boolean;
  related?: { object: string; id: string };
  /** Default: the queue's sender (MAIL_FROM). */
  from?: string;
  /** The outbox id, when the caller needs it before queueing (links that name the message); default: a new one. */
  id?: string;
  /**
   * "caller": no mail.send job is queued; the caller delivers the row itself with sendQueuedMail (campaigns, which
   * pace and batch their sends over a pooled connection). Default "job".
   */
  delivery?: "job" | "caller";
}

type Row = typeof mailMessages.$inferSelect;

const Email = z.email();
// Headers the outbox sets from its own columns; a caller cannot override them through `headers`.
const reservedHeaders = new Set([
  "from",
  "to",
  "cc",
  "bcc",
  "subject",
  "message-id",
  "date",
  "sender",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
]);

// The sender is the operator's MAIL_FROM, not user input: its default (rapport@localhost) has no dot in the domain,
// which the recipients' email check refuses, so a fresh install could not queue an invitation or a reset link.
const SENDER = /^[^@\s]+@[^@\s]+$/;

function parseAddresses(path: string, input: Recipients | undefined, check: (address: string) => boolean = (a) => Email.safeParse(a).success): MailAddress[] {
  const items = input === undefined ? [] : Array.isArray(input) ? input : [input];
  const out: MailAddress[] = [];
  for (const item of items) {
    const parsed =
      typeof item === "string"
        ? addressparser(item, { flatten: true }).map((a) => ({ name: a.name || null, address: a.address }))
        : [{ name: item.name || null, address: item.address }];
    for (const a of parsed) {
      const address = a.address.trim().toLowerCase();
      if (!check(address)) throw invalidField(path, `"${a.address || item}" is not an email address`);
      out.push({ name: a.name?.replace(/[\r\n]/g, " ").trim() || null, address });
    }
  }
  return out;
}

function checkHeaders(headers: Record<string, string>): Record<string, string> {
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]{1,76}$/.test(name)) throw invalidField(`headers.${name}`, "a header name is letters, digits and dashes");
    if (reservedHeaders.has(name.toLowerCase())) throw invalidField(`headers.${name}`, "set by the outbox itself");
    if (/[\r\n]/.test(value)) throw invalidField(`headers.${name}`, "a header value is one line");
  }
  return headers;
}

/** `<id@domain>` with the sender's domain, so the id is unique to this message and recognisably ours. */
function messageIdFor(id: string, from: string): string {
  const address = addressparser(from, { flatten: true })[0]?.address ?? "";
  const domain = /@([A-Za-z0-9.-]+)$/.exec(address)?.[1] ?? "rapport.localhost";
  return `<${id}@${domain.toLowerCase()}>`;
}

/**
 * Puts a message in the outbox and asks for its delivery, in one transaction (the caller's, when ctx.db is one):
 * the message exists if and only if whatever decided to send it committed, and a job exists for every message.
 * Nothing is sent here; the `mail.send` job does it, or keeps the message as not_configured without SMTP.
 */
export async function queueMail(ctx: Pick<Ctx, "db" | "workspaceId">, queue: MailQueue, mail: OutgoingMail): Promise<{ id: string; messageId: string }> {
  const to = parseAddresses("to", mail.to);
  if (to.length === 0) throw invalidField("to", "a message needs at least one recipient");
  const cc = parseAddresses("cc", mail.cc);
  const subject = mail.subject.replace(/[\r\n]+/g, " ").trim();
  if (!subject) throw invalidField("subject", "a message needs a subject");
  const from = mail.from ?? queue.from;
  if (parseAddresses("from", from, (a) => SENDER.test(a)).length !== 1) throw invalidField("from", "one sender address");
  const id = mail.id ?? newId();
  const messageId = messageIdFor(id, from);
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(mailMessages).values({
      workspaceId: ctx.workspaceId,
      id,
      kind: mail.kind,
      fromAddress: from,
      toAddresses: to,
      ccAddresses: cc,
      subject: subject.slice(0, 998),
      text: mail.text,
      html: mail.html ? (mail.htmlIsSanitised ? mail.html : sanitiseEmailHtml(mail.html)) || null : null,
      headers: checkHeaders(mail.headers ?? {}),
      messageId,
      sensitive: mail.sensitive ?? false,
      relatedObject: mail.related?.object ?? null,
      relatedId: mail.related?.id ?? null,
      createdAt: now,
      updatedAt: now,
    });
    if (mail.delivery !== "caller") await queue.enqueue(tx, { workspaceId: ctx.workspaceId, mailId: id });
  });
  return { id, messageId };
}

const formatAddress = (a: MailAddress) => (a.name ? `"${a.name.replace(/["\\]/g, "")}" <${a.address}>` : a.address);
export const notConfiguredError = "Not sent: no SMTP server configured (set SMTP_URL)";

export interface SendOutcome {
  status: MailStatus | "skipped";
  /** A temporary failure that pg-boss should retry: the job throws it. */
  retry?: Error;
}

/**
 * The `mail.send` job: delivers one outbox row. Idempotent: a message already sent, failed for good or kept
 * unsent is left alone, so a rerun of the job does nothing. `sending` is taken again too: that is a previous attempt
 * that died mid-send (a crash, an expired job), and the same Message-ID lets the receiver drop a duplicate.
 * No SMTP settles nothing as lost: the message is kept as not_configured for the log and "Send now".
 * A temporary failure goes back to queued and is retried with backoff; the last allowed attempt marks it failed.
 */
export async function sendQueuedMail(
  db: Db,
  transport: MailTransport | null,
  job: MailJob,
  attempt: { retryCount: number; retryLimit: number },
  options: { secretKey?: string } = {},
): Promise<SendOutcome> {
  const m = mailMessages;
  const mine = and(eq(m.workspaceId, job.workspaceId), eq(m.id, job.mailId), inArray(m.status, ["queued", "sending"]));
  if (!transport) {
    const kept = await db.update(m).set({ status: "not_configured", lastError: notConfiguredError, updatedAt: new Date() }).where(mine).returning({ id: m.id });
    return { status: kept.length ? "not_configured" : "skipped" };
  }
  const [row] = await db
    .update(m)
    .set({ status: "sending", attempts: sql`${m.attempts} + 1`, updatedAt: new Date() })
    .where(mine)
    .returning();
  if (!row) return { status: "skipped" };
  const settle = (set: Partial<Row>) =>
    db
      .update(m)
      .set({ ...set, updatedAt: new Date() })
      .where(and(eq(m.workspaceId, row.workspaceId), eq(m.id, row.id), eq(m.status, "sending")));
  try {
    const dkim = await dkimFor(db, row.workspaceId, row.fromAddress, options.secretKey);
    const bounce = row.kind === "marketing" ? (await settingsRow(db, row.workspaceId)).bounceAddress : null;
    await transport.send({
      dkim,
      envelopeFrom: bounce ? verpAddress(bounce, row.id) : null,
      from: row.fromAddress,
      to: row.toAddresses.map(formatAddress),
      cc: row.ccAddresses.map(formatAddress),
      subject: row.subject,
      text: row.text,
      html: row.html,
      headers: row.headers,
      messageId: row.messageId,
    });
  } catch (err) {
    const failure = classifySendError(err);
    if (failure.permanent) {
      await settle({ status: "failed", lastError: failure.message });
      return { status: "failed" };
    }
    if (attempt.retryCount >= attempt.retryLimit) {
      await settle({ status: "failed", lastError: `Gave up after ${row.attempts} attempts: ${failure.message}` });
      return { status: "failed" };
    }
    await settle({ status: "queued", lastError: failure.message });
    return { status: "queued", retry: new Error(failure.message) };
  }
  await settle({ status: "sent", lastError: null, sentAt: new Date() });
  return { status: "sent" };
}

const toSummary = (r: Row): MailSummary => ({
  id: r.id,
  kind: r.kind,
  from: r.fromAddress,
  to: r.toAddresses,
  cc: r.ccAddresses,
  subject: r.subject,
  status: r.status,
  attempts: r.attempts,
  lastError: r.lastError,
  messageId: r.messageId,
  relatedObject: r.relatedObject,
  relatedId: r.relatedId,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
  sentAt: r.sentAt?.toISOString() ?? null,
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function decodeCursor(cursor: string): { at: Date; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id))
    throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
  return { at: new Date(at), id };
}

/** The email log, newest first, by keyset (created_at is written with millisecond precision, so the cursor is exact). */
export async function listMail(
  ctx: Ctx,
  q: { limit: number; cursor?: string; status?: MailStatus; q?: string },
): Promise<{ data: MailSummary[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "admin");
  const m = mailMessages;
  const before = q.cursor ? decodeCursor(q.cursor) : undefined;
  const term = q.q ? `%${escapeLike(q.q)}%` : undefined;
  const search: SQL | undefined = term ? sql`(${m.subject} ilike ${term} or ${m.toAddresses}::text ilike ${term})` : undefined;
  const rows = await ctx.db
    .select()
    .from(m)
    .where(
      and(
        eq(m.workspaceId, ctx.workspaceId),
        q.status ? eq(m.status, q.status) : undefined,
        search,
        before ? or(lt(m.createdAt, before.at), and(eq(m.createdAt, before.at), lt(m.id, before.id))) : undefined,
      ),
    )
    .orderBy(desc(m.createdAt), desc(m.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    data: page.map(toSummary),
    nextCursor: rows.length > q.limit && last ? Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString("base64url") : null,
  };
}

async function findMail(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(mailMessages)
    .where(and(eq(mailMessages.workspaceId, ctx.workspaceId), eq(mailMessages.id, id)));
  if (!row) throw notFound("Email");
  return row;
}

export async function getMail(ctx: Ctx, id: string): Promise<MailDetail> {
  assertCan(ctx.actor, "admin");
  const row = await findMail(ctx, id);
  return {
    ...toSummary(row),
    text: row.sensitive ? null : row.text,
    html: row.sensitive ? null : row.html,
    headers: row.headers,
    contentHidden: row.sensitive,
  };
}

/** Sends a failed or kept-unsent message again: back to queued with a fresh job, in one transaction. */
export async function retryMail(ctx: Ctx, queue: MailQueue, id: string): Promise<MailDetail> {
  assertCan(ctx.actor, "admin");
  const m = mailMessages;
  await ctx.db.transaction(async (tx) => {
    const row = await findMail({ ...ctx, db: tx }, id);
    if (row.status === "sent") throw new AppError("conflict", "This email was already sent.");
    if (row.status === "queued" || row.status === "sending") throw new AppError("conflict", "This email is already on its way.");
    const moved = await tx
      .update(m)
      .set({ status: "queued", lastError: null, updatedAt: new Date() })
      .where(and(eq(m.workspaceId, ctx.workspaceId), eq(m.id, id), inArray(m.status, ["failed", "not_configured"])))
      .returning({ id: m.id });
    // A concurrent retry moved it first: it has its job already.
    if (moved.length === 0) throw new AppError("conflict", "This email is already on its way.");
    await queue.enqueue(tx, { workspaceId: ctx.workspaceId, mailId: id });
  });
  return getMail(ctx, id);
}

/** "Send now" once SMTP is configured: every message of the workspace kept as not_configured is queued again. */
export async function sendUnsentMail(ctx: Ctx, queue: MailQueue): Promise<number> {
  assertCan(ctx.actor, "admin");
  const m = mailMessages;
  return ctx.db.transaction(async (tx) => {
    const moved = await tx
      .update(m)
      .set({ status: "queued", lastError: null, updatedAt: new Date() })
      .where(and(eq(m.workspaceId, ctx.workspaceId), eq(m.status, "not_configured")))
      .returning({ id: m.id });
    for (const r of moved) await queue.enqueue(tx, { workspaceId: ctx.workspaceId, mailId: r.id });
    return moved.length;
  });
}

/** Settings → Email log's "Send a test email": to the admin who asks, through the same outbox as everything else. */
export async function sendTestMail(ctx: Ctx, queue: MailQueue): Promise<MailDetail> {
  assertCan(ctx.actor, "admin");
  if (!ctx.actor.userId) throw new AppError("forbidden", "A test email goes to the user asking; this API key has no user.");
  const user = await getUser(ctx, ctx.actor.userId);
  const { id } = await queueMail(ctx, queue, {
    kind: "test",
    to: { name: user.name, address: user.email },
    subject: "Rapport test email",
    text: `Hi ${user.name},\n\nThis is a test email from Rapport. If you are reading it, outgoing email works.\n`,
    html: `<p>Hi ${escapeHtml(user.name)},</p><p>This is a test email from Rapport. If you are reading it, outgoing email works.</p>`,
    related: { object: "user", id: user.id },
  });
  return getMail(ctx, id);
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
