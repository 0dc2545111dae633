// How fast mail comes in: N messages sent over one SMTP connection to the inbound receiver, each parsed, stored with
// its raw MIME, deduplicated, made a ticket (contact, number, routing, history, events) and acknowledged through the
// outbox. Baseline in the same run: the same client and messages to a bare smtp-server that only reads the bytes.
//
//   npx tsx bench/mail-in.ts [count]                       (embedded database in memory)
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/mail-in.ts [count]
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { buildApp } from "../src/server/app.js";

const COUNT = Number(process.argv[2] ?? 200);
const message = (i: number, to: string) => ({
  from: `Customer ${i} <customer${i}@bench.example>`,
  to,
  subject: `Order ${i} did not arrive`,
  text: `Hello,\n\nmy order ${i} did not arrive.\n\nOn Mon, shop wrote:\n> Your order shipped\n\n-- \nCustomer ${i}\n`,
  messageId: `<bench-${i}-${Date.now()}@bench.example>`,
});
const sendAll = async (port: number, to: string) => {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: 1,
    maxMessages: Infinity,
  });
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) await transport.sendMail(message(i, to));
  const ms = performance.now() - t0;
  transport.close();
  return ms;
};

// Baseline: an SMTP server that reads each message and answers 250.
const bare = new SMTPServer({
  authOptional: true,
  disabledCommands: ["AUTH", "STARTTLS"],
  logger: false,
  onData(stream, _s, done) {
    stream.on("data", () => {});
    stream.on("end", () => done());
  },
});
await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
const baselineMs = await sendAll((bare.server.address() as AddressInfo).port, "support@bench.example");
bare.close();

const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const app = await buildApp({ database, logLevel: "silent", mailIn: { port: 0 }, mailFrom: "Bench <bench@bench.example>" });
await app.ready();
const signup = await app.inject({
  method: "POST",
  url: "/api/v1/auth/signup",
  payload: { workspaceName: "Mail bench", name: "Bench Admin", email: `admin-${Date.now()}@bench.example`, password: "correct horse battery" },
});
const cookie = `rapport_session=${signup.cookies.find((c) => c.name === "rapport_session")?.value}`;
const address = `support-${Date.now()}@bench.example`;
await app.inject({ method: "POST", url: "/api/v1/mailboxes", headers: { cookie }, payload: { address, name: "Support" } });
const list = (await app.inject({ method: "GET", url: "/api/v1/mailboxes", headers: { cookie } })).json() as { smtpReceiver: { port: number } };
const ticketsMs = await sendAll(list.smtpReceiver.port, address);
const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from inbound_messages where status = 'ticket_created'`);
if ((row?.n ?? 0) < COUNT) throw new Error(`only ${row?.n} of ${COUNT} messages became tickets`);

const rate = (ms: number) => (COUNT / (ms / 1000)).toFixed(1);
console.log(`mail-in (${database.kind}, ${COUNT} messages over one SMTP connection)`);
console.log(`  baseline, SMTP only:            ${rate(baselineMs)} messages/s`);
console.log(`  receiver into tickets (+ ack):  ${rate(ticketsMs)} messages/s  (${(ticketsMs / COUNT).toFixed(1)} ms each)`);
await app.close();
await database.close();
