import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Event } from "../../contract/events.js";
import { queryRows } from "../../db/client.js";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { type EngineDeps, executeRun, sweepRuns, workflowConsumer } from "./engine.js";

/**
 * Issue #18's proofs on a real server, worker and database: every action, every record trigger, waits moved by the
 * clock, at-most-once under a retried job and a repeated event, version pinning, pause and resume, the loop limit,
 * own changes, records deleted meanwhile, role rules and health flags.
 */

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A plain HTTP receiver on loopback: records each request and answers JSON. */
async function startReceiver() {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "/", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ticket: "T-42", count: received.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type Step = { id: string; type: string; config: Record<string, unknown>; next: Record<string, string | null>; name?: string };

describe.each(databaseKinds)("workflow runs on %s", (kind) => {
  let t: TestApp;
  let admin: Client & { email: string };
  let adminId: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let deps: EngineDeps;
  const clock = new TestClock(Date.now());

  const until = (cond: () => Promise<boolean> | boolean, stepMs = 500, steps = 240, what = "condition") => untilOnClock(clock, cond, stepMs, steps, what);

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, clock, pollingIntervalSeconds: 1, webhookTimeoutMs: 3000 } });
    admin = await newWorkspace(t.app);
    adminId = admin.session.me?.user.id as string;
    await until(async () => ((await admin.get("/api/v1/jobs")).json().consumers as { name: string }[]).some((c) => c.name === "workflows"));
    // The receiver is on loopback: the workspace allows private targets (the self-hosted intranet case).
    expect((await admin.patch("/api/v1/webhooks/settings", { allowPrivateTargets: true })).statusCode).toBe(200);
    const jobs = t.app.jobs as unknown as { send(name: string, data: object, o?: object): Promise<unknown> };
    deps = {
      enqueue: async (tx, job, o) => void (await jobs.send("workflows.run", job, { tx, startAfter: o?.startAfter })),
      mail: { from: "rapport@example.com", enqueue: async (tx, job) => void (await jobs.send("mail.send", job, { tx })) },
      now: () => new Date(clock.now()),
    };
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const manual = (object = "contact") => ({ type: "manual", object });

  async function publish(c: Client, name: string, definition: unknown, extra: Record<string, unknown> = {}): Promise<string> {
    const created = await c.post("/api/v1/workflows", { name, definition, ...extra });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const published = await c.post(`/api/v1/workflows/${id}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    return id;
  }
  const runsOf = async (wfId: string, c: Client = admin) =>
    (await c.get(`/api/v1/workflows/${wfId}/runs?limit=200`)).json().data as {
      id: string;
      state: string;
      recordId: string;
      version: number;
      error: string | null;
    }[];
  /** Until the workflow consumer has read every event written so far (sequenced, and its cursor past them). */
  const drained = () =>
    until(
      async () => {
        const [row] = await queryRows<{ pending: number; lag: number }>(
          t.database.db,
          sql`select (select count(*)::int from outbox_events where position is null) as pending,
                     coalesce((select max(position) from outbox_events), 0) - (select position from event_consumers where name = 'workflows') as lag`,
        );
        return row?.pending === 0 && Number(row.lag) <= 0;
      },
      500,
      240,
      "the event stream drained",
    );
  const runOf = async (runId: string, c: Client = admin) => (await c.get(`/api/v1/workflows/runs/${runId}`)).json();
  async function start(wfId: string, recordIds: string[]): Promise<string[]> {
    const res = await admin.post(`/api/v1/workflows/${wfId}/run`, { recordIds });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json().started as { runId: string }[]).map((s) => s.runId);
  }
  async function settled(runId: string, states = ["done", "failed"]): Promise<Record<string, unknown> & { state: string; steps: Record<string, unknown>[] }> {
    await until(async () => states.includes((await runOf(runId)).state));
    return runOf(runId);
  }
  const contact = async (body: Record<string, unknown>) => {
    const res = await admin.post("/api/v1/contacts", body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; ownerId: string | null } & Record<string, unknown>;
  };
  const tasksOf = async (c: Client = admin) =>
    (await c.get("/api/v1/tasks?limit=200&assignee=all")).json().data as { id: string; title: string; assigneeId: string; dueAt: string | null }[];

  describe("actions", () => {
    it("runs the record actions in order, an HTTP response feeding a later step, and sends to webhook subscribers", async () => {
      const hook = await admin.post("/api/v1/webhooks", { url: `${receiver.base}/subscriber`, eventTypes: ["workflow.webhook"] });
      expect(hook.statusCode, hook.body).toBe(201);
      const steps: Step[] = [
        { id: "copy", type: "update_fields", config: { updates: [{ field: "jobTitle", value: { kind: "field", field: "lastName" } }] }, next: { next: "tag" } },
        { id: "tag", type: "tags", config: { add: ["vip", "wf"], remove: ["cold"] }, next: { next: "note" } },
        { id: "note", type: "create_note", config: { body: "Hello {{ record.firstName }}, you are now {{ record.jobTitle }}" }, next: { next: "task" } },
        {
          id: "task",
          type: "create_task",
          config: { title: "Call {{ record.firstName }}", dueIn: { amount: 2, unit: "days" }, assignee: { kind: "owner" } },
          next: { next: "deal" },
        },
        { id: "deal", type: "create_deal", config: { name: "{{ record.lastName }} deal", amount: "1200" }, next: { next: "person" } },
        {
          id: "person",
          type: "create_contact",
          config: { firstName: "Assistant", lastName: "of {{ record.firstName }}", email: "assistant.{{ record.lastName | downcase }}@example.com" },
          next: { next: "call" },
        },
        {
          id: "call",
          type: "http_request",
          config: { method: "POST", url: `${receiver.base}/tickets`, body: '{"contact":"{{ record.id }}","name":"{{ record.firstName }}"}' },
          next: { next: "ticket" },
        },
        {
          id: "ticket",
          type: "update_fields",
          config: { updates: [{ field: "jobTitle", value: { kind: "template", template: "Ticket {{ steps.call.output.body.ticket }}" } }] },
          next: { next: "send" },
        },
        { id: "send", type: "send_webhook", config: { label: "onboarded", body: '{"ticket":"{{ steps.call.output.body.ticket }}"}' }, next: { next: null } },
      ];
      const wf = await publish(admin, "Every record action", { trigger: manual(), start: "copy", steps });
      const ada = await contact({ firstName: "Ada", lastName: "Lovelace", ownerId: adminId, tags: ["cold", "known"] });
      const [runId] = await start(wf, [ada.id]);
      const run = await settled(runId as string);
      expect(run.state, JSON.stringify(run)).toBe("done");
      expect(run.steps.map((s) => `${s.stepId}:${s.state}`)).toEqual(steps.map((s) => `${s.id}:done`));
      expect(run.steps[0]?.summary).toBe('Set jobTitle → "Lovelace"');

      const after = (await admin.get(`/api/v1/contacts/${ada.id}`)).json();
      expect(after.jobTitle).toBe("Ticket T-42");
      expect([...after.tags].sort()).toEqual(["known", "vip", "wf"]);
      const timeline = JSON.stringify((await admin.get(`/api/v1/contacts/${ada.id}/timeline?limit=50`)).json());
      expect(timeline).toContain("Hello Ada, you are now Lovelace");
      const task = (await tasksOf()).find((x) => x.title === "Call Ada");
      expect(task?.assigneeId).toBe(adminId);
      expect(Math.abs(Date.parse(task?.dueAt as string) - (Date.parse(run.createdAt as string) + 2 * 86_400_000))).toBeLessThan(120_000);
      const dealId = (run.steps[4]?.output as { dealId: string } | undefined)?.dealId;
      const deal = (await admin.get(`/api/v1/deals/${dealId}`)).json();
      expect(deal).toMatchObject({ name: "Lovelace deal", ownerId: adminId });
      expect(deal.contacts.map((c: { contactId: string }) => c.contactId)).toContain(ada.id);
      const assistantId = (run.steps[5]?.output as { contactId: string } | undefined)?.contactId;
      expect((await admin.get(`/api/v1/contacts/${assistantId}`)).json()).toMatchObject({
        firstName: "Assistant",
        lastName: "of Ada",
        primaryEmail: "assistant.lovelace@example.com",
      });
      const calls = receiver.at("/tickets");
      expect(calls).toHaveLength(1);
      expect(JSON.parse(calls[0]?.body as string)).toEqual({ contact: ada.id, name: "Ada" });
      expect(calls[0]?.headers["idempotency-key"]).toBe(`${runId}:call`);

      await until(() => receiver.at("/subscriber").length >= 1);
      const message = JSON.parse(receiver.at("/subscriber")[0]?.body as string);
      expect(message.type).toBe("workflow.webhook");
      expect(message.data.data.record).toMatchObject({ workflow: { id: wf, label: "onboarded" }, object: "contact", extra: { ticket: "T-42" } });
      expect((message.data.data.record.record as { id: string }).id).toBe(ada.id);
    });

    it("sets a date to now + 3 days on a task, and assigns owners by person, round robin and assignment rules", async () => {
      const dated = await publish(admin, "Due in three days", {
        trigger: manual("task"),
        start: "due",
        steps: [
          {
            id: "due",
            type: "update_fields",
            config: { updates: [{ field: "dueAt", value: { kind: "relative_date", base: "now", offset: { amount: 3, unit: "days" } } }] },
            next: { next: null },
          },
        ],
      });
      const task = (await admin.post("/api/v1/tasks", { title: "Date me", assigneeId: adminId })).json();
      const [dueRun] = await start(dated, [task.id]);
      const dueDone = await settled(dueRun as string);
      expect(dueDone.state).toBe("done");
      const due = Date.parse((await admin.get(`/api/v1/tasks/${task.id}`)).json().dueAt);
      expect(Math.abs(due - (Date.parse(dueDone.createdAt as string) + 3 * 86_400_000))).toBeLessThan(120_000);

      const sam = await userWithRole(t.app, admin, "sales");
      const kim = await userWithRole(t.app, admin, "sales");
      const lee = await userWithRole(t.app, admin, "sales");
      const team = (await admin.post("/api/v1/teams", { name: "Round robin", memberIds: [kim.userId, lee.userId] })).json();
      const rule = await admin.post("/api/v1/assignment-rules", {
        name: "Germany",
        conditions: [{ field: "country", op: "eq", value: "DE" }],
        target: { kind: "user", userId: sam.userId },
      });
      expect(rule.statusCode, rule.body).toBe(201);
      const assign = (config: Record<string, unknown>) =>
        publish(admin, `Assign ${config.mode}`, { trigger: manual(), start: "a", steps: [{ id: "a", type: "assign_owner", config, next: { next: null } }] });
      const person = await assign({ mode: "user", userId: sam.userId });
      const rr = await assign({ mode: "round_robin", teamId: team.id });
      const rules = await assign({ mode: "assignment_rules" });

      const p = await contact({ firstName: "Person", ownerId: adminId });
      expect((await settled((await start(person, [p.id]))[0] as string)).steps[0]?.summary).toBe("Assigned sales user");
      expect((await admin.get(`/api/v1/contacts/${p.id}`)).json().ownerId).toBe(sam.userId);

      const owners: string[] = [];
      for (let i = 0; i < 4; i++) {
        const c = await contact({ firstName: `Robin ${i}`, ownerId: adminId });
        await settled((await start(rr, [c.id]))[0] as string);
        owners.push((await admin.get(`/api/v1/contacts/${c.id}`)).json().ownerId);
      }
      const sortedMembers = [kim.userId, lee.userId].sort();
      expect(owners).toEqual([...sortedMembers, ...sortedMembers]);

      const german = await contact({ firstName: "Grete", ownerId: adminId, address: { country: "DE" } });
      const byRule = await settled((await start(rules, [german.id]))[0] as string);
      expect(byRule.state).toBe("done");
      expect(byRule.steps[0]?.summary).toMatch(/Germany/);
      expect((await admin.get(`/api/v1/contacts/${german.id}`)).json().ownerId).toBe(sam.userId);
    });

    it("emails from a template through the outbox, skipping and logging do-not-contact and no-consent contacts", async () => {
      const wf = await publish(admin, "Welcome mail", {
        trigger: manual(),
        start: "mail",
        steps: [
          {
            id: "mail",
            type: "send_email",
            config: {
              to: [{ kind: "record_contact" }, { kind: "owner" }],
              subject: "Welcome {{ record.firstName }}",
              body: "Hi {{ record.firstName }}, from {{ owner.name }}",
            },
            next: { next: null },
          },
        ],
      });
      const ok = await contact({ firstName: "Olga", emails: [{ email: "olga@example.com" }], ownerId: adminId, emailConsent: true });
      const dnc = await contact({ firstName: "Dora", emails: [{ email: "dora@example.com" }], ownerId: adminId, doNotContact: true });
      const noConsent = await contact({ firstName: "Nico", emails: [{ email: "nico@example.com" }], ownerId: adminId, emailConsent: false });
      const ids = await start(wf, [ok.id, dnc.id, noConsent.id]);
      const [a, b, c] = [await settled(ids[0] as string), await settled(ids[1] as string), await settled(ids[2] as string)];
      expect(a?.steps[0]?.summary).toBe(`Emailed "Welcome Olga" to ${admin.email}, olga@example.com`);
      expect(b?.steps[0]?.summary).toBe(`Emailed "Welcome Dora" to ${admin.email} (skipped: Dora asked not to be contacted)`);
      expect((b?.steps[0]?.output as { skipped: string[] } | undefined)?.skipped).toEqual(["Dora asked not to be contacted"]);
      expect(c?.steps[0]?.summary).toMatch(/skipped: Nico has not consented to email/);
      const mail = JSON.stringify((await admin.get("/api/v1/mail?limit=100")).json());
      expect(mail).toContain("olga@example.com");
      expect(mail).not.toContain("dora@example.com");
      expect(mail).not.toContain("nico@example.com");
      expect(mail).toContain("Welcome Olga");
    });

    it("notifies people and teams in the app", async () => {
      const ann = await userWithRole(t.app, admin, "support");
      const ben = await userWithRole(t.app, admin, "support");
      const team = (await admin.post("/api/v1/teams", { name: "Support desk", memberIds: [ann.userId, ben.userId] })).json();
      const wf = await publish(admin, "Tell support", {
        trigger: manual(),
        start: "tell",
        steps: [
          {
            id: "tell",
            type: "notify",
            config: {
              to: [
                { kind: "team", teamId: team.id },
                { kind: "user", userId: adminId },
              ],
              title: "{{ record.firstName }} needs help",
            },
            next: { next: null },
          },
        ],
      });
      const c = await contact({ firstName: "Helpme" });
      const run = await settled((await start(wf, [c.id]))[0] as string);
      expect(run.state).toBe("done");
      for (const who of [ann, ben, admin]) expect(JSON.stringify((await who.get("/api/v1/notifications")).json())).toContain("Helpme needs help");
    });
  });

  describe("flow", () => {
    it("waits for a duration, until a date and until a condition (met, and timed out), branches and stops", async () => {
      const def = {
        trigger: manual("task"),
        start: "pause",
        steps: [
          { id: "pause", type: "wait", config: { mode: "duration", duration: { amount: 2, unit: "hours" } }, next: { next: "due", timeout: null } },
          {
            id: "due",
            type: "wait",
            config: { mode: "until_date", field: "dueAt", offset: { amount: 1, unit: "hours" } },
            next: { next: "closing", timeout: null },
          },
          {
            id: "closing",
            type: "wait",
            config: { mode: "until_condition", condition: { all: [{ field: "status", op: "eq", value: "done" }] }, timeout: { amount: 1, unit: "days" } },
            next: { next: "closed", timeout: "check" },
          },
          {
            id: "closed",
            type: "update_fields",
            config: { updates: [{ field: "description", value: { kind: "constant", value: "closed in time" } }] },
            next: { next: null },
          },
          {
            id: "check",
            type: "if_else",
            config: { condition: { all: [{ field: "priority", op: "eq", value: "urgent" }] } },
            next: { yes: "halt", no: "late" },
          },
          { id: "halt", type: "stop", config: { reason: "urgent tasks are handled by hand" }, next: {} },
          {
            id: "late",
            type: "update_fields",
            config: { updates: [{ field: "description", value: { kind: "constant", value: "late" } }] },
            next: { next: null },
          },
        ],
      };
      const wf = await publish(admin, "Waits", def);
      const dueAt = new Date(clock.now() + 5 * 3_600_000).toISOString();
      const met = (await admin.post("/api/v1/tasks", { title: "Will be done", assigneeId: adminId, dueAt })).json();
      const late = (await admin.post("/api/v1/tasks", { title: "Late", assigneeId: adminId, dueAt })).json();
      const urgent = (await admin.post("/api/v1/tasks", { title: "Urgent", assigneeId: adminId, dueAt, priority: "urgent" })).json();
      const [rMet, rLate, rUrgent] = (await start(wf, [met.id, late.id, urgent.id])) as [string, string, string];
      const waitingAt = async (id: string) => {
        const r = await runOf(id);
        return r.state === "waiting" ? (r.currentStepId as string) : null;
      };
      await until(async () => (await waitingAt(rMet)) === "pause" && (await waitingAt(rLate)) === "pause");
      const pauseUntil = Date.parse((await runOf(rMet)).waitingUntil);
      expect(pauseUntil - Date.parse((await runOf(rMet)).createdAt)).toBeGreaterThanOrEqual(2 * 3_600_000 - 1000);
      // Two hours on: the until-date wait begins, due an hour after the due date.
      await until(async () => (await waitingAt(rMet)) === "due", 900_000, 40);
      expect((await runOf(rMet)).waitingUntil).toBe(new Date(Date.parse(dueAt) + 3_600_000).toISOString());
      await until(
        async () => (await waitingAt(rMet)) === "closing" && (await waitingAt(rLate)) === "closing" && (await waitingAt(rUrgent)) === "closing",
        900_000,
        60,
      );
      // Completing the task wakes its waiting run at once (no clock move needed beyond the job poll).
      expect((await admin.post(`/api/v1/tasks/${met.id}/complete`)).statusCode).toBe(200);
      const metRun = await settled(rMet);
      expect(metRun.steps.map((s) => `${s.stepId}:${s.branch}`)).toEqual(["pause:next", "due:next", "closing:next", "closed:next"]);
      expect((await admin.get(`/api/v1/tasks/${met.id}`)).json().description).toBe("closed in time");
      // The other two time out after a day: one is tagged late, the urgent one stops.
      await until(async () => (await runOf(rLate)).state === "done" && (await runOf(rUrgent)).state === "done", 3_600_000, 60);
      const lateRun = await runOf(rLate);
      expect(lateRun.steps.map((s: { stepId: string; branch: string }) => `${s.stepId}:${s.branch}`)).toEqual([
        "pause:next",
        "due:next",
        "closing:timeout",
        "check:no",
        "late:next",
      ]);
      expect((await admin.get(`/api/v1/tasks/${late.id}`)).json().description).toBe("late");
      const urgentRun = await runOf(rUrgent);
      expect(urgentRun.steps.at(-1)).toMatchObject({ stepId: "halt", summary: "Stopped: urgent tasks are handled by hand" });
      expect((await admin.get(`/api/v1/tasks/${urgent.id}`)).json().description).not.toBe("late");
    });
  });

  describe("triggers", () => {
    const tagStep = (tag: string): Step[] => [{ id: "t", type: "tags", config: { add: [tag] }, next: { next: null } }];
    const notifyStep = (title: string): Step[] => [
      { id: "n", type: "notify", config: { to: [{ kind: "user", userId: adminId }], title }, next: { next: null } },
    ];

    it("fires on a field's change from and to given values, on deletion with the deleted record, and on a stage change to won", async () => {
      const updated = await publish(admin, "Lead to customer", {
        trigger: { type: "record_updated", object: "contact", changes: [{ field: "lifecycleStage", from: "lead", to: "customer" }] },
        start: "t",
        steps: tagStep("converted"),
      });
      const deleted = await publish(admin, "Deleted", {
        trigger: { type: "record_deleted", object: "contact" },
        start: "n",
        steps: notifyStep("Deleted {{ trigger.record.firstName }} {{ trigger.record.lastName }}"),
      });
      const pl = ((await admin.get("/api/v1/pipelines")).json().data as { id: string; isDefault: boolean; stages: { id: string; type: string }[] }[]).find(
        (p) => p.isDefault,
      );
      const won = pl?.stages.find((s) => s.type === "won");
      const stage = await publish(admin, "Won", { trigger: { type: "deal_stage_changed", toStageType: "won" }, start: "t", steps: tagStep("won-wf") });

      const c = await contact({ firstName: "Cora", lastName: "Convert", lifecycleStage: "subscriber" });
      await admin.patch(`/api/v1/contacts/${c.id}`, { lifecycleStage: "lead" });
      await admin.patch(`/api/v1/contacts/${c.id}`, { lifecycleStage: "customer" });
      await until(async () => (await runsOf(updated)).some((r) => r.state === "done"));
      expect((await runsOf(updated)).map((r) => r.recordId)).toEqual([c.id]);
      expect((await admin.get(`/api/v1/contacts/${c.id}`)).json().tags).toContain("converted");

      const gone = await contact({ firstName: "Gone", lastName: "Soon" });
      expect((await admin.del(`/api/v1/contacts/${gone.id}`)).statusCode).toBe(204);
      await until(async () => (await runsOf(deleted)).some((r) => r.recordId === gone.id && r.state === "done"));
      expect(JSON.stringify((await admin.get("/api/v1/notifications")).json())).toContain("Deleted Gone Soon");

      const deal = (await admin.post("/api/v1/deals", { name: "Big one", ownerId: adminId })).json();
      expect((await admin.post(`/api/v1/deals/${deal.id}/stage`, { stageId: won?.id })).statusCode).toBe(200);
      await until(async () => (await runsOf(stage)).some((r) => r.recordId === deal.id && r.state === "done"));
      expect((await admin.get(`/api/v1/deals/${deal.id}`)).json().tags).toContain("won-wf");
    });

    it("fires on a form submission, a completed task and an inbound webhook", async () => {
      const form = await admin.post("/api/v1/forms", {
        name: "Contact us",
        fields: [
          { key: "firstName", label: "First name" },
          { key: "email", label: "Email" },
        ],
      });
      expect(form.statusCode, form.body).toBe(201);
      const formId = form.json().id as string;
      const submitted = await publish(admin, "Form", { trigger: { type: "form_submitted", formId }, start: "t", steps: tagStep("from-form") });
      const completed = await publish(admin, "Task done", {
        trigger: { type: "task_completed" },
        start: "d",
        steps: [
          {
            id: "d",
            type: "update_fields",
            config: { updates: [{ field: "description", value: { kind: "constant", value: "Closed by {{ x }}" } }] },
            next: { next: null },
          },
        ],
      });
      const inbound = await admin.post("/api/v1/webhooks/inbound", { name: "Billing" });
      expect(inbound.statusCode, inbound.body).toBe(201);
      const { url, id: hookId } = inbound.json() as { url: string; id: string };
      const paid = await publish(admin, "Paid", {
        trigger: { type: "inbound_webhook", hookId },
        start: "n",
        steps: notifyStep("Invoice {{ trigger.record.body.invoice }} paid"),
      });
      const byEmail = await publish(admin, "Paid by contact", {
        trigger: { type: "inbound_webhook", hookId, object: "contact", recordField: "customer.email" },
        start: "t",
        steps: tagStep("paid"),
      });

      const sub = await t.app.inject({
        method: "POST",
        url: `/api/public/forms/${formId}/submissions`,
        headers: { "content-type": "application/json" },
        remoteAddress: "198.51.100.7",
        payload: JSON.stringify({ firstName: "Fiona", email: "fiona@example.com" }),
      });
      expect(sub.statusCode, sub.body).toBeLessThan(300);
      await until(async () => (await runsOf(submitted)).some((r) => r.state === "done"), 500, 240, "form run");
      const fionaId = (await runsOf(submitted))[0]?.recordId as string;
      expect((await admin.get(`/api/v1/contacts/${fionaId}`)).json()).toMatchObject({ firstName: "Fiona" });
      expect((await admin.get(`/api/v1/contacts/${fionaId}`)).json().tags).toContain("from-form");

      const task = (await admin.post("/api/v1/tasks", { title: "Finish me", assigneeId: adminId })).json();
      await admin.patch(`/api/v1/tasks/${task.id}`, { title: "Finish me now" });
      expect((await admin.post(`/api/v1/tasks/${task.id}/complete`)).statusCode).toBe(200);
      await until(async () => (await runsOf(completed)).some((r) => r.state === "done"), 500, 240, "task run");
      expect((await runsOf(completed)).map((r) => r.recordId)).toEqual([task.id]);
      expect((await admin.get(`/api/v1/tasks/${task.id}`)).json().description).toBe("Closed by {{ x }}");

      const post = await t.app.inject({
        method: "POST",
        url: new URL(url).pathname,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ invoice: "INV-7", customer: { email: "fiona@example.com" } }),
      });
      expect(post.statusCode, post.body).toBe(202);
      await until(async () => (await runsOf(paid)).some((r) => r.state === "done"), 500, 240, "inbound run");
      expect(JSON.stringify((await admin.get("/api/v1/notifications")).json())).toContain("Invoice INV-7 paid");
      await until(async () => (await runsOf(byEmail)).some((r) => r.state === "done"), 500, 240, "inbound by email run");
      expect((await runsOf(byEmail)).map((r) => r.recordId)).toEqual([fionaId]);
      expect((await admin.get(`/api/v1/contacts/${fionaId}`)).json().tags).toContain("paid");
    });
  });

  describe("bad input", () => {
    it("refuses steps the trigger's object cannot take, and a template error with its line and column", async () => {
      const issues = async (definition: unknown) =>
        expectProblem(await admin.post("/api/v1/workflows", { name: "Bad", definition }), 400, "validation_failed").errors as {
          path: string;
          message: string;
        }[];
      const one = (type: string, config: Record<string, unknown>) => ({ id: "s", type, config, next: { next: null } });
      expect(await issues({ trigger: manual("task"), start: "s", steps: [one("tags", { add: ["x"] })] })).toEqual([
        { path: "definition.steps.0.type", message: "A task has no tags" },
      ]);
      expect((await issues({ trigger: manual("deal"), start: "s", steps: [one("assign_owner", { mode: "assignment_rules" })] }))[0]?.message).toMatch(
        /Assignment rules assign contacts/,
      );
      expect((await issues({ trigger: manual("task"), start: "s", steps: [one("create_note", { body: "x" })] }))[0]?.message).toMatch(/Notes go on contacts/);
      const hook = (await admin.post("/api/v1/webhooks/inbound", { name: "No object" })).json() as { id: string };
      expect((await issues({ trigger: { type: "inbound_webhook", hookId: hook.id }, start: "s", steps: [one("tags", { add: ["x"] })] }))[0]?.message).toMatch(
        /needs a record/,
      );
      const template = await issues({
        trigger: manual(),
        start: "s",
        steps: [one("create_task", { title: "Call\n  {% if record.firstName %}", assignee: { kind: "owner" } })],
      });
      expect(template[0]?.path).toBe("definition.steps.0.config.title");
      expect(template[0]?.message).toMatch(/line \d+, column \d+/);
    });
  });

  describe("reliability", () => {
    it("starts one run per event and version when the event is delivered twice, and repeats no step when the job runs again", async () => {
      const wf = await publish(admin, "Once", {
        trigger: { type: "record_created", object: "contact", filter: { all: [{ field: "lastName", op: "eq", value: "Once" }] } },
        start: "task",
        steps: [
          {
            id: "task",
            type: "create_task",
            config: { title: "Once for {{ record.firstName }}", assignee: { kind: "user", userId: adminId } },
            next: { next: "call" },
          },
          { id: "call", type: "http_request", config: { url: `${receiver.base}/once`, body: '{"id":"{{ record.id }}"}' }, next: { next: null } },
        ],
      });
      const c = await contact({ firstName: "Only", lastName: "Once" });
      await until(async () => (await runsOf(wf))[0]?.state === "done");
      const [run] = await runsOf(wf);
      // The same event handed to the consumer again (a redelivery after a crash): no second run.
      const events = (await admin.get("/api/v1/events?type=contact.created&limit=500")).json().data as Event[];
      const event = events.find((e) => e.recordId === c.id) as Event;
      await t.database.db.transaction(async (tx) => workflowConsumer(deps).handle(tx, [event, event]));
      // The job for the run delivered again, three at once: the run is done, nothing repeats.
      const workspaceId = event.workspaceId;
      await Promise.all([1, 2, 3].map(() => executeRun(t.database.db, deps, { workspaceId, runId: run?.id as string })));
      await until(() => true);
      expect(await runsOf(wf)).toHaveLength(1);
      expect((await tasksOf()).filter((x) => x.title === "Once for Only")).toHaveLength(1);
      expect(receiver.at("/once")).toHaveLength(1);

      // A fresh run worked by three job deliveries at once, racing the worker: each step still once.
      const d = await contact({ firstName: "Race", lastName: "Once" });
      await until(async () => (await runsOf(wf)).some((r) => r.recordId === d.id));
      const raced = (await runsOf(wf)).find((r) => r.recordId === d.id);
      await Promise.all([1, 2, 3].map(() => executeRun(t.database.db, deps, { workspaceId, runId: raced?.id as string })));
      await settled(raced?.id as string);
      expect((await tasksOf()).filter((x) => x.title === "Once for Race")).toHaveLength(1);
      expect(receiver.at("/once")).toHaveLength(2);
      expect((await runOf(raced?.id as string)).steps.map((s: { stepId: string }) => s.stepId)).toEqual(["task", "call"]);
    });

    it("keeps a run on the version it started on across a publish, and keeps waiting runs waiting while paused", async () => {
      const v1 = {
        trigger: manual(),
        start: "wait",
        steps: [
          { id: "wait", type: "wait", config: { mode: "duration", duration: { amount: 1, unit: "hours" } }, next: { next: "tag", timeout: null } },
          { id: "tag", type: "tags", config: { add: ["v1"] }, next: { next: null } },
        ],
      };
      const wf = await publish(admin, "Pinned", v1);
      const c = await contact({ firstName: "Pinned" });
      const [runId] = (await start(wf, [c.id])) as [string];
      await until(async () => (await runOf(runId)).state === "waiting");
      const v2 = { ...v1, steps: [v1.steps[0], { id: "tag", type: "tags", config: { add: ["v2"] }, next: { next: null } }] };
      expect((await admin.call("PUT", `/api/v1/workflows/${wf}/draft`, { definition: v2 })).statusCode).toBe(200);
      expect((await admin.post(`/api/v1/workflows/${wf}/publish`)).json().publishedVersion).toBe(2);
      // Paused: the due wait does not go on.
      expect((await admin.post(`/api/v1/workflows/${wf}/pause`)).json().status).toBe("paused");
      await clock.setTime(clock.now() + 2 * 3_600_000);
      await until(() => true, 1000, 1);
      for (let i = 0; i < 5; i++) await clock.tick(1000);
      await sweepRuns(t.database.db, deps);
      await new Promise((r) => setTimeout(r, 300));
      expect((await runOf(runId)).state).toBe("waiting");
      expectProblem(await admin.post(`/api/v1/workflows/${wf}/run`, { recordIds: [c.id] }), 409, "conflict");
      expect((await admin.post(`/api/v1/workflows/${wf}/resume`)).json().status).toBe("active");
      const done = await settled(runId);
      expect(done).toMatchObject({ state: "done", version: 1 });
      const tags = (await admin.get(`/api/v1/contacts/${c.id}`)).json().tags;
      expect(tags).toContain("v1");
      expect(tags).not.toContain("v2");
      // A new run takes the new version.
      const [second] = (await start(wf, [c.id])) as [string];
      await until(async () => (await runOf(second)).state === "waiting");
      expect((await runOf(second)).version).toBe(2);
      const versions = (await admin.get(`/api/v1/workflows/${wf}/versions`)).json().data as { version: number; state: string; runCount: number }[];
      expect(versions.map((v) => `${v.version}:${v.state}:${v.runCount}`)).toEqual(["2:published:1", "1:archived:1"]);
    });

    it("does not re-trigger on its own changes unless allowed; the loop limit stops a runaway chain and says so", async () => {
      const own = await publish(admin, "Own changes", {
        trigger: { type: "record_updated", object: "contact", changes: [{ field: "jobTitle" }] },
        start: "t",
        steps: [
          {
            id: "t",
            type: "update_fields",
            config: { updates: [{ field: "jobTitle", value: { kind: "template", template: "{{ record.jobTitle }}!" } }] },
            next: { next: null },
          },
        ],
      });
      const c = await contact({ firstName: "Selfish", jobTitle: "CEO" });
      await admin.patch(`/api/v1/contacts/${c.id}`, { jobTitle: "CTO" });
      await until(async () => (await runsOf(own)).some((r) => r.state === "done"));
      // The workflow's own update has been through the stream and started no other run.
      await drained();
      expect(await runsOf(own)).toHaveLength(1);
      expect((await admin.get(`/api/v1/contacts/${c.id}`)).json().jobTitle).toBe("CTO!");
      expect((await admin.post(`/api/v1/workflows/${own}/pause`)).statusCode).toBe(200);

      const loop = await publish(admin, "Runaway", {
        trigger: { type: "record_updated", object: "contact", changes: [{ field: "jobTitle" }], allowOwnChanges: true },
        start: "t",
        steps: [
          {
            id: "t",
            type: "update_fields",
            config: { updates: [{ field: "jobTitle", value: { kind: "template", template: "{{ record.jobTitle }}+" } }] },
            next: { next: null },
          },
        ],
        settings: { maxRunsPerRecordPerDay: 3 },
      });
      const d = await contact({ firstName: "Loopy", jobTitle: "A" });
      await admin.patch(`/api/v1/contacts/${d.id}`, { jobTitle: "B" });
      await until(async () => (await admin.get(`/api/v1/workflows/${loop}`)).json().health.state === "loop_limited");
      await until(async () => (await runsOf(loop)).every((r) => r.state === "done"));
      await drained();
      // Only the record that changed after the workflow was published: Selfish's changes came before it.
      expect((await runsOf(loop)).map((r) => r.recordId)).toEqual([d.id, d.id, d.id]);
      expect((await admin.get(`/api/v1/contacts/${d.id}`)).json().jobTitle).toBe("B+++");
      const listed = ((await admin.get("/api/v1/workflows?limit=200")).json().data as { id: string; health: { state: string; message: string } }[]).find(
        (w) => w.id === loop,
      );
      expect(listed?.health).toMatchObject({ state: "loop_limited", message: "Loop limit: 3 runs for one record within 24 hours; further runs were refused" });
      expect((await admin.post(`/api/v1/workflows/${loop}/pause`)).statusCode).toBe(200);
    });

    it("acts only on changes made after it was published, however late the stream delivers them; a change before a re-publish keeps the old version", async () => {
      const c = await contact({ firstName: "Early", jobTitle: "Before" });
      expect((await admin.patch(`/api/v1/contacts/${c.id}`, { jobTitle: "Changed before publishing" })).statusCode).toBe(200);
      // The stream lists an event once it is sequenced (on PostgreSQL, just after its commit).
      const eventOf = async (match: (e: Event) => boolean): Promise<Event> => {
        let found: Event | undefined;
        await until(async () => {
          found = ((await admin.get("/api/v1/events?type=contact.updated&limit=500")).json().data as Event[]).find(match);
          return found !== undefined;
        });
        return found as Event;
      };
      const early = await eventOf((e) => e.recordId === c.id);
      const wf = await publish(admin, "Late delivery", {
        trigger: { type: "record_updated", object: "contact", changes: [{ field: "jobTitle" }] },
        start: "t",
        steps: [{ id: "t", type: "tags", config: { add: ["late-delivery"] }, next: { next: null } }],
      });
      // The change from before publication handed to the consumer now, as a stream that fell behind would.
      await t.database.db.transaction(async (tx) => workflowConsumer(deps).handle(tx, [early]));
      await drained();
      expect(await runsOf(wf)).toHaveLength(0);

      // A change while version 1 is live, then version 2 published: the change runs on version 1, whenever delivered.
      expect((await admin.patch(`/api/v1/contacts/${c.id}`, { jobTitle: "Changed under v1" })).statusCode).toBe(200);
      const underV1 = await eventOf((e) => e.recordId === c.id && JSON.stringify(e.data.changes).includes("Changed under v1"));
      const def2 = {
        trigger: { type: "record_updated", object: "contact", changes: [{ field: "jobTitle" }] },
        start: "t",
        steps: [{ id: "t", type: "tags", config: { add: ["late-delivery-v2"] }, next: { next: null } }],
      };
      expect((await admin.call("PUT", `/api/v1/workflows/${wf}/draft`, { definition: def2 })).statusCode).toBe(200);
      expect((await admin.post(`/api/v1/workflows/${wf}/publish`)).statusCode).toBe(200);
      await t.database.db.transaction(async (tx) => workflowConsumer(deps).handle(tx, [underV1]));
      await drained();
      await until(async () => (await runsOf(wf)).every((r) => r.state === "done"));
      expect((await runsOf(wf)).map((r) => `${r.recordId === c.id}:${r.version}`)).toEqual(["true:1"]);
      expect((await admin.post(`/api/v1/workflows/${wf}/pause`)).statusCode).toBe(200);
    });

    it("fails a run whose record was deleted meanwhile with a clear message, and flags a failing workflow to its admins", async () => {
      const wf = await publish(admin, "Late tagger", {
        trigger: manual(),
        start: "wait",
        steps: [
          { id: "wait", type: "wait", config: { mode: "duration", duration: { amount: 10, unit: "minutes" } }, next: { next: "tag", timeout: null } },
          { id: "tag", type: "tags", config: { add: ["late"] }, next: { next: null } },
        ],
      });
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await contact({ firstName: `Doomed ${i}` })).id);
      const runIds = await start(wf, ids);
      await until(async () => (await Promise.all(runIds.map((id) => runOf(id)))).every((r) => r.state === "waiting"));
      for (const id of ids) expect((await admin.del(`/api/v1/contacts/${id}`)).statusCode).toBe(204);
      await until(async () => (await Promise.all(runIds.map((id) => runOf(id)))).every((r) => r.state === "failed"), 120_000, 40);
      const failed = await runOf(runIds[0] as string);
      expect(failed.error).toBe("Add or remove tags: The contact this run is about no longer exists (deleted meanwhile)");
      expect(failed.steps.at(-1)).toMatchObject({ stepId: "tag", state: "failed" });

      await sweepRuns(t.database.db, deps);
      const listed = ((await admin.get("/api/v1/workflows?limit=200")).json().data as { id: string; health: { state: string; message: string } }[]).find(
        (w) => w.id === wf,
      );
      expect(listed?.health.state).toBe("failing");
      expect(listed?.health.message).toMatch(/3 of the last 10 runs failed/);
      const notes = (await admin.get("/api/v1/notifications")).json().data as { title: string; recordId: string | null }[];
      expect(notes.some((n) => n.title === 'Workflow "Late tagger" needs attention' && n.recordId === wf)).toBe(true);
      // Judged again with nothing new: no second notification.
      await sweepRuns(t.database.db, deps);
      const again = (await admin.get("/api/v1/notifications")).json().data as { title: string }[];
      expect(again.filter((n) => n.title === 'Workflow "Late tagger" needs attention')).toHaveLength(1);
    });

    it("keeps the steps that ran before a failing one in the same transaction, once each, and retries from the failing step", async () => {
      // tag and title run in the failing step's transaction (no wait or HTTP call between them): they must commit
      // once, the failure must land on the task step, and a retry must not repeat them.
      const wf = await publish(admin, "Fails third", {
        trigger: manual(),
        start: "tag",
        steps: [
          { id: "tag", type: "tags", config: { add: ["kept"] }, next: { next: "title" } },
          {
            id: "title",
            type: "update_fields",
            config: { updates: [{ field: "jobTitle", value: { kind: "constant", value: "Kept" } }] },
            next: { next: "task" },
          },
          { id: "task", type: "create_task", config: { title: "Owner of {{ record.firstName }}", assignee: { kind: "owner" } }, next: { next: null } },
        ],
      });
      const c = await contact({ firstName: "Ownerless", ownerId: null });
      expect(c.ownerId).toBeNull();
      const [runId] = await start(wf, [c.id]);
      const failed = await settled(runId as string);
      expect(failed.state).toBe("failed");
      expect(failed.error).toMatch(/^Create task: Nobody to assign the task to/);
      expect(failed.steps.map((s) => `${s.stepId}:${s.state}:${s.attempt}`)).toEqual(["tag:done:1", "title:done:1", "task:failed:1"]);
      const after = (await admin.get(`/api/v1/contacts/${c.id}`)).json();
      expect(after.tags).toEqual(["kept"]);
      expect(after.jobTitle).toBe("Kept");
      expect((await tasksOf()).filter((x) => x.title === "Owner of Ownerless")).toHaveLength(0);

      expect((await admin.patch(`/api/v1/contacts/${c.id}`, { ownerId: adminId })).statusCode).toBe(200);
      expect((await admin.post(`/api/v1/workflows/runs/${runId}/retry`)).statusCode).toBe(200);
      const done = await settled(runId as string);
      expect(done.state).toBe("done");
      expect(done.steps.map((s) => `${s.stepId}:${s.state}:${s.attempt}`)).toEqual(["tag:done:1", "title:done:1", "task:failed:1", "task:done:2"]);
      expect((await tasksOf()).filter((x) => x.title === "Owner of Ownerless")).toHaveLength(1);
      // The title was written once: the retry went on from the task, not from the start of the transaction.
      const [written] = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from record_history where record_id = ${c.id} and changes::text like '%jobTitle%'`,
      );
      expect(written?.n).toBe(1);
    });

    it("flags a trigger that matched but started no run, and notifies the admins", async () => {
      const inbound = (await admin.post("/api/v1/webhooks/inbound", { name: "Unknown sender" })).json() as { url: string; id: string };
      const wf = await publish(admin, "No such contact", {
        trigger: { type: "inbound_webhook", hookId: inbound.id, object: "contact", recordField: "email" },
        start: "t",
        steps: [{ id: "t", type: "tags", config: { add: ["x"] }, next: { next: null } }],
      });
      const post = await t.app.inject({
        method: "POST",
        url: new URL(inbound.url).pathname,
        headers: { "content-type": "application/json" },
        payload: JSON.stringify({ email: "nobody@example.com" }),
      });
      expect(post.statusCode).toBe(202);
      await until(async () => {
        const [row] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from workflow_misses where workflow_id = ${wf}`);
        return (row?.n ?? 0) > 0;
      });
      await sweepRuns(t.database.db, deps);
      const detail = (await admin.get(`/api/v1/workflows/${wf}`)).json();
      expect(detail.health.state).toBe("not_running");
      expect(detail.health.message).toMatch(/trigger matched .* but no run started/);
      expect(await runsOf(wf)).toHaveLength(0);
      const notes = (await admin.get("/api/v1/notifications")).json().data as { title: string }[];
      expect(notes.some((n) => n.title === 'Workflow "No such contact" needs attention')).toBe(true);
    });
  });

  describe("audit", () => {
    it("writes a workflow's creation, publication, pause, resume and deletion to the audit log", async () => {
      const wf = (
        await admin.post("/api/v1/workflows", {
          name: "Audited",
          definition: { trigger: manual(), start: "t", steps: [{ id: "t", type: "tags", config: { add: ["a"] }, next: { next: null } }] },
        })
      ).json();
      expect((await admin.post(`/api/v1/workflows/${wf.id}/publish`)).statusCode).toBe(200);
      expect((await admin.post(`/api/v1/workflows/${wf.id}/pause`)).statusCode).toBe(200);
      expect((await admin.post(`/api/v1/workflows/${wf.id}/resume`)).statusCode).toBe(200);
      expect((await admin.del(`/api/v1/workflows/${wf.id}`)).statusCode).toBe(204);
      const entries = async () => ((await admin.get(`/api/v1/audit?objectId=${wf.id}&limit=50`)).json().data ?? []) as { action: string; summary: string }[];
      await until(async () => (await entries()).length >= 5);
      const summaries = (await entries()).map((e) => e.summary).reverse();
      expect(summaries).toEqual([
        "Ada Admin created workflow Audited",
        "Ada Admin changed Status from draft to active and Published version from empty to 1 on workflow Audited",
        "Ada Admin changed Status from active to paused on workflow Audited",
        "Ada Admin changed Status from paused to active on workflow Audited",
        "Ada Admin deleted workflow Audited",
      ]);
    });
  });

  describe("role rules", () => {
    it("lets managers build only their teams' workflows, enrolling only their team's records; others read runs on records they see", async () => {
      const manager = await userWithRole(t.app, admin, "manager");
      const seller = await userWithRole(t.app, admin, "sales");
      const outsider = await userWithRole(t.app, admin, "sales");
      const mine = (await admin.post("/api/v1/teams", { name: "Manager's team", memberIds: [manager.userId, seller.userId] })).json();
      const other = (await admin.post("/api/v1/teams", { name: "Other team", memberIds: [outsider.userId] })).json();
      const def = {
        trigger: { type: "record_created", object: "contact" },
        start: "t",
        steps: [{ id: "t", type: "tags", config: { add: ["team-wf"] }, next: { next: null } }],
      };
      expectProblem(await manager.post("/api/v1/workflows", { name: "No team", definition: def }), 403, "forbidden");
      expectProblem(await manager.post("/api/v1/workflows", { name: "Theirs", definition: def, teamId: other.id }), 403, "forbidden");
      const teamWf = await publish(manager, "Team intake", def, { teamId: mine.id });
      const adminWf = (await admin.post("/api/v1/workflows", { name: "Admin only", definition: def })).json();
      expectProblem(await manager.call("PUT", `/api/v1/workflows/${adminWf.id}/draft`, { definition: def }), 403, "forbidden");
      expectProblem(await manager.post(`/api/v1/workflows/${adminWf.id}/publish`), 403, "forbidden");
      expectProblem(await manager.patch(`/api/v1/workflows/${teamWf}`, { teamId: other.id }), 403, "forbidden");
      const list = (await manager.get("/api/v1/workflows?limit=200")).json().data as { id: string; canEdit: boolean }[];
      expect(list.find((w) => w.id === teamWf)?.canEdit).toBe(true);
      expect(list.find((w) => w.id === adminWf.id)?.canEdit).toBe(false);
      expectProblem(await seller.post("/api/v1/workflows", { name: "Mine", definition: def }), 403, "forbidden");
      expectProblem(await seller.post(`/api/v1/workflows/${teamWf}/pause`), 403, "forbidden");

      // The team's workflow enrolls the records of the team's members only.
      const inTeam = (await seller.post("/api/v1/contacts", { firstName: "Team", lastName: "Record" })).json();
      const outside = (await outsider.post("/api/v1/contacts", { firstName: "Other", lastName: "Record" })).json();
      await until(async () => (await runsOf(teamWf)).some((r) => r.recordId === inTeam.id && r.state === "done"));
      for (let i = 0; i < 4; i++) await until(() => true, 1000, 2);
      expect((await runsOf(teamWf)).map((r) => r.recordId)).toEqual([inTeam.id]);
      expect((await admin.get(`/api/v1/contacts/${outside.id}`)).json().tags).not.toContain("team-wf");

      // A seller reads the runs on a record they can see, not the list across workflows nor another's record.
      const [run] = await runsOf(teamWf);
      const onRecord = await seller.get(`/api/v1/workflows/runs?object=contact&recordId=${inTeam.id}`);
      expect(onRecord.statusCode, onRecord.body).toBe(200);
      expect(onRecord.json().data.map((r: { id: string }) => r.id)).toEqual([run?.id]);
      expect((await seller.get(`/api/v1/workflows/runs/${run?.id}`)).statusCode).toBe(200);
      expectProblem(await seller.get("/api/v1/workflows/runs"), 403, "forbidden");
      const readOnly = await userWithRole(t.app, admin, "read_only");
      expect((await readOnly.get(`/api/v1/workflows/runs?object=contact&recordId=${inTeam.id}`)).statusCode).toBe(200);
    });
  });
});
