import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MailDetail, MailSummary } from "../../contract/mail.js";
import { type JobSystem, startJobSystem } from "../../jobs/system.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { deliverDueReminders } from "./reminders.js";

const quiet = () => {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
};
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** Reminders claimed by racing workers; their emails go to the outbox (src/modules/mail/mail.test.ts sends them). */
describe.each(databaseKinds)("reminders on %s", (kind) => {
  let t: TestApp;
  let admin: Client & { email: string };
  // Enqueue-only: the mail.send jobs are written for real, and nothing here runs them.
  let jobs: JobSystem;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    jobs = await startJobSystem({ database: t.database, worker: false, mailFrom: "Rapport <rapport@example.com>", log: quiet() });
  });
  afterAll(async () => {
    await jobs.stop();
    await t.close();
  });
  const remindersMailed = async (taskId: string) =>
    ((await admin.get("/api/v1/mail?limit=200")).json().data as MailSummary[]).filter((m) => m.kind === "task_reminder" && m.relatedId === taskId);

  it("fires once even with two workers racing, with a notification and one email in the outbox", async () => {
    expect((await admin.call("PUT", "/api/v1/notifications/preferences", { emailReminders: true })).json()).toMatchObject({ emailReminders: true });
    const task = (await admin.post("/api/v1/tasks", { title: "Renew the Acme contract", dueAt: ago(1000) })).json();
    const options = { db: t.database.db, mail: jobs.mail, publicUrl: "https://crm.example.com", log: quiet() };
    // On PostgreSQL these run on two pool connections at once: FOR UPDATE SKIP LOCKED keeps them apart.
    const [a, b] = await Promise.all([deliverDueReminders(options), deliverDueReminders(options)]);
    expect(a + b).toBeGreaterThanOrEqual(1);
    expect(await deliverDueReminders(options)).toBe(0);
    const bell = (await admin.get("/api/v1/notifications")).json();
    const reminders = bell.data.filter((n: { kind: string; recordId: string }) => n.kind === "task_reminder" && n.recordId === task.id);
    expect(reminders).toHaveLength(1);
    expect(reminders[0].title).toBe("Reminder: Renew the Acme contract");
    const mails = await remindersMailed(task.id);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ status: "queued", subject: "Reminder: Renew the Acme contract", from: "Rapport <rapport@example.com>" });
    expect(mails[0]?.to).toEqual([{ name: "Ada Admin", address: admin.email }]);
    const detail = (await admin.get(`/api/v1/mail/${mails[0]?.id}`)).json() as MailDetail;
    expect(detail.text).toContain(`https://crm.example.com/tasks?task=${task.id}`);
    // Its job was written with it, in the claiming transaction.
    const queued = await jobs.boss.findJobs("mail.send", { data: { mailId: mails[0]?.id } });
    expect(queued).toHaveLength(1);
    expect((await admin.get(`/api/v1/tasks/${task.id}`)).json().remindedAt).toBeTruthy();
  });

  it("re-arms when the reminder moves, and never fires for closed tasks", async () => {
    const options = { db: t.database.db, mail: jobs.mail, publicUrl: "http://localhost", log: quiet() };
    const task = (await admin.post("/api/v1/tasks", { title: "Chase invoice", dueAt: ago(500) })).json();
    const done = (await admin.post("/api/v1/tasks", { title: "Already done", dueAt: ago(500) })).json();
    await admin.post(`/api/v1/tasks/${done.id}/complete`, {});
    expect(await deliverDueReminders(options)).toBe(1);
    await admin.patch(`/api/v1/tasks/${task.id}`, { remindAt: ago(10) });
    expect(await deliverDueReminders(options)).toBe(1);
    const bell = (await admin.get("/api/v1/notifications?unread=true&limit=100")).json();
    expect(bell.data.filter((n: { recordId: string }) => n.recordId === task.id)).toHaveLength(2);
    expect(bell.data.filter((n: { recordId: string }) => n.recordId === done.id)).toHaveLength(0);
    expect(await remindersMailed(task.id)).toHaveLength(2);
    expect(await remindersMailed(done.id)).toHaveLength(0);
  });

  it("queues no email for users who did not ask for reminder emails", async () => {
    const sales = await userWithRole(t.app, admin, "sales");
    const options = { db: t.database.db, mail: jobs.mail, publicUrl: "http://localhost", log: quiet() };
    const task = (await admin.post("/api/v1/tasks", { title: "Quiet reminder", dueAt: ago(500), assigneeId: sales.userId })).json();
    expect(await deliverDueReminders(options)).toBe(1);
    expect(((await sales.get("/api/v1/notifications")).json().data as { recordId: string }[]).some((n) => n.recordId === task.id)).toBe(true);
    expect(await remindersMailed(task.id)).toHaveLength(0);
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
