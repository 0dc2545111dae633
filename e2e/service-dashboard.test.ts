/**
 * The service dashboard in real Chromium against the real server (PGlite in memory): a new workspace's dashboard
 * teaches where tickets come from; once tickets exist (created through the tickets service, as a channel would),
 * the page shows the counts, median first response, CSAT, the charts and the per-agent table, and the channel
 * filter narrows them.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("service dashboard (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const admin = { workspace: "Helpdesk Co", name: "Hana Helper", email: "hana@helpdesk.test", password: "correct-horse-battery-staple" };

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "service-dashboard");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });

  it(
    "teaches where tickets come from while there are none",
    () =>
      step("01-empty", async () => {
        await page.goto(server.url);
        await signUp(page, admin);
        await byTestId("nav-service-dashboard").click();
        await see(byTestId("list-empty").filter({ hasText: "No tickets here yet" }));
      }),
    STEP,
  );

  it(
    "shows the numbers and charts of the tickets, and filters them by channel",
    () =>
      step("02-data", async () => {
        const me = (await (await page.request.get(`${server.url}/api/v1/auth/me`)).json()) as { user: { id: string }; workspace: { id: string } };
        const { createTicket } = await import("../src/modules/tickets/service.js");
        const { systemActor } = await import("../src/core/context.js");
        const ctx = { db: server.database.db, workspaceId: me.workspace.id, actor: systemActor };
        const H = 3_600_000;
        const base = Date.now() - 3 * 24 * H;
        // First responses after 1, 2, 3, 4 and 5 hours: median 3 h. Two email tickets solved and rated 5 and 4.
        const specs = [
          { channel: "email", fr: 1, solved: true, rating: 5 },
          { channel: "email", fr: 2, solved: true, rating: 4 },
          { channel: "email", fr: 3, solved: false, rating: null },
          { channel: "phone", fr: 4, solved: false, rating: null },
          { channel: "web", fr: 5, solved: false, rating: null },
          { channel: "web", fr: null, solved: false, rating: null },
        ] as const;
        for (const [i, s] of specs.entries()) {
          const createdAt = new Date(base + i * H);
          await createTicket(
            ctx,
            { subject: `Printer jam ${i}`, channel: s.channel, assigneeId: me.user.id, status: s.solved ? "solved" : "open", priority: "normal" },
            {
              createdAt,
              firstResponseAt: s.fr === null ? null : new Date(createdAt.getTime() + s.fr * H),
              solvedAt: s.solved ? new Date(createdAt.getTime() + 24 * H) : null,
              satisfaction: s.rating,
              noRouting: true,
            },
          );
        }
        await page.reload();
        await expect.poll(async () => byTestId("kpi-created-value").textContent()).toBe("6");
        expect(await byTestId("kpi-solved-value").textContent()).toBe("2");
        expect(await byTestId("kpi-backlog-value").textContent()).toBe("4");
        expect(await byTestId("kpi-first-response-value").textContent()).toBe("3 h 0 min");
        expect(await byTestId("kpi-csat-value").textContent()).toBe("4.50 / 5");
        for (const chart of ["chart-created-solved", "chart-channels", "chart-backlog", "chart-csat"]) await see(byTestId(chart).locator("svg"));
        await see(byTestId("table-channels").getByText("Web form"));
        await see(byTestId("table-agents").getByText(admin.name));
        await see(byTestId("sla-empty"));

        await byTestId("filter-channel").click();
        await page.getByRole("option", { name: "Email" }).click();
        await expect.poll(async () => byTestId("kpi-created-value").textContent()).toBe("3");
        expect(await byTestId("kpi-first-response-value").textContent()).toBe("2 h 0 min");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
