/**
 * Settings → Audit log in real Chromium against the real server and its worker: change a deal on the board, open
 * the audit log, filter by person, read the entry as a sentence, and download the filtered log as CSV.
 */
import { readFile } from "node:fs/promises";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("Settings → Audit log (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let page: Page;
  const admin = { workspace: "Audited Ltd", name: "Ada Admin", email: "ada@audit.test", password: "correct-horse-battery-staple" };

  beforeAll(async () => {
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5 });
    page = session.page;
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "audit");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const api = (path: string) => `${session.server.url}/api/v1${path}`;
  const sentence = `${admin.name} changed Stage from Qualification to Proposal on deal Acme renewal`;

  it(
    "changes a deal, finds it in the audit log by person, and downloads the CSV",
    () =>
      step("01-audit", async () => {
        await page.goto(session.server.url);
        await signUp(page, admin);
        // A colleague whose own entries the person filter must leave out.
        const colleague = await page.request.post(api("/users"), {
          data: { name: "Sam Sales", email: "sam@audit.test", role: "sales", password: "correct-horse-battery-staple" },
        });
        expect(colleague.status()).toBe(201);
        const created = await page.request.post(api("/deals"), { data: { name: "Acme renewal", amount: "12000" } });
        expect(created.status()).toBe(201);

        await byTestId("nav-deals").click();
        const card = page.locator('[data-testid="deal-card"][data-deal-name="Acme renewal"]');
        await see(card);
        await card.getByTestId("card-move-menu").click();
        await page.getByRole("menuitem", { name: "Proposal" }).click();
        await expect
          .poll(async () => ((await (await page.request.get(api("/deals"))).json()) as { data: { stageName: string }[] }).data[0]?.stageName)
          .toBe("Proposal");

        await byTestId("nav-audit").click();
        await see(page.getByRole("heading", { name: "Audit log" }));
        // The worker writes entries from the event stream within moments; the page shows them once reloaded.
        await expect
          .poll(
            async () => {
              await page.reload();
              await see(byTestId("audit-person"));
              return page.getByText(sentence).count();
            },
            { interval: 500 },
          )
          .toBeGreaterThan(0);

        await byTestId("audit-person").click();
        await page.getByRole("option", { name: admin.name }).click();
        await see(page.getByText(sentence));
        await see(
          byTestId("audit-row")
            .filter({ hasText: `${admin.name} signed in` })
            .or(byTestId("audit-row").filter({ hasText: "created deal" })),
        );
        // Another person with no entries: the empty state says what to try.
        await byTestId("audit-person").click();
        await page.getByRole("option", { name: "Sam Sales" }).click();
        await see(page.getByText("Nothing matches these filters"));
        await byTestId("audit-person").click();
        await page.getByRole("option", { name: admin.name }).click();
        await see(page.getByText(sentence));

        const [download] = await Promise.all([page.waitForEvent("download"), byTestId("audit-download").click()]);
        expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = await readFile((await download.path()) as string, "utf8");
        expect(csv).toContain(sentence);
        expect(csv).toContain("Time (UTC),Who,Actor kind,Action,Object");
        expect(csv).toContain(`${admin.name} created user Sam Sales`);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
