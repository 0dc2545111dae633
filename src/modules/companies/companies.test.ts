import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { contactIdPagesOfCompany } from "../contacts/service.js";

describe.each(databaseKinds)("companies on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
  });
  afterAll(() => t.close());

  it("creates a company with normalised domain, phone and money", async () => {
    const res = await c.post("/api/v1/companies", {
      name: "Globex GmbH",
      domain: "https://www.Globex.de/impressum",
      industry: "Manufacturing",
      employees: 250,
      annualRevenue: 12500000.5,
      currency: "EUR",
      phone: "030 901820",
      address: {
        street: "Unter den Linden 1",
        city: "Berlin",
        postalCode: "10117",
        country: "de",
      },
      tags: ["enterprise", "enterprise"],
      description: "Makes widgets",
    });
    expect(res.statusCode, res.body).toBe(201);
    const company = res.json();
    expect(company).toMatchObject({
      domain: "globex.de",
      phone: "+4930901820",
      annualRevenue: "12500000.5",
      currency: "EUR",
      tags: ["enterprise"],
      address: { country: "DE", city: "Berlin" },
    });
  });

  it("links a parent company and refuses loops", async () => {
    const parent = (await c.post("/api/v1/companies", { name: "Parent Holding" })).json();
    const child = (
      await c.post("/api/v1/companies", {
        name: "Child Ltd",
        parentId: parent.id,
      })
    ).json();
    expect(child.parentId).toBe(parent.id);
    expectProblem(await c.patch(`/api/v1/companies/${parent.id}`, { parentId: child.id }), 400, "validation_failed");
    expectProblem(await c.patch(`/api/v1/companies/${parent.id}`, { parentId: parent.id }), 400, "validation_failed");
  });

  it("lists with filters on numbers and sorting by revenue", async () => {
    const ws = await newWorkspace(t.app);
    await ws.post("/api/v1/companies", {
      name: "Small",
      employees: 5,
      annualRevenue: 100,
    });
    await ws.post("/api/v1/companies", {
      name: "Mid",
      employees: 120,
      annualRevenue: 5000,
    });
    await ws.post("/api/v1/companies", {
      name: "Large",
      employees: 9000,
      annualRevenue: 90000,
    });
    await ws.post("/api/v1/companies", { name: "Unknown" });
    const f = encodeURIComponent(JSON.stringify([{ field: "employees", op: "gte", value: 100 }]));
    const big = (await ws.get(`/api/v1/companies?filter=${f}&sort=-employees`)).json().data.map((x: { name: string }) => x.name);
    expect(big).toEqual(["Large", "Mid"]);
    const byRevenue = (await ws.get("/api/v1/companies?sort=annualRevenue")).json().data.map((x: { name: string }) => x.name);
    expect(byRevenue).toEqual(["Small", "Mid", "Large", "Unknown"]);
  });

  it("shows its contacts' activity on its timeline, naming the contact", async () => {
    const company = (await c.post("/api/v1/companies", { name: "Initech" })).json();
    const peter = (
      await c.post("/api/v1/contacts", {
        firstName: "Peter",
        lastName: "Gibbons",
        companyId: company.id,
      })
    ).json();
    expect(peter.companyName).toBe("Initech");
    await c.post(`/api/v1/contacts/${peter.id}/activities`, {
      type: "call",
      direction: "outbound",
      durationSeconds: 420,
      outcome: "connected",
      body: "Discussed TPS reports",
    });
    await c.post(`/api/v1/companies/${company.id}/activities`, {
      type: "note",
      body: "<p>Account <b>plan</b><img src=x onerror=alert(1)></p>",
    });
    const timeline = (await c.get(`/api/v1/companies/${company.id}/timeline`)).json().data;
    const acts = timeline.filter((e: { kind: string }) => e.kind === "activity");
    expect(acts.map((e: { activity: { type: string } }) => e.activity.type)).toEqual(["note", "call"]);
    expect(acts[0].activity.body).toBe("<p>Account <b>plan</b></p>");
    expect(acts[1].about).toBe("Peter Gibbons");
    expect(acts[1].activity.details).toEqual({
      direction: "outbound",
      durationSeconds: 420,
      outcome: "connected",
    });
    expect(timeline.some((e: { kind: string; action?: string }) => e.kind === "change" && e.action === "create")).toBe(true);
  });

  it("pages a company's timeline through its own entries and its contacts' earlier ones without gaps", async () => {
    const company = (await c.post("/api/v1/companies", { name: "Merged Timeline" })).json();
    const joiner = (await c.post("/api/v1/contacts", { firstName: "Late", lastName: "Joiner" })).json();
    const day = (d: number) => new Date(Date.UTC(2025, 0, d)).toISOString();
    const note = (path: string, d: number) => c.post(`/api/v1/${path}/activities`, { type: "note", body: `d${d}`, occurredAt: day(d) });
    // Before joining (no company at the time), interleaved with the company's own entries.
    for (const d of [2, 5, 9, 14, 20]) await note(`contacts/${joiner.id}`, d);
    for (const d of [1, 3, 4, 8, 11, 15, 21, 25]) await note(`companies/${company.id}`, d);
    await c.patch(`/api/v1/contacts/${joiner.id}`, { companyId: company.id });
    for (const d of [7, 22]) await note(`contacts/${joiner.id}`, d);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { data: { kind: string; activity?: { body: string } }[]; nextCursor: string | null } = (
        await c.get(`/api/v1/companies/${company.id}/timeline?limit=3${cursor ? `&cursor=${cursor}` : ""}`)
      ).json();
      seen.push(...body.data.filter((e) => e.kind === "activity").map((e) => e.activity?.body ?? ""));
      cursor = body.nextCursor;
    } while (cursor);
    const days = [25, 22, 21, 20, 15, 14, 11, 9, 8, 7, 5, 4, 3, 2, 1];
    expect(seen).toEqual(days.map((d) => `d${d}`));
  });

  it("lets the author edit and remove an entry, and nobody else below manager", async () => {
    const contact = (await c.post("/api/v1/contacts", { firstName: "Edit" })).json();
    const note = (await c.post(`/api/v1/contacts/${contact.id}/activities`, { type: "note", body: "first draft" })).json();
    const edited = await c.patch(`/api/v1/activities/${note.id}`, { body: "<p>final</p><script>x</script>" });
    expect(edited.json().body).toBe("<p>final</p>");
    const other = await userWithRole(t.app, c, "sales");
    expectProblem(await other.del(`/api/v1/activities/${note.id}`), 403, "forbidden");
    expect((await c.del(`/api/v1/activities/${note.id}`)).statusCode).toBe(204);
    const timeline = (await c.get(`/api/v1/contacts/${contact.id}/timeline`)).json().data;
    expect(timeline.filter((e: { kind: string }) => e.kind === "activity")).toEqual([]);
    expectProblem(await c.del(`/api/v1/activities/${note.id}`), 404);
  });

  it("pages a long timeline newest first without repeats", async () => {
    const contact = (await c.post("/api/v1/contacts", { firstName: "Busy" })).json();
    for (let i = 0; i < 12; i++) {
      await c.post(`/api/v1/contacts/${contact.id}/activities`, {
        type: "note",
        body: `n${i}`,
        occurredAt: new Date(Date.UTC(2026, 0, 1 + i)).toISOString(),
      });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { data: { at: string }[]; nextCursor: string | null } = (
        await c.get(`/api/v1/contacts/${contact.id}/timeline?limit=5${cursor ? `&cursor=${cursor}` : ""}`)
      ).json();
      seen.push(...body.data.map((e: { at: string }) => e.at));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.length).toBe(13);
    expect([...seen].sort().reverse()).toEqual(seen);
  });
  it("pages through every contact of a company, past any fixed cap", async () => {
    const company = (await c.post("/api/v1/companies", { name: "Paged" })).json();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await c.post("/api/v1/contacts", { firstName: `P${i}`, companyId: company.id })).json().id);
    await c.post("/api/v1/contacts", { firstName: "Elsewhere" });
    const me = c.session.me as { workspace: { id: string }; user: { id: string } };
    const ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user" as const, userId: me.user.id, role: "admin" as const } };
    const pages: string[][] = [];
    for await (const page of contactIdPagesOfCompany(ctx, company.id, 2)) pages.push(page);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().sort()).toEqual([...made].sort());
  });
});
