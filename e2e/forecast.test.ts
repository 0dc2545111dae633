/**
 * The forecast path in real Chromium against the real server (PGlite in memory): a new workspace's
 * Forecast page teaches how to start, the admin sets a quota in the quota grid, a deal is won, and
 * the page shows attainment, the quota-vs-won chart and the numbers; it also fits a phone.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("forecast and quotas (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const admin = { workspace: "Forecast Co", name: "Fiona Forecast", email: "fiona@forecast.test", password: "correct-horse-battery-staple" };
  const now = new Date();
  const quarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
  let userId = "";

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "forecast");

  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });

  it(
    "teaches what to do on an empty forecast",
    () =>
      step("01-empty", async () => {
        await page.goto(server.url);
        await signUp(page, admin);
        userId = ((await (await page.request.get(`${server.url}/api/v1/auth/me`)).json()) as { user: { id: string } }).user.id;

        await byTestId("nav-forecast").click();
        await see(byTestId("my-no-quota"));
        await see(byTestId("list-empty").filter({ hasText: "Nothing closes" }));
        // The backtest of the four periods before: nothing was open or won then, and it says what it will show.
        await see(byTestId("forecast-backtest").getByText("No history to compare yet"));
      }),
    STEP,
  );

  it(
    "sets a quota in the grid",
    () =>
      step("02-quota", async () => {
        await byTestId("set-quotas").click();
        await see(byTestId("quota-grid"));
        const cell = byTestId(`quota-cell-user-${userId}-${quarter}`);
        await cell.fill("20000");
        await byTestId("save-quotas").click();
        await see(page.getByText("1 quota saved"));
        const res = await page.request.get(`${server.url}/api/v1/quotas?year=${now.getUTCFullYear()}`);
        const saved = (await res.json()) as { data: { period: string; amount: string; subjectId: string }[] };
        expect(saved.data).toEqual([expect.objectContaining({ period: quarter, amount: "20000.00", subjectId: userId })]);
      }),
    STEP,
  );

  it(
    "shows attainment, the chart and the numbers after a won deal",
    () =>
      step("03-won", async () => {
        const pipelines = (await (await page.request.get(`${server.url}/api/v1/pipelines`)).json()) as {
          data: { stages: { id: string; type: string }[] }[];
        };
        const wonStage = pipelines.data[0]?.stages.find((s) => s.type === "won");
        const created = await page.request.post(`${server.url}/api/v1/deals`, {
          data: { name: "Fleet renewal", amount: 5000, currency: "USD", expectedCloseDate: now.toISOString().slice(0, 10) },
        });
        expect(created.status()).toBe(201);
        const dealId = ((await created.json()) as { id: string }).id;
        const moved = await page.request.post(`${server.url}/api/v1/deals/${dealId}/stage`, { data: { stageId: wonStage?.id } });
        expect(moved.status()).toBe(200);

        await page.getByRole("link", { name: "Forecast" }).first().click();
        await see(byTestId("my-attainment-pct"));
        expect(await byTestId("my-attainment-pct").textContent()).toBe("25%");
        expect(await byTestId("my-won").textContent()).toContain("5,000");
        await see(byTestId("forecast-chart").locator(".recharts-bar-rectangle"));
        const row = byTestId("forecast-row").filter({ hasText: admin.name });
        await see(row);
        const text = (await row.textContent()) ?? "";
        expect(text).toContain("$20,000");
        expect(text).toContain("25%");
        expect(text).toContain("$15,000");
        await see(byTestId("pipeline-table"));
        expect(await byTestId("pipeline-table").textContent()).toContain("Won");
      }),
    STEP,
  );

  it(
    "fits a phone screen",
    () =>
      step("04-phone", async () => {
        await page.setViewportSize({ width: 375, height: 800 });
        await see(byTestId("my-attainment"));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.setViewportSize({ width: 1360, height: 900 });
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
