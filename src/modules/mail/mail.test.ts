import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { type ParsedMail, simpleParser } from "mailparser";
import { TestClock } from "pg-boss";
import { SMTPServer, type SMTPServerDataStream } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailDetail, MailSummary } from "../../contract/mail.js";
import { queryRows } from "../../db/client.js";
import { buildApp } from "../../server/app.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { type MailQueue, notConfiguredError, queueMail, sendQueuedMail } from "./service.js";
import { createMailTransport } from "./transport.js";

/**
 * A real SMTP server on loopback. Scripted answers per recipient address make the next attempts to that address fail
 * temporarily (451) or for good (550), keyed by address.
 */
async function startSmtp() {
  const inbox: ParsedMail[] = [];
  const answers = new Map<string, number[]>();
  const calls = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    onRcptTo(address, _session, done) {
      const to = address.address.toLowerCase();
      calls.set(to, (calls.get(to) ?? 0) + 1);
      const code = answers.get(to)?.shift();
      if (!code) return done();
      const err = Object.assign(new Error(code >= 500 ? "5.1.1 Mailbox unavailable" : "4.7.1 Try again later"), { responseCode: code });
      done(err);
    },
    onData(stream: SMTPServerDataStream, _session, done) {
      simpleParser(stream)
        .then((mail) => {
          inbox.push(mail);
          done();
        })
        .catch(done);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    inbox,
    /** The next attempts to this recipient are answered with these codes. */
    answerNext: (address: string, ...codes: number[]) => answers.set(address.toLowerCase(), [...(answers.get(address.toLowerCase()) ?? []), ...codes]),
    rcptCalls: (address: string) => calls.get(address.toLowerCase()) ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
type Smtp = Awaited<ReturnType<typeof startSmtp>>;

/** Polls a condition the worker makes true (real time, short polls). */
async function eventually(cond: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("condition not reached in time");
}

const FROM = "Rapport <crm@rapport.example>";
// Queues rows without a job, so a test can run the send job's handler itself at chosen attempts.
const noJob: MailQueue = { from: FROM, enqueue: async () => undefined };

describe.each(databaseKinds)("mail outbox with SMTP on %s", (kind) => {
  let t: TestApp;
  let smtp: Smtp;
  let admin: Client & { email: string };

  beforeAll(async () => {
    smtp = await startSmtp();
    // A database of its own on PostgreSQL: on the shared one, the workers of suites running alongside (which have no
    // SMTP server) would take this suite's mail.send jobs and mark the messages "not configured".
    t = await createTestApp(kind, {
      privateDatabase: true,
      jobs: { worker: true, pollingIntervalSeconds: 0.5 },
      smtpUrl: smtp.url,
      mailFrom: FROM,
      publicUrl: "https://crm.example.com",
    });
    admin = await newWorkspace(t.app);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const mail = async (id: string) => (await admin.get(`/api/v1/mail/${id}`)).json() as MailDetail;
  const arrived = (messageId: string) => smtp.inbox.filter((m) => m.messageId === messageId);

  it("sends through SMTP with the Message-ID it stored when it queued the message", async () => {
    const res = await admin.post("/api/v1/mail/test");
    expect(res.statusCode, res.body).toBe(201);
    const queued = res.json() as MailDetail;
    expect(queued.messageId).toMatch(/^<[0-9a-f-]{36}@rapport\.example>$/);
    expect(queued.from).toBe(FROM);
    await eventually(async () => (await mail(queued.id)).status === "sent");
    const sent = await mail(queued.id);
    expect(sent).toMatchObject({ status: "sent", attempts: 1, lastError: null, kind: "test" });
    expect(sent.sentAt).toBeTruthy();
    const [received] = arrived(queued.messageId);
    expect(received?.subject).toBe("Rapport test email");
    expect(received?.from?.text).toContain("crm@rapport.example");
    expect(received?.text).toContain("outgoing email works");
    expect(received?.html).toContain("<p>Hi Ada Admin,</p>");
    const to = received?.to;
    expect(Array.isArray(to) ? to[0]?.value[0]?.address : to?.value[0]?.address).toBe(admin.email);
    const list = (await admin.get("/api/v1/mail")).json();
    expect(list.smtpConfigured).toBe(true);
    expect(list.data.map((m: MailSummary) => m.id)).toContain(queued.id);
  });

  it("fails a message the server refuses for good (550) after one attempt, and an admin's retry sends it with the same Message-ID", async () => {
    smtp.answerNext(admin.email, 550);
    const queued = (await admin.post("/api/v1/mail/test")).json() as MailDetail;
    await eventually(async () => (await mail(queued.id)).status === "failed");
    const failed = await mail(queued.id);
    expect(failed.attempts).toBe(1);
    expect(failed.lastError).toContain("550");
    expect(failed.lastError).toContain("Mailbox unavailable");
    // No retry was scheduled: the message's one job completed (a 550 settles the message), none waits to run again.
    await eventually(async () => {
      const jobs = await queryRows<{ state: string }>(
        t.database.db,
        sql`select state::text from pgboss.job where name = 'mail.send' and data->>'mailId' = ${queued.id}`,
      );
      return jobs.length === 1 && jobs[0]?.state === "completed";
    });
    expect((await mail(queued.id)).attempts).toBe(1);
    expect((await admin.get("/api/v1/mail?status=failed")).json().data.map((m: MailSummary) => m.id)).toEqual([queued.id]);

    const retried = await admin.post(`/api/v1/mail/${queued.id}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json().status).toBe("queued");
    await eventually(async () => (await mail(queued.id)).status === "sent");
    expect(arrived(queued.messageId)).toHaveLength(1);
    expect((await mail(queued.id)).attempts).toBe(2);
    // Sent is final: retrying again is a conflict, not a second copy.
    expectProblem(await admin.post(`/api/v1/mail/${queued.id}/retry`), 409, "conflict");
  });

  it("keeps a temporarily refused message (451) queued for a retry, sends it on the next attempt, and gives up after the last", async () => {
    const ctx = { db: t.database.db, workspaceId: admin.session.me?.workspace.id as string };
    const transport = createMailTransport(smtp.url);
    if (!transport) throw new Error("no transport");
    try {
      const { id, messageId } = await queueMail(ctx, noJob, { kind: "other", to: admin.email, subject: "Quarterly review", text: "See you there." });
      smtp.answerNext(admin.email, 451);
      const first = await sendQueuedMail(t.database.db, transport, { workspaceId: ctx.workspaceId, mailId: id }, { retryCount: 0, retryLimit: 8 });
      expect(first.status).toBe("queued");
      expect(first.retry?.message).toContain("451");
      expect(await mail(id)).toMatchObject({ status: "queued", attempts: 1 });
      expect((await mail(id)).lastError).toContain("Try again later");
      const second = await sendQueuedMail(t.database.db, transport, { workspaceId: ctx.workspaceId, mailId: id }, { retryCount: 1, retryLimit: 8 });
      expect(second).toEqual({ status: "sent" });
      expect(await mail(id)).toMatchObject({ status: "sent", attempts: 2, lastError: null });
      expect(arrived(messageId)).toHaveLength(1);
      // A rerun of the job once sent does nothing: no SMTP conversation, no second copy.
      const calls = smtp.rcptCalls(admin.email);
      expect(await sendQueuedMail(t.database.db, transport, { workspaceId: ctx.workspaceId, mailId: id }, { retryCount: 2, retryLimit: 8 })).toEqual({
        status: "skipped",
      });
      expect(smtp.rcptCalls(admin.email)).toBe(calls);

      const doomed = await queueMail(ctx, noJob, { kind: "other", to: admin.email, subject: "Never delivered", text: "…" });
      smtp.answerNext(admin.email, 451);
      const last = await sendQueuedMail(t.database.db, transport, { workspaceId: ctx.workspaceId, mailId: doomed.id }, { retryCount: 8, retryLimit: 8 });
      expect(last.status).toBe("failed");
      expect((await mail(doomed.id)).lastError).toMatch(/^Gave up after 1 attempts: .*451/);
    } finally {
      transport.close();
    }
  });

  it("emails a due task reminder through the outbox to the assignee who asked for it", async () => {
    await admin.call("PUT", "/api/v1/notifications/preferences", { emailReminders: true });
    const remindAt = new Date(Date.now() + 1500).toISOString();
    const task = (await admin.post("/api/v1/tasks", { title: "Call Grace about the renewal", dueAt: remindAt, remindAt })).json();
    const reminderMail = async () =>
      ((await admin.get("/api/v1/mail?limit=200")).json().data as MailSummary[]).find((m) => m.kind === "task_reminder" && m.relatedId === task.id);
    await eventually(async () => (await reminderMail())?.status === "sent", 90_000);
    const stored = (await reminderMail()) as MailSummary;
    const [received] = arrived(stored.messageId);
    expect(received?.subject).toBe("Reminder: Call Grace about the renewal");
    expect(received?.text).toContain(`https://crm.example.com/tasks?task=${task.id}`);
  });

  it("stores sanitised HTML, hides a sensitive message's content, and refuses bad addresses and headers before writing anything", async () => {
    const ctx = { db: t.database.db, workspaceId: admin.session.me?.workspace.id as string };
    const { id } = await queueMail(ctx, noJob, {
      kind: "other",
      to: ["Grace Hopper <GRACE@Example.com>", { name: null, address: "ops@example.com" }],
      cc: "audit@example.com",
      subject: "Line one\r\nBcc: evil@example.com",
      text: "Plain",
      html: '<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(1)">x</a><img src="https://example.com/logo.png"></p>',
      headers: { "X-Rapport-Campaign": "spring" },
    });
    const m = await mail(id);
    expect(m.to).toEqual([
      { name: "Grace Hopper", address: "grace@example.com" },
      { name: null, address: "ops@example.com" },
    ]);
    expect(m.cc).toEqual([{ name: null, address: "audit@example.com" }]);
    expect(m.subject).toBe("Line one Bcc: evil@example.com");
    expect(m.html).toBe('<p>Hello <a>x</a><img src="https://example.com/logo.png" /></p>');
    expect(m.headers).toEqual({ "X-Rapport-Campaign": "spring" });

    const secret = await queueMail(ctx, noJob, { kind: "other", to: admin.email, subject: "Reset your password", text: "token=abc", sensitive: true });
    const hidden = await mail(secret.id);
    expect(hidden).toMatchObject({ contentHidden: true, text: null, html: null, subject: "Reset your password" });

    const before = (await admin.get("/api/v1/mail?limit=200")).json().data.length;
    await expect(queueMail(ctx, noJob, { kind: "other", to: "not an address", subject: "x", text: "x" })).rejects.toThrow(/not an email address/);
    await expect(queueMail(ctx, noJob, { kind: "other", to: [], subject: "x", text: "x" })).rejects.toThrow(/at least one recipient/);
    await expect(queueMail(ctx, noJob, { kind: "other", to: admin.email, subject: "x", text: "x", headers: { "Message-ID": "<a@b>" } })).rejects.toThrow(
      /set by the outbox/,
    );
    await expect(queueMail(ctx, noJob, { kind: "other", to: admin.email, subject: "x", text: "x", headers: { "X-A": "1\r\nBcc: x@y.z" } })).rejects.toThrow(
      /one line/,
    );
    expect((await admin.get("/api/v1/mail?limit=200")).json().data.length).toBe(before);
  });

  it("pages the log by keyset, filters by status and text, and answers bad input with problems", async () => {
    const ctx = { db: t.database.db, workspaceId: admin.session.me?.workspace.id as string };
    for (const n of [1, 2, 3]) await queueMail(ctx, noJob, { kind: "other", to: `page${n}@example.com`, subject: `Paging ${n}`, text: "." });
    const first = (await admin.get("/api/v1/mail?limit=2&q=Paging")).json();
    expect(first.data.map((m: MailSummary) => m.subject)).toEqual(["Paging 3", "Paging 2"]);
    const second = (await admin.get(`/api/v1/mail?limit=2&q=Paging&cursor=${first.nextCursor}`)).json();
    expect(second.data.map((m: MailSummary) => m.subject)).toEqual(["Paging 1"]);
    expect(second.nextCursor).toBeNull();
    expect((await admin.get("/api/v1/mail?q=page2%40example")).json().data.map((m: MailSummary) => m.subject)).toEqual(["Paging 2"]);
    expect((await admin.get("/api/v1/mail?status=queued&q=Paging")).json().data).toHaveLength(3);
    expectProblem(await admin.get("/api/v1/mail?status=lost"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/mail?cursor=zzz"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/mail/not-a-uuid"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/mail/0190c0de-0000-7000-8000-000000000000"), 404, "not_found");
    expectProblem(await admin.post("/api/v1/mail/0190c0de-0000-7000-8000-000000000000/retry"), 404, "not_found");
  });

  it("is for admins only, and one workspace never sees another's mail", async () => {
    const sent = ((await admin.get("/api/v1/mail?limit=1")).json().data as MailSummary[])[0] as MailSummary;
    for (const role of ["sales", "manager", "read_only"]) {
      const user = await userWithRole(t.app, admin, role);
      expectProblem(await user.get("/api/v1/mail"), 403, "forbidden");
      expectProblem(await user.get(`/api/v1/mail/${sent.id}`), 403, "forbidden");
      expectProblem(await user.post(`/api/v1/mail/${sent.id}/retry`), 403, "forbidden");
      expectProblem(await user.post("/api/v1/mail/test"), 403, "forbidden");
      expectProblem(await user.post("/api/v1/mail/send-unsent"), 403, "forbidden");
    }
    const other = await newWorkspace(t.app);
    expect((await other.get("/api/v1/mail")).json().data).toEqual([]);
    expectProblem(await other.get(`/api/v1/mail/${sent.id}`), 404, "not_found");
    expectProblem(await other.post(`/api/v1/mail/${sent.id}/retry`), 404, "not_found");
  });
});

describe.each(databaseKinds)("mail outbox without SMTP on %s", (kind) => {
  let t: TestApp;
  let admin: Client & { email: string };
  beforeAll(async () => {
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, pollingIntervalSeconds: 0.5 }, mailFrom: FROM });
    admin = await newWorkspace(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  it("keeps every message as not sent, listed with its content, and sends them all once an SMTP server is configured", async () => {
    const queued = (await admin.post("/api/v1/mail/test")).json() as MailDetail;
    const mail = async () => (await admin.get(`/api/v1/mail/${queued.id}`)).json() as MailDetail;
    await eventually(async () => (await mail()).status === "not_configured");
    const kept = await mail();
    expect(kept).toMatchObject({ attempts: 0, lastError: notConfiguredError, subject: "Rapport test email", contentHidden: false });
    expect(kept.text).toContain("outgoing email works");
    const list = (await admin.get("/api/v1/mail?status=not_configured")).json();
    expect(list.smtpConfigured).toBe(false);
    expect(list.data.map((m: MailSummary) => m.id)).toEqual([queued.id]);

    // The operator sets SMTP_URL and restarts: the same database, a server with SMTP. "Send now" sends what was kept.
    const smtp = await startSmtp();
    await t.app.close();
    const app = await buildApp({
      database: t.database,
      logLevel: "silent",
      jobs: { worker: true, pollingIntervalSeconds: 0.5 },
      smtpUrl: smtp.url,
      mailFrom: FROM,
    });
    try {
      await app.ready();
      const res = await app.inject({ method: "POST", url: "/api/v1/mail/send-unsent", headers: { cookie: admin.session.cookie ?? "" } });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toEqual({ queued: 1 });
      const status = async () =>
        (await app.inject({ method: "GET", url: `/api/v1/mail/${queued.id}`, headers: { cookie: admin.session.cookie ?? "" } })).json() as MailDetail;
      await eventually(async () => (await status()).status === "sent");
      expect(smtp.inbox.filter((m) => m.messageId === queued.messageId)).toHaveLength(1);
      expect((await status()).attempts).toBe(1);
    } finally {
      // afterAll closes this app in place of the first.
      t.app = app;
      await smtp.close();
    }
  });
});

/**
 * The retry path through pg-boss itself, on a clock the test moves (pg-boss TestClock attaches to the job schema,
 * which the shared PostgreSQL test database's other suites use too, so this one runs on PGlite only).
 */
describe("mail.send retries through the job queue on pglite", () => {
  let t: TestApp;
  let smtp: Smtp;
  let admin: Client & { email: string };
  const clock = new TestClock(Date.now());
  beforeAll(async () => {
    smtp = await startSmtp();
    t = await createTestApp("pglite", { jobs: { worker: true, clock, pollingIntervalSeconds: 1 }, smtpUrl: smtp.url, mailFrom: FROM });
    admin = await newWorkspace(t.app);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it("retries a 451 after its backoff and sends it then", async () => {
    smtp.answerNext(admin.email, 451);
    const queued = (await admin.post("/api/v1/mail/test")).json() as MailDetail;
    const mail = async () => (await admin.get(`/api/v1/mail/${queued.id}`)).json() as MailDetail;
    for (let i = 0; i < 120 && (await mail()).attempts < 1; i++) await clock.tick(500);
    await eventually(async () => (await mail()).status === "queued" && (await mail()).attempts === 1);
    expect((await mail()).lastError).toContain("451");
    // Within the 30 s base delay nothing is tried again.
    await clock.tick(10_000);
    expect((await mail()).attempts).toBe(1);
    for (let i = 0; i < 120 && (await mail()).status !== "sent"; i++) await clock.tick(5_000);
    expect(await mail()).toMatchObject({ status: "sent", attempts: 2, lastError: null });
    expect(smtp.inbox.filter((m) => m.messageId === queued.messageId)).toHaveLength(1);
  });
});
