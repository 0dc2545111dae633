import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface CaughtMail {
  /** The message as it went over the wire (DKIM checks need the exact bytes). */
  raw: Buffer;
  mail: ParsedMail;
  /** The envelope's recipients, lower-cased, comma-separated. */
  to: string;
  /** The envelope sender (the bounce address), or "". */
  mailFrom: string;
}

/** A real SMTP server on loopback keeping every message it is given: raw, parsed, and with its envelope. */
export async function startSmtpCatcher(): Promise<{ url: string; inbox: CaughtMail[]; close(): Promise<void> }> {
  const inbox: CaughtMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then((mail) => {
            inbox.push({
              raw,
              mail,
              to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()).join(","),
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
            });
            done();
          })
          .catch(done);
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, inbox, close: () => new Promise<void>((r) => server.close(() => r())) };
}
