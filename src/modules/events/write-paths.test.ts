import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { systemActor } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp, unique } from "../../test/harness.js";
import { signup } from "../auth/service.js";
import { importTesting } from "../imports/testing.js";
import { createUser } from "../users/service.js";

/**
 * The audit of write paths → events: every way a record changes (API, the web app's calls, CLI, imports, merges,
 * restores, bulk actions, settings) writes exactly one event of the right type per record change, in the same
 * transaction, and nothing more. Each step reads every event written since the step before in the workspace and
 * compares the whole list, so a path that writes none, writes twice, or writes for records it did not change fails.
 */
type Written = { type: string; recordId: string; source: string };

describe.each(databaseKinds)("write paths → events on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  const seen = new Set<string>();
  const ws = () => admin.session.me?.workspace.id as string;

  /** Events written in this workspace since the last call, as "type recordId [source]" lines, sorted. */
  async function written(workspaceId = ws()): Promise<string[]> {
    const rows = await queryRows<{ id: string; type: string; record_id: string; source: string }>(
      t.database.db,
      sql`select id, type, record_id, source from outbox_events where workspace_id = ${workspaceId} order by created_at, id`,
    );
    const fresh = rows.filter((r) => !seen.has(r.id));
    for (const r of fresh) seen.add(r.id);
    return fresh.map((r) => line({ type: r.type, recordId: r.record_id, source: r.source })).sort();
  }
  const line = (w: Written) => `${w.type} ${w.recordId}${w.source === "app" ? "" : ` [${w.source}]`}`;
  /** Expected lines: [type, recordId] for the app, [type, recordId, source] otherwise. */
  const expected = (...list: [string, string, string?][]) => list.map(([type, recordId, source]) => line({ type, recordId, source: source ?? "app" })).sort();
  const ok = <T = Record<string, unknown>>(res: { statusCode: number; body: string; json(): unknown }, status = 200): T => {
    expect(res.statusCode, res.body).toBe(status);
    return (res.body ? res.json() : {}) as T;
  };
  const put = (path: string, body: unknown) => admin.call("PUT", path, body);
  // A deal entering a stage gets that stage's playbook tasks: records of their own, each with its task.created
  // (the deals tests check which); here only the deal's own events are counted.
  const withoutPlaybook = (lines: string[]) => lines.filter((l) => !l.startsWith("task.created "));

  beforeAll(async () => {
    // Imports run as jobs: this app works them (importTesting.workerApp).
    t = await createTestApp(kind, importTesting.workerApp);
    admin = await newWorkspace(t.app);
    await written();
  });
  afterAll(async () => {
    await t.close();
  });
  // Each test starts from a clean slate, whatever the one before left unread.
  beforeEach(async () => {
    await written();
  });

  it("sign-up and the CLI's workspace and user commands publish the users they create", async () => {
    // `rapport workspace create` and POST /auth/signup both run signup(); `rapport user add` runs createUser().
    const p = await signup(t.database.db, {
      workspaceName: unique("CLI"),
      name: "Cli Admin",
      email: `${unique("cli")}@example.com`,
      password: "long enough pw",
    });
    expect(await written(p.workspace.id)).toEqual(expected(["user.created", p.user.id]));
    const u = await createUser(
      { db: t.database.db, workspaceId: p.workspace.id, actor: systemActor },
      { name: "Rep", email: `${unique("rep")}@example.com`, role: "sales", password: "long enough pw" },
    );
    expect(await written(p.workspace.id)).toEqual(expected(["user.created", u.id, "system"]));
  });

  it("invitations: invite, resend, revoke, and accepting one adds a user", async () => {
    const inv = ok<{ id: string }>(await admin.post("/api/v1/invitations", { email: `${unique("inv")}@example.com`, role: "sales" }), 201);
    expect(await written()).toEqual(expected(["invitation.created", inv.id]));
    ok(await admin.post(`/api/v1/invitations/${inv.id}/resend`));
    expect(await written()).toEqual(expected(["invitation.updated", inv.id]));
    ok(await admin.del(`/api/v1/invitations/${inv.id}`), 204);
    expect(await written()).toEqual(expected(["invitation.deleted", inv.id]));

    const email = `${unique("joiner")}@example.com`;
    const next = ok<{ id: string }>(await admin.post("/api/v1/invitations", { email, role: "sales" }), 201);
    await written();
    const rows = await queryRows<{ text: string }>(
      t.database.db,
      sql`select text from mail_messages where workspace_id = ${ws()} and kind = 'invitation' order by created_at desc limit 1`,
    );
    const token = decodeURIComponent(/invite\?token=(\S+)/.exec(rows[0]?.text ?? "")?.[1] ?? "");
    const joined = ok<{ user: { id: string } }>(
      await t.app.inject({ method: "POST", url: "/api/v1/invitations/accept", payload: { token, name: "Joiner", password: "long enough pw" } }),
    );
    expect(next.id).toBeTruthy();
    expect(await written()).toEqual(expected(["user.created", joined.user.id, "system"]));
  });

  it("contacts and companies: create, update, delete, restore, bulk actions, field restore", async () => {
    const acme = ok<{ id: string }>(await admin.post("/api/v1/companies", { name: "Acme" }), 201);
    const c1 = ok<{ id: string }>(await admin.post("/api/v1/contacts", { firstName: "Ada", companyId: acme.id }), 201);
    const c2 = ok<{ id: string }>(await admin.post("/api/v1/contacts", { firstName: "Bea" }), 201);
    expect(await written()).toEqual(expected(["company.created", acme.id], ["contact.created", c1.id], ["contact.created", c2.id]));

    ok(await admin.patch(`/api/v1/contacts/${c1.id}`, { jobTitle: "CTO" }));
    expect(await written()).toEqual(expected(["contact.updated", c1.id]));
    // A PATCH that changes nothing is no change: no event.
    ok(await admin.patch(`/api/v1/contacts/${c1.id}`, { jobTitle: "CTO" }));
    expect(await written()).toEqual([]);
    ok(await admin.patch(`/api/v1/companies/${acme.id}`, { industry: "Software" }));
    expect(await written()).toEqual(expected(["company.updated", acme.id]));

    ok(await admin.post("/api/v1/contacts/bulk", { ids: [c1.id, c2.id], action: "tag", tag: "vip" }));
    expect(await written()).toEqual(expected(["contact.updated", c1.id], ["contact.updated", c2.id]));
    // Tagging again changes nothing.
    ok(await admin.post("/api/v1/contacts/bulk", { ids: [c1.id, c2.id], action: "tag", tag: "vip" }));
    expect(await written()).toEqual([]);
    ok(await admin.post("/api/v1/contacts/bulk", { ids: [c1.id, c2.id], action: "setOwner", ownerId: null }));
    expect(await written()).toEqual(expected(["contact.updated", c1.id], ["contact.updated", c2.id]));
    ok(await admin.post("/api/v1/contacts/bulk", { ids: [c1.id, c2.id], action: "delete" }));
    expect(await written()).toEqual(expected(["contact.deleted", c1.id], ["contact.deleted", c2.id]));
    ok(await admin.post("/api/v1/contacts/bulk", { ids: [c1.id, c2.id], action: "restore" }));
    expect(await written()).toEqual(expected(["contact.restored", c1.id], ["contact.restored", c2.id]));
    ok(await admin.post("/api/v1/companies/bulk", { ids: [acme.id], action: "tag", tag: "key" }));
    expect(await written()).toEqual(expected(["company.updated", acme.id]));
    ok(await admin.del(`/api/v1/companies/${acme.id}`), 204);
    expect(await written()).toEqual(expected(["company.deleted", acme.id]));
    ok(await admin.post(`/api/v1/companies/${acme.id}/restore`));
    expect(await written()).toEqual(expected(["company.restored", acme.id]));

    const history = ok<{ data: { id: string; action: string; changes: { field: string }[] }[] }>(
      await admin.get(`/api/v1/contacts/${c1.id}/timeline?types=change`),
    );
    const change = history.data.find((e) => e.action === "update" && e.changes.some((c) => c.field === "jobTitle"));
    ok(await admin.post(`/api/v1/contacts/${c1.id}/restore-field`, { historyId: change?.id, field: "jobTitle" }));
    expect(await written()).toEqual(expected(["contact.updated", c1.id]));
  });

  it("merges: one merge event per side, the loser's deletion, and an update for every record moved to the survivor", async () => {
    const keep = ok<{ id: string }>(await admin.post("/api/v1/companies", { name: "Keep Co" }), 201);
    const lose = ok<{ id: string }>(await admin.post("/api/v1/companies", { name: "Lose Co" }), 201);
    const child = ok<{ id: string }>(await admin.post("/api/v1/companies", { name: "Child Co", parentId: lose.id }), 201);
    const worker = ok<{ id: string }>(await admin.post("/api/v1/contacts", { firstName: "Wes", companyId: lose.id }), 201);
    const deal = ok<{ id: string }>(await admin.post("/api/v1/deals", { name: "Lose deal", companyId: lose.id }), 201);
    const task = ok<{ id: string }>(await admin.post("/api/v1/tasks", { title: "Call Lose", related: { object: "company", id: lose.id } }), 201);
    const note = ok<{ id: string }>(await admin.post(`/api/v1/companies/${lose.id}/activities`, { type: "note", body: "<p>hi</p>" }), 201);
    await written();
    ok(await admin.post("/api/v1/duplicates/merge", { object: "company", survivorId: keep.id, loserId: lose.id }));
    expect(await written()).toEqual(
      expected(
        ["company.merged", keep.id],
        ["company.merged", lose.id],
        ["company.deleted", lose.id],
        ["company.updated", child.id],
        ["contact.updated", worker.id],
        ["deal.updated", deal.id],
        ["task.updated", task.id],
        ["activity.updated", note.id],
      ),
    );

    const a = ok<{ id: string }>(await admin.post("/api/v1/contacts", { firstName: "Ann", lastName: "Lee" }), 201);
    const b = ok<{ id: string }>(await admin.post("/api/v1/contacts", { firstName: "Ann", lastName: "Lee", jobTitle: "CEO" }), 201);
    const bDeal = ok<{ id: string }>(await admin.post("/api/v1/deals", { name: "Ann's deal", contacts: [{ contactId: b.id }] }), 201);
    const bTask = ok<{ id: string }>(await admin.post("/api/v1/tasks", { title: "Call Ann", related: { object: "contact", id: b.id } }), 201);
    const bCall = ok<{ id: string }>(await admin.post(`/api/v1/contacts/${b.id}/activities`, { type: "note", body: "<p>called</p>" }), 201);
    await written();
    ok(await admin.post("/api/v1/duplicates/merge", { object: "contact", survivorId: a.id, loserId: b.id, choices: { jobTitle: "loser" } }));
    expect(await written()).toEqual(
      expected(
        // The survivor's chosen values go through the update service (contact.updated), then the merge is named.
        ["contact.updated", a.id],
        ["contact.merged", a.id],
        ["contact.merged", b.id],
        ["contact.deleted", b.id],
        ["deal.updated", bDeal.id],
        ["task.updated", bTask.id],
        ["activity.updated", bCall.id],
      ),
    );
  });

  it("deals, tasks, activities and meetings: stage changes, completion, snooze, line items", async () => {
    const deal = ok<{ id: string; pipelineId: string; stageId: string }>(await admin.post("/api/v1/deals", { name: "Big one", amount: "100" }), 201);
    expect(withoutPlaybook(await written())).toEqual(expected(["deal.created", deal.id]));
    const pipeline = ok<{ stages: { id: string; name: string; kind?: string }[] }>(await admin.get(`/api/v1/pipelines/${deal.pipelineId}`));
    const [, second, third] = pipeline.stages.map((s) => s.id);
    ok(await admin.post(`/api/v1/deals/${deal.id}/stage`, { stageId: second }));
    expect(withoutPlaybook(await written())).toEqual(expected(["deal.updated", deal.id], ["deal.stage_changed", deal.id]));
    ok(await admin.patch(`/api/v1/deals/${deal.id}`, { stageId: third }));
    expect(withoutPlaybook(await written())).toEqual(expected(["deal.updated", deal.id], ["deal.stage_changed", deal.id]));
    ok(await put(`/api/v1/deals/${deal.id}/line-items`, { amountSource: "line_items", items: [{ name: "Seats", quantity: 3, unitPrice: 25 }] }));
    expect(await written()).toEqual(expected(["deal.updated", deal.id]));
    ok(await admin.del(`/api/v1/deals/${deal.id}`), 204);
    ok(await admin.post(`/api/v1/deals/${deal.id}/restore`));
    expect(await written()).toEqual(expected(["deal.deleted", deal.id], ["deal.restored", deal.id]));

    const task = ok<{ id: string }>(await admin.post("/api/v1/tasks", { title: "Follow up" }), 201);
    ok(await admin.post(`/api/v1/tasks/${task.id}/snooze`, { minutes: 60 }));
    ok(await admin.post(`/api/v1/tasks/${task.id}/complete`));
    expect(await written()).toEqual(expected(["task.created", task.id], ["task.updated", task.id], ["task.updated", task.id], ["task.completed", task.id]));
    ok(await admin.del(`/api/v1/tasks/${task.id}`), 204);
    expect(await written()).toEqual(expected(["task.deleted", task.id]));

    const start = new Date(Date.now() + 86_400_000);
    const meeting = ok<{ id: string }>(
      await admin.post("/api/v1/meetings", { subject: "Kick-off", startsAt: start.toISOString(), endsAt: new Date(start.getTime() + 3_600_000).toISOString() }),
      201,
    );
    ok(await admin.patch(`/api/v1/meetings/${meeting.id}`, { location: "Room 1" }));
    expect(await written()).toEqual(expected(["activity.logged", meeting.id], ["activity.updated", meeting.id]));
  });

  it("settings, custom fields, users, teams, rules, forms, products, price lists, pipelines, quotas", async () => {
    ok(await admin.patch("/api/v1/workspace", { timeZone: "Europe/Berlin" }));
    expect(await written()).toEqual(expected(["workspace_settings.updated", ws()]));
    ok(await put("/api/v1/forecast/settings", { commitThreshold: 60 }));
    expect((await written()).map((l) => l.split(" ")[0])).toEqual(["forecast_settings.updated"]);
    const rep = ok<{ id: string }>(
      await admin.post("/api/v1/users", { name: "Rep", email: `${unique("rep")}@example.com`, role: "sales", password: "long enough pw" }),
      201,
    );
    ok(await put("/api/v1/assignment-settings", { fallbackOwnerId: rep.id }));
    expect((await written()).map((l) => l.split(" ")[0])).toEqual(["lead_settings.updated", "user.created"].sort());

    const field = ok<{ id: string }>(await admin.post("/api/v1/custom-fields", { object: "deal", label: "Region", type: "text" }), 201);
    ok(await admin.patch(`/api/v1/custom-fields/${field.id}`, { label: "Sales region" }));
    ok(await admin.del(`/api/v1/custom-fields/${field.id}`), 204);
    expect(await written()).toEqual(expected(["custom_field.created", field.id], ["custom_field.updated", field.id], ["custom_field.deleted", field.id]));

    const team = ok<{ id: string }>(await admin.post("/api/v1/teams", { name: unique("Team"), memberIds: [rep.id] }), 201);
    ok(await admin.patch(`/api/v1/teams/${team.id}`, { name: unique("Renamed") }));
    expect(await written()).toEqual(expected(["team.created", team.id], ["team.updated", team.id]));

    const rule = ok<{ id: string }>(await admin.post("/api/v1/assignment-rules", { name: "All to rep", target: { kind: "user", userId: rep.id } }), 201);
    ok(await admin.patch(`/api/v1/assignment-rules/${rule.id}`, { name: "Everything to rep" }));
    ok(await admin.del(`/api/v1/assignment-rules/${rule.id}`), 204);
    expect(await written()).toEqual(expected(["assignment_rule.created", rule.id], ["assignment_rule.updated", rule.id], ["assignment_rule.deleted", rule.id]));

    const scoring = ok<{ id: string }>(
      await admin.post("/api/v1/scoring-rules", { kind: "field", name: "CTOs", conditions: [{ field: "jobTitle", op: "contains", value: "CTO" }], points: 10 }),
      201,
    );
    ok(await admin.del(`/api/v1/scoring-rules/${scoring.id}`), 204);
    expect(await written()).toEqual(expected(["scoring_rule.created", scoring.id], ["scoring_rule.deleted", scoring.id]));

    const product = ok<{ id: string }>(await admin.post("/api/v1/products", { name: "Widget", sku: unique("W"), unitPrice: "10", currency: "USD" }), 201);
    ok(await admin.patch(`/api/v1/products/${product.id}`, { unitPrice: "12" }));
    const list = ok<{ id: string }>(await admin.post("/api/v1/price-lists", { name: "Partners", currency: "USD" }), 201);
    ok(await admin.del(`/api/v1/price-lists/${list.id}`), 204);
    expect(await written()).toEqual(
      expected(["product.created", product.id], ["product.updated", product.id], ["price_list.created", list.id], ["price_list.deleted", list.id]),
    );

    const pipeline = ok<{ id: string }>(await admin.post("/api/v1/pipelines", { name: "Renewals", stages: [{ name: "Open", probability: 10 }] }), 201);
    ok(await admin.patch(`/api/v1/pipelines/${pipeline.id}`, { name: "Renewals 2027" }));
    ok(await admin.del(`/api/v1/pipelines/${pipeline.id}`), 204);
    expect(await written()).toEqual(expected(["pipeline.created", pipeline.id], ["pipeline.updated", pipeline.id], ["pipeline.deleted", pipeline.id]));

    const set = ok<{ data: { id: string }[] }>(
      await put("/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: rep.id, period: "2027-Q1", amount: 1000, currency: "USD" }] }),
    );
    const quotaId = set.data[0]?.id as string;
    ok(await put("/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: rep.id, period: "2027-Q1", amount: 2000, currency: "USD" }] }));
    ok(await put("/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: rep.id, period: "2027-Q1", amount: null }] }));
    expect(await written()).toEqual(expected(["quota.created", quotaId], ["quota.updated", quotaId], ["quota.deleted", quotaId]));

    const check = ok<{ id: string }>(await admin.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", required: true }), 201);
    ok(await admin.patch(`/api/v1/validation-rules/${check.id}`, { message: "Every contact needs a title" }));
    ok(await admin.patch(`/api/v1/validation-rules/${check.id}`, {}));
    ok(await admin.del(`/api/v1/validation-rules/${check.id}`), 204);
    expect(await written()).toEqual(
      expected(["validation_rule.created", check.id], ["validation_rule.updated", check.id], ["validation_rule.deleted", check.id]),
    );

    // Roles are settings: created, renamed or re-permissioned, deleted.
    const role = ok<{ id: string }>(await admin.post("/api/v1/roles", { name: unique("Partner desk") }), 201);
    ok(await admin.patch(`/api/v1/roles/${role.id}`, { name: unique("Partners") }));
    ok(await admin.patch(`/api/v1/roles/${role.id}`, {}));
    ok(await admin.del(`/api/v1/roles/${role.id}`), 204);
    expect(await written()).toEqual(expected(["role.created", role.id], ["role.updated", role.id], ["role.deleted", role.id]));

    const reason = ok<{ id: string }>(await admin.post("/api/v1/lost-reasons", { name: unique("Too expensive") }), 201);
    ok(await admin.patch(`/api/v1/lost-reasons/${reason.id}`, { name: unique("Price") }));
    ok(await admin.del(`/api/v1/lost-reasons/${reason.id}`), 204);
    expect(await written()).toEqual(expected(["lost_reason.created", reason.id], ["lost_reason.updated", reason.id], ["lost_reason.deleted", reason.id]));

    const apiKey = ok<{ id: string; key: string }>(await admin.post("/api/v1/api-keys", { name: "Warehouse sync", role: "sales" }), 201);
    ok(await admin.del(`/api/v1/api-keys/${apiKey.id}`), 204);
    expect(await written()).toEqual(expected(["api_key.created", apiKey.id], ["api_key.deleted", apiKey.id]));
    // The key itself (and its hash) never travels in an event.
    const [payloads] = await queryRows<{ text: string }>(
      t.database.db,
      sql`select string_agg(payload::text, ' ') as text from outbox_events where record_id = ${apiKey.id}::uuid`,
    );
    expect(payloads?.text).not.toContain(apiKey.key.split(".")[1]);
    expect(payloads?.text).not.toContain("keyHash");
  });

  it("web forms and lead conversion", async () => {
    const form = ok<{ id: string }>(
      await admin.post("/api/v1/forms", {
        name: "Contact us",
        fields: [
          { key: "firstName", label: "First name" },
          { key: "email", label: "Email" },
        ],
      }),
      201,
    );
    expect(await written()).toEqual(expected(["form.created", form.id]));
    const sent = await t.app.inject({
      method: "POST",
      url: `/api/public/forms/${form.id}/submissions`,
      headers: { "content-type": "application/json", "x-forwarded-for": "203.0.113.77" },
      payload: JSON.stringify({ firstName: "Lin", email: `${unique("lin")}@example.com` }),
    });
    expect(sent.statusCode, sent.body).toBeLessThan(300);
    const events = await written();
    expect(events.map((l) => l.split(" ")[0])).toEqual(["contact.created [system]", "form.submitted [system]"].map((s) => s.split(" ")[0]));
    const leadId = events.find((l) => l.startsWith("contact.created"))?.split(" ")[1] as string;

    const converted = ok<{ companyId: string; dealId: string }>(
      await admin.post(`/api/v1/contacts/${leadId}/convert`, { lifecycleStage: "opportunity", company: { name: "Lin Ltd" }, deal: { name: "Lin deal" } }),
    );
    expect(withoutPlaybook(await written())).toEqual(
      expected(["company.created", converted.companyId], ["deal.created", converted.dealId], ["contact.updated", leadId]),
    );
  });

  it("imports: one event per record, flagged as an import, then import.finished; the undo is a normal change", async () => {
    const existing = ok<{ id: string }>(await admin.post("/api/v1/contacts", { firstName: "Old", emails: [{ email: "old@import.test" }] }), 201);
    await written();
    const csv = "First Name,Last Name,Email,Title\nNew,One,new1@import.test,\nNew,Two,new2@import.test,\nOld,,old@import.test,Boss\n";
    const a = await importTesting.uploadOk(t, admin, "contact", "people.csv", csv);
    const job = await importTesting.runToEnd(admin, a.import.id, { mapping: a.suggestion.mapping, match: "email", onDuplicate: "update" });
    expect(job.counts).toMatchObject({ created: 2, updated: 1 });
    const events = await written();
    const created = events.filter((l) => l.startsWith("contact.created"));
    expect(created).toHaveLength(2);
    for (const l of created) expect(l).toMatch(/\[import\]$/);
    expect(events).toEqual(
      [
        ...created,
        line({ type: "contact.updated", recordId: existing.id, source: "import" }),
        line({ type: "import.finished", recordId: a.import.id, source: "app" }),
      ].sort(),
    );

    ok(await admin.post(`/api/v1/imports/${a.import.id}/undo`), 200);
    const undone = await written();
    expect(undone.filter((l) => l.startsWith("contact.deleted"))).toHaveLength(2);
    expect(undone.filter((l) => l.startsWith("contact.updated"))).toEqual([line({ type: "contact.updated", recordId: existing.id, source: "app" })]);
    expect(undone).toHaveLength(3);
  });

  it("vCard import: one contact.created per card, flagged as an import", async () => {
    const vcf = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Vic Card\r\nN:Card;Vic;;;\r\nEMAIL:vic@vcard.test\r\nEND:VCARD\r\n";
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/contacts/vcard",
      payload: vcf,
      headers: { "content-type": "text/vcard", cookie: admin.session.cookie as string },
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    const events = await written();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatch(/^contact\.created .* \[import\]$/);
  });
});
