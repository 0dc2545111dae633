// The tracking endpoints against a bare handler, in the same run on the same database: the click redirect and the
// open pixel (signature check, one read, one insert) versus a plain Fastify route doing the same insert and redirect
// without any check. autocannon, 10 connections, `--seconds` each, bare measured before and after (its mean is the
// baseline).
//
//   npx tsx bench/mail-tracking.ts [--seconds 5]                       (embedded database in memory)
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/mail-tracking.ts
import type { AddressInfo } from "node:net";
import autocannon, { type Result } from "autocannon";
import { sql } from "drizzle-orm";
import Fastify from "fastify";
import { systemActor } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { sendMarketingEmail } from "../src/modules/email-templates/public.js";
import { mailTrackingEvents } from "../src/modules/mail/table.js";
import { buildApp } from "../src/server/app.js";
import { newWorkspace } from "../src/test/harness.js";

const seconds = Number(process.argv[process.argv.indexOf("--seconds") + 1] || 5) || 5;
const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const app = await buildApp({ database, logLevel: "silent" });
await app.listen({ port: 0, host: "127.0.0.1" });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

const admin = await newWorkspace(app);
const workspaceId = admin.session.me?.workspace.id as string;
const contact = (await admin.post("/api/v1/contacts", { firstName: "Bench", lastName: "Reader", emails: [{ email: "reader@bench.example" }] })).json();
const sent = await sendMarketingEmail(
  { db: database.db, workspaceId, actor: systemActor },
  { from: "Bench <bench@rapport.test>", enqueue: async () => undefined },
  {
    template: { subject: "Bench", preheader: null, body: '<p><a href="https://shop.example.com/offer">Offer</a></p>' },
    contactId: contact.id,
    baseUrl: base,
    timeline: false,
  },
);
await database.db.execute(sql`update mail_messages set sent_at = now() - interval '1 hour' where id = ${sent.mailId}`);
const [mail] = await queryRows<{ html: string }>(database.db, sql`select html from mail_messages where id = ${sent.mailId}`);
const clickHref = /href="([^"]*\/m\/c\?t=[^"]+)"/.exec(mail?.html ?? "")?.[1];
const openSrc = /src="([^"]*\/m\/o\?t=[^"]+)"/.exec(mail?.html ?? "")?.[1];
if (!clickHref || !openSrc) throw new Error("the message has no tracked link or pixel");
const click = new URL(clickHref.replaceAll("&amp;", "&"));
const open = new URL(openSrc);

// The baseline: the same insert and redirect, no signature, no lookup.
const bare = Fastify({ logger: false });
bare.get("/bare", async (_req, reply) => {
  await database.db.insert(mailTrackingEvents).values({
    workspaceId,
    id: newId(),
    mailId: sent.mailId,
    contactId: contact.id,
    kind: "click",
    url: "https://shop.example.com/offer",
    userAgent: "bench",
    at: new Date(),
  });
  return reply.redirect("https://shop.example.com/offer", 302);
});
await bare.listen({ port: 0, host: "127.0.0.1" });
const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}/bare`;

const ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
const run = (target: string) =>
  new Promise<Result>((resolve, reject) =>
    autocannon({ url: target, connections: 10, duration: seconds, headers: { "user-agent": ua } }, (err, r) => (err ? reject(err) : resolve(r))),
  );
const bare1 = await run(bareUrl);
const clicks = await run(click.toString());
const opens = await run(open.toString());
const bare2 = await run(bareUrl);
const baseline = (bare1.requests.mean + bare2.requests.mean) / 2;
const line = (name: string, r: Result) =>
  `| ${name} | ${r.requests.mean.toFixed(0)} | ${r.latency.p50} | ${r.latency.p99} | ${(r.requests.mean / baseline).toFixed(2)} | ${r.non2xx - r["3xx"]} |`;
console.log(`\n${url ? "PostgreSQL" : "PGlite"}, ${seconds} s each, 10 connections\n`);
console.log("| endpoint | req/s | p50 ms | p99 ms | × bare | errors |\n|---|---|---|---|---|---|");
console.log(line("bare (before)", bare1));
console.log(line("click /m/c", clicks));
console.log(line("open /m/o", opens));
console.log(line("bare (after)", bare2));
const [count] = await queryRows<{ n: number; machine: number }>(
  database.db,
  sql`select count(*)::int as n, count(*) filter (where machine)::int as machine from mail_tracking_events`,
);
console.log(`\nrows written: ${JSON.stringify(count)}`);
await bare.close();
await app.close();
await database.close();
