import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pipeline } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { homeActivity, homeDeals, homeMeetings, homeQuota, homeTasks } from "./service.js";

async function created(c: Client, url: string, body: unknown): Promise<{ id: string }> {
  const res = await c.post(url, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

describe.each(databaseKinds)("home page on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let ctx: Ctx;
  let colleague: Client & { userId: string };
  let pipeline: Pipeline;
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)?.id as string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const me = admin.session.me as { user: { id: string }; workspace: { id: string } };
    ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    colleague = await userWithRole(t.app, admin, "sales");
    pipeline = ((await admin.get("/api/v1/pipelines")).json().data as Pipeline[]).find((p) => p.isDefault) as Pipeline;
    // The workspace's day, not the server's: Tokyo is UTC+9, so 20:00 UTC on the 17th is 05:00 on the 18th there.
    expect((await admin.patch("/api/v1/workspace", { timeZone: "Asia/Tokyo" })).statusCode).toBe(200);
  });
  afterAll(() => t.close());

  const now = new Date("2026-03-17T20:00:00Z"); // 2026-03-18 05:00 in Tokyo
  const at = (iso: string) => new Date(iso).toISOString();

  it("lists my overdue tasks and today's (the workspace's today), not later ones nor others'", async () => {
    const overdue = await created(admin, "/api/v1/tasks", { title: "Overdue call", dueAt: at("2026-03-16T01:00:00Z") });
    const earlierToday = await created(admin, "/api/v1/tasks", { title: "Earlier today", dueAt: at("2026-03-17T16:00:00Z") }); // 01:00 Tokyo, before now
    const laterToday = await created(admin, "/api/v1/tasks", { title: "Send proposal", dueAt: at("2026-03-18T10:00:00Z") }); // 19:00 Tokyo
    await created(admin, "/api/v1/tasks", { title: "Tomorrow", dueAt: at("2026-03-18T16:00:00Z") }); // 01:00 on the 19th in Tokyo
    await created(admin, "/api/v1/tasks", { title: "Someone else's", dueAt: at("2026-03-18T02:00:00Z"), assigneeId: colleague.userId });
    const done = await created(admin, "/api/v1/tasks", { title: "Done already", dueAt: at("2026-03-18T02:00:00Z") });
    expect((await admin.patch(`/api/v1/tasks/${done.id}`, { status: "done" })).statusCode).toBe(200);

    const home = await homeTasks(ctx, now);
    expect(home.today).toBe("2026-03-18");
    expect(home.overdue.map((x) => x.id)).toEqual([overdue.id, earlierToday.id]);
    expect(home.dueToday.map((x) => x.id)).toEqual([laterToday.id]);
    // The route answers for the real today.
    const res = await admin.get("/api/v1/home/tasks");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().overdue.map((x: { id: string }) => x.id)).toEqual(expect.arrayContaining([overdue.id, earlierToday.id, laterToday.id]));
  });

  it("lists today's meetings I organise or attend", async () => {
    const contact = await created(admin, "/api/v1/contacts", { firstName: "Mia", lastName: "Meeting" });
    const mine = await created(admin, "/api/v1/meetings", {
      subject: "Kick-off",
      startsAt: at("2026-03-18T01:00:00Z"),
      endsAt: at("2026-03-18T02:00:00Z"),
      location: "Room 1",
      related: { object: "contact", id: contact.id },
    });
    const invited = await created(colleague, "/api/v1/meetings", {
      subject: "Review",
      startsAt: at("2026-03-18T03:00:00Z"),
      endsAt: at("2026-03-18T04:00:00Z"),
      attendees: { userIds: [ctx.actor.userId] },
    });
    await created(colleague, "/api/v1/meetings", { subject: "Not mine", startsAt: at("2026-03-18T03:00:00Z"), endsAt: at("2026-03-18T04:00:00Z") });
    await created(admin, "/api/v1/meetings", { subject: "Yesterday", startsAt: at("2026-03-17T12:00:00Z"), endsAt: at("2026-03-17T13:00:00Z") });
    const home = await homeMeetings(ctx, now);
    expect(home.data.map((m) => [m.id, m.subject])).toEqual([
      [mine.id, "Kick-off"],
      [invited.id, "Review"],
    ]);
    expect(home.data[0]).toMatchObject({ location: "Room 1", endsAt: at("2026-03-18T02:00:00Z"), record: { object: "contact", id: contact.id } });
  });

  it("lists my open deals expected to close this month, with totals per currency", async () => {
    const a = await created(admin, "/api/v1/deals", {
      name: "March EUR",
      amount: "1000.50",
      currency: "EUR",
      expectedCloseDate: "2026-03-31",
      stageId: stage("Proposal"),
    });
    const b = await created(admin, "/api/v1/deals", { name: "March USD", amount: "200", currency: "USD", expectedCloseDate: "2026-03-01" });
    const c = await created(admin, "/api/v1/deals", { name: "March EUR 2", amount: "99.50", currency: "EUR", expectedCloseDate: "2026-03-20" });
    await created(admin, "/api/v1/deals", { name: "April", amount: "5", currency: "EUR", expectedCloseDate: "2026-04-01" });
    await created(admin, "/api/v1/deals", { name: "Theirs", amount: "5", currency: "EUR", expectedCloseDate: "2026-03-10", ownerId: colleague.userId });
    const won = await created(admin, "/api/v1/deals", { name: "Won", amount: "5", currency: "EUR", expectedCloseDate: "2026-03-10" });
    expect((await admin.post(`/api/v1/deals/${won.id}/stage`, { stageId: stage("Won") })).statusCode).toBe(200);
    const home = await homeDeals(ctx, now);
    expect(home.month).toBe("2026-03");
    expect(home.data.map((d) => d.id)).toEqual([b.id, c.id, a.id]);
    expect(home.data[2]).toMatchObject({ stageName: "Proposal", stageProbability: 50, amount: "1000.50" });
    expect(home.totals).toEqual([
      { currency: "EUR", amount: "1100.00", count: 2 },
      { currency: "USD", amount: "200.00", count: 1 },
    ]);
  });

  it("shows my quota of the running period against what I won, and nothing when no quota is set", async () => {
    const c = await newWorkspace(t.app);
    const me = c.session.me as { user: { id: string }; workspace: { id: string } };
    const own: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    expect((await homeQuota(own)).quota).toBeNull();
    const today = new Date();
    const month = `${today.getUTCFullYear()}-${String(today.getUTCMonth() + 1).padStart(2, "0")}`;
    const set = await c.call("PUT", "/api/v1/quotas", {
      quotas: [{ subjectType: "user", subjectId: me.user.id, period: month, amount: 4000, currency: "EUR" }],
    });
    expect(set.statusCode, set.body).toBe(200);
    const p = ((await c.get("/api/v1/pipelines")).json().data as Pipeline[]).find((x) => x.isDefault) as Pipeline;
    const deal = await created(c, "/api/v1/deals", { name: "Won now", amount: "1000", currency: "EUR" });
    expect((await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: p.stages.find((s) => s.type === "won")?.id })).statusCode).toBe(200);
    const res = await c.get("/api/v1/home/quota");
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().quota).toMatchObject({ period: month, amount: "4000.00", currency: "EUR", won: "1000.00", attainment: 25 });
    expect(res.json().quota.elapsed).toBeGreaterThan(0);
  });

  it("shows what others logged on my records lately, not my own entries nor others' records", async () => {
    const mine = await created(admin, "/api/v1/contacts", { firstName: "Owned", lastName: "ByMe" });
    const theirs = await created(admin, "/api/v1/contacts", { firstName: "Owned", lastName: "ByThem", ownerId: colleague.userId });
    const deal = await created(admin, "/api/v1/deals", { name: "My deal" });
    await created(colleague, `/api/v1/contacts/${mine.id}/activities`, { type: "note", subject: "Spoke to them", body: "fine" });
    await created(colleague, `/api/v1/deals/${deal.id}/activities`, { type: "note", subject: "Sent pricing", body: "ok" });
    await created(admin, `/api/v1/contacts/${mine.id}/activities`, { type: "note", subject: "My own note", body: "x" });
    await created(colleague, `/api/v1/contacts/${theirs.id}/activities`, { type: "note", subject: "On their record", body: "y" });
    const res = await admin.get("/api/v1/home/activity");
    expect(res.statusCode, res.body).toBe(200);
    const entries = (await homeActivity(ctx)).data;
    expect(entries.map((e) => [e.subject, e.record.name, e.authorName]).sort()).toEqual([
      ["Sent pricing", "My deal", "sales user"],
      ["Spoke to them", "Owned ByMe", "sales user"],
    ]);
    expect(res.json().data).toHaveLength(2);
  });
});
