import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uploadOk, waitForImport, workerApp } from "../modules/imports/testing.js";
import { type Client, client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../test/harness.js";

describe.each(databaseKinds)("roles on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let contactId: string;
  beforeAll(async () => {
    // Imports run as jobs: this app works them.
    t = await createTestApp(kind, workerApp);
    admin = await newWorkspace(t.app);
    contactId = (await admin.post("/api/v1/contacts", { firstName: "Ro", lastName: "Les" })).json().id;
  });
  afterAll(() => t.close());

  it("read-only can read but not write anything", async () => {
    const ro = await userWithRole(t.app, admin, "read_only");
    expect((await ro.get("/api/v1/contacts")).statusCode).toBe(200);
    expect((await ro.get(`/api/v1/contacts/${contactId}/timeline`)).statusCode).toBe(200);
    expect((await ro.get("/api/v1/search?q=Ro")).statusCode).toBe(200);
    expectProblem(await ro.post("/api/v1/contacts", { firstName: "Nope" }), 403, "forbidden");
    expectProblem(await ro.post("/api/v1/companies", { name: "Nope" }), 403, "forbidden");
    expectProblem(await ro.patch(`/api/v1/contacts/${contactId}`, { firstName: "Nope" }), 403, "forbidden");
    expectProblem(await ro.del(`/api/v1/contacts/${contactId}`), 403, "forbidden");
    expectProblem(await ro.post(`/api/v1/contacts/${contactId}/activities`, { type: "note", body: "x" }), 403, "forbidden");
    expectProblem(await ro.post("/api/v1/contacts/bulk", { ids: [contactId], action: "delete" }), 403, "forbidden");
    expectProblem(await ro.post("/api/v1/views", { object: "contact", name: "Shared", shared: true, state: {} }), 403, "forbidden");
    // A private view is reading, not writing: allowed.
    expect((await ro.post("/api/v1/views", { object: "contact", name: "Mine", shared: false, state: {} })).statusCode).toBe(201);
    expect((await admin.get(`/api/v1/contacts/${contactId}`)).json().firstName).toBe("Ro");
  });

  it.each(["manager", "sales", "support", "marketing"])("%s can work with records but not manage users, fields or keys", async (role) => {
    const u = await userWithRole(t.app, admin, role);
    expect((await u.post("/api/v1/contacts", { firstName: role })).statusCode).toBe(201);
    expect((await u.post("/api/v1/companies", { name: `${role} Co` })).statusCode).toBe(201);
    expectProblem(await u.post("/api/v1/users", { name: "X", email: "x@example.com", role: "admin", password: "long enough pw" }), 403);
    expectProblem(await u.patch(`/api/v1/users/${u.userId}`, { role: "admin" }), 403);
    expectProblem(await u.post("/api/v1/custom-fields", { object: "contact", label: "X", type: "text" }), 403);
    expectProblem(await u.get("/api/v1/api-keys"), 403);
    expectProblem(await u.post("/api/v1/api-keys", { name: "k", role: "admin" }), 403);
    expectProblem(await u.post("/api/v1/teams", { name: "t" }), 403);
  });

  it("an API key acts with its role, and stops working when revoked", async () => {
    const reader = (await admin.post("/api/v1/api-keys", { name: "reader", role: "read_only" })).json();
    const writer = (await admin.post("/api/v1/api-keys", { name: "writer", role: "sales" })).json();
    expect(reader.key).toMatch(/^rpk_/);
    const listed = (await admin.get("/api/v1/api-keys")).json().data;
    expect(JSON.stringify(listed)).not.toContain(reader.key);
    const asKey = (key: string, method: "GET" | "POST", url: string, payload?: unknown) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${key}`, ...(payload ? { "content-type": "application/json" } : {}) },
        payload: payload ? JSON.stringify(payload) : undefined,
      });
    expect((await asKey(reader.key, "GET", "/api/v1/contacts")).statusCode).toBe(200);
    expectProblem(await asKey(reader.key, "POST", "/api/v1/contacts", { firstName: "K" }), 403);
    expect((await asKey(writer.key, "POST", "/api/v1/contacts", { firstName: "K" })).statusCode).toBe(201);
    expectProblem(await asKey(writer.key, "GET", "/api/v1/api-keys"), 403);
    expect((await admin.del(`/api/v1/api-keys/${writer.id}`)).statusCode).toBe(204);
    expectProblem(await asKey(writer.key, "GET", "/api/v1/contacts"), 401, "unauthenticated");
    expectProblem(await t.app.inject({ method: "GET", url: "/api/v1/contacts", headers: { authorization: "Bearer rpk_garbage" } }), 401);
    expectProblem(await t.app.inject({ method: "GET", url: "/api/v1/contacts", headers: { authorization: "Basic abc" } }), 401);
  });

  it("a deactivated user is signed out and cannot sign in", async () => {
    const u = await userWithRole(t.app, admin, "sales");
    expect((await admin.patch(`/api/v1/users/${u.userId}`, { active: false })).statusCode).toBe(200);
    expectProblem(await u.get("/api/v1/contacts"), 401);
  });

  it("an admin cannot demote themselves", async () => {
    expectProblem(await admin.patch(`/api/v1/users/${admin.session.me?.user.id}`, { role: "sales" }), 409, "conflict");
  });

  it("without credentials every API route answers 401", async () => {
    for (const url of ["/api/v1/contacts", "/api/v1/companies", "/api/v1/users", "/api/v1/search?q=a", "/api/v1/custom-fields", "/api/v1/auth/me"]) {
      expectProblem(await t.app.inject({ method: "GET", url }), 401, "unauthenticated");
    }
  });
  it("keeps each user to their own: imports undone by their importer or a manager, rescoring needs write, keys act within their role", async () => {
    const rep = await userWithRole(t.app, admin, "sales");
    const other = await userWithRole(t.app, admin, "sales");
    const manager = await userWithRole(t.app, admin, "manager");
    const up = await uploadOk(t, rep, "contact", "mine.csv", "First Name,Email\nImy,imy@example.com\n");
    expect((await rep.post(`/api/v1/imports/${up.import.id}/run`, { mapping: up.suggestion.mapping })).statusCode).toBe(202);
    await waitForImport(rep, up.import.id);
    expectProblem(await other.post(`/api/v1/imports/${up.import.id}/undo`), 403, "forbidden");
    expect((await rep.get(`/api/v1/imports/${up.import.id}`)).json().status).toBe("completed");
    const undone = await manager.post(`/api/v1/imports/${up.import.id}/undo`);
    expect(undone.statusCode, undone.body).toBe(200);

    const ro = await userWithRole(t.app, admin, "read_only");
    expectProblem(await ro.post(`/api/v1/contacts/${contactId}/rescore`), 403, "forbidden");
    expect((await rep.post(`/api/v1/contacts/${contactId}/rescore`)).statusCode).toBe(200);

    // A read-only key its admin created reads the admin's views but changes none of them.
    const view = (await admin.post("/api/v1/views", { object: "contact", name: "Admin's own", shared: false, state: {} })).json();
    const key = (await admin.post("/api/v1/api-keys", { name: "reader", role: "read_only" })).json().key as string;
    const reader = client(t.app, { bearer: key });
    expect((await reader.get("/api/v1/views")).statusCode).toBe(200);
    expectProblem(await reader.patch(`/api/v1/views/${view.id}`, { name: "Hijacked" }), 403, "forbidden");
    expectProblem(await reader.del(`/api/v1/views/${view.id}`), 403, "forbidden");
    expectProblem(await reader.post("/api/v1/views", { object: "contact", name: "Planted", shared: false, state: {} }), 403, "forbidden");
    expect((await admin.get("/api/v1/views")).json().data.map((v: { name: string }) => v.name)).toContain("Admin's own");
  });
});
