import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../test/harness.js";

/** Two workspaces on one server: nothing of A's can be read, changed or linked from B, by any route. */
describe.each(databaseKinds)("workspace isolation on %s", (kind) => {
  let t: TestApp;
  let a: Client;
  let b: Client;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp(kind);
    a = await newWorkspace(t.app, "Alpha");
    b = await newWorkspace(t.app, "Beta");
    const field = await a.post("/api/v1/custom-fields", { object: "contact", label: "Secret tier", type: "select", options: ["gold", "silver"] });
    ids.field = field.json().id;
    const company = await a.post("/api/v1/companies", { name: "Alpha Secret Corp", domain: "alpha-secret.com" });
    ids.company = company.json().id;
    const contact = await a.post("/api/v1/contacts", {
      firstName: "Zelda",
      lastName: "Alphaonly",
      emails: [{ email: "zelda@alpha-secret.com" }],
      companyId: ids.company,
      custom: { secret_tier: "gold" },
    });
    ids.contact = contact.json().id;
    ids.activity = (await a.post(`/api/v1/contacts/${ids.contact}/activities`, { type: "note", body: "confidential" })).json().id;
    ids.key = (await a.post("/api/v1/api-keys", { name: "alpha key", role: "admin" })).json().id;
    ids.user = a.session.me?.user.id ?? "";
    ids.view = (await a.post("/api/v1/views", { object: "contact", name: "Alpha view", shared: true, state: { filters: [], columns: [] } })).json().id;
    ids.team = (await a.post("/api/v1/teams", { name: "Alpha team" })).json().id;
  });
  afterAll(() => t.close());

  it("B cannot read A's records by id", async () => {
    for (const url of [
      `/api/v1/contacts/${ids.contact}`,
      `/api/v1/companies/${ids.company}`,
      `/api/v1/contacts/${ids.contact}/timeline`,
      `/api/v1/companies/${ids.company}/timeline`,
      `/api/v1/users/${ids.user}`,
    ]) {
      expectProblem(await b.get(url), 404, "not_found");
    }
  });

  it("B's lists and search show none of A's data", async () => {
    for (const url of [
      "/api/v1/contacts",
      "/api/v1/companies",
      "/api/v1/contacts?trashed=true",
      "/api/v1/custom-fields",
      "/api/v1/api-keys",
      "/api/v1/views",
      "/api/v1/teams",
    ]) {
      const res = await b.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(JSON.stringify(res.json())).not.toMatch(/Alpha|alpha|Zelda/);
    }
    const users = (await b.get("/api/v1/users")).json().data;
    expect(users.map((u: { id: string }) => u.id)).not.toContain(ids.user);
    for (const q of ["Zelda", "Alphaonly", "alpha-secret.com", "zelda@alpha-secret.com"]) {
      expect((await b.get(`/api/v1/search?q=${encodeURIComponent(q)}`)).json().data).toEqual([]);
    }
  });

  it("B cannot change or delete A's records", async () => {
    expectProblem(await b.patch(`/api/v1/contacts/${ids.contact}`, { firstName: "Hacked" }), 404);
    expectProblem(await b.patch(`/api/v1/companies/${ids.company}`, { name: "Hacked" }), 404);
    expectProblem(await b.del(`/api/v1/contacts/${ids.contact}`), 404);
    expectProblem(await b.del(`/api/v1/companies/${ids.company}`), 404);
    expectProblem(await b.post(`/api/v1/contacts/${ids.contact}/restore`), 404);
    expectProblem(await b.post(`/api/v1/contacts/${ids.contact}/activities`, { type: "note", body: "x" }), 404);
    expectProblem(await b.patch(`/api/v1/custom-fields/${ids.field}`, { label: "Hacked" }), 404);
    expectProblem(await b.del(`/api/v1/custom-fields/${ids.field}`), 404);
    expectProblem(await b.del(`/api/v1/api-keys/${ids.key}`), 404);
    expectProblem(await b.patch(`/api/v1/users/${ids.user}`, { role: "read_only" }), 404);
    expectProblem(await b.patch(`/api/v1/views/${ids.view}`, { name: "Hacked" }), 404);
    expectProblem(await b.patch(`/api/v1/teams/${ids.team}`, { name: "Hacked" }), 404);
    const bulk = await b.post("/api/v1/contacts/bulk", { ids: [ids.contact], action: "delete" });
    expect(bulk.json()).toEqual({ affected: 0 });
    const bulkCompanies = await b.post("/api/v1/companies/bulk", { ids: [ids.company], action: "tag", tag: "pwned" });
    expect(bulkCompanies.json()).toEqual({ affected: 0 });
    // A's data is untouched.
    const contact = (await a.get(`/api/v1/contacts/${ids.contact}`)).json();
    expect(contact.firstName).toBe("Zelda");
    expect(contact.deletedAt).toBeNull();
    expect((await a.get(`/api/v1/companies/${ids.company}`)).json().tags).toEqual([]);
    expect((await a.get("/api/v1/api-keys")).json().data[0].revokedAt).toBeNull();
  });

  it("B cannot link its records to A's company, user or team", async () => {
    expectProblem(await b.post("/api/v1/contacts", { firstName: "Eve", companyId: ids.company }), 400, "validation_failed");
    expectProblem(await b.post("/api/v1/contacts", { firstName: "Eve", ownerId: ids.user }), 400, "validation_failed");
    expectProblem(await b.post("/api/v1/companies", { name: "Eve Co", parentId: ids.company }), 400, "validation_failed");
    expectProblem(await b.post("/api/v1/teams", { name: "Eve team", memberIds: [ids.user] }), 400, "validation_failed");
  });

  it("B's custom fields are its own: A's field key is unknown in B", async () => {
    expectProblem(await b.post("/api/v1/contacts", { firstName: "Eve", custom: { secret_tier: "gold" } }), 400, "validation_failed");
    expectProblem(
      await b.get(`/api/v1/contacts?filter=${encodeURIComponent(JSON.stringify([{ field: "custom.secret_tier", op: "eq", value: "gold" }]))}`),
      400,
    );
  });

  it("an API key acts only inside its own workspace", async () => {
    const created = (await a.post("/api/v1/api-keys", { name: "reader", role: "read_only" })).json();
    const res = await t.app.inject({ method: "GET", url: "/api/v1/contacts", headers: { authorization: `Bearer ${created.key}` } });
    expect(res.json().data.map((c: { id: string }) => c.id)).toEqual([ids.contact]);
    // Swapping in B's workspace id with A's secret does not authenticate.
    const bWorkspace = b.session.me?.workspace.id ?? "";
    const forged = created.key.replace(/^rpk_[0-9a-f-]{36}/, `rpk_${bWorkspace}`);
    expectProblem(await t.app.inject({ method: "GET", url: "/api/v1/contacts", headers: { authorization: `Bearer ${forged}` } }), 401);
  });
});
