/**
 * The main path through the web app in real Chromium against the real server (PGlite in memory):
 * create a workspace, add a company and contacts, log activities and see them on both timelines,
 * find a contact with a typo through the command palette, add a custom field and filter by it,
 * create an API key and use it, check the phone layout, sign out and in again.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("web app main path (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const admin = { workspace: "Acme Sales", name: "Ada Admin", email: "ada@acme.test", password: "correct-horse-battery-staple" };
  let contactUrl = "";

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "main");

  const byTestId = (id: string) => page.getByTestId(id);
  const rows = () => page.getByTestId("record-row");
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  /** Inside the viewport (a collapsed navbar is moved off-screen, not hidden). */
  const onScreen = (l: Locator) =>
    l.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return r.width > 0 && r.right > 0 && r.left < window.innerWidth;
    });

  it(
    "creates a workspace on first run",
    () =>
      step("01-signup", async () => {
        await page.goto(server.url);
        await see(byTestId("signup-form"));
        // Readable errors straight from the contract's schema.
        await byTestId("signup-submit").click();
        await see(page.getByText("Name your workspace"));
        await signUp(page, admin);
        // Signed in, people land on their day.
        await see(byTestId("home-page"));
        expect(new URL(page.url()).pathname).toBe("/home");
        expect(await byTestId("user-menu").getAttribute("aria-label")).toContain(admin.name);
      }),
    STEP,
  );

  it(
    "adds a company and two contacts, one linked to the company",
    () =>
      step("02-records", async () => {
        await byTestId("nav-companies").click();
        await byTestId("create-button").click();
        await byTestId("company-name").fill("Nordwind Logistics");
        await byTestId("company-domain").fill("https://www.nordwind.example/");
        await byTestId("company-industry").fill("Logistics");
        await byTestId("company-employees").fill("240");
        await byTestId("form-submit").click();
        await see(rows().filter({ hasText: "Nordwind Logistics" }));
        expect(await rows().first().textContent()).toContain("nordwind.example");

        await byTestId("nav-contacts").click();
        await byTestId("create-button").click();
        await byTestId("contact-firstName").fill("Zofia");
        await byTestId("contact-lastName").fill("Kowalczyk");
        await byTestId("contact-jobTitle").fill("CTO");
        await byTestId("contact-email-0").fill("zofia@nordwind.example");
        await byTestId("contact-phone-0").fill("+49 30 1234567");
        await byTestId("contact-company").click();
        await byTestId("contact-company").fill("Nordw");
        await page.getByRole("option", { name: "Nordwind Logistics" }).click();
        await byTestId("form-submit").click();
        await see(rows().filter({ hasText: "Zofia Kowalczyk" }));

        await byTestId("create-button").click();
        await byTestId("contact-firstName").fill("Ben");
        await byTestId("contact-lastName").fill("Okafor");
        await byTestId("contact-email-0").fill("not an email");
        await byTestId("form-submit").click();
        await see(page.getByText("Enter a valid email address"));
        await byTestId("contact-email-0").fill("ben@okafor.example");
        await byTestId("form-submit").click();
        await see(rows().filter({ hasText: "Ben Okafor" }));
        expect(await rows().count()).toBe(2);
        expect(await rows().filter({ hasText: "Zofia Kowalczyk" }).textContent()).toContain("Nordwind Logistics");
      }),
    STEP,
  );

  it(
    "selects contacts one by one, as a shift-click range and all at once",
    () =>
      step("02b-select", async () => {
        const boxes = () => page.getByLabel("Select row");
        await boxes().nth(0).click();
        expect(await byTestId("bulk-count").textContent()).toBe("1 selected");
        await boxes().nth(0).click();
        await byTestId("bulk-count").waitFor({ state: "detached" });
        // Shift-click selects the range from the row clicked last (now unselected) to this one: both rows.
        await boxes()
          .nth(1)
          .click({ modifiers: ["Shift"] });
        expect(await byTestId("bulk-count").textContent()).toBe("2 selected");
        await page.getByLabel("Clear selection").click();
        await byTestId("select-all").click();
        expect(await byTestId("bulk-count").textContent()).toBe("2 selected");
        await byTestId("select-all").click();
        await byTestId("bulk-count").waitFor({ state: "detached" });
      }),
    STEP,
  );

  it(
    "logs a note and a call and shows them on the contact's and the company's timeline",
    () =>
      step("03-timeline", async () => {
        await rows().filter({ hasText: "Zofia Kowalczyk" }).getByTestId("row-link").click();
        await see(byTestId("contact-page"));
        contactUrl = page.url();
        await byTestId("composer-body").fill("Met at **LogiMAT**. Interested in the fleet module.");
        await byTestId("composer-submit").click();
        await see(byTestId("timeline-note").filter({ hasText: "Interested in the fleet module" }));
        // The stored HTML is rendered, not shown as markup.
        await see(byTestId("timeline-note").locator("strong", { hasText: "LogiMAT" }));

        await byTestId("composer-tab-call").click();
        await byTestId("composer-subject").fill("Discovery call");
        await byTestId("composer-duration").fill("25");
        await byTestId("composer-body").fill("Discussed pricing for 40 trucks.");
        await byTestId("composer-submit").click();
        const call = byTestId("timeline-call").filter({ hasText: "Discovery call" });
        await see(call);
        const callText = await call.textContent();
        expect(callText).toContain("25 min");
        expect(callText).toContain("Connected");
        expect(callText).toContain("Outbound");

        // A field change appears in the history.
        await byTestId("record-edit").click();
        await byTestId("contact-jobTitle").fill("CEO");
        await byTestId("form-submit").click();
        await see(byTestId("timeline-change").filter({ hasText: "changed Job title" }));
        expect(await byTestId("timeline-change").filter({ hasText: "changed Job title" }).textContent()).toMatch(/CTO\s*→\s*CEO/);

        await byTestId("contact-company-link").click();
        await see(byTestId("company-page"));
        await see(byTestId("company-contacts").getByText("Zofia Kowalczyk"));
        await see(byTestId("timeline-note").filter({ hasText: "Interested in the fleet module" }));
        await see(byTestId("timeline-call").filter({ hasText: "about Zofia Kowalczyk" }));
      }),
    STEP,
  );

  it(
    "finds a contact through the command palette despite a typo",
    () =>
      step("04-palette", async () => {
        await byTestId("nav-companies").click();
        await see(rows());
        await page.keyboard.press("ControlOrMeta+K");
        await byTestId("palette-input").fill("Kowalcyk");
        await see(byTestId("palette-result").filter({ hasText: "Zofia Kowalczyk" }));
        await page.keyboard.press("Enter");
        await see(byTestId("contact-page"));
        expect(page.url()).toBe(contactUrl);
      }),
    STEP,
  );

  it(
    "adds a custom field, sets it on a contact and filters the list by it",
    () =>
      step("05-custom-field", async () => {
        await byTestId("nav-custom-fields").click();
        await byTestId("add-custom-field").click();
        await byTestId("custom-field-label").fill("Customer tier");
        expect(await byTestId("custom-field-key").inputValue()).toBe("customer_tier");
        await byTestId("custom-field-type").click();
        await page.getByRole("option", { name: "Select", exact: true }).click();
        await byTestId("custom-field-options").fill("Gold");
        await page.keyboard.press("Enter");
        await byTestId("custom-field-options").fill("Silver");
        await page.keyboard.press("Enter");
        await byTestId("custom-field-save").click();
        await see(byTestId("custom-field-row").filter({ hasText: "Customer tier" }));

        await page.goto(contactUrl);
        await byTestId("record-edit").click();
        await byTestId("custom-customer_tier").click();
        await page.getByRole("option", { name: "Gold" }).click();
        await byTestId("form-submit").click();
        await see(byTestId("contact-custom-fields").getByText("Gold"));

        await byTestId("nav-contacts").click();
        await see(rows().filter({ hasText: "Ben Okafor" }));
        await byTestId("filter-button").click();
        await page.getByRole("button", { name: "Add condition" }).click();
        await byTestId("condition-field").click();
        await page.getByRole("option", { name: "Customer tier" }).click();
        expect(await byTestId("condition-value").inputValue()).toBe("Gold");
        await byTestId("filter-apply").click();
        await see(byTestId("active-filters").getByText("Customer tier is Gold"));
        await rows().filter({ hasText: "Ben Okafor" }).waitFor({ state: "detached" });
        expect(await rows().count()).toBe(1);
        expect(await rows().first().textContent()).toContain("Zofia Kowalczyk");

        // Clearing the filter brings everyone back.
        await page.getByRole("button", { name: "Clear filters" }).click();
        await see(rows().filter({ hasText: "Ben Okafor" }));
      }),
    STEP,
  );

  it(
    "creates an API key in the UI that works with fetch()",
    () =>
      step("06-api-key", async () => {
        await byTestId("nav-api-keys").click();
        await see(byTestId("api-docs-link"));
        await byTestId("create-api-key").click();
        await byTestId("api-key-name").fill("E2E integration");
        await byTestId("api-key-submit").click();
        await see(byTestId("api-key-created"));
        const key = ((await byTestId("api-key-value").textContent()) ?? "").trim();
        expect(key.length).toBeGreaterThan(20);
        const curl = (await byTestId("api-key-curl").textContent()) ?? "";
        expect(curl).toContain(`Authorization: Bearer ${key}`);
        expect(curl).toContain(`${server.url}/api/v1/contacts`);

        const res = await fetch(`${server.url}/api/v1/contacts`, { headers: { authorization: `Bearer ${key}` } });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { data: { fullName: string }[] };
        expect(body.data.map((c) => c.fullName).sort()).toEqual(["Ben Okafor", "Zofia Kowalczyk"]);
        const denied = await fetch(`${server.url}/api/v1/contacts`, { headers: { authorization: "Bearer nope" } });
        expect(denied.status).toBe(401);

        await byTestId("api-key-done").click();
        await see(byTestId("api-key-row").filter({ hasText: "E2E integration" }));
      }),
    STEP,
  );

  it(
    "works at phone width",
    () =>
      step("07-phone", async () => {
        await page.setViewportSize({ width: 375, height: 800 });
        await page.goto(`${server.url}/contacts`);
        await see(rows());
        expect(await byTestId("nav-burger").isVisible()).toBe(true);
        expect(await onScreen(byTestId("nav-companies"))).toBe(false);
        expect(await rows().count()).toBe(2);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);

        await byTestId("nav-burger").click();
        await page.waitForFunction(() => (document.querySelector('[data-testid="nav-companies"]')?.getBoundingClientRect().left ?? -1) >= 0);
        await byTestId("nav-companies").click();
        await see(rows().filter({ hasText: "Nordwind Logistics" }));
        await page.waitForFunction(() => {
          const r = document.querySelector('[data-testid="nav-companies"]')?.getBoundingClientRect();
          return r !== undefined && r.right <= 0;
        });
        await rows().first().getByTestId("row-open").click();
        await see(byTestId("company-page"));
        const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow2).toBeLessThanOrEqual(0);
        await page.setViewportSize({ width: 1360, height: 900 });
      }),
    STEP,
  );

  it(
    "signs out and back in",
    () =>
      step("08-sign-out-in", async () => {
        await byTestId("user-menu").click();
        await byTestId("sign-out").click();
        await see(byTestId("signin-form"));
        await see(byTestId("go-signup"));
        const me = await page.evaluate(() => fetch("/api/v1/auth/me").then((r) => r.status));
        expect(me).toBe(401);

        await page.getByLabel("Email").fill(admin.email);
        await page.getByRole("textbox", { name: "Password" }).fill("wrong-password-123");
        await byTestId("signin-submit").click();
        await see(byTestId("signin-error"));

        await page.getByRole("textbox", { name: "Password" }).fill(admin.password);
        await byTestId("signin-submit").click();
        // Back where we were, signed in.
        await see(byTestId("company-page"));
        await byTestId("nav-contacts").click();
        await see(rows().filter({ hasText: "Zofia Kowalczyk" }));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
