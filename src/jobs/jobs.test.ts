import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, expectProblem, newWorkspace, type TestApp, userWithRole } from "../test/harness.js";

/**
 * The job system on a clock the test moves (pg-boss TestClock: JavaScript timers and the database's job_now() both
 * follow it), so retries, backoff and delayed jobs are checked without waiting for them.
 */
describe("durable jobs on pglite", () => {
  let t: TestApp;
  let admin: Client;
  const clock = new TestClock(Date.now());
  let healthy = false;
  const attempts: number[] = [];

  /** Moves time in steps until the condition holds (each step lets due timers and polls run). */
  async function until(cond: () => Promise<boolean>, stepMs = 1000, steps = 120): Promise<void> {
    for (let i = 0; i < steps; i++) {
      if (await cond()) return;
      await clock.tick(stepMs);
    }
    throw new Error("condition not reached");
  }

  beforeAll(async () => {
    t = await createTestApp("pglite", {
      jobs: {
        worker: true,
        clock,
        pollingIntervalSeconds: 1,
        extraQueues: {
          "test.flaky": {
            spec: {
              label: "Flaky test work",
              description: "Throws until told to succeed",
              options: { retryLimit: 2, retryDelay: 10, retryBackoff: true },
              concurrency: 1,
            },
            async handle() {
              attempts.push(clock.now());
              if (!healthy) throw new Error("the remote end is down");
              return { ok: true };
            },
          },
        },
      },
    });
    await t.app.ready();
    admin = await newWorkspace(t.app);
  });
  afterAll(async () => {
    await t.close();
  });

  const failedList = async () =>
    (await admin.get("/api/v1/jobs/failed")).json().data as { id: string; queue: string; state: string; attempts: number; error: string }[];

  it("retries a job that throws with growing delays, then keeps it as dead with its error for an admin to retry", async () => {
    await t.app.jobs?.send("test.flaky", { note: "first" });
    await until(async () => (await failedList()).some((j) => j.queue === "test.flaky" && j.state === "failed"));
    expect(attempts).toHaveLength(3);
    const [a, b, c] = attempts as [number, number, number];
    // Exponential backoff from a 10 s base: each wait at least the base, the second longer than the first allows.
    expect(b - a).toBeGreaterThanOrEqual(10_000);
    expect(c - b).toBeGreaterThanOrEqual(10_000);
    const dead = (await failedList()).find((j) => j.queue === "test.flaky") as { id: string; attempts: number; error: string };
    expect(dead).toMatchObject({ state: "failed", attempts: 3, error: "the remote end is down" });
    const overview = (await admin.get("/api/v1/jobs")).json();
    expect(overview.queues.find((q: { name: string }) => q.name === "test.flaky")).toMatchObject({ failed: 1, label: "Flaky test work" });

    // Fixed on the other side: the admin retries it, and it runs once more and completes.
    healthy = true;
    expect((await admin.post(`/api/v1/jobs/test.flaky/${dead.id}/retry`)).statusCode).toBe(204);
    await until(async () => attempts.length === 4);
    await until(async () => !(await failedList()).some((j) => j.id === dead.id));
    expect((await admin.get("/api/v1/jobs")).json().queues.find((q: { name: string }) => q.name === "test.flaky")).toMatchObject({ failed: 0 });
  });

  it("discards a dead job, and refuses unknown ids and non-admins", async () => {
    healthy = false;
    await t.app.jobs?.send("test.flaky", { note: "second" });
    await until(async () => (await failedList()).some((j) => j.state === "failed"));
    const dead = (await failedList()).find((j) => j.state === "failed") as { id: string };
    expect((await admin.del(`/api/v1/jobs/test.flaky/${dead.id}`)).statusCode).toBe(204);
    expect((await failedList()).some((j) => j.id === dead.id)).toBe(false);
    expectProblem(await admin.post(`/api/v1/jobs/test.flaky/${dead.id}/retry`), 404, "not_found");
    expectProblem(await admin.post("/api/v1/jobs/test.flaky/not-a-uuid/retry"), 400, "validation_failed");
    const sales = await userWithRole(t.app, admin, "sales");
    expectProblem(await sales.get("/api/v1/jobs"), 403, "forbidden");
  });

  it("rescores the workspace after a scoring rule changes: the rule's event reaches a consumer, which queues the job", async () => {
    const lead = (await admin.post("/api/v1/contacts", { firstName: "Ada", jobTitle: "CTO" })).json();
    const rule = await admin.post("/api/v1/scoring-rules", {
      kind: "field",
      name: "Technical leaders",
      conditions: [{ field: "jobTitle", op: "contains", value: "CTO" }],
      points: 25,
    });
    expect(rule.statusCode, rule.body).toBe(201);
    await until(async () => (await admin.get("/api/v1/scoring-rules/rescore")).json().state === "done");
    expect((await admin.get(`/api/v1/contacts/${lead.id}`)).json().leadScore).toBe(25);
    const consumers = (await admin.get("/api/v1/jobs")).json().consumers as { name: string; lag: number; lastError: string | null }[];
    expect(consumers.find((c) => c.name === "scoring.rules")).toMatchObject({ lastError: null });
  });

  it("rescores after a logged activity and a company edit through stream consumers, the company's contacts by a job", async () => {
    const ws = await newWorkspace(t.app);
    const rules = [
      { kind: "field", name: "Large companies", conditions: [{ field: "company.employees", op: "gt", value: 200 }], points: 15 },
      { kind: "event", name: "Calls", event: "call", points: 10 },
    ];
    for (const r of rules) expect((await ws.post("/api/v1/scoring-rules", r)).statusCode).toBe(201);
    const company = (await ws.post("/api/v1/companies", { name: "Acme", employees: 1000 })).json();
    const lead = (await ws.post("/api/v1/contacts", { firstName: "Cy", companyId: company.id })).json();
    // A contact is scored in its own write's transaction; what follows reacts to other records' events.
    expect(lead.leadScore).toBe(15);
    const score = async () => (await ws.get(`/api/v1/contacts/${lead.id}`)).json().leadScore as number;

    const call = await ws.post(`/api/v1/contacts/${lead.id}/activities`, { type: "call", direction: "outbound", durationSeconds: 60, outcome: "connected" });
    expect(call.statusCode, call.body).toBe(201);
    await until(async () => (await score()) === 25);

    const completedCompanyJobs = async () =>
      ((await ws.get("/api/v1/jobs")).json().queues as { name: string; completed: number }[]).find((q) => q.name === "scoring.rescore_company")?.completed ?? 0;
    const before = await completedCompanyJobs();
    expect((await ws.patch(`/api/v1/companies/${company.id}`, { employees: 50 })).statusCode).toBe(200);
    await until(async () => (await score()) === 10);
    expect(await completedCompanyJobs()).toBeGreaterThan(before);

    // Deleting the call takes its points away again, through the activity.deleted event.
    expect((await ws.del(`/api/v1/activities/${call.json().id}`)).statusCode).toBe(204);
    await until(async () => (await score()) === 0);

    const consumers = (await ws.get("/api/v1/jobs")).json().consumers as { name: string; lastError: string | null }[];
    for (const name of ["scoring.engagement", "scoring.companies"]) expect(consumers.find((c) => c.name === name)).toMatchObject({ lastError: null });
  });

  it("fires a reminder at its time through a delayed job", async () => {
    const remindAt = new Date(clock.now() + 90_000).toISOString();
    const task = (await admin.post("/api/v1/tasks", { title: "Call Ada back", dueAt: remindAt, remindAt })).json();
    expect(task.remindAt).toBe(remindAt);
    const reminded = async () =>
      ((await admin.get("/api/v1/notifications?unread=true")).json().data as { recordId: string }[]).some((n) => n.recordId === task.id);
    await clock.tick(30_000);
    expect(await reminded()).toBe(false);
    await until(reminded, 5000, 30);
  });
});
