import { generateKeyPairSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { sql } from "drizzle-orm";
import { dkimVerify } from "mailauth";
import nodemailer from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event } from "../../contract/events.js";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { startSmtpCatcher } from "../../test/smtp-catcher.js";
import { mailFeedbackConsumer } from "../consent/consumer.js";
import { type MailQueue, sendQueuedMail } from "../mail/service.js";
import { recipientStats } from "../mail/tracking.js";
import { createMailTransport } from "../mail/transport.js";
import { receiveBounce } from "./bounces.js";
import { sendMarketingEmail } from "./public.js";

const FROM = "Rapport <crm@rapport.example>";
const noJob: MailQueue = { from: FROM, enqueue: async () => undefined };
const datasets = resolve(process.cwd(), "../shared/datasets/email");

describe.each(databaseKinds)("email templates, marketing send, tracking and bounces on %s", (kind) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let admin: Client & { email: string };
  let workspaceId: string;
  let contactId: string;
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privatePem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicDer = publicKey.export({ type: "spki", format: "der" }).toString("base64");

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp(kind, {
      privateDatabase: true,
      smtpUrl: smtp.url,
      mailFrom: FROM,
      publicUrl: "https://crm.example.com",
      secretKey: "k".repeat(32),
      mailIn: { port: 0 },
    });
    admin = await newWorkspace(t.app);
    workspaceId = admin.session.me?.workspace.id as string;
    const company = (await admin.post("/api/v1/companies", { name: "Nordwind GmbH" })).json();
    const contact = await admin.post("/api/v1/contacts", {
      firstName: "Zofia",
      lastName: "Kowalczyk",
      companyId: company.id,
      emails: [{ email: "zofia@nordwind.example" }],
    });
    expect(contact.statusCode, contact.body).toBe(201);
    contactId = contact.json().id;
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const deliver = async (mailId: string) => {
    const transport = createMailTransport(smtp.url);
    if (!transport) throw new Error("no transport");
    try {
      return await sendQueuedMail(t.database.db, transport, { workspaceId, mailId }, { retryCount: 0, retryLimit: 3 }, { secretKey: "k".repeat(32) });
    } finally {
      transport.close();
    }
  };
  /** The consent module's consumer handed this workspace's events of a type, as the event stream delivers them. */
  const feedToConsent = async (type: string) => {
    const rows = await queryRows<{ id: string; record_id: string; payload: { record: unknown }; created_at: Date | string }>(
      t.database.db,
      sql`select id, record_id, payload, created_at from outbox_events where workspace_id = ${workspaceId} and type = ${type} order by created_at`,
    );
    const events = rows.map(
      (r) =>
        ({
          id: r.id,
          type,
          workspaceId,
          recordId: r.record_id,
          occurredAt: new Date(r.created_at).toISOString(),
          data: { record: r.payload.record, changes: [] },
        }) as unknown as Event,
    );
    await t.database.db.transaction(async (tx) => mailFeedbackConsumer.handle(tx, events));
  };
  const eventsOf = (type: string) =>
    queryRows<{ payload: { record: Record<string, unknown> } }>(
      t.database.db,
      sql`select payload from outbox_events where workspace_id = ${workspaceId} and type = ${type} order by created_at`,
    );

  it("refuses a template with a liquid syntax error, naming its line and column, and previews merge fields as a contact", async () => {
    const bad = await admin.post("/api/v1/email-templates", { name: "Broken", subject: "Hi", body: "<p>Hello</p>\n<p>{% if contact.firstName %}open</p>" });
    const problem = expectProblem(bad, 400, "validation_failed");
    expect(JSON.stringify(problem)).toMatch(/line 2, column 4/);
    const preview = (
      await admin.post("/api/v1/email-templates/preview", {
        subject: "Hello {{ contact.firstName }}",
        body: "<p>Hi {{ contact.firstName }} from {{ company.name }}, your deal: {{ deal.name | default: 'none yet' }}</p>{% if contact.jobTitle %}<p>t</p>{% endif %}",
        contactId,
      })
    ).json();
    expect(preview.ok).toBe(true);
    expect(preview.subject).toBe("Hello Zofia");
    expect(preview.html).toContain("Hi Zofia from Nordwind GmbH, your deal: none yet");
    expect(preview.html).toContain("max-width:600px");
    expect(preview.text).toContain("Hi Zofia from Nordwind GmbH");
    expect(preview.missing).toEqual(expect.arrayContaining(["deal.name", "contact.jobTitle"]));
    const broken = (await admin.post("/api/v1/email-templates/preview", { subject: "x", body: "a\nb {{ contact.firstName | nosuchfilter }}" })).json();
    expect(broken.ok).toBe(false);
    expect(broken.problems[0]).toMatchObject({ part: "body", line: 2 });
    const scripted = (await admin.post("/api/v1/email-templates/preview", { subject: "x", body: '<p onclick="x()">a<script>alert(1)</script></p>' })).json();
    expect(scripted.html).not.toMatch(/<script|onclick|alert/);
  });

  it("refuses invalid senders, keeps the DKIM key secret, and only admins change sending settings", async () => {
    expectProblem(await admin.patch("/api/v1/settings/email-sending", { senders: [{ address: "not an address" }] }), 400, "validation_failed");
    expectProblem(
      await admin.post("/api/v1/settings/email-sending/dkim", { domain: "rapport.example", selector: "s1", privateKey: "x".repeat(200) }),
      400,
      "validation_failed",
    );
    const saved = await admin.patch("/api/v1/settings/email-sending", {
      senders: [{ address: "News@Rapport.example", name: "Rapport news" }],
      bounceAddress: "bounces@rapport.example",
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const dkim = await admin.post("/api/v1/settings/email-sending/dkim", { domain: "rapport.example", selector: "s1", privateKey: privatePem });
    expect(dkim.statusCode, dkim.body).toBe(200);
    expect(dkim.body).not.toContain("PRIVATE");
    expect(dkim.json().dkim[0]).toMatchObject({
      domain: "rapport.example",
      dnsName: "s1._domainkey.rapport.example",
      dnsValue: `v=DKIM1; k=rsa; p=${publicDer}`,
    });
    const stored = await queryRows<{ private_key: string }>(t.database.db, sql`select private_key from mail_dkim_keys where workspace_id = ${workspaceId}`);
    expect(stored[0]?.private_key).toMatch(/^enc:v1:/);
    const sales = await userWithRole(t.app, admin, "sales");
    expectProblem(await sales.get("/api/v1/settings/email-sending"), 403, "forbidden");
    expectProblem(await sales.post("/api/v1/email-templates", { name: "n", subject: "s" }), 403, "forbidden");
    const other = await newWorkspace(t.app);
    expect((await other.get("/api/v1/settings/email-sending")).json().dkim).toEqual([]);
  });

  it("sends a marketing email with one-click unsubscribe headers, a DKIM signature that verifies, VERP bounces and tracked links", async () => {
    const template = (
      await admin.post("/api/v1/email-templates", {
        name: "Spring news",
        subject: "Spring news for {{ contact.firstName }}",
        body: '<p>Dear {{ contact.firstName }},</p><p><a href="https://shop.example.com/spring?a=1&b=2">See the offer</a></p>',
      })
    ).json();
    await expect(
      sendMarketingEmail({ db: t.database.db, workspaceId, actor: { kind: "system", userId: null, role: "admin" } }, noJob, {
        template: { id: template.id },
        contactId,
        from: "Someone <someone@elsewhere.example>",
        baseUrl: "https://crm.example.com",
      }),
    ).rejects.toThrow(/not one of the sender addresses/);
    const sent = await sendMarketingEmail({ db: t.database.db, workspaceId, actor: { kind: "system", userId: null, role: "admin" } }, noJob, {
      template: { id: template.id },
      contactId,
      from: "Rapport news <news@rapport.example>",
      baseUrl: "https://crm.example.com",
    });
    expect(await deliver(sent.mailId)).toEqual({ status: "sent" });
    const got = smtp.inbox.find((m) => m.mail.messageId === sent.messageId);
    if (!got) throw new Error("not received");
    expect(got.mail.subject).toBe("Spring news for Zofia");
    expect(got.mail.messageId).toMatch(/^<[0-9a-f-]{36}@rapport\.example>$/);
    const header = (name: string) =>
      got.mail.headerLines
        .find((h) => h.key === name)
        ?.line.replace(/^[^:]+:\s*/, "")
        .replace(/\r?\n\s+/g, " ");
    const listUnsubscribe = String(header("list-unsubscribe"));
    expect(listUnsubscribe).toMatch(/^<mailto:bounces@rapport\.example\?subject=unsubscribe%20[0-9a-f-]{36}>, <https:\/\/crm\.example\.com\/m\/u\?t=[^>]+>$/);
    expect(header("list-unsubscribe-post")).toBe("List-Unsubscribe=One-Click");
    expect(got.mailFrom).toBe(`bounces+${sent.mailId.replaceAll("-", "")}@rapport.example`);
    expect(got.mail.html).toContain("Dear Zofia");
    expect(got.mail.html).toContain("Unsubscribe</a>");
    expect(got.mail.text).toContain("Unsubscribe: https://crm.example.com/m/u?t=");
    expect(got.mail.html).not.toContain("https://shop.example.com/spring");

    // DKIM: verified by mailauth against the public key as DNS would publish it; both unsubscribe headers signed.
    const resolver = async (name: string, type: string) => {
      if (type === "TXT" && name === "s1._domainkey.rapport.example") return [[`v=DKIM1; k=rsa; p=${publicDer}`]];
      throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    };
    const verdict = await dkimVerify(got.raw, { resolver });
    const result = verdict.results[0];
    expect(result?.status.result).toBe("pass");
    expect(result?.signingDomain).toBe("rapport.example");
    expect(String(result?.signingHeaders?.keys).toLowerCase()).toContain("list-unsubscribe-post");

    // Tracking: a person's click redirects to exactly the signed destination; a HEAD is a machine; forgeries leak nothing.
    const click = /href="https:\/\/crm\.example\.com(\/m\/c\?t=[^"]+)"/.exec(got.mail.html || "")?.[1] as string;
    const pixel = /src="https:\/\/crm\.example\.com(\/m\/o\?t=[^"]+)"/.exec(got.mail.html || "")?.[1] as string;
    const ua = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";
    // Within seconds of sending, even a browser's click is a link scanner's (the message was sent just now).
    await t.database.db.execute(sql`update mail_messages set sent_at = now() where id = ${sent.mailId}`);
    expect((await t.app.inject({ method: "GET", url: click, headers: { "user-agent": ua } })).statusCode).toBe(302);
    await t.database.db.execute(sql`update mail_messages set sent_at = now() - interval '1 hour' where id = ${sent.mailId}`);
    const res = await t.app.inject({ method: "GET", url: click, headers: { "user-agent": ua } });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe("https://shop.example.com/spring?a=1&b=2");
    expect((await t.app.inject({ method: "HEAD", url: click, headers: { "user-agent": ua } })).statusCode).toBe(302);
    const [body, sig] = click.slice("/m/c?t=".length).split(".") as [string, string];
    const claims = JSON.parse(Buffer.from(body, "base64url").toString());
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, u: "https://evil.example.com/" })).toString("base64url");
    for (const url of [`/m/c?t=${forgedBody}.${sig}`, `/m/c?t=${body}.${sig.slice(0, -2)}xx`, "/m/c?t=nonsense", "/m/c", `/m/u?t=${forgedBody}.${sig}`]) {
      const forged = await t.app.inject({ method: "GET", url });
      expect(forged.statusCode, url).toBe(410);
      expect(forged.headers.location).toBeUndefined();
      expect(forged.body).toContain("This link is not valid");
      expect(forged.body).not.toContain("zofia");
    }
    expect((await t.app.inject({ method: "GET", url: pixel, headers: { "user-agent": ua } })).headers["content-type"]).toBe("image/gif");
    // Apple Mail Privacy Protection fetches from Apple's network: a machine open.
    await t.app.inject({ method: "GET", url: pixel, headers: { "user-agent": "Mozilla/5.0" }, remoteAddress: "17.58.1.2" });
    expect((await t.app.inject({ method: "GET", url: "/m/o?t=forged" })).headers["content-type"]).toBe("image/gif");
    const stats = await recipientStats({ db: t.database.db, workspaceId }, sent.mailId);
    expect(stats).toMatchObject({ contactId, opens: 1, machineOpens: 1, clicks: 1, machineClicks: 2 });
    expect(stats.firstClickAt).not.toBeNull();

    // One-click unsubscribe exactly as a mail provider sends it (RFC 8058): a POST with the form body, no cookies.
    const unsubscribeUrl = /<https:\/\/crm\.example\.com(\/m\/u\?t=[^>]+)>/.exec(listUnsubscribe)?.[1] as string;
    expect((await t.app.inject({ method: "GET", url: unsubscribeUrl })).body).toContain('method="post"');
    expect(await eventsOf("marketing.unsubscribed")).toHaveLength(0);
    const post = await t.app.inject({
      method: "POST",
      url: unsubscribeUrl,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "List-Unsubscribe=One-Click",
    });
    expect(post.statusCode, post.body).toBe(200);
    const [event] = await eventsOf("marketing.unsubscribed");
    expect(event?.payload.record).toEqual({ contactId, address: "zofia@nordwind.example", source: "one_click" });
    // The consent module takes it as the stream delivers it: consent withdrawn, the address suppressed.
    await feedToConsent("marketing.unsubscribed");
    const consent = (await admin.get(`/api/v1/contacts/${contactId}/consent`)).json();
    expect(consent.suppressed).toMatchObject({ address: "zofia@nordwind.example", reason: "unsubscribed" });
    expect(consent.current).toContainEqual(expect.objectContaining({ channel: "email", topicId: null, status: "denied", source: "unsubscribe_link" }));
    const timeline = (await admin.get(`/api/v1/contacts/${contactId}/timeline`)).json();
    expect(JSON.stringify(timeline)).toContain("Unsubscribed from marketing email");
    expect(JSON.stringify(timeline)).toContain("Marketing email: Spring news for Zofia");
  });

  it("takes in real-world bounces and feedback reports as mail.bounced and mail.complained, and drops malformed ones", async (ctx) => {
    if (!existsSync(datasets)) return ctx.skip();
    const sent = await sendMarketingEmail({ db: t.database.db, workspaceId, actor: { kind: "system", userId: null, role: "admin" } }, noJob, {
      template: { subject: "Hello", preheader: null, body: "<p>Hi</p>" },
      contactId,
      baseUrl: "https://crm.example.com",
      tracking: false,
    });
    const verp = `bounces+${sent.mailId.replaceAll("-", "")}@rapport.example`;
    // Amazon SES DSN, to the VERP address: matched by the tag.
    const ses = await receiveBounce(t.database.db, readFileSync(resolve(datasets, "mailparser/delivery-status.eml")), [verp]);
    expect(ses).toMatchObject({ type: "bounce", workspaceId, mailId: sent.mailId, events: 1 });
    // Postfix DSNs with several recipients, to the plain bounce address: the workspace by its bounce address.
    const multi = await receiveBounce(t.database.db, readFileSync(resolve(datasets, "ruby-mail/multipart_report_emails/multi_address_bounce1.eml")), [
      "bounces@rapport.example",
    ]);
    expect(multi.type).toBe("bounce");
    expect(multi.events).toBeGreaterThanOrEqual(1);
    const bounced = (await eventsOf("mail.bounced")).map((e) => e.payload.record);
    expect(bounced[0]).toMatchObject({ kind: "hard", messageId: sent.messageId });
    expect(Object.keys(bounced[0] as object).sort()).toEqual(["address", "kind", "messageId", "reason"]);
    expect(String(bounced[0]?.reason)).not.toBe("");
    // ARF complaint, received over SMTP by the inbound receiver.
    const port = (await admin.get("/api/v1/settings/email-sending")).json().receiverPort as number;
    expect(port).toBeGreaterThan(0);
    const relay = nodemailer.createTransport({ host: "127.0.0.1", port, secure: false, ignoreTLS: true });
    try {
      const info = await relay.sendMail({ envelope: { from: "", to: [verp] }, raw: readFileSync(resolve(datasets, "postal-mime/arf.eml")) });
      expect(info.response).toMatch(/^250/);
      // An address that is neither a mailbox nor a bounce address is refused at RCPT TO.
      await expect(relay.sendMail({ envelope: { from: "", to: ["nobody@rapport.example"] }, raw: "Subject: x\r\n\r\nx" })).rejects.toThrow(/550/);
    } finally {
      relay.close();
    }
    const [complaint] = await eventsOf("mail.complained");
    expect(complaint?.payload.record).toEqual({ address: "user@example.com", messageId: sent.messageId });
    // The consent module reads both as published: the hard bounce and the complaint suppress their addresses.
    await feedToConsent("mail.bounced");
    await feedToConsent("mail.complained");
    const suppressed = (await admin.get("/api/v1/suppressions?limit=100")).json().data as { address: string; reason: string }[];
    expect(suppressed).toContainEqual(expect.objectContaining({ address: "user@example.com", reason: "complained" }));
    expect(suppressed).toContainEqual(expect.objectContaining({ address: String(bounced[0]?.address).toLowerCase(), reason: "hard_bounced" }));
    // Malformed: logged, never thrown.
    const warnings: string[] = [];
    const log = { warn: (m: string) => warnings.push(m) };
    for (const raw of ["garbage without headers", "Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nbroken"])
      expect((await receiveBounce(t.database.db, Buffer.from(raw), [verp], log)).events).toBe(0);
    expect(warnings.length).toBeGreaterThan(0);
    expect((await receiveBounce(t.database.db, Buffer.from("Subject: hi\r\n\r\nhello"), ["bounces@nowhere.example"], log)).workspaceId).toBeNull();
  });

  it("test-sends a template to yourself through the outbox", async () => {
    const template = (
      await admin.post("/api/v1/email-templates", { name: "Welcome", subject: "Welcome {{ contact.firstName }}", body: "<p>Hi {{ contact.firstName }}</p>" })
    ).json();
    const res = await admin.post(`/api/v1/email-templates/${template.id}/test`, { contactId });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().to).toBe(admin.email);
    await deliver(res.json().mailId);
    const got = smtp.inbox.find((m) => m.mail.subject === "[Test] Welcome Zofia");
    expect(got?.mail.html).toContain("Hi Zofia");
    expect((await admin.get("/api/v1/email-templates")).json().data.map((x: { name: string }) => x.name)).toContain("Welcome");
  });
});
