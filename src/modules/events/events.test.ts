import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Event, type EventType, eventDataSchema } from "../../contract/events.js";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp, unique } from "../../test/harness.js";
import { type Consumer, consumerStatuses, dispatchEvents, listEvents, pruneEvents, replayConsumer, runConsumer, sequenceEvents } from "./service.js";

/** A consumer that keeps what it saw, optionally failing on a type, and writes one row per event through its tx. */
function recorder(name: string, opts: { failOn?: EventType; types?: EventType[] } = {}) {
  const seen: Event[] = [];
  const consumer: Consumer & { seen: Event[]; failOn?: EventType } = {
    name,
    types: opts.types,
    seen,
    failOn: opts.failOn,
    async handle(tx, events) {
      for (const e of events) {
        if (consumer.failOn && e.type === consumer.failOn) throw new Error(`refusing ${e.type}`);
        // The effect commits with the cursor or not at all: a kept event id twice would break the primary key.
        await tx.execute(sql`insert into consumer_effects (consumer, event_id) values (${name}, ${e.id})`);
      }
      seen.push(...events);
    },
  };
  return consumer;
}

describe.each(databaseKinds)("event stream on %s", (kind) => {
  // Consumers are server-wide and outlive a run on a reused PostgreSQL database: names of this run's own.
  const A = unique("a");
  const B = unique("b");
  const REPLAYER = unique("replayer");
  let t: TestApp;
  let admin: Client;
  const ws = () => admin.session.me?.workspace.id as string;
  const eventsOf = async (recordId: string) =>
    (await listEvents({ db: t.database.db, workspaceId: ws(), actor: { kind: "system", userId: null, role: "admin" } }, { after: 0, limit: 500 })).data.filter(
      (e) => e.recordId === recordId,
    );

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    await t.database.db.execute(sql`create table if not exists consumer_effects (consumer text, event_id uuid, primary key (consumer, event_id))`);
    // Consumers start at the present: register them before the events they should see.
    await dispatchEvents(t.database.db, [recorder(A), recorder(B)]);
  });
  afterAll(async () => {
    await t.close();
  });

  it("emits each change's events exactly once, numbered in order, with the record and old → new", async () => {
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Grace", lastName: "Hopper", emails: [{ email: "grace@example.com" }] })).json();
    expect((await admin.patch(`/api/v1/contacts/${contact.id}`, { jobTitle: "Rear Admiral" })).statusCode).toBe(200);
    expect((await admin.del(`/api/v1/contacts/${contact.id}`)).statusCode).toBe(204);
    expect((await admin.post(`/api/v1/contacts/${contact.id}/restore`)).statusCode).toBeLessThan(300);
    await sequenceEvents(t.database.db);
    const events = await eventsOf(contact.id);
    expect(events.map((e) => e.type)).toEqual(["contact.created", "contact.updated", "contact.deleted", "contact.restored"]);
    const positions = events.map((e) => e.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(new Set(positions).size).toBe(positions.length);
    const updated = events[1] as Event;
    expect(updated.data.changes).toEqual([{ field: "jobTitle", from: null, to: "Rear Admiral" }]);
    expect(updated.data.record).toMatchObject({ id: contact.id, jobTitle: "Rear Admiral" });
    expect(updated.actor).toEqual({ kind: "user", userId: admin.session.me?.user.id });
    for (const e of events) expect(eventDataSchema(e.type).safeParse(e.data).success).toBe(true);
  });

  it("emits for activities, users, teams, custom fields and settings, which wrote nothing before", async () => {
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Alan", lastName: "Turing" })).json();
    const activity = (await admin.post(`/api/v1/contacts/${contact.id}/activities`, { type: "note", body: "<p>Met at Bletchley</p>" })).json();
    expect(activity.id).toBeTruthy();
    expect((await admin.patch(`/api/v1/activities/${activity.id}`, { subject: "Bletchley" })).statusCode).toBe(200);
    expect((await admin.del(`/api/v1/activities/${activity.id}`)).statusCode).toBe(204);
    const user = (
      await admin.post("/api/v1/users", { name: "Katherine", email: `${unique("kj")}@example.com`, role: "sales", password: "correct horse battery" })
    ).json();
    expect((await admin.patch(`/api/v1/users/${user.id}`, { role: "manager" })).statusCode).toBe(200);
    const team = (await admin.post("/api/v1/teams", { name: "Codebreakers", memberIds: [user.id] })).json();
    expect((await admin.del(`/api/v1/teams/${team.id}`)).statusCode).toBe(204);
    const field = (await admin.post("/api/v1/custom-fields", { object: "contact", label: "Clearance", type: "text" })).json();
    expect((await admin.patch(`/api/v1/custom-fields/${field.id}`, { label: "Security clearance" })).statusCode).toBe(200);
    expect((await admin.patch("/api/v1/workspace", { defaultCurrency: "GBP" })).statusCode).toBe(200);
    await sequenceEvents(t.database.db);
    expect((await eventsOf(activity.id)).map((e) => e.type)).toEqual(["activity.logged", "activity.updated", "activity.deleted"]);
    const userEvents = await eventsOf(user.id);
    expect(userEvents.map((e) => e.type)).toEqual(["user.created", "user.updated"]);
    expect(userEvents[1]?.data.changes).toEqual([{ field: "role", from: "sales", to: "manager" }]);
    expect(JSON.stringify(userEvents)).not.toContain("passwordHash");
    expect((await eventsOf(team.id)).map((e) => e.type)).toEqual(["team.created", "team.deleted"]);
    const fieldEvents = await eventsOf(field.id);
    expect(fieldEvents.map((e) => e.type)).toEqual(["custom_field.created", "custom_field.updated"]);
    expect(fieldEvents[1]?.data.changes).toEqual([{ field: "label", from: "Clearance", to: "Security clearance" }]);
    const settings = await eventsOf(ws());
    expect(settings.map((e) => e.type)).toContain("workspace_settings.updated");
    for (const e of [...userEvents, ...fieldEvents]) expect(eventDataSchema(e.type).safeParse(e.data).success).toBe(true);
  });

  it("names the moments that matter: a deal's stage change and a task's completion", async () => {
    const deal = (await admin.post("/api/v1/deals", { name: "Enigma licence", amount: "1000" })).json();
    const pipeline = (await admin.get(`/api/v1/pipelines/${deal.pipelineId}`)).json();
    const next = pipeline.stages.find((s: { id: string }) => s.id !== deal.stageId);
    expect((await admin.patch(`/api/v1/deals/${deal.id}`, { stageId: next.id })).statusCode).toBe(200);
    expect((await admin.patch(`/api/v1/deals/${deal.id}`, { name: "Enigma licence (renewal)" })).statusCode).toBe(200);
    const task = (await admin.post("/api/v1/tasks", { title: "Send the contract" })).json();
    expect((await admin.patch(`/api/v1/tasks/${task.id}`, { status: "done" })).statusCode).toBe(200);
    await sequenceEvents(t.database.db);
    expect((await eventsOf(deal.id)).map((e) => e.type)).toEqual(["deal.created", "deal.updated", "deal.stage_changed", "deal.updated"]);
    expect((await eventsOf(task.id)).map((e) => e.type)).toEqual(["task.created", "task.updated", "task.completed"]);
  });

  it("lets two consumers read the same events independently; a failing one holds back only itself", async () => {
    const a = recorder(A);
    const b = recorder(B, { failOn: "company.created" });
    const company = (await admin.post("/api/v1/companies", { name: "Bletchley Park" })).json();
    await expect(dispatchEvents(t.database.db, [b, a])).rejects.toThrow("refusing company.created");
    expect(a.seen.map((e) => e.recordId)).toContain(company.id);
    expect(b.seen.map((e) => e.recordId)).not.toContain(company.id);
    const stuck = (await consumerStatuses(t.database.db)).find((s) => s.name === B);
    expect(stuck?.lastError).toBe("refusing company.created");
    expect(stuck?.lag).toBeGreaterThan(0);
    // Nothing of the failed batch was kept: the retry applies it once.
    b.failOn = undefined;
    await dispatchEvents(t.database.db, [b, a]);
    expect(b.seen.filter((e) => e.recordId === company.id)).toHaveLength(1);
    const effects = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from consumer_effects where consumer = ${B}`);
    expect(effects[0]?.n).toBe(b.seen.length);
    // Its lag is not checked: on a shared PostgreSQL other test files keep writing events meanwhile.
    expect((await consumerStatuses(t.database.db)).find((s) => s.name === B)).toMatchObject({ lastError: null });
  });

  it("replays from a position and prunes only what every consumer has read", async () => {
    const c = recorder(REPLAYER, { types: ["company.created"] });
    await runConsumer(t.database.db, c); // registers at the present
    const company = (await admin.post("/api/v1/companies", { name: "Colossus Ltd" })).json();
    await dispatchEvents(t.database.db, [c]);
    const created = c.seen.find((e) => e.recordId === company.id) as Event;
    expect(created.type).toBe("company.created");
    await t.database.db.execute(sql`delete from consumer_effects where consumer = ${REPLAYER}`);
    expect(await replayConsumer(t.database.db, REPLAYER, created.position - 1)).toBe(true);
    await dispatchEvents(t.database.db, [c]);
    expect(c.seen.filter((e) => e.recordId === company.id)).toHaveLength(2);
    // The clock moves, not the test: everything is "older" than a cut-off in the future.
    const future = new Date(Date.now() + 60_000);
    await admin.post("/api/v1/companies", { name: "Unread Ltd" });
    await sequenceEvents(t.database.db);
    await replayConsumer(t.database.db, REPLAYER, created.position - 1);
    // Consumers are server-wide: on a shared PostgreSQL other test files' consumers may lag behind this one, so the
    // floor is read rather than assumed. Only a replay lowers it, and only this test replays.
    const [floor] = await queryRows<{ min: number }>(t.database.db, sql`select min(position)::int as min from event_consumers`);
    expect(floor?.min).toBeLessThan(created.position);
    await pruneEvents(t.database.db, future);
    // What the replayer has still to read stays; everything every consumer has read, older than the cut-off, is gone.
    const kept = await queryRows(t.database.db, sql`select 1 from outbox_events where position = ${created.position}`);
    expect(kept).toHaveLength(1);
    const [stale] = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from outbox_events where position <= ${floor?.min ?? 0} and created_at < ${future.toISOString()}::timestamptz`,
    );
    expect(stale?.n).toBe(0);
  });
});
