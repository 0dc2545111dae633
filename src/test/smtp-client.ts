import nodemailer from "nodemailer";
import type Mail from "nodemailer/lib/mailer/index.js";

export interface SmtpReply {
  /** The server's final answer to DATA (e.g. "250 Taken in (ticket_created)"). */
  response: string;
  accepted: string[];
  rejected: string[];
}

/**
 * Sends one message to an SMTP server on loopback the way another mail server would: plain SMTP, no TLS, no AUTH.
 * `raw` sends bytes as they are (dataset files); otherwise nodemailer composes the message from the fields.
 */
export async function sendSmtp(port: number, message: Mail.Options & { raw?: string | Buffer }): Promise<SmtpReply> {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true, connectionTimeout: 60_000, socketTimeout: 120_000 });
  try {
    const info = await transport.sendMail(message);
    return { response: info.response, accepted: info.accepted.map(String), rejected: info.rejected.map(String) };
  } finally {
    transport.close();
  }
}

/** The SMTP reply code of a refused send (550, 552, 451…), or null for other failures. */
export const smtpCodeOf = (e: unknown): number | null => (e as { responseCode?: number }).responseCode ?? null;
