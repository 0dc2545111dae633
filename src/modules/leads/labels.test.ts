/**
 * Codes, not labels, are stored; labels, not codes or ids, are what readers get: rules refuse a label
 * where a code belongs, a web form's values reach the submission list and the contact's timeline, and
 * history names the owners and companies it points to.
 */
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countRows } from "../../db/count.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { contacts } from "../contacts/table.js";

let ip = 0;

describe.each(databaseKinds)("labels and values on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  const submit = (formId: string, body: Record<string, string>) =>
    t.app.inject({
      method: "POST",
      url: `/api/public/forms/${formId}/submissions`,
      headers: { "content-type": "application/json" },
      remoteAddress: `10.77.0.${++ip}`,
      payload: JSON.stringify(body),
    });

  const timeline = async (ws: Client, path: string) => (await ws.get(`${path}/timeline?limit=50`)).json().data as Record<string, unknown>[];

  it("refuses a rule whose enumerated value is a label or unknown, naming the code to use", async () => {
    const ws = await newWorkspace(t.app);
    const sales = await userWithRole(t.app, ws, "sales");
    const target = { kind: "user", userId: sales.userId };
    const label = expectProblem(
      await ws.post("/api/v1/assignment-rules", { name: "Web", conditions: [{ field: "leadSource", op: "eq", value: "Web form" }], target }),
      400,
      "validation_failed",
    );
    expect(label.errors).toEqual([{ path: "conditions.all.0.value", message: 'Lead source "Web form" is a label, not a value: use web_form' }]);

    const unknown = expectProblem(
      await ws.post("/api/v1/scoring-rules", {
        kind: "field",
        name: "Hot",
        points: 5,
        conditions: [{ field: "lifecycleStage", op: "in", value: ["lead", "hot"] }],
      }),
      400,
    );
    expect((unknown.errors as { message: string }[])[0]?.message).toContain(
      'Lifecycle stage has no value "hot": use one of subscriber (Subscriber), lead (Lead)',
    );

    await ws.post("/api/v1/custom-fields", { object: "contact", key: "tier", label: "Tier", type: "select", options: ["Gold", "Silver"] });
    const custom = expectProblem(
      await ws.post("/api/v1/assignment-rules", { name: "Tier", conditions: [{ field: "custom.tier", op: "eq", value: "Bronze" }], target }),
      400,
    );
    expect((custom.errors as { message: string }[])[0]?.message).toBe('Tier has no value "Bronze": use one of Gold, Silver');
    // Matching ignores case, so a differently cased option is fine; free-text fields take anything.
    const ok = await ws.post("/api/v1/assignment-rules", {
      name: "Web",
      conditions: [
        { field: "leadSource", op: "eq", value: "web_form" },
        { field: "custom.tier", op: "eq", value: "gold" },
        { field: "jobTitle", op: "contains", value: "Web form" },
      ],
      target,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    expect(ok.json().description).toBe("Rule 'Web': Lead source is Web form and Tier is gold and Job title contains Web form");
    // Nothing half-written: only the valid rule exists.
    expect((await ws.get("/api/v1/assignment-rules")).json().data).toHaveLength(1);

    const patched = expectProblem(
      await ws.patch(`/api/v1/assignment-rules/${ok.json().id}`, { conditions: [{ field: "leadSource", op: "neq", value: "Referral" }] }),
      400,
    );
    expect((patched.errors as { message: string }[])[0]?.message).toBe('Lead source "Referral" is a label, not a value: use referral');
  });

  it("shows every submitted value, labelled, in the submission list and on the contact's timeline", async () => {
    const ws = await newWorkspace(t.app);
    const form = (
      await ws.post("/api/v1/forms", {
        name: "Contact us",
        fields: [
          { key: "firstName", label: "Your name" },
          { key: "email", label: "Work email" },
          { key: "companyName", label: "Company" },
          { key: "message", label: "How can we help?" },
        ],
      })
    ).json();
    const res = await submit(form.id, {
      firstName: "Wendy",
      email: "wendy@example.com",
      companyName: "Initech",
      message: "We need 40 seats\nby March.",
      utm_source: "newsletter",
    });
    expect(res.statusCode, res.body).toBe(201);
    const values = [
      { key: "firstName", label: "Your name", value: "Wendy" },
      { key: "email", label: "Work email", value: "wendy@example.com" },
      { key: "companyName", label: "Company", value: "Initech" },
      { key: "message", label: "How can we help?", value: "We need 40 seats\nby March." },
    ];
    const subs = (await ws.get(`/api/v1/forms/${form.id}/submissions`)).json().data;
    expect(subs[0].values).toEqual(values);

    const contact = (await ws.get("/api/v1/contacts?email=wendy@example.com")).json().data[0];
    const entries = await timeline(ws, `/api/v1/contacts/${contact.id}`);
    const submission = entries.find((e) => e.kind === "submission");
    expect(submission).toMatchObject({ formId: form.id, formName: "Contact us", outcome: "created", values, utm: { utm_source: "newsletter" } });

    // A second submission of the same person shows too, newest first, and pages with the rest.
    expect((await submit(form.id, { email: "WENDY@example.com", message: "Any news?" })).statusCode).toBe(201);
    const again = (await timeline(ws, `/api/v1/contacts/${contact.id}`)).filter((e) => e.kind === "submission");
    expect(again.map((e) => (e.values as { value: string }[]).at(-1)?.value)).toEqual(["Any news?", "We need 40 seats\nby March."]);
    const firstPage = (await ws.get(`/api/v1/contacts/${contact.id}/timeline?limit=1`)).json();
    expect(firstPage.data[0].kind).toBe("submission");
    const rest = (await ws.get(`/api/v1/contacts/${contact.id}/timeline?limit=50&cursor=${firstPage.nextCursor}`)).json().data;
    expect(rest.filter((e: { kind: string }) => e.kind === "submission")).toHaveLength(1);
  });

  it("names the owner, company and pipeline a change points to, and stores a deal source label as its code", async () => {
    const ws = await newWorkspace(t.app);
    const sales = await userWithRole(t.app, ws, "sales");
    const acme = (await ws.post("/api/v1/companies", { name: "Acme" })).json();
    const contact = (await ws.post("/api/v1/contacts", { firstName: "Cora" })).json();
    await ws.patch(`/api/v1/contacts/${contact.id}`, { companyId: acme.id, ownerId: sales.userId, leadStatus: "qualified" });
    const change = (await timeline(ws, `/api/v1/contacts/${contact.id}`)).find((e) => e.kind === "change" && e.action === "update");
    // The contact was the creator's: the owner change names both users.
    const admin = ws.session.me?.user.id as string;
    expect(change?.refs).toEqual({ [acme.id]: "Acme", [sales.userId]: "sales user", [admin]: ws.session.me?.user.name });

    // The merge dialog names the company each duplicate is at, rather than its id.
    const twin = (await ws.post("/api/v1/contacts", { firstName: "Cora", ownerId: sales.userId })).json();
    const preview = (await ws.get(`/api/v1/duplicates/merge-preview?object=contact&a=${contact.id}&b=${twin.id}`)).json();
    expect(preview.refs).toEqual({ [acme.id]: "Acme", [sales.userId]: "sales user" });

    const deal = await ws.post("/api/v1/deals", { name: "Big one", source: "Web form" });
    expect(deal.statusCode, deal.body).toBe(201);
    expect(deal.json().source).toBe("web_form");
    const updated = (await ws.patch(`/api/v1/deals/${deal.json().id}`, { source: "cold call" })).json();
    expect(updated.source).toBe("cold_call");
    // Free text that is no known source stays as typed.
    expect((await ws.patch(`/api/v1/deals/${deal.json().id}`, { source: "Partner portal" })).json().source).toBe("Partner portal");
  });

  it("counts a list exactly when few match, and estimates (never below what was counted) when many do", async () => {
    const ws = await newWorkspace(t.app);
    for (const [i, stage] of ["lead", "lead", "customer", "customer", "customer"].entries())
      await ws.post("/api/v1/contacts", { firstName: `Count ${i}`, lifecycleStage: stage, tags: i === 0 ? ["vip"] : [] });
    expect((await ws.get("/api/v1/contacts/count")).json()).toEqual({ count: 5, exact: true });
    expect((await ws.get("/api/v1/contacts/count?lifecycleStage=customer&limit=1&sort=-createdAt")).json()).toEqual({ count: 3, exact: true });
    expect((await ws.get("/api/v1/leads/count")).json()).toEqual({ count: 2, exact: true });
    expect((await ws.get(`/api/v1/contacts/count?filter=${encodeURIComponent('[{"field":"tags","op":"contains","value":"vip"}]')}`)).json()).toEqual({
      count: 1,
      exact: true,
    });
    expect((await ws.get("/api/v1/companies/count")).json()).toEqual({ count: 0, exact: true });
    expectProblem(await ws.get("/api/v1/contacts/count?lifecycleStage=Customer"), 400);

    const workspace = eq(contacts.workspaceId, ws.session.me?.workspace.id as string);
    const estimate = await countRows(t.database.db, contacts, workspace, 3);
    expect(estimate.exact).toBe(false);
    expect(estimate.count).toBeGreaterThanOrEqual(4);
  });

  it("closes a won deal's open playbook tasks on request, and only those", async () => {
    const ws = await newWorkspace(t.app);
    const pipeline = await ws.post("/api/v1/pipelines", {
      name: "Playbooks",
      stages: [
        { name: "Demo", probability: 30, playbook: [{ title: "Send the deck" }, { title: "Book the follow-up", dueInDays: 2 }] },
        { name: "Won", probability: 100, type: "won" },
      ],
    });
    expect(pipeline.statusCode, pipeline.body).toBe(201);
    const [demo, won] = pipeline.json().stages;
    const deal = (await ws.post("/api/v1/deals", { name: "Playbook deal", pipelineId: pipeline.json().id, stageId: demo.id })).json();
    await ws.post("/api/v1/tasks", { title: "Invoice setup", related: { object: "deal", id: deal.id } });
    expect(
      (await ws.get(`/api/v1/deals/${deal.id}/playbook-tasks`))
        .json()
        .data.map((x: { title: string }) => x.title)
        .sort(),
    ).toEqual(["Book the follow-up", "Send the deck"]);
    expectProblem(await ws.post(`/api/v1/deals/${deal.id}/playbook-tasks/close`, {}), 409);

    expect((await ws.post(`/api/v1/deals/${deal.id}/stage`, { stageId: won.id })).statusCode).toBe(200);
    expect((await ws.post(`/api/v1/deals/${deal.id}/playbook-tasks/close`, {})).json()).toEqual({ closed: 2 });
    const tasks = (await ws.get(`/api/v1/tasks?assignee=all&relatedObject=deal&relatedId=${deal.id}`)).json().data as { title: string; status: string }[];
    expect(Object.fromEntries(tasks.map((x) => [x.title, x.status]))).toEqual({
      "Send the deck": "done",
      "Book the follow-up": "done",
      "Invoice setup": "open",
    });
    expect((await ws.get(`/api/v1/deals/${deal.id}/playbook-tasks`)).json().data).toEqual([]);
  });
});
