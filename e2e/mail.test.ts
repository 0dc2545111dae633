/**
 * Settings → Email log in real Chromium against the real server, its worker and a real SMTP server on loopback: a
 * task reminder goes out through the outbox, the log shows it as sent, and opening it shows what was sent; a test
 * email from the page arrives with the Message-ID the log shows.
 */
import type { ParsedMail } from "mailparser";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, type MailCatcher, openBrowserSession, STEP, screenshotSteps, signUp, startMailCatcher, suite } from "./support.js";

suite("Settings → Email log (Chromium)", () => {
  const errors: string[] = [];
  let mail: MailCatcher;
  let inbox: ParsedMail[] = [];
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    mail = await startMailCatcher();
    inbox = mail.inbox;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5, smtpUrl: mail.url, mailFrom: "Rapport <crm@mail.test>" });
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
    await mail?.close();
  });

  const step = screenshotSteps(() => page, "mail");

  it(
    "shows a sent task reminder and opens it",
    () =>
      step("01-reminder", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Mail Inc", name: "Mo Admin", email: "mo@mail.test" });
        await page.getByTestId("nav-email").click();
        // Nothing sent yet: the empty state says what will appear here.
        await expect.poll(() => page.getByTestId("list-empty").textContent()).toContain("Task reminders");

        // Mo asks for reminder emails and has a task whose reminder is due now.
        await page.evaluate(async () => {
          const json = (method: string, url: string, body: unknown) =>
            fetch(url, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => {
              if (!r.ok) throw new Error(`${method} ${url}: ${r.status}`);
            });
          await json("PUT", "/api/v1/notifications/preferences", { emailReminders: true });
          const now = new Date(Date.now() - 1000).toISOString();
          await json("POST", "/api/v1/tasks", { title: "Send Grace the proposal", dueAt: now, remindAt: now });
        });

        const row = page.getByTestId("mail-row").filter({ hasText: "Reminder: Send Grace the proposal" });
        await row.waitFor({ state: "visible" });
        await expect.poll(() => row.getByTestId("mail-status").textContent()).toBe("Sent");
        expect(await row.textContent()).toContain("mo@mail.test");
        expect(await row.textContent()).toContain("Task reminder");

        await row.click();
        const modal = page.getByRole("dialog");
        await modal.getByTestId("mail-text").waitFor({ state: "visible" });
        expect(await modal.getByTestId("mail-text").textContent()).toContain('This is your reminder for the task "Send Grace the proposal"');
        expect(await modal.getByTestId("mail-to").textContent()).toContain("mo@mail.test");
        const messageId = (await modal.locator("code").filter({ hasText: "@mail.test>" }).textContent()) ?? "";
        expect(inbox.find((m) => m.messageId === messageId)?.subject).toBe("Reminder: Send Grace the proposal");
        await page.keyboard.press("Escape");
        await modal.waitFor({ state: "hidden" });
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "sends a test email from the page and shows its formatted content",
    () =>
      step("02-test-email", async () => {
        await page.getByTestId("mail-test").click();
        const row = page.getByTestId("mail-row").filter({ hasText: "Rapport test email" });
        await row.waitFor({ state: "visible" });
        await expect.poll(() => row.getByTestId("mail-status").textContent()).toBe("Sent");
        await row.click();
        const modal = page.getByRole("dialog");
        const frame = modal.getByTestId("mail-html");
        await frame.waitFor({ state: "visible" });
        expect(await frame.getAttribute("sandbox")).toBe("");
        await expect.poll(() => page.frameLocator('[data-testid="mail-html"]').locator("body").textContent()).toContain("outgoing email works");
        expect(inbox.some((m) => m.subject === "Rapport test email")).toBe(true);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
