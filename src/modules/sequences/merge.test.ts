import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Enrolment } from "../../contract/sequences.js";
import { createTestApp, databaseKinds, newWorkspace, type TestApp, unique } from "../../test/harness.js";

/** Merging two contacts that are each in a sequence keeps the one-sequence-at-a-time rule (a partial unique index). */
describe.each(databaseKinds)("sequences and contact merges on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(async () => t?.close());

  it("ends the loser's live sequence when the survivor is in one, and moves the rest", async () => {
    const admin = await newWorkspace(t.app);
    const contact = async (email: string) => (await admin.post("/api/v1/contacts", { firstName: "Mia", emails: [{ email }] })).json().id as string;
    const survivor = await contact("mia@one.example");
    const loser = await contact("mia@two.example");
    const seq = async () => {
      const res = await admin.post("/api/v1/sequences", { name: unique("Drip"), steps: [{ kind: "task", delayMinutes: 60, taskTitle: "Call" }] });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as string;
    };
    const a = await seq();
    const b = await seq();
    expect((await admin.post(`/api/v1/sequences/${a}/enrolments`, { contactIds: [survivor] })).json()).toMatchObject({ enrolled: 1 });
    expect((await admin.post(`/api/v1/sequences/${b}/enrolments`, { contactIds: [loser] })).json()).toMatchObject({ enrolled: 1 });
    const merged = await admin.post("/api/v1/duplicates/merge", { object: "contact", survivorId: survivor, loserId: loser });
    expect(merged.statusCode, merged.body).toBe(200);
    const mine = (await admin.get(`/api/v1/contacts/${survivor}/sequences`)).json().data as Enrolment[];
    expect(mine.map((e) => e.status).sort()).toEqual(["active", "exited"]);
    expect(mine.find((e) => e.status === "exited")).toMatchObject({ sequenceId: b, exitReason: "manual" });
  });
});
