import { createHash } from "node:crypto";
import chardet from "chardet";
import EmailReplyParser from "email-reply-parser";
import iconv from "iconv-lite";
import { type AddressObject, type HeaderValue, simpleParser } from "mailparser";
import type { MailAddress } from "../../contract/mail.js";
import { sanitiseEmailHtml } from "../../core/html.js";

export interface InboundAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  /** Inline images: the cid the HTML refers to, without <>. */
  contentId: string | null;
}

/** One received message, decoded: what threading, the loop guard and the ticket need. */
export interface ParsedInbound {
  /** RFC 5322 Message-ID without <>; null when the message has none. */
  messageId: string | null;
  inReplyTo: string | null;
  references: string[];
  from: MailAddress | null;
  replyTo: MailAddress | null;
  to: MailAddress[];
  cc: MailAddress[];
  subject: string;
  /** The visible text: quoted history and signature removed. */
  bodyText: string;
  /** The whole plain text as it arrived (decoded), before stripping. */
  originalText: string;
  /** Sanitised; null when the message had no HTML part. */
  bodyHtml: string | null;
  attachments: InboundAttachment[];
  /** The headers a reader of the ticket (or the loop guard) may want, lower-case names, decoded. */
  headers: Record<string, string>;
  /** What makes a message one we must not auto-reply to (RFC 3834), lower case. */
  autoSubmitted: string | null;
  precedence: string | null;
  xLoop: string[];
  /** The List-Id header: mailing list traffic. */
  listId: string | null;
  /** The envelope's or header's Return-Path; "" for the null sender <>. null when absent. */
  returnPath: string | null;
  /** Where the message's body could not be read as it claims (a bad charset, broken MIME), in words. */
  warnings: string[];
}

const idList = (v: string | string[] | undefined | null): string[] =>
  (Array.isArray(v) ? v : v ? [v] : [])
    .flatMap((s) => s.match(/<[^<>\s]+>/g) ?? (s.trim() ? s.trim().split(/\s+/) : []))
    .map(normaliseMessageId)
    .filter((s): s is string => Boolean(s));

/** `<abc@Host>` → `abc@host`; the form ticket messages store Message-IDs in (lower case, as the tickets module compares them). */
export function normaliseMessageId(v: string | null | undefined): string | null {
  const s = (v ?? "").trim().replace(/^<+/, "").replace(/>+$/, "").trim().toLowerCase();
  return s && s.length <= 998 && !/\s/.test(s) ? s : null;
}

const addresses = (v: AddressObject | AddressObject[] | undefined): MailAddress[] =>
  (Array.isArray(v) ? v : v ? [v] : [])
    .flatMap((o) => o.value)
    .flatMap((a) => (a.group ? a.group : [a]))
    .filter((a) => a.address?.includes("@"))
    .map((a) => ({ name: a.name?.trim() || null, address: (a.address as string).trim().toLowerCase() }));

const headerText = (v: HeaderValue | undefined): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ");
  if (typeof v === "object" && "text" in v && typeof v.text === "string") return v.text;
  if (typeof v === "object" && "value" in v && typeof v.value === "string") return v.value;
  return JSON.stringify(v);
};

// Kept on the ticket message for a reader of the headers; Received lines and DKIM signatures are in the original.
const keptHeaders = ["date", "from", "to", "cc", "reply-to", "subject", "message-id", "in-reply-to", "auto-submitted", "precedence", "list-id", "x-mailer"];

// The reply parser's patterns take quadratic time on long texts (a 100 kB quote: seconds): it reads only the head,
// where a reply's own words are; a head with no quote in it keeps the rest of the text too.
const REPLY_PARSE_LIMIT = 32_768;

// Outlook and others mark the quoted message with a rule and a From:/Sent: block instead of "On … wrote:" or ">".
const outlookQuote = /^[ \t]*(?:-{3,}[ \t]*Original Message[ \t]*-{3,}|_{10,}|-{10,})[ \t]*\n(?:[ \t]*\n)*[ \t]*\*?From:\*?[ \t]/im;

/** Strips quoted history and signatures (GitHub's email_reply_parser rules, ported); never returns nothing for a non-empty body. */
export function visibleReply(text: string): string {
  const normalised = text.replace(/\r\n?/g, "\n");
  const quote = outlookQuote.exec(normalised);
  const own = quote ? normalised.slice(0, quote.index) : normalised;
  const head = own.slice(0, REPLY_PARSE_LIMIT);
  let visible: string;
  try {
    visible = new EmailReplyParser().read(head).getVisibleText().trim();
    if (own.length > REPLY_PARSE_LIMIT && visible === head.trim()) visible = own.trim();
  } catch {
    visible = own.trim();
  }
  // A message that is all quote (a forward with no words of its own) keeps its text rather than vanishing.
  return visible || normalised.trim();
}

/**
 * Decodes one raw message (RFC 5322 / MIME): charsets through mailparser (iconv-lite), attachments and inline images
 * kept, HTML sanitised, the visible reply separated from the quoted history. Never throws for malformed input: what
 * could not be read is said in `warnings`, and a message that is not MIME at all is taken as plain text.
 */
export async function parseInbound(raw: Buffer): Promise<ParsedInbound> {
  const warnings: string[] = [];
  const mail = await simpleParser(raw, { keepCidLinks: true, skipImageLinks: true, skipTextToHtml: true, maxHtmlLengthToParse: 5_000_000 });
  const h = mail.headers;
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(headerText(h.get("content-type")) ?? "")?.[1];
  // Every part's declared charset (the raw bytes' Content-Type parameters), to say which could not be read.
  const declared = new Set([...raw.toString("latin1").matchAll(/charset\s*=\s*"?([^";\s]+)/gi)].map((m) => (m[1] ?? "").toLowerCase()));
  for (const name of declared) if (!isKnownCharset(name)) warnings.push(`Unknown charset "${name}": that part was read as UTF-8 / Latin-1`);
  // mailparser leaves UTF-7 (old Outlook) undecoded; iconv-lite reads it.
  const utf7 = (t: string) => iconv.decode(Buffer.from(t, "latin1"), "utf7");
  let originalText = (mail.text ?? "").replace(/\r\n?/g, "\n");
  if (declared.has("utf-7") && /\+[A-Za-z0-9+/]+-?/.test(originalText)) originalText = utf7(originalText);
  const html = typeof mail.html === "string" && mail.html ? sanitiseEmailHtml(mail.html) || null : null;
  const headers: Record<string, string> = {};
  for (const name of keptHeaders) {
    const value = headerText(h.get(name));
    if (value) headers[name] = value.slice(0, 2000);
  }
  const returnPathRaw = mail.headerLines.find((l) => l.key === "return-path")?.line;
  const xLoop = mail.headerLines
    .filter((l) => l.key === "x-loop")
    .map((l) =>
      l.line
        .replace(/^x-loop:\s*/i, "")
        .trim()
        .toLowerCase(),
    );
  const from = addresses(mail.from)[0] ?? null;
  if (!from) warnings.push("No sender address in From");
  let subject = (mail.subject ?? "").replace(/[\r\n]+/g, " ").trim();
  if (subject.includes("\ufffd")) subject = rawHeaderText(raw, "subject", charset) ?? subject;
  else if (/=\?utf-7\?/i.test(rawHeaderText(raw, "subject", "latin1") ?? "")) subject = utf7(subject);
  if (originalText.includes("\ufffd")) warnings.push("Some characters of the text could not be decoded (a wrong or missing charset)");
  return {
    messageId: normaliseMessageId(mail.messageId),
    inReplyTo: idList(mail.inReplyTo)[0] ?? null,
    references: idList(mail.references),
    from,
    replyTo: addresses(mail.replyTo)[0] ?? null,
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    subject,
    bodyText: visibleReply(originalText),
    originalText,
    bodyHtml: html,
    attachments: mail.attachments.map((a, i) => ({
      filename: (a.filename ?? "").trim() || `attachment-${i + 1}${extensionOf(a.contentType)}`,
      contentType: (a.contentType || "application/octet-stream").toLowerCase(),
      content: a.content,
      contentId: normaliseMessageId(a.contentId ?? a.cid ?? null),
    })),
    headers,
    autoSubmitted: headerText(h.get("auto-submitted"))?.trim().toLowerCase() ?? null,
    precedence: headerText(h.get("precedence"))?.trim().toLowerCase() ?? null,
    xLoop,
    listId: mail.headerLines.find((l) => l.key === "list-id")?.line.replace(/^list-id:\s*/i, "") ?? null,
    returnPath:
      returnPathRaw === undefined ? null : (/<([^>]*)>/.exec(returnPathRaw)?.[1] ?? returnPathRaw.replace(/^return-path:\s*/i, "")).trim().toLowerCase(),
    warnings,
  };
}

/**
 * A header sent as raw 8-bit bytes instead of RFC 2047 words (old Outlook, spam): mailparser reads them as UTF-8 and
 * gets replacement characters. Decoded again in the message's declared charset, else the one chardet guesses.
 */
function rawHeaderText(raw: Buffer, name: string, declared: string | undefined): string | null {
  const end = raw.indexOf("\r\n\r\n") >= 0 ? raw.indexOf("\r\n\r\n") : raw.indexOf("\n\n");
  const head = raw.subarray(0, end < 0 ? raw.length : end);
  const text = head.toString("latin1");
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r?\\n[ \\t].*)*)`, "im").exec(text);
  if (!m || m.index === undefined) return null;
  const bytes = Buffer.from(m[1] ?? "", "latin1");
  const guess = declared && iconv.encodingExists(declared) ? declared : (chardet.detect(raw) ?? "windows-1252");
  const encoding = iconv.encodingExists(guess) ? guess : "windows-1252";
  return iconv
    .decode(bytes, encoding)
    .replace(/\r?\n[ \t]+/g, " ")
    .trim();
}

function isKnownCharset(name: string): boolean {
  try {
    new TextDecoder(name.toLowerCase() === "utf-7" ? "utf-8" : name);
    return true;
  } catch {
    return /^(utf-?7|x-|windows-|cp|iso-?8859)/i.test(name);
  }
}

const extensionOf = (type: string) =>
  ({ "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "application/pdf": ".pdf", "text/plain": ".txt", "message/rfc822": ".eml" })[
    type.toLowerCase()
  ] ?? "";

/** The key a message is taken in once by: its Message-ID, or for a message without one, a hash of its bytes. */
export const dedupeKeyOf = (messageId: string | null, raw: Buffer) =>
  messageId ? `mid:${messageId}` : `sha256:${createHash("sha256").update(raw).digest("hex")}`;

/** `[#123]` anywhere in the subject: the ticket number our replies carry. */
export function ticketNumberIn(subject: string): number | null {
  const m = /\[#(\d{1,9})\]/.exec(subject);
  return m ? Number(m[1]) : null;
}

/** The subject without reply / forward prefixes and our ticket tag, for a new ticket's subject. */
export function cleanSubject(subject: string): string {
  let s = subject.replace(/\[#\d{1,9}\]/g, " ");
  for (let i = 0; i < 5; i++) s = s.replace(/^\s*(re|fw|fwd|aw|wg|sv|vs|tr)\s*(\[\d+\])?\s*:\s*/i, "");
  return s.replace(/\s+/g, " ").trim();
}

export interface LoopVerdict {
  /** Not taken in at all: our own mail coming back. */
  ignore: string | null;
  /** Taken in, but no automatic answer (RFC 3834 section 2). */
  noAutoReply: string | null;
}

/**
 * RFC 3834's rules for automatic responders, plus our own loop marker and addresses. A message we sent ourselves
 * (our X-Loop, or from one of our mailboxes) is ignored outright: taking it in would make a ticket answer itself.
 */
export function loopGuard(m: ParsedInbound, ours: { loopMarker: string; addresses: ReadonlySet<string> }): LoopVerdict {
  const marker = ours.loopMarker.toLowerCase();
  if (m.xLoop.includes(marker)) return { ignore: "Our own X-Loop header: this is a message Rapport sent", noAutoReply: "loop" };
  if (m.from && ours.addresses.has(m.from.address)) return { ignore: `Sent from our own mailbox ${m.from.address}`, noAutoReply: "loop" };
  const noAutoReply =
    m.autoSubmitted && m.autoSubmitted !== "no"
      ? `Auto-Submitted: ${m.autoSubmitted}`
      : m.precedence && /^(bulk|list|junk)$/.test(m.precedence)
        ? `Precedence: ${m.precedence}`
        : m.returnPath === ""
          ? "Empty Return-Path (a bounce or other automatic message)"
          : m.xLoop.length > 0
            ? "X-Loop header of another system"
            : m.listId
              ? "Mailing list message (List-Id)"
              : !m.from
                ? "No sender address"
                : /^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@/i.test(m.from.address)
                  ? `Automatic sender ${m.from.address}`
                  : null;
  return { ignore: null, noAutoReply };
}
