import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { systemActor } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { createTask, listTasks } from "./service.js";

const inHours = (h: number) => new Date(Date.now() + h * 3_600_000).toISOString();
type TaskJson = { id: string; title: string; dueAt: string | null; remindAt: string | null; status: string; assigneeId: string; related: unknown };

describe.each(databaseKinds)("tasks on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let contactId: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const made = await admin.post("/api/v1/contacts", { firstName: "Tess", lastName: "Task" });
    if (made.statusCode !== 201) throw new Error(made.body);
    contactId = made.json().id;
  });
  afterAll(() => t.close());

  it("creates a task for the caller with the reminder at the due time, linked to a record", async () => {
    const due = inHours(2);
    const res = await admin.post("/api/v1/tasks", { title: "Call Tess back", dueAt: due, priority: "high", related: { object: "contact", id: contactId } });
    expect(res.statusCode, res.body).toBe(201);
    const task = res.json();
    expect(task).toMatchObject({ title: "Call Tess back", priority: "high", status: "open", assigneeId: admin.session.me?.user.id, remindAt: due, dueAt: due });
    expect(task.related).toEqual({ object: "contact", id: contactId, name: "Tess Task" });
    const panel = await admin.get(`/api/v1/tasks?assignee=all&status=open&relatedObject=contact&relatedId=${contactId}`);
    expect(panel.json().data.map((x: TaskJson) => x.id)).toContain(task.id);
    // History records who created it.
    const history = await t.database.db.query.recordHistory.findMany({ where: (h, { eq }) => eq(h.recordId, task.id) });
    expect(history.map((h) => h.action)).toEqual(["create"]);
  });

  it("lists by due time with keyset pages, no due time last", async () => {
    const ws = await newWorkspace(t.app);
    const made: string[] = [];
    for (const h of [5, -3, 1, 30]) made.push((await ws.post("/api/v1/tasks", { title: `in ${h}h`, dueAt: inHours(h) })).json().id);
    await ws.post("/api/v1/tasks", { title: "someday" });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await ws.get(`/api/v1/tasks?status=open&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().data.map((x: TaskJson) => x.title));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(["in -3h", "in 1h", "in 5h", "in 30h", "someday"]);
    const window = await ws.get(`/api/v1/tasks?dueFrom=${encodeURIComponent(inHours(0))}&dueTo=${encodeURIComponent(inHours(10))}`);
    expect(window.json().data.map((x: TaskJson) => x.title)).toEqual(["in 1h", "in 5h"]);
  });

  it("completes, snoozes and reassigns, notifying the new assignee", async () => {
    const sales = await userWithRole(t.app, admin, "sales");
    const task = (await admin.post("/api/v1/tasks", { title: "Send proposal", dueAt: inHours(-1) })).json();
    const snoozed = await admin.post(`/api/v1/tasks/${task.id}/snooze`, { minutes: 60 });
    expect(snoozed.statusCode, snoozed.body).toBe(200);
    // Overdue tasks snooze from now, and the reminder follows.
    expect(Date.parse(snoozed.json().dueAt)).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(snoozed.json().remindAt).toBe(snoozed.json().dueAt);
    const moved = await admin.patch(`/api/v1/tasks/${task.id}`, { assigneeId: sales.userId });
    expect(moved.json().assigneeId).toBe(sales.userId);
    const bell = (await sales.get("/api/v1/notifications")).json();
    expect(bell.unreadCount).toBe(1);
    expect(bell.data[0]).toMatchObject({ kind: "task_assigned", object: "task", recordId: task.id });
    const done = await sales.post(`/api/v1/tasks/${task.id}/complete`, {});
    expect(done.json()).toMatchObject({ status: "done" });
    expect(done.json().completedAt).toBeTruthy();
    expectProblem(await sales.post(`/api/v1/tasks/${task.id}/snooze`, { minutes: 5 }), 409, "conflict");
    const history = await t.database.db.query.recordHistory.findMany({ where: (h, { eq }) => eq(h.recordId, task.id) });
    const fields = history.flatMap((h) => h.changes.map((c) => c.field));
    expect(fields).toEqual(expect.arrayContaining(["dueAt", "assigneeId", "status"]));
  });

  it("checks roles: read-only cannot write, team and others' lists are for managers", async () => {
    const readOnly = await userWithRole(t.app, admin, "read_only");
    expectProblem(await readOnly.post("/api/v1/tasks", { title: "nope" }), 403, "forbidden");
    const sales = await userWithRole(t.app, admin, "sales");
    const manager = await userWithRole(t.app, admin, "manager");
    expectProblem(await sales.get("/api/v1/tasks?assignee=team"), 403, "forbidden");
    expectProblem(await sales.get(`/api/v1/tasks?assignee=${manager.userId}`), 403, "forbidden");
    const mine = (await admin.post("/api/v1/tasks", { title: "Sales chore", assigneeId: sales.userId })).json();
    // A teammate in another role may not edit someone else's task; the manager may.
    const other = await userWithRole(t.app, admin, "support");
    expectProblem(await other.patch(`/api/v1/tasks/${mine.id}`, { title: "hijack" }), 403, "forbidden");
    const team = (await admin.post("/api/v1/teams", { name: `Team ${Date.now()}`, memberIds: [sales.userId, manager.userId] })).json();
    expect(team.id).toBeTruthy();
    const teamList = await manager.get("/api/v1/tasks?assignee=team&status=open&limit=200");
    expect(teamList.statusCode, teamList.body).toBe(200);
    expect(teamList.json().data.map((x: TaskJson) => x.id)).toContain(mine.id);
    expect((await manager.patch(`/api/v1/tasks/${mine.id}`, { priority: "urgent" })).json().priority).toBe("urgent");
  });

  it("keeps workspaces apart", async () => {
    const other = await newWorkspace(t.app);
    const task = (await admin.post("/api/v1/tasks", { title: "Private" })).json();
    expectProblem(await other.get(`/api/v1/tasks/${task.id}`), 404, "not_found");
    expectProblem(await other.patch(`/api/v1/tasks/${task.id}`, { title: "x" }), 404, "not_found");
    expectProblem(await other.del(`/api/v1/tasks/${task.id}`), 404, "not_found");
    expect((await other.get("/api/v1/tasks?assignee=all")).json().data).toEqual([]);
    // Linking to another workspace's record or user is refused, not stored.
    const p1 = expectProblem(await other.post("/api/v1/tasks", { title: "x", related: { object: "contact", id: contactId } }), 400, "validation_failed");
    expect(JSON.stringify(p1.errors)).toContain("related.id");
    const p2 = expectProblem(await other.post("/api/v1/tasks", { title: "x", assigneeId: admin.session.me?.user.id }), 400, "validation_failed");
    expect(JSON.stringify(p2.errors)).toContain("assigneeId");
  });

  it("answers bad input with problem+json naming the field", async () => {
    const cases: [string, string, unknown, string][] = [
      ["POST", "/api/v1/tasks", { title: "" }, "title"],
      ["POST", "/api/v1/tasks", { title: "x", dueAt: "tomorrow" }, "dueAt"],
      ["POST", "/api/v1/tasks", { title: "x", priority: "asap" }, "priority"],
      ["POST", "/api/v1/tasks", { title: "x", related: { object: "ticket", id: contactId } }, "related.object"],
      ["POST", "/api/v1/tasks", { title: "x", extra: 1 }, ""],
      ["POST", "/api/v1/tasks", { title: "x", related: { object: "deal", id: "0190a000-0000-7000-8000-000000000000" } }, "related.id"],
      ["GET", "/api/v1/tasks?assignee=everyone", undefined, "assignee"],
      ["GET", "/api/v1/tasks?cursor=bogus", undefined, "cursor"],
      ["GET", "/api/v1/tasks?relatedId=0190a000-0000-7000-8000-000000000000", undefined, "relatedObject"],
      ["GET", `/api/v1/tasks?dueFrom=${encodeURIComponent(inHours(5))}&dueTo=${encodeURIComponent(inHours(1))}`, undefined, "dueTo"],
      ["PATCH", "/api/v1/tasks/not-a-uuid", { title: "x" }, "id"],
      ["POST", "/api/v1/tasks/0190a000-0000-7000-8000-000000000000/snooze", { minutes: 0 }, "minutes"],
    ];
    for (const [method, url, body, field] of cases) {
      const res = await admin.call(method as "GET", url, body);
      const problem = expectProblem(res, 400);
      if (field) expect(JSON.stringify(problem.errors ?? problem.detail), `${method} ${url}`).toContain(field);
    }
    expectProblem(await admin.patch("/api/v1/tasks/0190a000-0000-7000-8000-000000000000", { title: "x" }), 404, "not_found");
  });

  it("createTask joins a caller's transaction and rolls back with it", async () => {
    const me = admin.session.me;
    if (!me) throw new Error("no session");
    const ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user" as const, userId: me.user.id, role: "admin" as const } };
    await expect(
      t.database.db.transaction(async (tx) => {
        await createTask({ ...ctx, db: tx }, { title: "Rolled back", related: { object: "contact", id: contactId } });
        throw new Error("stage change failed");
      }),
    ).rejects.toThrow("stage change failed");
    const list = await listTasks(ctx, { assignee: "all", limit: 200, relatedObject: "contact", relatedId: contactId });
    expect(list.data.map((x) => x.title)).not.toContain("Rolled back");
    // A system actor must name the assignee.
    await expect(createTask({ ...ctx, actor: systemActor }, { title: "who?" })).rejects.toThrow(/assigneeId/);
  });
});
