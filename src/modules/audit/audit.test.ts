import { parse } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AuditEntry } from "../../contract/audit.js";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { type Client, client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../../test/harness.js";
import { dispatchEvents } from "../events/service.js";
import { auditConsumer, pruneAudit } from "./service.js";
import { auditLog } from "./table.js";

const UA = "Mozilla/5.0 (AuditTest) Chromium";

describe.each(databaseKinds)("audit log on %s", (kind) => {
  let t: TestApp;
  let admin: Client & { email: string; password: string };
  let other: Client;
  const ws = () => admin.session.me?.workspace.id as string;

  /** Feeds the event stream to the audit consumer until it has caught up (another worker may hold its cursor a moment). */
  const drain = async () => {
    for (let i = 0; i < 50; i++) {
      const { delivered } = await dispatchEvents(t.database.db, [auditConsumer], 100);
      if (delivered === 0) return;
    }
  };
  const audit = async (c: Client, query = ""): Promise<{ data: AuditEntry[]; nextCursor: string | null }> => {
    const res = await c.get(`/api/v1/audit${query ? `?${query}` : ""}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  /** Waits for entries the consumer writes (it runs in a job elsewhere, and here on demand). */
  const eventually = async (c: Client, query: string, ok: (e: AuditEntry[]) => boolean) => {
    let last: AuditEntry[] = [];
    await vi.waitFor(
      async () => {
        await drain();
        last = (await audit(c, query)).data;
        if (!ok(last)) throw new Error(`not yet: ${JSON.stringify(last.map((e) => e.summary))}`);
      },
      // Bounded only to end a wait that never succeeds: the consumer's job may take a minute on a loaded machine.
      { interval: 50 },
    );
    return last;
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    // The consumer starts at the present when first seen: register it before this file's changes.
    await drain();
    admin = await newWorkspace(t.app);
    other = await newWorkspace(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("turns a deal's stage change into a readable entry with who, where from and old → new", async () => {
    const pipelines = (await admin.get("/api/v1/pipelines")).json() as { data: { stages: { id: string; name: string; type: string }[] }[] };
    const stages = pipelines.data[0]?.stages ?? [];
    const [first, second] = stages.filter((s) => s.type === "open");
    if (!first || !second) throw new Error("the default pipeline has two open stages");
    const deal = (await admin.post("/api/v1/deals", { name: "Acme renewal", stageId: first.id })).json() as { id: string };
    const res = await t.app.inject({
      method: "PATCH",
      url: `/api/v1/deals/${deal.id}`,
      headers: { cookie: admin.session.cookie as string, "content-type": "application/json", "user-agent": UA },
      payload: { stageId: second.id },
      remoteAddress: "203.0.113.7",
    });
    expect(res.statusCode, res.body).toBe(200);
    const entries = await eventually(admin, `object=deal&action=updated`, (e) => e.some((x) => x.objectId === deal.id));
    const entry = entries.find((x) => x.objectId === deal.id) as AuditEntry;
    expect(entry.summary).toBe(`Ada Admin changed Stage from ${first.name} to ${second.name} on deal Acme renewal`);
    expect(entry.actor).toMatchObject({ kind: "user", userId: admin.session.me?.user.id, name: "Ada Admin" });
    expect(entry.objectLabel).toBe("Deal");
    expect(entry.changes).toContainEqual({ field: "stage", label: "Stage", from: first.name, to: second.name });
    expect(entry.ip).toBe("203.0.113.7");
    expect(entry.userAgent).toBe(UA);
    // Created too, and a deletion still names the deal.
    expect((await admin.del(`/api/v1/deals/${deal.id}`)).statusCode).toBe(204);
    const all = await eventually(admin, `object=deal`, (e) => e.some((x) => x.objectId === deal.id && x.action === "deleted"));
    expect(all.filter((x) => x.objectId === deal.id).map((x) => x.action)).toEqual(["deleted", "updated", "created"]);
    expect(all.find((x) => x.action === "deleted")?.summary).toBe("Ada Admin deleted deal Acme renewal");
  });

  it("records sign-ins, successful and failed, with address and user agent; an unknown email is written nowhere", async () => {
    const login = (email: string, password: string, ip: string) =>
      t.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password }, headers: { "user-agent": UA }, remoteAddress: ip });
    expect((await login(admin.email, admin.password, "198.51.100.1")).statusCode).toBe(200);
    expect((await login(admin.email, "not the password", "198.51.100.2")).statusCode).toBe(401);
    const stranger = `${unique("nobody")}@example.com`;
    expect((await login(stranger, "whatever", "198.51.100.3")).statusCode).toBe(401);

    const entries = (await audit(admin, "object=session")).data;
    const ok = entries.find((e) => e.action === "signed_in" && e.ip === "198.51.100.1");
    const failed = entries.find((e) => e.action === "sign_in_failed");
    expect(ok).toMatchObject({ userAgent: UA, summary: "Ada Admin signed in", actor: { userId: admin.session.me?.user.id } });
    expect(failed).toMatchObject({ ip: "198.51.100.2", userAgent: UA, summary: "Ada Admin failed to sign in (wrong password)" });
    expect(entries.some((e) => e.ip === "198.51.100.3")).toBe(false);
    // No workspace's log anywhere holds the attempt for the unknown email.
    const leaked = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from audit_log where ip = '198.51.100.3' or summary like ${`%${stranger}%`} or details::text like ${`%${stranger}%`}`,
    );
    expect(leaked[0]?.n).toBe(0);
    expect((await audit(other, "object=session")).data.some((e) => e.ip === "198.51.100.2")).toBe(false);
  });

  it("logs who exported what: object, filter, format and row count", async () => {
    for (const name of ["Ada", "Adele", "Bob"]) await admin.post("/api/v1/contacts", { firstName: name, lastName: "Export" });
    const res = await admin.get("/api/v1/contacts/export?format=csv&q=Ad");
    expect(res.statusCode).toBe(200);
    const entries = await eventually(admin, "action=exported", (e) => e.some((x) => x.details.rows !== null));
    expect(entries[0]).toMatchObject({
      action: "exported",
      object: "contact",
      summary: "Ada Admin exported 2 contacts as CSV",
      details: { object: "contact", format: "csv", rows: 2, filter: { q: "Ad" } },
    });
  });

  it("counts an API key's requests per day, and names the key on its changes", async () => {
    const created = (await admin.post("/api/v1/api-keys", { name: "Zapier sync", role: "sales" })).json() as { id: string; key: string };
    const key = client(t.app, { bearer: created.key });
    for (let i = 0; i < 3; i++) expect((await key.get("/api/v1/contacts?limit=1")).statusCode).toBe(200);
    const company = (await key.post("/api/v1/companies", { name: "Keyed Ltd" })).json() as { id: string };
    const usage = (await admin.get("/api/v1/audit/api-key-usage")).json() as { data: { apiKeyId: string; name: string; day: string; requests: number }[] };
    const today = new Date().toISOString().slice(0, 10);
    expect(usage.data.filter((u) => u.apiKeyId === created.id)).toEqual([{ apiKeyId: created.id, name: "Zapier sync", day: today, requests: 4 }]);
    // One counter row per key and day, however many requests.
    const rows = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from api_key_usage where api_key_id = ${created.id}`);
    expect(rows[0]?.n).toBe(1);
    const entries = await eventually(admin, "object=company", (e) => e.some((x) => x.objectId === company.id));
    expect(entries.find((x) => x.objectId === company.id)).toMatchObject({
      actor: { kind: "api_key", apiKeyId: created.id, name: "API key Zapier sync" },
      summary: "API key Zapier sync created company Keyed Ltd",
    });
  });

  it("filters by person, object, action and time, and pages by keyset", async () => {
    const sales = await userWithRole(t.app, admin, "sales");
    const mine = (await sales.post("/api/v1/contacts", { firstName: "Sally", lastName: "Sales" })).json() as { id: string };
    await admin.post("/api/v1/contacts", { firstName: "Adam", lastName: "Admin" });
    const bySales = await eventually(admin, `actorId=${sales.userId}&object=contact`, (e) => e.some((x) => x.objectId === mine.id));
    expect(bySales.every((e) => e.actor.userId === sales.userId && e.object === "contact")).toBe(true);
    expect(bySales.map((e) => e.summary)).toContain("sales user created contact Sally Sales");

    const actions = (await audit(admin, "action=signed_in,created")).data;
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.every((e) => e.action === "signed_in" || e.action === "created")).toBe(true);
    const future = new Date(Date.now() + 86_400_000).toISOString();
    expect((await audit(admin, `from=${encodeURIComponent(future)}`)).data).toEqual([]);
    const past = new Date(Date.now() - 86_400_000).toISOString();
    expect((await audit(admin, `to=${encodeURIComponent(past)}`)).data).toEqual([]);

    const everything = (await audit(admin, "limit=500")).data;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageOf: { data: AuditEntry[]; nextCursor: string | null } = await audit(admin, `limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...pageOf.data.map((e) => e.id));
      cursor = pageOf.nextCursor;
    } while (cursor);
    expect(seen).toEqual(everything.map((e) => e.id));
    expect(new Set(seen).size).toBe(seen.length);
    expectProblem(await admin.get("/api/v1/audit?cursor=garbage"), 400);
    expectProblem(await admin.get("/api/v1/audit?action=hacked"), 400);
  });

  it("downloads the filtered log as CSV, streamed, with labels", async () => {
    for (const url of ["/api/v1/audit.csv?object=deal", "/api/v1/audit?format=csv&object=deal"]) {
      const res = await admin.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers["content-type"]).toMatch(/^text\/csv/);
      expect(res.headers["content-disposition"]).toMatch(/attachment; filename="audit-log-/);
      const rows = parse(res.body, { bom: true, columns: true }) as Record<string, string>[];
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows.every((r) => r.Object === "Deal")).toBe(true);
      expect(rows.map((r) => r.Summary)).toContain("Ada Admin deleted deal Acme renewal");
      expect(rows.find((r) => r.Action === "Changed")?.["IP address"]).toBe("203.0.113.7");
    }
  });

  it("is for admins only, and never shows another workspace's entries", async () => {
    const sales = await userWithRole(t.app, admin, "sales");
    for (const url of ["/api/v1/audit", "/api/v1/audit.csv", "/api/v1/audit/settings", "/api/v1/audit/api-key-usage"]) expectProblem(await sales.get(url), 403);
    expectProblem(await sales.call("PUT", "/api/v1/audit/settings", { retentionDays: 30 }), 403);
    const theirs = (await audit(other, "limit=500")).data;
    expect(theirs.length).toBeGreaterThan(0);
    const otherId = other.session.me?.user.id;
    expect(theirs.every((e) => e.actor.userId === otherId || e.actor.userId === null)).toBe(true);
    expect((await audit(other, `actorId=${admin.session.me?.user.id}`)).data).toEqual([]);
    const csv = (await other.get("/api/v1/audit.csv")).body;
    expect(csv).not.toContain("Acme renewal");
  });

  it("keeps entries for the retention period, pruned by the daily job's clock; changing it is itself logged", async () => {
    expect((await admin.get("/api/v1/audit/settings")).json()).toEqual({ retentionDays: 365 });
    expectProblem(await admin.call("PUT", "/api/v1/audit/settings", { retentionDays: 1 }), 400);
    expect((await admin.call("PUT", "/api/v1/audit/settings", { retentionDays: 30 })).json()).toEqual({ retentionDays: 30 });
    const logged = (await audit(admin, "object=audit_settings")).data[0];
    expect(logged?.summary).toBe("Ada Admin changed Retention days from 365 to 30 on the audit settings");
    const now = Date.now();
    const at = (days: number) => new Date(now - days * 86_400_000);
    const row = (workspaceId: string, days: number) => ({
      workspaceId,
      id: newId(),
      at: at(days),
      actorKind: "system",
      action: "created",
      object: "contact",
      summary: `old ${days}`,
    });
    await t.database.db
      .insert(auditLog)
      .values([row(ws(), 29), row(ws(), 31), row(other.session.me?.workspace.id as string, 31), row(other.session.me?.workspace.id as string, 366)]);
    await pruneAudit(t.database.db, new Date(now));
    const left = await queryRows<{ workspace_id: string; summary: string }>(
      t.database.db,
      sql`select workspace_id, summary from audit_log where summary like 'old %'`,
    );
    const mineLeft = left.filter((r) => r.workspace_id === ws()).map((r) => r.summary);
    const theirsLeft = left.filter((r) => r.workspace_id === other.session.me?.workspace.id).map((r) => r.summary);
    expect(mineLeft).toEqual(["old 29"]);
    // The other workspace keeps the default year.
    expect(theirsLeft).toEqual(["old 31"]);
    // Thirty days later by the job's clock, today's entries go too.
    await pruneAudit(t.database.db, new Date(now + 31 * 86_400_000));
    expect((await audit(admin, "limit=500")).data).toEqual([]);
  });

  it("restores a deal's field, the stage by name, through the normal update; fields kept by name are refused", async () => {
    const pipelines = (await admin.get("/api/v1/pipelines")).json() as { data: { stages: { id: string; name: string; type: string }[] }[] };
    const [first, second] = (pipelines.data[0]?.stages ?? []).filter((s) => s.type === "open");
    const deal = (await admin.post("/api/v1/deals", { name: "Restore me", amount: "1000", stageId: first?.id, nextStep: "Call" })).json() as { id: string };
    expect((await admin.patch(`/api/v1/deals/${deal.id}`, { amount: "2500", stageId: second?.id, nextStep: null })).statusCode).toBe(200);
    const timeline = (await admin.get(`/api/v1/deals/${deal.id}/timeline?limit=50`)).json() as { data: { kind: string; id: string; action?: string }[] };
    const change = timeline.data.find((e) => e.kind === "change" && e.action === "update") ?? timeline.data.find((e) => e.action === "update");
    if (!change) throw new Error(`no update in the deal's timeline: ${JSON.stringify(timeline.data)}`);
    const restore = (field: string, c: Client = admin) => c.post(`/api/v1/deals/${deal.id}/restore-field`, { historyId: change.id, field });
    expect((await restore("amount")).json()).toMatchObject({ amount: "1000.00" });
    expect((await restore("stage")).json()).toMatchObject({ stageId: first?.id, stageName: first?.name });
    expect((await restore("nextStep")).json()).toMatchObject({ nextStep: "Call" });
    expectProblem(await restore("name"), 400, "validation_failed");
    const reader = await userWithRole(t.app, admin, "read_only");
    expectProblem(await restore("amount", reader), 403, "forbidden");
    expectProblem(await other.post(`/api/v1/deals/${deal.id}/restore-field`, { historyId: change.id, field: "amount" }), 404);
    // Each restore is an ordinary, recorded change.
    const after = (await admin.get(`/api/v1/deals/${deal.id}/timeline?limit=50`)).json() as { data: { action?: string }[] };
    expect(after.data.filter((e) => e.action === "update").length).toBe(4);
  });

  it("keeps the history of tasks and activities, read per record", async () => {
    const task = (await admin.post("/api/v1/tasks", { title: "Call Acme", priority: "normal" })).json() as { id: string };
    expect((await admin.patch(`/api/v1/tasks/${task.id}`, { title: "Call Acme back", priority: "high" })).statusCode).toBe(200);
    const history = (await admin.get(`/api/v1/tasks/${task.id}/history`)).json() as {
      data: { action: string; actorName: string; changes: { field: string; label: string; from: unknown; to: unknown }[] }[];
    };
    expect(history.data.map((h) => h.action)).toEqual(["update", "create"]);
    expect(history.data[0]?.actorName).toBe("Ada Admin");
    expect(history.data[0]?.changes).toContainEqual({ field: "title", label: "Title", from: "Call Acme", to: "Call Acme back" });
    expectProblem(await other.get(`/api/v1/tasks/${task.id}/history`), 404);
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Hist", lastName: "Ory" })).json() as { id: string };
    const note = (await admin.post(`/api/v1/contacts/${contact.id}/activities`, { type: "note", body: "First words" })).json() as { id: string };
    expect((await admin.patch(`/api/v1/activities/${note.id}`, { body: "Better words" })).statusCode).toBe(200);
    const notes = (await admin.get(`/api/v1/activities/${note.id}/history`)).json() as { data: { action: string; changes: { field: string }[] }[] };
    expect(notes.data[0]).toMatchObject({ action: "update" });
    expect(notes.data[0]?.changes.map((c) => c.field)).toContain("body");
    expectProblem(await other.get(`/api/v1/activities/${note.id}/history`), 404);
  });
});
