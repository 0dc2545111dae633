import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Pipeline } from "../../contract/deals.js";
import { frequencyMonetaryOf, type RfmReport, rfmGroupOf, type Segment } from "../../contract/segments.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

async function newContact(c: Client, body: Record<string, unknown>): Promise<string> {
  const res = await c.post("/api/v1/contacts", body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id as string;
}
async function newSegment(c: Client, body: Record<string, unknown>): Promise<Segment> {
  const res = await c.post("/api/v1/segments", body);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as Segment;
}
const idsOf = async (c: Client, url: string) => ((await c.get(url)).json().data as { id: string }[]).map((x) => x.id).sort();

describe.each(databaseKinds)("segments on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
  });
  afterAll(async () => t?.close());

  it("counts a dynamic segment as SQL at read time, so membership follows the contacts' data", async () => {
    const w = await newWorkspace(t.app);
    const ann = await newContact(w, { firstName: "Ann", lifecycleStage: "customer", tags: ["vip"] });
    await newContact(w, { firstName: "Bob", lifecycleStage: "lead", tags: ["vip"] });
    await newContact(w, { firstName: "Cy", lifecycleStage: "customer" });
    const condition = { all: [{ field: "lifecycleStage", op: "eq", value: "customer" }] };
    expect((await w.post("/api/v1/segments/preview", { condition })).json()).toEqual({ count: 2 });
    const seg = await newSegment(w, { name: "Customers", kind: "dynamic", condition });
    expect(seg.count).toBe(2);
    const bob = (await w.get("/api/v1/contacts?q=Bob")).json().data[0].id as string;
    expect((await w.patch(`/api/v1/contacts/${bob}`, { lifecycleStage: "customer" })).statusCode).toBe(200);
    expect((await w.get(`/api/v1/segments/${seg.id}`)).json().count).toBe(3);
    // Narrowed by editing: the count follows at once.
    const vip = await w.patch(`/api/v1/segments/${seg.id}`, { condition: { all: [...condition.all, { field: "tags", op: "contains", value: "vip" }] } });
    expect(vip.json().count).toBe(2);
    // Usable as a contacts list filter (and so in exports, which take the list's filters).
    expect(await idsOf(w, `/api/v1/contacts?segment=${seg.id}`)).toEqual([ann, bob].sort());
    const csv = await w.get(`/api/v1/contacts/export?segment=${seg.id}`);
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.body.split("\n").filter((l) => /Ann|Bob|Cy/.test(l))).toHaveLength(2);
    expect((await w.get(`/api/v1/contacts/${ann}/segments`)).json().data.map((s: { name: string }) => s.name)).toEqual(["Customers"]);
  });

  it("reaches related records: company, deals and activities (no activity in the last 30 days)", async () => {
    const w = await newWorkspace(t.app);
    const co = (await w.post("/api/v1/companies", { name: "Acme", industry: "Software" })).json().id as string;
    const a = await newContact(w, { firstName: "A", companyId: co });
    const b = await newContact(w, { firstName: "B" });
    const pipes = (await w.get("/api/v1/pipelines")).json().data as Pipeline[];
    const p = pipes.find((x) => x.isDefault) as Pipeline;
    const won = p.stages.find((s) => s.type === "won") as { id: string };
    expect((await w.post("/api/v1/deals", { name: "D", stageId: won.id, amount: "100", contacts: [{ contactId: b, role: "user" }] })).statusCode).toBe(201);
    const logged = await w.post(`/api/v1/contacts/${a}/activities`, { type: "note", body: "Met at the fair" });
    expect(logged.statusCode, logged.body).toBe(201);
    const count = async (condition: unknown) => {
      const res = await w.post("/api/v1/segments/preview", { condition });
      expect(res.statusCode, res.body).toBe(200);
      return res.json().count as number;
    };
    expect(await count({ all: [{ field: "company.industry", op: "eq", value: "software" }] })).toBe(1);
    expect(await count({ all: [{ field: "deals.stageId", op: "eq", value: won.id }] })).toBe(1);
    expect(await count({ all: [{ field: "deals.status", op: "eq", value: "won" }] })).toBe(1);
    expect(await count({ all: [{ field: "activities.occurredAt", op: "inLast", value: { n: 30, unit: "day" }, quantifier: "none" }] })).toBe(1);
    expect(await count({ all: [{ field: "activities.type", op: "eq", value: "note" }] })).toBe(1);
    // A bad condition is a readable problem with its path.
    const bad = expectProblem(
      await w.post("/api/v1/segments/preview", { condition: { all: [{ field: "nope", op: "eq", value: 1 }] } }),
      400,
      "validation_failed",
    );
    expect(JSON.stringify(bad.errors)).toContain("condition.all.0.field");
  });

  it("keeps static lists by hand and from a selection; removing and unknown ids", async () => {
    const w = await newWorkspace(t.app);
    const ids = [await newContact(w, { firstName: "L1" }), await newContact(w, { firstName: "L2" }), await newContact(w, { firstName: "L3" })];
    const list = await newSegment(w, { name: "Fair visitors", kind: "static" });
    expect(list.count).toBe(0);
    expect((await w.post(`/api/v1/segments/${list.id}/members`, { contactIds: ids.slice(0, 2), source: "selection" })).json()).toEqual({ changed: 2 });
    expect((await w.post(`/api/v1/segments/${list.id}/members`, { contactIds: ids })).json()).toEqual({ changed: 1 });
    expect((await w.get(`/api/v1/segments/${list.id}`)).json().count).toBe(3);
    expect((await w.post(`/api/v1/segments/${list.id}/members/remove`, { contactIds: [ids[0]] })).json()).toEqual({ changed: 1 });
    expect(await idsOf(w, `/api/v1/contacts?segment=${list.id}`)).toEqual(ids.slice(1).sort());
    expectProblem(await w.post(`/api/v1/segments/${list.id}/members`, { contactIds: ["00000000-0000-7000-8000-000000000000"] }), 400, "validation_failed");
    // A trashed contact leaves the count.
    expect((await w.del(`/api/v1/contacts/${ids[1]}`)).statusCode).toBe(204);
    expect((await w.get(`/api/v1/segments/${list.id}`)).json().count).toBe(1);
    // Dynamic segments take no members; names are unique.
    const dyn = await newSegment(w, { name: "All", kind: "dynamic", condition: { all: [] } });
    expectProblem(await w.post(`/api/v1/segments/${dyn.id}/members`, { contactIds: [ids[2]] }), 400, "validation_failed");
    expectProblem(await w.post("/api/v1/segments", { name: "fair VISITORS", kind: "static" }), 409, "conflict");
    expectProblem(await w.post("/api/v1/segments", { name: "No condition", kind: "dynamic" }), 400, "validation_failed");
    expect((await w.del(`/api/v1/segments/${list.id}`)).statusCode).toBe(204);
    expectProblem(await w.get(`/api/v1/segments/${list.id}`), 404);
  });

  it("gives the audience of segments minus exclusions as one SQL predicate (campaigns)", async () => {
    const w = await newWorkspace(t.app);
    const a = await newContact(w, { firstName: "A", lifecycleStage: "customer" });
    const b = await newContact(w, { firstName: "B", lifecycleStage: "customer" });
    const l = await newContact(w, { firstName: "L", lifecycleStage: "lead" });
    const customers = await newSegment(w, { name: "C", kind: "dynamic", condition: { all: [{ field: "lifecycleStage", op: "eq", value: "customer" }] } });
    const extra = await newSegment(w, { name: "Extra", kind: "static" });
    const blocked = await newSegment(w, { name: "Blocked", kind: "static" });
    await w.post(`/api/v1/segments/${extra.id}/members`, { contactIds: [l] });
    await w.post(`/api/v1/segments/${blocked.id}/members`, { contactIds: [b] });
    const { audienceContactIds } = await import("./public.js");
    const me = w.session.me as { user: { id: string }; workspace: { id: string } };
    const ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "system" as const, userId: null, role: "admin" } };
    const ids = await t.database.db.execute(
      sql`select id from (${await audienceContactIds(ctx, { include: [customers.id, extra.id], exclude: [blocked.id] })}) x order by id`,
    );
    const rows = ((ids as unknown as { rows?: { id: string }[] }).rows ?? (ids as unknown as { id: string }[])).map((r) => r.id);
    expect(rows).toEqual([a, l].sort());
  });

  it("lets marketing manage, sales and read-only read, support not see; keeps workspaces apart", async () => {
    const seg = await newSegment(c, { name: "Role check", kind: "static" });
    const marketing = await userWithRole(t.app, c, "marketing");
    const sales = await userWithRole(t.app, c, "sales");
    const ro = await userWithRole(t.app, c, "read_only");
    const support = await userWithRole(t.app, c, "support");
    expect((await marketing.post("/api/v1/segments", { name: "By marketing", kind: "static" })).statusCode).toBe(201);
    expect((await sales.get("/api/v1/segments")).statusCode).toBe(200);
    expect((await ro.get(`/api/v1/segments/${seg.id}`)).statusCode).toBe(200);
    expectProblem(await sales.post("/api/v1/segments", { name: "No", kind: "static" }), 403, "forbidden");
    expectProblem(await ro.patch(`/api/v1/segments/${seg.id}`, { name: "No" }), 403, "forbidden");
    expectProblem(await ro.del(`/api/v1/segments/${seg.id}`), 403, "forbidden");
    expectProblem(await support.get("/api/v1/segments"), 403, "forbidden");
    const other = await newWorkspace(t.app);
    expectProblem(await other.get(`/api/v1/segments/${seg.id}`), 404);
    expectProblem(await other.get(`/api/v1/contacts?segment=${seg.id}`), 404);
    expectProblem(await other.patch(`/api/v1/segments/${seg.id}`, { name: "Mine" }), 404);
    expect((await other.get("/api/v1/segments")).json().data).toEqual([]);
  });

  it("builds the RFM grid from won deals with ntile quintiles, matching the same ranking done here", async () => {
    const w = await newWorkspace(t.app);
    const p = ((await w.get("/api/v1/pipelines")).json().data as Pipeline[]).find((x) => x.isDefault) as Pipeline;
    const won = p.stages.find((s) => s.type === "won") as { id: string };
    const ws = (w.session.me as { workspace: { id: string } }).workspace.id;
    const now = Date.now();
    const people: { id: string; lastAt: number; n: number; revenue: number }[] = [];
    for (let i = 0; i < 25; i++) {
      const id = await newContact(w, { firstName: `Buyer ${i}` });
      // Spread independently: recency by i, frequency by i mod 4, spend by a shuffled order.
      const n = (i % 4) + 1;
      const amount = ((i * 7) % 25) * 10 + 10;
      let last = 0;
      for (let k = 0; k < n; k++) {
        const res = await w.post("/api/v1/deals", { name: `D${i}-${k}`, stageId: won.id, amount: String(amount), contacts: [{ contactId: id, role: "user" }] });
        expect(res.statusCode, res.body).toBe(201);
        const at = now - (i * 10 + k) * 86_400_000;
        last = Math.max(last, at);
        await t.database.db.execute(
          sql`update deals set closed_at = ${new Date(at).toISOString()}::timestamptz where workspace_id = ${ws}::uuid and id = ${res.json().id}::uuid`,
        );
      }
      people.push({ id, lastAt: last, n, revenue: amount * n });
    }
    // Contacts that never bought are no customers.
    await newContact(w, { firstName: "Window shopper" });
    const ntile = <T>(rows: T[], cmp: (a: T, b: T) => number) => {
      const sorted = [...rows].sort(cmp);
      const out = new Map<T, number>();
      const size = sorted.length / 5;
      sorted.forEach((r, i) => {
        out.set(r, Math.floor(i / size) + 1);
      });
      return out;
    };
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const r = ntile(people, (a, b) => a.lastAt - b.lastAt || byId(a, b));
    const f = ntile(people, (a, b) => a.n - b.n || a.lastAt - b.lastAt || byId(a, b));
    const m = ntile(people, (a, b) => a.revenue - b.revenue || byId(a, b));
    const expected = new Map<string, number>();
    for (const x of people) {
      const key = `${r.get(x)}:${frequencyMonetaryOf(f.get(x) as number, m.get(x) as number)}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const res = await w.get("/api/v1/segments/rfm");
    expect(res.statusCode, res.body).toBe(200);
    const report = res.json() as RfmReport;
    expect(report.customers).toBe(25);
    expect(new Map(report.cells.map((c) => [`${c.recency}:${c.frequencyMonetary}`, c.count]))).toEqual(expected);
    for (const cell of report.cells) expect(cell.group).toBe(rfmGroupOf(cell.recency, cell.frequencyMonetary));
    expect(report.groups.reduce((a, g) => a + g.count, 0)).toBe(25);
    // The most recent, most frequent, biggest buyer is a champion; a cell's contacts are the ones ranked into it.
    const first = report.cells[0] as RfmReport["cells"][number];
    const cell = (await w.get(`/api/v1/segments/rfm/contacts?recency=${first.recency}&frequencyMonetary=${first.frequencyMonetary}`)).json();
    expect(cell.total).toBe(first.count);
    const want = people.filter((x) => r.get(x) === first.recency && frequencyMonetaryOf(f.get(x) as number, m.get(x) as number) === first.frequencyMonetary);
    expect(cell.data.map((x: { id: string }) => x.id).sort()).toEqual(want.map((x) => x.id).sort());
    const group = (await w.get(`/api/v1/segments/rfm/contacts?group=${first.group}`)).json();
    expect(group.total).toBe(report.groups.find((g) => g.group === first.group)?.count);
  });
});

describe("the RFM map", () => {
  it("names every cell of the 5 × 5 grid with the usual groups", () => {
    expect(rfmGroupOf(5, 5)).toBe("champions");
    expect(rfmGroupOf(5, 1)).toBe("new_customers");
    expect(rfmGroupOf(4, 1)).toBe("promising");
    expect(rfmGroupOf(3, 3)).toBe("need_attention");
    expect(rfmGroupOf(1, 5)).toBe("cant_lose");
    expect(rfmGroupOf(2, 4)).toBe("at_risk");
    expect(rfmGroupOf(2, 1)).toBe("hibernating");
    expect(rfmGroupOf(1, 1)).toBe("lost");
    expect(rfmGroupOf(3, 2)).toBe("about_to_sleep");
    expect(rfmGroupOf(4, 3)).toBe("potential_loyalist");
    expect(rfmGroupOf(3, 5)).toBe("loyal");
    const all = new Set<string>();
    for (let r = 1; r <= 5; r++) for (let fm = 1; fm <= 5; fm++) all.add(rfmGroupOf(r, fm));
    expect(all.size).toBe(11);
  });
});
