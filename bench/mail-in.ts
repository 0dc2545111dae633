// How fast mail comes in: N messages sent over one SMTP connection, then N more over C parallel connections, to the
// inbound receiver, each parsed, stored with
// its raw MIME, deduplicated, made a ticket (contact, number, routing, history, events) and acknowledged through the
// outbox. Baseline in the same run: the same client and messages to a bare smtp-server that only reads the bytes.
//
//   npx tsx bench/mail-in.ts [count] [connections]          (embedded database in memory)
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/mail-in.ts [count] [connections]
import type { AddressInfo } from "node:net";
import { loadavg } from "node:os";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { buildApp } from "../src/server/app.js";

const COUNT = Number(process.argv[2] ?? 200);
const CONNECTIONS = Number(process.argv[3] ?? 4);
const message = (i: number, to: string) => ({
  from: `Customer ${i} <customer${i}@bench.example>`,
  to,
  subject: `Order ${i} did not arrive`,
  text: `Hello,\n\nmy order ${i} did not arrive.\n\nOn Mon, shop wrote:\n> Your order shipped\n\n-- \nCustomer ${i}\n`,
  messageId: `<bench-${i}-${Date.now()}@bench.example>`,
});
// connections > 1: what an MTA does with a queue for one destination (Postfix opens up to 20 at once by default):
// messages handed to the pool all together, each connection taking the next.
const sendAll = async (port: number, to: string, connections: number, from = 0) => {
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port,
    secure: false,
    ignoreTLS: true,
    pool: true,
    maxConnections: connections,
    maxMessages: Infinity,
  });
  const t0 = performance.now();
  if (connections === 1) for (let i = 0; i < COUNT; i++) await transport.sendMail(message(from + i, to));
  else await Promise.all(Array.from({ length: COUNT }, (_, i) => transport.sendMail(message(from + i, to))));
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
const barePort = (bare.server.address() as AddressInfo).port;
const baselineMs = await sendAll(barePort, "support@bench.example", 1);
const baselineParallelMs = await sendAll(barePort, "support@bench.example", CONNECTIONS);
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
const mailboxPort = list.smtpReceiver.port;
const ticketsMs = await sendAll(mailboxPort, address, 1);
// A second batch from other senders (new contacts, as in the first) with other Message-IDs.
const ticketsParallelMs = await sendAll(mailboxPort, address, CONNECTIONS, COUNT);
// Every message a ticket of its own, with a number of its own: parallel connections must not lose or share any.
const [row] = await queryRows<{ n: number; tickets: number; numbers: number }>(
  database.db,
  sql`select count(*)::int as n, count(distinct t.id)::int as tickets, count(distinct t.number)::int as numbers
        from inbound_messages i join mailboxes m on m.workspace_id = i.workspace_id and m.id = i.mailbox_id
        join tickets t on t.workspace_id = i.workspace_id and t.id = i.ticket_id
       where m.address = ${address} and i.status = 'ticket_created'`,
);
if ((row?.n ?? 0) < 2 * COUNT || (row?.tickets ?? 0) < 2 * COUNT || (row?.numbers ?? 0) < 2 * COUNT)
  throw new Error(`only ${row?.n} of ${2 * COUNT} messages became distinct tickets (${row?.tickets} tickets, ${row?.numbers} numbers)`);

const rate = (ms: number) => (COUNT / (ms / 1000)).toFixed(1);
console.log(`mail-in (${database.kind}, ${COUNT} messages per batch; load ${loadavg()[0]?.toFixed(1)})`);
console.log(`  baseline, SMTP only, 1 connection:          ${rate(baselineMs)} messages/s`);
console.log(`  baseline, SMTP only, ${CONNECTIONS} connections:         ${rate(baselineParallelMs)} messages/s`);
console.log(`  receiver into tickets (+ ack), 1 connection:  ${rate(ticketsMs)} messages/s  (${(ticketsMs / COUNT).toFixed(1)} ms each)`);
console.log(`  receiver into tickets (+ ack), ${CONNECTIONS} connections: ${rate(ticketsParallelMs)} messages/s`);
await app.close();
await database.close();
