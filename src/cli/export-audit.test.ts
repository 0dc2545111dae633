import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AuditEntry } from "../contract/audit.js";
import { createTestApp, databaseKinds, newWorkspace, type TestApp, unique } from "../test/harness.js";
import { exportToFile } from "./export.js";

describe.each(databaseKinds)("rapport export is audited like an API export on %s", (kind) => {
  let t: TestApp;
  const dir = mkdtempSync(join(tmpdir(), "rapport-export-audit-"));
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes the same entry: who (the first admin, or --as), object, filter, format and row count", async () => {
    const admin = await newWorkspace(t.app);
    const ws = admin.session.me?.workspace.id as string;
    for (const name of ["Ada", "Adele", "Bob"]) expect((await admin.post("/api/v1/contacts", { firstName: name, lastName: "Export" })).statusCode).toBe(201);
    expect((await admin.get("/api/v1/contacts/export?format=csv&q=Ad")).statusCode).toBe(200);
    const viaCli = await exportToFile(t.database, "contacts", join(dir, "out.csv"), { workspace: ws, q: "Ad" });
    expect(viaCli.rows).toBe(2);
    const exported = async () => {
      const res = await admin.get("/api/v1/audit?action=exported");
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { data: AuditEntry[] }).data;
    };
    const [cli, api] = await exported();
    const entry = (e: AuditEntry | undefined) => ({ actor: e?.actor, action: e?.action, object: e?.object, summary: e?.summary, details: e?.details });
    expect(entry(api)).toMatchObject({ summary: "Ada Admin exported 2 contacts as CSV", details: { filter: { q: "Ad" }, rows: 2 } });
    expect(entry(cli)).toEqual(entry(api));
    expect(cli?.userAgent).toBe("rapport CLI");

    // --as: another user of the workspace is named, and a failed export is on record with its error.
    const email = `${unique("rep")}@example.com`;
    const rep = await admin.post("/api/v1/users", { name: "Rea Rep", email, role: "sales", password: "long enough pw" });
    expect(rep.statusCode, rep.body).toBe(201);
    const xlsx = await exportToFile(t.database, "companies", join(dir, "out.xlsx"), { workspace: ws, as: email });
    expect(xlsx).toEqual({ rows: 0, format: "xlsx" });
    await expect(exportToFile(t.database, "contacts", join(dir, "missing", "out.csv"), { workspace: ws, as: email })).rejects.toThrow();
    const [failed, asRep] = await exported();
    expect(asRep).toMatchObject({ actor: { userId: rep.json().id, name: "Rea Rep" }, object: "company", summary: "Rea Rep exported 0 companies as XLSX" });
    expect(failed).toMatchObject({ actor: { userId: rep.json().id }, details: { rows: null, error: expect.stringContaining("ENOENT") } });
    await expect(exportToFile(t.database, "contacts", join(dir, "x.csv"), { workspace: ws, as: "nobody@example.com" })).rejects.toThrow(/no user/);
  });
});
