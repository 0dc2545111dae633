/**
 * Importing deals and activities through the web app in real Chromium against the real server (PGlite in memory):
 * upload, mapping, preview with reasons, options that fix them, the run, the records, and undo.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

const dealsCsv = [
  "Opportunity ID,Opportunity Name,Account Name,Stage,Amount,Close Date",
  "X-1,Initech rollout,Initech,Discovery,12000,2026-03-31",
  "X-2,Initech support,Initech,Demo scheduled,3000,2026-04-15",
  "X-3,Initech pilot,Initech,Closed Lost,800,2025-12-01",
].join("\n");

const activitiesCsv = [
  "Type,Subject,Date,Opportunity,Duration",
  "Call,Scoping call,2026-01-12 15:00,Initech rollout,25",
  "Task,Send the security questionnaire,2026-02-01,Initech rollout,",
].join("\n");

// Enough rows for a run of several batches, so its progress (rows, rate, time left) shows while it runs.
const peopleCsv = ["First Name,Last Name,Email,Shoe size", ...Array.from({ length: 5000 }, (_, i) => `P${i},Person,p${i}@people.test,${36 + (i % 10)}`)].join(
  "\n",
);

suite("importing deals and activities (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "imports");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator, timeout?: number) => l.first().waitFor({ state: "visible", timeout });

  async function upload(object: "Contacts" | "Deals" | "Activities", name: string, content: string) {
    await byTestId("nav-imports").click();
    await see(byTestId("imports-page"));
    await byTestId("import-object").getByText(object, { exact: true }).click();
    await page.locator('input[type="file"]').setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(content) });
    await byTestId("import-upload").click();
    await see(byTestId("mapping-table"));
  }

  it(
    "signs up with a company to attach deals to",
    () =>
      step("01-setup", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Imports Inc", name: "Ines Importer", email: "ines@imports.test" });
        const status = await page.evaluate(async () => {
          const res = await fetch("/api/v1/companies", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Initech"}' });
          return res.status;
        });
        expect(status).toBe(201);
      }),
    STEP,
  );

  it(
    "previews deals with the reason for each rejected row, fixes them with options, imports and finds them on the board",
    () =>
      step("02-deals", async () => {
        await upload("Deals", "opportunities.csv", dealsCsv);
        await expect(page.locator('input[aria-label="Import Stage as"]').inputValue()).resolves.toBe("Stage (by name)");
        await byTestId("import-preview").click();
        await see(byTestId("preview-result"));
        const rejected = byTestId("rejected-rows");
        await see(rejected.getByText('Stage "Demo scheduled" is not in pipeline "Sales"', { exact: false }));
        await see(rejected.getByText("is a lost stage and the row gives no lost reason", { exact: false }));

        await byTestId("import-create-stages").click();
        await byTestId("import-lost-reason").click();
        await page.getByRole("option", { name: "Price" }).click();
        await byTestId("import-preview").click();
        await see(byTestId("stages-to-create").getByText("Sales: Demo scheduled", { exact: false }));
        await expect(rejected.count()).resolves.toBe(0);
        await byTestId("import-run").click();
        await see(byTestId("import-status").getByText("completed"), 30_000);
        await expect(byTestId("import-run-card").textContent()).resolves.toContain("3");

        await page.goto(`${server.url}/deals`);
        await see(page.getByText("Initech rollout"));
        await see(page.getByText("Demo scheduled"));
      }),
    STEP,
  );

  it(
    "names the columns it leaves out, shows rows, rate and time left while it runs, and counts unchanged rows on a re-import",
    () =>
      step("04-progress", async () => {
        await upload("Contacts", "people.csv", peopleCsv);
        await byTestId("import-preview").click();
        await see(byTestId("preview-result"), 60_000);
        await see(byTestId("ignored-columns").getByText("Shoe size", { exact: false }));
        // The server runs in this test's process, so the run competes with the test's own steps: the page records every
        // progress line it shows, and the test reads them once the run is over.
        await page.evaluate(() => {
          const seen: string[] = [];
          (window as unknown as { progressSeen: string[] }).progressSeen = seen;
          new MutationObserver(() => {
            const text = document.querySelector('[data-testid="import-progress-text"]')?.textContent;
            if (text && seen[seen.length - 1] !== text) seen.push(text);
          }).observe(document.body, { subtree: true, childList: true, characterData: true });
        });
        await byTestId("import-run").click();
        await see(byTestId("import-status").getByText("completed"), 120_000);
        const seen = await page.evaluate(() => (window as unknown as { progressSeen: string[] }).progressSeen);
        expect(
          seen.some((l) => /^[\d,]+ of 5,000 rows/.test(l)),
          seen.join(" | "),
        ).toBe(true);
        expect(
          seen.some((l) => /of 5,000 rows · [\d,]+ rows\/s · about .+ left/.test(l)),
          seen.join(" | "),
        ).toBe(true);

        await byTestId("imports-page").getByText("Import another file").click();
        await upload("Contacts", "people.csv", peopleCsv);
        await byTestId("import-on-duplicate").click();
        await page.getByRole("option", { name: "Update the record" }).click();
        await byTestId("import-preview").click();
        await see(byTestId("preview-result"), 60_000);
        await expect(byTestId("preview-result").textContent()).resolves.toMatch(/Unchanged\s*5,000/);
        // Starting over leaves nothing in the list: only the import that ran is there.
        await byTestId("import-start-over").click();
        await see(byTestId("import-upload"));
        await expect(byTestId("imports-list").getByText("people.csv").count()).resolves.toBe(1);
      }),
    STEP,
  );

  it(
    "imports a call onto the deal's timeline and a task into the task list, then undoes the activity import",
    () =>
      step("03-activities", async () => {
        await upload("Activities", "activities.csv", activitiesCsv);
        await byTestId("import-preview").click();
        await see(byTestId("preview-result"));
        await expect(byTestId("preview-result").textContent()).resolves.toMatch(/Create\s*2/);
        await byTestId("import-run").click();
        await see(byTestId("import-status").getByText("completed"), 30_000);

        await page.goto(`${server.url}/tasks`);
        await see(page.getByText("Send the security questionnaire"));
        await page.goto(`${server.url}/deals`);
        await page.getByText("Initech rollout").first().click();
        await see(page.getByText("Scoping call"));

        await byTestId("nav-imports").click();
        await byTestId("imports-list").getByText("activities.csv").click();
        await byTestId("import-undo").click();
        await see(byTestId("import-status").getByText("undone"));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
