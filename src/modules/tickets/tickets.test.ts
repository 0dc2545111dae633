import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../../core/context.js";
import { createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { outboxEvents, recordHistory } from "../history/table.js";
import type { MailQueue } from "../mail/service.js";
import { mailMessages } from "../mail/table.js";
import {
  addTicketMessage,
  createTicket,
  deleteTicket,
  findTicketByMessageIds,
  findTicketByNumber,
  getTicket,
  listTicketMessages,
  listTickets,
  ticketStatuses,
  updateTicket,
} from "./service.js";

// The outbox row is what is checked; delivery is the mail module's job (tested there).
const outbox: MailQueue = { from: "Acme Support <support@acme.example>", enqueue: async () => undefined };

describe.each(databaseKinds)("tickets core on %s", (kind) => {
  let t: TestApp;
  let ctx: Ctx;
  beforeAll(async () => {
    t = await createTestApp(kind);
    const admin = await newWorkspace(t.app);
    const me = admin.session.me as NonNullable<typeof admin.session.me>;
    ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
  });
  afterAll(() => t?.close());

  it("starts a workspace with the six built-in statuses", async () => {
    const statuses = await ticketStatuses(ctx);
    expect(statuses.map((s) => [s.key, s.category, s.slaRunning])).toEqual([
      ["new", "new", true],
      ["open", "open", true],
      ["pending_customer", "pending", false],
      ["pending_third_party", "pending", false],
      ["solved", "solved", false],
      ["closed", "closed", false],
    ]);
  });

  it("opens a ticket from a requester's email, creating the contact once, with history and events", async () => {
    const email = `ada-${Date.now()}@example.com`;
    const first = await createTicket(ctx, {
      subject: "Printer on fire",
      requester: { email, name: "Ada Lovelace" },
      channel: "email",
      priority: "high",
      message: { bodyText: "It is really on fire." },
    });
    expect(first).toMatchObject({
      subject: "Printer on fire",
      status: "new",
      statusCategory: "new",
      priority: "high",
      channel: "email",
      contactName: "Ada Lovelace",
    });
    expect(first.number).toBeGreaterThan(0);
    expect(first.lastCustomerMessageAt).not.toBeNull();
    const second = await createTicket(ctx, { subject: "Still on fire", requester: { email: email.toUpperCase() } });
    expect(second.contactId).toBe(first.contactId);
    expect(second.number).toBe(first.number + 1);
    const messages = await listTicketMessages(ctx, first.id);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ kind: "reply", direction: "in", bodyText: "It is really on fire.", authorContactId: first.contactId });
    const history = await ctx.db
      .select()
      .from(recordHistory)
      .where(and(eq(recordHistory.workspaceId, ctx.workspaceId), eq(recordHistory.recordId, first.id)));
    expect(history.map((h) => h.action)).toEqual(["create"]);
    const events = await ctx.db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.workspaceId, ctx.workspaceId), eq(outboxEvents.recordId, first.id)));
    expect(events.map((e) => e.type).sort()).toEqual(["ticket.created", "ticket.message_added"]);
    const added = events.find((e) => e.type === "ticket.message_added");
    // The event names the message, never its text.
    expect(JSON.stringify(added?.payload)).not.toContain("really on fire");
  });

  it("numbers tickets created at the same moment uniquely and without gaps", async () => {
    const made = await Promise.all(Array.from({ length: 12 }, (_, i) => createTicket(ctx, { subject: `Burst ${i}` })));
    const numbers = made.map((m) => m.number).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(12);
    expect((numbers[11] as number) - (numbers[0] as number)).toBe(11);
  });

  it("threads an agent's reply through the outbox and re-opens on the customer's answer", async () => {
    const email = `grace-${Date.now()}@example.com`;
    const ticket = await createTicket(
      ctx,
      { subject: "Cannot log in", requester: { email, name: "Grace Hopper" }, channel: "email" },
      {
        message: { bodyText: "Help", messageId: "<First.Message@Customer.example>", fromAddress: email },
      },
    );
    expect((await listTicketMessages(ctx, ticket.id))[0]?.messageId).toBe("first.message@customer.example");
    const note = await addTicketMessage(ctx, ticket.id, { kind: "note", direction: "out", bodyText: "Checking the SSO logs" });
    expect(note.authorUserId).toBe(ctx.actor.userId);
    await expect(addTicketMessage(ctx, ticket.id, { kind: "reply", direction: "out", bodyText: "No outbox" })).rejects.toThrow(/mail outbox/);
    const reply = await addTicketMessage(ctx, ticket.id, { kind: "reply", direction: "out", bodyText: "Try again now, please." }, { mail: outbox });
    expect(reply.messageId).toMatch(/@acme\.example$/);
    expect(reply.inReplyTo).toBe("first.message@customer.example");
    const [mail] = await ctx.db
      .select()
      .from(mailMessages)
      .where(and(eq(mailMessages.workspaceId, ctx.workspaceId), eq(mailMessages.relatedId, ticket.id)));
    expect(mail?.subject).toBe(`Re: Cannot log in [#${ticket.number}]`);
    expect(mail?.toAddresses.map((a) => a.address)).toEqual([email]);
    expect(mail?.headers).toMatchObject({ "In-Reply-To": "<first.message@customer.example>", References: "<first.message@customer.example>" });
    expect(mail?.messageId).toBe(`<${reply.messageId}>`);
    const answered = await getTicket(ctx, ticket.id);
    expect(answered.firstResponseAt).not.toBeNull();
    expect(answered.lastAgentMessageAt).not.toBeNull();

    await updateTicket(ctx, ticket.id, { status: "pending_customer" });
    expect((await findTicketByMessageIds(ctx, [`<${reply.messageId}>`, "unknown@x"]))?.id).toBe(ticket.id);
    expect((await findTicketByNumber(ctx, ticket.number))?.id).toBe(ticket.id);
    expect(await findTicketByNumber(ctx, 999_999)).toBeNull();
    await addTicketMessage(ctx, ticket.id, { kind: "reply", direction: "in", bodyText: "Works now", inReplyTo: reply.messageId, fromAddress: email });
    const reopened = await getTicket(ctx, ticket.id);
    expect(reopened.status).toBe("open");
    const history = await ctx.db
      .select()
      .from(recordHistory)
      .where(and(eq(recordHistory.workspaceId, ctx.workspaceId), eq(recordHistory.recordId, ticket.id)));
    const statusChanges = history.flatMap((h) => h.changes.filter((c) => c.field === "status").map((c) => [c.from, c.to]));
    expect(statusChanges).toEqual([
      [null, "new"],
      ["new", "pending_customer"],
      ["pending_customer", "open"],
    ]);
    const events = await ctx.db
      .select()
      .from(outboxEvents)
      .where(and(eq(outboxEvents.workspaceId, ctx.workspaceId), eq(outboxEvents.recordId, ticket.id)));
    expect(events.filter((e) => e.type === "ticket.status_changed")).toHaveLength(2);
  });

  it("solving sets solvedAt; an unknown status is a field error", async () => {
    const ticket = await createTicket(ctx, { subject: "Refund" });
    const solved = await updateTicket(ctx, ticket.id, { status: "solved", satisfaction: 5 });
    expect(solved.solvedAt).not.toBeNull();
    expect(solved.satisfaction).toBe(5);
    await expect(updateTicket(ctx, ticket.id, { status: "exploded" })).rejects.toThrow(/not a ticket status/);
  });

  it("lists with filters, words and keyset pages", async () => {
    const ws = await newWorkspace(t.app);
    const me = ws.session.me as NonNullable<typeof ws.session.me>;
    const c: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    const made = [];
    for (let i = 0; i < 5; i++)
      made.push(
        await createTicket(c, {
          subject: i === 2 ? "Invoice question about VAT" : `Ticket ${i}`,
          priority: i % 2 ? "urgent" : "low",
          channel: i < 3 ? "phone" : "chat",
        }),
      );
    await updateTicket(c, made[0]?.id as string, { assigneeId: me.user.id });
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await listTickets(c, { limit: 2, cursor });
      seen.push(...page.data.map((x) => x.number));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([5, 4, 3, 2, 1]);
    const ascending = await listTickets(c, { sort: "number", limit: 3 });
    expect(ascending.data.map((x) => x.number)).toEqual([1, 2, 3]);
    expect((await listTickets(c, { priority: "urgent" })).data.map((x) => x.number)).toEqual([4, 2]);
    expect((await listTickets(c, { channel: "chat" })).data.map((x) => x.number)).toEqual([5, 4]);
    expect((await listTickets(c, { assignee: "me" })).data.map((x) => x.number)).toEqual([1]);
    expect((await listTickets(c, { assignee: "none" })).data).toHaveLength(4);
    expect((await listTickets(c, { q: "vat" })).data.map((x) => x.number)).toEqual([3]);
    expect((await listTickets(c, { q: "#4" })).data.map((x) => x.number)).toEqual([4]);
    expect((await listTickets(c, { statusCategory: "new,open" })).data).toHaveLength(5);
    await deleteTicket(c, made[1]?.id as string);
    expect((await listTickets(c, {})).data).toHaveLength(4);
    expect((await listTickets(c, { trashed: "true" })).data.map((x) => x.number)).toEqual([2]);
    // Another workspace sees none of them.
    expect((await listTickets(ctx, { q: "vat" })).data).toHaveLength(0);
    expect(await findTicketByNumber({ ...ctx }, 1).then((x) => x?.subject)).not.toBe("Ticket 0");
  });
});
