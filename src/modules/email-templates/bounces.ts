import { type ParsedMail, simpleParser } from "mailparser";
import { type Ctx, systemActor } from "../../core/context.js";
import type { Db } from "../../db/client.js";
import { logActivity } from "../activities/service.js";
import { publishEvents } from "../history/service.js";
import { mailIdOfVerp, workspacesByBounceAddress } from "../mail/sending.js";
import { outboxMessages } from "../mail/tracking.js";
import { unsubscribe } from "./tracking.js";

/**
 * What arrives at the bounce address: delivery status notifications (RFC 3464), feedback reports (ARF, RFC 5965)
 * and mailto unsubscribes. Each is matched to the message it is about (the VERP tag of the address it came to, else
 * the X-Rapport-Mail header or Message-ID quoted from the original) and becomes mail.bounced / mail.complained /
 * marketing.unsubscribed, with a note on the contact's timeline. Anything malformed is logged and dropped, never thrown.
 */

export interface BounceRecipient {
  address: string;
  action: string;
  status: string | null;
  kind: "hard" | "soft";
  reason: string;
}

export interface ParsedReport {
  type: "bounce" | "complaint" | "unsubscribe" | "other";
  recipients: BounceRecipient[];
  /** For a complaint: the address the complained-about message went to. */
  complainant: string | null;
  /** The original message's Message-ID and X-Rapport-Mail, when quoted. */
  originalMessageId: string | null;
  originalMailId: string | null;
  subject: string;
}

const unfold = (s: string) => s.replace(/\r?\n[ \t]+/g, " ");

/** The "Name: value" fields of a block of header-like text (the last value wins), lower-cased names. */
function fieldsOf(block: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of unfold(block).split(/\r?\n/)) {
    const m = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
    if (m) out.set((m[1] as string).toLowerCase(), (m[2] as string).trim());
  }
  return out;
}

const addressOf = (field: string | undefined) => {
  const v = field
    ?.replace(/^rfc822;\s*/i, "")
    .replace(/^<|>$/g, "")
    .trim()
    .toLowerCase();
  return v && /^[^@\s]+@[^@\s]+$/.test(v) ? v : null;
};

function recipientsOf(statusText: string): BounceRecipient[] {
  const out: BounceRecipient[] = [];
  // Per-recipient groups are separated by blank lines; the per-message group (Reporting-MTA) has no recipient.
  for (const block of statusText.split(/\r?\n\s*\r?\n/)) {
    const f = fieldsOf(block);
    const address = addressOf(f.get("final-recipient")) ?? addressOf(f.get("original-recipient"));
    const action = f.get("action")?.toLowerCase();
    if (!address || !action) continue;
    if (action !== "failed" && action !== "delayed") continue;
    const status = /\b([245])\.\d{1,3}\.\d{1,3}\b/.exec(f.get("status") ?? "")?.[0] ?? null;
    const kind = action === "failed" && (status?.startsWith("5") ?? true) ? "hard" : "soft";
    const reason = (f.get("diagnostic-code")?.replace(/^smtp;\s*/i, "") || (status ? `Status ${status}` : action)).slice(0, 1000);
    out.push({ address, action, status, kind, reason });
  }
  return out;
}

function originalIds(texts: string[]): { messageId: string | null; mailId: string | null } {
  for (const t of texts) {
    const headerPart = t.split(/\r?\n\r?\n/)[0] ?? "";
    const f = fieldsOf(headerPart);
    const mailId =
      f
        .get("x-rapport-mail")
        ?.match(/[0-9a-f-]{36}/i)?.[0]
        ?.toLowerCase() ?? null;
    const messageId = f.get("message-id")?.match(/<[^>]+>/)?.[0] ?? null;
    if (mailId || messageId) return { messageId, mailId };
  }
  return { messageId: null, mailId: null };
}

export async function parseReport(raw: Buffer): Promise<ParsedReport> {
  const mail: ParsedMail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  const contentType = mail.headers.get("content-type") as { value?: string; params?: Record<string, string> } | undefined;
  const reportType = contentType?.params?.["report-type"]?.toLowerCase();
  const parts = mail.attachments.map((a) => ({ type: a.contentType.toLowerCase(), text: a.content.toString("utf8") }));
  const originals = parts.filter((p) => p.type === "message/rfc822" || p.type === "text/rfc822-headers").map((p) => p.text);
  const { messageId, mailId } = originalIds(originals);
  const subject = mail.subject ?? "";
  const feedback = parts.find((p) => p.type === "message/feedback-report");
  if (reportType === "feedback-report" || feedback) {
    const f = fieldsOf(feedback?.text ?? mail.text ?? "");
    const originalTo = originals.map((o) =>
      addressOf(
        fieldsOf(o.split(/\r?\n\r?\n/)[0] ?? "")
          .get("to")
          ?.match(/<([^>]+)>/)?.[1] ?? fieldsOf(o).get("to"),
      ),
    );
    const complainant = addressOf(f.get("original-rcpt-to")) ?? originalTo.find(Boolean) ?? null;
    return { type: "complaint", recipients: [], complainant, originalMessageId: messageId, originalMailId: mailId, subject };
  }
  // The delivery-status part: an attachment, or (mailparser inlines message/delivery-status) in the text.
  const status = parts.find((p) => p.type === "message/delivery-status")?.text ?? mail.text ?? "";
  const recipients = reportType === "delivery-status" || /final-recipient:/i.test(status) ? recipientsOf(status) : [];
  if (recipients.length) return { type: "bounce", recipients, complainant: null, originalMessageId: messageId, originalMailId: mailId, subject };
  if (/^\s*unsubscribe\b/i.test(subject)) {
    const id = /[0-9a-f-]{36}/i.exec(subject)?.[0]?.toLowerCase() ?? null;
    return { type: "unsubscribe", recipients: [], complainant: null, originalMessageId: null, originalMailId: id, subject };
  }
  return { type: "other", recipients: [], complainant: null, originalMessageId: messageId, originalMailId: mailId, subject };
}

const uuidOfMessageId = (messageId: string | null) =>
  messageId?.match(/^<([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})@/i)?.[1]?.toLowerCase() ?? null;

export interface BounceOutcome {
  type: ParsedReport["type"] | "malformed";
  workspaceId: string | null;
  mailId: string | null;
  events: number;
}

type Log = { warn(m: string): void; info?(m: string): void };

/**
 * Takes in one message that came to a bounce address (recipients: the RCPT TO addresses, which carry the VERP tag).
 * Never throws for what the message holds; a database failure does throw, so the SMTP receiver answers 451 and the
 * sender tries again.
 */
export async function receiveBounce(db: Db, raw: Buffer, recipients: string[], log?: Log): Promise<BounceOutcome> {
  let report: ParsedReport;
  try {
    report = await parseReport(raw);
  } catch (err) {
    log?.warn(`Bounce receiver: unreadable message dropped (${(err as Error).message})`);
    return { type: "malformed", workspaceId: null, mailId: null, events: 0 };
  }
  const workspaces = [...new Set((await Promise.all(recipients.map((r) => workspacesByBounceAddress(db, r)))).flat())];
  const candidates = [...recipients.map(mailIdOfVerp), report.originalMailId, uuidOfMessageId(report.originalMessageId)].filter((x): x is string => Boolean(x));
  const [mail] = await outboxMessages(db, workspaces, candidates);
  const workspaceId = mail?.workspaceId ?? (workspaces.length === 1 ? (workspaces[0] as string) : null);
  if (!workspaceId) {
    log?.warn(`Bounce receiver: a ${report.type} report matched no workspace; dropped`);
    return { type: report.type, workspaceId: null, mailId: null, events: 0 };
  }
  const contactId = mail?.relatedObject === "contact" ? mail.relatedId : null;
  const messageId = mail?.messageId ?? report.originalMessageId;
  if (report.type === "unsubscribe") {
    if (!mail || !contactId) return { type: report.type, workspaceId, mailId: null, events: 0 };
    await unsubscribe(db, { w: workspaceId, m: mail.id, c: contactId }, "mailto");
    return { type: report.type, workspaceId, mailId: mail.id, events: 1 };
  }
  if (report.type === "other") {
    log?.warn("Bounce receiver: a message that is neither a delivery status notification nor a feedback report; dropped");
    return { type: report.type, workspaceId, mailId: mail?.id ?? null, events: 0 };
  }
  const recordId = mail?.id ?? crypto.randomUUID();
  const events =
    report.type === "complaint"
      ? report.complainant || mail?.to
        ? [{ type: "mail.complained" as const, recordId, record: { address: (report.complainant ?? mail?.to) as string, messageId } }]
        : []
      : report.recipients.map((r) => ({ type: "mail.bounced" as const, recordId, record: { address: r.address, kind: r.kind, reason: r.reason, messageId } }));
  if (events.length === 0) {
    log?.warn(`Bounce receiver: a ${report.type} report named no recipient; dropped`);
    return { type: report.type, workspaceId, mailId: mail?.id ?? null, events: 0 };
  }
  await db.transaction(async (tx) => {
    const ctx: Ctx = { db: tx, workspaceId, actor: systemActor };
    await publishEvents(tx, ctx, events);
    if (contactId)
      for (const e of events)
        await logActivity(
          ctx,
          { object: "contact", id: contactId },
          {
            type: "note",
            subject:
              e.type === "mail.complained"
                ? `Marked our email as spam (${e.record.address})`
                : `Email bounced, ${"kind" in e.record ? e.record.kind : ""} (${e.record.address})`.slice(0, 300),
            body: "reason" in e.record ? e.record.reason.slice(0, 2000) : undefined,
          },
        ).catch(() => undefined);
  });
  return { type: report.type, workspaceId, mailId: mail?.id ?? null, events: events.length };
}
