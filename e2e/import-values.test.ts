/**
 * Import value choices in real Chromium: which email column is primary, a phone extension that reaches the contact
 * page, and a date column whose dates fit both orders, which the user reads as day/month.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

const contactsCsv = ["First Name,Last Name,Work Email,Home Email,Phone", "Ada,Lovelace,ada@work.example,ada@home.example,+1 365 756 9410 x4781"].join("\n");
const dealsCsv = ["Deal Name,Amount,Close Date", "Rollout,1200,03/04/2026", "Pilot,300,01/02/2026"].join("\n");

suite("import values (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "import-values");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator, timeout?: number) => l.first().waitFor({ state: "visible", timeout });

  async function upload(object: "Contacts" | "Deals", name: string, content: string) {
    await byTestId("nav-imports").click();
    await see(byTestId("imports-page"));
    await byTestId("import-object").getByText(object, { exact: true }).click();
    await page.locator('input[type="file"]').setInputFiles({ name, mimeType: "text/csv", buffer: Buffer.from(content) });
    await byTestId("import-upload").click();
    await see(byTestId("mapping-table"));
  }

  it(
    "makes the home email primary and keeps the phone's extension",
    () =>
      step("01-primary", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Values Inc", name: "Val Ue", email: "val@values.test" });
        await upload("Contacts", "people.csv", contactsCsv);
        // The first email column in file order is primary until the user picks another.
        await expect(byTestId("primary-email-Work Email").isChecked()).resolves.toBe(true);
        await byTestId("primary-email-Home Email").check();
        await byTestId("import-preview").click();
        await see(byTestId("preview-result"));
        await byTestId("import-run").click();
        await see(byTestId("import-status").getByText("completed"), 30_000);
        const contact = await page.evaluate(async () => (await (await fetch("/api/v1/contacts")).json()).data[0]);
        expect(contact.primaryEmail).toBe("ada@home.example");
        await page.goto(`${server.url}/contacts/${contact.id}`);
        await see(page.getByText("+13657569410 ext. 4781"));
        await expect(page.locator('a[href="tel:+13657569410;ext=4781"]').count()).resolves.toBe(1);
      }),
    STEP,
  );

  it(
    "asks how to read a date column whose dates fit both orders, and reads it as chosen",
    () =>
      step("02-dates", async () => {
        await upload("Deals", "deals.csv", dealsCsv);
        await byTestId("import-preview").click();
        await see(byTestId("date-columns").getByText("Its dates fit both orders", { exact: false }));
        await expect(byTestId("import-run").isDisabled()).resolves.toBe(true);
        await byTestId("date-order-Close Date").getByText("Day/month").click();
        await byTestId("import-preview").click();
        await see(byTestId("preview-result"));
        await expect(byTestId("import-run").isEnabled()).resolves.toBe(true);
        await byTestId("import-run").click();
        await see(byTestId("import-status").getByText("completed"), 30_000);
        const deals = await page.evaluate(async () => (await (await fetch("/api/v1/deals")).json()).data as { name: string; expectedCloseDate: string }[]);
        expect(Object.fromEntries(deals.map((d) => [d.name, d.expectedCloseDate]))).toEqual({ Rollout: "2026-04-03", Pilot: "2026-02-01" });
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
