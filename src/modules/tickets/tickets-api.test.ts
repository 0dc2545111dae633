import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";

type TicketJson = { id: string; number: number; assigneeId: string | null; queueId: string | null; priority: string; status: string };

// The smallest valid PNG: a 1×1 transparent pixel.
const PNG = Buffer.from("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==", "base64");

describe.each(databaseKinds)("tickets API on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let adminId: string;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    adminId = admin.session.me?.user.id as string;
  });
  afterAll(() => t?.close());

  const ticket = async (c: Client, body: Record<string, unknown>): Promise<TicketJson> => {
    const res = await c.post("/api/v1/tickets", body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as TicketJson;
  };

  it("round-robin skips members who are away and takes turns among the rest", async () => {
    const ws = await newWorkspace(t.app);
    const agents = [await userWithRole(t.app, ws, "support"), await userWithRole(t.app, ws, "support"), await userWithRole(t.app, ws, "support")];
    const queue = (
      await ws.post("/api/v1/ticket-queues", { name: "Front line", routing: "round_robin", isDefault: true, memberIds: agents.map((a) => a.userId) })
    ).json();
    expect(queue.members.map((m: { userId: string }) => m.userId)).toEqual(agents.map((a) => a.userId));
    // The third agent marks themselves away; another agent may not do it for them.
    const third = agents[2] as Client & { userId: string };
    expectProblem(
      await (agents[0] as Client).call("PUT", `/api/v1/ticket-queues/${queue.id}/members/${third.userId}/availability`, { available: false }),
      403,
      "forbidden",
    );
    expect((await third.call("PUT", `/api/v1/ticket-queues/${queue.id}/members/${third.userId}/availability`, { available: false })).statusCode).toBe(200);
    const got: (string | null)[] = [];
    for (let i = 0; i < 4; i++) got.push((await ticket(ws, { subject: `RR ${i}` })).assigneeId);
    const [a, b] = agents.map((x) => x.userId);
    expect(got).toEqual([a, b, a, b]);
    const listed = await ws.get(`/api/v1/tickets?queue=${queue.id}&assignee=${a}`);
    expect(listed.json().data).toHaveLength(2);
  });

  it("least-open gives the next ticket to the available member with the fewest unsolved tickets; manual assigns no one", async () => {
    const ws = await newWorkspace(t.app);
    const [busy, idle] = [await userWithRole(t.app, ws, "support"), await userWithRole(t.app, ws, "support")];
    const queue = (await ws.post("/api/v1/ticket-queues", { name: "Billing", routing: "least_open", memberIds: [busy.userId, idle.userId] })).json();
    for (let i = 0; i < 2; i++) await ticket(ws, { subject: `busy ${i}`, assigneeId: busy.userId });
    const solved = await ticket(ws, { subject: "idle solved", assigneeId: idle.userId });
    await ws.patch(`/api/v1/tickets/${solved.id}`, { status: "solved" });
    expect((await ticket(ws, { subject: "next", queueId: queue.id })).assigneeId).toBe(idle.userId);
    expect((await ticket(ws, { subject: "after", queueId: queue.id })).assigneeId).toBe(idle.userId);
    // Now 2 each: turns resume after the last one given.
    expect((await ticket(ws, { subject: "tie", queueId: queue.id })).assigneeId).toBe(busy.userId);
    const manual = (await ws.post("/api/v1/ticket-queues", { name: "Pick yourself", routing: "manual", memberIds: [busy.userId] })).json();
    expect((await ticket(ws, { subject: "manual", queueId: manual.id })).assigneeId).toBeNull();
  });

  it("routing rules by channel, sender domain, subject words and the company's tier, first match wins", async () => {
    const ws = await newWorkspace(t.app);
    const q = async (name: string) => (await ws.post("/api/v1/ticket-queues", { name })).json().id as string;
    const [vip, phone, acme, refunds, fallback] = [await q("VIP"), await q("Phone"), await q("Acme"), await q("Refunds"), await q("Everything else")];
    await ws.patch(`/api/v1/ticket-queues/${fallback}`, { isDefault: true });
    expect(
      (await ws.post("/api/v1/custom-fields", { object: "company", label: "Tier", key: "tier", type: "select", options: ["Gold", "Silver"] })).statusCode,
    ).toBe(201);
    const gold = (await ws.post("/api/v1/companies", { name: "Gold Corp", custom: { tier: "Gold" } })).json();
    const goldContact = (await ws.post("/api/v1/contacts", { firstName: "Goldie", emails: [{ email: "goldie@goldcorp.example" }], companyId: gold.id })).json();
    const rule = async (name: string, condition: unknown, queueId: string, priority?: string) => {
      const res = await ws.post("/api/v1/ticket-routing-rules", { name, condition, queueId, ...(priority ? { priority } : {}) });
      expect(res.statusCode, res.body).toBe(201);
    };
    await rule("Gold customers", { all: [{ field: "company.custom.tier", op: "eq", value: "Gold" }] }, vip, "urgent");
    await rule("Phone calls", { all: [{ field: "channel", op: "eq", value: "phone" }] }, phone);
    await rule("Acme staff", { all: [{ field: "senderDomain", op: "eq", value: "acme.example" }] }, acme);
    await rule("Refunds", { all: [{ field: "subject", op: "contains", value: "refund" }] }, refunds);
    expectProblem(
      await ws.post("/api/v1/ticket-routing-rules", { name: "Bad", condition: { all: [{ field: "nope", op: "eq", value: 1 }] }, queueId: vip }),
      400,
    );

    const gt = await ticket(ws, { subject: "Refund please", contactId: goldContact.id, channel: "phone" });
    expect([gt.queueId, gt.priority]).toEqual([vip, "urgent"]);
    expect((await ticket(ws, { subject: "Refund please", channel: "phone" })).queueId).toBe(phone);
    expect((await ticket(ws, { subject: "Hello", requester: { email: "joe@ACME.example" } })).queueId).toBe(acme);
    expect((await ticket(ws, { subject: "I want a REFUND", requester: { email: "sue@other.example" } })).queueId).toBe(refunds);
    expect((await ticket(ws, { subject: "Anything" })).queueId).toBe(fallback);
  });

  it("roles: support works tickets, sales and read-only only read, marketing sees none", async () => {
    const made = await ticket(admin, { subject: "Role check", requester: { email: "role-check@example.com", name: "Rolf" } });
    const support = await userWithRole(t.app, admin, "support");
    const sales = await userWithRole(t.app, admin, "sales");
    const marketing = await userWithRole(t.app, admin, "marketing");
    const readOnly = await userWithRole(t.app, admin, "read_only");
    expect((await support.patch(`/api/v1/tickets/${made.id}`, { status: "open", assigneeId: support.userId })).statusCode).toBe(200);
    expect((await support.post(`/api/v1/tickets/${made.id}/messages`, { kind: "note", bodyText: "On it" })).statusCode).toBe(201);
    expect((await support.post("/api/v1/tickets", { subject: "By support" })).statusCode).toBe(201);
    expectProblem(await support.del(`/api/v1/tickets/${made.id}`), 403, "forbidden");
    for (const reader of [sales, readOnly]) {
      expect((await reader.get(`/api/v1/tickets/${made.id}`)).statusCode).toBe(200);
      expect((await reader.get(`/api/v1/tickets/${made.id}/messages`)).statusCode).toBe(200);
      expectProblem(await reader.patch(`/api/v1/tickets/${made.id}`, { status: "solved" }), 403, "forbidden");
      expectProblem(await reader.post(`/api/v1/tickets/${made.id}/messages`, { kind: "note", bodyText: "x" }), 403, "forbidden");
      expectProblem(await reader.post("/api/v1/tickets", { subject: "Nope" }), 403, "forbidden");
      expectProblem(await reader.post("/api/v1/tickets/bulk", { ids: [made.id], status: "closed" }), 403, "forbidden");
    }
    expect((await marketing.get("/api/v1/tickets")).json().data).toEqual([]);
    expectProblem(await marketing.get(`/api/v1/tickets/${made.id}`), 404, "not_found");
    expectProblem(await support.post("/api/v1/ticket-queues", { name: "Mine" }), 403, "forbidden");
    expectProblem(await support.post("/api/v1/ticket-statuses", { key: "waiting", label: "Waiting", category: "pending" }), 403, "forbidden");
  });

  it("support works the tickets of its queues (and tickets in no queue), not other queues'", async () => {
    const ws = await newWorkspace(t.app);
    const agent = await userWithRole(t.app, ws, "support");
    const other = await userWithRole(t.app, ws, "support");
    const mine = (await ws.post("/api/v1/ticket-queues", { name: "Billing", routing: "manual", memberIds: [agent.userId] })).json();
    const theirs = (await ws.post("/api/v1/ticket-queues", { name: "Hardware", routing: "manual", memberIds: [other.userId] })).json();
    const inMine = await ticket(ws, { subject: "Invoice wrong", queueId: mine.id });
    const inTheirs = await ticket(ws, { subject: "Broken screen", queueId: theirs.id });
    const unqueued = await ticket(ws, { subject: "General question", queueId: null });
    const listed = (await agent.get("/api/v1/tickets?limit=50")).json().data.map((x: TicketJson) => x.id);
    expect(listed.sort()).toEqual([inMine.id, unqueued.id].sort());
    expectProblem(await agent.get(`/api/v1/tickets/${inTheirs.id}`), 404, "not_found");
    expectProblem(await agent.patch(`/api/v1/tickets/${inTheirs.id}`, { status: "solved" }), 404, "not_found");
    expect((await agent.patch(`/api/v1/tickets/${inMine.id}`, { status: "open" })).statusCode).toBe(200);
    // Bulk changes skip what the agent may not reach.
    expect((await agent.post("/api/v1/tickets/bulk", { ids: [inMine.id, inTheirs.id], priority: "high" })).json().affected).toBe(1);
    // Handed to the agent, a ticket of another queue is theirs to work.
    await ws.patch(`/api/v1/tickets/${inTheirs.id}`, { assigneeId: agent.userId });
    expect((await agent.get(`/api/v1/tickets/${inTheirs.id}`)).statusCode).toBe(200);
    // Admins reach every queue.
    expect((await ws.get("/api/v1/tickets?limit=50")).json().data).toHaveLength(3);
  });

  it("bulk changes status, assignee and tags with history; statuses can be added and renamed", async () => {
    const added = await admin.post("/api/v1/ticket-statuses", { key: "waiting_on_dev", label: "Waiting on dev", category: "pending" });
    expect(added.statusCode, added.body).toBe(201);
    expect(added.json().slaRunning).toBe(false);
    expect((await admin.patch("/api/v1/ticket-statuses/open", { label: "In progress" })).json().label).toBe("In progress");
    expectProblem(await admin.del("/api/v1/ticket-statuses/open"), 409, "conflict");
    const ids = [(await ticket(admin, { subject: "Bulk 1", tags: ["a"] })).id, (await ticket(admin, { subject: "Bulk 2" })).id];
    const res = await admin.post("/api/v1/tickets/bulk", { ids, status: "waiting_on_dev", assigneeId: adminId, addTags: ["bug"], removeTags: ["a"] });
    expect(res.json()).toEqual({ affected: 2 });
    for (const id of ids) {
      const got = (await admin.get(`/api/v1/tickets/${id}`)).json();
      expect([got.status, got.statusLabel, got.statusCategory, got.assigneeId, got.tags]).toEqual([
        "waiting_on_dev",
        "Waiting on dev",
        "pending",
        adminId,
        ["bug"],
      ]);
    }
    expectProblem(await admin.del("/api/v1/ticket-statuses/waiting_on_dev"), 409, "conflict");
    const listed = await admin.get("/api/v1/tickets?status=waiting_on_dev&tag=bug");
    expect(
      listed
        .json()
        .data.map((x: TicketJson) => x.id)
        .sort(),
    ).toEqual([...ids].sort());
  });

  it("replies by email through the outbox, stores attachments checked against their bytes, downloads them as files", async () => {
    const made = await ticket(admin, { subject: "Screenshot attached", requester: { email: "pic@example.com" }, channel: "email" });
    const reply = await admin.post(`/api/v1/tickets/${made.id}/messages`, {
      bodyText: "Here is the annotated screenshot.",
      attachments: [
        { filename: "shot.png", contentType: "image/png", contentBase64: PNG.toString("base64") },
        { filename: "page.html", contentType: "text/html", contentBase64: Buffer.from("<script>alert(1)</script>").toString("base64") },
      ],
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const message = reply.json();
    expect(message.attachments.map((a: { contentType: string; size: number }) => [a.contentType, a.size])).toEqual([
      ["image/png", PNG.length],
      ["application/octet-stream", 25],
    ]);
    const mail = (await admin.get("/api/v1/mail?limit=50")).json().data.find((m: { subject: string }) => m.subject.includes(`[#${made.number}]`));
    expect(mail?.to.map((a: { address: string }) => a.address)).toEqual(["pic@example.com"]);
    expect(mail?.kind).toBe("ticket_reply");
    const download = await admin.get(`/api/v1/tickets/${made.id}/attachments/${message.attachments[0].id}`);
    expect(download.statusCode).toBe(200);
    expect(download.headers["content-disposition"]).toMatch(/^attachment; filename="shot.png"/);
    expect(download.headers["x-content-type-options"]).toBe("nosniff");
    expect(Buffer.compare(download.rawPayload, PNG)).toBe(0);
    // A "PNG" that is text, and a file over 10 MB, are refused with a problem.
    const fake = { filename: "x.png", contentType: "image/png", contentBase64: Buffer.from("just text").toString("base64") };
    expectProblem(
      await admin.post(`/api/v1/tickets/${made.id}/messages`, { kind: "note", bodyText: "fake", attachments: [fake] }),
      415,
      "unsupported_media_type",
    );
    const huge = { filename: "big.bin", contentType: "application/octet-stream", contentBase64: Buffer.alloc(10 * 1024 * 1024 + 1).toString("base64") };
    const tooBig = await admin.post(`/api/v1/tickets/${made.id}/messages`, { kind: "note", bodyText: "big", attachments: [huge] });
    expect([400, 413]).toContain(tooBig.statusCode);
    expect(String(tooBig.headers["content-type"])).toMatch(/problem\+json/);
  });

  it("shows tickets on the contact's and company's timelines and in global search", async () => {
    const ws = await newWorkspace(t.app);
    const company = (await ws.post("/api/v1/companies", { name: "Zephyr Widgets" })).json();
    const contact = (
      await ws.post("/api/v1/contacts", { firstName: "Quentin", lastName: "Blake", emails: [{ email: "qb@zephyr.example" }], companyId: company.id })
    ).json();
    const made = await ticket(ws, { subject: "Gearbox rattles loudly", contactId: contact.id, message: { bodyText: "The flux capacitor hums." } });
    const onContact = (await ws.get(`/api/v1/contacts/${contact.id}/timeline`)).json().data;
    expect(onContact.find((e: { kind: string }) => e.kind === "ticket")).toMatchObject({ ticket: { id: made.id, number: made.number, statusLabel: "New" } });
    const onCompany = (await ws.get(`/api/v1/companies/${company.id}/timeline?types=ticket`)).json().data;
    expect(onCompany).toHaveLength(1);
    expect(onCompany[0]).toMatchObject({ kind: "ticket", about: "Quentin Blake" });
    expect((await ws.get(`/api/v1/contacts/${contact.id}/timeline?types=note`)).json().data).toEqual([]);
    const byNumber = (await ws.get(`/api/v1/search?q=${encodeURIComponent(`#${made.number}`)}`)).json().data;
    expect(byNumber).toContainEqual(expect.objectContaining({ object: "ticket", id: made.id, title: `#${made.number} Gearbox rattles loudly` }));
    const byWord = (await ws.get("/api/v1/search?q=capacitor")).json().data;
    expect(byWord.map((h: { id: string }) => h.id)).toEqual([made.id]);
    const marketing = await userWithRole(t.app, ws, "marketing");
    expect((await marketing.get("/api/v1/search?q=capacitor")).json().data).toEqual([]);
    expect((await marketing.get(`/api/v1/contacts/${contact.id}/timeline`)).json().data.some((e: { kind: string }) => e.kind === "ticket")).toBe(false);
  });

  it("answers bad input with problem+json", async () => {
    expectProblem(await admin.post("/api/v1/tickets", {}), 400, "validation_failed");
    expectProblem(await admin.post("/api/v1/tickets", { subject: "x", contactId: crypto.randomUUID() }), 422);
    expectProblem(await admin.post("/api/v1/tickets", { subject: "x", queueId: crypto.randomUUID() }), 422);
    expectProblem(await admin.post("/api/v1/tickets", { subject: "x", status: "nope" }), 400, "validation_failed");
    expectProblem(await admin.post("/api/v1/tickets", { subject: "x", requester: { email: "not-an-email" } }), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/tickets?cursor=garbage"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/tickets?assignee=someone"), 400, "validation_failed");
    expectProblem(await admin.get(`/api/v1/tickets/${crypto.randomUUID()}`), 404, "not_found");
    expectProblem(await admin.get("/api/v1/tickets/by-number/99999"), 404, "not_found");
    const made = await ticket(admin, { subject: "No email customer" });
    // No customer email: a public reply cannot go anywhere, a note can.
    expectProblem(await admin.post(`/api/v1/tickets/${made.id}/messages`, { bodyText: "Hello?" }), 409, "conflict");
    expect((await admin.post(`/api/v1/tickets/${made.id}/messages`, { kind: "note", bodyText: "Call them" })).statusCode).toBe(201);
    expect((await admin.get(`/api/v1/tickets/by-number/${made.number}`)).json().id).toBe(made.id);
  });
});
