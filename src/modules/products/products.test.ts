import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Deal, Pipeline } from "../../contract/deals.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

const pathsOf = (body: Record<string, unknown>) => (body.errors as { path: string }[]).map((e) => e.path);
const put = (c: Client, url: string, body: unknown) => c.call("PUT", url, body);

async function stages(c: Client) {
  const p = ((await c.get("/api/v1/pipelines")).json().data as Pipeline[])[0] as Pipeline;
  const byName = (name: string) => p.stages.find((s) => s.name === name)?.id as string;
  return { won: byName("Won"), lost: byName("Lost"), proposal: byName("Proposal") };
}

describe.each(databaseKinds)("products, price lists, line items and purchases on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
  });
  afterAll(() => t.close());

  it("keeps a catalogue with SKUs unique per workspace, editable by admins and managers only", async () => {
    const created = await c.post("/api/v1/products", {
      name: "Seat licence",
      sku: "SEAT-1",
      unitPrice: 49.99,
      currency: "usd",
      description: "Per user per month",
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ sku: "SEAT-1", unitPrice: "49.99", currency: "USD", active: true });
    expect(pathsOf(expectProblem(await c.post("/api/v1/products", { name: "Dup", sku: "seat-1", unitPrice: 1, currency: "USD" }), 409, "conflict"))).toEqual([
      "sku",
    ]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/products", { name: "Bad", sku: "has space", unitPrice: 1, currency: "USD" }), 400))).toEqual(["sku"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/products", { name: "Bad", sku: "B1", unitPrice: -1, currency: "USD" }), 400))).toEqual(["unitPrice"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/products", { name: "Bad", sku: "B1", unitPrice: 1, currency: "dollars" }), 400))).toEqual(["currency"]);
    const other = await newWorkspace(t.app);
    expect((await other.post("/api/v1/products", { name: "Same SKU elsewhere", sku: "SEAT-1", unitPrice: 1, currency: "USD" })).statusCode).toBe(201);
    expectProblem(await other.get(`/api/v1/products/${created.json().id}`), 404);

    const manager = await userWithRole(t.app, c, "manager");
    const sales = await userWithRole(t.app, c, "sales");
    expect((await manager.patch(`/api/v1/products/${created.json().id}`, { unitPrice: "55" })).json().unitPrice).toBe("55.00");
    expectProblem(await sales.post("/api/v1/products", { name: "No", sku: "NO", unitPrice: 1, currency: "USD" }), 403, "forbidden");
    expectProblem(await sales.patch(`/api/v1/products/${created.json().id}`, { name: "No" }), 403, "forbidden");
    expect((await sales.get("/api/v1/products?q=seat")).json().data.map((x: { sku: string }) => x.sku)).toEqual(["SEAT-1"]);
    expect((await c.get("/api/v1/products?active=false")).json().data).toEqual([]);
  });

  it("pages the catalogue by name", async () => {
    const ws = await newWorkspace(t.app);
    for (let i = 0; i < 7; i++) await ws.post("/api/v1/products", { name: `Item ${i % 3}`, sku: `I-${i}`, unitPrice: i, currency: "USD" });
    const ids = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: { data: { id: string }[]; nextCursor: string | null } = (await ws.get(`/api/v1/products?limit=3${cursor ? `&cursor=${cursor}` : ""}`)).json();
      for (const x of page.data) ids.add(x.id);
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids.size).toBe(7);
  });

  it("prices line items from the price list, else the product; totals with discounts; the amount follows the lines", async () => {
    const ws = await newWorkspace(t.app);
    const seat = (await ws.post("/api/v1/products", { name: "Seat", sku: "SEAT", unitPrice: 100, currency: "EUR" })).json();
    const setup = (await ws.post("/api/v1/products", { name: "Setup", sku: "SETUP", unitPrice: 999.99, currency: "EUR" })).json();
    const usd = (await ws.post("/api/v1/products", { name: "US only", sku: "USD1", unitPrice: 10, currency: "USD" })).json();
    const list = await ws.post("/api/v1/price-lists", { name: "Partners", currency: "EUR", entries: [{ productId: seat.id, price: 80 }] });
    expect(list.statusCode, list.body).toBe(201);
    expect(list.json().entries).toEqual([{ productId: seat.id, productName: "Seat", sku: "SEAT", price: "80.00" }]);
    expect((await ws.get("/api/v1/price-lists")).json().data[0]).toMatchObject({ name: "Partners", entryCount: 1 });

    const deal = (await ws.post("/api/v1/deals", { name: "Rollout", currency: "EUR", amount: 5, priceListId: list.json().id })).json() as Deal;
    const saved = await put(ws, `/api/v1/deals/${deal.id}/line-items`, {
      amountSource: "line_items",
      items: [
        { productId: seat.id, quantity: 3, discountPercent: 10 },
        { productId: setup.id, quantity: 1 },
        { name: "Travel", quantity: "0.5", unitPrice: "200.01" },
      ],
    });
    expect(saved.statusCode, saved.body).toBe(200);
    const body = saved.json();
    expect(body.data.map((i: { name: string; unitPrice: string; total: string }) => [i.name, i.unitPrice, i.total])).toEqual([
      ["Seat", "80.00", "216.00"],
      ["Setup", "999.99", "999.99"],
      ["Travel", "200.01", "100.01"],
    ]);
    expect(body.total).toBe("1316.00");
    expect(body.amount).toBe("1316.00");
    const after = (await ws.get(`/api/v1/deals/${deal.id}`)).json();
    expect(after).toMatchObject({ amount: "1316.00", amountSource: "line_items" });
    // Adding and removing single lines recompute it too; typing an amount is refused while it follows the lines.
    const added = (await ws.post(`/api/v1/deals/${deal.id}/line-items`, { productId: seat.id, quantity: 1 })).json();
    expect(added.amount).toBe("1396.00");
    const removed = (await ws.del(`/api/v1/deals/${deal.id}/line-items/${added.data[3].id}`)).json();
    expect(removed.amount).toBe("1316.00");
    expect(pathsOf(expectProblem(await ws.patch(`/api/v1/deals/${deal.id}`, { amount: 7 }), 400))).toEqual(["amount"]);
    // Switching back to manual keeps the amount editable.
    expect((await ws.patch(`/api/v1/deals/${deal.id}`, { amountSource: "manual", amount: 7 })).json().amount).toBe("7.00");
    // History tells who changed the lines.
    // Bad lines name the field.
    expect(pathsOf(expectProblem(await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [{ productId: usd.id, quantity: 1 }] }), 400))).toEqual([
      "items.0.unitPrice",
    ]);
    expect(pathsOf(expectProblem(await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [{ quantity: 0, unitPrice: 1, name: "X" }] }), 400))).toEqual([
      "items.0.quantity",
    ]);
    expect(pathsOf(expectProblem(await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [{ quantity: 1 }] }), 400))).toContain("items.0.unitPrice");
    expect(
      pathsOf(expectProblem(await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [{ productId: seat.id, quantity: 1, discountPercent: 101 }] }), 400)),
    ).toEqual(["items.0.discountPercent"]);
    expect(
      pathsOf(
        expectProblem(
          await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [{ productId: "00000000-0000-7000-8000-000000000000", quantity: 1 }] }),
          400,
        ),
      ),
    ).toContain("items.0.productId");
    const usdList = (await ws.post("/api/v1/price-lists", { name: "US", currency: "USD" })).json();
    expect(pathsOf(expectProblem(await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [], priceListId: usdList.id }), 400))).toEqual(["priceListId"]);
    // Products and lists in use are kept.
    expectProblem(await ws.del(`/api/v1/products/${seat.id}`), 409, "conflict");
    expectProblem(await ws.del(`/api/v1/price-lists/${list.json().id}`), 409, "conflict");
    expect((await ws.del(`/api/v1/price-lists/${usdList.id}`)).statusCode).toBe(204);
    // Price lists stay in their workspace; bad entries name the field.
    const stranger = await newWorkspace(t.app);
    expectProblem(await stranger.get(`/api/v1/price-lists/${list.json().id}`), 404);
    expect((await stranger.get("/api/v1/price-lists")).json().data).toEqual([]);
    expect(
      pathsOf(expectProblem(await stranger.post("/api/v1/price-lists", { name: "X", currency: "EUR", entries: [{ productId: seat.id, price: 1 }] }), 400)),
    ).toEqual(["entries.0.productId"]);
    expect(pathsOf(expectProblem(await ws.post("/api/v1/price-lists", { name: "partners", currency: "EUR" }), 409))).toEqual(["name"]);
    expect(
      pathsOf(expectProblem(await ws.post("/api/v1/price-lists", { name: "Y", currency: "EUR", entries: [{ productId: seat.id, price: "abc" }] }), 400)),
    ).toEqual(["entries.0.price"]);
    const sales = await userWithRole(t.app, ws, "sales");
    expectProblem(await sales.post("/api/v1/price-lists", { name: "Mine", currency: "EUR" }), 403, "forbidden");
    expect((await sales.get(`/api/v1/price-lists/${list.json().id}`)).statusCode).toBe(200);
    expect((await ws.del(`/api/v1/products/${usd.id}`)).statusCode).toBe(204);
    // Inactive products cannot be added to new lines.
    await ws.patch(`/api/v1/products/${setup.id}`, { active: false });
    expect(pathsOf(expectProblem(await put(ws, `/api/v1/deals/${deal.id}/line-items`, { items: [{ productId: setup.id, quantity: 1 }] }), 400))).toEqual([
      "items.0.productId",
    ]);
  });

  it("summarises purchases: won deals' line items for contacts (on the deal) and companies (their deals)", async () => {
    const ws = await newWorkspace(t.app);
    const { won, lost } = await stages(ws);
    const acme = (await ws.post("/api/v1/companies", { name: "Acme" })).json();
    const ann = (await ws.post("/api/v1/contacts", { firstName: "Ann", companyId: acme.id })).json();
    const bob = (await ws.post("/api/v1/contacts", { firstName: "Bob" })).json();
    const seat = (await ws.post("/api/v1/products", { name: "Seat", sku: "S", unitPrice: 100, currency: "USD" })).json();

    const empty = (await ws.get(`/api/v1/contacts/${ann.id}/purchases`)).json();
    expect(empty).toEqual({ lifetimeValue: [], firstPurchaseAt: null, lastPurchaseAt: null, purchaseCount: 0, purchases: [] });

    const d1 = (
      await ws.post("/api/v1/deals", { name: "First order", companyId: acme.id, currency: "USD", contacts: [{ contactId: ann.id, role: "decision_maker" }] })
    ).json();
    await put(ws, `/api/v1/deals/${d1.id}/line-items`, { amountSource: "line_items", items: [{ productId: seat.id, quantity: 2 }] });
    await ws.post(`/api/v1/deals/${d1.id}/stage`, { stageId: won });
    const d2 = (
      await ws.post("/api/v1/deals", { name: "Services", companyId: acme.id, amount: 300, currency: "USD", contacts: [{ contactId: bob.id, role: "user" }] })
    ).json();
    await ws.post(`/api/v1/deals/${d2.id}/stage`, { stageId: won });
    const d3 = (await ws.post("/api/v1/deals", { name: "Lost one", companyId: acme.id, amount: 9999, contacts: [{ contactId: ann.id, role: "user" }] })).json();
    await ws.post(`/api/v1/deals/${d3.id}/stage`, { stageId: lost, lostReason: "Price" });
    await ws.post("/api/v1/deals", { name: "Still open", companyId: acme.id, amount: 50, contacts: [{ contactId: ann.id, role: "user" }] });

    const annSummary = (await ws.get(`/api/v1/contacts/${ann.id}/purchases`)).json();
    expect(annSummary.purchaseCount).toBe(1);
    expect(annSummary.lifetimeValue).toEqual([{ currency: "USD", amount: "200.00" }]);
    expect(annSummary.purchases).toMatchObject([{ dealName: "First order", name: "Seat", quantity: "2.0000", total: "200.00" }]);
    expect(annSummary.firstPurchaseAt).toBe(annSummary.lastPurchaseAt);

    const acmeSummary = (await ws.get(`/api/v1/companies/${acme.id}/purchases`)).json();
    expect(acmeSummary.purchaseCount).toBe(2);
    expect(acmeSummary.lifetimeValue).toEqual([{ currency: "USD", amount: "500.00" }]);
    expect(acmeSummary.purchases.map((x: { name: string }) => x.name).sort()).toEqual(["Seat", "Services"]);
    expect(Date.parse(acmeSummary.lastPurchaseAt)).toBeGreaterThanOrEqual(Date.parse(acmeSummary.firstPurchaseAt));

    expectProblem(await ws.get("/api/v1/contacts/00000000-0000-7000-8000-000000000000/purchases"), 404);
    const other = await newWorkspace(t.app);
    expectProblem(await other.get(`/api/v1/companies/${acme.id}/purchases`), 404);
  });
});
