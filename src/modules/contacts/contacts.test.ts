import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

const filter = (conds: unknown[]) => `filter=${encodeURIComponent(JSON.stringify(conds))}`;
const names = (res: { json(): { data: { fullName: string }[] } }) => res.json().data.map((c) => c.fullName);

describe.each(databaseKinds)("contacts on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
  });
  afterAll(() => t.close());

  it("normalises emails and phones and keeps one primary of each", async () => {
    const res = await c.post("/api/v1/contacts", {
      firstName: " Émilie ",
      lastName: "Durand",
      emails: [
        { email: "Emilie@Example.FR", label: "work" },
        { email: "emilie.perso@example.fr", primary: true },
      ],
      phones: [{ phone: "01 42 68 53 00" }, { phone: "+33 6 12 34 56 78", primary: true }],
      address: { city: "Paris", country: "fr" },
      socialProfiles: { linkedin: "https://www.linkedin.com/in/emilie" },
    });
    expect(res.statusCode, res.body).toBe(201);
    const contact = res.json();
    expect(contact.firstName).toBe("Émilie");
    expect(contact.emails).toEqual([
      { email: "emilie@example.fr", label: "work", primary: false },
      { email: "emilie.perso@example.fr", primary: true },
    ]);
    expect(contact.primaryEmail).toBe("emilie.perso@example.fr");
    // The French national number takes its country from the address.
    expect(contact.phones.map((p: { phone: string }) => p.phone)).toEqual(["+33142685300", "+33612345678"]);
    expect(contact.primaryPhone).toBe("+33612345678");
    expect(contact.address).toEqual({ city: "Paris", country: "FR" });
    expect(contact.lifecycleStage).toBe("lead");
    expect(contact.ownerId).toBe(c.session.me?.user.id);
  });

  it("pages through a sorted list by cursor without gaps or repeats", async () => {
    const ws = await newWorkspace(t.app);
    const created: string[] = [];
    for (let i = 0; i < 23; i++) {
      // Duplicate last names make the id tie-breaker matter.
      const res = await ws.post("/api/v1/contacts", {
        firstName: `P${String(i).padStart(2, "0")}`,
        lastName: `Same${i % 3}`,
      });
      created.push(res.json().id);
    }
    for (const sort of ["lastName", "-lastName", "-createdAt", "createdAt", "firstName"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await ws.get(`/api/v1/contacts?limit=5&sort=${sort}${cursor ? `&cursor=${cursor}` : ""}`);
        expect(res.statusCode, res.body).toBe(200);
        const body = res.json();
        seen.push(...body.data.map((x: { id: string }) => x.id));
        cursor = body.nextCursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen.length, sort).toBe(23);
      expect(new Set(seen).size, sort).toBe(23);
    }
    const firstPage = (await ws.get("/api/v1/contacts?limit=3&sort=lastName")).json().data.map((x: { lastName: string }) => x.lastName);
    expect(firstPage).toEqual(["Same0", "Same0", "Same0"]);
  });

  it("filters by fields, tags, owner and search, and combines them", async () => {
    const ws = await newWorkspace(t.app);
    const sales = await userWithRole(t.app, ws, "sales");
    await ws.post("/api/v1/contacts", {
      firstName: "Ann",
      lastName: "Lee",
      jobTitle: "VP Sales",
      tags: ["vip"],
      lifecycleStage: "customer",
    });
    await ws.post("/api/v1/contacts", {
      firstName: "Bob",
      lastName: "Ray",
      jobTitle: "Engineer",
      tags: ["vip", "beta"],
      ownerId: sales.userId,
    });
    await ws.post("/api/v1/contacts", {
      firstName: "Cy",
      lastName: "Ng",
      jobTitle: null,
      emails: [{ email: "cy@ng.io" }],
    });
    expect(names(await ws.get("/api/v1/contacts?tag=vip&sort=firstName"))).toEqual(["Ann Lee", "Bob Ray"]);
    expect(names(await ws.get("/api/v1/contacts?lifecycleStage=customer"))).toEqual(["Ann Lee"]);
    expect(names(await ws.get(`/api/v1/contacts?ownerId=${sales.userId}`))).toEqual(["Bob Ray"]);
    expect(names(await sales.get("/api/v1/contacts?ownerId=me"))).toEqual(["Bob Ray"]);
    expect(names(await ws.get(`/api/v1/contacts?${filter([{ field: "jobTitle", op: "contains", value: "sales" }])}`))).toEqual(["Ann Lee"]);
    expect(names(await ws.get(`/api/v1/contacts?sort=firstName&${filter([{ field: "jobTitle", op: "empty" }])}`))).toEqual(["Cy Ng"]);
    expect(names(await ws.get(`/api/v1/contacts?${filter([{ field: "tags", op: "eq", value: "beta" }])}`))).toEqual(["Bob Ray"]);
    expect(names(await ws.get(`/api/v1/contacts?sort=firstName&${filter([{ field: "tags", op: "neq", value: "beta" }])}`))).toEqual(["Ann Lee", "Cy Ng"]);
    expect(names(await ws.get("/api/v1/contacts?email=CY@NG.IO"))).toEqual(["Cy Ng"]);
    expect(names(await ws.get("/api/v1/contacts?q=enginer"))).toEqual(["Bob Ray"]);
    expect(names(await ws.get(`/api/v1/contacts?tag=vip&${filter([{ field: "lifecycleStage", op: "in", value: ["customer", "evangelist"] }])}`))).toEqual([
      "Ann Lee",
    ]);
  });

  it("keeps history of every change and shows it on the timeline", async () => {
    const created = (
      await c.post("/api/v1/contacts", {
        firstName: "Hist",
        lastName: "Ory",
        jobTitle: "CTO",
      })
    ).json();
    await c.patch(`/api/v1/contacts/${created.id}`, {
      jobTitle: "CEO",
      tags: ["board"],
    });
    await c.patch(`/api/v1/contacts/${created.id}`, { jobTitle: "CEO" });
    const timeline = (await c.get(`/api/v1/contacts/${created.id}/timeline`)).json().data;
    const changes = timeline.filter((e: { kind: string }) => e.kind === "change");
    expect(changes.map((e: { action: string }) => e.action)).toEqual(["update", "create"]);
    expect(changes[0].changes).toEqual([
      { field: "jobTitle", from: "CTO", to: "CEO" },
      { field: "tags", from: [], to: ["board"] },
    ]);
    expect(changes[0].actorName).toBe("Ada Admin");
  });

  it("moves to the trash and back, and bulk-tags, re-owns and deletes", async () => {
    const ws = await newWorkspace(t.app);
    const other = await userWithRole(t.app, ws, "sales");
    const ids: string[] = [];
    for (const n of ["One", "Two", "Three"]) ids.push((await ws.post("/api/v1/contacts", { firstName: n })).json().id);
    expect((await ws.del(`/api/v1/contacts/${ids[0]}`)).statusCode).toBe(204);
    expect(names(await ws.get("/api/v1/contacts?sort=firstName"))).toEqual(["Three", "Two"]);
    expect(names(await ws.get("/api/v1/contacts?trashed=true"))).toEqual(["One"]);
    expect((await ws.get(`/api/v1/contacts/${ids[0]}`)).json().deletedAt).not.toBeNull();
    expect((await ws.post(`/api/v1/contacts/${ids[0]}/restore`)).json().deletedAt).toBeNull();
    expect(
      (
        await ws.post("/api/v1/contacts/bulk", {
          ids,
          action: "tag",
          tag: "q4",
        })
      ).json(),
    ).toEqual({ affected: 3 });
    expect(
      (
        await ws.post("/api/v1/contacts/bulk", {
          ids,
          action: "tag",
          tag: "q4",
        })
      ).json(),
    ).toEqual({ affected: 3 });
    expect((await ws.get(`/api/v1/contacts/${ids[1]}`)).json().tags).toEqual(["q4"]);
    expect(
      (
        await ws.post("/api/v1/contacts/bulk", {
          ids: ids.slice(0, 2),
          action: "setOwner",
          ownerId: other.userId,
        })
      ).json(),
    ).toEqual({ affected: 2 });
    expect(names(await other.get("/api/v1/contacts?ownerId=me&sort=firstName"))).toEqual(["One", "Two"]);
    expect((await ws.post("/api/v1/contacts/bulk", { ids, action: "delete" })).json()).toEqual({ affected: 3 });
    expect((await ws.get("/api/v1/contacts")).json().data).toEqual([]);
    expect((await ws.post("/api/v1/contacts/bulk", { ids, action: "restore" })).json()).toEqual({ affected: 3 });
    const timeline = (await ws.get(`/api/v1/contacts/${ids[0]}/timeline`)).json().data;
    expect(timeline.map((e: { action: string }) => e.action)).toEqual(["restore", "delete", "update", "update", "restore", "delete", "create"]);
  });
});
