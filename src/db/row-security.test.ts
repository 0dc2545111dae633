import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, databaseKinds, newWorkspace, type TestApp } from "../test/harness.js";
import { queryRows } from "./client.js";
import { scopedToWorkspace } from "./workspace-scope.js";

describe.each(databaseKinds)("row-level security on %s", (kind) => {
  let t: TestApp;
  let a: string;
  let b: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    const wa = await newWorkspace(t.app);
    const wb = await newWorkspace(t.app);
    a = wa.session.me?.workspace.id as string;
    b = wb.session.me?.workspace.id as string;
    expect((await wa.post("/api/v1/contacts", { firstName: "Ann" })).statusCode).toBe(201);
    expect((await wb.post("/api/v1/contacts", { firstName: "Bob" })).statusCode).toBe(201);
  });
  afterAll(async () => t?.close());

  it("guards every table that has a workspace_id, for its owner too", async () => {
    const unguarded = await queryRows<{ name: string }>(
      t.database.db,
      sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = current_schema() and c.relkind = 'r'
             and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped)
             and not (c.relrowsecurity and c.relforcerowsecurity and exists (select 1 from pg_policy p where p.polrelid = c.oid))`,
    );
    expect(unguarded.map((r) => r.name)).toEqual([]);
  });

  it("a workspace's transaction sees none of another workspace's rows, even with no workspace condition", async () => {
    const scoped = scopedToWorkspace(t.database.db, a);
    const seen = await scoped.transaction(async (tx) =>
      queryRows<{ workspace_id: string; first_name: string }>(tx, sql`select workspace_id, first_name from contacts`),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.map((r) => r.workspace_id))).toEqual(new Set([a]));
    const users = await scoped.transaction(async (tx) =>
      queryRows<{ n: number }>(tx, sql`select count(*)::int as n from users where workspace_id = ${b}::uuid`),
    );
    expect(users[0]?.n).toBe(0);
    // Nor change them: an update or delete without the condition touches only its own rows.
    const touched = await scoped.transaction(async (tx) =>
      queryRows<{ workspace_id: string }>(tx, sql`update contacts set updated_at = updated_at returning workspace_id`),
    );
    expect(new Set(touched.map((r) => r.workspace_id))).toEqual(new Set([a]));
  });

  it("refuses to write a row into another workspace from a workspace's transaction", async () => {
    const scoped = scopedToWorkspace(t.database.db, a);
    const refused = await scoped
      .transaction(async (tx) => tx.execute(sql`insert into contacts (workspace_id, id, first_name) values (${b}::uuid, gen_random_uuid(), 'Mallory')`))
      .then(
        () => null,
        (e: { cause?: { message?: string } }) => e.cause?.message ?? String(e),
      );
    expect(refused).toMatch(/row-level security/);
  });

  it("leaves the plain handle (migrations, jobs, sign-in by email) reading across workspaces", async () => {
    const rows = await queryRows<{ workspace_id: string }>(
      t.database.db,
      sql`select distinct workspace_id from contacts where workspace_id in (${a}::uuid, ${b}::uuid)`,
    );
    expect(rows.map((r) => r.workspace_id).sort()).toEqual([a, b].sort());
  });
});
