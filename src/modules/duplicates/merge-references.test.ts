import { sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { forgetReferences } from "../../db/references.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { mergeReferences } from "./service.js";

async function make(c: Client, path: string, body: unknown): Promise<{ id: string }> {
  const res = await c.post(path, body);
  if (res.statusCode !== 201) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
  return res.json();
}

// A database of this file's own: the test adds a table, which no other suite (row-security's catalog checks) should see.
describe.each(databaseKinds)("merges follow the database's foreign keys on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, { privateDatabase: true });
  });
  afterAll(() => t.close());
  afterEach(() => forgetReferences());

  const refsTo = async (ws: string, table: string, column: string, id: string) =>
    (
      await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from ${sql.identifier(table)} where workspace_id = ${ws} and ${sql.identifier(column)} = ${id}`,
      )
    )[0]?.n;

  it("reads every key to contacts and companies from the catalog, and a merge leaves none pointing at the loser", async () => {
    const admin = await newWorkspace(t.app);
    const ws = admin.session.me?.workspace.id as string;
    const ctx = { db: t.database.db, workspaceId: ws, actor: systemActor };
    const names = async (object: "contact" | "company") =>
      (await mergeReferences(ctx, object)).map((r) => `${r.reference.table}.${r.reference.column}${r.handled ? "" : " (plain)"}`);
    // Today's keys: those with a handler of their own (history, the survivor's row kept, no parent cycle), and the
    // plain ones the merge moves by the catalog alone (the service desk's tables, added without touching the merge).
    expect((await names("contact")).sort()).toEqual(
      [
        "activities.contact_id",
        "deal_contacts.contact_id",
        "form_submissions.contact_id",
        "sequence_enrolments.contact_id",
        "segment_members.contact_id (plain)",
        "campaign_recipients.contact_id (plain)",
        "consent_records.contact_id (plain)",
        "csat_surveys.contact_id (plain)",
        "mail_tracking_events.contact_id (plain)",
        "portal_links.contact_id (plain)",
        "portal_sessions.contact_id (plain)",
        "ticket_messages.author_contact_id (plain)",
        "tickets.contact_id (plain)",
      ].sort(),
    );
    expect((await names("company")).sort()).toEqual(
      [
        "activities.company_id",
        "activity_attendees.company_id",
        "companies.parent_id",
        "contacts.company_id",
        "deals.company_id",
        "tickets.company_id (plain)",
      ].sort(),
    );

    const keep = await make(admin, "/api/v1/companies", { name: "Keep Ltd" });
    const lose = await make(admin, "/api/v1/companies", { name: "Keep Limited", parentId: keep.id });
    await make(admin, "/api/v1/companies", { name: "Keep Child", parentId: lose.id });
    const a = await make(admin, "/api/v1/contacts", { firstName: "Ann", lastName: "Keep", companyId: lose.id });
    const b = await make(admin, "/api/v1/contacts", { firstName: "Anne", lastName: "Keep", companyId: lose.id });
    await make(admin, `/api/v1/contacts/${b.id}/activities`, { type: "note", body: "<p>b</p>" });
    await make(admin, `/api/v1/companies/${lose.id}/activities`, { type: "note", body: "<p>lose</p>" });
    await make(admin, "/api/v1/deals", { name: "Both", companyId: lose.id, contacts: [{ contactId: b.id, role: "user" }] });
    // Both on one list (the survivor's membership stays), the loser alone on another; the loser's consent moves.
    const both = await make(admin, "/api/v1/segments", { name: "Both on it", kind: "static" });
    const alone = await make(admin, "/api/v1/segments", { name: "Loser only", kind: "static" });
    expect((await admin.post(`/api/v1/segments/${both.id}/members`, { contactIds: [a.id, b.id] })).statusCode).toBe(200);
    expect((await admin.post(`/api/v1/segments/${alone.id}/members`, { contactIds: [b.id] })).statusCode).toBe(200);
    await make(admin, `/api/v1/contacts/${b.id}/consent`, { channel: "email", status: "granted" });
    for (const [object, survivorId, loserId] of [
      ["contact", a.id, b.id],
      ["company", keep.id, lose.id],
    ] as const) {
      const res = await admin.post("/api/v1/duplicates/merge", { object, survivorId, loserId, choices: {} });
      expect(res.statusCode, res.body).toBe(200);
      for (const { reference } of await mergeReferences(ctx, object)) {
        expect(await refsTo(ws, reference.table, reference.column, loserId), reference.constraint).toBe(0);
      }
    }
    expect((await admin.get(`/api/v1/segments/${both.id}`)).json().count).toBe(1);
    expect((await admin.get(`/api/v1/segments/${alone.id}`)).json().count).toBe(1);
    expect((await admin.get(`/api/v1/contacts/${a.id}/consent`)).json().current).toHaveLength(1);
  });

  it("moves a table added later that references contacts and companies, without touching the merge code", async () => {
    await t.database.db.execute(sql`
      create table merge_probe (
        workspace_id uuid not null, id uuid not null, slot text not null, contact_id uuid, company_id uuid,
        primary key (workspace_id, id),
        constraint merge_probe_slot_key unique (workspace_id, slot, contact_id),
        constraint merge_probe_contact_fk foreign key (workspace_id, contact_id) references contacts (workspace_id, id),
        constraint merge_probe_company_fk foreign key (workspace_id, company_id) references companies (workspace_id, id)
      )`);
    try {
      const admin = await newWorkspace(t.app);
      const ws = admin.session.me?.workspace.id as string;
      const ctx = { db: t.database.db, workspaceId: ws, actor: systemActor };
      const plain = (await mergeReferences(ctx, "contact")).filter((r) => !r.handled && r.reference.table === "merge_probe").map((r) => r.reference);
      expect(plain).toEqual([{ table: "merge_probe", column: "contact_id", constraint: "merge_probe_contact_fk", uniqueWith: [["slot"]] }]);

      const keep = await make(admin, "/api/v1/contacts", { firstName: "Kim", lastName: "Probe" });
      const lose = await make(admin, "/api/v1/contacts", { firstName: "Kimberly", lastName: "Probe" });
      const co = [await make(admin, "/api/v1/companies", { name: "Probe A" }), await make(admin, "/api/v1/companies", { name: "Probe B" })];
      const row = (slot: string, contactId: string | null, companyId: string | null = null) =>
        t.database.db.execute(sql`insert into merge_probe values (${ws}, ${newId()}, ${slot}, ${contactId}, ${companyId})`);
      // Both contacts hold slot "x": the survivor's row stays; the loser's "y" moves.
      await row("x", keep.id);
      await row("x", lose.id);
      await row("y", lose.id);
      await row("z", null, co[1]?.id ?? null);
      const merged = await admin.post("/api/v1/duplicates/merge", { object: "contact", survivorId: keep.id, loserId: lose.id, choices: {} });
      expect(merged.statusCode, merged.body).toBe(200);
      expect(merged.json().moved).toMatchObject({ mergeProbe: 1 });
      const rows = await queryRows<{ slot: string; contact_id: string | null }>(
        t.database.db,
        sql`select slot, contact_id from merge_probe where workspace_id = ${ws} and contact_id is not null order by slot`,
      );
      expect(rows).toEqual([
        { slot: "x", contact_id: keep.id },
        { slot: "y", contact_id: keep.id },
      ]);
      const companies = await admin.post("/api/v1/duplicates/merge", { object: "company", survivorId: co[0]?.id, loserId: co[1]?.id, choices: {} });
      expect(companies.statusCode, companies.body).toBe(200);
      expect(await refsTo(ws, "merge_probe", "company_id", co[0]?.id as string)).toBe(1);
    } finally {
      await t.database.db.execute(sql`drop table merge_probe`);
    }
  });
});
