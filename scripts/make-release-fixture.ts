/**
 * Makes the upgrade fixture for a release: a PostgreSQL dump of a workspace this release created through its own
 * API, and a manifest of what that API answered. src/db/upgrade.test.ts loads the dump into a fresh embedded and a
 * fresh PostgreSQL database, migrates it with the code under test and checks that every record, every sign-in and
 * the API key still answer the same.
 *
 * Run it on the release's own commit, before anything after it lands:
 *   npx tsx scripts/make-release-fixture.ts            (PostgreSQL at postgres://postgres@127.0.0.1:5432/postgres)
 *   FIXTURE_ADMIN_URL=postgres://user:pw@host/db npx tsx scripts/make-release-fixture.ts
 * It writes test/fixtures/release-<version>.sql.gz and release-<version>.json. It needs pg_dump on the PATH and a
 * role that may create databases; the scratch database it makes is dropped again.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { openDatabase } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { buildApp } from "../src/server/app.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
const fixtures = join(root, "test/fixtures");
const adminUrl = process.env.FIXTURE_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** What the upgrade test reads; the same shape for every release's fixture. */
export interface ReleaseManifest {
  version: string;
  /** Users with the passwords they signed up or were created with. */
  users: { email: string; password: string; role: string }[];
  apiKey: { key: string; role: string };
  /** GET path → the ids that list held (in any order). */
  lists: Record<string, string[]>;
  /** GET path → the body it answered, time-relative fields left out. */
  records: Record<string, unknown>;
}

// Values that depend on when they are read (time spent in a stage "until now") or on the test itself using them
// (an API key's last use), not on what was stored.
const volatileKeys = new Set(["durationMs", "timeInStage", "lastUsedAt"]);
function withoutVolatile(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutVolatile);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => !volatileKeys.has(k))
        .map(([k, v]) => [k, withoutVolatile(v)]),
    );
  }
  return value;
}

const dbName = `rapport_fixture_${process.pid}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;
const databaseUrl = url.toString();

try {
  const database = await openDatabase({ url: databaseUrl });
  await runMigrations(database);
  const app = await buildApp({ database, logLevel: "warn" });
  await app.ready();

  let cookie = "";
  const call = async (method: "GET" | "POST" | "PATCH" | "PUT", path: string, body?: unknown, expected = method === "POST" ? [200, 201] : [200]) => {
    const res = await app.inject({
      method,
      url: path,
      headers: { cookie, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      payload: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!expected.includes(res.statusCode)) throw new Error(`${method} ${path} answered ${res.statusCode}: ${res.body}`);
    const session = res.cookies.find((c) => c.name === "rapport_session");
    if (session?.value) cookie = `rapport_session=${session.value}`;
    return res.body ? (res.json() as Record<string, unknown> & { id: string }) : ({} as Record<string, unknown> & { id: string });
  };

  const users: ReleaseManifest["users"] = [
    { email: "ada@upgrade.example", password: "Ada's long passphrase 1", role: "admin" },
    { email: "bruno@upgrade.example", password: "Bruno's long passphrase 2", role: "sales" },
  ];
  const [ada, bruno] = users as [ReleaseManifest["users"][0], ReleaseManifest["users"][0]];
  await call("POST", "/api/v1/auth/signup", { workspaceName: "Upgrade Test GmbH", name: "Ada Admin", email: ada.email, password: ada.password });
  await call("PATCH", "/api/v1/workspace", { defaultCountry: "DE", defaultCurrency: "EUR" });
  const brunoUser = await call("POST", "/api/v1/users", { name: "Bruno Sales", email: bruno.email, role: bruno.role, password: bruno.password });
  await call("POST", "/api/v1/teams", { name: "Field sales", memberIds: [brunoUser.id] });

  await call("POST", "/api/v1/custom-fields", { object: "contact", label: "Shoe size", type: "number" });
  await call("POST", "/api/v1/custom-fields", { object: "contact", label: "Interests", type: "multi_select", options: ["Golf", "Sailing", "Jazz"] });
  await call("POST", "/api/v1/custom-fields", { object: "contact", label: "Birthday", type: "date" });
  await call("POST", "/api/v1/custom-fields", { object: "company", label: "Tier", type: "select", options: ["Gold", "Silver"] });
  await call("POST", "/api/v1/custom-fields", { object: "company", label: "Credit limit", type: "currency" });
  await call("POST", "/api/v1/custom-fields", { object: "deal", label: "Signed NDA", type: "boolean" });

  const acme = await call("POST", "/api/v1/companies", {
    name: "Acme Maschinenbau AG",
    domain: "https://www.acme-maschinen.example/about",
    industry: "Manufacturing",
    employees: 1200,
    annualRevenue: "125000000.50",
    currency: "EUR",
    phone: "+49 89 1234567",
    address: { street: "Leopoldstraße 1", city: "München", postalCode: "80802", country: "DE" },
    tags: ["key-account", "dach"],
    description: "Makes machines that make machines.",
    custom: { tier: "Gold", credit_limit: "50000" },
  });
  const acmeUk = await call("POST", "/api/v1/companies", {
    name: "Acme UK Ltd",
    domain: "acme.example.co.uk",
    parentId: acme.id,
    currency: "GBP",
    ownerId: brunoUser.id,
  });
  const zeta = await call("POST", "/api/v1/companies", { name: "Zeta Ströme SARL", industry: "Energy", custom: { tier: "Silver" }, tags: ["prospect"] });

  const clara = await call("POST", "/api/v1/contacts", {
    firstName: "Clara",
    lastName: "Ødegård",
    emails: [
      { email: "Clara.Odegard@Acme-Maschinen.example", label: "work", primary: true },
      { email: "clara@home.example", label: "home" },
    ],
    phones: [
      { phone: "089 7654321", label: "office", primary: true },
      { phone: "+44 20 7946 0958", label: "mobile" },
    ],
    jobTitle: "Head of Procurement",
    companyId: acme.id,
    lifecycleStage: "opportunity",
    leadSource: "event",
    tags: ["decision-maker"],
    address: { city: "München", country: "DE" },
    socialProfiles: { linkedin: "https://www.linkedin.com/in/clara-example" },
    emailConsent: true,
    custom: { shoe_size: 39, interests: ["Golf", "Jazz"], birthday: "1984-02-29" },
  });
  const dmitri = await call("POST", "/api/v1/contacts", {
    firstName: "Dmitri",
    lastName: "Ivanov",
    emails: [{ email: "dmitri@acme.example.co.uk" }],
    companyId: acmeUk.id,
    ownerId: brunoUser.id,
    lifecycleStage: "customer",
    doNotContact: true,
  });
  const emma = await call("POST", "/api/v1/contacts", {
    firstName: "Emma",
    lastName: "Zhang",
    emails: [{ email: "emma.zhang@zeta.example" }],
    phones: [{ phone: "+33 1 42 68 53 00" }],
    companyId: zeta.id,
    lifecycleStage: "lead",
    leadStatus: "attempting_contact",
    leadSource: "web_form",
  });
  await call("POST", "/api/v1/contacts", { emails: [{ email: "anonymous.lead@mail.example" }], lifecycleStage: "subscriber" });
  const renamed = await call("POST", "/api/v1/contacts", { firstName: "Frank", lastName: "Old", companyId: zeta.id });
  await call("PATCH", `/api/v1/contacts/${renamed.id}`, { lastName: "Newman", jobTitle: "CTO" });

  const pipelines = (await call("GET", "/api/v1/pipelines")).data as { id: string; stages: { id: string; type: string; name: string }[] }[];
  const pipeline = pipelines[0];
  if (!pipeline) throw new Error("no default pipeline");
  const open = pipeline.stages.filter((s) => s.type === "open");
  const won = pipeline.stages.find((s) => s.type === "won");
  const lost = pipeline.stages.find((s) => s.type === "lost");
  if (open.length < 2 || !won || !lost) throw new Error("the default pipeline lacks open, won or lost stages");
  await call("POST", "/api/v1/lost-reasons", { name: "Went with a competitor" });

  const widget = await call("POST", "/api/v1/products", {
    name: "Widget Pro",
    sku: "WID-PRO",
    unitPrice: "1499.00",
    currency: "EUR",
    description: "The big one",
  });
  const service = await call("POST", "/api/v1/products", { name: "Installation service", sku: "SVC/INSTALL", unitPrice: 250, currency: "EUR" });
  await call("POST", "/api/v1/products", { name: "Legacy gadget", sku: "OLD.1", unitPrice: "9.99", currency: "EUR", active: false });

  const bigDeal = await call("POST", "/api/v1/deals", {
    name: "Acme — 40 Widgets",
    stageId: open[1]?.id,
    currency: "EUR",
    expectedCloseDate: "2027-03-31",
    companyId: acme.id,
    contacts: [{ contactId: clara.id, role: "decision_maker" }],
    nextStep: "Send the revised quote",
    source: "Trade fair",
    tags: ["q1"],
    custom: { signed_nda: true },
  });
  await call("PUT", `/api/v1/deals/${bigDeal.id}/line-items`, {
    amountSource: "line_items",
    items: [
      { productId: widget.id, quantity: 40, discountPercent: 12.5 },
      { productId: service.id, quantity: "2.5" },
      { name: "Travel costs", quantity: 1, unitPrice: "480.20" },
    ],
  });
  const wonDeal = await call("POST", "/api/v1/deals", {
    name: "Acme UK — service",
    amount: "12000",
    currency: "GBP",
    companyId: acmeUk.id,
    ownerId: brunoUser.id,
    stageId: open[0]?.id,
    contacts: [{ contactId: dmitri.id, role: "economic_buyer" }],
  });
  await call("POST", `/api/v1/deals/${wonDeal.id}/stage`, { stageId: open[1]?.id });
  await call("POST", `/api/v1/deals/${wonDeal.id}/stage`, { stageId: won.id });
  const lostDeal = await call("POST", "/api/v1/deals", {
    name: "Zeta pilot",
    amount: 8000.5,
    currency: "EUR",
    companyId: zeta.id,
    contacts: [{ contactId: emma.id, role: "champion" }],
  });
  await call("POST", `/api/v1/deals/${lostDeal.id}/stage`, { stageId: lost.id, lostReason: "Went with a competitor" });
  const openDeal = await call("POST", "/api/v1/deals", { name: "Zeta expansion", amount: "0.01", currency: "EUR", companyId: zeta.id, stageId: open[0]?.id });
  await call("PUT", `/api/v1/deals/${openDeal.id}/line-items`, { amountSource: "line_items", items: [{ productId: widget.id, quantity: 3 }] });

  await call("POST", `/api/v1/contacts/${clara.id}/activities`, {
    type: "note",
    subject: "Budget",
    body: "<p>Budget is <strong>approved</strong> for Q1.</p>",
  });
  await call("POST", `/api/v1/contacts/${clara.id}/activities`, {
    type: "call",
    direction: "outbound",
    durationSeconds: 754,
    outcome: "connected",
    subject: "Follow-up call",
    occurredAt: "2026-11-02T14:30:00Z",
  });
  await call("POST", `/api/v1/companies/${zeta.id}/activities`, {
    type: "email",
    direction: "inbound",
    subject: "Re: pilot",
    from: "emma.zhang@zeta.example",
    to: [ada.email],
    body: "<p>We decided otherwise.</p>",
  });
  await call("POST", `/api/v1/deals/${bigDeal.id}/activities`, {
    type: "meeting",
    subject: "On-site demo",
    occurredAt: "2026-11-20T09:00:00Z",
    endsAt: "2026-11-20T11:00:00Z",
    location: "Acme, München",
    attendees: { contactIds: [clara.id], userIds: [brunoUser.id] },
  });

  await call("POST", "/api/v1/tasks", {
    title: "Send revised quote",
    description: "Include the installation",
    dueAt: "2099-01-15T09:00:00Z",
    priority: "high",
    related: { object: "deal", id: bigDeal.id },
    remindAt: null,
  });
  await call("POST", "/api/v1/tasks", { title: "Call Emma back", assigneeId: brunoUser.id, related: { object: "contact", id: emma.id }, remindAt: null });
  const done = await call("POST", "/api/v1/tasks", { title: "Book the demo room", related: { object: "company", id: acme.id }, remindAt: null });
  await call("POST", `/api/v1/tasks/${done.id}/complete`, {});

  await call("POST", "/api/v1/views", {
    object: "contact",
    name: "Customers",
    shared: true,
    state: { sort: "lastName", filters: [{ field: "lifecycleStage", op: "eq", value: "customer" }], columns: ["fullName", "primaryEmail"] },
  });

  const createdKey = await call("POST", "/api/v1/api-keys", { name: "Upgrade integration", role: "sales" });
  const apiKey = { key: String(createdKey.key), role: "sales" };

  // What the API answers now is what the upgraded release must answer.
  const lists: ReleaseManifest["lists"] = {};
  const records: ReleaseManifest["records"] = {};
  const ids = async (path: string) => {
    const page = (await call("GET", path)) as unknown as { data: { id: string }[]; nextCursor?: string | null };
    if (page.nextCursor) throw new Error(`${path} has more than one page: raise its limit`);
    lists[path] = page.data.map((r) => r.id);
    return lists[path];
  };
  const keep = async (path: string) => {
    records[path] = withoutVolatile(await call("GET", path));
  };
  for (const path of [
    "/api/v1/workspace",
    "/api/v1/users",
    "/api/v1/teams",
    "/api/v1/custom-fields",
    "/api/v1/pipelines",
    "/api/v1/lost-reasons",
    "/api/v1/api-keys",
  ]) {
    await keep(path);
  }
  for (const id of await ids("/api/v1/companies?limit=200")) {
    await keep(`/api/v1/companies/${id}`);
    await keep(`/api/v1/companies/${id}/timeline?limit=200`);
  }
  for (const id of await ids("/api/v1/contacts?limit=200")) {
    await keep(`/api/v1/contacts/${id}`);
    await keep(`/api/v1/contacts/${id}/timeline?limit=200`);
  }
  for (const id of await ids("/api/v1/deals?limit=200")) {
    await keep(`/api/v1/deals/${id}`);
    await keep(`/api/v1/deals/${id}/line-items`);
    await keep(`/api/v1/deals/${id}/timeline?limit=200`);
    await keep(`/api/v1/deals/${id}/stage-history`);
  }
  for (const id of await ids("/api/v1/products?limit=200")) await keep(`/api/v1/products/${id}`);
  for (const id of await ids("/api/v1/tasks?assignee=all&limit=200")) await keep(`/api/v1/tasks/${id}`);
  await ids("/api/v1/views");

  await app.close();
  await database.close();

  const dump = spawnSync("pg_dump", ["--no-owner", "--no-privileges", "--inserts", "--rows-per-insert=50", "--dbname", databaseUrl], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr || dump.error?.message}`);
  // pg_dump 15.14+ and 17.6+ fence the script with psql's \restrict; the fixture is read as plain SQL, not by psql.
  const sqlText = dump.stdout.replace(/^\\(un)?restrict .*$/gm, "");
  mkdirSync(fixtures, { recursive: true });
  const manifest: ReleaseManifest = { version, users, apiKey, lists, records };
  writeFileSync(join(fixtures, `release-${version}.sql.gz`), gzipSync(sqlText, { level: 9 }));
  writeFileSync(join(fixtures, `release-${version}.json`), `${JSON.stringify(manifest, null, 1)}\n`);
  console.log(
    `Wrote test/fixtures/release-${version}.sql.gz and .json: ${Object.keys(records).length} records, dump ${Math.round(sqlText.length / 1024)} KB before gzip`,
  );
} finally {
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
}
