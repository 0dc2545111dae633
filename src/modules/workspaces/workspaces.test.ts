import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

describe.each(databaseKinds)("workspace settings (%s)", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());

  it("reads and changes the name, default country and currency", async () => {
    const admin = await newWorkspace(t.app, "Acme Settings");
    const before = (await admin.get("/api/v1/workspace")).json();
    expect(before).toMatchObject({ name: "Acme Settings", defaultCountry: null, defaultCurrency: "USD" });
    const res = await admin.patch("/api/v1/workspace", { name: "Acme GmbH", defaultCountry: "de", defaultCurrency: "eur" });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ name: "Acme GmbH", defaultCountry: "DE", defaultCurrency: "EUR" });
    // The default country is what national phone numbers are read in.
    const contact = await admin.post("/api/v1/contacts", { firstName: "Jonas", phones: [{ phone: "030 1234567" }] });
    expect(contact.statusCode, contact.body).toBe(201);
    expect(contact.json().phones[0].phone).toBe("+49301234567");
    const cleared = await admin.patch("/api/v1/workspace", { defaultCountry: null });
    expect(cleared.json().defaultCountry).toBeNull();
  });

  it("lets everyone read but only admins change it, and never another workspace", async () => {
    const admin = await newWorkspace(t.app);
    const other = await newWorkspace(t.app, "Other");
    const sales = await userWithRole(t.app, admin, "sales");
    expect((await sales.get("/api/v1/workspace")).statusCode).toBe(200);
    expectProblem(await sales.patch("/api/v1/workspace", { name: "Mine now" }), 403);
    await other.patch("/api/v1/workspace", { name: "Renamed other" });
    expect((await admin.get("/api/v1/workspace")).json().name).not.toBe("Renamed other");
  });

  it("refuses bad input naming the field", async () => {
    const admin = await newWorkspace(t.app);
    const bad = expectProblem(await admin.patch("/api/v1/workspace", { defaultCountry: "Germany" }), 400);
    expect(JSON.stringify(bad.errors)).toContain("defaultCountry");
    expectProblem(await admin.patch("/api/v1/workspace", { defaultCurrency: "euro" }), 400);
    expectProblem(await admin.patch("/api/v1/workspace", { name: "" }), 400);
    expectProblem(await admin.patch("/api/v1/workspace", { plan: "enterprise" }), 400);
  });
});
