/**
 * Upgrading keeps everything: a database made by an earlier release (test/fixtures/release-<version>.sql.gz, written
 * by scripts/make-release-fixture.ts on that release's commit) is loaded into a fresh embedded and a fresh PostgreSQL
 * database, migrated by this code, and must answer every record, sign-in and API key as that release did.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Me } from "../contract/auth.js";
import { type App, buildApp } from "../server/app.js";
import { client, databaseKinds } from "../test/harness.js";
import { type Database, type DatabaseKind, openDatabase } from "./client.js";
import { runMigrations } from "./migrate.js";

interface ReleaseManifest {
  version: string;
  users: { email: string; password: string; role: string }[];
  apiKey: { key: string; role: string };
  lists: Record<string, string[]>;
  records: Record<string, unknown>;
}

const fixtures = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));
const releases = readdirSync(fixtures)
  .filter((f) => /^release-.+\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(join(fixtures, f), "utf8")) as ReleaseManifest);

/**
 * Meeting attendees come back in storage order (the query has no ORDER BY), which a dump and restore may change:
 * compare them as a set.
 */
function unordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unordered);
  if (!value || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === "attendees" && Array.isArray(v) ? [...v].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) : unordered(v),
    ]),
  );
}

const dumpOf = (version: string) => gunzipSync(readFileSync(join(fixtures, `release-${version}.sql.gz`))).toString("utf8");

/** The release's database, as its own files (embedded) or as its own database on the test server (PostgreSQL). */
async function restore(kind: DatabaseKind, sql: string): Promise<{ database: Database; drop(): Promise<void> }> {
  if (kind === "pglite") {
    const dataDir = mkdtempSync(join(tmpdir(), "rapport-upgrade-"));
    const old = await PGlite.create({ dataDir, extensions: { pg_trgm } });
    await old.exec(sql);
    await old.close();
    return { database: await openDatabase({ dataDir }), drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  // The shared test database already holds the current schema: the old release gets a database of its own beside it.
  const serverUrl = new URL(process.env.TEST_DATABASE_URL as string);
  const name = `rapport_upgrade_${Date.now().toString(36)}_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const loader = new pg.Client({ connectionString: url.toString() });
  await loader.connect();
  await loader.query(sql);
  await loader.end();
  return {
    database: await openDatabase({ url: url.toString() }),
    drop: async () => {
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function login(app: App, email: string, password: string) {
  return app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password } });
}

describe.each(releases.flatMap((release) => databaseKinds.map((kind) => ({ release, kind }))))("upgrade from $release.version ($kind)", ({ release, kind }) => {
  let app: App;
  let database: Database;
  let drop: () => Promise<void>;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    const restored = await restore(kind, dumpOf(release.version));
    database = restored.database;
    drop = restored.drop;
    await runMigrations(database);
    app = await buildApp({ database, logLevel: "silent", authRateLimit: 10_000 });
    await app.ready();
    const adminUser = release.users.find((u) => u.role === "admin");
    if (!adminUser) throw new Error(`release-${release.version}.json names no admin`);
    const res = await login(app, adminUser.email, adminUser.password);
    expect(res.statusCode, res.body).toBe(200);
    const cookie = res.cookies.find((c) => c.name === "rapport_session");
    admin = client(app, { cookie: `rapport_session=${cookie?.value}`, me: res.json() as Me });
  });

  afterAll(async () => {
    await app?.close();
    await database?.close();
    await drop?.();
  });

  it("signs every user in with their password, and no one with a wrong one", async () => {
    for (const user of release.users) {
      const ok = await login(app, user.email, user.password);
      expect(ok.statusCode, `${user.email}: ${ok.body}`).toBe(200);
      expect((ok.json() as Me).user).toMatchObject({ email: user.email, role: user.role });
      const wrong = await login(app, user.email, `${user.password}!`);
      expect(wrong.statusCode).toBe(401);
    }
  });

  it("accepts the API key with its role", async () => {
    const contacts = `/api/v1/contacts?limit=200`;
    const res = await client(app, { bearer: release.apiKey.key }).get(contacts);
    expect(res.statusCode, res.body).toBe(200);
    expect((res.json() as { data: { id: string }[] }).data.map((c) => c.id).sort()).toEqual([...(release.lists[contacts] ?? [])].sort());
    const revoked = await client(app, { bearer: `${release.apiKey.key}x` }).get(contacts);
    expect(revoked.statusCode).toBe(401);
  });

  it("lists every record it had", async () => {
    for (const [path, ids] of Object.entries(release.lists)) {
      const res = await admin.get(path);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
      expect((res.json() as { data: { id: string }[] }).data.map((r) => r.id).sort(), path).toEqual([...ids].sort());
    }
  });

  it("answers every record as it did", async () => {
    for (const [path, body] of Object.entries(release.records)) {
      const res = await admin.get(path);
      expect(res.statusCode, `${path}: ${res.body}`).toBe(200);
      expect(unordered(res.json()), path).toMatchObject(unordered(body) as Record<string, unknown>);
    }
  });

  it("keeps working after the upgrade: search finds old records, edits and new records save", async () => {
    const contactIds = Object.entries(release.lists).find(([p]) => p.startsWith("/api/v1/contacts"))?.[1] ?? [];
    const first = release.records[`/api/v1/contacts/${contactIds[0]}`] as { id: string; lastName: string; fullName: string } | undefined;
    expect(first, "the fixture holds contacts").toBeDefined();
    if (!first) return;
    const found = await admin.get(`/api/v1/search?q=${encodeURIComponent(first.fullName)}`);
    expect(found.statusCode, found.body).toBe(200);
    expect(found.body).toContain(first.id);

    const edited = await admin.patch(`/api/v1/contacts/${first.id}`, { jobTitle: "Upgraded" });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ id: first.id, lastName: first.lastName, jobTitle: "Upgraded" });
    const created = await admin.post("/api/v1/contacts", { firstName: "After", lastName: "Upgrade" });
    expect(created.statusCode, created.body).toBe(201);
    const deal = await admin.post("/api/v1/deals", { name: "Post-upgrade deal", amount: "10", currency: "EUR" });
    expect(deal.statusCode, deal.body).toBe(201);
  });
});
