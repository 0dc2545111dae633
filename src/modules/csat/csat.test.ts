import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Ctx, systemActor } from "../../core/context.js";
import { type JobSystem, startJobSystem } from "../../jobs/system.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { type Consumer, dispatchEvents } from "../events/service.js";
import { helpCentrePath } from "../kb/service.js";
import { mailMessages } from "../mail/table.js";
import { createTicket, getTicket, updateTicket } from "../tickets/service.js";
import { scheduleSurveys, sendDueSurveys } from "./service.js";

const quiet = { info() {}, warn() {}, error() {} };
const minutes = (n: number) => new Date(Date.now() + n * 60_000);

describe.each(databaseKinds)("satisfaction surveys on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let jobs: JobSystem;
  let ctx: Ctx;
  let workspaceId: string;
  let slug: string;
  // The scheduler as the job system runs it, under a name of this suite's own (a consumer starts at the present).
  const consumer: Consumer = {
    name: `csat.test.${kind}.${Date.now()}`,
    types: ["ticket.status_changed"],
    async handle(tx, events) {
      await scheduleSurveys(tx, events);
    },
  };
  const dispatch = () => dispatchEvents(t.database.db, [consumer]);
  const send = (now: Date) => sendDueSurveys(t.database.db, { mail: jobs.mail, baseUrl: "https://crm.example.com", helpPath: helpCentrePath }, now);
  const surveyMails = async (to: string) =>
    (
      await t.database.db
        .select()
        .from(mailMessages)
        .where(and(eq(mailMessages.workspaceId, workspaceId), eq(mailMessages.kind, "satisfaction_survey")))
    ).filter((m) => m.toAddresses.some((a) => a.address === to));
  const contact = async (email: string, extra: Record<string, unknown> = {}) =>
    (await admin.post("/api/v1/contacts", { firstName: email.split("@")[0], emails: [{ email }], ...extra })).json() as { id: string };
  const solvedTicket = async (contactId: string, subject = "Help") => {
    const ticket = await createTicket(ctx, { subject, contactId, message: { bodyText: "please" } });
    await updateTicket(ctx, ticket.id, { status: "solved" });
    return ticket;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const ws = (await admin.get("/api/v1/workspace")).json();
    workspaceId = ws.id;
    slug = ws.slug;
    ctx = { db: t.database.db, workspaceId, actor: systemActor };
    jobs = await startJobSystem({ database: t.database, worker: false, mailFrom: "Support <support@example.com>", log: quiet });
    await dispatch();
  });
  afterAll(async () => {
    await jobs.stop();
    await t.close();
  });

  it("is off until an admin switches it on; settings are validated and need an admin", async () => {
    expect((await admin.get("/api/v1/csat/settings")).json()).toMatchObject({ enabled: false, delayMinutes: 60, scale: "five", resendDays: 30 });
    const ann = await contact("off@acme.test");
    await solvedTicket(ann.id);
    await dispatch();
    expect(await send(minutes(120))).toEqual({ sent: 0, skipped: 0 });
    expectProblem(await admin.patch("/api/v1/csat/settings", { delayMinutes: -5 }), 400, "validation_failed");
    const sales = await userWithRole(t.app, admin, "sales");
    expectProblem(await sales.patch("/api/v1/csat/settings", { enabled: true }), 403, "forbidden");
    expect((await admin.patch("/api/v1/csat/settings", { enabled: true, delayMinutes: 60, question: "How did we do?" })).json().enabled).toBe(true);
  });

  it("sends the survey after the delay, records a one-click answer on the ticket, and takes a comment", async () => {
    const ann = await contact("ann@acme.test");
    const ticket = await solvedTicket(ann.id, "Printer jam");
    await dispatch();
    // Not before its time (the clock is moved by the test, not waited for).
    expect(await send(minutes(30))).toEqual({ sent: 0, skipped: 0 });
    expect(await send(minutes(61))).toEqual({ sent: 1, skipped: 0 });
    const [mail] = await surveyMails("ann@acme.test");
    expect(mail?.subject).toBe(`[#${ticket.number}] How did we do?`);
    expect(mail?.sensitive).toBe(true);
    const link = /(https:\/\/crm\.example\.com\/help\/[^\s]+csat\?token=[^&\s]+)&rating=4/.exec(mail?.text ?? "")?.[1];
    expect(link).toBeTruthy();
    const path = (link as string).replace("https://crm.example.com", "");
    expect(path.startsWith(`/help/${slug}/csat?token=`)).toBe(true);

    const clicked = await t.app.inject({ method: "GET", url: `${path}&rating=4` });
    expect(clicked.statusCode).toBe(200);
    expect(clicked.body).toContain("Thank you for your feedback");
    expect((await getTicket(ctx, ticket.id)).satisfaction).toBe(4);
    // A mis-click is corrected by clicking another answer.
    expect((await t.app.inject({ method: "GET", url: `${path}&rating=5` })).statusCode).toBe(200);
    expect((await getTicket(ctx, ticket.id)).satisfaction).toBe(5);
    const token = decodeURIComponent(path.split("token=")[1] as string);
    const commented = await t.app.inject({
      method: "POST",
      url: `/help/${slug}/csat`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: new URLSearchParams({ token, comment: "Fast and friendly <3" }).toString(),
    });
    expect(commented.statusCode).toBe(200);
    const surveys = (await admin.get(`/api/v1/tickets/${ticket.id}/surveys`)).json().data;
    expect(surveys).toMatchObject([{ status: "answered", rating: 5, comment: "Fast and friendly <3" }]);

    // Forged, out-of-range and other workspaces' answers change nothing.
    expect((await t.app.inject({ method: "GET", url: `${path}&rating=9` })).statusCode).toBe(400);
    expect((await t.app.inject({ method: "GET", url: `/help/${slug}/csat?token=${workspaceId}.${"x".repeat(43)}&rating=1` })).statusCode).toBe(410);
    const other = (await (await newWorkspace(t.app)).get("/api/v1/workspace")).json().slug;
    expect((await t.app.inject({ method: "GET", url: `/help/${other}/csat?token=${encodeURIComponent(token)}&rating=1` })).statusCode).toBe(400);
    expect((await getTicket(ctx, ticket.id)).satisfaction).toBe(5);
  });

  it("skips, saying why: reopened tickets, do-not-contact, no address, and customers surveyed recently", async () => {
    const reopened = await solvedTicket((await contact("reopen@acme.test")).id);
    await updateTicket(ctx, reopened.id, { status: "open" });
    const dnc = await solvedTicket((await contact("dnc@acme.test", { doNotContact: true })).id);
    const noMail = await solvedTicket(((await admin.post("/api/v1/contacts", { firstName: "Nomail" })).json() as { id: string }).id);
    const bea = await contact("bea@acme.test");
    const first = await solvedTicket(bea.id, "First");
    const second = await solvedTicket(bea.id, "Second");
    await dispatch();
    const result = await send(minutes(61));
    expect(result).toEqual({ sent: 1, skipped: 4 });
    const reason = async (id: string) => (await admin.get(`/api/v1/tickets/${id}/surveys`)).json().data[0];
    expect(await reason(reopened.id)).toMatchObject({ status: "skipped", skipReason: "The ticket was reopened before the survey went out" });
    expect(await reason(dnc.id)).toMatchObject({ status: "skipped", skipReason: "The customer is marked do-not-contact" });
    expect(await reason(noMail.id)).toMatchObject({ status: "skipped", skipReason: "The customer has no email address" });
    const firstSurvey = await reason(first.id);
    const secondSurvey = await reason(second.id);
    expect([firstSurvey.status, secondSurvey.status].sort()).toEqual(["sent", "skipped"]);
    expect(await surveyMails("bea@acme.test")).toHaveLength(1);
  });

  it("sums results per agent and per queue", async () => {
    const summary = (await admin.get("/api/v1/csat/summary?days=30")).json();
    expect(summary.sent).toBe(2);
    expect(summary.answered).toBe(1);
    expect(summary.responseRate).toBe(0.5);
    expect(summary.average).toBe(5);
    expect(summary.satisfied).toBe(1);
    expect(summary.distribution.find((d: { rating: number }) => d.rating === 5).count).toBe(1);
    expect(summary.byAgent.reduce((n: number, a: { answered: number }) => n + a.answered, 0)).toBe(1);
    expect(summary.byQueue.reduce((n: number, a: { answered: number }) => n + a.answered, 0)).toBe(1);
    expectProblem(await admin.get("/api/v1/csat/summary?days=0"), 400, "validation_failed");
  });
});
