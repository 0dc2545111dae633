import { sql } from "drizzle-orm";
import type { ParsedMail } from "mailparser";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Enrolment, Sequence, SequenceStats } from "../../contract/sequences.js";
import { queryRows } from "../../db/client.js";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../../test/harness.js";
import { startSmtpCatcher } from "../../test/smtp-catcher.js";
import { sendSmtp } from "../../test/smtp-client.js";
import { instantAt, nextSendTime } from "./schedule.js";

const HOUR = 3_600_000;
/** A header as it was sent (mailparser turns List-Unsubscribe into an object). */
const headerOf = (mail: ParsedMail | undefined, name: string) =>
  mail?.headerLines
    .find((h) => h.key === name)
    ?.line.replace(/^[^:]+:\s*/, "")
    .replace(/\r?\n\s+/g, " ") ?? "";
const window = { start: "09:00", end: "17:00", days: [1, 2, 3, 4, 5] };

describe("sending window", () => {
  it("finds the next instant inside business hours on the recipient's wall clock", () => {
    // Monday 2027-01-04 06:00 UTC is 07:00 in Warsaw and 01:00 in New York.
    const monday6 = new Date("2027-01-04T06:00:00Z");
    expect(nextSendTime(monday6, window, "Europe/Warsaw").toISOString()).toBe("2027-01-04T08:00:00.000Z");
    expect(nextSendTime(monday6, window, "America/New_York").toISOString()).toBe("2027-01-04T14:00:00.000Z");
    // Inside the window: now.
    const monday10 = new Date("2027-01-04T10:00:00Z");
    expect(nextSendTime(monday10, window, "Europe/Warsaw").toISOString()).toBe(monday10.toISOString());
    // Friday after hours: Monday morning.
    expect(nextSendTime(new Date("2027-01-08T17:30:00Z"), window, "UTC").toISOString()).toBe("2027-01-11T09:00:00.000Z");
    // Across a daylight-saving change (Warsaw moves to summer time on 2027-03-28): 09:00 local is 07:00 UTC after it.
    expect(nextSendTime(new Date("2027-03-28T12:00:00Z"), window, "Europe/Warsaw").toISOString()).toBe("2027-03-29T07:00:00.000Z");
    expect(instantAt(2027, 3, 26, 9 * 60, "Europe/Warsaw").toISOString()).toBe("2027-03-26T08:00:00.000Z");
  });
});

describe.each(databaseKinds)("sequences on %s", (kind) => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtpCatcher>>;
  let admin: Client & { email: string };
  let workspaceId: string;
  let receiverPort: number;
  const replyBox = `${unique("sales")}@acme.test`;
  // Monday 2027-01-04, 06:00 UTC: before business hours in Europe and America.
  const start = Date.parse("2027-01-04T06:00:00Z");
  const clock = new TestClock(start);
  const until = (cond: () => Promise<boolean> | boolean, what = "condition") => untilOnClock(clock, cond, 1000, 120, what);

  let templateId: string;
  let followUpId: string;

  const mailTo = (address: string) => smtp.inbox.filter((m) => m.to === address);
  const enrolmentsOf = async (sequenceId: string) => ((await admin.get(`/api/v1/sequences/${sequenceId}/enrolments`)).json().data as Enrolment[]) ?? [];
  const enrolmentOf = async (sequenceId: string, contactId: string) => (await enrolmentsOf(sequenceId)).find((e) => e.contactId === contactId);
  const contact = async (first: string, email: string, custom?: Record<string, unknown>) => {
    const res = await admin.post("/api/v1/contacts", { firstName: first, lastName: "Tester", emails: [{ email }], ...(custom ? { custom } : {}) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  /** Lets the worker poll a few times on the test clock. */
  const ticks = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await clock.tick(1000);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  /** Moves the clock to `at` (never back), letting due jobs run. */
  const moveTo = async (at: number) => {
    if (at > clock.now()) await clock.setTime(at);
  };
  const sequence = async (name: string, steps: unknown[]) => {
    const res = await admin.post("/api/v1/sequences", { name, replyTo: replyBox, window, steps });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Sequence;
  };

  beforeAll(async () => {
    smtp = await startSmtpCatcher();
    t = await createTestApp(kind, {
      privateDatabase: true,
      smtpUrl: smtp.url,
      mailFrom: "Rapport <crm@acme.test>",
      publicUrl: "https://crm.example.com",
      secretKey: "k".repeat(32),
      mailIn: { port: 0 },
      jobs: { worker: true, clock, pollingIntervalSeconds: 1 },
    });
    admin = await newWorkspace(t.app);
    workspaceId = admin.session.me?.workspace.id as string;
    expect((await admin.patch("/api/v1/workspace", { timeZone: "Europe/Warsaw" })).statusCode).toBe(200);
    expect((await admin.post("/api/v1/custom-fields", { object: "contact", label: "Time zone", key: "time_zone", type: "text" })).statusCode).toBe(201);
    const box = await admin.post("/api/v1/mailboxes", { address: replyBox, name: "Sales replies" });
    expect(box.statusCode, box.body).toBe(201);
    receiverPort = (await admin.get("/api/v1/mailboxes")).json().smtpReceiver.port as number;
    const tpl = await admin.post("/api/v1/email-templates", {
      name: "Intro",
      subject: "Hello {{ contact.firstName }}",
      body: '<p>Hi {{ contact.firstName }}, <a href="https://acme.test/demo">book a demo</a>.</p>',
    });
    expect(tpl.statusCode, tpl.body).toBe(201);
    templateId = tpl.json().id;
    const tpl2 = await admin.post("/api/v1/email-templates", {
      name: "Follow-up",
      subject: "Following up, {{ contact.firstName }}",
      body: "<p>Any thoughts?</p>",
    });
    followUpId = tpl2.json().id;
    // The worker is up when its consumers are registered.
    await until(async () => ((await admin.get("/api/v1/jobs")).json().consumers as { name: string }[]).some((c) => c.name === "sequences.exits"), "worker");
  });
  afterAll(async () => {
    await t?.close();
    await smtp?.close();
  });

  it("checks input and roles: marketing manages, sales and read-only read", async () => {
    expectProblem(await admin.post("/api/v1/sequences", { name: "Bad", steps: [{ kind: "email", delayMinutes: 0 }] }), 400);
    expectProblem(await admin.post("/api/v1/sequences", { name: "Bad window", window: { start: "18:00", end: "09:00", days: [1] } }), 400);
    expectProblem(await admin.post("/api/v1/sequences", { name: "Ghost", steps: [{ kind: "email", delayMinutes: 0, templateId: crypto.randomUUID() }] }), 400);
    const s = await sequence(unique("Roles"), [{ kind: "task", delayMinutes: 0, taskTitle: "Call" }]);
    expectProblem(await admin.post("/api/v1/sequences", { name: s.name.toUpperCase() }), 409, "conflict");
    const marketing = await userWithRole(t.app, admin, "marketing");
    const sales = await userWithRole(t.app, admin, "sales");
    const readOnly = await userWithRole(t.app, admin, "read_only");
    const support = await userWithRole(t.app, admin, "support");
    expect((await marketing.patch(`/api/v1/sequences/${s.id}`, { description: "by marketing" })).statusCode).toBe(200);
    expect((await sales.get(`/api/v1/sequences/${s.id}`)).statusCode).toBe(200);
    expect((await readOnly.get("/api/v1/sequences")).statusCode).toBe(200);
    expectProblem(await sales.post("/api/v1/sequences", { name: "Sales own" }), 403);
    expectProblem(await readOnly.post(`/api/v1/sequences/${s.id}/enrolments`, { contactIds: [crypto.randomUUID()] }), 403);
    expectProblem(await support.get("/api/v1/sequences"), 403);
    expect((await admin.del(`/api/v1/sequences/${s.id}`)).statusCode).toBe(204);
  });

  let main: Sequence;
  let warsaw: string;
  let newYork: string;

  it("sends each email in the recipient's business hours, in their time zone, with the clock", async () => {
    main = await sequence(unique("Welcome"), [
      { kind: "email", delayMinutes: 0, templateId },
      { kind: "task", delayMinutes: 60, taskTitle: "Call {{ first }}", taskNote: "They got the intro" },
      { kind: "email", delayMinutes: 24 * 60, templateId: followUpId },
    ]);
    warsaw = await contact("Wanda", "wanda@warsaw.example");
    newYork = await contact("Nora", "nora@newyork.example", { time_zone: "America/New_York" });
    const res = await admin.post(`/api/v1/sequences/${main.id}/enrolments`, { contactIds: [warsaw, newYork] });
    expect(res.json()).toEqual({ enrolled: 2, skipped: 0 });
    // Never twice at once: enrolling again (here or in another sequence) skips them.
    expect((await admin.post(`/api/v1/sequences/${main.id}/enrolments`, { contactIds: [warsaw] })).json()).toEqual({ enrolled: 0, skipped: 1 });
    const other = await sequence(unique("Other"), [{ kind: "email", delayMinutes: 0, templateId }]);
    expect((await admin.post(`/api/v1/sequences/${other.id}/enrolments`, { contactIds: [warsaw] })).json()).toEqual({ enrolled: 0, skipped: 1 });

    // 07:00 in Warsaw, 01:00 in New York: nobody is mailed yet; each waits for 09:00 on their own clock.
    await until(async () => (await enrolmentOf(main.id, warsaw))?.nextAt === "2027-01-04T08:00:00.000Z", "Warsaw deferred to 09:00 local");
    await until(async () => (await enrolmentOf(main.id, newYork))?.nextAt === "2027-01-04T14:00:00.000Z", "New York deferred to 09:00 local");
    expect(smtp.inbox).toHaveLength(0);

    await moveTo(start + 2 * HOUR);
    await until(() => mailTo("wanda@warsaw.example").length === 1, "Warsaw's first email");
    const [first] = mailTo("wanda@warsaw.example");
    expect(first?.mail.subject).toBe("Hello Wanda");
    expect(first?.mail.headers.get("reply-to")).toBeTruthy();
    expect(first?.mail.replyTo?.value[0]?.address).toBe(replyBox);
    expect(headerOf(first?.mail, "list-unsubscribe")).toContain("https://crm.example.com/m/u?t=");
    expect(mailTo("nora@newyork.example")).toHaveLength(0);

    // The task step an hour later (tasks do not wait for the window).
    await moveTo(start + 3 * HOUR + 60_000);
    await until(async () => (await enrolmentOf(main.id, warsaw))?.nextStep === 2, "Warsaw's task step");
    const tasks = await queryRows<{ title: string }>(
      t.database.db,
      sql`select title from tasks where workspace_id = ${workspaceId}::uuid and related_id = ${warsaw}::uuid`,
    );
    expect(tasks.map((x) => x.title)).toEqual(["Call {{ first }}"]);

    await moveTo(start + 8 * HOUR + 60_000);
    await until(() => mailTo("nora@newyork.example").length === 1, "New York's first email at 09:00 local");
  });

  it("exits a contact who replies to a sequence email, threaded by In-Reply-To through the inbound receiver", async () => {
    const [first] = mailTo("wanda@warsaw.example");
    const messageId = first?.mail.messageId as string;
    expect(messageId).toMatch(/^<.+@acme\.test>$/);
    const reply = await sendSmtp(receiverPort, {
      from: "Wanda Tester <wanda@warsaw.example>",
      to: replyBox,
      subject: `Re: ${first?.mail.subject}`,
      text: "Sounds good, call me on Tuesday.",
      inReplyTo: messageId,
      references: [messageId],
      messageId: `<${unique("reply")}@warsaw.example>`,
    });
    expect(reply.response).toMatch(/^250/);
    await until(async () => (await enrolmentOf(main.id, warsaw))?.status === "exited", "exit on reply");
    const e = await enrolmentOf(main.id, warsaw);
    expect(e).toMatchObject({ status: "exited", exitReason: "replied", nextAt: null });
    // An out-of-office answer to Nora's email is not a reply.
    const [noraMail] = mailTo("nora@newyork.example");
    await sendSmtp(receiverPort, {
      from: "nora@newyork.example",
      to: replyBox,
      subject: "Automatic reply: out of office",
      text: "I am away.",
      inReplyTo: noraMail?.mail.messageId,
      headers: { "Auto-Submitted": "auto-replied" },
    });
    // Its event is handled (the stream moves past it) without ending Nora's sequence.
    await until(async () => {
      const [row] = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from outbox_events where workspace_id = ${workspaceId}::uuid and type = 'mail.received'`,
      );
      return row?.n === 2;
    });
    await moveTo(clock.now() + 5000);
    await until(async () => {
      const [c] = await queryRows<{ position: number }>(t.database.db, sql`select position from event_consumers where name = 'sequences.exits'`);
      const [m] = await queryRows<{ p: number }>(t.database.db, sql`select coalesce(max(position), 0)::int as p from outbox_events where position is not null`);
      return Number(c?.position) >= Number(m?.p);
    }, "consumer caught up");
    expect((await enrolmentOf(main.id, newYork))?.status).toBe("active");
    // The Warsaw timeline says why she left.
    const timeline = (await admin.get(`/api/v1/contacts/${warsaw}/timeline`)).json();
    expect(JSON.stringify(timeline)).toContain("Left sequence");
  });

  it("exits a contact who unsubscribes through the one-click link", async () => {
    const [noraMail] = mailTo("nora@newyork.example");
    const url = /<(https:\/\/crm\.example\.com\/m\/u\?t=[^>]+)>/.exec(headerOf(noraMail?.mail, "list-unsubscribe"))?.[1] as string;
    const post = await t.app.inject({
      method: "POST",
      url: url.replace("https://crm.example.com", ""),
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: "List-Unsubscribe=One-Click",
    });
    expect(post.statusCode, post.body).toBe(200);
    await until(async () => (await enrolmentOf(main.id, newYork))?.status === "exited", "exit on unsubscribe");
    expect((await enrolmentOf(main.id, newYork))?.exitReason).toBe("unsubscribed");
    // Unsubscribed and suppressed: never enrolled again. The consent side follows the stream on its own cursor, so wait
    // for it by reading (an enrolment tried in a loop would enrol her while it lags, as it did on PostgreSQL).
    await until(async () => (await admin.get(`/api/v1/contacts/${newYork}/consent`)).json().suppressed !== null, "suppressed");
    expect((await admin.post(`/api/v1/sequences/${main.id}/enrolments`, { contactIds: [newYork] })).json()).toEqual({ enrolled: 0, skipped: 1 });
  });

  it("pauses and resumes one contact: nothing is sent while paused", async () => {
    const pia = await contact("Pia", "pia@warsaw.example");
    expect((await admin.post(`/api/v1/sequences/${main.id}/enrolments`, { contactIds: [pia] })).json()).toMatchObject({ enrolled: 1 });
    // Monday 15:00 in Warsaw: inside the window, so the first email goes at once.
    await until(() => mailTo("pia@warsaw.example").length === 1, "Pia's first email");
    const e = (await enrolmentOf(main.id, pia)) as Enrolment;
    const paused = await admin.post(`/api/v1/sequence-enrolments/${e.id}/pause`, {});
    expect(paused.json()).toMatchObject({ status: "paused" });
    expectProblem(await admin.post(`/api/v1/sequence-enrolments/${e.id}/pause`, {}), 409, "conflict");
    // Two days on, the task and the follow-up would both have been due: nothing happened.
    await moveTo(clock.now() + 48 * HOUR);
    await ticks(5);
    expect((await enrolmentOf(main.id, pia))?.nextStep).toBe(1);
    expect(mailTo("pia@warsaw.example")).toHaveLength(1);
    const resumed = await admin.post(`/api/v1/sequence-enrolments/${e.id}/resume`, {});
    expect(resumed.json()).toMatchObject({ status: "active" });
    await until(async () => (await enrolmentOf(main.id, pia))?.nextStep === 2, "task after resume");
    await moveTo(clock.now() + 25 * HOUR);
    await until(() => mailTo("pia@warsaw.example").length === 2, "follow-up after resume");
    await until(async () => (await enrolmentOf(main.id, pia))?.status === "completed", "completed");
    expect(mailTo("pia@warsaw.example")[1]?.mail.subject).toBe("Following up, Pia");
  });

  it("reports per-step statistics and the contact's sequences", async () => {
    const stats = (await admin.get(`/api/v1/sequences/${main.id}/stats`)).json() as SequenceStats;
    expect(stats.enrolled).toBe(3);
    expect(stats.steps.map((s) => [s.kind, s.sent, s.replied])).toEqual([
      ["email", 3, 1],
      ["task", 2, 0],
      ["email", 1, 0],
    ]);
    // Warsaw replied after the task step (her last step run); Nora unsubscribed after the first email.
    expect(stats.steps[0]?.exited).toBe(1);
    expect(stats.steps[1]?.exited).toBe(1);
    expect(stats.exitReasons).toEqual(
      expect.arrayContaining([
        { reason: "replied", count: 1 },
        { reason: "unsubscribed", count: 1 },
      ]),
    );
    const mine = (await admin.get(`/api/v1/contacts/${warsaw}/sequences`)).json().data as Enrolment[];
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ sequenceName: main.name, status: "exited", exitReason: "replied" });
    const seq = (await admin.get(`/api/v1/sequences/${main.id}`)).json() as Sequence;
    expect(seq.counts).toEqual({ active: 0, paused: 0, completed: 1, exited: 2 });
  });

  it("enrols the contact a workflow acts on through its 'Enrol in sequence' step, and only once", async () => {
    const drip = await sequence(unique("From a workflow"), [{ kind: "email", delayMinutes: 0, templateId }]);
    const created = await admin.post("/api/v1/workflows", {
      name: unique("New contacts get the drip"),
      definition: {
        trigger: { type: "record_created", object: "contact" },
        start: "enrol",
        steps: [{ id: "enrol", type: "enrol_in_sequence", config: { sequenceId: drip.id }, next: { next: null } }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const workflowId = created.json().id as string;
    expect((await admin.post(`/api/v1/workflows/${workflowId}/publish`)).statusCode).toBe(200);

    const newcomer = await contact("Wally", "wally@workflow.example");
    await until(async () => (await enrolmentOf(drip.id, newcomer))?.status !== undefined, "enrolled by the workflow");
    const runs = async () => (await admin.get(`/api/v1/workflows/${workflowId}/runs?limit=10`)).json().data as { recordId: string; state: string }[];
    await until(async () => (await runs())[0]?.state === "done", "the run done");
    expect((await runs()).map((r) => [r.recordId, r.state])).toEqual([[newcomer, "done"]]);
    // Enrolling again (by hand here) leaves the one live enrolment alone.
    expect((await admin.post(`/api/v1/sequences/${drip.id}/enrolments`, { contactIds: [newcomer] })).json()).toEqual({ enrolled: 0, skipped: 1 });
    expect((await enrolmentsOf(drip.id)).filter((e) => e.contactId === newcomer)).toHaveLength(1);
    expect((await admin.post(`/api/v1/workflows/${workflowId}/pause`)).statusCode).toBe(200);
  });
});
