import { and, asc, desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../core/ids.js";
import { companies } from "../modules/companies/table.js";
import { contacts } from "../modules/contacts/table.js";
import { databaseKinds, openTestDatabase } from "../test/harness.js";
import type { Database } from "./client.js";
import { insertMany } from "./insert-many.js";
import { isEmbedded, selectPage } from "./table-pages.js";

describe.each(databaseKinds)("selectPage on %s", (kind) => {
  let database: Database;
  const ws = newId();
  beforeAll(async () => {
    database = await openTestDatabase(kind);
    const at = new Date("2026-03-04T05:06:07.891Z");
    await insertMany(database.db, contacts, [
      {
        workspaceId: ws,
        id: newId(),
        firstName: 'Zoë "Q" \\ Ōtake',
        lastName: "O'Neil\n",
        emails: [{ email: "zoe@example.com", primary: true }],
        emailList: ["zoe@example.com"],
        tags: ["vip", "a,b", "{x}"],
        custom: { score: 3.5, nested: { ok: true }, list: [1, "two"] },
        address: { city: "Kraków", country: "PL" },
        emailConsent: true,
        leadScore: 42,
        scoredAt: new Date("2026-03-04T05:06:07.123Z"),
        createdAt: at,
        updatedAt: at,
      },
      { workspaceId: ws, id: newId(), firstName: "Only", lastName: "Names", jobTitle: null, emailConsent: false },
      { workspaceId: ws, id: newId(), firstName: "", lastName: "Dated", createdAt: new Date("2019-01-01T00:00:00Z") },
    ]);
    // Numeric beyond a double's digits, and a null one.
    await database.db.insert(companies).values([
      { workspaceId: ws, id: newId(), name: "Big", annualRevenue: "12345678901234567.891" },
      { workspaceId: ws, id: newId(), name: "Small", annualRevenue: null },
    ]);
  });
  afterAll(() => database.close());

  it("reads the page as rows on PostgreSQL and as JSON on PGlite", () => {
    expect(isEmbedded(database.db)).toBe(kind === "pglite");
  });

  it("returns exactly what Drizzle's select returns, with the extra expressions, in order", async () => {
    const where = eq(contacts.workspaceId, ws);
    const page = await selectPage(database.db, contacts, {
      extra: { sortValue: sql<string>`(${contacts.createdAt})::text`, n: sql<number>`length(${contacts.lastName})` },
      where,
      orderBy: [desc(contacts.createdAt), desc(contacts.id)],
      limit: 10,
    });
    const expected = await database.db
      .select({ row: contacts, extra: { sortValue: sql<string>`(${contacts.createdAt})::text`, n: sql<number>`length(${contacts.lastName})` } })
      .from(contacts)
      .where(where)
      .orderBy(desc(contacts.createdAt), desc(contacts.id));
    expect(page).toEqual(expected);
    expect(page.map((r) => r.row.lastName)).toEqual(expected.map((r) => r.row.lastName));
    expect(page[0]?.row.createdAt).toBeInstanceOf(Date);
    // Inside a transaction too, limited.
    const inTx = await database.db.transaction((tx) => selectPage(tx, contacts, { extra: {}, where, orderBy: [asc(contacts.lastName)], limit: 2 }));
    expect(inTx.map((r) => r.row.lastName)).toEqual(["Dated", "Names"]);
  });

  it("keeps every digit of a numeric column", async () => {
    const page = await selectPage(database.db, companies, { extra: {}, where: and(eq(companies.workspaceId, ws)), orderBy: [asc(companies.name)], limit: 5 });
    expect(page.map((r) => r.row.annualRevenue)).toEqual(["12345678901234567.891", null]);
    expect(page.map((r) => r.row)).toEqual(await database.db.select().from(companies).where(eq(companies.workspaceId, ws)).orderBy(asc(companies.name)));
  });
});
