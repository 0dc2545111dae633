import { sql } from "drizzle-orm";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { untilOnClock } from "../../test/clock-wait.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp } from "../../test/harness.js";
import { importTesting } from "../imports/testing.js";
import { dateOnlyDue, lastFireTime } from "./time-triggers.js";

const { uploadOk } = importTesting;

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** The calendar day of an instant in a time zone, as YYYY-MM-DD. */
const dayIn = (ms: number, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date(ms));
/** YYYY-MM-DD moved by whole days. */
const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY).toISOString().slice(0, 10);
/** A wall-clock time on a day in a zone with a fixed offset in these weeks (no daylight-saving change in December). */
const wall = (day: string, time: string, offsetHours: number) => Date.parse(`${day}T${time}:00Z`) - offsetHours * HOUR;

describe("lastFireTime", () => {
  it("reads cron in the given time zone and returns only the latest time in the window", () => {
    const from = Date.parse("2026-12-07T00:00:00Z");
    // 09:30 in Tokyo is 00:30 UTC.
    expect(lastFireTime("30 9 * * *", "Asia/Tokyo", new Date(from), new Date(from + DAY))?.toISOString()).toBe("2026-12-07T00:30:00.000Z");
    expect(lastFireTime("30 9 * * *", "Asia/Tokyo", new Date(from + HOUR), new Date(from + DAY))).toBeNull();
    expect(lastFireTime("30 9 * * *", "Asia/Tokyo", new Date(from), new Date(from + 3 * DAY))?.toISOString()).toBe("2026-12-09T00:30:00.000Z");
  });
});

describe("dateOnlyDue", () => {
  const at = (iso: string) => new Date(iso);
  it("lets a date-only trigger query only in the pass whose window holds its wall-clock time", () => {
    const nine = { timeOfDay: "09:00", offset: { amount: 2, unit: "days" }, direction: "before" };
    // 09:00 in Los Angeles in December is 17:00 UTC.
    expect(dateOnlyDue(nine, "America/Los_Angeles", at("2026-12-07T16:59:00Z"), at("2026-12-07T17:00:00Z"))).toBe(true);
    expect(dateOnlyDue(nine, "America/Los_Angeles", at("2026-12-07T17:00:00Z"), at("2026-12-07T17:01:00Z"))).toBe(false);
    expect(dateOnlyDue(nine, "UTC", at("2026-12-07T16:59:00Z"), at("2026-12-07T17:01:00Z"))).toBe(false);
    // A 90-minute offset moves the time of day; a window over midnight wraps.
    const late = { timeOfDay: "23:00", offset: { amount: 90, unit: "minutes" }, direction: "after" };
    expect(dateOnlyDue(late, "UTC", at("2026-12-07T00:29:00Z"), at("2026-12-07T00:31:00Z"))).toBe(true);
    expect(dateOnlyDue(late, "UTC", at("2026-12-06T23:59:00Z"), at("2026-12-07T00:29:00Z"))).toBe(false);
    expect(dateOnlyDue(late, "UTC", at("2026-12-06T23:59:00Z"), at("2026-12-07T00:30:00Z"))).toBe(true);
    // A long window (a worker that was down) is always due.
    expect(dateOnlyDue(nine, "UTC", at("2026-12-01T10:00:00Z"), at("2026-12-07T08:00:00Z"))).toBe(true);
  });
});

describe.each(databaseKinds)("workflow time triggers on %s", (kind) => {
  let t: TestApp;
  const clock = new TestClock(Date.now());

  // One second a step, as the time-trigger passes are minute-grained.
  const until = (cond: () => Promise<boolean> | boolean, steps = 400) => untilOnClock(clock, cond, 1000, steps);

  beforeAll(async () => {
    t = await createTestApp(kind, { privateDatabase: true, jobs: { worker: true, clock, pollingIntervalSeconds: 1 } });
    const probe = await newWorkspace(t.app);
    await until(async () => {
      const names = ((await probe.get("/api/v1/jobs")).json().consumers as { name: string }[]).map((c) => c.name);
      return names.includes("workflows") && names.includes("workflows.time");
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  /**
   * Moves the clock to `at` (never back) and waits for a time-trigger pass of every live version of the workspace after
   * it. The pass is queued at once, as the every-minute schedule would queue it: waiting for the schedule meant ticking
   * the clock up to a minute, second by second, for every pass (most of this file's time). `viaSchedule` waits for the
   * schedule instead, so one test still proves that it queues the passes.
   */
  async function passAt(c: Client, at: number, viaSchedule = false) {
    if (at > clock.now()) await clock.setTime(at);
    const target = new Date(clock.now()).toISOString();
    if (!viaSchedule) {
      const jobs = t.app.jobs as NonNullable<typeof t.app.jobs>;
      await jobs.send("workflows.time_triggers", {});
      await jobs.notify("workflows.time_triggers");
    }
    const workspaceId = c.session.me?.workspace.id as string;
    await until(async () => {
      const [row] = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from workflow_versions v join workflows w on w.workspace_id = v.workspace_id and w.id = v.workflow_id
            where v.workspace_id = ${workspaceId} and v.state = 'published' and w.status = 'active'
              and v.trigger_type in ('date_reached', 'inactivity', 'schedule')
              and (v.trigger_checked_at is null or v.trigger_checked_at < ${target}::timestamptz)`,
      );
      return row?.n === 0;
    });
  }

  async function publish(c: Client, name: string, definition: unknown): Promise<string> {
    const res = await c.post("/api/v1/workflows", { name, definition });
    expect(res.statusCode, res.body).toBe(201);
    const id = res.json().id as string;
    const p = await c.post(`/api/v1/workflows/${id}/publish`);
    expect(p.statusCode, p.body).toBe(200);
    return id;
  }
  const runsOf = async (c: Client, id: string) =>
    (await c.get(`/api/v1/workflows/${id}/runs?limit=200`)).json().data as { id: string; recordId: string; state: string; triggerType: string }[];
  const tag = { id: "tag", type: "tags", config: { add: ["fired"] }, next: { next: null } };
  const stop = { id: "end", type: "stop", config: {}, next: {} };

  it("stalled deal template: no stage change for 14 days notifies the owner and creates a task, once per stay in a stage", async () => {
    const c = await newWorkspace(t.app);
    const created = await c.post("/api/v1/workflows", { name: "Stalled", templateId: "stalled-deal-alert" });
    expect(created.statusCode, created.body).toBe(201);
    const wf = created.json().id as string;
    expect((await c.post(`/api/v1/workflows/${wf}/publish`)).statusCode).toBe(200);
    const deal = (await c.post("/api/v1/deals", { name: "Quiet deal" })).json();
    const won = (await c.post("/api/v1/deals", { name: "Closed deal" })).json();
    const entered = Date.parse(deal.stageEnteredAt);

    await passAt(c, entered + 14 * DAY - HOUR);
    expect(await runsOf(c, wf)).toEqual([]);
    // A closed deal no longer matches the template's filter (status open).
    const pipeline = (await c.get("/api/v1/pipelines")).json().data[0];
    const wonStage = pipeline.stages.find((s: { type: string }) => s.type === "won");
    expect((await c.post(`/api/v1/deals/${won.id}/stage`, { stageId: wonStage.id })).statusCode).toBe(200);
    await passAt(c, Date.parse(deal.stageEnteredAt) + 14 * DAY + MIN, true);
    const runs = await runsOf(c, wf);
    expect(runs.map((r) => r.recordId)).toEqual([deal.id]);
    await until(async () => (await runsOf(c, wf))[0]?.state === "done");
    const tasks = (await c.get("/api/v1/tasks?limit=50")).json().data as { title: string }[];
    expect(tasks.map((x) => x.title)).toContain("Move Quiet deal forward");
    // Still in the same stage a week later: the same stay, no second run.
    await passAt(c, clock.now() + 7 * DAY);
    expect(await runsOf(c, wf)).toHaveLength(1);
  });

  it("inactivity: fires once per quiet stretch, again after new activity (after leaving), never again with never", async () => {
    const c = await newWorkspace(t.app);
    const contact = (await c.post("/api/v1/contacts", { firstName: "Ina", lastName: "Active" })).json();
    const other = (await c.post("/api/v1/contacts", { firstName: "Busy", lastName: "Bee" })).json();
    const note = async (id: string, at: number) => {
      const res = await c.post(`/api/v1/contacts/${id}/activities`, { type: "note", body: "Talked", occurredAt: new Date(at).toISOString() });
      expect(res.statusCode, res.body).toBe(201);
    };
    const trigger = { type: "inactivity", object: "contact", days: 3, measure: "activity" };
    const leaving = await publish(c, "Quiet (after leaving)", { trigger: { ...trigger, reenroll: "after_leaving" }, start: "tag", steps: [tag] });
    const once = await publish(c, "Quiet (never)", { trigger: { ...trigger, reenroll: "never" }, start: "tag", steps: [tag] });
    const c0 = clock.now();
    await note(contact.id, c0);
    await note(other.id, c0);

    await passAt(c, c0 + 3 * DAY - MIN);
    expect(await runsOf(c, leaving)).toEqual([]);
    // The other contact has activity just before its three days are up: it stays active.
    await note(other.id, clock.now());
    await passAt(c, c0 + 3 * DAY + MIN);
    expect((await runsOf(c, leaving)).map((r) => r.recordId)).toEqual([contact.id]);
    expect((await runsOf(c, once)).map((r) => r.recordId)).toEqual([contact.id]);
    await passAt(c, c0 + 5 * DAY);
    expect(await runsOf(c, leaving)).toHaveLength(1);

    // New activity, then a new quiet stretch: after_leaving runs again, never does not.
    const c1 = clock.now();
    await note(contact.id, c1);
    await passAt(c, c1 + 3 * DAY + MIN);
    const again = await runsOf(c, leaving);
    expect(again.filter((r) => r.recordId === contact.id)).toHaveLength(2);
    expect((await runsOf(c, once)).filter((r) => r.recordId === contact.id)).toHaveLength(1);
  });

  it("date reached: before and after a date, a date-time and a custom date, in the workspace's time zone; a moved date fires again", async () => {
    const c = await newWorkspace(t.app);
    const zone = "America/Los_Angeles";
    expect((await c.patch("/api/v1/workspace", { timeZone: zone })).statusCode).toBe(200);
    const field = await c.post("/api/v1/custom-fields", { object: "deal", label: "Renewal date", key: "renewal_date", type: "date" });
    expect(field.statusCode, field.body).toBe(201);

    const today = dayIn(clock.now(), zone);
    const close = addDays(today, 5);
    const renewal = addDays(today, 8);
    const deal = (await c.post("/api/v1/deals", { name: "Dated", expectedCloseDate: close, custom: { renewal_date: renewal } })).json();
    expect(deal.custom?.renewal_date).toBe(renewal);
    const dueAt = clock.now() + 2 * DAY;
    const task = (await c.post("/api/v1/tasks", { title: "Due soon", dueAt: new Date(dueAt).toISOString(), assigneeId: c.session.me?.user.id })).json();

    const before = await publish(c, "Two days before close", {
      trigger: {
        type: "date_reached",
        object: "deal",
        field: "expectedCloseDate",
        offset: { amount: 2, unit: "days" },
        direction: "before",
        timeOfDay: "09:00",
      },
      start: "tag",
      steps: [tag],
    });
    const custom = await publish(c, "On the renewal date", {
      trigger: {
        type: "date_reached",
        object: "deal",
        field: "custom.renewal_date",
        offset: { amount: 0, unit: "days" },
        direction: "after",
        timeOfDay: "08:30",
      },
      start: "tag",
      steps: [tag],
    });
    const overdue = await publish(c, "Three hours overdue", {
      trigger: { type: "date_reached", object: "task", field: "dueAt", offset: { amount: 3, unit: "hours" }, direction: "after" },
      start: "end",
      steps: [stop],
    });

    // Task: 3 hours after its due time, whatever the zone.
    await passAt(c, dueAt + 3 * HOUR - MIN);
    expect(await runsOf(c, overdue)).toEqual([]);
    await passAt(c, dueAt + 3 * HOUR + MIN);
    expect((await runsOf(c, overdue)).map((r) => r.recordId)).toEqual([task.id]);

    // Deal: 09:00 in Los Angeles two days before the close date is 17:00 UTC; 09:00 UTC must not fire it.
    const fire = wall(addDays(close, -2), "09:00", -8);
    await passAt(c, fire - MIN);
    expect(await runsOf(c, before)).toEqual([]);
    await passAt(c, fire + MIN);
    expect((await runsOf(c, before)).map((r) => r.recordId)).toEqual([deal.id]);

    // Moving the date fires again for the new value, once.
    const moved = addDays(close, 4);
    expect((await c.patch(`/api/v1/deals/${deal.id}`, { expectedCloseDate: moved })).statusCode).toBe(200);
    await passAt(c, wall(addDays(moved, -2), "09:00", -8) + MIN);
    expect(await runsOf(c, before)).toHaveLength(2);
    await passAt(c, clock.now() + HOUR);
    expect(await runsOf(c, before)).toHaveLength(2);

    // The custom date: 08:30 local on the day.
    expect(await runsOf(c, custom)).toEqual([]);
    const renewalFire = wall(renewal, "08:30", -8);
    expect(renewalFire).toBeGreaterThan(clock.now());
    await passAt(c, renewalFire - MIN);
    expect(await runsOf(c, custom)).toEqual([]);
    await passAt(c, renewalFire + MIN);
    const runs = await runsOf(c, custom);
    expect(runs.map((r) => r.recordId)).toEqual([deal.id]);
    const detail = (await c.get(`/api/v1/workflows/runs/${runs[0]?.id}`)).json();
    expect(detail.trigger.data).toMatchObject({ field: "custom.renewal_date", value: renewal });
  });

  it("date reached: re-enrollment never keeps a record to one run; a paused workflow does not fire the dates it missed", async () => {
    const c = await newWorkspace(t.app);
    const close = addDays(dayIn(clock.now(), "UTC"), 2);
    const deal = (await c.post("/api/v1/deals", { name: "Moving target", expectedCloseDate: close })).json();
    const trigger = { type: "date_reached", object: "deal", field: "expectedCloseDate", direction: "after", timeOfDay: "09:00" };
    const never = await publish(c, "Once", { trigger: { ...trigger, reenroll: "never" }, start: "tag", steps: [tag] });
    const always = await publish(c, "Every date", { trigger: { ...trigger, reenroll: "always" }, start: "tag", steps: [tag] });
    await passAt(c, wall(close, "09:00", 0) + MIN);
    expect((await runsOf(c, never)).map((r) => r.recordId)).toEqual([deal.id]);
    expect((await runsOf(c, always)).map((r) => r.recordId)).toEqual([deal.id]);

    const second = addDays(close, 2);
    expect((await c.patch(`/api/v1/deals/${deal.id}`, { expectedCloseDate: second })).statusCode).toBe(200);
    expect((await c.post(`/api/v1/workflows/${always}/pause`)).statusCode).toBe(200);
    await passAt(c, wall(second, "09:00", 0) + MIN);
    expect((await c.post(`/api/v1/workflows/${always}/resume`)).statusCode).toBe(200);
    await passAt(c, clock.now() + HOUR);
    expect(await runsOf(c, always)).toHaveLength(1);
    expect(await runsOf(c, never)).toHaveLength(1);

    const third = addDays(close, 5);
    expect((await c.patch(`/api/v1/deals/${deal.id}`, { expectedCloseDate: third })).statusCode).toBe(200);
    await passAt(c, wall(third, "09:00", 0) + MIN);
    expect(await runsOf(c, always)).toHaveLength(2);
    expect(await runsOf(c, never)).toHaveLength(1);
  });

  it("renewal reminder and overdue task templates publish and fire", async () => {
    const c = await newWorkspace(t.app);
    const zone = "Asia/Tokyo";
    expect((await c.patch("/api/v1/workspace", { timeZone: zone })).statusCode).toBe(200);
    const renewal = (await c.post("/api/v1/workflows", { name: "Renewal", templateId: "renewal-reminder" })).json().id as string;
    const escalation = (await c.post("/api/v1/workflows", { name: "Escalation", templateId: "overdue-task-escalation" })).json().id as string;
    for (const id of [renewal, escalation]) expect((await c.post(`/api/v1/workflows/${id}/publish`)).statusCode).toBe(200);
    const close = addDays(dayIn(clock.now(), zone), 32);
    const deal = (await c.post("/api/v1/deals", { name: "Annual plan", expectedCloseDate: close })).json();
    const dueAt = clock.now() + HOUR;
    const task = (await c.post("/api/v1/tasks", { title: "Send contract", dueAt: new Date(dueAt).toISOString(), assigneeId: c.session.me?.user.id })).json();

    await passAt(c, dueAt + DAY + MIN);
    const escalated = await runsOf(c, escalation);
    expect(
      escalated.map((r) => r.recordId),
      JSON.stringify(escalated),
    ).toEqual([task.id]);
    await until(async () => (await runsOf(c, escalation))[0]?.state === "done");

    await passAt(c, wall(addDays(close, -30), "09:00", 9) + MIN);
    expect((await runsOf(c, renewal)).map((r) => r.recordId)).toEqual([deal.id]);
    await until(async () => (await runsOf(c, renewal))[0]?.state === "done");
    const tasks = (await c.get("/api/v1/tasks?limit=50")).json().data as { title: string }[];
    expect(tasks.map((x) => x.title)).toContain("Prepare the renewal of Annual plan");
  });

  it("schedule: one run per record of a saved view at each fire time, in the schedule's time zone", async () => {
    const c = await newWorkspace(t.app);
    expect((await c.patch("/api/v1/workspace", { timeZone: "Asia/Tokyo" })).statusCode).toBe(200);
    const view = await c.post("/api/v1/views", {
      object: "contact",
      name: "Customers",
      shared: true,
      state: { filters: [{ field: "lifecycleStage", op: "eq", value: "customer" }] },
    });
    expect(view.statusCode, view.body).toBe(201);
    const a = (await c.post("/api/v1/contacts", { firstName: "Ann", lastName: "Customer", lifecycleStage: "customer" })).json();
    const b = (await c.post("/api/v1/contacts", { firstName: "Ben", lastName: "Customer", lifecycleStage: "customer" })).json();
    await c.post("/api/v1/contacts", { firstName: "Lee", lastName: "Lead", lifecycleStage: "lead" });
    const wf = await publish(c, "Daily customers", {
      trigger: { type: "schedule", object: "contact", cron: "30 9 * * *", viewId: view.json().id },
      start: "tag",
      steps: [tag],
    });
    // 09:30 in Tokyo (the workspace's zone) is 00:30 UTC.
    const next = lastFireTime("30 9 * * *", "Asia/Tokyo", new Date(clock.now()), new Date(clock.now() + DAY)) as Date;
    expect(next.toISOString()).toMatch(/T00:30:00/);
    await passAt(c, next.getTime() - MIN);
    expect(await runsOf(c, wf)).toEqual([]);
    await passAt(c, next.getTime() + MIN);
    expect((await runsOf(c, wf)).map((r) => r.recordId).sort()).toEqual([a.id, b.id].sort());
    await passAt(c, next.getTime() + HOUR);
    expect(await runsOf(c, wf)).toHaveLength(2);
    await until(async () => (await runsOf(c, wf)).every((r) => r.state === "done"));
    expect((await c.get(`/api/v1/contacts/${a.id}`)).json().tags).toContain("fired");
    // The next day, the view's records again.
    await passAt(c, next.getTime() + DAY + MIN);
    expect(await runsOf(c, wf)).toHaveLength(4);
  });

  it("lead score crossed: up and down past the threshold, again only after leaving; the hot lead template", async () => {
    const c = await newWorkspace(t.app);
    const rule = await c.post("/api/v1/scoring-rules", {
      kind: "field",
      name: "Chiefs",
      conditions: [{ field: "jobTitle", op: "contains", value: "Chief" }],
      points: 80,
    });
    expect(rule.statusCode, rule.body).toBe(201);
    const up = await publish(c, "Hot", {
      trigger: { type: "lead_score_crossed", threshold: 70, direction: "up", reenroll: "after_leaving" },
      start: "tag",
      steps: [tag],
    });
    const down = await publish(c, "Cooled", { trigger: { type: "lead_score_crossed", threshold: 70, direction: "down" }, start: "tag", steps: [tag] });
    const hot = (await c.post("/api/v1/workflows", { name: "Hot lead", templateId: "hot-lead" })).json().id as string;
    expect((await c.post(`/api/v1/workflows/${hot}/publish`)).statusCode).toBe(200);
    const count = async (id: string, n: number) => {
      await until(async () => (await runsOf(c, id)).length >= n);
      return runsOf(c, id);
    };

    const cold = (await c.post("/api/v1/contacts", { firstName: "Ian", lastName: "Intern", jobTitle: "Intern" })).json();
    const lead = (await c.post("/api/v1/contacts", { firstName: "Cleo", lastName: "Chief", jobTitle: "Chief Officer" })).json();
    expect(lead.leadScore).toBe(80);
    expect((await count(up, 1)).map((r) => r.recordId)).toEqual([lead.id]);
    expect((await count(hot, 1)).map((r) => r.recordId)).toEqual([lead.id]);
    expect(await runsOf(c, down)).toEqual([]);

    // A change that keeps the score above is no crossing; falling below fires the down trigger, and the up one's
    // record has left its condition, so rising again fires it again.
    await c.patch(`/api/v1/contacts/${lead.id}`, { lastName: "Chiefly" });
    await c.patch(`/api/v1/contacts/${lead.id}`, { jobTitle: "Intern" });
    expect((await count(down, 1)).map((r) => r.recordId)).toEqual([lead.id]);
    expect(await runsOf(c, up)).toHaveLength(1);
    await c.patch(`/api/v1/contacts/${lead.id}`, { jobTitle: "Chief Executive" });
    const again = await count(up, 2);
    expect(again.map((r) => r.recordId)).toEqual([lead.id, lead.id]);
    expect(again.some((r) => r.recordId === cold.id)).toBe(false);
    expect(await runsOf(c, down)).toHaveLength(1);
  });

  it("enrollImports: records an import created enroll only when the trigger says so, and once someone changes them", async () => {
    const c = await newWorkspace(t.app);
    const trigger = { type: "schedule", object: "contact", cron: "0 6 * * *", timeZone: "UTC" };
    const skip = await publish(c, "Skips imports", { trigger, start: "tag", steps: [tag] });
    const take = await publish(c, "Takes imports", { trigger: { ...trigger, enrollImports: true }, start: "tag", steps: [tag] });
    const typed = (await c.post("/api/v1/contacts", { firstName: "Typed", lastName: "In" })).json();
    const up = await uploadOk(t, c, "contact", "people.csv", "First Name,Last Name,Email\nIma,Ported,ima@example.com\n");
    const run = await c.post(`/api/v1/imports/${up.import.id}/run`, { mapping: up.suggestion.mapping });
    expect(run.statusCode, run.body).toBe(202);
    await until(async () => (await c.get(`/api/v1/imports/${up.import.id}`)).json().status === "completed");
    const imported = ((await c.get("/api/v1/contacts?limit=50")).json().data as { id: string; firstName: string }[]).find((x) => x.firstName === "Ima");
    expect(imported).toBeDefined();
    // The import's events have reached the time triggers: the imported contact is held back from the first workflow.
    await until(async () => {
      const rows = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from workflow_enrollments where workflow_id = ${skip} and record_id = ${imported?.id as string} and held_by_import`,
      );
      return rows[0]?.n === 1;
    });
    const fire = lastFireTime("0 6 * * *", "UTC", new Date(clock.now()), new Date(clock.now() + DAY)) as Date;
    await passAt(c, fire.getTime() + MIN);
    expect((await runsOf(c, skip)).map((r) => r.recordId)).toEqual([typed.id]);
    expect((await runsOf(c, take)).map((r) => r.recordId).sort()).toEqual([typed.id, imported?.id].sort());
    // Changed by hand: no longer an import's record.
    expect((await c.patch(`/api/v1/contacts/${imported?.id}`, { jobTitle: "Buyer" })).statusCode).toBe(200);
    await until(async () => {
      const rows = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from workflow_enrollments where workflow_id = ${skip} and record_id = ${imported?.id as string} and not held_by_import`,
      );
      return rows[0]?.n === 1;
    });
    await passAt(c, fire.getTime() + DAY + MIN);
    expect((await runsOf(c, skip)).filter((r) => r.recordId === imported?.id)).toHaveLength(1);
  });

  it("refuses a time trigger on a field that is not a date, a bad cron or time zone, and a stage measure off deals", async () => {
    const c = await newWorkspace(t.app);
    const save = async (trigger: unknown) => {
      const wf = (await c.post("/api/v1/workflows", { name: "Bad" })).json();
      const res = await c.call("PUT", `/api/v1/workflows/${wf.id}/draft`, { definition: { trigger, start: "tag", steps: [tag] } });
      return (expectProblem(res, 400, "validation_failed").errors as { path: string; message: string }[]).map((e) => `${e.path}: ${e.message}`);
    };
    expect((await save({ type: "date_reached", object: "deal", field: "name" })).join()).toMatch(/trigger\.field: .*not a date/);
    expect((await save({ type: "schedule", object: "contact", cron: "61 9 * * *" })).join()).toMatch(/trigger\.cron/);
    expect((await save({ type: "schedule", object: "contact", cron: "0 9 * * *", timeZone: "Mars/Olympus" })).join()).toMatch(/trigger\.timeZone/);
    expect((await save({ type: "inactivity", object: "contact", days: 5, measure: "stage_change" })).join()).toMatch(/trigger\.measure: Only deals/);
  });
});
