/**
 * What a new user trips over, in real Chromium: rule values chosen by label (stored as codes), history
 * and deal fields shown by label and name (never a code or an id), an exact contact count, the deals
 * panel on a contact, the workspace's currency in money inputs, and dragging a board card by its title.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

suite("labels, not codes (Chromium)", () => {
  let session: BrowserSession;
  let page: Page;
  let url = "";
  let contactId = "";
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    page = session.page;
    // These machines are shared and slow: give each wait room.
    page.setDefaultTimeout(45_000);
    url = session.server.url;
  });
  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "labels");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const api = (path: string) => `${url}/api/v1${path}`;
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(api(path), { data });
    expect(res.status(), await res.text()).toBeLessThan(300);
    return res.json();
  };

  it(
    "saves an assignment rule on lead source chosen by its label, stored as the code",
    () =>
      step("01-rule", async () => {
        await page.goto(url);
        await signUp(page, { workspace: "Labels Inc", name: "Ada Admin", email: "ada@labels.test" });
        expect((await page.request.patch(api("/workspace"), { data: { defaultCurrency: "USD" } })).status()).toBe(200);
        await page.goto(`${url}/settings/assignment`);
        await byTestId("new-assignment-rule").click();
        await byTestId("rule-name").fill("Web leads");
        await byTestId("condition-add").click();
        await byTestId("condition-field").click();
        await page.getByRole("option", { name: "Lead source" }).click();
        // A list to choose from, by label: nothing to type, so nothing that never matches.
        await byTestId("condition-value").click();
        await page.getByRole("option", { name: "Web form" }).click();
        await byTestId("rule-user").click();
        await page.getByRole("option", { name: "Ada Admin" }).click();
        await byTestId("rule-save").click();
        await see(byTestId("assignment-rule").filter({ hasText: "Web leads" }));
        expect(await byTestId("assignment-rule").first().textContent()).toContain("Lead source is Web form");
        const rules = await (await page.request.get(api("/assignment-rules"))).json();
        expect(rules.data[0].conditions).toEqual({ all: [{ field: "leadSource", op: "eq", value: "web_form" }] });
      }),
    STEP,
  );

  it(
    "shows history and deal fields by label and name, and counts the contacts exactly",
    () =>
      step("02-contact", async () => {
        const company = await post("/companies", { name: "Initech" });
        const contact = await post("/contacts", { firstName: "Lena", lastName: "Lead", leadSource: "web_form", leadStatus: "new" });
        contactId = contact.id;
        await page.request.patch(api(`/contacts/${contactId}`), { data: { companyId: company.id, leadStatus: "qualified" } });
        await post("/deals", {
          name: "Initech rollout",
          amount: 12000,
          companyId: company.id,
          contacts: [{ contactId, role: "champion" }],
          source: "web_form",
        });
        for (let i = 0; i < 51; i++) await post("/contacts", { firstName: `Filler ${i}` });

        await page.goto(`${url}/contacts`);
        await expect.poll(async () => byTestId("list-count").textContent()).toBe("52 contacts");

        await page.goto(`${url}/contacts/${contactId}`);
        await see(byTestId("timeline-change"));
        const history = (await byTestId("timeline").textContent()) ?? "";
        expect(history).toContain("Lead status: New → Qualified");
        expect(history).toContain("Company: empty → Initech");
        expect(history).not.toMatch(UUID);
        const panel = byTestId("record-deals-panel");
        await see(panel.getByText("Initech rollout"));
        expect(await panel.textContent()).toContain("$12,000");
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.screenshot({ path: "/tmp/labels-contact-1440.png" });
        await page.setViewportSize({ width: 390, height: 844 });
        await page.screenshot({ path: "/tmp/labels-contact-390.png", fullPage: true });
        await page.setViewportSize({ width: 1360, height: 900 });

        await panel.getByText("Initech rollout").click();
        await see(byTestId("deal-details"));
        // The value is an inline-edit button named "Edit Source: Web form" (its hidden prefix is in the text too).
        const details = await byTestId("deal-details").textContent();
        expect(details).toContain("Source: Web form");
        expect(details).not.toContain("web_form");
      }),
    STEP,
  );

  it(
    "pre-fills the workspace's currency in a new company and a new deal from the contact",
    () =>
      step("03-currency", async () => {
        await page.goto(`${url}/contacts/${contactId}`);
        await page.waitForLoadState("networkidle");
        await byTestId("record-new-deal").click();
        await expect.poll(async () => byTestId("deal-currency").inputValue()).toContain("USD");
        await byTestId("deal-name").fill("Second seat pack");
        await byTestId("deal-save").click();
        await see(byTestId("record-deals-panel").getByText("Second seat pack"));
        const deals = (await (await page.request.get(api(`/deals?contactId=${contactId}`))).json()).data as {
          name: string;
          currency: string;
          companyName: string;
        }[];
        expect(deals.find((d) => d.name === "Second seat pack")).toMatchObject({ currency: "USD", companyName: "Initech" });

        await page.goto(`${url}/companies?new=1`);
        await expect.poll(async () => byTestId("company-currency").inputValue()).toContain("USD");
      }),
    STEP,
  );

  it(
    "drags a board card by its title, while a click on the title opens the deal",
    () =>
      step("04-board", async () => {
        await page.goto(`${url}/deals`);
        const card = (name: string) => page.locator(`[data-testid="deal-card"][data-deal-name="${name}"]`);
        await see(card("Initech rollout"));
        await page.waitForLoadState("networkidle");
        const columns = page.locator('[data-testid^="board-column-"]');
        const target = columns.nth(1);
        const moved = target.locator('[data-deal-name="Initech rollout"]');
        for (let attempt = 0; attempt < 2 && !(await moved.isVisible()); attempt++) {
          const title = await card("Initech rollout").getByTestId("deal-card-link").boundingBox();
          const to = await target.boundingBox();
          if (!title || !to) throw new Error("board not laid out");
          await page.mouse.move(title.x + 5, title.y + title.height / 2);
          await page.mouse.down();
          await page.mouse.move(title.x + 25, title.y + 10, { steps: 5 });
          await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 15 });
          await page.mouse.up();
          await moved.waitFor({ timeout: 4000 }).catch(() => undefined);
        }
        await see(moved);
        expect(page.url()).toMatch(/\/deals$/);
        await moved.getByTestId("deal-card-link").click();
        await page.waitForURL(/\/deals\/[0-9a-f-]{36}$/);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
