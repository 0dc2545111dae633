import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { createMailer, type Mailer } from "../notifications/mail.js";
import { deliverDueReminders } from "./reminders.js";

const quiet = () => {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
};
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe.each(databaseKinds)("reminders on %s", (kind) => {
  let t: TestApp;
  let admin: Client & { email: string };
  let smtp: SMTPServer;
  let mailer: Mailer;
  const inbox: { to: string[]; data: string }[] = [];
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, session, done) {
        let data = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          data += chunk;
        });
        stream.on("end", () => {
          inbox.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const { port } = smtp.server.address() as AddressInfo;
    const m = createMailer({ smtpUrl: `smtp://127.0.0.1:${port}`, from: "Rapport <rapport@example.com>" });
    if (!m) throw new Error("mailer not created");
    mailer = m;
  });
  afterAll(async () => {
    mailer.close();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
    await t.close();
  });

  it("fires once even with two workers racing, with a notification and an email", async () => {
    expect((await admin.call("PUT", "/api/v1/notifications/preferences", { emailReminders: true })).json()).toMatchObject({ emailReminders: true });
    const task = (await admin.post("/api/v1/tasks", { title: "Renew the Acme contract", dueAt: ago(1000) })).json();
    const before = inbox.length;
    const log = quiet();
    const options = { db: t.database.db, mailer, publicUrl: "https://crm.example.com", log };
    // On PostgreSQL these run on two pool connections at once: FOR UPDATE SKIP LOCKED keeps them apart.
    const [a, b] = await Promise.all([deliverDueReminders(options), deliverDueReminders(options)]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    expect(await deliverDueReminders(options)).toBe(0);
    const bell = (await admin.get("/api/v1/notifications")).json();
    const reminders = bell.data.filter((n: { kind: string; recordId: string }) => n.kind === "task_reminder" && n.recordId === task.id);
    expect(reminders).toHaveLength(1);
    expect(reminders[0].title).toBe("Reminder: Renew the Acme contract");
    const mails = inbox.slice(before);
    expect(mails).toHaveLength(1);
    expect(mails[0]?.to).toEqual([admin.email]);
    expect(mails[0]?.data).toContain("Subject: Reminder: Renew the Acme contract");
    // The body is quoted-printable: undo soft line breaks and =3D before looking for the link.
    const body = (mails[0]?.data ?? "").replace(/=\r\n/g, "").replace(/=3D/g, "=");
    expect(body).toContain(`https://crm.example.com/tasks?task=${task.id}`);
    expect((await admin.get(`/api/v1/tasks/${task.id}`)).json().remindedAt).toBeTruthy();
  });

  it("re-arms when the reminder moves, and never fires for closed tasks", async () => {
    const log = quiet();
    const options = { db: t.database.db, mailer: null, publicUrl: "http://localhost", log };
    const task = (await admin.post("/api/v1/tasks", { title: "Chase invoice", dueAt: ago(500) })).json();
    const done = (await admin.post("/api/v1/tasks", { title: "Already done", dueAt: ago(500) })).json();
    await admin.post(`/api/v1/tasks/${done.id}/complete`, {});
    expect(await deliverDueReminders(options)).toBe(1);
    // Without SMTP the email is skipped with a log line; the in-app notification still exists.
    expect(log.lines.join("\n")).toContain("no SMTP_URL configured");
    await admin.patch(`/api/v1/tasks/${task.id}`, { remindAt: ago(10) });
    expect(await deliverDueReminders(options)).toBe(1);
    const bell = (await admin.get("/api/v1/notifications?unread=true&limit=100")).json();
    expect(bell.data.filter((n: { recordId: string }) => n.recordId === task.id)).toHaveLength(2);
    expect(bell.data.filter((n: { recordId: string }) => n.recordId === done.id)).toHaveLength(0);
  });

  it("marks notifications read, only one's own, and validates input", async () => {
    const sales = await userWithRole(t.app, admin, "sales");
    const mine = (await admin.get("/api/v1/notifications")).json();
    expect(mine.unreadCount).toBeGreaterThan(0);
    const first = mine.data[0].id;
    // Another user's ids are ignored, not marked.
    expect((await sales.post("/api/v1/notifications/read", { ids: [first] })).json()).toEqual({ updated: 0 });
    expect((await admin.post("/api/v1/notifications/read", { ids: [first] })).json()).toEqual({ updated: 1 });
    await admin.post("/api/v1/notifications/read", { all: true });
    expect((await admin.get("/api/v1/notifications/unread-count")).json()).toEqual({ unreadCount: 0 });
    expectProblem(await admin.post("/api/v1/notifications/read", {}), 400, "validation_failed");
    expectProblem(await admin.post("/api/v1/notifications/read", { ids: ["nope"] }), 400, "validation_failed");
    expectProblem(await admin.call("PUT", "/api/v1/notifications/preferences", { emailReminders: "yes" }), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/notifications?limit=0"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/notifications?cursor=zzz"), 400, "validation_failed");
    // Read-only users still choose how they are notified; the preference page learns email is not configured.
    const readOnly = await userWithRole(t.app, admin, "read_only");
    expect((await readOnly.call("PUT", "/api/v1/notifications/preferences", { emailReminders: true })).json()).toEqual({
      emailReminders: true,
      emailConfigured: false,
    });
  });
});
