/**
 * The report builder in real Chromium against the real server: an empty Reports page teaches what to do; the admin
 * builds "won value by quarter by owner" as a bar chart (filter won, group by close quarter then owner, sum of amount),
 * saves it, and clicks a bar, which opens the deals table with exactly that owner's won deals.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("report builder (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const admin = { workspace: "Reports Co", name: "Rita Reports", email: "rita@reports.test", password: "correct-horse-battery-staple" };
  const api = (path: string) => `${server.url}/api/v1${path}`;
  const bob = { name: "Bob Builder", id: "" };
  const dealNames = { rita: ["Rita one", "Rita two"], bob: ["Bob one"], open: ["Still open"] };

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "reports");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const pick = async (testId: string, option: string) => {
    await byTestId(testId).click();
    await page.getByRole("option", { name: option, exact: true }).click();
  };

  it(
    "teaches what reports are on an empty page",
    () =>
      step("01-empty", async () => {
        await page.goto(server.url);
        await signUp(page, admin);
        const created = await page.request.post(api("/users"), {
          data: { name: bob.name, email: "bob@reports.test", role: "sales", password: "correct horse battery" },
        });
        expect(created.status()).toBe(201);
        bob.id = ((await created.json()) as { id: string }).id;
        const pipelines = (await (await page.request.get(api("/pipelines"))).json()) as { data: { stages: { id: string; type: string }[] }[] };
        const won = pipelines.data[0]?.stages.find((s) => s.type === "won")?.id;
        const make = async (name: string, amount: number, ownerId?: string, win = true) => {
          const res = await page.request.post(api("/deals"), { data: { name, amount, currency: "USD", ...(ownerId ? { ownerId } : {}) } });
          expect(res.status(), await res.text()).toBe(201);
          const id = ((await res.json()) as { id: string }).id;
          if (win) expect((await page.request.post(api(`/deals/${id}/stage`), { data: { stageId: won } })).status()).toBe(200);
        };
        await make("Rita one", 1000);
        await make("Rita two", 2500);
        await make("Bob one", 4000, bob.id);
        await make("Still open", 9000, undefined, false);

        await byTestId("nav-reports").click();
        await see(byTestId("list-empty").filter({ hasText: "No reports yet" }));
      }),
    STEP,
  );

  it(
    "builds won value by quarter by owner as a bar chart and saves it",
    () =>
      step("02-build", async () => {
        await byTestId("empty-create").click();
        await see(byTestId("report-builder"));
        await byTestId("report-name").fill("Won value by quarter by owner");
        // Filter: status is won.
        await byTestId("condition-add").click();
        await byTestId("condition-field").click();
        await page.getByRole("option", { name: "Status", exact: true }).click();
        await byTestId("condition-value").click();
        await page.getByRole("option", { name: "Won", exact: true }).click();
        // Group by close quarter, then owner.
        await byTestId("report-add-group").click();
        await pick("report-group-0", "Closed");
        await pick("report-bucket-0", "Quarter");
        await byTestId("report-add-group").click();
        await pick("report-group-1", "Owner");
        // Sum of amount, as a bar chart.
        await pick("report-measure-0", "Sum");
        await pick("report-measure-field-0", "Amount");
        await pick("report-visualization", "Bar");
        const bars = byTestId("report-chart").locator(".recharts-bar-rectangle");
        await see(bars);
        await expect.poll(() => bars.count(), { timeout: 60_000 }).toBe(2);
        await see(byTestId("report-as-of"));

        await byTestId("report-save").click();
        await page.waitForURL(/\/reports\/[0-9a-f-]{36}$/);
        const saved = (await (await page.request.get(api("/reports"))).json()) as { data: { name: string; definition: unknown }[] };
        expect(saved.data.map((r) => r.name)).toEqual(["Won value by quarter by owner"]);
        expect(saved.data[0]?.definition).toMatchObject({
          object: "deal",
          filter: { all: [{ field: "status", op: "eq", value: "won" }] },
          groupBy: [{ field: "closedAt", bucket: "quarter" }, { field: "ownerId" }],
          measures: [{ fn: "sum", field: "amount" }],
          visualization: "bar",
        });
      }),
    STEP,
  );

  it(
    "drills into a bar: the deals table lists that owner's won deals",
    () =>
      step("03-drill", async () => {
        const bars = byTestId("report-chart").locator(".recharts-bar-rectangle");
        await see(bars);
        // One bar per owner (the chart's series, in the order the report's rows name them): find Bob's.
        const saved = (await (await page.request.get(api("/reports"))).json()) as { data: { definition: unknown }[] };
        const ran = await page.request.post(api("/reports/run"), { data: { definition: saved.data[0]?.definition } });
        const rows = ((await ran.json()) as { rows: { labels: string[] }[] }).rows;
        const series = [...new Set(rows.map((r) => r.labels[1]))];
        const bobIndex = series.indexOf(bob.name);
        expect(bobIndex).toBeGreaterThanOrEqual(0);
        await bars.nth(bobIndex).click();
        await page.waitForURL(/\/deals\?/);
        await see(byTestId("drill-banner"));
        expect(await byTestId("drill-banner").textContent()).toContain(bob.name);
        await see(page.getByText("Bob one"));
        for (const other of [...dealNames.rita, ...dealNames.open]) expect(await page.getByText(other, { exact: true }).count()).toBe(0);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
