/**
 * The home page ("my day") and next best actions in real Chromium against the real server: land on home after signing
 * up, see my tasks, act on suggestions (complete an overdue follow-up, create a cross-sell deal) and see them take effect.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("home page and next best actions (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "home");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator, timeout?: number) => l.first().waitFor({ state: "visible", timeout });
  const post = async (path: string, data: unknown): Promise<{ id: string }> => {
    const res = await page.request.post(`${server.url}/api/v1${path}`, { data });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return (await res.json()) as { id: string };
  };

  it(
    "lands on home after signing up, with empty states that say what will show",
    () =>
      step("01-land", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Home Inc", name: "Hana Home", email: "hana@home.test" });
        await see(byTestId("home-page"));
        expect(new URL(page.url()).pathname).toBe("/home");
        await see(byTestId("home-tasks").getByTestId("home-empty"));
        await see(byTestId("next-actions-empty"));
        await see(byTestId("home-quota").getByText("No quota set for you this period"));
      }),
    STEP,
  );

  it(
    "shows my overdue and today's tasks, and completes the overdue follow-up from its next best action",
    () =>
      step("02-tasks", async () => {
        ids.overdue = (await post("/tasks", { title: "Call Zofia back", dueAt: new Date(Date.now() - 3 * 86_400_000).toISOString() })).id;
        ids.today = (await post("/tasks", { title: "Prepare the demo", dueAt: new Date(Date.now() + 60_000).toISOString() })).id;
        await page.reload();
        const tasks = byTestId("home-tasks");
        await see(tasks.getByTestId("task-row").filter({ hasText: "Call Zofia back" }));
        await see(tasks.getByTestId("task-row").filter({ hasText: "Prepare the demo" }));

        const suggestion = byTestId("next-action").filter({ hasText: "Call Zofia back" });
        await see(suggestion);
        expect(await suggestion.getByTestId("next-action-reason").textContent()).toBe("Follow-up overdue by 3 days");
        await suggestion.getByTestId("next-action-complete_task").click();
        await see(page.getByText("Completed “Call Zofia back”"));
        await suggestion.waitFor({ state: "detached" });
        await tasks.getByTestId("task-row").filter({ hasText: "Call Zofia back" }).waitFor({ state: "detached" });
        const task = await (await page.request.get(`${server.url}/api/v1/tasks/${ids.overdue}`)).json();
        expect(task.status).toBe("done");
        // Today's task is completed with one click on home too.
        await tasks.getByTestId("task-row").filter({ hasText: "Prepare the demo" }).getByTestId("task-complete").click();
        await tasks.getByTestId("task-row").filter({ hasText: "Prepare the demo" }).waitFor({ state: "detached" });
      }),
    STEP,
  );

  it(
    "suggests a cross-sell from what similar customers bought, with support and confidence, and creates the deal in one click",
    () =>
      step("03-cross-sell", async () => {
        const pipelines = (await (await page.request.get(`${server.url}/api/v1/pipelines`)).json()) as {
          data: { isDefault: boolean; stages: { id: string; type: string }[] }[];
        };
        const won = pipelines.data.find((p) => p.isDefault)?.stages.find((s) => s.type === "won")?.id as string;
        const laptop = (await post("/products", { name: "Laptop", sku: "LAP", unitPrice: "1000", currency: "EUR" })).id;
        const dock = (await post("/products", { name: "Dock", sku: "DCK", unitPrice: "200", currency: "EUR" })).id;
        const baskets: [string, string[]][] = [
          ["Alpha GmbH", [laptop, dock]],
          ["Beta SA", [laptop, dock]],
          ["Gamma Ltd", [laptop]],
        ];
        for (const [name, items] of baskets) {
          ids[name] = (await post("/companies", { name })).id;
          const deal = await post("/deals", { name: `${name} order`, companyId: ids[name], currency: "EUR" });
          const li = await page.request.put(`${server.url}/api/v1/deals/${deal.id}/line-items`, {
            data: { items: items.map((productId) => ({ productId, quantity: 1 })) },
          });
          expect(li.status()).toBe(200);
          await post(`/deals/${deal.id}/stage`, { stageId: won });
        }
        await page.reload();
        const suggestion = byTestId("next-action").filter({ hasText: "Offer Dock to Gamma Ltd" });
        await see(suggestion);
        expect(await suggestion.getByTestId("next-action-reason").textContent()).toBe(
          "67 % of customers who bought Laptop also bought Dock (confidence 0.67, support 0.67: 2 customers bought both)",
        );
        await suggestion.getByTestId("next-action-create_deal").click();
        await see(page.getByText("Deal “Dock for Gamma Ltd” created"));
        await suggestion.waitFor({ state: "detached" });

        // The company's page shows the new deal, and no longer suggests it.
        await page.goto(`${server.url}/companies/${ids["Gamma Ltd"]}`);
        await see(page.getByText("Dock for Gamma Ltd"));
        await see(byTestId("next-actions"));
        expect(await byTestId("next-action").filter({ hasText: "Offer Dock" }).count()).toBe(0);
      }),
    STEP,
  );

  it(
    "shows my quota attainment as a chart and the deals closing this month",
    () =>
      step("04-quota-deals", async () => {
        const me = ((await (await page.request.get(`${server.url}/api/v1/auth/me`)).json()) as { user: { id: string } }).user.id;
        const today = new Date();
        const month = `${today.getUTCFullYear()}-${String(today.getUTCMonth() + 1).padStart(2, "0")}`;
        const quota = await page.request.put(`${server.url}/api/v1/quotas`, {
          data: { quotas: [{ subjectType: "user", subjectId: me, period: month, amount: 4000, currency: "EUR" }] },
        });
        expect(quota.status()).toBe(200);
        const pipelines = (await (await page.request.get(`${server.url}/api/v1/pipelines`)).json()) as {
          data: { isDefault: boolean; stages: { id: string; type: string }[] }[];
        };
        const won = pipelines.data.find((p) => p.isDefault)?.stages.find((s) => s.type === "won")?.id as string;
        const closed = await post("/deals", { name: "Fleet renewal", amount: "1000", currency: "EUR" });
        await post(`/deals/${closed.id}/stage`, { stageId: won });
        const lastDay = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth() + 1, 0)).toISOString().slice(0, 10);
        await post("/deals", { name: "Warehouse scanners", amount: "2500", currency: "EUR", expectedCloseDate: lastDay });
        await byTestId("nav-home").click();
        await see(byTestId("home-page"));
        await expect.poll(() => byTestId("home-quota-attainment").textContent()).toBe("25 %");
        await see(byTestId("home-deal").filter({ hasText: "Warehouse scanners" }));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
