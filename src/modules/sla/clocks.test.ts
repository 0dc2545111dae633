import { and, eq } from "drizzle-orm";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TicketSla } from "../../contract/sla.js";
import type { Ctx } from "../../core/context.js";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";
import { outboxEvents } from "../history/table.js";
import type { MailQueue } from "../mail/service.js";
import { addTicketMessage, createTicket, listTickets, updateTicket } from "../tickets/service.js";
import { detectSlaEvents } from "./detect.js";
import { ticketSlaClocks } from "./table.js";

const MIN = 60_000;
const outbox: MailQueue = { from: "Support <support@example.com>", enqueue: async () => undefined };

describe.each(databaseKinds)("SLA clocks and breaches on %s", (kind) => {
  let t: TestApp;
  const clock = new TestClock(Date.now());
  const until = (cond: () => Promise<boolean> | boolean, what?: string) => untilOnClock(clock, cond, 500, 240, what);

  beforeAll(async () => {
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, clock, pollingIntervalSeconds: 1 } });
  });
  afterAll(async () => {
    await t?.close();
  });

  const ctxOf = (c: Client): Ctx => {
    const me = c.session.me as NonNullable<typeof c.session.me>;
    return { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
  };
  const slaOf = async (c: Client, ticketId: string) => {
    const res = await c.get(`/api/v1/tickets/${ticketId}/sla`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as TicketSla;
  };
  const clockOf = async (c: Client, ticketId: string, metric: string) => (await slaOf(c, ticketId)).clocks.find((x) => x.metric === metric);
  const eventsOf = async (ticketId: string, type: string) =>
    (
      await t.database.db
        .select()
        .from(outboxEvents)
        .where(and(eq(outboxEvents.recordId, ticketId), eq(outboxEvents.type, type)))
    ).map((e) => (e.payload as { record: { metric: string } }).record);

  it("runs, pauses while pending, warns and breaches once at the moved clock's due time, and is met by the agent's reply", async () => {
    const admin = await newWorkspace(t.app);
    const ctx = ctxOf(admin);
    const policy = await admin.post("/api/v1/sla/policies", { name: "Everyone", firstResponseMinutes: 60, resolutionMinutes: 240, warnPercent: 50 });
    expect(policy.statusCode, policy.body).toBe(201);
    const ticket = await createTicket(ctx, { subject: "Cannot log in", requester: { email: `sla-${Date.now()}@example.com` }, message: { bodyText: "Help" } });
    const created = Date.parse(ticket.createdAt);

    await until(async () => (await slaOf(admin, ticket.id)).clocks.length === 2, "clocks computed");
    const first = await clockOf(admin, ticket.id, "first_response");
    // No calendar anywhere: around the clock, so due an hour after creation.
    expect(first).toMatchObject({ state: "running", policyName: "Everyone", targetMinutes: 60, paused: false });
    expect(first?.dueAt).toBe(new Date(created + 60 * MIN).toISOString());
    expect(first?.warnAt).toBe(new Date(created + 30 * MIN).toISOString());
    expect((await clockOf(admin, ticket.id, "resolution"))?.dueAt).toBe(new Date(created + 240 * MIN).toISOString());

    await updateTicket(ctx, ticket.id, { status: "pending_customer" });
    await until(async () => (await clockOf(admin, ticket.id, "first_response"))?.paused === true, "paused");
    expect(await clockOf(admin, ticket.id, "first_response")).toMatchObject({ state: "paused", dueAt: null });
    await updateTicket(ctx, ticket.id, { status: "open" });
    await until(async () => (await clockOf(admin, ticket.id, "first_response"))?.state === "running", "resumed");
    const resumed = await clockOf(admin, ticket.id, "first_response");
    // The pause (however short on this machine) moved the due time on by its length.
    expect(Date.parse(resumed?.dueAt as string)).toBeGreaterThanOrEqual(created + 60 * MIN);
    const dueAt = Date.parse(resumed?.dueAt as string);
    expect(await eventsOf(ticket.id, "ticket.sla_warning")).toEqual([]);

    await clock.setTime(Math.max(clock.now(), Date.parse(resumed?.warnAt as string) + 1000));
    await until(async () => (await eventsOf(ticket.id, "ticket.sla_warning")).length > 0, "warning");
    expect(await eventsOf(ticket.id, "ticket.sla_breached")).toEqual([]);

    await clock.setTime(dueAt + 1000);
    await until(async () => (await eventsOf(ticket.id, "ticket.sla_breached")).length > 0, "breach");
    const breach = await eventsOf(ticket.id, "ticket.sla_breached");
    expect(breach).toEqual([
      expect.objectContaining({ metric: "first_response", ticketNumber: ticket.number, policyName: "Everyone", dueAt: new Date(dueAt).toISOString() }),
    ]);
    const late = await clockOf(admin, ticket.id, "first_response");
    expect(late?.state).toBe("breached");
    expect(late?.breachedAt).toBe(new Date(dueAt).toISOString());
    expect(late?.remainingMinutes).toBeLessThanOrEqual(0);
    expect((await listTickets(ctx, { overdue: "true" })).data.map((x) => x.id)).toEqual([ticket.id]);

    // More passes (the minute's safety net, a second detector) announce nothing again.
    await clock.setTime(clock.now() + 2 * MIN);
    expect(await detectSlaEvents(t.database.db, new Date(clock.now()))).toEqual({ warned: 0, breached: 0 });
    expect(await eventsOf(ticket.id, "ticket.sla_breached")).toHaveLength(1);
    expect(await eventsOf(ticket.id, "ticket.sla_warning")).toEqual([expect.objectContaining({ metric: "first_response" })]);

    const reply = await addTicketMessage(ctx, ticket.id, { kind: "reply", direction: "out", bodyText: "Sorry for the wait" }, { mail: outbox });
    await until(async () => Boolean((await clockOf(admin, ticket.id, "first_response"))?.metAt), "met");
    const met = await clockOf(admin, ticket.id, "first_response");
    // The reply is stamped by the server's real clock, which this test's moved job clock is ahead of: it came before the
    // due time, so the clock is met in time and no longer overdue; its breach is not announced again.
    expect(met).toMatchObject({ state: "met", metAt: reply.createdAt, breachedAt: null });
    expect(await eventsOf(ticket.id, "ticket.sla_breached")).toHaveLength(1);
    expect((await listTickets(ctx, { overdue: "true" })).data.map((x) => x.id)).toEqual([]);
  });

  it("recomputes open tickets when a calendar changes; solving meets resolution; no policy, no clocks", async () => {
    const admin = await newWorkspace(t.app);
    const ctx = ctxOf(admin);
    // One hour of business a week, Mondays 09:00–10:00 UTC: a 30-minute target lands on a Monday.
    const narrow = (await admin.post("/api/v1/sla/calendars", { name: "Narrow", timeZone: "UTC", blocks: [{ day: 1, start: "09:00", end: "10:00" }] })).json();
    await admin.post("/api/v1/sla/policies", { name: "Off", resolutionMinutes: 5, active: false });
    await admin.post("/api/v1/sla/policies", { name: "Rest", resolutionMinutes: 30, calendarId: narrow.id });
    const ticket = await createTicket(ctx, { subject: "Slow", requester: { email: `cal-${Date.now()}@example.com` }, priority: "normal" });
    await until(async () => (await slaOf(admin, ticket.id)).clocks.length === 1, "clocks computed");
    const before = await clockOf(admin, ticket.id, "resolution");
    // The inactive policy is passed over.
    expect(before?.policyName).toBe("Rest");
    const due = new Date(before?.dueAt as string);
    expect([due.getUTCDay(), due.getUTCHours(), due.getUTCMinutes()]).toEqual([1, 9, 30]);
    expect((await slaOf(admin, ticket.id)).calendarName).toBe("Narrow");

    // Around the clock from now on: the open ticket's due time moves to 30 minutes after its creation.
    expect((await admin.patch(`/api/v1/sla/calendars/${narrow.id}`, { blocks: [] })).statusCode).toBe(200);
    const expected = new Date(Date.parse(ticket.createdAt) + 30 * MIN).toISOString();
    await until(async () => (await clockOf(admin, ticket.id, "resolution"))?.dueAt === expected, "recomputed after the calendar change");

    await updateTicket(ctx, ticket.id, { status: "solved" });
    await until(async () => Boolean((await clockOf(admin, ticket.id, "resolution"))?.metAt), "solved");
    for (const p of (await admin.get("/api/v1/sla/policies")).json().data as { id: string }[]) await admin.del(`/api/v1/sla/policies/${p.id}`);
    const rows = await t.database.db.select().from(ticketSlaClocks).where(eq(ticketSlaClocks.workspaceId, ctx.workspaceId));
    expect(rows).toEqual([]);
  });

  it("applies the first policy whose condition matches (ticket fields and its company's), and follows the ticket when it changes", async () => {
    const admin = await newWorkspace(t.app);
    const ctx = ctxOf(admin);
    expect((await admin.post("/api/v1/custom-fields", { object: "company", label: "Tier", key: "tier", type: "text" })).statusCode).toBe(201);
    const gold = (await admin.post("/api/v1/companies", { name: "Goldco", custom: { tier: "gold" } })).json();
    const vip = await admin.post("/api/v1/sla/policies", {
      name: "Gold customers",
      condition: { all: [{ field: "company.custom.tier", op: "eq", value: "gold" }] },
      firstResponseMinutes: 15,
    });
    expect(vip.statusCode, vip.body).toBe(201);
    const urgent = await admin.post("/api/v1/sla/policies", {
      name: "Urgent",
      condition: { all: [{ field: "priority", op: "eq", value: "urgent" }] },
      resolutionMinutes: 10,
    });
    expect(urgent.statusCode, urgent.body).toBe(201);
    await admin.post("/api/v1/sla/policies", { name: "Rest", resolutionMinutes: 30 });
    const hot = await createTicket(ctx, { subject: "Down", requester: { email: `hot-${Date.now()}@example.com` }, priority: "urgent" });
    const golden = await createTicket(ctx, {
      subject: "Question",
      requester: { email: `gold-${Date.now()}@example.com` },
      companyId: gold.id,
      priority: "urgent",
    });
    await until(async () => (await clockOf(admin, hot.id, "resolution"))?.policyName === "Urgent", "urgent policy");
    await until(async () => (await clockOf(admin, golden.id, "first_response"))?.policyName === "Gold customers", "company tier policy");
    await updateTicket(ctx, hot.id, { priority: "low" });
    await until(async () => (await clockOf(admin, hot.id, "resolution"))?.policyName === "Rest", "policy follows the ticket");
  });

  it("counts an imported ticket's clocks in business hours over a weekend and a holiday (Berlin office)", async () => {
    const admin = await newWorkspace(t.app);
    const ctx = ctxOf(admin);
    const blocks = [1, 2, 3, 4, 5].flatMap((day) => [
      { day, start: "09:00", end: "12:30" },
      { day, start: "13:30", end: "18:00" },
    ]);
    const berlin = (
      await admin.post("/api/v1/sla/calendars", { name: "Berlin", timeZone: "Europe/Berlin", blocks, holidays: [{ date: "2026-01-12", name: "Closed" }] })
    ).json();
    await admin.post("/api/v1/sla/policies", { name: "Office", firstResponseMinutes: 120, resolutionMinutes: 600, calendarId: berlin.id });
    // Friday 2026-01-09 17:00 Berlin: 1 h that evening; Monday is a holiday; Tuesday from 09:00.
    const ticket = await createTicket(
      ctx,
      { subject: "Friday evening", requester: { email: `fri-${Date.now()}@example.com` } },
      { createdAt: new Date("2026-01-09T16:00:00Z") },
    );
    await until(async () => (await slaOf(admin, ticket.id)).clocks.length === 2, "clocks computed");
    expect((await clockOf(admin, ticket.id, "first_response"))?.dueAt).toBe("2026-01-13T09:00:00.000Z");
    // 10 h: 1 h Friday, Tuesday 09:00–12:30 and 13:30–18:00 (8 h), 1 h Wednesday → 10:00 Berlin.
    expect((await clockOf(admin, ticket.id, "resolution"))?.dueAt).toBe("2026-01-14T09:00:00.000Z");
  });

  it("sorts and filters the ticket list by time to breach, paging by cursor, with clockless and paused tickets last", async () => {
    const admin = await newWorkspace(t.app);
    const ctx = ctxOf(admin);
    const policy = (name: string, priority: string, minutes: number) =>
      admin.post("/api/v1/sla/policies", { name, condition: { all: [{ field: "priority", op: "eq", value: priority }] }, resolutionMinutes: minutes });
    for (const [name, priority, minutes] of [
      ["Urgent", "urgent", 30],
      ["High", "high", 120],
      ["Normal", "normal", 600],
    ] as const)
      expect((await policy(name, priority, minutes)).statusCode).toBe(201);
    const make = (subject: string, priority: "low" | "normal" | "high" | "urgent") =>
      createTicket(ctx, { subject, requester: { email: `due-${subject}-${Date.now()}@example.com` }, priority });
    // Two tickets per due time, so a page boundary falls between equal due times and the id breaks the tie.
    const normal = await make("normal", "normal");
    const urgentA = await make("urgentA", "urgent");
    const high = await make("high", "high");
    const urgentB = await make("urgentB", "urgent");
    const none = await make("none", "low");
    const paused = await make("paused", "high");
    await updateTicket(ctx, paused.id, { status: "pending_customer" });
    const clocked = [normal, urgentA, high, urgentB, paused];
    await until(async () => {
      const rows = await t.database.db.select().from(ticketSlaClocks).where(eq(ticketSlaClocks.workspaceId, ctx.workspaceId));
      return rows.length === clocked.length && rows.some((r) => r.ticketId === paused.id && r.paused);
    }, "clocks computed");

    const pages = async (sort: "slaDueAt" | "-slaDueAt", extra: Record<string, string> = {}) => {
      const out: { subject: string; slaDueAt: string | null }[] = [];
      let cursor: string | undefined;
      do {
        const res = await admin.get(`/api/v1/tickets?${new URLSearchParams({ sort, limit: "2", ...extra, ...(cursor ? { cursor } : {}) })}`);
        expect(res.statusCode, res.body).toBe(200);
        const page = res.json() as { data: { subject: string; slaDueAt: string | null }[]; nextCursor: string | null };
        out.push(...page.data);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return out;
    };
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : 1);
    const urgents = [urgentA, urgentB].sort(byId).map((x) => x.subject);
    const clockless = [none, paused].sort(byId).map((x) => x.subject);
    const soonest = await pages("slaDueAt");
    expect(soonest.map((x) => x.subject)).toEqual([...urgents, "high", "normal", ...clockless]);
    const urgentDue = soonest[0]?.slaDueAt as string;
    expect(Date.parse(urgentDue)).toBe(Date.parse(urgentA.createdAt) + 30 * MIN);
    expect(soonest.find((x) => x.subject === "none")?.slaDueAt).toBeNull();
    expect(soonest.find((x) => x.subject === "paused")?.slaDueAt).toBeNull();
    // Furthest first still puts the tickets without a running clock last.
    expect((await pages("-slaDueAt")).map((x) => x.subject)).toEqual(["normal", "high", ...[...urgents].reverse(), ...[...clockless].reverse()]);
    expect((await pages("slaDueAt", { dueWithin: "60" })).map((x) => x.subject)).toEqual(urgents);
    expect((await pages("slaDueAt", { dueWithin: "180" })).map((x) => x.subject)).toEqual([...urgents, "high"]);

    // Solving the high ticket meets its resolution clock: it has no running clock left and drops to the end.
    await updateTicket(ctx, high.id, { status: "solved" });
    await until(async () => (await clockOf(admin, high.id, "resolution"))?.state === "met", "solved");
    expect((await pages("slaDueAt")).map((x) => x.subject)).toEqual([...urgents, "normal", ...[high, none, paused].sort(byId).map((x) => x.subject)]);
    expectProblem(await admin.get("/api/v1/tickets?sort=slaDueAt&cursor=bm9uc2Vuc2U"), 400);
    expectProblem(await admin.get("/api/v1/tickets?dueWithin=0"), 400);
    // The other sorts page as before, priority by rank (urgent first when descending).
    expect((await admin.get("/api/v1/tickets?sort=-priority&limit=1")).json().data[0].priority).toBe("urgent");
  });

  it("shows a ticket's clocks only to its own workspace", async () => {
    const admin = await newWorkspace(t.app);
    const other = await newWorkspace(t.app);
    const ticket = await createTicket(ctxOf(admin), { subject: "Mine", requester: { email: `own-${Date.now()}@example.com` } });
    expect((await slaOf(admin, ticket.id)).clocks).toEqual([]);
    expectProblem(await other.get(`/api/v1/tickets/${ticket.id}/sla`), 404);
  });
});
