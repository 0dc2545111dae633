import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";

describe.each(databaseKinds)("global search on %s", (kind) => {
  let t: TestApp;
  let c: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    c = await newWorkspace(t.app);
    const acme = (
      await c.post("/api/v1/companies", {
        name: "Acme Rockets",
        domain: "acme-rockets.com",
        phone: "+1 415 555 2671",
      })
    ).json();
    await c.post("/api/v1/contacts", {
      firstName: "Agnieszka",
      lastName: "Kowalczyk",
      emails: [{ email: "agnieszka@acme-rockets.com" }],
      phones: [{ phone: "+48 601 234 567" }],
      companyId: acme.id,
    });
    await c.post("/api/v1/contacts", {
      firstName: "Margaret",
      lastName: "Hamilton",
      jobTitle: "Director of Software Engineering",
    });
    await c.post("/api/v1/contacts", {
      firstName: "Jürgen",
      lastName: "Müller",
    });
    const gone = (
      await c.post("/api/v1/contacts", {
        firstName: "Deleted",
        lastName: "Kowalczyk",
      })
    ).json();
    await c.del(`/api/v1/contacts/${gone.id}`);
  });
  afterAll(() => t.close());

  const titles = async (q: string) => (await c.get(`/api/v1/search?q=${encodeURIComponent(q)}`)).json().data.map((h: { title: string }) => h.title);

  it("finds people despite typos", async () => {
    expect((await titles("Kowalcyk"))[0]).toBe("Agnieszka Kowalczyk");
    expect((await titles("Margeret"))[0]).toBe("Margaret Hamilton");
    expect((await titles("hamiltn"))[0]).toBe("Margaret Hamilton");
  });

  it("finds by email, domain, phone and without accents", async () => {
    expect(await titles("agnieszka@acme-rockets.com")).toContain("Agnieszka Kowalczyk");
    // A typo inside an email is no word and no substring: the trigram match over all of search_text finds it.
    expect(await titles("agnieska@acme-rockets.com")).toContain("Agnieszka Kowalczyk");
    expect((await titles("acme-rockets.com"))[0]).toMatch(/Acme Rockets|Agnieszka Kowalczyk/);
    expect(await titles("acme-rockets.com")).toContain("Acme Rockets");
    expect(await titles("+48 601 234 567")).toEqual(["Agnieszka Kowalczyk"]);
    expect(await titles("4155552671")).toEqual(["Acme Rockets"]);
    expect(await titles("Muller")).toEqual(["Jürgen Müller"]);
  });

  it("answers typeahead input of one to four letters by word prefix, through an index", async () => {
    expect(await titles("Ag")).toContain("Agnieszka Kowalczyk");
    expect(await titles("kow")).toContain("Agnieszka Kowalczyk");
    expect(await titles("mü")).toContain("Jürgen Müller");
    expect(await titles("ac")).toEqual(expect.arrayContaining(["Acme Rockets"]));
    expect(await titles("'")).toEqual([]);
    expect(await titles("De")).not.toContain("Deleted Kowalczyk");
  });

  it("ranks the person a misspelling means first, among look-alikes", async () => {
    // "Margaret Daivs" shares as many trigrams with "Margaret Dawson" as with "Margaret Davis" (word similarity 0.73
    // both): ranked by trigrams alone, the older record came first. Davis is one swapped pair away; Dawson is not.
    await c.post("/api/v1/contacts", { firstName: "Margaret", lastName: "Dawson" });
    await c.post("/api/v1/contacts", { firstName: "Marguerite", lastName: "Davies" });
    await c.post("/api/v1/contacts", { firstName: "Margaret", lastName: "Davis" });
    expect((await titles("Margaret Daivs"))[0]).toBe("Margaret Davis");
    expect((await titles("Daivs"))[0]).toBe("Margaret Davis");
    expect((await titles("Margaret Hamiltn"))[0]).toBe("Margaret Hamilton");
    // A name given later (an update) and a company's words are corrected too.
    const renamed = (await c.post("/api/v1/contacts", { firstName: "Grzegorz", lastName: "Nowak" })).json();
    await c.patch(`/api/v1/contacts/${renamed.id}`, { lastName: "Brzęczyszczykiewicz" });
    expect((await titles("Brzeczyszczykiewcz"))[0]).toBe("Grzegorz Brzęczyszczykiewicz");
    await c.post("/api/v1/companies", { name: "Zephyrine Logistics" });
    expect((await titles("Zephyrin Logistcs"))[0]).toBe("Zephyrine Logistics");
  });

  it("searches companies and contacts at once, never the trash", async () => {
    const hits = (await c.get("/api/v1/search?q=acme")).json().data;
    expect(new Set(hits.map((h: { object: string }) => h.object))).toEqual(new Set(["company", "contact"]));
    expect(await titles("Deleted")).toEqual([]);
  });
});
