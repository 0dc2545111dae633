/**
 * Inline editing in real Chromium against the real server: a field on a record page and a cell in the contacts
 * and deals lists edit in place (Enter saves, Esc cancels, focus comes back), the change reaches the timeline,
 * a server validation error shows beside the field while the old value stays, and a read-only user sees no edit
 * affordance at all.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("inline editing on record pages and list cells (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const ids = { contact: "", company: "", deal: "" };
  const readOnly = { email: "rita@inline.test", password: "correct-horse-battery-staple" };

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "inline-edit");
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(`${server.url}${path}`, { data });
    expect(res.status(), `${path}: ${await res.text()}`).toBe(201);
    return (await res.json()) as { id: string };
  };
  const getJson = async <T>(path: string) => (await (await page.request.get(`${server.url}${path}`)).json()) as T;
  /** The "Edit …" part of the focused control's name: a pencil button's aria-label, or a value button's hidden label. */
  const focusedLabel = () =>
    page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.querySelector("[data-inline-label]")?.textContent ?? "");

  it(
    "signs up and creates a company, a contact with custom fields, a deal and a read-only user",
    () =>
      step("01-setup", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Inline Inc", name: "Ada Admin", email: "ada@inline.test" });
        await post("/api/v1/custom-fields", { object: "contact", label: "Segment", type: "select", options: ["Enterprise", "Mid-market", "SMB"] });
        await post("/api/v1/custom-fields", { object: "contact", label: "Direct line", type: "phone" });
        ids.company = (await post("/api/v1/companies", { name: "Acme Analytics", domain: "acme-analytics.test" })).id;
        ids.contact = (
          await post("/api/v1/contacts", {
            firstName: "Grace",
            lastName: "Hopper",
            jobTitle: "Engineer",
            companyId: ids.company,
            emails: [{ email: "grace@acme-analytics.test", primary: true }],
          })
        ).id;
        ids.deal = (await post("/api/v1/deals", { name: "Acme renewal", amount: "1000", currency: "EUR", companyId: ids.company })).id;
        await post("/api/v1/users", { name: "Rita Reader", email: readOnly.email, role: "read_only", password: readOnly.password });
      }),
    STEP,
  );

  it(
    "edits a text field on the contact page: Enter saves, focus returns, the header and timeline show it",
    () =>
      step("02-record-page", async () => {
        await page.goto(`${server.url}/contacts/${ids.contact}`);
        const details = page.getByTestId("contact-details");
        const jobTitle = details.getByRole("button", { name: "Edit Job title" });
        await see(jobTitle);
        expect(await jobTitle.textContent()).toContain("Engineer");

        await jobTitle.click();
        const input = details.getByRole("textbox", { name: "Job title" });
        await expect.poll(() => input.evaluate((el) => el === document.activeElement)).toBe(true);
        await input.fill("Rear admiral");
        await input.press("Enter");

        await expect.poll(() => jobTitle.textContent()).toContain("Rear admiral");
        await expect.poll(focusedLabel).toBe("Edit Job title");
        // Updated where else it shows, without a reload: the header, and the timeline's history.
        await expect.poll(() => page.getByTestId("contact-page").locator("[data-testid=record-title] + div").textContent()).toContain("Rear admiral");
        await see(page.getByTestId("timeline-change").filter({ hasText: "Job title" }).filter({ hasText: "Rear admiral" }));
        const saved = await getJson<{ jobTitle: string }>(`/api/v1/contacts/${ids.contact}`);
        expect(saved.jobTitle).toBe("Rear admiral");
      }),
    STEP,
  );

  it(
    "picks a custom select option by its label and changes the owner and lifecycle stage",
    () =>
      step("03-record-page-selects", async () => {
        const custom = page.getByTestId("contact-custom-fields");
        await custom.getByRole("button", { name: "Edit Segment" }).click();
        await page.getByRole("option", { name: "Mid-market" }).click();
        await expect.poll(() => custom.getByRole("button", { name: "Edit Segment" }).textContent()).toContain("Mid-market");

        const details = page.getByTestId("contact-details");
        await details.getByRole("button", { name: "Edit Lifecycle stage" }).click();
        await page.getByRole("option", { name: "Sales qualified" }).click();
        await expect.poll(() => details.getByRole("button", { name: "Edit Lifecycle stage" }).textContent()).toContain("Sales qualified");

        const saved = await getJson<{ lifecycleStage: string; custom: Record<string, unknown> }>(`/api/v1/contacts/${ids.contact}`);
        expect(saved.lifecycleStage).toBe("sales_qualified");
        expect(saved.custom.segment).toBe("Mid-market");
      }),
    STEP,
  );

  it(
    "shows the server's validation error beside the field and keeps the old value; Esc cancels",
    () =>
      step("04-validation-error", async () => {
        const custom = page.getByTestId("contact-custom-fields");
        const directLine = custom.getByRole("button", { name: "Edit Direct line" });
        await directLine.click();
        const input = custom.getByRole("textbox", { name: "Direct line" });
        await input.fill("12");
        const patch = page.waitForResponse((r) => r.url().endsWith(`/api/v1/contacts/${ids.contact}`) && r.request().method() === "PATCH");
        await input.press("Enter");
        expect((await patch).status()).toBe(400);
        // The server's message, next to the input, and the editor stays open with what was typed.
        await see(custom.getByText("Enter a valid phone number, with its country code"));
        expect(await input.inputValue()).toBe("12");
        expect(await input.getAttribute("aria-invalid")).toBe("true");

        await input.press("Escape");
        await see(directLine);
        await expect.poll(() => custom.textContent()).toMatch(/Direct line\s*—/);
        await expect.poll(focusedLabel).toBe("Edit Direct line");

        // Esc on a typed change sends nothing.
        const details = page.getByTestId("contact-details");
        let patches = 0;
        const count = (r: { method(): string }) => {
          if (r.method() === "PATCH") patches++;
        };
        page.on("request", count);
        await details.getByRole("button", { name: "Edit Job title" }).click();
        await details.getByRole("textbox", { name: "Job title" }).fill("Something else");
        await page.keyboard.press("Escape");
        await see(details.getByRole("button", { name: "Edit Job title" }));
        expect(await details.getByRole("button", { name: "Edit Job title" }).textContent()).toContain("Rear admiral");
        page.off("request", count);
        expect(patches).toBe(0);

        // A client-side check (the same contract schema as the edit form) on a multi-value field's popover.
        await details.getByRole("button", { name: "Edit Emails" }).click();
        const email = page.getByRole("textbox", { name: "Emails 1", exact: true });
        await email.fill("not-an-email");
        await email.press("Enter");
        await see(page.getByTestId("inline-editor").getByText(/valid email/i));
        await email.fill("grace.hopper@acme-analytics.test");
        await email.press("Enter");
        await expect.poll(() => details.textContent()).toContain("grace.hopper@acme-analytics.test");
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "edits a cell in the contacts list and in the deals table without leaving the list",
    () =>
      step("05-list-cells", async () => {
        await page.goto(`${server.url}/contacts`);
        const row = page.getByTestId("record-row").filter({ hasText: "Grace Hopper" });
        await see(row);
        await row.hover();
        await row.getByRole("button", { name: "Edit Job title" }).click();
        const input = page.getByTestId("inline-editor").getByRole("textbox", { name: "Job title" });
        await input.fill("Commodore");
        await input.press("Enter");
        await expect.poll(() => row.textContent()).toContain("Commodore");
        expect(page.url()).toMatch(/\/contacts$/);
        await expect.poll(focusedLabel).toBe("Edit Job title");
        expect((await getJson<{ jobTitle: string }>(`/api/v1/contacts/${ids.contact}`)).jobTitle).toBe("Commodore");

        await page.evaluate(() => sessionStorage.setItem("rapport:deals-view", "table"));
        await page.goto(`${server.url}/deals`);
        const dealRow = page.getByTestId("deal-row").filter({ hasText: "Acme renewal" });
        await see(dealRow);
        await dealRow.hover();
        await dealRow.getByRole("button", { name: "Edit Amount" }).click();
        const amount = page.getByTestId("inline-editor").getByRole("textbox", { name: "Amount" });
        await amount.fill("2500");
        await amount.press("Enter");
        await expect.poll(() => dealRow.textContent()).toMatch(/2,500/);
        expect(page.url()).toMatch(/\/deals$/);
        expect((await getJson<{ amount: string }>(`/api/v1/deals/${ids.deal}`)).amount).toBe("2500.00");
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "looks right on a phone: the record page's fields still edit in place",
    () =>
      step("06-phone", async () => {
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${server.url}/companies/${ids.company}`);
        const details = page.getByTestId("company-details");
        await details.getByRole("button", { name: "Edit Industry" }).click();
        const input = details.getByRole("textbox", { name: "Industry" });
        await input.fill("Software");
        await input.press("Enter");
        await expect.poll(() => details.getByRole("button", { name: "Edit Industry" }).textContent()).toContain("Software");
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(0);
        await page.setViewportSize({ width: 1360, height: 900 });
      }),
    STEP,
  );

  it(
    "gives a read-only user no edit affordance, on record pages or in lists",
    () =>
      step("07-read-only", async () => {
        const context = await page
          .context()
          .browser()
          ?.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-US" });
        if (!context) throw new Error("no browser");
        const ro = await context.newPage();
        ro.on("pageerror", (e) => errors.push(`pageerror (read-only): ${e.message}`));
        try {
          await ro.goto(server.url);
          await ro.getByTestId("signin-form").waitFor({ state: "visible" });
          await ro.getByLabel("Email").fill(readOnly.email);
          await ro.getByRole("textbox", { name: "Password" }).fill(readOnly.password);
          await ro.getByTestId("signin-submit").click();
          await ro.getByTestId("navbar").waitFor({ state: "visible" });

          await ro.goto(`${server.url}/contacts/${ids.contact}`);
          await ro.getByTestId("contact-details").getByText("Commodore").first().waitFor({ state: "visible" });
          await ro.getByTestId("contact-custom-fields").getByText("Mid-market").first().waitFor({ state: "visible" });
          expect(await ro.getByRole("button", { name: /^Edit / }).count()).toBe(0);

          await ro.goto(`${server.url}/contacts`);
          await ro.getByTestId("record-row").filter({ hasText: "Grace Hopper" }).first().waitFor({ state: "visible" });
          expect(await ro.getByRole("button", { name: /^Edit / }).count()).toBe(0);

          await ro.goto(`${server.url}/deals/${ids.deal}`);
          await ro.getByTestId("deal-details").waitFor({ state: "visible" });
          expect(await ro.getByRole("button", { name: /^Edit / }).count()).toBe(0);
        } finally {
          await context.close();
        }
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
