import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";

describe.each(databaseKinds)("workflows on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  const clock = new TestClock(Date.now());

  const until = (cond: () => Promise<boolean> | boolean, stepMs = 500, steps = 240) => untilOnClock(clock, cond, stepMs, steps);

  beforeAll(async () => {
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, clock, pollingIntervalSeconds: 1 } });
    admin = await newWorkspace(t.app);
    await until(async () => ((await admin.get("/api/v1/jobs")).json().consumers as { name: string }[]).some((c) => c.name === "workflows"));
  });
  afterAll(async () => {
    await t?.close();
  });

  const trigger = { type: "record_created", object: "contact" };

  it("refuses cycles, missing branches, unknown fields and liquid syntax errors, each on its step", async () => {
    const wf = (await admin.post("/api/v1/workflows", { name: "Bad" })).json();
    const save = (definition: unknown) => admin.call("PUT", `/api/v1/workflows/${wf.id}/draft`, { definition });
    const paths = async (definition: unknown) => expectProblem(await save(definition), 400, "validation_failed").errors as { path: string; message: string }[];
    const cycle = await paths({
      trigger,
      start: "a",
      steps: [
        { id: "a", type: "tags", config: { add: ["x"] }, next: { next: "b" } },
        { id: "b", type: "tags", config: { add: ["y"] }, next: { next: "a" } },
      ],
    });
    expect(cycle.some((e) => /loop/.test(e.message))).toBe(true);
    const missing = await paths({ trigger, start: "a", steps: [{ id: "a", type: "if_else", config: { condition: { all: [] } }, next: { yes: null } }] });
    expect(missing.map((e) => e.path)).toContain("definition.steps.0.next.no");
    const dangling = await paths({ trigger, start: "a", steps: [{ id: "a", type: "tags", config: { add: ["x"] }, next: { next: "nowhere" } }] });
    expect(dangling[0]?.message).toMatch(/does not exist/);
    const unknown = await paths({
      trigger,
      start: "a",
      steps: [
        {
          id: "a",
          type: "update_fields",
          config: { updates: [{ field: "favouriteColour", value: { kind: "constant", value: "red" } }] },
          next: { next: null },
        },
      ],
    });
    expect(unknown[0]).toMatchObject({ path: "definition.steps.0.config.updates.0.field" });
    const liquid = await paths({
      trigger,
      start: "a",
      steps: [{ id: "a", type: "notify", config: { to: [{ kind: "owner" }], title: "Hi\n{{ record.firstName " }, next: { next: null } }],
    });
    expect(liquid[0]?.message).toMatch(/line 2, column 1/);
    const validation = (await admin.post("/api/v1/workflows/validate", { definition: { trigger, start: "a", steps: [] } })).json();
    expect(validation.valid).toBe(false);
  });

  it("runs a published workflow once per event: tags, branch, task, a wait moved by the clock, then a notification", async () => {
    const definition = {
      trigger: { ...trigger, filter: { all: [{ field: "lifecycleStage", op: "eq", value: "lead" }] } },
      start: "tag",
      steps: [
        { id: "tag", type: "tags", config: { add: ["wf-intake"] }, next: { next: "branch" } },
        { id: "branch", type: "if_else", config: { condition: { all: [{ field: "jobTitle", op: "notEmpty" }] } }, next: { yes: "task", no: null } },
        {
          id: "task",
          type: "create_task",
          config: { title: "Call {{ record.firstName }} ({{ record.jobTitle }})", assignee: { kind: "user", userId: admin.session.me?.user.id } },
          next: { next: "wait" },
        },
        { id: "wait", type: "wait", config: { mode: "duration", duration: { amount: 1, unit: "days" } }, next: { next: "ping", timeout: null } },
        {
          id: "ping",
          type: "notify",
          config: { to: [{ kind: "user", userId: admin.session.me?.user.id }], title: "Day after {{ record.firstName }}" },
          next: { next: null },
        },
      ],
    };
    const created = await admin.post("/api/v1/workflows", { name: "Intake", definition });
    expect(created.statusCode, created.body).toBe(201);
    const wf = created.json();
    expect((await admin.post(`/api/v1/workflows/${wf.id}/publish`)).json()).toMatchObject({ status: "active", publishedVersion: 1 });

    // Not matching the filter: no run.
    await admin.post("/api/v1/contacts", { firstName: "Sub", lastName: "Scriber", lifecycleStage: "subscriber" });
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Lea", lastName: "Lead", lifecycleStage: "lead", jobTitle: "CTO" })).json();
    const runs = async () => (await admin.get(`/api/v1/workflows/${wf.id}/runs`)).json().data as { id: string; state: string; recordId: string }[];
    await until(async () => (await runs())[0]?.state === "waiting");
    const [run] = await runs();
    expect(run?.recordId).toBe(contact.id);
    expect((await admin.get(`/api/v1/contacts/${contact.id}`)).json().tags).toContain("wf-intake");
    const tasks = (await admin.get("/api/v1/tasks?limit=50")).json().data as { title: string }[];
    expect(tasks.map((x) => x.title)).toContain("Call Lea (CTO)");

    // The wait resumes when the clock passes a day.
    await until(async () => (await runs())[0]?.state === "done", 3600_000 * 4, 40);
    const detail = (await admin.get(`/api/v1/workflows/runs/${run?.id}`)).json();
    expect(detail.steps.map((s: { stepId: string; state: string }) => `${s.stepId}:${s.state}`)).toEqual([
      "tag:done",
      "branch:done",
      "task:done",
      "wait:done",
      "ping:done",
    ]);
    expect(detail.steps[1].branch).toBe("yes");
    // The workflow's own tag change did not start a second run; one run for the one event.
    expect((await runs()).length).toBe(1);
    const history = (await admin.get(`/api/v1/contacts/${contact.id}/timeline`)).statusCode;
    expect([200, 404]).toContain(history);

    // Test on a record: describes every step, does nothing.
    const before = (await admin.get("/api/v1/tasks?limit=50")).json().data.length;
    const tested = (await admin.post(`/api/v1/workflows/${wf.id}/test`, { recordId: contact.id, definition })).json();
    expect(tested.triggerMatched).toBe(true);
    expect(tested.steps.map((s: { state: string }) => s.state)).toEqual(["would_run", "would_run", "would_run", "would_wait", "would_run"]);
    expect(tested.steps[2].summary).toMatch(/Would create the task "Call Lea \(CTO\)"/);
    expect((await admin.get("/api/v1/tasks?limit=50")).json().data.length).toBe(before);
  });

  it("fails a run on a bad HTTP step with a clear error, and retries it from that step", async () => {
    const definition = {
      trigger: { type: "manual", object: "contact" },
      start: "call",
      steps: [
        {
          id: "call",
          type: "http_request",
          config: { method: "POST", url: "http://127.0.0.1:9/hook", body: '{"id":"{{ record.id }}"}' },
          next: { next: "tag" },
        },
        { id: "tag", type: "tags", config: { add: ["called"] }, next: { next: null } },
      ],
    };
    const wf = (await admin.post("/api/v1/workflows", { name: "Call out", definition })).json();
    await admin.post(`/api/v1/workflows/${wf.id}/publish`);
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Http", lastName: "Target" })).json();
    const started = (await admin.post(`/api/v1/workflows/${wf.id}/run`, { recordIds: [contact.id] })).json();
    expect(started.started).toHaveLength(1);
    const runId = started.started[0].runId;
    const get = async () => (await admin.get(`/api/v1/workflows/runs/${runId}`)).json();
    await until(async () => (await get()).state === "failed");
    const failed = await get();
    expect(failed.error).toMatch(/Refused|failed/);
    expect(failed.steps[0]).toMatchObject({ stepId: "call", state: "failed", attempt: 1 });
    const retried = await admin.post(`/api/v1/workflows/runs/${runId}/retry`);
    expect(retried.statusCode, retried.body).toBe(200);
    await until(async () => (await get()).state === "failed" && (await get()).steps.length === 2);
    expect((await get()).steps.map((s: { attempt: number }) => s.attempt)).toEqual([1, 2]);
    expect((await admin.post(`/api/v1/workflows/runs/${runId}/cancel`)).json().state).toBe("cancelled");
  });
});
