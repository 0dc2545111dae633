import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";

const filter = (conds: unknown[]) => `filter=${encodeURIComponent(JSON.stringify(conds))}`;

describe.each(databaseKinds)("custom fields on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
    for (const f of [
      {
        object: "contact",
        label: "Region",
        type: "select",
        options: ["EMEA", "APAC", "AMER"],
      },
      { object: "contact", label: "Seats", type: "number" },
      {
        object: "contact",
        label: "Contract value",
        type: "currency",
        options: ["EUR"],
      },
      { object: "contact", label: "Renewal date", type: "date" },
      { object: "contact", label: "Champion", type: "boolean" },
      {
        object: "contact",
        label: "Products",
        type: "multi_select",
        options: ["CRM", "Mail", "Desk"],
      },
      { object: "contact", label: "Website", type: "url" },
      { object: "contact", label: "Assistant email", type: "email" },
      { object: "contact", label: "Assistant phone", type: "phone" },
      { object: "contact", label: "Notes 2", type: "long_text" },
    ]) {
      const res = await c.post("/api/v1/custom-fields", f);
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(() => t.close());

  it("derives keys from labels and lists definitions per object", async () => {
    const fields = (await c.get("/api/v1/custom-fields?object=contact")).json().data;
    expect(fields.map((f: { key: string }) => f.key)).toEqual([
      "region",
      "seats",
      "contract_value",
      "renewal_date",
      "champion",
      "products",
      "website",
      "assistant_email",
      "assistant_phone",
      "notes_2",
    ]);
    expect((await c.get("/api/v1/custom-fields?object=company")).json().data).toEqual([]);
    expectProblem(
      await c.post("/api/v1/custom-fields", {
        object: "contact",
        label: "Region",
        type: "text",
      }),
      409,
      "conflict",
    );
    expectProblem(
      await c.post("/api/v1/custom-fields", {
        object: "contact",
        label: "Empty select",
        type: "select",
      }),
      400,
    );
  });

  it("validates and normalises values of every type", async () => {
    const res = await c.post("/api/v1/contacts", {
      firstName: "Cus",
      custom: {
        region: "EMEA",
        seats: "40",
        contract_value: 1999.5,
        renewal_date: "2027-01-31",
        champion: true,
        products: ["CRM", "Mail", "CRM"],
        website: "https://example.org",
        assistant_email: "PA@Example.org",
        assistant_phone: "+44 20 7946 0958",
        notes_2: "long\ntext",
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().custom).toEqual({
      region: "EMEA",
      seats: 40,
      contract_value: 1999.5,
      renewal_date: "2027-01-31",
      champion: true,
      products: ["CRM", "Mail"],
      website: "https://example.org",
      assistant_email: "pa@example.org",
      assistant_phone: "+442079460958",
      notes_2: "long\ntext",
    });
    const updated = await c.patch(`/api/v1/contacts/${res.json().id}`, {
      custom: { seats: null, region: "APAC" },
    });
    expect(updated.json().custom.seats).toBeUndefined();
    expect(updated.json().custom.region).toBe("APAC");
    expect(updated.json().custom.products).toEqual(["CRM", "Mail"]);
  });

  it("filters and sorts by custom fields", async () => {
    const ws = await newWorkspace(t.app);
    await ws.post("/api/v1/custom-fields", {
      object: "contact",
      label: "Tier",
      type: "select",
      options: ["gold", "silver"],
    });
    await ws.post("/api/v1/custom-fields", {
      object: "contact",
      label: "Seats",
      type: "number",
    });
    await ws.post("/api/v1/custom-fields", {
      object: "contact",
      label: "Tools",
      type: "multi_select",
      options: ["a", "b"],
    });
    await ws.post("/api/v1/contacts", {
      firstName: "G1",
      custom: { tier: "gold", seats: 9, tools: ["a"] },
    });
    await ws.post("/api/v1/contacts", {
      firstName: "G2",
      custom: { tier: "gold", seats: 100, tools: ["a", "b"] },
    });
    await ws.post("/api/v1/contacts", {
      firstName: "S1",
      custom: { tier: "silver", seats: 50 },
    });
    const names = async (q: string) => (await ws.get(`/api/v1/contacts?${q}`)).json().data.map((x: { firstName: string }) => x.firstName);
    expect(await names(`sort=firstName&${filter([{ field: "custom.tier", op: "eq", value: "gold" }])}`)).toEqual(["G1", "G2"]);
    // Numeric, not text, comparison: 9 < 50 < 100.
    expect(await names("sort=custom.seats")).toEqual(["G1", "S1", "G2"]);
    expect(await names(`${filter([{ field: "custom.seats", op: "gt", value: 10 }])}&sort=-custom.seats`)).toEqual(["G2", "S1"]);
    expect(await names(`${filter([{ field: "custom.tools", op: "contains", value: "b" }])}`)).toEqual(["G2"]);
    expect(await names(`${filter([{ field: "custom.tools", op: "empty" }])}`)).toEqual(["S1"]);
  });

  it("enforces required fields on create and when clearing", async () => {
    const ws = await newWorkspace(t.app);
    await ws.post("/api/v1/custom-fields", {
      object: "company",
      label: "Account number",
      type: "text",
      required: true,
    });
    const problem = expectProblem(await ws.post("/api/v1/companies", { name: "NoNumber" }), 400, "validation_failed");
    expect(problem.errors).toEqual([{ path: "custom.account_number", message: "Account number is required" }]);
    const ok = (
      await ws.post("/api/v1/companies", {
        name: "Numbered",
        custom: { account_number: "A-1" },
      })
    ).json();
    expectProblem(
      await ws.patch(`/api/v1/companies/${ok.id}`, {
        custom: { account_number: "" },
      }),
      400,
    );
  });
});
