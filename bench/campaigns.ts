/**
 * A campaign to N recipients through the real send engine (runCampaign: claim, render with merge fields, outbox row,
 * pooled SMTP delivery, settle) to a real SMTP server on loopback, against a baseline measured in the same run: bare
 * nodemailer with the same pool size sending the same rendered message to the same server. Prints messages per
 * second of both, their ratio, the peak RSS of this process and that every recipient got exactly one message (counted
 * at the receiver by Message-ID).
 *
 *   npx tsx bench/campaigns.ts                                        # PGlite in memory, 2,000 recipients
 *   BENCH_DATABASE_URL=postgres://…/rapport_camp_bench RECIPIENTS=100000 npx tsx bench/campaigns.ts
 */
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import nodemailer from "nodemailer";
import { SMTPServer } from "smtp-server";
import type { Ctx } from "../src/core/context.js";
import { openDatabase } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { signup } from "../src/modules/auth/service.js";
import { CAMPAIGN_POOL, runCampaign } from "../src/modules/campaigns/engine.js";
import { createCampaign, startCampaign } from "../src/modules/campaigns/service.js";
import { renderTemplate } from "../src/modules/email-templates/render.js";
import { createTemplate } from "../src/modules/email-templates/service.js";
import type { MailQueue } from "../src/modules/mail/service.js";
import { createMailTransport } from "../src/modules/mail/transport.js";
import { createSegment } from "../src/modules/segments/service.js";

const RECIPIENTS = Number(process.env.RECIPIENTS ?? 2000);
const BASELINE = Number(process.env.BASELINE ?? Math.min(RECIPIENTS, 5000));
const FROM = "Bench <news@rapport.test>";

const received = new Map<string, number>();
let total = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  logger: false,
  size: 10_000_000,
  onData(stream, _session, done) {
    let head = "";
    stream.on("data", (c: Buffer) => {
      if (head.length < 8192) head += c.toString("latin1");
    });
    stream.on("end", () => {
      total++;
      const id = /^message-id:\s*(<[^>]+>)/im.exec(head)?.[1] ?? `none-${total}`;
      received.set(id, (received.get(id) ?? 0) + 1);
      done();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;

const url = process.env.BENCH_DATABASE_URL;
const database = await openDatabase(url ? { url } : {});
await runMigrations(database);
const db = database.db;
const p = await signup(db, {
  workspaceName: `Campaign bench ${Date.now()}`,
  name: "Bench",
  email: `camp-bench-${Date.now()}@example.com`,
  password: "bench password",
});
const ctx: Ctx = { db, workspaceId: p.workspace.id, actor: { kind: "user", userId: p.user.id, role: "admin" } };
const ws = p.workspace.id;
await db.execute(sql`insert into contacts (workspace_id, id, first_name, last_name, primary_email, lifecycle_stage)
  select ${ws}::uuid, gen_random_uuid(), 'First ' || g, 'Last ' || g, 'reader' || g || '@d' || (g % 50) || '.example', 'customer'
  from generate_series(1, ${RECIPIENTS}::int) g`);
await db.execute(sql`analyze contacts`);
const segment = await createSegment(ctx, {
  name: "Customers",
  kind: "dynamic",
  condition: { all: [{ field: "lifecycleStage", op: "eq", value: "customer" }] },
} as never);
const source = {
  name: "Bench",
  subject: "News for {{ contact.firstName }}",
  preheader: null,
  body: '<p>Dear {{ contact.firstName | default: "reader" }},</p><p>Our autumn range is in. <a href="https://shop.example.com/autumn">See it</a> or <a href="https://shop.example.com/sale">the sale</a>.</p><p>Kind regards,<br>The team</p>',
};
const template = await createTemplate(ctx, { ...source, mode: "html" } as never);

// Baseline: the same rendered message, bare nodemailer, same pool size, same server.
const sample = await renderTemplate(source, { contact: { firstName: "Ada" } }, { unsubscribeUrl: "https://crm.example.com/m/u?t=x", footer: "Bench" });
const bare = nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: CAMPAIGN_POOL, maxMessages: Number.POSITIVE_INFINITY });
const b0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: CAMPAIGN_POOL }, async () => {
    while (next < BASELINE) {
      const i = next++;
      await bare.sendMail({
        from: FROM,
        to: `base${i}@d.example`,
        subject: sample.subject,
        html: sample.html,
        text: sample.text,
        messageId: `<base-${i}@rapport.test>`,
      });
    }
  }),
);
const baseRate = BASELINE / ((performance.now() - b0) / 1000);
bare.close();

// The campaign, run by the engine until done (the job system would run the same function batch after batch).
const mail: MailQueue = { from: FROM, enqueue: async () => undefined };
const queue = { defaultFrom: FROM, schedule: async () => undefined, now: () => new Date() };
const campaign = await createCampaign(ctx, queue, { name: "Bench", templateId: template.id, audience: { include: [segment.id], exclude: [] }, tracking: true });
const s0 = performance.now();
await startCampaign(ctx, queue, campaign.id);
const materialised = performance.now();
const transport = createMailTransport(smtpUrl, { pool: CAMPAIGN_POOL });
const before = total;
let peakRss = process.memoryUsage().rss;
for (;;) {
  const out = await runCampaign(
    db,
    { mail, transport, baseUrl: () => "https://crm.example.com", now: () => new Date(), schedule: async () => undefined, batchSize: 500 },
    { workspaceId: ws, campaignId: campaign.id },
  );
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  if (out.status !== "sending") break;
}
const seconds = (performance.now() - s0) / 1000;
transport?.close();
const sent = total - before;
const rate = sent / seconds;
const campaignIds = [...received.entries()].filter(([id]) => !id.startsWith("<base-"));
const dupes = campaignIds.filter(([, n]) => n > 1).length;
const maxRss = Math.max(peakRss, process.resourceUsage().maxRSS * 1024);
console.log(
  JSON.stringify(
    {
      database: url ? "postgres" : "pglite",
      recipients: RECIPIENTS,
      received: sent,
      distinctMessageIds: campaignIds.length,
      duplicates: dupes,
      materialiseSeconds: Number(((materialised - s0) / 1000).toFixed(2)),
      seconds: Number(seconds.toFixed(1)),
      messagesPerSecond: Number(rate.toFixed(1)),
      baselineMessagesPerSecond: Number(baseRate.toFixed(1)),
      ratio: Number((rate / baseRate).toFixed(3)),
      peakRssMB: Math.round(maxRss / 1048576),
    },
    null,
    2,
  ),
);
await database.close();
await new Promise<void>((r) => smtp.close(() => r()));
process.exit(0);
