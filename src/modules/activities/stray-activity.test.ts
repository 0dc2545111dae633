import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";

// contacts.stray_activity_at is what a company timeline trusts to find its contacts' activities logged under
// another company (or none). The triggers of migration 0010 keep it; here every kind of write is checked
// against a recomputation from the activities themselves.
describe.each(databaseKinds)("stray activities on %s", (kind) => {
  let t: TestApp;
  let ws: Client;
  let workspaceId: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    ws = await newWorkspace(t.app);
    workspaceId = (ws.session.me as { workspace: { id: string } }).workspace.id;
  });
  afterAll(async () => t?.close());

  /** Contacts whose stored value differs from the newest of their activities under another company. */
  const wrong = () =>
    queryRows<{ id: string; stored: string | null; expected: string | null }>(
      t.database.db,
      sql`
        select k.id, k.stray_activity_at::text as stored, x.at::text as expected
          from contacts k
          cross join lateral (select max(a.occurred_at) as at from activities a
                               where a.workspace_id = k.workspace_id and a.contact_id = k.id and a.deleted_at is null
                                 and a.company_id is distinct from k.company_id) x
         where k.workspace_id = ${workspaceId}::uuid and k.stray_activity_at is distinct from x.at`,
    );
  const strayOf = async (id: string) =>
    (
      await queryRows<{ at: string | null }>(
        t.database.db,
        sql`select stray_activity_at::text as at from contacts where workspace_id = ${workspaceId}::uuid and id = ${id}::uuid`,
      )
    )[0]?.at ?? null;
  const day = (d: number) => new Date(Date.UTC(2025, 2, d)).toISOString();
  const note = async (path: string, d: number) => {
    const res = await ws.post(`/api/v1/${path}/activities`, { type: "note", body: `d${d}`, occurredAt: day(d) });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };

  it("stays equal to the activities through logging, moves, edits, removals, merges and bulk SQL", async () => {
    const acme = (await ws.post("/api/v1/companies", { name: "Acme" })).json().id as string;
    const globex = (await ws.post("/api/v1/companies", { name: "Globex" })).json().id as string;
    const ann = (await ws.post("/api/v1/contacts", { firstName: "Ann" })).json().id as string;
    const bob = (await ws.post("/api/v1/contacts", { firstName: "Bob", companyId: acme })).json().id as string;

    // Without a company, nothing is stray: there is no company timeline to miss it.
    const early = await note(`contacts/${ann}`, 3);
    await note(`contacts/${ann}`, 5);
    await note(`contacts/${bob}`, 4);
    expect(await strayOf(ann)).toBeNull();
    expect(await strayOf(bob)).toBeNull();

    // Joining a company turns the earlier activities into strays; new ones are the company's own.
    expect((await ws.patch(`/api/v1/contacts/${ann}`, { companyId: acme })).statusCode).toBe(200);
    expect(await strayOf(ann)).toMatch(/^2025-03-05/);
    await note(`contacts/${ann}`, 9);
    expect(await strayOf(ann)).toMatch(/^2025-03-05/);

    // An edit that moves a stray later, and a removal of the newest stray.
    const moved = await ws.patch(`/api/v1/activities/${early.id}`, { occurredAt: day(7) });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await strayOf(ann)).toMatch(/^2025-03-07/);
    expect((await ws.del(`/api/v1/activities/${early.id}`)).statusCode).toBe(204);
    expect(await strayOf(ann)).toMatch(/^2025-03-05/);

    // Moving on to another company: Acme's activities become strays for Globex's timeline.
    expect((await ws.patch(`/api/v1/contacts/${bob}`, { companyId: globex })).statusCode).toBe(200);
    expect(await strayOf(bob)).toMatch(/^2025-03-04/);

    // One multi-row statement across contacts and companies, as an import or SQL by hand writes them.
    await t.database.db.execute(sql`
      insert into activities (workspace_id, id, type, occurred_at, contact_id, company_id)
      values (${workspaceId}::uuid, ${newId()}::uuid, 'call', ${day(20)}::timestamptz, ${ann}::uuid, ${globex}::uuid),
             (${workspaceId}::uuid, ${newId()}::uuid, 'call', ${day(21)}::timestamptz, ${bob}::uuid, ${globex}::uuid),
             (${workspaceId}::uuid, ${newId()}::uuid, 'call', ${day(22)}::timestamptz, ${bob}::uuid, null),
             (${workspaceId}::uuid, ${newId()}::uuid, 'note', ${day(23)}::timestamptz, null, ${acme}::uuid)`);
    expect(await strayOf(ann)).toMatch(/^2025-03-20/);
    expect(await strayOf(bob)).toMatch(/^2025-03-22/);
    expect(await wrong()).toEqual([]);

    // Merging moves the loser's activities to the survivor.
    const merged = await ws.post("/api/v1/duplicates/merge", { object: "contact", survivorId: ann, loserId: bob });
    expect(merged.statusCode, merged.body).toBe(200);
    expect(await wrong()).toEqual([]);

    // Bulk edits and hard deletes by hand.
    await t.database.db.execute(sql`update activities set company_id = ${acme}::uuid where workspace_id = ${workspaceId}::uuid and contact_id = ${ann}::uuid`);
    expect(await strayOf(ann)).toBeNull();
    await t.database.db.execute(
      sql`update activities set company_id = null where workspace_id = ${workspaceId}::uuid and occurred_at >= ${day(20)}::timestamptz`,
    );
    expect(await wrong()).toEqual([]);
    await t.database.db.execute(sql`delete from activities where workspace_id = ${workspaceId}::uuid and occurred_at >= ${day(21)}::timestamptz`);
    expect(await wrong()).toEqual([]);
    expect(await strayOf(ann)).toMatch(/^2025-03-20/);
  });

  it("finds a contact's activity from before it joined on the company's timeline, and only once it has joined", async () => {
    const initech = (await ws.post("/api/v1/companies", { name: "Initech" })).json().id as string;
    const peter = (await ws.post("/api/v1/contacts", { firstName: "Peter" })).json().id as string;
    const before = await note(`contacts/${peter}`, 1);
    const ids = async () =>
      ((await ws.get(`/api/v1/companies/${initech}/timeline`)).json().data as { kind: string; activity?: { id: string } }[])
        .filter((e) => e.kind === "activity")
        .map((e) => e.activity?.id);
    expect(await ids()).toEqual([]);
    await ws.patch(`/api/v1/contacts/${peter}`, { companyId: initech });
    expect(await ids()).toEqual([before.id]);
    await ws.patch(`/api/v1/contacts/${peter}`, { companyId: null });
    expect(await ids()).toEqual([]);
  });
});
