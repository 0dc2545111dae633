/**
 * Tasks, reminders, meetings and the calendar feed in real Chromium against the real server (PGlite in memory).
 */
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("tasks, reminders, meetings and the calendar feed (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  let contactId = "";

  beforeAll(async () => {
    // Short queue polls so a reminder a few seconds ahead fires during the test.
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5 });
    ({ server, context, page } = session);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "tasks");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator, timeout?: number) => l.first().waitFor({ state: "visible", timeout });
  const pad = (n: number) => String(n).padStart(2, "0");
  const localInput = (d: Date) =>
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

  it(
    "signs up and adds a contact",
    () =>
      step("01-setup", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Tasks Inc", name: "Tara Tasker", email: "tara@tasks.test" });
        contactId = await page.evaluate(async () => {
          const res = await fetch("/api/v1/contacts", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ firstName: "Zofia", lastName: "Kowalczyk", emails: [{ email: "zofia@nordwind.example" }] }),
          });
          return ((await res.json()) as { id: string }).id;
        });
        expect(contactId).toMatch(/^[0-9a-f-]{36}$/);
      }),
    STEP,
  );

  it(
    "creates a task with a reminder seconds ahead, sees it in the bell and completes it",
    () =>
      step("02-reminder", async () => {
        await byTestId("nav-tasks").click();
        await see(byTestId("tasks-page"));
        await see(byTestId("list-empty"));
        await byTestId("new-task").click();
        await byTestId("task-title").fill("Call Zofia about the fleet module");
        await byTestId("task-due").fill(localInput(new Date(Date.now() + 4000)));
        await byTestId("task-save").click();
        const row = byTestId("task-row").filter({ hasText: "Call Zofia about the fleet module" });
        await see(row);
        // The bell polls every 15 s; the reminder fires ~4 s from now.
        await page.waitForFunction(() => /\b1\b/.test(document.querySelector('[data-testid="bell-count"]')?.textContent ?? ""), null);
        await byTestId("bell").click();
        const item = byTestId("bell-item").filter({ hasText: "Reminder: Call Zofia about the fleet module" });
        await see(item);
        await see(byTestId("pref-email-unconfigured"));
        await item.click();
        await page.waitForURL(/\/tasks\?task=/);
        await row.getByTestId("task-complete").click();
        await byTestId("task-row").filter({ hasText: "Call Zofia about the fleet module" }).waitFor({ state: "detached" });
        await byTestId("tasks-status").getByText("Done").click();
        await see(byTestId("task-row").filter({ hasText: "Call Zofia about the fleet module" }));
      }),
    STEP,
  );

  it(
    "sets a follow-up from the contact page",
    () =>
      step("03-follow-up", async () => {
        await page.goto(`${server.url}/contacts/${contactId}`);
        await see(byTestId("record-tasks"));
        await byTestId("follow-up").click();
        await byTestId("follow-up-3").click();
        await see(byTestId("record-tasks").getByText("Follow up with Zofia Kowalczyk"));
        await byTestId("record-task-input").fill("Send the pricing sheet");
        await byTestId("record-task-input").press("Enter");
        await see(byTestId("record-tasks").getByText("Send the pricing sheet"));
      }),
    STEP,
  );

  it(
    "schedules a meeting from the calendar and sees it there and on the contact",
    () =>
      step("04-meeting", async () => {
        await byTestId("nav-calendar").click();
        await see(byTestId("calendar-page"));
        await see(byTestId("cal-week"));
        // Click tomorrow's 10:00 slot, or today's if tomorrow falls outside this week (48 px an hour).
        const day = (new Date().getDay() + 6) % 7;
        const column = await byTestId("cal-day")
          .nth(day < 6 ? day + 1 : day)
          .boundingBox();
        if (!column) throw new Error("no day column");
        await page.mouse.click(column.x + column.width / 2, column.y + 10 * 48 + 12);
        await byTestId("meeting-title").fill("Fleet demo");
        await byTestId("meeting-contacts").click();
        await page.keyboard.type("Zof");
        await page.getByRole("option", { name: /Zofia Kowalczyk/ }).click();
        await byTestId("meeting-save").click();
        await see(byTestId("cal-meeting").filter({ hasText: "Fleet demo" }));
        await byTestId("cal-meeting").filter({ hasText: "Fleet demo" }).click();
        await see(byTestId("meeting-form").getByText("Zofia Kowalczyk"));
        await page.keyboard.press("Escape");
        await page.goto(`${server.url}/contacts/${contactId}`);
        await see(page.getByText("Fleet demo"));
      }),
    STEP,
  );

  it(
    "creates the feed URL, copies it and fetches it",
    () =>
      step("05-feed", async () => {
        await byTestId("nav-calendar").click();
        await byTestId("feed-create").click();
        const url = (await byTestId("feed-url").textContent())?.trim() ?? "";
        expect(url).toMatch(/\/api\/calendar\/[A-Za-z0-9_-]+\.ics$/);
        await byTestId("feed-copy").click();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
        const res = await fetch(url);
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).toContain("BEGIN:VCALENDAR");
        expect(text).toContain("SUMMARY:Fleet demo");
        await byTestId("feed-revoke").click();
        await see(byTestId("feed-create"));
        await page.waitForFunction(() => !document.querySelector('[data-testid="feed-revoke"]'));
        expect((await fetch(url)).status).toBe(404);
      }),
    STEP,
  );

  it(
    "shows an agenda on a phone",
    () =>
      step("06-phone", async () => {
        await page.setViewportSize({ width: 375, height: 800 });
        await page.reload();
        await see(byTestId("cal-agenda"));
        await see(byTestId("cal-agenda").getByText("Fleet demo"));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
