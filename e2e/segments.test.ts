/**
 * Segments and consent in real Chromium against the real server: a marketer builds a dynamic segment and watches its
 * count while editing, saves it, finds it in the list with its count; a contact unsubscribes from all on the public
 * preference page, and the contact page shows the suppression at once.
 */
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("segments and the preference page (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  let pia = "";

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, context, page } = session);
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "segments");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });

  it(
    "builds a dynamic segment and sees its count while editing and in the list",
    () =>
      step("01-segment", async () => {
        await page.goto(server.url);
        await signUp(page, { workspace: "Mailers Ltd", name: "Mia Marketing", email: "mia@mailers.test" });
        for (const [firstName, lifecycleStage, email] of [
          ["Pia", "customer", "pia@customer.test"],
          ["Quinn", "customer", "quinn@customer.test"],
          ["Lee", "lead", "lee@lead.test"],
        ] as const) {
          const res = await page.request.post(`${server.url}/api/v1/contacts`, { data: { firstName, lifecycleStage, emails: [{ email }] } });
          expect(res.status()).toBe(201);
          if (firstName === "Pia") pia = (await res.json()).id;
        }
        expect((await page.request.post(`${server.url}/api/v1/consent/topics`, { data: { name: "Newsletter" } })).status()).toBe(201);

        await byTestId("nav-segments").click();
        await see(page.getByText("No segments yet"));
        await byTestId("new-segment").click();
        await byTestId("segment-name").fill("Customers");
        await byTestId("condition-add").click();
        await byTestId("condition-field").click();
        await page.getByRole("option", { name: "Lifecycle stage", exact: true }).click();
        await byTestId("condition-value").click();
        await page.getByRole("option", { name: "Customer", exact: true }).click();
        await see(byTestId("segment-live-value").getByText("2 contacts"));
        await byTestId("segment-save").click();
        await page.waitForURL(/\/segments\/[0-9a-f-]{36}$/);
        await see(byTestId("segment-members").getByText("Quinn"));
        // The contacts list filtered by the segment: its members only.
        await byTestId("segment-open-list").click();
        await page.waitForURL(/\/contacts\?segment=/);
        await see(byTestId("record-row").filter({ hasText: "Quinn" }));
        expect(await byTestId("record-row").count()).toBe(2);
        await byTestId("nav-segments").click();
        await see(byTestId("segments-table").getByText("Customers"));
        expect((await byTestId("segment-count").first().textContent())?.trim()).toBe("2");
      }),
    STEP,
  );

  it(
    "unsubscribes from all on the preference page, and the contact page shows it",
    () =>
      step("02-preferences", async () => {
        const link = await page.request.post(`${server.url}/api/v1/contacts/${pia}/preference-link`);
        expect(link.status()).toBe(200);
        const url = (await link.json()).url as string;
        // The contact opens the link without a session.
        const visitor = await context.browser()?.newContext();
        const pub = await (visitor as BrowserContext).newPage();
        await pub.goto(new URL(new URL(url).pathname + new URL(url).search, server.url).toString());
        await see(pub.getByRole("heading", { name: "Your email preferences" }));
        await see(pub.getByText("Newsletter"));
        await pub.getByRole("button", { name: "Unsubscribe from all" }).click();
        await see(pub.getByText("You are unsubscribed from all our emails.").first());
        // A forged link says so and names no one.
        await pub.goto(`${server.url}/preferences/mailers-ltd?token=forged`);
        await see(pub.getByRole("heading", { name: "This link is not valid" }));
        expect(await pub.content()).not.toContain("pia@customer.test");
        await visitor?.close();

        await page.goto(`${server.url}/contacts/${pia}`);
        await see(byTestId("consent-panel"));
        await see(byTestId("consent-suppressed").getByText("Suppressed: Unsubscribed"));
        await see(byTestId("consent-row").getByText("Preference page", { exact: false }));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
