/**
 * The knowledge base and the public help centre in real Chromium against the real server (PGlite in memory): a new
 * admin writes an article in the rich-text editor, publishes it publicly, finds it in the help centre (list, search,
 * page), edits it and goes back to an earlier version.
 */
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("knowledge base and help centre (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, context, page } = session);
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "kb");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });

  it(
    "starts from an empty knowledge base that says what to do",
    () =>
      step("01-empty", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Helpful Ltd", name: "Hana Helper", email: "hana@helpful.test" });
        await byTestId("nav-kb").click();
        await see(page.getByText("No articles yet"));
        await byTestId("new-category").click();
        await byTestId("category-name").fill("Billing");
        await byTestId("save-category").click();
        await see(byTestId("kb-category").getByText("Billing"));
      }),
    STEP,
  );

  it(
    "writes an article with formatting and publishes it to the help centre",
    () =>
      step("02-write", async () => {
        await byTestId("new-article").click();
        await byTestId("article-title").fill("How do I change my invoice address?");
        await byTestId("article-category").click();
        await page.getByRole("option", { name: "Billing" }).click();
        const editor = byTestId("rich-text-input");
        await editor.click();
        await page.keyboard.type("Open ");
        await page.keyboard.press("Control+b");
        await page.keyboard.type("Settings");
        await page.keyboard.press("Control+b");
        await page.keyboard.type(" and change the billing address.");
        await page.getByText("Public (help centre)").click();
        await byTestId("publish-article").click();
        await see(byTestId("article-status").getByText("Published"));
        await see(byTestId("open-in-help-centre"));
        const href = await byTestId("open-in-help-centre").getAttribute("href");
        expect(href).toMatch(/^\/help\/[a-z0-9-]+\/articles\/how-do-i-change-my-invoice-address$/);

        // The help centre is a public page: a visitor without a session reads it.
        const visitor = await context.browser()?.newContext();
        const pub = await (visitor as BrowserContext).newPage();
        await pub.goto(new URL(href as string, server.url).toString());
        await see(pub.getByRole("heading", { name: "How do I change my invoice address?" }));
        expect(await pub.locator("article strong").first().textContent()).toBe("Settings");
        await pub
          .getByRole("link", { name: /help centre/ })
          .first()
          .click();
        await see(pub.getByRole("heading", { name: "Billing" }));
        await pub.getByLabel("Search the help centre").fill("invoices");
        await pub.getByRole("button", { name: "Search" }).click();
        await see(pub.getByRole("link", { name: "How do I change my invoice address?" }));
        await visitor?.close();
      }),
    STEP,
  );

  it(
    "edits the article and restores the first version",
    () =>
      step("03-versions", async () => {
        await byTestId("article-title").fill("Changing the invoice address");
        await byTestId("save-article").click();
        await see(page.getByText(/Version 2/));
        await byTestId("show-versions").click();
        await see(byTestId("version-row").filter({ hasText: "Version 1" }));
        await byTestId("version-row").filter({ hasText: "Version 1" }).getByRole("button", { name: "Restore" }).click();
        await see(page.getByText(/Version 3/));
        expect(await byTestId("article-title").inputValue()).toBe("How do I change my invoice address?");
      }),
    STEP,
  );

  it(
    "finds it from the list by search and by category",
    () =>
      step("04-list", async () => {
        await byTestId("nav-kb").click();
        await byTestId("kb-search").fill("billing address");
        await see(byTestId("kb-row").filter({ hasText: "How do I change my invoice address?" }));
        await byTestId("kb-search").fill("zebra crossing");
        await see(byTestId("kb-no-match"));
        await byTestId("kb-search").fill("");
        await byTestId("kb-category").getByText("Billing").click();
        await see(byTestId("kb-row"));
        expect(await byTestId("kb-row").count()).toBe(1);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
