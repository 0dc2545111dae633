import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerSession } from "smtp-server";
import type { Db } from "../../db/client.js";
import { findMailboxesByAddress, type MailboxTarget, type ReceiveDeps, type ReceiveResult, receiveMessage } from "./service.js";

export interface ReceiverOptions {
  db: Db;
  deps: ReceiveDeps;
  host?: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** Largest message accepted, in bytes (default 25 MB): announced in EHLO SIZE and enforced while reading. */
  maxBytes?: number;
  /** Name in the greeting and EHLO. */
  name?: string;
  log?: { info(m: string): void; warn(m: string): void; error(m: string): void };
  /**
   * The bounce address (Settings → Email sending): mail to it (with any VERP tag) is accepted and handed over as
   * delivery reports rather than tickets.
   */
  bounces?: { accepts(address: string): Promise<boolean>; receive(raw: Buffer, recipients: string[]): Promise<unknown> };
  /** Called after each message is taken in (tests, benchmarks). */
  onReceived?: (results: ReceiveResult[]) => void;
}

export interface RunningReceiver {
  host: string;
  port: number;
  close(): Promise<void>;
}

interface Session extends SMTPServerSession {
  mailboxes?: MailboxTarget[];
  bounceRcpts?: string[];
}

const smtpError = (message: string, responseCode: number) => Object.assign(new Error(message), { responseCode });

/**
 * The inbound SMTP server: accepts mail for the workspaces' mailbox addresses only (an unknown recipient is refused
 * at RCPT TO, so we never accept mail we would have to bounce), reads at most maxBytes, and hands each message to
 * receiveMessage. It stands behind the operator's MX (or is it, on port 25): no AUTH, no relaying.
 * A temporary failure (the database) answers 451 so the sending server tries again later; the message is not lost.
 */
export async function startMailReceiver(options: ReceiverOptions): Promise<RunningReceiver> {
  const maxBytes = options.maxBytes ?? 25 * 1024 * 1024;
  const log = options.log;
  const server = new SMTPServer({
    name: options.name,
    banner: "Rapport mail receiver",
    size: maxBytes,
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    logger: false,
    // A slow or stuck client is dropped after a minute of silence rather than holding a connection for ever.
    socketTimeout: 60_000,
    maxClients: 200,
    onRcptTo(address, session: Session, callback) {
      findMailboxesByAddress(options.db, [address.address])
        .then(async ([mailbox]) => {
          if (!mailbox) {
            if (options.bounces && (await options.bounces.accepts(address.address))) {
              session.bounceRcpts = [...(session.bounceRcpts ?? []), address.address];
              return callback();
            }
            return callback(smtpError(`5.1.1 <${address.address}>: no such mailbox here`, 550));
          }
          session.mailboxes = [...(session.mailboxes ?? []), mailbox];
          callback();
        })
        .catch((e: unknown) => {
          log?.error(`Mail receiver: looking up ${address.address} failed: ${(e as Error).message}`);
          callback(smtpError("4.3.0 Temporary failure, try again later", 451));
        });
    },
    onData(stream, session: Session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("error", (e) => callback(e));
      stream.on("end", () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded)
          return callback(smtpError(`5.3.4 Message too big: this server takes at most ${maxBytes} bytes`, 552));
        const raw = Buffer.concat(chunks);
        const bounceRcpts = session.bounceRcpts ?? [];
        if (bounceRcpts.length && options.bounces) {
          const bounces = options.bounces;
          bounces
            .receive(raw, bounceRcpts)
            .then(async () => {
              if (!session.mailboxes?.length) return callback(null, "Report received");
              const results = await receiveMessage(options.db, options.deps, { raw, mailboxes: session.mailboxes, via: "smtp" });
              options.onReceived?.(results);
              callback(null, "Received");
            })
            .catch((e: unknown) => {
              log?.error(`Mail receiver: taking in a report failed: ${(e as Error).message}`);
              callback(smtpError("4.3.0 Temporary failure, try again later", 451));
            });
          return;
        }
        receiveMessage(options.db, options.deps, { raw, mailboxes: session.mailboxes ?? [], via: "smtp" })
          .then((results) => {
            options.onReceived?.(results);
            const ticket = results.find((r) => r.ticketId);
            callback(null, ticket ? `Taken in (${results.map((r) => r.status).join(", ")})` : `Received (${results.map((r) => r.status).join(", ")})`);
          })
          .catch((e: unknown) => {
            log?.error(`Mail receiver: taking in a message failed: ${(e as Error).message}`);
            callback(smtpError("4.3.0 Temporary failure, try again later", 451));
          });
      });
    },
  });
  server.on("error", (e) => log?.warn(`Mail receiver: ${e.message}`));
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(options.port, host, () => {
      server.server.off("error", reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;
  log?.info(`Receiving mail by SMTP on ${host}:${port}`);
  return {
    host,
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
