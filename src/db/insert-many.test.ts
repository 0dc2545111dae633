import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../core/ids.js";
import { contacts } from "../modules/contacts/table.js";
import { outboxEvents } from "../modules/history/table.js";
import { databaseKinds, openTestDatabase } from "../test/harness.js";
import type { Database } from "./client.js";
import { insertMany } from "./insert-many.js";

describe.each(databaseKinds)("insertMany on %s", (kind) => {
  let database: Database;
  const ws = newId();
  beforeAll(async () => {
    database = await openTestDatabase(kind);
  });
  afterAll(() => database.close());

  // Rows of different shapes: some properties left out (defaults), an explicit null, arrays, jsonb, dates, text
  // that JSON must escape.
  const shapes = (): (typeof contacts.$inferInsert)[] => {
    const at = new Date("2026-03-04T05:06:07.891Z");
    return [
      {
        workspaceId: ws,
        id: newId(),
        firstName: 'Zoë "Q" \\ Ōtake',
        lastName: "O'Neil\n",
        emails: [{ email: "zoe@example.com", primary: true }],
        emailList: ["zoe@example.com"],
        primaryEmail: "zoe@example.com",
        tags: ["vip", "a,b", "{x}"],
        custom: { score: 3.5, nested: { ok: true }, list: [1, "two"] },
        address: { city: "Kraków", country: "PL" },
        createdAt: at,
        updatedAt: at,
      },
      { workspaceId: ws, id: newId(), firstName: "Only", lastName: "Names", jobTitle: null },
      { workspaceId: ws, id: newId(), firstName: "", lastName: "Dated", createdAt: at, leadSource: "referral" },
    ];
  };

  it("stores exactly what Drizzle's multi-row insert stores, and returns the rows mapped the same way, in order", async () => {
    const viaDrizzle = shapes();
    const viaJson = shapes();
    const returnedByDrizzle = await database.db.insert(contacts).values(viaDrizzle).returning();
    const returned = await insertMany(database.db, contacts, viaJson, true);
    expect(returned.map((r) => r.id)).toEqual(viaJson.map((r) => r.id));
    const read = async (ids: string[]) =>
      (
        await database.db
          .select()
          .from(contacts)
          .where(and(eq(contacts.workspaceId, ws), inArray(contacts.id, ids)))
      ).sort((x, y) => ids.indexOf(x.id) - ids.indexOf(y.id));
    const strip = (rows: Record<string, unknown>[]) =>
      rows.map(({ id: _id, createdAt, updatedAt, ...rest }) => ({
        ...rest,
        // Columns defaulting to now() differ by the milliseconds between the two inserts.
        createdAt: (createdAt as Date).getTime() === new Date("2026-03-04T05:06:07.891Z").getTime() ? createdAt : "now",
        updatedAt: (updatedAt as Date).getTime() === new Date("2026-03-04T05:06:07.891Z").getTime() ? updatedAt : "now",
      }));
    const stored = await read(viaJson.map((r) => r.id as string));
    expect(strip(stored)).toEqual(strip(await read(viaDrizzle.map((r) => r.id as string))));
    expect(strip(returned)).toEqual(strip(returnedByDrizzle));
    expect(stored[0]).toMatchObject({ firstName: 'Zoë "Q" \\ Ōtake', lastName: "O'Neil\n", tags: ["vip", "a,b", "{x}"], jobTitle: null });
    expect(stored[0]?.custom).toEqual({ score: 3.5, nested: { ok: true }, list: [1, "two"] });
    expect(stored[1]).toMatchObject({ tags: [], custom: {}, lifecycleStage: "lead", deletedAt: null });
  });

  it("inserts nothing for no rows, and fails as one statement on a bad row", async () => {
    await insertMany(database.db, outboxEvents, []);
    const id = newId();
    const rows: (typeof outboxEvents.$inferInsert)[] = [
      { workspaceId: ws, id, type: "x.create", object: "x", recordId: newId(), payload: {} },
      { workspaceId: ws, id, type: "x.create", object: "x", recordId: newId(), payload: {} },
    ];
    await expect(insertMany(database.db, outboxEvents, rows)).rejects.toThrow();
    const left = await database.db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.workspaceId, ws), eq(outboxEvents.id, id)));
    expect(left).toEqual([]);
  });

  it("with onConflict doNothing skips rows that hit a unique key, keeping the first of a batch and what was there", async () => {
    const first = newId();
    const second = newId();
    const row = (id: string, type: string) => ({ workspaceId: ws, id, type, object: "x", recordId: first, payload: { type } });
    await insertMany(database.db, outboxEvents, [row(first, "x.kept")]);
    await insertMany(database.db, outboxEvents, [row(first, "x.again"), row(second, "x.first"), row(second, "x.second")], { onConflict: "doNothing" });
    const stored = await database.db
      .select({ id: outboxEvents.id, type: outboxEvents.type })
      .from(outboxEvents)
      .where(and(eq(outboxEvents.workspaceId, ws), inArray(outboxEvents.id, [first, second])));
    expect(Object.fromEntries(stored.map((r) => [r.id, r.type]))).toEqual({ [first]: "x.kept", [second]: "x.first" });
  });

  it("reuses a statement only for rows of the same shape: each single-row call stores what Drizzle stores", async () => {
    const rows = shapes();
    // Three shapes one after another, then the first again: each call is its own statement text.
    for (const row of [...rows, { ...(rows[0] as (typeof rows)[number]), firstName: "Again" }]) {
      const mine = { ...row, id: newId() };
      const theirs = { ...row, id: newId() };
      const [a] = await insertMany(database.db, contacts, [mine], true);
      const [b] = await database.db.insert(contacts).values(theirs).returning();
      const { id: _a, createdAt: ca, updatedAt: _ua, ...restA } = a as NonNullable<typeof a>;
      const { id: _b, createdAt: cb, updatedAt: _ub, ...restB } = b as NonNullable<typeof b>;
      expect(restA).toEqual(restB);
      if (row.createdAt) expect(ca).toEqual(cb);
    }
  });
});
