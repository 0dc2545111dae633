/**
 * Leads in real Chromium against the real server: an admin sets up an assignment rule and a web form in
 * the UI, a visitor fills the generated snippet on another site (with UTM parameters), and the lead shows
 * up owned by the rule's user with its reason, scored with a breakdown, and is converted into a deal.
 */
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

/** The visitor's site: a host Chromium never resolves, served by request interception. */
const LANDING = "http://landing.example";

suite("leads: web form → assigned, scored lead → deal (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let context: BrowserContext;
  let page: Page;
  let snippet = "";
  let salesId = "";
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, context, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "leads");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });

  it(
    "signs up, adds a sales rep, an assignment rule and a scoring rule",
    () =>
      step("01-setup", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Leads Inc", name: "Ada Admin", email: "ada@leads.test" });

        // The rep exists before the rule that names them (users have their own settings page and tests).
        const rep = await page.request.post(`${server.url}/api/v1/users`, {
          data: { name: "Sam Sales", email: "sam@leads.test", role: "sales", password: "correct-horse-battery-staple" },
        });
        expect(rep.status()).toBe(201);
        salesId = (await rep.json()).id;

        await page.goto(`${server.url}/settings/assignment`);
        await see(page.getByText("No assignment rules"));
        await byTestId("new-assignment-rule").click();
        await byTestId("rule-name").fill("Web leads");
        await byTestId("condition-add").click();
        await byTestId("condition-field").click();
        await page.getByRole("option", { name: "Lead source", exact: true }).click();
        await byTestId("condition-value").click();
        await page.getByRole("option", { name: "Web form" }).click();
        await byTestId("rule-user").click();
        await page.getByRole("option", { name: "Sam Sales" }).click();
        await byTestId("rule-save").click();
        await see(byTestId("assignment-rule").filter({ hasText: "Web leads" }));
        expect(await byTestId("assignment-rule").first().textContent()).toContain("Lead source is Web form");

        await page.goto(`${server.url}/settings/scoring`);
        await byTestId("new-scoring-rule").click();
        await byTestId("scoring-name").fill("Senior titles");
        // A new field rule starts as "Job title contains …": only the text is left to type.
        await byTestId("condition-value").fill("VP");
        await byTestId("scoring-points").fill("20");
        await byTestId("scoring-save").click();
        await see(byTestId("scoring-rule").filter({ hasText: "Senior titles" }));
      }),
    STEP,
  );

  it(
    "creates a web form and gets its embeddable HTML",
    () =>
      step("02-form", async () => {
        await page.goto(`${server.url}/settings/forms`);
        await see(page.getByText("No forms yet"));
        await byTestId("new-form").click();
        await byTestId("form-name").fill("Request a demo");
        await byTestId("add-form-field").click();
        await page.getByRole("option", { name: "Job title" }).click();
        await byTestId("form-save").click();
        await see(byTestId("form-snippet"));
        snippet = (await byTestId("form-snippet").textContent()) ?? "";
        expect(snippet).toContain(`${server.url}/api/public/forms/`);
        expect(snippet).toContain('name="website_url"');
        await page.getByRole("tab", { name: "Preview" }).click();
        await see(byTestId("form-preview"));
      }),
    STEP,
  );

  it(
    "lets a visitor on another site fill the snippet",
    () =>
      step("03-visitor", async () => {
        await context.route(`${LANDING}/**`, (route) =>
          route.fulfill({ contentType: "text/html", body: `<!doctype html><html><body><h1>Spring offer</h1>${snippet}</body></html>` }),
        );
        const visitor = await context.newPage();
        await visitor.goto(`${LANDING}/spring?utm_source=newsletter&utm_campaign=spring`);
        await visitor.getByLabel("First name").fill("Vera");
        await visitor.getByLabel("Last name").fill("Valdez");
        await visitor.getByLabel("Email").fill("Vera@Globex.example");
        await visitor.getByLabel("Company").fill("Globex");
        await visitor.getByLabel("Job title").fill("VP Operations");
        await visitor.getByRole("button", { name: "Send" }).click();
        await visitor.getByTestId("form-thanks").waitFor();
        expect(await visitor.getByTestId("form-thanks").textContent()).toContain("Thank you");
        await visitor.close();
      }),
    STEP,
  );

  it(
    "shows the lead assigned by the rule, with its reason and score breakdown",
    () =>
      step("04-lead", async () => {
        await page.goto(server.url);
        await byTestId("nav-leads").click();
        const row = byTestId("lead-row-link").filter({ hasText: "Vera Valdez" });
        await see(row);
        await row.first().click();
        await see(byTestId("lead-panel"));
        expect(await byTestId("assignment-reason").textContent()).toBe("Rule 'Web leads': Lead source is Web form");
        expect(await byTestId("lead-score").textContent()).toBe("20");
        // The badge shows the whole score: the "scored <date>" line beside it must not squeeze it to "2..".
        const clipped = await byTestId("lead-score").evaluate((el) => {
          const label = el.querySelector(".mantine-Badge-label") ?? el;
          return label.scrollWidth > label.clientWidth;
        });
        expect(clipped).toBe(false);
        expect(await byTestId("score-breakdown").textContent()).toContain("+20 Job title contains VP");
        const source = (await byTestId("lead-source-details").textContent()) ?? "";
        expect(source).toContain("Request a demo");
        expect(source).toContain("source: newsletter");
        expect(await byTestId("contact-details").textContent()).toContain("Sam Sales");
        const id = page.url().split("/").pop() as string;
        const contact = await (await page.request.get(`${server.url}/api/v1/contacts/${id}`)).json();
        expect(contact.ownerId).toBe(salesId);
      }),
    STEP,
  );

  it(
    "converts the lead into a company and a deal",
    () =>
      step("05-convert", async () => {
        await byTestId("convert-lead").click();
        await see(byTestId("convert-form"));
        expect(await byTestId("convert-company-name").inputValue()).toBe("Globex");
        await byTestId("convert-deal-name").fill("Globex pilot");
        await byTestId("convert-deal-amount").fill("not money");
        await byTestId("convert-submit").click();
        await see(page.getByText("Use a plain amount such as 12500.00"));
        await byTestId("convert-deal-amount").fill("18000");
        await byTestId("convert-submit").click();
        await see(page.getByText("Company created. Deal created."));
        await see(byTestId("contact-company-link").filter({ hasText: "Globex" }));
        expect(await byTestId("convert-lead").count()).toBe(0);
        const deals = await (await page.request.get(`${server.url}/api/v1/deals?q=Globex`)).text();
        expect(deals).toContain("Globex pilot");
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "fits a 375 px phone: the leads list, the lead panel and the forms settings",
    () =>
      step("06-phone", async () => {
        const contactUrl = page.url();
        await page.setViewportSize({ width: 375, height: 800 });
        const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        await page.goto(`${server.url}/leads`);
        await see(page.getByText("Leads", { exact: true }));
        expect(await overflow()).toBeLessThanOrEqual(1);
        await page.goto(contactUrl);
        await see(byTestId("lead-panel"));
        expect(await overflow()).toBeLessThanOrEqual(1);
        await page.goto(`${server.url}/settings/forms`);
        await see(byTestId("form-card"));
        expect(await overflow()).toBeLessThanOrEqual(1);
      }),
    STEP,
  );
});
