import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { buildApp } from "../server/app.js";
import { type Client, client, createTestApp, newWorkspace, signIn, type TestApp } from "../test/harness.js";
import { BackupError, backupDatabase, restoreDatabase, schemaTables } from "./backup.js";

const quarterOf = (d: Date) => `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
const dir = mkdtempSync(join(tmpdir(), "rapport-backup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What the API shows of a workspace: the reads a restore must reproduce exactly. */
async function snapshot(c: Client) {
  const get = async (url: string) => {
    const res = await c.get(url);
    expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
    return res.json();
  };
  const contacts = await get("/api/v1/contacts?limit=200&sort=createdAt");
  const companies = await get("/api/v1/companies?limit=200&sort=createdAt");
  const timelines = await Promise.all(contacts.data.map((x: { id: string }) => get(`/api/v1/contacts/${x.id}/timeline`)));
  return {
    contacts,
    trash: await get("/api/v1/contacts?trashed=true&limit=200"),
    companies,
    timelines,
    users: await get("/api/v1/users"),
    customFields: await get("/api/v1/custom-fields"),
    search: await get("/api/v1/contacts?q=durand"),
    // Figures kept by triggers (deal roll-ups, contacts' stray activities) must come back equal too.
    deals: await get("/api/v1/deals?limit=200&sort=createdAt"),
    boards: await Promise.all((await get("/api/v1/pipelines")).data.map((p: { id: string }) => get(`/api/v1/pipelines/${p.id}/board`))),
    report: await get("/api/v1/reports/pipeline?from=2020-01-01&to=2030-01-01"),
    forecast: await get(`/api/v1/forecast?period=${quarterOf(new Date())}`),
    companyTimelines: await Promise.all(companies.data.map((x: { id: string }) => get(`/api/v1/companies/${x.id}/timeline`))),
  };
}

async function seed(c: Client) {
  expect(
    (await c.post("/api/v1/custom-fields", { object: "contact", label: "Tier", key: "tier", type: "select", options: ["gold", "silver"] })).statusCode,
  ).toBe(201);
  expect(
    (await c.post("/api/v1/users", { name: "Sam Sales", email: `sam-${Date.now()}@example.com`, role: "sales", password: "correct horse battery" })).statusCode,
  ).toBe(201);
  const acme = (await c.post("/api/v1/companies", { name: "Acme", domain: "acme.example", annualRevenue: "123456789012345.67", tags: ["b2b"] })).json();
  const emilie = (
    await c.post("/api/v1/contacts", {
      firstName: "Émilie",
      lastName: "Durand",
      emails: [{ email: "emilie@acme.example" }],
      phones: [{ phone: "+33 6 12 34 56 78" }],
      companyId: acme.id,
      custom: { tier: "gold" },
      address: { city: "Paris", country: "FR" },
    })
  ).json();
  await c.patch(`/api/v1/contacts/${emilie.id}`, { jobTitle: "CEO", tags: ["vip"] });
  await c.post(`/api/v1/contacts/${emilie.id}/activities`, { type: "note", body: "<p>Met at the fair</p>" });
  await c.post(`/api/v1/contacts/${emilie.id}/activities`, { type: "call", direction: "outbound", durationSeconds: 120, outcome: "connected" });
  // A contact who joined Acme after an earlier call: a stray activity on Acme's timeline.
  const joiner = (await c.post("/api/v1/contacts", { firstName: "Late", lastName: "Joiner" })).json();
  await c.post(`/api/v1/contacts/${joiner.id}/activities`, { type: "call", direction: "inbound", occurredAt: "2025-01-02T10:00:00Z" });
  await c.patch(`/api/v1/contacts/${joiner.id}`, { companyId: acme.id });
  const pipeline = (await c.get("/api/v1/pipelines")).json().data[0];
  const [first, second] = pipeline.stages.filter((s: { type: string }) => s.type === "open");
  const won = pipeline.stages.find((s: { type: string }) => s.type === "won");
  const today = new Date().toISOString().slice(0, 10);
  for (const [i, amount] of [1200, 3400.5, 99].entries()) {
    const deal = (await c.post("/api/v1/deals", { name: `Deal ${i}`, amount, companyId: acme.id, expectedCloseDate: today, stageId: first.id })).json();
    if (i > 0) expect((await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: second.id })).statusCode).toBe(200);
    if (i > 1) expect((await c.post(`/api/v1/deals/${deal.id}/stage`, { stageId: won.id })).statusCode).toBe(200);
  }
  const gone = (await c.post("/api/v1/contacts", { firstName: "Gone", lastName: "Soon" })).json();
  await c.del(`/api/v1/contacts/${gone.id}`);
  return { emilie, acme };
}

describe("backup and restore (PGlite)", () => {
  let a: TestApp;
  let admin: Client & { email: string; password: string };
  let other: Client;
  let before: Awaited<ReturnType<typeof snapshot>>;
  const wsFile = join(dir, "workspace.ndjson.gz");
  const instanceFile = join(dir, "instance.ndjson.gz");

  beforeAll(async () => {
    a = await createTestApp("pglite");
    admin = await newWorkspace(a.app, "Backed Up Co");
    other = await newWorkspace(a.app, "Other Co");
    await seed(admin);
    await other.post("/api/v1/contacts", { firstName: "Elsewhere", lastName: "Person" });
    before = await snapshot(admin);
  });
  afterAll(() => a.close());

  it("lists every table of the Drizzle schema", () => {
    const names = schemaTables().map((t) => t.name);
    for (const n of ["workspaces", "users", "contacts", "companies", "activities", "record_history", "custom_fields", "outbox_events"])
      expect(names).toContain(n);
    expect(schemaTables().find((t) => t.name === "workspaces")?.scopeColumn).toBe("id");
    // People are backed up with the workspaces they belong to; reset links are not kept.
    expect(schemaTables().find((t) => t.name === "identities")?.scopeColumn).toBe("identity");
    expect(names).not.toContain("password_resets");
    // Roll-ups kept by triggers are rebuilt by a restore, not copied.
    for (const n of ["deal_stage_totals", "deal_stage_flow", "deal_forecast_months"]) expect(names).not.toContain(n);
  });

  it("backs up one workspace and restores it into a fresh database with identical API reads", async () => {
    const r = await backupDatabase(a.database, wsFile, { workspaceId: admin.session.me?.workspace.id });
    expect(r.header).toMatchObject({ format: "rapport-backup", formatVersion: 1, scope: { type: "workspace", name: "Backed Up Co" }, database: "pglite" });
    expect(r.header.migration.count).toBeGreaterThan(0);
    const lines = gunzipSync(readFileSync(wsFile)).toString("utf8").trim().split("\n");
    expect(lines.length).toBe(1 + r.header.tables.length + r.rows);
    expect(lines.some((l) => l.includes("Elsewhere"))).toBe(false);
    // Only this workspace's people: the other workspace's admin is not in the archive.
    expect(lines.some((l) => l.includes(other.session.me?.user.email as string))).toBe(false);
    expect(r.header.tables.find((t) => t.name === "record_history")?.rows).toBeGreaterThan(3);

    const b = await createTestApp("pglite");
    try {
      const restored = await restoreDatabase(b.database, wsFile);
      expect(restored.rows).toBe(r.rows);
      // Users, password hashes and all: the same admin signs in to the restored copy.
      const again = await signIn(b.app, admin.email, admin.password);
      expect(await snapshot(again)).toEqual(before);
      // A second restore of the same workspace needs --replace-workspace.
      await expect(restoreDatabase(b.database, wsFile)).rejects.toThrow(/already in this database; pass --replace-workspace/);
      await expect(restoreDatabase(b.database, wsFile, { mode: "into-empty" })).rejects.toThrow(BackupError);
    } finally {
      await b.close();
    }
  });

  it("replaces one workspace in place, in one transaction, leaving the others alone", async () => {
    const extra = (await admin.post("/api/v1/contacts", { firstName: "Added", lastName: "Later" })).json();
    await admin.patch(`/api/v1/companies/${before.companies.data[0].id}`, { name: "Renamed" });
    expect((await snapshot(admin)).contacts.data.length).toBe(before.contacts.data.length + 1);
    const r = await restoreDatabase(a.database, wsFile, { mode: "replace-workspace" });
    expect(r.replaced).toBeGreaterThan(0);
    expect(await snapshot(admin)).toEqual(before);
    expect((await admin.get(`/api/v1/contacts/${extra.id}`)).statusCode).toBe(404);
    const others = (await other.get("/api/v1/contacts")).json().data;
    expect(others.map((x: { lastName: string }) => x.lastName)).toEqual(["Person"]);
  });

  it("restores a whole instance only into an empty database", async () => {
    const r = await backupDatabase(a.database, instanceFile);
    expect(r.header.scope).toEqual({ type: "instance" });
    await expect(restoreDatabase(a.database, instanceFile, { mode: "into-empty" })).rejects.toThrow(/not empty/);
    const b = await createTestApp("pglite");
    try {
      await restoreDatabase(b.database, instanceFile, { mode: "into-empty" });
      expect(await snapshot(await signIn(b.app, admin.email, admin.password))).toEqual(before);
      const o = client(b.app, { cookie: other.session.cookie });
      expect((await o.get("/api/v1/contacts")).json().data.map((x: { lastName: string }) => x.lastName)).toEqual(["Person"]);
    } finally {
      await b.close();
    }
  });

  it("refuses an archive from a newer migration level, and one that is not an archive", async () => {
    const [head, ...rest] = gunzipSync(readFileSync(wsFile)).toString("utf8").split("\n");
    const header = JSON.parse(head as string);
    header.migration.count += 1;
    header.migration.latest += 1000;
    const newer = join(dir, "newer.ndjson.gz");
    writeFileSync(newer, gzipSync([JSON.stringify(header), ...rest].join("\n")));
    await expect(restoreDatabase(a.database, newer, { mode: "replace-workspace" })).rejects.toThrow(/newer|Upgrade Rapport/);
    const junk = join(dir, "junk.gz");
    writeFileSync(junk, gzipSync("hello\n"));
    await expect(restoreDatabase(a.database, junk)).rejects.toThrow(/not a Rapport backup/);
    // Nothing changed.
    expect(await snapshot(admin)).toEqual(before);
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("restores a PGlite backup into a fresh PostgreSQL database", async () => {
    const url = new URL(process.env.TEST_DATABASE_URL as string);
    const name = `rapport_restore_${Date.now().toString(36)}`;
    const adminPool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    await adminPool.query(`create database ${name}`);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString() });
    try {
      await runMigrations(database);
      await restoreDatabase(database, instanceFile, { mode: "into-empty" });
      const app = await buildApp({ database, logLevel: "silent" });
      await app.ready();
      try {
        expect(await snapshot(await signIn(app, admin.email, admin.password))).toEqual(before);
      } finally {
        await app.close();
      }
    } finally {
      await database.close();
      await adminPool.query(`drop database ${name}`);
      await adminPool.end();
    }
  });
});
