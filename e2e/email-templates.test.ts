/**
 * Marketing → Templates in real Chromium against the real server, its worker and a real SMTP server on loopback: write
 * a template with a merge field in HTML mode, see a syntax error with its line and column, preview it as a contact,
 * save it and send a test to yourself, which arrives rendered as that contact.
 */
import type { ParsedMail } from "mailparser";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, type MailCatcher, openBrowserSession, STEP, screenshotSteps, signUp, startMailCatcher, suite } from "./support.js";

suite("Marketing → Templates (Chromium)", () => {
  const errors: string[] = [];
  let mail: MailCatcher;
  let inbox: ParsedMail[] = [];
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    mail = await startMailCatcher();
    inbox = mail.inbox;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5, smtpUrl: mail.url, mailFrom: "Rapport <crm@mail.test>" });
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
    await mail?.close();
  });

  const step = screenshotSteps(() => page, "email-templates");

  it(
    "writes a template with a merge field, previews it as a contact and test-sends it",
    () =>
      step("01-template", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Templates Inc", name: "Tia Admin", email: "tia@mail.test" });
        await page.evaluate(async () => {
          const r = await fetch("/api/v1/contacts", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ firstName: "Grace", lastName: "Hopper", emails: [{ email: "grace@navy.example" }] }),
          });
          if (!r.ok) throw new Error(`contact: ${r.status}`);
        });
        await page.getByTestId("nav-email-templates").click();
        await page.getByText("No templates yet").waitFor({ state: "visible" });
        await page.getByTestId("new-template").click();
        await page.getByTestId("template-name").fill("Welcome");
        await page.getByTestId("template-subject").fill("Welcome, {{ contact.firstName }}");
        await page.getByText("HTML", { exact: true }).click();
        const html = page.getByTestId("template-html");
        await html.fill("<p>Hello</p>\n<p>{% if contact.firstName %}open");
        await expect.poll(() => page.getByTestId("template-problems").textContent()).toContain("line 2, column 4");
        await html.fill("<p>Hello {{ contact.firstName }}, from {{ company.name | default: 'our team' }}</p>");
        await page.getByTestId("template-problems").waitFor({ state: "hidden" });

        await page.getByTestId("preview-contact").fill("Grace");
        await page.getByRole("option", { name: "Grace Hopper" }).click();
        await expect.poll(() => page.getByTestId("preview-subject").textContent()).toContain("Welcome, Grace");
        await expect.poll(() => page.frameLocator('[data-testid="preview-frame"]').locator("body").textContent()).toContain("Hello Grace, from our team");

        await page.getByTestId("save-template").click();
        await page.getByTestId("template-list").getByText("Welcome", { exact: true }).waitFor({ state: "visible" });
        await page.getByTestId("send-test").click();
        await expect
          .poll(() => inbox.find((m) => m.subject === "[Test] Welcome, Grace")?.html || "", { timeout: 60_000 })
          .toContain("Hello Grace, from our team");
        const sent = inbox.find((m) => m.subject === "[Test] Welcome, Grace");
        expect(sent?.text).toContain("Hello Grace, from our team");
        const to = sent?.to;
        expect(Array.isArray(to) ? to[0]?.value[0]?.address : to?.value[0]?.address).toBe("tia@mail.test");

        // Typed in the rich editor, a merge field whose name looks like a domain (company.name) stays text, not a link.
        await page.getByText("Rich text", { exact: true }).click();
        const rich = page.getByTestId("rich-text-input");
        await rich.click();
        await page.keyboard.press("Control+A");
        await page.keyboard.type("Hi {{ company.name }} and {{ owner.email }} team ");
        await page.getByText("HTML", { exact: true }).click();
        await expect.poll(() => page.getByTestId("template-html").inputValue()).toContain("Hi {{ company.name }} and {{ owner.email }} team");
        expect(await page.getByTestId("template-html").inputValue()).not.toContain("<a ");
        await page.getByTestId("template-problems").waitFor({ state: "hidden" });
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
