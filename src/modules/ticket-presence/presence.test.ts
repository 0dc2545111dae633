import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { createTicket } from "../tickets/service.js";

type Mark = { name: string; state: string; self: boolean };

describe.each(databaseKinds)("ticket presence (collision warning) on %s", (kind) => {
  let t: TestApp;
  let clock: TestClock;
  let sam: Client;
  let kim: Client & { userId: string };
  beforeAll(async () => {
    clock = new TestClock(Date.parse("2026-03-02T09:00:00Z"));
    // The clock only times presence here: no worker runs, so pg-boss never attaches it to the job schema.
    t = await createTestApp(kind, { jobs: { worker: false, clock } });
    sam = await newWorkspace(t.app);
    kim = await userWithRole(t.app, sam, "support");
    const me = sam.session.me as NonNullable<typeof sam.session.me>;
    ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
  });
  let ctx: Ctx;
  // Kim (support) works unassigned tickets of the workspace's queues; the admin Sam sees all.
  const newTicket = async () => (await createTicket(ctx, { subject: "Printer on fire", requester: { email: `p${Date.now()}@example.com` } })).id;
  afterAll(() => t.close());

  it("shows who views and who replies, and forgets a mark not renewed within a minute", async () => {
    const ticketId = await newTicket();
    const first = await sam.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "viewing" });
    expect(first.statusCode, first.body).toBe(200);
    expect((first.json().data as Mark[]).map((m) => [m.name, m.state, m.self])).toEqual([["Ada Admin", "viewing", true]]);
    await clock.setTime(clock.now() + 10_000);
    const kimSees = await kim.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "replying" });
    expect((kimSees.json().data as Mark[]).map((m) => [m.name, m.state, m.self])).toEqual([
      ["Ada Admin", "viewing", false],
      ["support user", "replying", true],
    ]);
    // Sam's browser stops renewing: 61 s after Sam's last mark, Kim no longer sees Sam.
    await clock.setTime(clock.now() + 51_000);
    const later = (await kim.get(`/api/v1/tickets/${ticketId}/presence`)).json().data as Mark[];
    expect(later.map((m) => m.name)).toEqual(["support user"]);
    // Kim renews, then leaves: gone at once.
    await kim.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "viewing" });
    expect(((await sam.get(`/api/v1/tickets/${ticketId}/presence`)).json().data as Mark[]).map((m) => m.state)).toEqual(["viewing"]);
    await kim.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "left" });
    expect((await sam.get(`/api/v1/tickets/${ticketId}/presence`)).json().data).toEqual([]);
  });

  it("keeps marks within their workspace and refuses unknown states", async () => {
    const ticketId = await newTicket();
    await sam.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "viewing" });
    const stranger = await newWorkspace(t.app);
    expectProblem(await stranger.get(`/api/v1/tickets/${ticketId}/presence`), 404, "not_found");
    expectProblem(await stranger.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "viewing" }), 404, "not_found");
    expectProblem(await sam.call("PUT", `/api/v1/tickets/${ticketId}/presence`, { state: "typing" }), 400, "validation_failed");
  });
});
