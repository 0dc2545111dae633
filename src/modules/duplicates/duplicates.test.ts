import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

type Json = Record<string, unknown> & { id: string };

async function make(c: Client, path: string, body: unknown): Promise<Json> {
  const res = await c.post(path, body);
  if (res.statusCode !== 201) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
  return res.json();
}

async function timeline(
  c: Client,
  object: string,
  id: string,
): Promise<{ kind: string; id?: string; action?: string; activity?: Json; changes?: { field: string }[] }[]> {
  const all = [];
  let cursor: string | null = null;
  do {
    const res = await c.get(`/api/v1/${object}/${id}/timeline?limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.statusCode, res.body).toBe(200);
    all.push(...res.json().data);
    cursor = res.json().nextCursor;
  } while (cursor);
  return all;
}

describe.each(databaseKinds)("duplicates and merge on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  it("warns while typing: same email, same phone, similar name at the same company, same domain, similar company name", async () => {
    const ws = await newWorkspace(t.app);
    const acme = await make(ws, "/api/v1/companies", { name: "Acme Corporation", domain: "acme.com" });
    const jane = await make(ws, "/api/v1/contacts", {
      firstName: "Jane",
      lastName: "Smith",
      emails: [{ email: "jane@acme.com" }, { email: "j.smith@gmail.com" }],
      phones: [{ phone: "+49 30 1234567" }],
      companyId: acme.id,
    });
    const check = async (q: string) => {
      const res = await ws.get(`/api/v1/duplicates/check?${q}`);
      expect(res.statusCode, res.body).toBe(200);
      return res.json().data as { id: string; reasons: string[]; score: number }[];
    };
    expect(await check("object=contact&email=J.Smith@Gmail.com")).toEqual([expect.objectContaining({ id: jane.id, reasons: ["same email"] })]);
    expect((await check("object=contact&phone=%2B49301234567"))[0]?.reasons).toEqual(["same phone"]);
    const byName = await check(`object=contact&firstName=Jayne&lastName=Smith&companyId=${acme.id}`);
    expect(byName[0]?.reasons).toEqual(["similar name at the same company"]);
    expect(await check(`object=contact&firstName=Jane&lastName=Smith&companyId=${acme.id}&excludeId=${jane.id}`)).toEqual([]);
    expect(await check("object=contact&firstName=Peter&lastName=Parker&email=peter@example.com")).toEqual([]);
    expect((await check("object=company&domain=https://www.acme.com/about"))[0]).toEqual(expect.objectContaining({ id: acme.id, reasons: ["same domain"] }));
    expect((await check("object=company&name=ACME%20Corp."))[0]?.reasons).toEqual(["same name"]);
    const umbrella = await make(ws, "/api/v1/companies", { name: "Umbrella Pharmaceuticals GmbH" });
    expect((await check("object=company&name=Umbrela%20Pharmaceuticals"))[0]).toEqual(expect.objectContaining({ id: umbrella.id, reasons: ["similar name"] }));
    expect(await check("object=company&name=Globex")).toEqual([]);
    // Another workspace sees none of it.
    const other = await newWorkspace(t.app);
    expect((await other.get("/api/v1/duplicates/check?object=contact&email=jane@acme.com")).json().data).toEqual([]);
  });

  it("scans, queues pairs idempotently, merges contacts without losing an activity, and trashes the loser", async () => {
    const ws = await newWorkspace(t.app);
    const acme = await make(ws, "/api/v1/companies", { name: "Acme", domain: "acme.com" });
    await ws.post("/api/v1/custom-fields", { object: "contact", label: "Tier", type: "text" });
    const a = await make(ws, "/api/v1/contacts", {
      firstName: "Jane",
      lastName: "Smith",
      emails: [{ email: "jane@acme.com" }],
      tags: ["vip"],
      companyId: acme.id,
      custom: { tier: "gold" },
    });
    const b = await make(ws, "/api/v1/contacts", {
      firstName: "Jane",
      lastName: "Smyth",
      emails: [{ email: "jane@acme.com" }, { email: "jane.smyth@gmail.com" }],
      phones: [{ phone: "+44 20 7946 0018" }],
      jobTitle: "CTO",
      tags: ["partner"],
      companyId: acme.id,
      custom: { tier: "silver" },
    });
    const c = await make(ws, "/api/v1/contacts", { firstName: "Bob", lastName: "Stone", phones: [{ phone: "+44 20 7946 0018" }] });
    const unrelated = await make(ws, "/api/v1/contacts", { firstName: "Zed", lastName: "Quux", emails: [{ email: "zed@example.com" }] });
    for (const [who, n] of [
      [a, 3],
      [b, 4],
    ] as const) {
      for (let i = 0; i < n; i++) await make(ws, `/api/v1/contacts/${who.id}/activities`, { type: "note", body: `<p>${who.firstName} note ${i}</p>` });
    }
    await ws.patch(`/api/v1/contacts/${b.id}`, { jobTitle: "Chief Technology Officer" });

    const scan = await ws.post("/api/v1/duplicates/scan", {});
    expect(scan.statusCode, scan.body).toBe(200);
    expect(scan.json().phases.find((p: { object: string }) => p.object === "contact")).toEqual(expect.objectContaining({ pairs: 2, newPairs: 2 }));
    const again = (await ws.post("/api/v1/duplicates/scan", { object: "contact" })).json();
    expect(again.phases[0]).toEqual(expect.objectContaining({ pairs: 2, newPairs: 0 }));
    const queue = (await ws.get("/api/v1/duplicates?object=contact")).json();
    expect(queue.open).toBe(2);
    expect(queue.data).toHaveLength(2);
    const [top, second] = queue.data;
    expect(new Set([top.a.id, top.b.id])).toEqual(new Set([a.id, b.id]));
    expect(top.reasons).toEqual(["same email", "similar name at the same company"]);
    expect(second.reasons).toEqual(["same phone"]);
    expect(top.score).toBeGreaterThan(second.score);
    expect(JSON.stringify(queue.data)).not.toContain(unrelated.id);

    // Not a duplicate: stays dismissed through later scans.
    expect((await ws.post(`/api/v1/duplicates/${second.id}/dismiss`, {})).statusCode).toBe(204);
    await ws.post("/api/v1/duplicates/scan", { object: "contact" });
    expect((await ws.get("/api/v1/duplicates?object=contact")).json().open).toBe(1);
    expect((await ws.get("/api/v1/duplicates?object=contact&status=dismissed")).json().data[0].id).toBe(second.id);

    const preview = (await ws.get(`/api/v1/duplicates/merge-preview?object=contact&a=${a.id}&b=${b.id}`)).json();
    const differing = preview.fields.filter((f: { differs: boolean }) => f.differs).map((f: { field: string }) => f.field);
    expect(differing).toEqual(expect.arrayContaining(["lastName", "emails", "phones", "jobTitle", "tags", "custom.tier"]));

    const before = { a: await timeline(ws, "contacts", a.id), b: await timeline(ws, "contacts", b.id) };
    const activitiesBefore = [...before.a, ...before.b].filter((e) => e.kind === "activity").length;
    const historyBefore = [...before.a, ...before.b].filter((e) => e.kind === "change").map((e) => e.id);
    expect(activitiesBefore).toBe(7);

    const merged = await ws.post("/api/v1/duplicates/merge", {
      object: "contact",
      survivorId: a.id,
      loserId: b.id,
      choices: { "custom.tier": "loser", lastName: "survivor" },
    });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(merged.json().moved).toEqual(expect.objectContaining({ activities: 4 }));

    const survivor = (await ws.get(`/api/v1/contacts/${a.id}`)).json();
    expect(survivor.lastName).toBe("Smith");
    expect(survivor.jobTitle).toBe("Chief Technology Officer"); // blank on the survivor: the loser's value by default
    expect(survivor.emails.map((e: { email: string }) => e.email)).toEqual(["jane@acme.com", "jane.smyth@gmail.com"]);
    expect(survivor.primaryEmail).toBe("jane@acme.com");
    expect(survivor.phones.map((p: { phone: string }) => p.phone)).toEqual(["+442079460018"]);
    expect(survivor.tags.sort()).toEqual(["partner", "vip"]);
    expect(survivor.custom).toEqual({ tier: "silver" });

    const after = await timeline(ws, "contacts", a.id);
    expect(after.filter((e) => e.kind === "activity").length).toBe(activitiesBefore);
    const historyAfter = after.filter((e) => e.kind === "change").map((e) => e.id);
    for (const id of historyBefore) expect(historyAfter).toContain(id);
    const mergeEntry = after.find((e) => e.action === "merge");
    expect(mergeEntry?.changes?.[0]).toEqual({ field: "mergedFrom", from: null, to: b.id });
    expect(mergeEntry?.changes?.map((ch) => ch.field)).toEqual(expect.arrayContaining(["custom.tier", "jobTitle", "emails", "tags"]));

    const trash = (await ws.get("/api/v1/contacts?trashed=true")).json().data.map((x: Json) => x.id);
    expect(trash).toEqual([b.id]);
    const loserHistory = await timeline(ws, "contacts", b.id);
    expect(loserHistory.find((e) => e.action === "merge")?.changes).toEqual([{ field: "mergedInto", from: null, to: a.id }]);
    expect((await ws.get("/api/v1/duplicates?object=contact&status=merged")).json().data).toHaveLength(1);
    // A merged record cannot be merged again, and the dismissed Bob pair stays put.
    expectProblem(await ws.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: b.id }), 409, "conflict");
    expect((await ws.get(`/api/v1/contacts/${c.id}`)).json().deletedAt).toBeNull();
  });

  it("merges companies: contacts, child companies, deals, activities and history move to the survivor", async () => {
    const ws = await newWorkspace(t.app);
    const keep = await make(ws, "/api/v1/companies", { name: "Globex Corporation", domain: "globex.com", industry: "Energy" });
    const dupe = await make(ws, "/api/v1/companies", { name: "Globex Corp", domain: "globex.com", employees: 250 });
    const child = await make(ws, "/api/v1/companies", { name: "Globex Europe", parentId: dupe.id });
    const people = [];
    for (let i = 0; i < 3; i++)
      people.push(await make(ws, "/api/v1/contacts", { firstName: `P${i}`, lastName: "Person", companyId: i === 0 ? keep.id : dupe.id }));
    await make(ws, `/api/v1/companies/${keep.id}/activities`, { type: "note", body: "<p>keep</p>" });
    await make(ws, `/api/v1/companies/${dupe.id}/activities`, { type: "note", body: "<p>dupe 1</p>" });
    await make(ws, `/api/v1/companies/${dupe.id}/activities`, { type: "call", direction: "outbound", durationSeconds: 60, outcome: "connected" });
    const deal = await make(ws, "/api/v1/deals", { name: "Globex fleet", companyId: dupe.id, contacts: [{ contactId: people[1]?.id, role: "champion" }] });
    const shared = await make(ws, "/api/v1/deals", {
      name: "Globex shared",
      contacts: [
        { contactId: people[1]?.id, role: "user" },
        { contactId: people[2]?.id, role: "decision_maker" },
      ],
    });

    const scan = (await ws.post("/api/v1/duplicates/scan", { object: "company" })).json();
    expect(scan.phases[0].pairs).toBe(1);
    const [pair] = (await ws.get("/api/v1/duplicates?object=company")).json().data;
    expect(pair.reasons).toEqual(["same domain", "same name"]);

    const res = await ws.post("/api/v1/duplicates/merge", { object: "company", survivorId: keep.id, loserId: dupe.id, choices: {} });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().moved).toEqual(expect.objectContaining({ contacts: 2, childCompanies: 1, activities: 2, deals: 1 }));
    expect((await ws.get(`/api/v1/deals/${deal.id}`)).json().companyName).toBe("Globex Corporation");
    const survivor = (await ws.get(`/api/v1/companies/${keep.id}`)).json();
    expect(survivor).toEqual(expect.objectContaining({ name: "Globex Corporation", industry: "Energy", employees: 250 }));
    const staff = (await ws.get(`/api/v1/contacts?companyId=${keep.id}`)).json().data;
    expect(staff).toHaveLength(3);
    expect((await ws.get(`/api/v1/companies/${child.id}`)).json().parentId).toBe(keep.id);
    const tl = await timeline(ws, "companies", keep.id);
    expect(tl.filter((e) => e.kind === "activity")).toHaveLength(3);
    expect(tl.filter((e) => e.kind === "change" && e.action === "create")).toHaveLength(2);
    expect((await ws.get(`/api/v1/companies/${dupe.id}`)).json().deletedAt).not.toBeNull();

    // Merging two contacts moves the loser's places on deals; on a deal both were on, the survivor keeps its own role.
    const m = await ws.post("/api/v1/duplicates/merge", { object: "contact", survivorId: people[2]?.id, loserId: people[1]?.id, choices: {} });
    expect(m.statusCode, m.body).toBe(200);
    expect(m.json().moved).toEqual(expect.objectContaining({ deals: 1 }));
    expect((await ws.get(`/api/v1/deals/${deal.id}`)).json().contacts).toMatchObject([{ contactId: people[2]?.id, role: "champion" }]);
    expect((await ws.get(`/api/v1/deals/${shared.id}`)).json().contacts).toMatchObject([{ contactId: people[2]?.id, role: "decision_maker" }]);
  });

  it("refuses a merge that would break a validation rule and changes nothing", async () => {
    const ws = await newWorkspace(t.app);
    const a = await make(ws, "/api/v1/contacts", { firstName: "Al", lastName: "One", leadSource: "event" });
    const b = await make(ws, "/api/v1/contacts", { firstName: "Al", lastName: "Uno", leadSource: "ad" });
    await make(ws, `/api/v1/contacts/${b.id}/activities`, { type: "note", body: "<p>x</p>" });
    await ws.post("/api/v1/validation-rules", { object: "contact", field: "leadSource", allowedValues: ["event", "referral"] });
    const res = expectProblem(
      await ws.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: b.id, choices: { leadSource: "loser" } }),
      400,
      "validation_failed",
    );
    expect(res.errors).toEqual([expect.objectContaining({ path: "leadSource" })]);
    expect((await ws.get(`/api/v1/contacts/${b.id}`)).json().deletedAt).toBeNull();
    expect((await timeline(ws, "contacts", b.id)).filter((e) => e.kind === "activity")).toHaveLength(1);
    expectProblem(await ws.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: a.id }), 400, "validation_failed");
    expectProblem(await ws.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: b.id, choices: { shoeSize: "loser" } }), 400);
    const reader = await userWithRole(t.app, ws, "read_only");
    expectProblem(await reader.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: b.id }), 403, "forbidden");
    expectProblem(await reader.post("/api/v1/duplicates/scan", {}), 403, "forbidden");
    const other = await newWorkspace(t.app);
    expectProblem(await other.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: b.id }), 404, "not_found");
  });

  it("restores a field's previous value through the normal update, validated and recorded", async () => {
    const ws = await newWorkspace(t.app);
    await ws.post("/api/v1/custom-fields", { object: "contact", label: "Tier", type: "text" });
    const p = await make(ws, "/api/v1/contacts", { firstName: "Ro", lastName: "Back", jobTitle: "Engineer", custom: { tier: "A" } });
    await ws.patch(`/api/v1/contacts/${p.id}`, { jobTitle: "Manager", custom: { tier: "B" } });
    const change = (await timeline(ws, "contacts", p.id)).find((e) => e.action === "update");
    const restored = await ws.post(`/api/v1/contacts/${p.id}/restore-field`, { historyId: change?.id, field: "jobTitle" });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json().jobTitle).toBe("Engineer");
    expect(restored.json().custom.tier).toBe("B");
    expect((await ws.post(`/api/v1/contacts/${p.id}/restore-field`, { historyId: change?.id, field: "custom.tier" })).json().custom.tier).toBe("A");
    const entries = (await timeline(ws, "contacts", p.id)).filter((e) => e.action === "update");
    expect(entries).toHaveLength(3);
    expect(entries[0]?.changes).toEqual([{ field: "custom.tier", from: "B", to: "A" }]);
    // Validated like any update: a rule added since blocks the old value.
    await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", allowedValues: ["Engineer", "CTO"] });
    const later = (await timeline(ws, "contacts", p.id)).find((e) => e.action === "update" && e.changes?.some((ch) => ch.field === "jobTitle"));
    expectProblem(await ws.post(`/api/v1/contacts/${p.id}/restore-field`, { historyId: later?.id, field: "jobTitle" }), 400, "validation_failed");
    expectProblem(await ws.post(`/api/v1/contacts/${p.id}/restore-field`, { historyId: change?.id, field: "lastName" }), 400, "validation_failed");
    const company = await make(ws, "/api/v1/companies", { name: "Initech", employees: 10 });
    await ws.patch(`/api/v1/companies/${company.id}`, { employees: 20 });
    const cChange = (await timeline(ws, "companies", company.id)).find((e) => e.action === "update");
    expectProblem(await ws.post(`/api/v1/contacts/${p.id}/restore-field`, { historyId: cChange?.id, field: "employees" }), 400, "validation_failed");
    expect((await ws.post(`/api/v1/companies/${company.id}/restore-field`, { historyId: cChange?.id, field: "employees" })).json().employees).toBe(10);
    const other = await newWorkspace(t.app);
    expectProblem(await other.post(`/api/v1/companies/${company.id}/restore-field`, { historyId: cChange?.id, field: "employees" }), 404, "not_found");
  });
});
