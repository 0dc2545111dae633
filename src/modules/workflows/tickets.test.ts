import { and, eq } from "drizzle-orm";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TicketSla } from "../../contract/sla.js";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { outboxEvents } from "../history/table.js";
import { detectSlaEvents } from "../sla/detect.js";

/**
 * Issues #18 / #19: workflows on tickets. A ticket trigger runs steps through the tickets service; an SLA breach,
 * detected on a moved clock, starts the "SLA breach → escalate" template exactly once; unknown ticket fields are refused.
 */

const MIN = 60_000;

describe.each(databaseKinds)("workflows on tickets on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let adminId: string;
  const clock = new TestClock(Date.now());
  const until = (cond: () => Promise<boolean> | boolean, what?: string) => untilOnClock(clock, cond, 500, 240, what);

  beforeAll(async () => {
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, clock, pollingIntervalSeconds: 1 } });
    admin = await newWorkspace(t.app);
    adminId = admin.session.me?.user.id as string;
    await until(async () => ((await admin.get("/api/v1/jobs")).json().consumers as { name: string }[]).some((c) => c.name === "workflows"), "consumer");
  });
  afterAll(async () => {
    await t?.close();
  });

  async function publish(name: string, body: Record<string, unknown>): Promise<string> {
    const created = await admin.post("/api/v1/workflows", { name, ...body });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const published = await admin.post(`/api/v1/workflows/${id}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    return id;
  }
  const runsOf = async (wfId: string) =>
    (await admin.get(`/api/v1/workflows/${wfId}/runs?limit=200`)).json().data as { id: string; state: string; recordId: string; error: string | null }[];
  const runOf = async (runId: string) => (await admin.get(`/api/v1/workflows/runs/${runId}`)).json();
  const ticketOf = async (id: string) => (await admin.get(`/api/v1/tickets/${id}`)).json() as Record<string, unknown>;
  const newTicket = async (body: Record<string, unknown>) => {
    const res = await admin.post("/api/v1/tickets", body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; number: number; createdAt: string };
  };

  it("a ticket created workflow runs: filter on the ticket's fields, tags, assignee, email to the ticket's contact", async () => {
    const wf = await publish("Urgent intake", {
      definition: {
        trigger: { type: "record_created", object: "ticket", filter: { all: [{ field: "priority", op: "eq", value: "high" }] } },
        start: "tag",
        steps: [
          { id: "tag", type: "tags", config: { add: ["escalation"] }, next: { next: "assign" } },
          { id: "assign", type: "assign_owner", config: { mode: "user", userId: adminId }, next: { next: "mail" } },
          {
            id: "mail",
            type: "send_email",
            config: { to: [{ kind: "record_contact" }], subject: "We got ticket #{{ record.number }}", body: "About {{ record.subject }}" },
            next: { next: null },
          },
        ],
      },
    });
    const email = `wf-ticket-${Date.now()}@example.com`;
    const contact = await admin.post("/api/v1/contacts", { firstName: "Tia", lastName: "Ticket", emails: [{ email }], emailConsent: true });
    expect(contact.statusCode, contact.body).toBe(201);
    const low = await newTicket({ subject: "Minor thing", priority: "low", contactId: contact.json().id });
    const high = await newTicket({ subject: "Printer on fire", priority: "high", contactId: contact.json().id });

    await until(async () => (await runsOf(wf)).some((r) => r.state === "done" || r.state === "failed"), "ticket run");
    const runs = await runsOf(wf);
    // Only the ticket matching the filter enrolled.
    expect(runs.map((r) => r.recordId)).toEqual([high.id]);
    const run = await runOf(runs[0]?.id as string);
    expect(run.state, JSON.stringify(run)).toBe("done");
    expect(run.recordLabel).toBe(`#${high.number} Printer on fire`);
    const mail = run.steps.find((s: { stepId: string }) => s.stepId === "mail");
    expect(mail.input, JSON.stringify(mail)).toMatchObject({ to: [email], subject: `We got ticket #${high.number}` });
    expect(mail.output.mailId).toBeTruthy();
    const after = await ticketOf(high.id);
    expect(after.tags).toEqual(["escalation"]);
    expect(after.assigneeId).toBe(adminId);
    expect((await ticketOf(low.id)).tags).toEqual([]);
  });

  it("an SLA breach starts the escalate template exactly once: priority urgent, the assignee's manager notified, an internal note", async () => {
    const manager = await userWithRole(t.app, admin, "manager");
    const team = await admin.post("/api/v1/teams", { name: "Desk", memberIds: [adminId, manager.userId] });
    expect(team.statusCode, team.body).toBe(201);
    const templates = (await admin.get("/api/v1/workflows/templates")).json().data as { id: string; definition: { trigger: { type: string } } }[];
    expect(templates.find((x) => x.id === "sla-breach-escalate")?.definition.trigger.type).toBe("sla_breached");
    const wf = await publish("Escalate", { templateId: "sla-breach-escalate" });
    // Only resolution warnings: the first response warning below must not start it.
    const warnOnly = await publish("Resolution warnings", {
      definition: { trigger: { type: "sla_warning", metrics: ["resolution"] }, start: null, steps: [] },
    });

    const policy = await admin.post("/api/v1/sla/policies", { name: "Desk SLA", firstResponseMinutes: 60, warnPercent: 50 });
    expect(policy.statusCode, policy.body).toBe(201);
    const ticket = await newTicket({ subject: "Cannot log in", priority: "normal", assigneeId: adminId });
    const sla = async () => (await admin.get(`/api/v1/tickets/${ticket.id}/sla`)).json() as TicketSla;
    await until(async () => (await sla()).clocks.length === 1, "clock computed");
    const first = (await sla()).clocks[0];
    const dueAt = Date.parse(first?.dueAt as string);

    await clock.setTime(Math.max(clock.now(), dueAt + 1000));
    // The first test's tickets are open too and breach alongside: each ticket's breach starts its own run.
    const mine = async () => (await runsOf(wf)).filter((r) => r.recordId === ticket.id);
    await until(async () => (await mine()).some((r) => r.state === "done" || r.state === "failed"), "escalation run");
    const runs = await mine();
    expect(runs).toHaveLength(1);
    const run = await runOf(runs[0]?.id as string);
    expect(run.state, JSON.stringify(run)).toBe("done");
    expect(run.triggerType).toBe("sla_breached");
    expect(run.recordId).toBe(ticket.id);
    expect((await ticketOf(ticket.id)).priority).toBe("urgent");
    const notes = (await admin.get(`/api/v1/tickets/${ticket.id}/messages`)).json();
    expect(JSON.stringify(notes)).toContain("Escalated: the first response target (Desk SLA) was missed");
    expect(JSON.stringify((await manager.get("/api/v1/notifications")).json())).toContain("SLA breached on Cannot log in");

    // More passes (the job's next minute, a second detector) start nothing again.
    await clock.setTime(clock.now() + 5 * MIN);
    expect(await detectSlaEvents(t.database.db, new Date(clock.now()))).toEqual({ warned: 0, breached: 0 });
    const breaches = await t.database.db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.recordId, ticket.id), eq(outboxEvents.type, "ticket.sla_breached")));
    expect(breaches).toHaveLength(1);
    expect(await mine()).toHaveLength(1);
    // A late first response warning is never announced (the clock was already past due), and it was not resolution's.
    expect(await runsOf(warnOnly)).toEqual([]);
  });

  it("refuses unknown ticket fields and SLA triggers on other objects with clear messages", async () => {
    const unknownField = await admin.post("/api/v1/workflows/validate", {
      definition: { trigger: { type: "record_updated", object: "ticket", changes: [{ field: "stage" }] }, start: null, steps: [] },
    });
    expect(unknownField.statusCode, unknownField.body).toBe(200);
    expect(unknownField.json()).toMatchObject({ valid: false, issues: [{ path: "trigger.changes.0.field", message: 'Unknown field "stage" on ticket' }] });

    const badUpdate = await admin.post("/api/v1/workflows", {
      name: "Bad",
      definition: {
        trigger: { type: "sla_breached" },
        start: "set",
        steps: [{ id: "set", type: "update_fields", config: { updates: [{ field: "amount", value: { kind: "constant", value: 5 } }] }, next: { next: null } }],
      },
    });
    const problem = expectProblem(badUpdate, 400, "validation_failed");
    expect(JSON.stringify(problem)).toContain('\\"amount\\" is not a field a workflow can set on ticket');

    const badFilter = await admin.post("/api/v1/workflows/validate", {
      definition: { trigger: { type: "sla_warning", filter: { all: [{ field: "lifecycleStage", op: "eq", value: "lead" }] } }, start: null, steps: [] },
    });
    expect(badFilter.json().valid).toBe(false);
    expect(badFilter.json().issues[0].path).toMatch(/^trigger\.filter/);

    const wrongObject = await admin.post("/api/v1/workflows/validate", {
      definition: { trigger: { type: "sla_breached", object: "deal" }, start: null, steps: [] },
    });
    expect(wrongObject.json().valid).toBe(false);
  });
});
