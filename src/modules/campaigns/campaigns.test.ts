import { sql } from "drizzle-orm";
import type { ParsedMail } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../../test/harness.js";
import { startSmtpCatcher } from "../../test/smtp-catcher.js";
import type { MailQueue } from "../mail/service.js";
import { createMailTransport, type MailTransport } from "../mail/transport.js";
import { type CampaignJob, runCampaign } from "./engine.js";

const FROM = "Rapport <crm@rapport.example>";

describe.each(databaseKinds)("campaigns on %s", (kind) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let admin: Client;
  let workspaceId: string;
  let transport: MailTransport;
  let templateId: string;
  // The engine's clock: moved by hand, never slept on.
  let clock = Date.parse("2026-03-02T09:00:00Z");
  const scheduled: { job: CampaignJob; at: Date | undefined }[] = [];
  const mail: MailQueue = { from: FROM, enqueue: async () => undefined };
  const run = (campaignId: string) =>
    runCampaign(
      t.database.db,
      {
        mail,
        transport,
        baseUrl: () => "https://crm.example.com",
        now: () => new Date(clock),
        schedule: async (job, at) => void scheduled.push({ job, at }),
        secretKey: "k".repeat(32),
        batchSize: 50,
      },
      { workspaceId, campaignId },
    );
  const runUntilIdle = async (campaignId: string, max = 20) => {
    let out = await run(campaignId);
    for (let i = 0; i < max && out.status === "sending" && !out.next; i++) out = await run(campaignId);
    return out;
  };

  /** Contacts on a new static list; returns the list id and the contacts' ids by email. */
  const listOf = async (emails: (string | null)[], extra: Record<string, unknown> = {}) => {
    const list = await admin.post("/api/v1/segments", { name: unique("List"), kind: "static" });
    expect(list.statusCode, list.body).toBe(201);
    const ids: Record<string, string> = {};
    for (const [i, email] of emails.entries()) {
      const c = await admin.post("/api/v1/contacts", { firstName: `Person${i}`, lastName: "Test", ...(email ? { emails: [{ email }] } : {}), ...extra });
      expect(c.statusCode, c.body).toBe(201);
      ids[email ?? `none${i}`] = c.json().id;
    }
    if (emails.length) {
      const added = await admin.post(`/api/v1/segments/${list.json().id}/members`, { contactIds: Object.values(ids) });
      expect(added.statusCode, added.body).toBe(200);
    }
    return { listId: list.json().id as string, ids };
  };
  const inboxFor = (campaignId: string) => smtp.inbox.filter((m) => m.mail.headers.get("x-rapport-campaign") === campaignId);

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp(kind, {
      privateDatabase: true,
      smtpUrl: smtp.url,
      mailFrom: FROM,
      publicUrl: "https://crm.example.com",
      secretKey: "k".repeat(32),
    });
    admin = await newWorkspace(t.app);
    workspaceId = admin.session.me?.workspace.id as string;
    transport = createMailTransport(smtp.url, { pool: 4 }) as MailTransport;
    const template = await admin.post("/api/v1/email-templates", {
      name: "Spring news",
      subject: "Hello {{ contact.firstName }}",
      body: '<p>Dear {{ contact.firstName | default: "friend" }}, see <a href="https://shop.example.com/spring">our spring range</a>.</p>',
    });
    expect(template.statusCode, template.body).toBe(201);
    templateId = template.json().id;
  });
  afterAll(async () => {
    transport?.close();
    await t.close();
    await smtp.close();
  });

  it("mails each sendable contact exactly once, with headers and merge fields; suppressed, unconsented, do-not-contact and excluded contacts never", async () => {
    const d = unique("d").toLowerCase();
    const { listId, ids } = await listOf([
      `ann@${d}.example`,
      `bob@${d}.example`,
      `sup@${d}.example`,
      `den@${d}.example`,
      `dnc@${d}.example`,
      `exc@${d}.example`,
      null,
    ]);
    expect((await admin.post("/api/v1/suppressions", { address: `sup@${d}.example`, reason: "manual" })).statusCode).toBe(201);
    const denied = await admin.post(`/api/v1/contacts/${ids[`den@${d}.example`]}/consent`, { channel: "email", status: "denied" });
    expect(denied.statusCode, denied.body).toBeLessThan(300);
    expect((await admin.patch(`/api/v1/contacts/${ids[`dnc@${d}.example`]}`, { doNotContact: true })).statusCode).toBe(200);
    const { listId: excludeId } = await listOf([]);
    expect((await admin.post(`/api/v1/segments/${excludeId}/members`, { contactIds: [ids[`exc@${d}.example`]] })).statusCode).toBe(200);

    const audience = { include: [listId], exclude: [excludeId] };
    const count = await admin.post("/api/v1/campaigns/audience-count", { audience });
    expect(count.json()).toEqual({ matching: 6, sendable: 2 });

    const created = await admin.post("/api/v1/campaigns", { name: "Spring", templateId, audience });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const started = await admin.post(`/api/v1/campaigns/${id}/start`);
    expect(started.statusCode, started.body).toBe(200);
    expect(started.json()).toMatchObject({ status: "sending", counts: { recipients: 2, pending: 2 } });

    expect((await runUntilIdle(id)).status).toBe("sent");
    const got = inboxFor(id);
    expect(got.map((m) => m.to).sort()).toEqual([`ann@${d}.example`, `bob@${d}.example`]);
    const ann = got.find((m) => m.to === `ann@${d}.example`)?.mail as ParsedMail;
    expect(ann.subject).toBe("Hello Person0");
    expect(ann.html).toContain("Dear Person0");
    expect(ann.headerLines.find((h) => h.key === "list-unsubscribe")?.line).toMatch(/https:\/\/crm\.example\.com\/m\/u\?t=/);
    expect(ann.headerLines.find((h) => h.key === "list-unsubscribe-post")?.line).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
    // The Message-ID is the recipient row's id: fixed per campaign and contact before anything is sent.
    const [rec] = await queryRows<{ id: string }>(
      t.database.db,
      sql`select id from campaign_recipients where campaign_id = ${id} and contact_id = ${ids[`ann@${d}.example`]}`,
    );
    expect(ann.messageId).toBe(`<${rec?.id}@rapport.example>`);
    // The tracked link is a signed redirect, never the raw URL.
    expect(ann.html).not.toContain('href="https://shop.example.com/spring"');
    expect(ann.html).toMatch(/https:\/\/crm\.example\.com\/m\/c\?t=/);

    // Running again sends nothing more.
    await run(id);
    expect(inboxFor(id)).toHaveLength(2);
    const report = await admin.get(`/api/v1/campaigns/${id}/report`);
    expect(report.statusCode, report.body).toBe(200);
    expect(report.json()).toMatchObject({ sent: 2, delivered: 2, bounced: 0 });
    // The contact's page lists the campaign.
    const theirs = await admin.get(`/api/v1/contacts/${ids[`ann@${d}.example`]}/campaigns`);
    expect(theirs.json().data).toEqual([expect.objectContaining({ campaignId: id, name: "Spring", status: "sent" })]);
  });

  it("honours the per-minute and per-domain throttles by the clock", async () => {
    const d = unique("t").toLowerCase();
    const emails = [...Array.from({ length: 5 }, (_, i) => `p${i}@big-${d}.example`), ...Array.from({ length: 3 }, (_, i) => `q${i}@small-${d}.example`)];
    const { listId } = await listOf(emails);
    const id = (
      await admin.post("/api/v1/campaigns", { name: "Paced", templateId, audience: { include: [listId] }, perMinute: 4, perDomainPerMinute: 2 })
    ).json().id;
    expect((await admin.post(`/api/v1/campaigns/${id}/start`)).statusCode).toBe(200);
    const start = clock;
    await run(id);
    // Four at most, two per domain.
    expect(inboxFor(id)).toHaveLength(4);
    const byDomain = (list: { to: string }[]) => {
      const out: Record<string, number> = {};
      for (const m of list) out[m.to.split("@")[1] as string] = (out[m.to.split("@")[1] as string] ?? 0) + 1;
      return out;
    };
    expect(Object.values(byDomain(inboxFor(id)))).toEqual([2, 2]);
    // 30 s later the minute's budget is spent: nothing goes, and the next run is asked for when it frees up.
    clock = start + 30_000;
    const throttled = await run(id);
    expect(throttled.status).toBe("throttled");
    expect(inboxFor(id)).toHaveLength(4);
    expect(Date.parse(throttled.next as string)).toBe(start + 60_000);
    clock = start + 61_000;
    await run(id);
    expect(inboxFor(id)).toHaveLength(7);
    clock = start + 122_000;
    expect((await runUntilIdle(id)).status).toBe("sent");
    expect(inboxFor(id)).toHaveLength(8);
    expect(new Set(inboxFor(id).map((m) => m.to)).size).toBe(8);
  });

  it("pauses, resumes and cancels; sales reads but cannot run campaigns", async () => {
    const d = unique("p").toLowerCase();
    const { listId } = await listOf(Array.from({ length: 6 }, (_, i) => `r${i}@${d}.example`));
    const id = (await admin.post("/api/v1/campaigns", { name: "Stoppable", templateId, audience: { include: [listId] }, perMinute: 2 })).json().id;
    const sales = await userWithRole(t.app, admin, "sales");
    expectProblem(await sales.post(`/api/v1/campaigns/${id}/start`), 403);
    expect((await sales.get(`/api/v1/campaigns/${id}`)).statusCode).toBe(200);
    expect((await admin.post(`/api/v1/campaigns/${id}/start`)).statusCode).toBe(200);
    await run(id);
    expect(inboxFor(id)).toHaveLength(2);
    expect((await admin.post(`/api/v1/campaigns/${id}/pause`)).json().status).toBe("paused");
    clock += 61_000;
    expect((await run(id)).status).toBe("paused");
    expect(inboxFor(id)).toHaveLength(2);
    expect((await admin.post(`/api/v1/campaigns/${id}/resume`)).json().status).toBe("sending");
    await run(id);
    expect(inboxFor(id)).toHaveLength(4);
    const cancelled = await admin.post(`/api/v1/campaigns/${id}/cancel`);
    expect(cancelled.json()).toMatchObject({ status: "cancelled", counts: { sent: 4, skipped: 2, pending: 0 } });
    clock += 61_000;
    await run(id);
    expect(inboxFor(id)).toHaveLength(4);
    expectProblem(await admin.post(`/api/v1/campaigns/${id}/resume`), 409);
  });

  it("splits an A/B subject test exactly, waits by the clock, and sends the winner to the rest", async () => {
    const d = unique("ab").toLowerCase();
    const { listId } = await listOf(Array.from({ length: 21 }, (_, i) => `s${i}@${d}.example`));
    const id = (
      await admin.post("/api/v1/campaigns", {
        name: "AB",
        templateId,
        audience: { include: [listId] },
        abTest: { subjectB: "Spring is here, {{ contact.firstName }}", samplePercent: 20, winnerBy: "opens", waitMinutes: 60 },
      })
    ).json().id;
    expect((await admin.post(`/api/v1/campaigns/${id}/start`)).statusCode).toBe(200);
    // floor(21 × 20%) = 4 per variant, 13 for the winner.
    const split = await queryRows<{ variant: string | null; n: number }>(
      t.database.db,
      sql`select variant, count(*)::int as n from campaign_recipients where campaign_id = ${id} group by variant order by variant nulls last`,
    );
    expect(split).toEqual([
      { variant: "a", n: 4 },
      { variant: "b", n: 4 },
      { variant: null, n: 13 },
    ]);
    const first = await runUntilIdle(id);
    expect(first.status).toBe("waiting_for_ab");
    expect(inboxFor(id)).toHaveLength(8);
    expect(Date.parse(first.next as string)).toBe(clock + 60 * 60_000);
    // A person opens one B message (the pixel, with a browser's user agent).
    const b = inboxFor(id).find((m) => m.mail.subject?.startsWith("Spring is here")) as { mail: ParsedMail };
    const pixel = /src="https:\/\/crm\.example\.com(\/m\/o\?t=[^"]+)"/.exec(String(b.mail.html))?.[1] as string;
    const open = await t.app.inject({
      method: "GET",
      url: pixel.replaceAll("&amp;", "&"),
      headers: { "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36" },
    });
    expect(open.statusCode).toBe(200);
    clock += 30 * 60_000;
    expect((await run(id)).status).toBe("waiting_for_ab");
    expect(inboxFor(id)).toHaveLength(8);
    clock += 31 * 60_000;
    expect((await runUntilIdle(id)).status).toBe("sent");
    const all = inboxFor(id);
    expect(all).toHaveLength(21);
    expect(new Set(all.map((m) => m.to)).size).toBe(21);
    expect(all.filter((m) => m.mail.subject?.startsWith("Spring is here"))).toHaveLength(4 + 13);
    const report = (await admin.get(`/api/v1/campaigns/${id}/report`)).json();
    expect(report.campaign.abWinner).toBe("b");
    expect(report.opened).toBe(1);
    expect(report.variants).toEqual([
      expect.objectContaining({ variant: "a", sent: 4, opened: 0 }),
      expect.objectContaining({ variant: "b", sent: 4, opened: 1 }),
    ]);
  });

  it("after a crash between claim and delivery, delivers each in-flight recipient once with its Message-ID", async () => {
    const d = unique("c").toLowerCase();
    const { listId } = await listOf(Array.from({ length: 5 }, (_, i) => `k${i}@${d}.example`));
    const id = (await admin.post("/api/v1/campaigns", { name: "Crash", templateId, audience: { include: [listId] } })).json().id;
    expect((await admin.post(`/api/v1/campaigns/${id}/start`)).statusCode).toBe(200);
    // A worker that died after its claims committed: the recipients are queued, their outbox rows written (one of them
    // caught mid-send), and nothing reached the server.
    const dead: MailTransport = {
      send: async () => {
        throw Object.assign(new Error("connection lost"), { code: "ECONNRESET" });
      },
      close() {},
    };
    const before = transport;
    transport = dead;
    await run(id);
    transport = before;
    expect(inboxFor(id)).toHaveLength(0);
    await t.database.db.execute(
      sql`update mail_messages set status = 'sending' where id in (select id from campaign_recipients where campaign_id = ${id} limit 1)`,
    );
    const queued = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from campaign_recipients where campaign_id = ${id} and status = 'queued'`,
    );
    expect(queued[0]?.n).toBe(5);
    clock += 60_000;
    expect((await runUntilIdle(id)).status).toBe("sent");
    const got = inboxFor(id);
    expect(got).toHaveLength(5);
    const recs = await queryRows<{ id: string }>(t.database.db, sql`select id from campaign_recipients where campaign_id = ${id}`);
    expect(got.map((m) => m.mail.messageId).sort()).toEqual(recs.map((r) => `<${r.id}@rapport.example>`).sort());
  });

  it("refuses bad input with problems", async () => {
    expectProblem(await admin.post("/api/v1/campaigns", { name: "", templateId, audience: { include: [] } }), 400);
    const { listId } = await listOf([]);
    expectProblem(await admin.post("/api/v1/campaigns", { name: "X", templateId, audience: { include: [listId] }, from: "nobody@elsewhere.example" }), 400);
    expectProblem(await admin.post("/api/v1/campaigns", { name: "X", templateId, audience: { include: ["0190f0f0-0000-7000-8000-000000000000"] } }), 404);
  });
});
