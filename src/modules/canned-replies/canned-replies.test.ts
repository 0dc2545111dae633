import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../../core/context.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { createTicket, getTicket, listTicketMessages } from "../tickets/service.js";
import { changedTags } from "./service.js";

type Reply = { id: string; name: string; scope: string; mayEdit: boolean; ownerName: string | null };

describe.each(databaseKinds)("canned replies and macros on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let agent: Client & { userId: string };
  let other: Client & { userId: string };
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    agent = await userWithRole(t.app, admin, "sales");
    other = await userWithRole(t.app, admin, "sales");
  });
  afterAll(() => t.close());

  it("keeps personal replies to their author and shared ones for everyone, shared only by admins", async () => {
    const mine = await agent.post("/api/v1/canned-replies", { name: "Thanks", body: "Thanks {{ contact.first_name }}!" });
    expect(mine.statusCode, mine.body).toBe(201);
    expect(mine.json()).toMatchObject({ scope: "personal", mayEdit: true, ownerName: "sales user" });
    expectProblem(await agent.post("/api/v1/canned-replies", { name: "Team", body: "Hi", scope: "shared" }), 403, "forbidden");
    const shared = await admin.post("/api/v1/canned-replies", { name: "Refund policy", body: "Refunds take 5 days.", scope: "shared" });
    expect(shared.statusCode, shared.body).toBe(201);

    const seenByOther = (await other.get("/api/v1/canned-replies")).json().data as Reply[];
    expect(seenByOther.map((r) => r.name)).toEqual(["Refund policy"]);
    expect(seenByOther[0]?.mayEdit).toBe(false);
    expectProblem(await other.get(`/api/v1/canned-replies/${mine.json().id}`), 404, "not_found");
    expectProblem(await other.patch(`/api/v1/canned-replies/${shared.json().id}`, { body: "changed" }), 403, "forbidden");
    const seenByAgent = (await agent.get("/api/v1/canned-replies")).json().data as Reply[];
    expect(seenByAgent.map((r) => r.name)).toEqual(["Refund policy", "Thanks"]);

    const edited = await agent.patch(`/api/v1/canned-replies/${mine.json().id}`, { name: "Thank you" });
    expect(edited.json().name).toBe("Thank you");
    expect((await agent.del(`/api/v1/canned-replies/${mine.json().id}`)).statusCode).toBe(204);
    expect(((await agent.get("/api/v1/canned-replies")).json().data as Reply[]).map((r) => r.name)).toEqual(["Refund policy"]);
  });

  it("reports a template's syntax error with its line and column, and renders merge fields in a preview", async () => {
    const bad = expectProblem(await agent.post("/api/v1/canned-replies", { name: "Broken", body: "Hello\n{{ contact.first_name " }), 400, "validation_failed");
    const errors = bad.errors as { path: string; message: string }[];
    expect(errors[0]?.path).toBe("body");
    expect(errors[0]?.message).toMatch(/line 2, column \d+/);
    const preview = await agent.post("/api/v1/canned-replies/preview", {
      body: "Hi {{ contact.first_name }}, ticket #{{ ticket.number }} for {{ company.name }}. {{ agent.first_name }} at {{ workspace.name }}",
    });
    expect(preview.statusCode, preview.body).toBe(200);
    const ws = admin.session.me?.workspace.name;
    expect(preview.json().text).toBe(`Hi Alex, ticket #1234 for Example Ltd. sales at ${ws}`);
    // A filter that fails on its value is the template's fault, not a server error.
    expectProblem(await agent.post("/api/v1/canned-replies/preview", { body: "{{ contact.name | nosuchfilter }}" }), 400, "validation_failed");
  });

  it("pages by name and finds words in name or body", async () => {
    const ws = await newWorkspace(t.app);
    for (const name of ["Delta", "Alpha", "Charlie", "Bravo", "Echo"]) await ws.post("/api/v1/canned-replies", { name, body: `About ${name.toLowerCase()}s` });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await ws.get(`/api/v1/canned-replies?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...(res.json().data as Reply[]).map((r) => r.name));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(["Alpha", "Bravo", "Charlie", "Delta", "Echo"]);
    expect(((await ws.get("/api/v1/canned-replies?q=charlies")).json().data as Reply[]).map((r) => r.name)).toEqual(["Charlie"]);
    expectProblem(await ws.get("/api/v1/canned-replies?cursor=nonsense"), 400, "validation_failed");
  });

  it("macros name a reply the same people see, and a read-only user makes none", async () => {
    const personalReply = (await agent.post("/api/v1/canned-replies", { name: "Mine", body: "x" })).json();
    const sharedReply = (
      await admin.post("/api/v1/canned-replies", { name: "Closing", body: "Closing this, {{ contact.first_name }}.", scope: "shared" })
    ).json();
    expectProblem(await admin.post("/api/v1/macros", { name: "Bad", cannedReplyId: personalReply.id, scope: "shared" }), 422, "invalid_reference");
    const made = await admin.post("/api/v1/macros", {
      name: "Solve and thank",
      cannedReplyId: sharedReply.id,
      changes: { status: "solved", priority: "low", assigneeId: "me", addTags: ["done"], removeTags: ["waiting"] },
      scope: "shared",
    });
    expect(made.statusCode, made.body).toBe(201);
    expect(made.json()).toMatchObject({ cannedReplyName: "Closing", replyKind: "reply", changes: { status: "solved", assigneeId: "me" } });
    expect(((await other.get("/api/v1/macros")).json().data as { name: string }[]).map((m) => m.name)).toEqual(["Solve and thank"]);
    const personal = await agent.post("/api/v1/macros", { name: "Note it", cannedReplyId: personalReply.id, replyKind: "note", changes: {} });
    expect(personal.statusCode, personal.body).toBe(201);
    expect(((await other.get("/api/v1/macros")).json().data as { name: string }[]).map((m) => m.name)).toEqual(["Solve and thank"]);
    // Deleting the reply keeps the macro's field changes.
    expect((await admin.del(`/api/v1/canned-replies/${sharedReply.id}`)).statusCode).toBe(204);
    expect((await admin.get(`/api/v1/macros/${made.json().id}`)).json()).toMatchObject({ cannedReplyId: null, changes: { status: "solved" } });
    // Changes must name this workspace's statuses, people and queues.
    const elsewhere = await newWorkspace(t.app);
    expectProblem(await admin.post("/api/v1/macros", { name: "Bad", changes: { status: "nosuch" } }), 400, "validation_failed");
    expectProblem(await admin.post("/api/v1/macros", { name: "Bad", changes: { assigneeId: elsewhere.session.me?.user.id } }), 400, "validation_failed");
    const readOnly = await userWithRole(t.app, admin, "read_only");
    expectProblem(await readOnly.post("/api/v1/macros", { name: "nope" }), 403, "forbidden");
    expectProblem(await readOnly.post("/api/v1/canned-replies", { name: "nope", body: "x" }), 403, "forbidden");
  });

  it("renders a reply for a ticket and applies a macro to one ticket and in bulk, refusing per ticket", async () => {
    const ws = await newWorkspace(t.app);
    const me = ws.session.me as NonNullable<typeof ws.session.me>;
    const ctx: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    const company = (await ws.post("/api/v1/companies", { name: "Nordwind GmbH" })).json();
    const contact = (
      await ws.post("/api/v1/contacts", { firstName: "Zofia", lastName: "Kowalczyk", companyId: company.id, emails: [{ email: "zofia@nordwind.example" }] })
    ).json();
    const one = await createTicket(ctx, { subject: "Invoice missing", contactId: contact.id, tags: ["waiting"] });
    const two = await createTicket(ctx, { subject: "Login broken", requester: { email: "sam@other.example" } });
    const reply = (
      await ws.post("/api/v1/canned-replies", {
        name: "Greeting",
        body: "Hi {{ contact.first_name }} {{ contact.last_name }} of {{ company.name }}, about #{{ ticket.number }} ({{ ticket.subject }}): {{ agent.name }}, {{ workspace.name }}",
        scope: "shared",
      })
    ).json();
    const rendered = await ws.post(`/api/v1/canned-replies/${reply.id}/render`, { ticketId: one.id });
    expect(rendered.statusCode, rendered.body).toBe(200);
    expect(rendered.json().text).toBe(`Hi Zofia Kowalczyk of Nordwind GmbH, about #${one.number} (Invoice missing): Ada Admin, ${me.workspace.name}`);
    // Another workspace's ticket is nobody's business here.
    expectProblem(await admin.post(`/api/v1/canned-replies/preview`, { body: "x", ticketId: one.id }), 404, "not_found");

    const macro = (
      await ws.post("/api/v1/macros", {
        name: "Note and pend",
        cannedReplyId: reply.id,
        replyKind: "note",
        changes: { status: "pending_customer", priority: "high", assigneeId: "me", addTags: ["billing"], removeTags: ["waiting"] },
        scope: "shared",
      })
    ).json();
    // For the composer: rendered, nothing changed.
    const dry = await ws.post(`/api/v1/macros/${macro.id}/apply`, { ticketIds: [one.id], sendReply: false });
    expect(dry.statusCode, dry.body).toBe(200);
    expect(dry.json().data[0]).toMatchObject({ ok: true, messageId: null });
    expect(dry.json().data[0].reply).toContain("Hi Zofia");
    const applied = await ws.post(`/api/v1/macros/${macro.id}/apply`, { ticketIds: [one.id, two.id] });
    expect(applied.json().data.map((r: { ok: boolean }) => r.ok)).toEqual([true, true]);
    const after = await getTicket(ctx, one.id);
    expect(after).toMatchObject({ status: "pending_customer", priority: "high", assigneeId: me.user.id, tags: ["billing"] });
    const notes = (await listTicketMessages(ctx, one.id)).filter((m) => m.kind === "note");
    expect(notes.map((n) => n.bodyText)).toEqual([rendered.json().text]);
    expect((await listTicketMessages(ctx, two.id)).some((m) => m.kind === "note" && m.bodyText.startsWith("Hi  "))).toBe(true);

    // A sales user reads tickets but may not change them: each ticket is refused on its own, nothing changes.
    const sales = await userWithRole(t.app, ws, "sales");
    const refused = await sales.post(`/api/v1/macros/${macro.id}/apply`, { ticketIds: [two.id] });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json().data[0]).toMatchObject({ ok: false, messageId: null });
    expect(refused.json().data[0].error).toMatch(/cannot/i);
    expect((await getTicket(ctx, two.id)).assigneeId).toBe(me.user.id);
  });

  it("changes tags without repeats, case-blind", () => {
    expect(changedTags(["VIP", "waiting"], ["vip", "done", "Done"], ["WAITING"])).toEqual(["VIP", "done"]);
  });
});
