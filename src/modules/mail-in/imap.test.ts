import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Mailbox, TestImapResult } from "../../contract/mail-in.js";
import { queryRows } from "../../db/client.js";
import { type Dovecot, dovecotMissing, startDovecot } from "../../test/dovecot.js";
import { createTestApp, databaseKinds, newWorkspace, type TestApp, unique } from "../../test/harness.js";
import type { MailQueue } from "../mail/service.js";
import { imapMailboxes, pollMailbox } from "./imap.js";
import { deliverToTickets } from "./threading.js";

const message = (id: string, subject: string, from = "ann@customer.example") =>
  `From: ${from}\r\nTo: support@acme.test\r\nSubject: ${subject}\r\nMessage-ID: <${id}>\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\n\r\n${subject} body\r\n`;

describe.skipIf(Boolean(dovecotMissing)).each(databaseKinds)("IMAP polling against Dovecot on %s", (kind) => {
  let t: TestApp;
  let dovecot: Dovecot;
  let admin: Awaited<ReturnType<typeof newWorkspace>>;
  let workspaceId: string;
  let mailbox: Mailbox;
  const secretKey = "a-test-secret-key-of-some-length";
  let mail: MailQueue;

  const poll = (batch?: number) =>
    pollMailbox(t.database.db, { deliver: deliverToTickets, mail }, { workspaceId, mailboxId: mailbox.id }, secretKey, { batch });
  const ticketSubjects = async () =>
    (await queryRows<{ subject: string }>(t.database.db, sql`select subject from tickets where workspace_id = ${workspaceId}::uuid order by number`)).map(
      (r) => r.subject,
    );

  beforeAll(async () => {
    dovecot = await startDovecot();
    t = await createTestApp(kind, { secretKey });
    admin = await newWorkspace(t.app);
    workspaceId = admin.session.me?.workspace.id as string;
    const jobs = t.app.jobs;
    if (!jobs) throw new Error("no job queue");
    // Started before any poll: acknowledgements enqueue inside the receiving transaction (PGlite has one connection).
    await jobs.ready();
    mail = { from: "rapport@acme.test", enqueue: (tx, job) => jobs.send("mail.send", job, { tx }) };
  });
  afterAll(async () => {
    await t?.close();
    await dovecot?.stop();
  });

  it("tests the connection before saving, in words", async () => {
    const settings = { host: dovecot.host, port: dovecot.port, tls: false, user: dovecot.user, folder: "INBOX" };
    const ok = (await admin.post("/api/v1/mailboxes/test-imap", { ...settings, password: dovecot.password })).json() as TestImapResult;
    expect(ok).toMatchObject({ ok: true, messages: 0 });
    const wrong = (await admin.post("/api/v1/mailboxes/test-imap", { ...settings, password: "wrong" })).json() as TestImapResult;
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/refused the user name or password/);
    expect(wrong.message).not.toContain("wrong");
  });

  it("takes new messages once, keeps a checkpoint across a server restart, and starts over on a new UIDVALIDITY", async () => {
    const created = await admin.post("/api/v1/mailboxes", {
      address: `${unique("polled")}@acme.test`,
      name: "Polled",
      imap: { host: dovecot.host, port: dovecot.port, tls: false, user: dovecot.user, password: dovecot.password, folder: "Support" },
    });
    expect(created.statusCode, created.body).toBe(201);
    mailbox = created.json() as Mailbox;
    await dovecot.recreate("Support");
    expect(await imapMailboxes(t.database.db)).toContainEqual({ workspaceId, mailboxId: mailbox.id });
    // The password is sealed with RAPPORT_SECRET_KEY at rest.
    const [stored] = await queryRows<{ imap_password: string }>(t.database.db, sql`select imap_password from mailboxes where id = ${mailbox.id}::uuid`);
    expect(stored?.imap_password).toMatch(/^enc:v1:/);

    await dovecot.append(message(`${unique("a")}@c.example`, "First"), "Support");
    await dovecot.append(message(`${unique("b")}@c.example`, "Second"), "Support");
    await dovecot.append(message(`${unique("c")}@c.example`, "Third"), "Support");
    // A batch of two, then the rest: the checkpoint carries the poll over.
    expect(await poll(2)).toMatchObject({ fetched: 2 });
    expect(await poll()).toMatchObject({ fetched: 1 });
    expect(await poll()).toMatchObject({ fetched: 0 });
    expect(await ticketSubjects()).toEqual(["First", "Second", "Third"]);

    // Downtime: the server restarts and mail arrives meanwhile; the next poll takes exactly the new message.
    await dovecot.restart();
    await dovecot.append(message(`${unique("d")}@c.example`, "Fourth"), "Support");
    expect(await poll()).toMatchObject({ fetched: 1 });
    expect(await ticketSubjects()).toEqual(["First", "Second", "Third", "Fourth"]);
    const state = ((await admin.get(`/api/v1/mailboxes/${mailbox.id}`)).json() as Mailbox).imapState;
    expect(state).toMatchObject({ lastError: null, lastUid: 4 });

    // The folder is rebuilt (new UIDVALIDITY) with an old message and a new one: the old one is not taken twice.
    await dovecot.recreate("Support");
    const again = `${unique("e")}@c.example`;
    await dovecot.append(message(again, "Fifth"), "Support");
    await dovecot.append(message(again, "Fifth"), "Support");
    expect(await poll()).toMatchObject({ fetched: 2 });
    expect(await ticketSubjects()).toEqual(["First", "Second", "Third", "Fourth", "Fifth"]);
  });

  it("keeps an IMAP failure on the mailbox, in words", async () => {
    await dovecot.stop();
    const failed = await poll();
    expect(failed.error).toMatch(/Nothing answers|Could not connect/);
    const state = ((await admin.get(`/api/v1/mailboxes/${mailbox.id}`)).json() as Mailbox).imapState;
    expect(state?.lastError).toBe(failed.error);
  });
});

describe.runIf(Boolean(dovecotMissing))("IMAP polling", () => {
  it.skip(`skipped: ${dovecotMissing}`, () => {});
});
