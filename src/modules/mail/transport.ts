import nodemailer from "nodemailer";

/** One message as the transport puts it on the wire. */
export interface WireMessage {
  from: string;
  to: string[];
  cc: string[];
  subject: string;
  text: string | null;
  html: string | null;
  headers: Record<string, string>;
  messageId: string;
  /** Signs the message (nodemailer's DKIM option); the headers it signs include From, Subject and List-Unsubscribe*. */
  dkim?: { domainName: string; keySelector: string; privateKey: string } | null;
  /** The envelope sender (Return-Path) when bounces go elsewhere than From: the VERP bounce address. */
  envelopeFrom?: string | null;
}

export interface MailTransport {
  /** Resolves with the server's reply line once it accepted the message; rejects with nodemailer's error. */
  send(message: WireMessage): Promise<string>;
  close(): void;
}

/**
 * The SMTP transport of this process, or null without SMTP_URL (messages are then kept as not_configured, never
 * dropped). Time limits are shorter than nodemailer's minutes-long defaults: a job that hangs holds a worker slot,
 * and a retry with backoff serves a slow server better.
 */
export function createMailTransport(smtpUrl: string | undefined, options: { pool?: number } = {}): MailTransport | null {
  if (!smtpUrl) return null;
  // A pool (campaigns) keeps that many connections open and sends many messages over each, instead of a connection per message.
  const pool = options.pool ? { pool: true, maxConnections: options.pool, maxMessages: Number.POSITIVE_INFINITY } : {};
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 60_000, ...pool });
  return {
    async send(m) {
      const info = await transport.sendMail({
        from: m.from,
        to: m.to,
        cc: m.cc.length ? m.cc : undefined,
        subject: m.subject,
        text: m.text ?? undefined,
        html: m.html ?? undefined,
        headers: m.headers,
        messageId: m.messageId,
        ...(m.envelopeFrom ? { envelope: { from: m.envelopeFrom, to: [...m.to, ...m.cc] } } : {}),
        ...(m.dkim
          ? {
              dkim: {
                ...m.dkim,
                // The one-click unsubscribe headers must be covered by the signature (RFC 8058 §4).
                headerFieldNames: "from:sender:reply-to:subject:date:message-id:to:cc:mime-version:content-type:list-unsubscribe:list-unsubscribe-post",
              },
            }
          : {}),
      });
      return String(info.response ?? "");
    },
    close: () => transport.close(),
  };
}

export interface SendFailure {
  /** A 5xx reply (or an envelope no server would take): trying again cannot help. */
  permanent: boolean;
  message: string;
}

/**
 * Sorts a failed send: 5xx replies are permanent (RFC 5321 §4.2.1), 4xx replies and every connection, DNS, TLS or
 * timeout error are temporary. The message is the server's own reply when there is one, with any credentials of a
 * URL masked, because it is stored and shown to admins.
 */
export function classifySendError(err: unknown): SendFailure {
  const e = (err ?? {}) as { responseCode?: unknown; response?: unknown; code?: unknown; message?: unknown };
  const code = typeof e.responseCode === "number" ? e.responseCode : null;
  const reply = typeof e.response === "string" && e.response.trim() ? e.response.trim() : null;
  const base = reply ?? (typeof e.message === "string" && e.message ? e.message : String(err));
  const message = base.replace(/(smtps?:\/\/)[^@\s/]*@/gi, "$1***@").slice(0, 1000);
  if (code !== null) return { permanent: code >= 500 && code < 600, message };
  // No reply code: nodemailer refused the envelope itself (no valid recipient), which a retry would refuse again.
  return { permanent: e.code === "EENVELOPE", message };
}
