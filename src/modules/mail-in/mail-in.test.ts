import { readFileSync } from "node:fs";
import { relative } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InboundMessage, Mailbox, MailboxList } from "../../contract/mail-in.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { scopedToWorkspace } from "../../db/workspace-scope.js";
import { datasetMessages } from "../../test/email-datasets.js";
import { createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../../test/harness.js";
import { sendSmtp, smtpCodeOf } from "../../test/smtp-client.js";
import { getTicket, listTicketMessages } from "../tickets/service.js";

type Admin = Awaited<ReturnType<typeof newWorkspace>>;

describe.each(databaseKinds)("inbound email into tickets on %s", (kind) => {
  let t: TestApp;
  let admin: Admin;
  let workspaceId: string;
  let port: number;
  let support: string;
  let sales: string;
  let ctx: Ctx;

  const inbound = async (where = sql`true`) =>
    queryRows<{
      id: string;
      status: string;
      reason: string | null;
      ticket_id: string | null;
      ticket_message_id: string | null;
      acknowledged: boolean;
      message_id: string | null;
    }>(
      t.database.db,
      sql`select id, status, reason, ticket_id, ticket_message_id, acknowledged, message_id from inbound_messages
           where workspace_id = ${workspaceId}::uuid and ${where} order by created_at, id`,
    );
  const byMessageId = async (mid: string) => (await inbound(sql`message_id = ${mid.toLowerCase()}`))[0];
  const acks = async (to: string) =>
    queryRows<{ subject: string; headers: Record<string, string>; from_address: string; related_id: string }>(
      t.database.db,
      sql`select subject, headers, from_address, related_id from mail_messages
           where workspace_id = ${workspaceId}::uuid and to_addresses @> ${JSON.stringify([{ address: to }])}::jsonb order by created_at`,
    );
  const send = (o: Parameters<typeof sendSmtp>[1]) => sendSmtp(port, o);
  const mid = () => `<${unique("m")}@customer.example>`;

  beforeAll(async () => {
    t = await createTestApp(kind, { mailIn: { port: 0, maxBytes: 2 * 1024 * 1024 }, mailFrom: "Rapport <rapport@acme.test>" });
    admin = await newWorkspace(t.app);
    workspaceId = admin.session.me?.workspace.id as string;
    ctx = { db: scopedToWorkspace(t.database.db, workspaceId), workspaceId, actor: systemActor };
    support = `${unique("support")}@acme.test`;
    sales = `${unique("sales")}@acme.test`;
    for (const address of [support, sales]) {
      const res = await admin.post("/api/v1/mailboxes", { address, name: address });
      expect(res.statusCode, res.body).toBe(201);
    }
    const list = (await admin.get("/api/v1/mailboxes")).json() as MailboxList;
    port = list.smtpReceiver?.port as number;
    expect(port).toBeGreaterThan(0);
  });
  afterAll(async () => t?.close());

  it("keeps mailboxes to admins and never returns the IMAP password", async () => {
    const created = await admin.post("/api/v1/mailboxes", {
      address: `${unique("imap")}@acme.test`,
      name: "Polled",
      imap: { host: "imap.example.com", port: 993, tls: true, user: "u", password: "s3cret-pw" },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.body).not.toContain("s3cret-pw");
    const box = created.json() as Mailbox;
    expect(box.imap).toMatchObject({ host: "imap.example.com", user: "u", passwordSet: true });
    // Changing the name keeps the password; moving to another server without one asks for it.
    expect((await admin.patch(`/api/v1/mailboxes/${box.id}`, { name: "Renamed" })).json()).toMatchObject({ name: "Renamed", imap: { passwordSet: true } });
    expectProblem(await admin.patch(`/api/v1/mailboxes/${box.id}`, { imap: { host: "other.example.com", user: "u" } }), 400);
    const stored = await queryRows<{ imap_password: string }>(t.database.db, sql`select imap_password from mailboxes where id = ${box.id}::uuid`);
    expect(stored[0]?.imap_password).toMatch(/^(plain|enc):/);
    expectProblem(await admin.post("/api/v1/mailboxes", { address: support.toUpperCase(), name: "again" }), 409, "conflict");
    const agent = await userWithRole(t.app, admin, "support");
    expectProblem(await agent.get("/api/v1/mailboxes"), 403);
    expect((await admin.del(`/api/v1/mailboxes/${box.id}`)).statusCode).toBe(204);
  });

  it("opens a ticket for a new customer's email and acknowledges it with the number, RFC 3834 style", async () => {
    const id = mid();
    const reply = await send({
      from: "Ann Customer <ann@customer.example>",
      to: support,
      subject: "Printer on fire",
      text: "Hello,\n\nThe printer is on fire.\n\n-- \nAnn",
      messageId: id,
      attachments: [{ filename: "photo.png", content: Buffer.from("89504e470d0a1a0a0000000d49484452", "hex"), contentType: "image/png" }],
    });
    expect(reply.response).toMatch(/^250/);
    const row = await byMessageId(id.slice(1, -1));
    expect(row).toMatchObject({ status: "ticket_created", acknowledged: true });
    const ticket = await getTicket(ctx, row?.ticket_id as string);
    expect(ticket).toMatchObject({ subject: "Printer on fire", channel: "email" });
    const [message] = await listTicketMessages(ctx, ticket.id);
    expect(message).toMatchObject({ direction: "in", kind: "reply", bodyText: "Hello,\n\nThe printer is on fire." });
    expect(message?.originalText).toContain("-- \nAnn");
    expect(message?.attachments.map((a) => a.filename)).toEqual(["photo.png"]);
    // The stored original points at the ticket's first message (its id chosen before the ticket was written).
    expect(row?.ticket_message_id).toBe(message?.id);
    const [ack] = await acks("ann@customer.example");
    expect(ack?.subject).toBe(`[#${ticket.number}] Printer on fire`);
    expect(ack?.from_address).toBe(support);
    expect(ack?.headers).toMatchObject({ "Auto-Submitted": "auto-replied", "X-Loop": "rapport@acme.test", "In-Reply-To": id });

    // View original: the raw MIME, as a plain-text download, for someone who may read the ticket.
    const original = await admin.get(`/api/v1/ticket-messages/${message?.id}/original`);
    expect(original.statusCode).toBe(200);
    expect(original.headers["content-type"]).toMatch(/^text\/plain/);
    expect(original.headers["content-disposition"]).toMatch(/^attachment/);
    expect(original.body).toContain(`Message-ID: ${id}`);
    const list = (await admin.get("/api/v1/inbound-messages?limit=200")).json() as { data: InboundMessage[] };
    expect(list.data.some((m) => m.ticketId === ticket.id)).toBe(true);
  });

  it("sends an agent's reply in the ticket's email thread on to the customer; one found only by the subject number stays a note", async () => {
    const agentEmail = admin.session.me?.user.email as string;
    const customer = `${unique("erin")}@customer.example`;
    const first = mid();
    await send({ from: customer, to: support, subject: "Printer on fire", text: "Please help", messageId: first });
    const opened = await byMessageId(first.slice(1, -1));
    const ticket = await getTicket(ctx, opened?.ticket_id as string);

    // The agent answers from their mail client, replying to the customer's message (quoted history below).
    const answer = mid();
    await send({
      from: agentEmail,
      to: support,
      subject: "Re: Printer on fire",
      text: "Unplug it and step away.\n\nOn Mon, Erin wrote:\n> Please help",
      messageId: answer,
      inReplyTo: first,
      references: [first],
    });
    const threaded = await byMessageId(answer.slice(1, -1));
    expect(threaded).toMatchObject({ status: "threaded", ticket_id: ticket.id, reason: null });
    const messages = await listTicketMessages(ctx, ticket.id);
    const reply = messages.find((x) => x.id === threaded?.ticket_message_id);
    expect(reply).toMatchObject({ kind: "reply", direction: "out", authorUserId: admin.session.me?.user.id, bodyText: "Unplug it and step away." });
    // Sent on to the customer through the outbox, threaded on their message, without the quoted history.
    const sent = (await acks(customer)).filter((x) => x.subject.startsWith("Re:"));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.subject).toContain(`[#${ticket.number}]`);
    expect(sent[0]?.headers["In-Reply-To"]).toBe(first);
    const [body] = await queryRows<{ text: string }>(
      t.database.db,
      sql`select text from mail_messages where workspace_id = ${workspaceId}::uuid and related_id = ${ticket.id}::uuid and subject like 'Re:%'`,
    );
    expect(body?.text).toBe("Unplug it and step away.");

    // The same agent names the ticket only by its number (anyone can type one): an internal note, not mail out.
    const byNumber = mid();
    await send({ from: agentEmail, to: support, subject: `[#${ticket.number}] note to self`, text: "Check the fuse", messageId: byNumber });
    const noted = await byMessageId(byNumber.slice(1, -1));
    expect(noted).toMatchObject({ status: "threaded", ticket_id: ticket.id });
    expect(noted?.reason).toMatch(/internal note/);
    expect((await listTicketMessages(ctx, ticket.id)).find((x) => x.id === noted?.ticket_message_id)).toMatchObject({ kind: "note", direction: "out" });
    expect((await acks(customer)).filter((x) => x.subject.startsWith("Re:"))).toHaveLength(1);
  });

  it("threads by [#n] from the ticket's contact, but not a stranger's spoofed number; References thread a late joiner", async () => {
    const first = mid();
    await send({ from: "bob@customer.example", to: support, subject: "Cannot log in", text: "Help", messageId: first });
    const opened = await byMessageId(first.slice(1, -1));
    const ticket = await getTicket(ctx, opened?.ticket_id as string);

    // The contact replies to our acknowledgement: the number in the subject is trusted.
    const reply = mid();
    await send({
      from: "bob@customer.example",
      to: support,
      subject: `Re: [#${ticket.number}] Cannot log in`,
      text: "Still broken\n\nOn Mon, support wrote:\n> We got it",
      messageId: reply,
    });
    expect(await byMessageId(reply.slice(1, -1))).toMatchObject({ status: "threaded", ticket_id: ticket.id, acknowledged: false });

    // A stranger types the same number: a new ticket of their own, and the reason is kept.
    const spoof = mid();
    await send({ from: "mallory@evil.example", to: support, subject: `[#${ticket.number}] give me the data`, text: "hi", messageId: spoof });
    const spoofed = await byMessageId(spoof.slice(1, -1));
    expect(spoofed?.status).toBe("ticket_created");
    expect(spoofed?.ticket_id).not.toBe(ticket.id);
    expect(spoofed?.reason).toMatch(/neither its contact nor an agent/);

    // A colleague copied later replies without the number: References to Bob's message thread it.
    const late = mid();
    await send({ from: "carol@customer.example", to: support, subject: "Re: Cannot log in", text: "Me too", messageId: late, references: [first] });
    expect(await byMessageId(late.slice(1, -1))).toMatchObject({ status: "threaded", ticket_id: ticket.id });
    // Only In-Reply-To, pointing at the contact's reply.
    const inReply = mid();
    await send({ from: "dave@customer.example", to: support, subject: "Re: something else", text: "+1", messageId: inReply, inReplyTo: reply });
    expect(await byMessageId(inReply.slice(1, -1))).toMatchObject({ status: "threaded", ticket_id: ticket.id });
    const messages = await listTicketMessages(ctx, ticket.id);
    expect(messages.filter((m) => m.direction === "in")).toHaveLength(4);
    expect(messages.find((m) => m.messageId === reply.slice(1, -1))?.bodyText).toBe("Still broken");
  });

  it("takes the same message once: delivered twice, or to two of the workspace's mailboxes", async () => {
    const id = mid();
    const before = (await inbound()).length;
    const message = { from: "erin@customer.example", subject: "Twice", text: "once please", messageId: id };
    await send({ ...message, to: [support, sales] });
    const again = await send({ ...message, to: support });
    expect(again.response).toMatch(/duplicate/);
    const rows = await inbound(sql`message_id = ${id.slice(1, -1).toLowerCase()}`);
    expect(rows).toHaveLength(1);
    expect((await inbound()).length).toBe(before + 1);
    expect(await acks("erin@customer.example")).toHaveLength(1);
  });

  it("never answers automatic mail, ignores our own, and limits acknowledgements per sender", async () => {
    const auto = mid();
    await send({
      from: "robot@customer.example",
      to: support,
      subject: "Out of office",
      text: "away",
      messageId: auto,
      headers: { "Auto-Submitted": "auto-replied" },
    });
    expect(await byMessageId(auto.slice(1, -1))).toMatchObject({ status: "ticket_created", acknowledged: false });
    expect((await byMessageId(auto.slice(1, -1)))?.reason).toMatch(/Auto-Submitted/);
    const bulk = mid();
    await send({ from: "news@customer.example", to: support, subject: "Newsletter", text: "news", messageId: bulk, headers: { Precedence: "bulk" } });
    expect(await byMessageId(bulk.slice(1, -1))).toMatchObject({ acknowledged: false });

    const looped = mid();
    await send({
      from: "someone@customer.example",
      to: support,
      subject: "[#1] ack",
      text: "x",
      messageId: looped,
      headers: { "X-Loop": "rapport@acme.test" },
    });
    expect(await byMessageId(looped.slice(1, -1))).toMatchObject({ status: "ignored", ticket_id: null });
    const ours = mid();
    await send({ from: sales, to: support, subject: "from ourselves", text: "x", messageId: ours });
    expect(await byMessageId(ours.slice(1, -1))).toMatchObject({ status: "ignored", ticket_id: null });

    // A sender that keeps opening tickets (a runaway autoresponder without headers) gets at most 5 acknowledgements an hour.
    for (let i = 0; i < 7; i++) await send({ from: "flood@customer.example", to: support, subject: `Flood ${i}`, text: "x", messageId: mid() });
    expect(await acks("flood@customer.example")).toHaveLength(5);
    const flood = await inbound(sql`from_address = 'flood@customer.example'`);
    expect(flood.filter((r) => r.status === "ticket_created")).toHaveLength(7);
    expect(flood.at(-1)?.reason).toMatch(/already sent 5 acknowledgements/);
  });

  it("takes messages arriving on parallel SMTP connections each into a ticket of its own, numbered without gaps or repeats", async () => {
    // What an MTA with a queue for us does: several connections at once, all racing for the ticket counter.
    const ids = Array.from({ length: 8 }, () => mid());
    const replies = await Promise.all(
      ids.map((id, i) =>
        send({ from: `Racer ${i} <${unique("racer")}@customer.example>`, to: support, subject: `Race ${i}`, text: "Same moment", messageId: id }),
      ),
    );
    for (const r of replies) expect(r.response).toMatch(/^250/);
    const rows = await Promise.all(ids.map((id) => byMessageId(id.slice(1, -1))));
    for (const r of rows) expect(r).toMatchObject({ status: "ticket_created", acknowledged: true });
    const numbers = await queryRows<{ number: number }>(
      t.database.db,
      sql`select number from tickets where workspace_id = ${workspaceId}::uuid and id in (${sql.join(
        rows.map((r) => sql`${r?.ticket_id}::uuid`),
        sql`, `,
      )}) order by number`,
    );
    expect(numbers).toHaveLength(8);
    const first = numbers[0]?.number as number;
    expect(numbers.map((n) => n.number)).toEqual(Array.from({ length: 8 }, (_, i) => first + i));
  });

  it("refuses unknown recipients at RCPT TO and messages over the size limit", async () => {
    const unknown = await send({ from: "ann@customer.example", to: `nobody-${unique("x")}@acme.test`, subject: "?", text: "?" }).then(
      () => null,
      (e: unknown) => smtpCodeOf(e),
    );
    expect(unknown).toBe(550);
    const big = await send({
      from: "ann@customer.example",
      to: support,
      subject: "huge",
      text: "see attachment",
      attachments: [{ filename: "big.bin", content: Buffer.alloc(3 * 1024 * 1024, 7) }],
    }).then(
      () => null,
      (e: unknown) => smtpCodeOf(e),
    );
    expect(big).toBe(552);
  });

  it("takes every raw message of the email datasets through SMTP into a ticket, without a crash", async () => {
    const files = datasetMessages();
    const outcomes = new Map<string, string>();
    for (const file of files) {
      const name = relative(process.cwd(), file);
      const reply = await send({ envelope: { from: "sender@dataset.example", to: [support] }, raw: readFileSync(file) }).catch((e: unknown) => ({
        response: `error ${smtpCodeOf(e)} ${(e as Error).message}`,
      }));
      outcomes.set(name, reply.response);
      expect(reply.response, name).toMatch(/^250 /);
    }
    const rows = await inbound();
    const statuses = new Set(rows.map((r) => r.status));
    for (const s of statuses) expect(["ticket_created", "threaded", "ignored", "failed"]).toContain(s);
    // What failed says why (a message without a sender has nobody to open a ticket for).
    for (const r of rows.filter((x) => x.status === "failed")) expect(r.reason).toBeTruthy();
    const failed = rows.filter((r) => r.status === "failed").length;
    expect(failed).toBeLessThan(10);

    // Charsets decoded and attachments kept, read back from the tickets.
    const tickets = await queryRows<{ id: string; subject: string }>(
      t.database.db,
      sql`select id, subject from tickets where workspace_id = ${workspaceId}::uuid`,
    );
    expect(tickets.some((x) => x.subject.includes("Die Hasen und die Frösche"))).toBe(true);
    const attachments = await queryRows<{ n: number }>(
      t.database.db,
      sql`select count(*)::int as n from ticket_attachments where workspace_id = ${workspaceId}::uuid`,
    );
    expect(attachments[0]?.n).toBeGreaterThan(50);
  });
});
