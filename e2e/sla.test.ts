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

  it(
    "sorts the ticket list by time to breach and filters it to tickets due soon",
    () =>
      step("02-time-to-breach", async () => {
        const api = (path: string) => `${session.server.url}/api/v1${path}`;
        const post = async (path: string, data: unknown) => {
          const res = await page.request.post(api(path), { data });
          expect(res.status(), await res.text()).toBe(201);
          return (await res.json()) as { id: string };
        };
        // Around the clock, so the due times do not depend on when this runs: urgent tickets have 30 minutes, and
        // their policy comes before the standard one.
        const always = await post("/sla/calendars", {
          name: "Around the clock",
          timeZone: "UTC",
          blocks: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: "00:00", end: "24:00" })),
        });
        const standard = ((await (await page.request.get(api("/sla/policies"))).json()) as { data: { id: string; name: string }[] }).data.find(
          (p) => p.name === "Standard support",
        );
        expect((await page.request.patch(api(`/sla/policies/${standard?.id}`), { data: { position: 5 } })).status()).toBe(200);
        await post("/sla/policies", {
          name: "Urgent around the clock",
          condition: { all: [{ field: "priority", op: "eq", value: "urgent" }] },
          resolutionMinutes: 30,
          calendarId: always.id,
          position: 0,
        });
        // A low-priority ticket falls under the standard policy in office hours: due later than the urgent one.
        await post("/tickets", { subject: "Printer jammed", requester: { email: "pat@customer.test" }, priority: "low" });
        await post("/tickets", { subject: "Site is down", requester: { email: "lee@customer.test" }, priority: "urgent" });
        await page.getByTestId("nav-tickets").click();
        const rows = page.getByTestId("ticket-row");
        await rows.first().waitFor({ state: "visible" });
        await page.getByTestId("tickets-sort").click();
        await page.getByRole("option", { name: "Time to breach" }).click();
        const urgent = rows.filter({ hasText: "Site is down" });
        // The clocks are computed by the worker from the ticket's event: the list refreshes until they are there.
        await expect
          .poll(async () => (await urgent.getByTestId("ticket-due").textContent()) ?? "", { timeout: 60_000, interval: 1000 })
          .toMatch(/^in \d+ min$/);
        await expect.poll(async () => rows.first().getAttribute("data-ticket-subject"), { timeout: 60_000 }).toBe("Site is down");
        await page.getByTestId("filter-due-within").click();
        await page.getByRole("option", { name: "Due within 1 hour" }).click();
        await expect.poll(async () => rows.count()).toBe(1);
        expect(page.url()).toContain("sort=slaDueAt");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
