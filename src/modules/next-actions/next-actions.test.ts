import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pipeline } from "../../contract/deals.js";
import type { NextAction } from "../../contract/next-actions.js";
import type { Ctx } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { associationRules } from "./rules.js";
import { actOnNextAction, dismissNextAction, listNextActions } from "./service.js";

const DAY = 86_400_000;
const q = (over: Partial<{ object: "contact" | "company" | "deal"; id: string; limit: number }> = {}) => ({ limit: 50, ...over });

async function created(c: Client, url: string, body: unknown): Promise<{ id: string }> {
  const res = await c.post(url, body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string };
}

describe.each(databaseKinds)("next best actions on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let ctx: Ctx;
  let pipeline: Pipeline;
  const stage = (name: string) => pipeline.stages.find((s) => s.name === name)?.id as string;
  const exec = (query: ReturnType<typeof sql>) => t.database.db.execute(query);
  const list = async (now: Date, over = {}) => listNextActions(ctx, q(over), now);
  const ofKind = (actions: NextAction[], k: NextAction["kind"]) => actions.filter((a) => a.kind === k);

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const me = admin.session.me as { user: { id: string }; workspace: { id: string } };
    ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    pipeline = ((await admin.get("/api/v1/pipelines")).json().data as Pipeline[]).find((p) => p.isDefault) as Pipeline;
  });
  afterAll(() => t.close());

  it("flags an open deal beyond its stage's median time, from the workspace's own stage history, and a follow-up task answers it", async () => {
    const base = new Date(Date.now() - 60 * DAY);
    // Three deals that went through Proposal in 10, 12 and 14 days: Proposal usually takes 12.
    for (const [i, stay] of [10, 12, 14].entries()) {
      const deal = await created(admin, "/api/v1/deals", { name: `Past ${i}`, stageId: stage("Proposal") });
      expect((await admin.post(`/api/v1/deals/${deal.id}/stage`, { stageId: stage("Negotiation") })).statusCode).toBe(200);
      const enter = new Date(base.getTime() - 30 * DAY);
      await exec(sql`update deal_stage_changes set at = ${enter.toISOString()}::timestamptz, left_at = ${new Date(enter.getTime() + stay * DAY).toISOString()}::timestamptz
                     where deal_id = ${deal.id}::uuid and to_stage_id = ${stage("Proposal")}::uuid`);
    }
    const stuck = await created(admin, "/api/v1/deals", { name: "Stuck deal", stageId: stage("Proposal") });
    await exec(sql`update deals set stage_entered_at = ${base.toISOString()}::timestamptz where id = ${stuck.id}::uuid`);
    await exec(sql`update deal_stage_changes set at = ${base.toISOString()}::timestamptz where deal_id = ${stuck.id}::uuid`);
    // The stage's playbook tasks fell due two days after the deal entered it.
    await exec(
      sql`update tasks set due_at = ${new Date(base.getTime() + 2 * DAY).toISOString()}::timestamptz, remind_at = null where related_id = ${stuck.id}::uuid`,
    );

    // Eleven days in: within the usual twelve, nothing to say.
    expect(ofKind(await list(new Date(base.getTime() + 11 * DAY)), "stalled_deal")).toEqual([]);
    // Forty days in.
    const later = new Date(base.getTime() + 40 * DAY);
    const [stalled, ...others] = ofKind(await list(later), "stalled_deal");
    expect(others).toEqual([]);
    expect(stalled).toMatchObject({
      key: `stalled_deal:${stuck.id}`,
      record: { object: "deal", id: stuck.id, name: "Stuck deal" },
      reason: "40 days in Proposal, usually 12 days (median of 3 deals)",
      metrics: { daysInStage: 40, typicalDays: 12 },
      verbs: [{ verb: "create_task" }],
    });
    // The deal's own page shows it too; another deal's page does not.
    expect(ofKind(await list(later, { object: "deal", id: stuck.id }), "stalled_deal")).toHaveLength(1);

    const result = await actOnNextAction(ctx, { key: `stalled_deal:${stuck.id}`, verb: "create_task" }, later);
    expect(result.created?.object).toBe("task");
    const task = (await admin.get(`/api/v1/tasks/${result.created?.id}`)).json();
    expect(task).toMatchObject({ title: "Follow up on Stuck deal", status: "open", related: { object: "deal", id: stuck.id } });
    expect(ofKind(await list(later), "stalled_deal")).toEqual([]);
    // Once the follow-up is itself overdue, the deal is stalled again (and the task is an overdue follow-up).
    const muchLater = new Date(later.getTime() + 5 * DAY);
    const again = await list(muchLater);
    expect(ofKind(again, "stalled_deal").map((a) => a.metrics.daysInStage)).toEqual([45]);
    expect(ofKind(again, "overdue_task").map((a) => a.record.id)).toContain(task.id);
  });

  it("lists hot leads nobody has called, and logging the call clears them", async () => {
    const hot = await created(admin, "/api/v1/contacts", { firstName: "Hana", lastName: "Hot", lifecycleStage: "lead" });
    const cold = await created(admin, "/api/v1/contacts", { firstName: "Carl", lastName: "Cold", lifecycleStage: "lead" });
    await exec(sql`update contacts set lead_score = 85 where id = ${hot.id}::uuid`);
    await exec(sql`update contacts set lead_score = 40 where id = ${cold.id}::uuid`);
    const now = new Date();
    const leads = ofKind(await list(now), "hot_lead");
    expect(leads.map((a) => a.record.id)).toEqual([hot.id]);
    expect(leads[0]).toMatchObject({
      title: "Call Hana Hot",
      metrics: { leadScore: 85 },
      reason: "Lead score 85 (hot from 70) and no call, email or meeting yet",
    });

    expectProblem(await admin.post("/api/v1/next-actions/act", { key: `hot_lead:${hot.id}`, verb: "complete_task" }), 400, "validation_failed");
    const res = await admin.post("/api/v1/next-actions/act", { key: `hot_lead:${hot.id}`, verb: "log_call" });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ done: "Call with Hana Hot logged", created: { object: "activity" } });
    expect(ofKind(await list(new Date()), "hot_lead")).toEqual([]);
  });

  it("lists my overdue tasks from their due time on, and completes or reschedules them in one click", async () => {
    const due = new Date(Date.now() - 2 * DAY - 3_600_000);
    const task = await created(admin, "/api/v1/tasks", { title: "Send the quote", dueAt: due.toISOString() });
    expect(ofKind(await list(new Date(due.getTime() - 3_600_000)), "overdue_task").map((a) => a.record.id)).not.toContain(task.id);
    const overdue = ofKind(await list(new Date()), "overdue_task").find((a) => a.record.id === task.id);
    expect(overdue).toMatchObject({
      title: "Send the quote",
      reason: "Follow-up overdue by 2 days",
      verbs: [{ verb: "complete_task" }, { verb: "reschedule_task" }],
    });

    const now = new Date();
    await actOnNextAction(ctx, { key: `overdue_task:${task.id}`, verb: "reschedule_task" }, now);
    expect(Date.parse((await admin.get(`/api/v1/tasks/${task.id}`)).json().dueAt)).toBe(now.getTime() + DAY);
    expect(ofKind(await list(now), "overdue_task").map((a) => a.record.id)).not.toContain(task.id);
    // Two days on it is overdue again; completing it ends it for good.
    const later = new Date(now.getTime() + 2 * DAY);
    expect(ofKind(await list(later), "overdue_task").map((a) => a.record.id)).toContain(task.id);
    await actOnNextAction(ctx, { key: `overdue_task:${task.id}`, verb: "complete_task" }, later);
    expect((await admin.get(`/api/v1/tasks/${task.id}`)).json().status).toBe("done");
    expect(ofKind(await list(later), "overdue_task").map((a) => a.record.id)).not.toContain(task.id);
  });

  it("lists customers with no call, email or meeting for 90 days", async () => {
    const customer = await created(admin, "/api/v1/contacts", { firstName: "Quinn", lastName: "Quiet", lifecycleStage: "customer" });
    await exec(sql`update contacts set created_at = now() - interval '400 days' where id = ${customer.id}::uuid`);
    const called = new Date(Date.now() - 120 * DAY);
    const call = await admin.post(`/api/v1/contacts/${customer.id}/activities`, {
      type: "call",
      direction: "outbound",
      durationSeconds: 60,
      outcome: "connected",
      occurredAt: called.toISOString(),
    });
    expect(call.statusCode, call.body).toBe(201);
    // 80 days after the call: not yet quiet.
    expect(ofKind(await list(new Date(called.getTime() + 80 * DAY)), "no_recent_contact").map((a) => a.record.id)).not.toContain(customer.id);
    const quiet = ofKind(await list(new Date(called.getTime() + 120 * DAY)), "no_recent_contact").find((a) => a.record.id === customer.id);
    expect(quiet).toMatchObject({ title: "Check in with Quinn Quiet", metrics: { daysSinceContact: 120 } });
    expect(quiet?.reason).toBe("Customer with no call, email or meeting for 120 days (quiet after 90)");
  });

  it("dismisses for good, and snoozes until a time after which the suggestion comes back", async () => {
    const a = await created(admin, "/api/v1/contacts", { firstName: "Dee", lastName: "Dismissed", lifecycleStage: "lead" });
    const b = await created(admin, "/api/v1/contacts", { firstName: "Sam", lastName: "Snoozed", lifecycleStage: "lead" });
    await exec(sql`update contacts set lead_score = 90 where id in (${a.id}::uuid, ${b.id}::uuid)`);
    const now = new Date();
    const ids = async (at: Date) => ofKind(await list(at), "hot_lead").map((x) => x.record.id);
    expect(await ids(now)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect((await admin.post("/api/v1/next-actions/dismiss", { key: `hot_lead:${a.id}` })).statusCode).toBe(204);
    await dismissNextAction(ctx, { key: `hot_lead:${b.id}`, snoozeDays: 3 }, now);
    expect(await ids(now)).not.toContain(a.id);
    expect(await ids(now)).not.toContain(b.id);
    const after = await ids(new Date(now.getTime() + 4 * DAY));
    expect(after).toContain(b.id);
    expect(after).not.toContain(a.id);
    expect((await admin.post("/api/v1/next-actions/restore", { key: `hot_lead:${a.id}` })).statusCode).toBe(204);
    expect(await ids(now)).toContain(a.id);
    expectProblem(await admin.post("/api/v1/next-actions/dismiss", { key: "nonsense:1" }), 400, "validation_failed");
  });

  it("computes association rules over purchases with hand-checked support and confidence, and suggests the missing product", async () => {
    // A workspace of its own: the purchases are exactly this fixture.
    const c = await newWorkspace(t.app);
    const me = c.session.me as { user: { id: string }; workspace: { id: string } };
    const own: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    const p = ((await c.get("/api/v1/pipelines")).json().data as Pipeline[]).find((x) => x.isDefault) as Pipeline;
    const won = p.stages.find((s) => s.type === "won")?.id as string;
    const product = async (name: string) => (await created(c, "/api/v1/products", { name, sku: name.toUpperCase(), unitPrice: "100", currency: "EUR" })).id;
    const [p1, p2, p3] = [await product("Laptop"), await product("Dock"), await product("Warranty")];
    const baskets: [string, string[]][] = [
      ["C1", [p1, p2]],
      ["C2", [p1, p2]],
      ["C3", [p1, p3]],
      ["C4", [p2, p3]],
      ["C5", [p1]],
    ];
    const company: Record<string, string> = {};
    for (const [name, items] of baskets) {
      company[name] = (await created(c, "/api/v1/companies", { name })).id;
      const deal = await created(c, "/api/v1/deals", { name: `${name} order`, companyId: company[name], currency: "EUR" });
      const li = await c.call("PUT", `/api/v1/deals/${deal.id}/line-items`, { items: items.map((productId) => ({ productId, quantity: 1 })) });
      expect(li.statusCode, li.body).toBe(200);
      expect((await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: won })).statusCode).toBe(200);
    }
    // 5 customers; Laptop bought by 4, Dock by 3, Warranty by 2; Laptop+Dock by 2, the other pairs by 1 (below the minimum of 2).
    const rules = await associationRules(own);
    const round = (x: number) => Math.round(x * 10_000) / 10_000;
    expect(rules.map((r) => [r.fromProductId, r.toProductId, r.both, r.fromBuyers, r.customers, round(r.support), round(r.confidence), round(r.lift)])).toEqual(
      [
        [p2, p1, 2, 3, 5, 0.4, 0.6667, 0.8333],
        [p1, p2, 2, 4, 5, 0.4, 0.5, 0.8333],
      ],
    );

    const actions = ofKind(await listNextActions(own, q(), new Date()), "cross_sell");
    expect(actions.map((a) => [a.record.name, a.related?.name, round(a.metrics.confidence ?? 0), round(a.metrics.support ?? 0)])).toEqual([
      ["C4", "Laptop", 0.6667, 0.4],
      ["C3", "Dock", 0.5, 0.4],
      ["C5", "Dock", 0.5, 0.4],
    ]);
    expect(actions[0]?.reason).toBe("67 % of customers who bought Dock also bought Laptop (confidence 0.67, support 0.40: 2 customers bought both)");
    // On C3's page only C3's suggestion.
    expect(ofKind(await listNextActions(own, q({ object: "company", id: company.C3 as string }), new Date()), "cross_sell").map((a) => a.record.name)).toEqual([
      "C3",
    ]);

    // Creating the deal puts the product on an open deal of C5's: no longer a suggestion.
    const res = await actOnNextAction(own, { key: `cross_sell:${company.C5}:${p2}`, verb: "create_deal" });
    const deal = (await c.get(`/api/v1/deals/${res.created?.id}`)).json();
    expect(deal).toMatchObject({ name: "Dock for C5", companyId: company.C5, status: "open" });
    expect((await c.get(`/api/v1/deals/${deal.id}/line-items`)).json().data.map((l: { productId: string }) => l.productId)).toEqual([p2]);
    expect(ofKind(await listNextActions(own, q(), new Date()), "cross_sell").map((a) => a.record.name)).toEqual(["C4", "C3"]);
  });

  it("treats a contact without a company as the customer of the deals they are on, on the contact's and the deal's page", async () => {
    const c = await newWorkspace(t.app);
    const me = c.session.me as { user: { id: string }; workspace: { id: string } };
    const own: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    const p = ((await c.get("/api/v1/pipelines")).json().data as Pipeline[]).find((x) => x.isDefault) as Pipeline;
    const won = p.stages.find((s) => s.type === "won")?.id as string;
    const product = async (name: string) => (await created(c, "/api/v1/products", { name, sku: name.toUpperCase(), unitPrice: "10", currency: "EUR" })).id;
    const [tent, stove] = [await product("Tent"), await product("Stove")];
    const deals: Record<string, string> = {};
    const contacts: Record<string, string> = {};
    for (const [name, items] of [
      ["Kim", [tent, stove]],
      ["Lou", [tent, stove]],
      ["Max", [tent]],
    ] as [string, string[]][]) {
      contacts[name] = (await created(c, "/api/v1/contacts", { firstName: name, lastName: "Camper" })).id;
      const deal = await created(c, "/api/v1/deals", { name: `${name}'s kit`, contacts: [{ contactId: contacts[name] }], currency: "EUR" });
      deals[name] = deal.id;
      expect((await c.call("PUT", `/api/v1/deals/${deal.id}/line-items`, { items: items.map((productId) => ({ productId, quantity: 1 })) })).statusCode).toBe(
        200,
      );
      expect((await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: won })).statusCode).toBe(200);
    }
    const names = async (over: Partial<{ object: "contact" | "deal"; id: string }>) =>
      ofKind(await listNextActions(own, q(over), new Date()), "cross_sell").map((a) => [a.record.object, a.record.name, a.related?.name, a.metrics.confidence]);
    // Tent -> Stove: 2 of the 3 Tent buyers bought a Stove.
    expect(await names({})).toEqual([["contact", "Max Camper", "Stove", 2 / 3]]);
    expect(await names({ object: "contact", id: contacts.Max as string })).toEqual([["contact", "Max Camper", "Stove", 2 / 3]]);
    expect(await names({ object: "deal", id: deals.Max as string })).toEqual([["contact", "Max Camper", "Stove", 2 / 3]]);
    expect(await names({ object: "contact", id: contacts.Kim as string })).toEqual([]);
    const res = await actOnNextAction(own, { key: `cross_sell:${contacts.Max}:${stove}`, verb: "create_task" });
    expect((await c.get(`/api/v1/tasks/${res.created?.id}`)).json()).toMatchObject({
      title: "Offer Stove to Max Camper",
      related: { object: "contact", id: contacts.Max },
    });
  });

  it("shows a sales user narrowed to their own records only the suggestions on records they can read", async () => {
    const c = await newWorkspace(t.app);
    const rep = await userWithRole(t.app, c, "sales");
    const roles = (await c.get("/api/v1/roles")).json().data as { id: string; key: string; permissions: Record<string, unknown> }[];
    const sales = roles.find((r) => r.key === "sales") as (typeof roles)[number];
    const ownScope = { read: "own", create: true, edit: "own", delete: "own" };
    expect(
      (await c.patch(`/api/v1/roles/${sales.id}`, { permissions: { ...sales.permissions, contact: ownScope, company: ownScope, deal: ownScope } })).statusCode,
    ).toBe(200);
    const repCompany = await created(c, "/api/v1/companies", { name: "Rep Co", ownerId: rep.userId });
    const adminCompany = await created(c, "/api/v1/companies", { name: "Admin Co" });
    const mine = await created(c, "/api/v1/contacts", {
      firstName: "Mine",
      lastName: "Lead",
      companyId: repCompany.id,
      ownerId: rep.userId,
      lifecycleStage: "lead",
    });
    const theirs = await created(c, "/api/v1/contacts", { firstName: "Theirs", lastName: "Lead", companyId: repCompany.id, lifecycleStage: "lead" });
    await exec(sql`update contacts set lead_score = 95 where id in (${mine.id}::uuid, ${theirs.id}::uuid)`);

    const onCompany = await rep.get(`/api/v1/next-actions?object=company&id=${repCompany.id}`);
    expect(onCompany.statusCode, onCompany.body).toBe(200);
    expect((onCompany.json().data as NextAction[]).map((a) => a.record.id)).toEqual([mine.id]);
    // The admin, who reads everything, sees both on that company.
    expect(((await c.get(`/api/v1/next-actions?object=company&id=${repCompany.id}`)).json().data as NextAction[]).map((a) => a.record.id).sort()).toEqual(
      [mine.id, theirs.id].sort(),
    );
    expect(((await rep.get("/api/v1/next-actions")).json().data as NextAction[]).map((a) => a.record.id)).toEqual([mine.id]);
    expectProblem(await rep.get(`/api/v1/next-actions?object=company&id=${adminCompany.id}`), 404, "not_found");
    expectProblem(await rep.post("/api/v1/next-actions/act", { key: `hot_lead:${theirs.id}`, verb: "log_call" }), 404, "not_found");
    expectProblem(await rep.get(`/api/v1/next-actions?object=company`), 400, "validation_failed");
  });
});
