/**
 * Settings → Service levels in real Chromium against the real server: the empty states teach, an admin adds business
 * hours with a lunch break and a holiday, then a policy on that calendar, and the tables show both in words.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("Settings → Service levels (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
  });

  const step = screenshotSteps(() => page, "sla");

  it(
    "adds business hours with a lunch break and a holiday, then a policy that counts in them",
    () =>
      step("01-settings", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Helpdesk Inc", name: "Sam Admin", email: "sam@helpdesk.test" });
        await page.getByTestId("nav-service-levels").click();
        await page.getByText("No SLA policies yet").waitFor({ state: "visible" });

        await page.getByTestId("sla-calendars-tab").click();
        await page.getByText("No business hours yet").waitFor({ state: "visible" });
        await page.getByTestId("add-sla-calendar").click();
        await page.getByTestId("sla-calendar-name").fill("Berlin office");
        // Monday starts with office hours 09:00–17:00: make it a morning and an afternoon block.
        const monday = page.getByTestId("sla-day-1");
        await monday.getByLabel("Monday until").first().fill("12:30");
        await monday.getByRole("button", { name: "Add block" }).click();
        await monday.getByLabel("Monday from").nth(1).fill("13:30");
        await monday.getByLabel("Monday until").nth(1).fill("18:00");
        await page.getByLabel("Date").fill("2026-12-25");
        await page.getByLabel("Name", { exact: true }).last().fill("Christmas Day");
        await page.getByRole("button", { name: "Add holiday" }).click();
        await page.getByText("Christmas Day").waitFor({ state: "visible" });
        await page.getByTestId("save-sla-calendar").click();
        const calendarRow = page.getByTestId("sla-calendar-row").filter({ hasText: "Berlin office" });
        await calendarRow.waitFor({ state: "visible" });
        // 4 days × 8 h + Monday's 3.5 h + 4.5 h.
        expect(await calendarRow.textContent()).toContain("40 h a week");
        expect(await calendarRow.textContent()).toContain("default");

        await page.getByRole("tab", { name: "Policies" }).click();
        await page.getByTestId("add-sla-policy").click();
        await page.getByTestId("sla-policy-name").fill("Standard support");
        await page.getByTestId("sla-firstResponseMinutes").fill("240");
        await page.getByTestId("sla-resolutionMinutes").fill("2400");
        await page.getByTestId("save-sla-policy").click();
        const policyRow = page.getByTestId("sla-policy-row").filter({ hasText: "Standard support" });
        await policyRow.waitFor({ state: "visible" });
        const text = (await policyRow.textContent()) ?? "";
        expect(text).toContain("4 h");
        expect(text).toContain("40 h");
        expect(text).toContain("Default (Berlin office)");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
