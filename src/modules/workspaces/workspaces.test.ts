import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../../test/harness.js";

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

  it("takes the country, currency and time zone at sign-up and shows them in /me and the settings", async () => {
    const email = `${unique("tz")}@example.com`;
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/signup",
      payload: {
        workspaceName: "Tokyo KK",
        name: "Aiko",
        email,
        password: "correct horse battery",
        defaultCountry: "jp",
        defaultCurrency: "jpy",
        timeZone: "Asia/Tokyo",
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().workspace.timeZone).toBe("Asia/Tokyo");
    const cookie = res.cookies.find((c) => c.name === "rapport_session");
    const admin = client(t.app, { cookie: `rapport_session=${cookie?.value}` });
    expect((await admin.get("/api/v1/auth/me")).json().workspace.timeZone).toBe("Asia/Tokyo");
    expect((await admin.get("/api/v1/workspace")).json()).toMatchObject({ defaultCountry: "JP", defaultCurrency: "JPY", timeZone: "Asia/Tokyo" });
  });

  it("starts API-created workspaces on UTC, changes the time zone later and refuses unknown zones", async () => {
    const admin = await newWorkspace(t.app);
    expect((await admin.get("/api/v1/workspace")).json().timeZone).toBe("UTC");
    expect((await admin.get("/api/v1/auth/me")).json().workspace.timeZone).toBe("UTC");
    const res = await admin.patch("/api/v1/workspace", { timeZone: "america/new_york" });
    expect(res.statusCode, res.body).toBe(200);
    // Stored in its canonical spelling, and what the web app reads at start-up.
    expect(res.json().timeZone).toBe("America/New_York");
    expect((await admin.get("/api/v1/auth/me")).json().workspace.timeZone).toBe("America/New_York");
    const bad = expectProblem(await admin.patch("/api/v1/workspace", { timeZone: "Mars/Olympus_Mons" }), 400);
    expect(JSON.stringify(bad.errors)).toContain("timeZone");
    expect((await admin.get("/api/v1/workspace")).json().timeZone).toBe("America/New_York");
    const signup = await t.app.inject({
      method: "POST",
      url: "/api/v1/auth/signup",
      payload: { workspaceName: "X", name: "X", email: `${unique("tz")}@example.com`, password: "correct horse battery", timeZone: "Nowhere/City" },
    });
    expect(JSON.stringify(expectProblem(signup, 400).errors)).toContain("timeZone");
  });
});
