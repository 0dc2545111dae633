import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../test/harness.js";

const naughtyFile = fileURLToPath(new URL("../../../shared/datasets/naughty_strings/blns.json", import.meta.url));

const pathsOf = (body: Record<string, unknown>) => (body.errors as { path: string }[]).map((e) => e.path);

describe.each(databaseKinds)("bad input on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  let contactId: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
    contactId = (await c.post("/api/v1/contacts", { firstName: "Valid" })).json().id;
    await c.post("/api/v1/custom-fields", { object: "contact", label: "Score", type: "number" });
    await c.post("/api/v1/custom-fields", { object: "contact", label: "Tier", type: "select", options: ["gold", "silver"] });
    await c.post("/api/v1/custom-fields", { object: "contact", label: "Renewal", type: "date", required: false });
  });
  afterAll(() => t.close());

  it("names the field for wrong types, unknown fields and oversized strings", async () => {
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: 42 }), 400, "validation_failed"))).toEqual(["firstName"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "A", favourite: "x" }), 400))).toEqual(["favourite"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "x".repeat(101) }), 400))).toEqual(["firstName"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/companies", { name: "" }), 400))).toEqual(["name"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/companies", { name: "X", employees: -1 }), 400))).toEqual(["employees"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/companies", { name: "X", address: { country: "Germany" } }), 400))).toEqual(["address.country"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/companies", { name: "X", domain: "not a domain" }), 400))).toEqual(["domain"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "A", lifecycleStage: "vip" }), 400))).toEqual(["lifecycleStage"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", {}), 400))).toEqual(["firstName"]);
  });

  it("rejects invalid emails and phones, naming the entry", async () => {
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { emails: [{ email: "not-an-email" }] }), 400))).toEqual(["emails.0.email"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "P", phones: [{ phone: "+1 555" }] }), 400))).toEqual(["phones.0.phone"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/companies", { name: "P", phone: "12" }), 400))).toEqual(["phone"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "P", emails: [{ email: "a@b.co" }, { email: "A@b.co" }] }), 400))).toEqual([
      "emails.1.email",
    ]);
  });

  it("rejects custom values of the wrong type or not among the options", async () => {
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "C", custom: { score: "lots" } }), 400))).toEqual(["custom.score"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "C", custom: { tier: "platinum" } }), 400))).toEqual(["custom.tier"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "C", custom: { renewal: "31/12/2026" } }), 400))).toEqual(["custom.renewal"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: "C", custom: { nope: 1 } }), 400))).toEqual(["custom.nope"]);
    expectProblem(await c.patch(`/api/v1/contacts/${contactId}`, { custom: { score: { a: 1 } } }), 400);
  });

  it("answers malformed JSON, wrong content types, bad ids and huge bodies with problems", async () => {
    expectProblem(await c.call("POST", "/api/v1/contacts", '{"firstName": "A",'), 400, "invalid_json");
    expectProblem(await c.call("POST", "/api/v1/contacts", "[1,2"), 400, "invalid_json");
    expectProblem(await c.call("POST", "/api/v1/contacts", "[]"), 400, "validation_failed");
    expectProblem(await c.call("POST", "/api/v1/contacts", "null"), 400);
    expect(pathsOf(expectProblem(await c.get("/api/v1/contacts/not-a-uuid"), 400))).toEqual(["params.id"]);
    expectProblem(await c.get("/api/v1/contacts/00000000-0000-7000-8000-000000000000"), 404, "not_found");
    expectProblem(await c.post("/api/v1/contacts", { firstName: "A", description: "y".repeat(2_000_000) }), 413, "payload_too_large");
    expectProblem(await c.get("/api/v1/nowhere"), 404, "not_found");
  });

  it("caps saved views' filter values instead of storing what fits in a request", async () => {
    const state = (value: unknown) => ({ object: "contact", name: "Big", shared: false, state: { filters: [{ field: "firstName", op: "eq", value }] } });
    const huge = expectProblem(await c.post("/api/v1/views", state("x".repeat(900_000))), 400, "validation_failed");
    expect(pathsOf(huge)).toEqual(["state.filters.0.value"]);
    expectProblem(await c.post("/api/v1/views", state(Array.from({ length: 1000 }, (_, i) => `v${i}`))), 400, "validation_failed");
    expectProblem(await c.post("/api/v1/views", state(["y".repeat(1000)])), 400, "validation_failed");
    expect((await c.post("/api/v1/views", state("x".repeat(500)))).statusCode).toBe(201);
  });

  it("refuses lone UTF-16 surrogates the same way everywhere, naming the field, instead of storing U+FFFD", async () => {
    const lone = "Caf\uD800e";
    expect(pathsOf(expectProblem(await c.post("/api/v1/contacts", { firstName: lone }), 400, "validation_failed"))).toEqual(["firstName"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/companies", { name: lone }), 400, "validation_failed"))).toEqual(["name"]);
    expect(pathsOf(expectProblem(await c.post("/api/v1/tasks", { title: `x${"\uDC00"}` }), 400, "validation_failed"))).toEqual(["title"]);
    expect(pathsOf(expectProblem(await c.patch(`/api/v1/contacts/${contactId}`, { tags: ["ok", lone] }), 400, "validation_failed"))).toEqual(["tags.1"]);
    // A well-formed pair (an emoji) is text like any other.
    const emoji = await c.post("/api/v1/companies", { name: "Café \uD83D\uDE00" });
    expect(emoji.statusCode, emoji.body).toBe(201);
    expect(emoji.json().name).toBe("Café 😀");
  });

  it("rejects bad list parameters clearly", async () => {
    expectProblem(await c.get("/api/v1/contacts?limit=0"), 400);
    expectProblem(await c.get("/api/v1/contacts?limit=abc"), 400);
    expectProblem(await c.get("/api/v1/contacts?limit=100000"), 400);
    expectProblem(await c.get("/api/v1/contacts?cursor=garbage"), 400);
    expectProblem(await c.get("/api/v1/contacts?sort=password"), 400);
    expectProblem(await c.get("/api/v1/contacts?sort=tags"), 400);
    expectProblem(await c.get("/api/v1/contacts?filter=notjson"), 400);
    expectProblem(await c.get(`/api/v1/contacts?filter=${encodeURIComponent('[{"field":"custom.score","op":"gt","value":"abc"}]')}`), 400);
    expectProblem(await c.get(`/api/v1/contacts?filter=${encodeURIComponent('[{"field":"createdAt","op":"gt","value":"yesterday"}]')}`), 400);
    expectProblem(await c.get(`/api/v1/contacts?filter=${encodeURIComponent('[{"field":"firstName","op":"like"}]')}`), 400);
    expectProblem(await c.get("/api/v1/contacts?unknownParam=1"), 400);
    expectProblem(await c.get("/api/v1/search"), 400);
    expectProblem(await c.get(`/api/v1/search?q=${"a".repeat(300)}`), 400);
  });

  it("leaves nothing half-written when one value in a request is bad", async () => {
    const before = (await c.get(`/api/v1/contacts/${contactId}`)).json();
    expectProblem(await c.patch(`/api/v1/contacts/${contactId}`, { firstName: "Changed", phones: [{ phone: "nope" }] }), 400);
    const after = (await c.get(`/api/v1/contacts/${contactId}`)).json();
    expect(after).toEqual(before);
    const timeline = (await c.get(`/api/v1/contacts/${contactId}/timeline`)).json().data;
    expect(timeline.filter((e: { action?: string }) => e.action === "update")).toEqual([]);
  });

  it.skipIf(!existsSync(naughtyFile))("stores and returns naughty strings intact, or refuses them with a 4xx — never a 500", async () => {
    const strings = (JSON.parse(readFileSync(naughtyFile, "utf8")) as string[]).filter((s) => s.length > 0 && s.length <= 100);
    let stored = 0;
    for (const s of strings) {
      const res = await c.post("/api/v1/contacts", { firstName: s, lastName: "Naughty", jobTitle: s, tags: [s.trim() || "x"].filter((x) => x.length <= 50) });
      expect(res.statusCode, `${JSON.stringify(s)} → ${res.body}`).toBeLessThan(500);
      if (res.statusCode === 201) {
        stored++;
        const back = (await c.get(`/api/v1/contacts/${res.json().id}`)).json();
        expect(back.firstName).toBe(s.trim());
      }
      const search = await c.get(`/api/v1/search?q=${encodeURIComponent(s.slice(0, 200))}`);
      expect(search.statusCode, `search ${JSON.stringify(s)}`).toBeLessThan(500);
    }
    expect(stored).toBeGreaterThan(strings.length * 0.9);
  });
});
