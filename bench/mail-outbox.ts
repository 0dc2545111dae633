// How fast the outbox moves mail: N messages queued (each in its own transaction, with its job), then sent by the
// mail.send worker through a real SMTP server on loopback. Prints the queueing cost per message and the time until
// every one is sent.
//
//   npx tsx bench/mail-outbox.ts [count]                       (embedded database in memory)
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/mail-outbox.ts [count]
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { SMTPServer } from "smtp-server";
import { newId } from "../src/core/ids.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { startJobSystem } from "../src/jobs/system.js";
import { queueMail } from "../src/modules/mail/service.js";

const COUNT = Number(process.argv[2] ?? 200);
let received = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  onData(stream, _session, done) {
    stream.on("data", () => {});
    stream.on("end", () => {
      received++;
      done();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
const { port } = smtp.server.address() as AddressInfo;

const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const quiet = { info() {}, warn() {}, error: (m: string) => process.stderr.write(`${m}\n`) };
const jobs = await startJobSystem({
  database,
  worker: true,
  smtpUrl: `smtp://127.0.0.1:${port}`,
  mailFrom: "Bench <bench@rapport.test>",
  pollingIntervalSeconds: 0.5,
  log: quiet,
});
const workspaceId = newId();
const ctx = { db: database.db, workspaceId };

const t0 = performance.now();
for (let i = 0; i < COUNT; i++) {
  await queueMail(ctx, jobs.mail, { kind: "other", to: `reader${i}@rapport.test`, subject: `Bench ${i}`, text: "Hello from the outbox bench.\n" });
}
const queued = performance.now();
for (;;) {
  const [row] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from mail_messages where workspace_id = ${workspaceId}::uuid and status = 'sent'`,
  );
  if ((row?.n ?? 0) >= COUNT) break;
  await new Promise((r) => setTimeout(r, 100));
}
const sent = performance.now();
console.log(
  `${database.kind}: ${COUNT} messages queued in ${(queued - t0).toFixed(0)} ms (${((queued - t0) / COUNT).toFixed(2)} ms each); ` +
    `all sent ${((sent - queued) / 1000).toFixed(1)} s later (${(COUNT / ((sent - t0) / 1000)).toFixed(1)} messages/s end to end); SMTP received ${received}`,
);
await database.db.execute(sql`delete from mail_messages where workspace_id = ${workspaceId}::uuid`);
await jobs.stop();
await database.close();
await new Promise<void>((resolve) => smtp.close(() => resolve()));
