import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Permissions } from "../../contract/roles.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

type RoleRow = { id: string; key: string; name: string; permissions: Permissions; userCount: number };

describe.each(databaseKinds)("record visibility on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let rep: Client & { userId: string };
  let other: Client & { userId: string };
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    rep = await userWithRole(t.app, admin, "sales");
    other = await userWithRole(t.app, admin, "sales");
    ids.mine = (await rep.post("/api/v1/contacts", { firstName: "Mina", lastName: "Visible" })).json().id;
    ids.theirs = (await other.post("/api/v1/contacts", { firstName: "Theo", lastName: "Visible" })).json().id;
    ids.myCompany = (await rep.post("/api/v1/companies", { name: "Mine Visible GmbH" })).json().id;
    ids.theirCompany = (await other.post("/api/v1/companies", { name: "Theirs Visible GmbH" })).json().id;
    const myDeal = await rep.post("/api/v1/deals", { name: "Mine deal", amount: "100", currency: "EUR" });
    expect(myDeal.statusCode, myDeal.body).toBe(201);
    ids.myDeal = myDeal.json().id;
    ids.theirDeal = (await other.post("/api/v1/deals", { name: "Theirs deal", amount: "900", currency: "EUR" })).json().id;
  });
  afterAll(() => t.close());

  const roleOf = async (key: string) => ((await admin.get("/api/v1/roles")).json().data as RoleRow[]).find((r) => r.key === key) as RoleRow;

  it("seeds the built-in roles and keeps the defaults: sales reads all and edits only its own", async () => {
    const roles = (await admin.get("/api/v1/roles")).json().data as RoleRow[];
    expect(roles.map((r) => r.key).sort()).toEqual(["admin", "manager", "marketing", "read_only", "sales", "support"]);
    expect((await roleOf("sales")).userCount).toBe(2);
    expect((await rep.get("/api/v1/contacts?q=Visible")).json().data).toHaveLength(2);
    expect((await rep.get(`/api/v1/contacts/${ids.theirs}`)).statusCode).toBe(200);
    expectProblem(await rep.patch(`/api/v1/contacts/${ids.theirs}`, { jobTitle: "Hijacked" }), 403, "forbidden");
    expectProblem(await rep.del(`/api/v1/deals/${ids.theirDeal}`), 403, "forbidden");
    expect((await rep.patch(`/api/v1/contacts/${ids.mine}`, { jobTitle: "Mine" })).statusCode).toBe(200);
    // The matrix is the admins'.
    expectProblem(await rep.get("/api/v1/roles"), 403, "forbidden");
  });

  it("narrowed to own, a sales user sees only their records everywhere, and others' pages answer 404", async () => {
    const sales = await roleOf("sales");
    const own = { read: "own", create: true, edit: "own", delete: "own" } as const;
    const permissions = { ...sales.permissions, contact: own, company: own, deal: own };
    const res = await admin.patch(`/api/v1/roles/${sales.id}`, { permissions });
    expect(res.statusCode, res.body).toBe(200);
    const names = (r: { json(): { data: { id: string }[] } }) => r.json().data.map((x) => x.id);

    expect(names(await rep.get("/api/v1/contacts?q=Visible"))).toEqual([ids.mine]);
    expect(names(await rep.get("/api/v1/companies?q=Visible"))).toEqual([ids.myCompany]);
    expect(names(await rep.get("/api/v1/deals"))).toEqual([ids.myDeal]);
    expect((await rep.get("/api/v1/contacts/count?q=Visible")).json().count).toBe(1);
    const hits = (await rep.get("/api/v1/search?q=Visible")).json().data as { id: string }[];
    expect(hits.map((h) => h.id).sort()).toEqual([ids.mine, ids.myCompany].sort());
    const csv = (await rep.get("/api/v1/contacts/export?format=csv")).body;
    expect(csv).toContain("Mina");
    expect(csv).not.toContain("Theo");
    const dealCsv = (await rep.get("/api/v1/deals/export?format=csv")).body;
    expect(dealCsv).toContain("Mine deal");
    expect(dealCsv).not.toContain("Theirs deal");

    const pipelineId = (await rep.get(`/api/v1/deals/${ids.myDeal}`)).json().pipelineId as string;
    const board = (await rep.get(`/api/v1/pipelines/${pipelineId}/board`)).json() as { columns: { count: number; cards: { id: string }[] }[] };
    expect(board.columns.flatMap((c) => c.cards.map((d) => d.id))).toEqual([ids.myDeal]);
    expect(board.columns.reduce((n, c) => n + c.count, 0)).toBe(1);
    const report = await rep.get(`/api/v1/reports/pipeline?pipelineId=${pipelineId}`);
    expect(report.statusCode, report.body).toBe(200);
    expect(report.body).not.toContain("900");

    for (const url of [`/api/v1/contacts/${ids.theirs}`, `/api/v1/companies/${ids.theirCompany}`, `/api/v1/deals/${ids.theirDeal}`]) {
      expectProblem(await rep.get(url), 404, "not_found");
    }
    expectProblem(await rep.patch(`/api/v1/contacts/${ids.theirs}`, { jobTitle: "x" }), 404, "not_found");
    expectProblem(await rep.del(`/api/v1/companies/${ids.theirCompany}`), 404, "not_found");
    // A bulk action over others' records leaves them alone.
    expect((await rep.post("/api/v1/contacts/bulk", { ids: [ids.theirs], action: "delete" })).json().affected).toBe(0);
    // The admin still sees everything.
    expect((await admin.get("/api/v1/contacts?q=Visible")).json().data).toHaveLength(2);

    // Shared beyond the rule: the record appears for the rep, read-only.
    const shared = await other.post(`/api/v1/shares/contact/${ids.theirs}`, { userId: rep.userId, level: "read" });
    expect(shared.statusCode, shared.body).toBe(201);
    expect(shared.json().data[0].name).toBe("sales user");
    expect(names(await rep.get("/api/v1/contacts?q=Visible")).sort()).toEqual([ids.mine, ids.theirs].sort());
    expect((await rep.get(`/api/v1/contacts/${ids.theirs}`)).statusCode).toBe(200);
    expectProblem(await rep.patch(`/api/v1/contacts/${ids.theirs}`, { jobTitle: "x" }), 403, "forbidden");
    await other.post(`/api/v1/shares/contact/${ids.theirs}`, { userId: rep.userId, level: "edit" });
    expect((await rep.patch(`/api/v1/contacts/${ids.theirs}`, { jobTitle: "Shared" })).statusCode).toBe(200);
    const shareId = (await other.get(`/api/v1/shares/contact/${ids.theirs}`)).json().data[0].id as string;
    expect((await other.del(`/api/v1/shares/contact/${ids.theirs}/${shareId}`)).statusCode).toBe(204);
    expectProblem(await rep.get(`/api/v1/contacts/${ids.theirs}`), 404, "not_found");
    // Sharing others' records is not the rep's to do.
    expectProblem(await rep.post(`/api/v1/shares/deal/${ids.theirDeal}`, { userId: rep.userId }), 404, "not_found");

    await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: sales.permissions });
  });

  it("custom roles: created from the matrix, given to users, refused deletion while in use", async () => {
    const created = await admin.post("/api/v1/roles", { name: "Partner desk", copyFrom: "read_only" });
    expect(created.statusCode, created.body).toBe(201);
    const role = created.json() as RoleRow;
    expect(role.key).toBe("partner_desk");
    expectProblem(await admin.post("/api/v1/roles", { name: "Partner desk" }), 409, "conflict");
    expectProblem(
      await admin.post("/api/v1/users", { name: "X", email: "nobody-role@example.com", role: "no_such_role", password: "long enough pw" }),
      422,
      "invalid_reference",
    );
    const partner = await userWithRole(t.app, admin, "partner_desk");
    expect((await partner.get("/api/v1/contacts")).statusCode).toBe(200);
    expectProblem(await partner.post("/api/v1/contacts", { firstName: "Nope" }), 403, "forbidden");
    const mine = (await partner.get("/api/v1/me/access")).json();
    expect(mine.role).toBe("partner_desk");
    expect(mine.permissions.contact.create).toBe(false);

    const renamed = await admin.patch(`/api/v1/roles/${role.id}`, { name: "Partners" });
    expect(renamed.json().name).toBe("Partners");
    const refused = expectProblem(await admin.del(`/api/v1/roles/${role.id}`), 409, "conflict");
    expect(refused.detail).toContain("1 user");
    expectProblem(await admin.del(`/api/v1/roles/${(await roleOf("sales")).id}`), 409, "conflict");
    await admin.patch(`/api/v1/users/${partner.userId}`, { role: "read_only" });
    expect((await admin.del(`/api/v1/roles/${role.id}`)).statusCode).toBe(204);

    // Its events (role.created/updated/deleted) are checked with every other write path in events/write-paths.test.ts.
  });

  it("field rules: a hidden custom field is absent from replies, lists and exports; a read-only one is refused on write", async () => {
    await admin.post("/api/v1/custom-fields", { object: "contact", label: "Salary", key: "salary", type: "number" });
    await admin.post("/api/v1/custom-fields", { object: "contact", label: "Tier", key: "tier", type: "text" });
    await admin.patch(`/api/v1/contacts/${ids.mine}`, { custom: { salary: 90000, tier: "gold" } });
    const sales = await roleOf("sales");
    expect((await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: { contact: { salary: "hidden", tier: "read_only" } } })).statusCode).toBe(200);
    expectProblem(await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: { contact: { nope: "hidden" } } }), 400);

    const page = (await rep.get(`/api/v1/contacts/${ids.mine}`)).json();
    expect(page.custom).toEqual({ tier: "gold" });
    const listed = (await rep.get("/api/v1/contacts?q=Mina")).json().data[0];
    expect(listed.custom.salary).toBeUndefined();
    const fields = (await rep.get("/api/v1/custom-fields?object=contact")).json().data as { key: string }[];
    expect(fields.map((f) => f.key)).not.toContain("salary");
    expect((await rep.get("/api/v1/contacts/export?format=csv")).body).not.toContain("90000");
    const refused = expectProblem(await rep.patch(`/api/v1/contacts/${ids.mine}`, { custom: { tier: "silver" } }), 403, "forbidden");
    expect(JSON.stringify(refused.errors)).toContain("custom.tier");
    expectProblem(await rep.patch(`/api/v1/contacts/${ids.mine}`, { custom: { salary: 1 } }), 403, "forbidden");
    // Sending back what was shown is not a change.
    expect((await rep.patch(`/api/v1/contacts/${ids.mine}`, { custom: { tier: "gold" }, jobTitle: "Kept" })).statusCode).toBe(200);
    expect((await admin.get(`/api/v1/contacts/${ids.mine}`)).json().custom).toEqual({ salary: 90000, tier: "gold" });
    await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: {} });
  });

  it("tasks, activities and timelines follow the task and activity rights, and a record's own visibility", async () => {
    const shared = (await admin.post("/api/v1/contacts", { firstName: "Ada", lastName: "Common" })).json().id as string;
    const note = async (c: Client, body: string) => {
      const res = await c.post(`/api/v1/contacts/${shared}/activities`, { type: "note", body });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const myNote = await note(rep, "rep's own note");
    const theirNote = await note(other, "the other rep's note");
    const task = async (c: Client, title: string) => {
      const res = await c.post("/api/v1/tasks", { title, related: { object: "contact", id: shared } });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const myTask = await task(rep, "rep's task");
    const theirTask = await task(other, "other rep's task");
    const onRecord = `/api/v1/tasks?relatedObject=contact&relatedId=${shared}&assignee=all`;
    const titles = async (c: Client) => ((await c.get(onRecord)).json().data as { title: string }[]).map((x) => x.title).sort();
    const notes = async (c: Client) =>
      ((await c.get(`/api/v1/contacts/${shared}/timeline`)).json().data as { kind: string; activity?: { id: string } }[])
        .flatMap((e) => (e.kind === "activity" && e.activity ? [e.activity.id] : []))
        .sort();

    // The defaults: everyone reads everyone's tasks and notes on a record, and changes only their own.
    expect(await titles(rep)).toEqual(["other rep's task", "rep's task"]);
    expect(await notes(rep)).toEqual([myNote, theirNote].sort());
    expectProblem(await rep.patch(`/api/v1/activities/${theirNote}`, { body: "edited" }), 403, "forbidden");
    expectProblem(await rep.del(`/api/v1/activities/${theirNote}`), 403, "forbidden");
    expectProblem(await rep.patch(`/api/v1/tasks/${theirTask}`, { title: "edited" }), 403, "forbidden");
    expect((await rep.patch(`/api/v1/activities/${myNote}`, { body: "rep's own note, edited" })).statusCode).toBe(200);

    // Tasks and activities narrowed to own: others' are gone from lists, the timeline and their own pages.
    const sales = await roleOf("sales");
    const own = { read: "own", create: true, edit: "own", delete: "own" } as const;
    expect((await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: { ...sales.permissions, task: own, activity: own } })).statusCode).toBe(200);
    expect(await titles(rep)).toEqual(["rep's task"]);
    expect(await notes(rep)).toEqual([myNote]);
    expect(await notes(admin)).toEqual([myNote, theirNote].sort());
    expectProblem(await rep.get(`/api/v1/tasks/${theirTask}`), 404, "not_found");
    expectProblem(await rep.patch(`/api/v1/tasks/${theirTask}`, { title: "edited" }), 404, "not_found");
    expectProblem(await rep.del(`/api/v1/tasks/${theirTask}`), 404, "not_found");
    expectProblem(await rep.get(`/api/v1/tasks/${theirTask}/history`), 404, "not_found");
    expectProblem(await rep.patch(`/api/v1/activities/${theirNote}`, { body: "edited" }), 404, "not_found");
    expectProblem(await rep.del(`/api/v1/activities/${theirNote}`), 404, "not_found");
    expectProblem(await rep.get(`/api/v1/activities/${theirNote}/history`), 404, "not_found");
    expect((await rep.get(`/api/v1/tasks/${myTask}`)).statusCode).toBe(200);
    // A task the rep handed to someone else stays theirs to see and change.
    const handed = (await rep.post("/api/v1/tasks", { title: "handed over", assigneeId: other.userId })).json().id as string;
    expect((await rep.patch(`/api/v1/tasks/${handed}`, { priority: "high" })).statusCode).toBe(200);
    expectProblem(await other.get(`/api/v1/tasks/${myTask}`), 404, "not_found");

    // A record the rep may not read: its timeline and its tasks panel answer 404 like its page.
    await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: { ...sales.permissions, contact: own } });
    expectProblem(await rep.get(`/api/v1/contacts/${shared}/timeline`), 404, "not_found");
    expectProblem(await rep.get(onRecord), 404, "not_found");
    expectProblem(await rep.post(`/api/v1/contacts/${shared}/activities`, { type: "note", body: "x" }), 404, "not_found");
    await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: sales.permissions });
  });

  it("a field hidden from a role is left out of the record's timeline too", async () => {
    await admin.post("/api/v1/custom-fields", { object: "contact", label: "Bonus", key: "bonus", type: "number" });
    const id = (await rep.post("/api/v1/contacts", { firstName: "Tim", lastName: "Line" })).json().id as string;
    await admin.patch(`/api/v1/contacts/${id}`, { custom: { bonus: 123457 } });
    const sales = await roleOf("sales");
    await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: { contact: { bonus: "hidden" } } });
    const seen = (await rep.get(`/api/v1/contacts/${id}/timeline`)).body;
    expect(seen).not.toContain("123457");
    expect(seen).toContain("Tim");
    expect((await admin.get(`/api/v1/contacts/${id}/timeline`)).body).toContain("123457");
    await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: {} });
  });
});
