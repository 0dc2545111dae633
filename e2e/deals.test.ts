/**
 * Deals in real Chromium against the real server: create a deal, drag it on the board with the mouse and
 * move it with the keyboard, the lost-reason refusal, line items driving the amount, winning, and the
 * purchase showing on the contact's page.
 */
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("deals: board, stages, line items and purchases (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const admin = { workspace: "Deal Makers", name: "Dana Dealer", email: "dana@deals.test", password: "correct-horse-battery-staple" };
  let dealUrl = "";
  let contactId = "";

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "deals");

  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const column = (stage: string) => byTestId(`board-column-${stage}`);
  const card = (name: string) => page.locator(`[data-testid="deal-card"][data-deal-name="${name}"]`);
  const api = (path: string) => `${server.url}/api/v1${path}`;

  it(
    "signs up, adds a product and a contact, and sees the empty board teach what to do",
    () =>
      step("01-setup", async () => {
        await page.goto(server.url);
        await signUp(page, admin);
        const contact = await page.request.post(api("/contacts"), {
          data: { firstName: "Carla", lastName: "Client", emails: [{ email: "carla@client.test" }] },
        });
        expect(contact.status()).toBe(201);
        contactId = ((await contact.json()) as { id: string }).id;

        await byTestId("nav-products").click();
        await see(byTestId("list-empty").filter({ hasText: "No products yet" }));
        await byTestId("new-product").click();
        await byTestId("product-name").fill("Fleet licence");
        await byTestId("product-sku").fill("FLEET-1");
        await byTestId("product-price").fill("1200");
        await byTestId("product-save").click();
        await see(byTestId("product-row").filter({ hasText: "FLEET-1" }));

        await byTestId("nav-deals").click();
        await see(byTestId("list-empty").filter({ hasText: "No deals in this pipeline yet" }));
        await see(column("Qualification"));
      }),
    STEP,
  );

  it(
    "creates a deal with a contact and their role",
    () =>
      step("02-create", async () => {
        await byTestId("new-deal").click();
        await byTestId("deal-name").fill("Nordwind fleet");
        await byTestId("deal-amount").fill("5000");
        await byTestId("deal-add-contact").click();
        await byTestId("deal-contact-0").click();
        await byTestId("deal-contact-0").fill("Carla");
        await page.getByRole("option", { name: "Carla Client" }).click();
        await byTestId("deal-save").click();
        await see(card("Nordwind fleet"));
        expect(await column("Qualification").getByTestId("column-count").textContent()).toBe("1");
        expect(await column("Qualification").getByTestId("column-total").textContent()).toContain("5,000");
      }),
    STEP,
  );

  it(
    "drags the card to the next stage with the mouse",
    () =>
      step("03-drag", async () => {
        await page.waitForLoadState("networkidle");
        const moved = column("Discovery").locator('[data-deal-name="Nordwind fleet"]');
        // A synthetic gesture can land while the board re-renders after its first fetch; a person would
        // simply drag again, and so does the test (once) — the assertions below still need the move.
        for (let attempt = 0; attempt < 2 && !(await moved.isVisible()); attempt++) {
          const from = await card("Nordwind fleet").boundingBox();
          const to = await column("Discovery").boundingBox();
          if (!from || !to) throw new Error("board not laid out");
          // Grab the card below its title link, then move in steps so the pointer sensor activates.
          await page.mouse.move(from.x + 20, from.y + from.height - 10);
          await page.mouse.down();
          await page.mouse.move(from.x + 40, from.y + from.height, { steps: 5 });
          await page.mouse.move(to.x + to.width / 2, to.y + 80, { steps: 15 });
          await page.mouse.up();
          await moved.waitFor({ timeout: 4000 }).catch(() => undefined);
        }
        await see(moved);
        await expect.poll(async () => column("Discovery").getByTestId("column-count").textContent()).toBe("1");
        await expect.poll(async () => column("Qualification").getByTestId("column-count").textContent()).toBe("0");
        const deals = (await (await page.request.get(api("/deals"))).json()) as { data: { stageName: string }[] };
        expect(deals.data[0]?.stageName).toBe("Discovery");
      }),
    STEP,
  );

  it(
    "moves it with the keyboard: Space to lift, arrow to the next stage, Space to drop",
    () =>
      step("04-keyboard", async () => {
        await card("Nordwind fleet").focus();
        await page.keyboard.press("Space");
        // The sensor activates a frame after the key: an arrow pressed before that is lost on a busy machine.
        await see(page.getByText(/^(Picked up Nordwind fleet|Over Discovery)\.$/));
        await page.keyboard.press("ArrowRight");
        // dnd-kit announces where the lifted card is; drop once it is over the next stage.
        await see(page.getByText("Over Proposal."));
        await page.keyboard.press("Space");
        await see(column("Proposal").locator('[data-deal-name="Nordwind fleet"]'));
        await expect
          .poll(async () => ((await (await page.request.get(api("/deals"))).json()) as { data: { stageName: string }[] }).data[0]?.stageName)
          .toBe("Proposal");
      }),
    STEP,
  );

  it(
    "asks for a lost reason before losing a deal; without one the API refuses and the card stays",
    () =>
      step("05-lost", async () => {
        await card("Nordwind fleet").getByTestId("card-move-menu").click();
        await page.getByRole("menuitem", { name: "Lost" }).click();
        await see(byTestId("lost-reason-select"));
        await byTestId("lost-reason-confirm").click();
        await see(page.getByText("Choose why the deal was lost"));
        await page.getByRole("button", { name: "Cancel" }).click();
        await see(column("Proposal").locator('[data-deal-name="Nordwind fleet"]'));
        const id = ((await (await page.request.get(api("/deals"))).json()) as { data: { id: string }[] }).data[0]?.id as string;
        const lost = (await (await page.request.get(api("/pipelines"))).json()) as { data: { stages: { id: string; type: string }[] }[] };
        const lostStage = lost.data[0]?.stages.find((s) => s.type === "lost")?.id;
        const refused = await page.request.post(api(`/deals/${id}/stage`), { data: { stageId: lostStage } });
        expect(refused.status()).toBe(400);
        expect(((await refused.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe("lostReason");
        dealUrl = `${server.url}/deals/${id}`;
      }),
    STEP,
  );

  it(
    "prices the deal with line items, the amount following them, and wins it",
    () =>
      step("06-line-items", async () => {
        await card("Nordwind fleet").getByTestId("deal-card-link").click();
        await see(byTestId("deal-page"));
        expect(page.url()).toBe(dealUrl);
        await see(byTestId("deal-contacts").filter({ hasText: "Carla Client" }));
        await see(byTestId("deal-contacts").filter({ hasText: "Decision maker" }));
        await see(byTestId("time-in-stage").filter({ hasText: "Discovery" }));
        await byTestId("add-line-item").click();
        await byTestId("line-item-product").click();
        await page.getByRole("option", { name: /Fleet licence/ }).click();
        await byTestId("line-item-qty").fill("3");
        await byTestId("line-item-discount").fill("10");
        await byTestId("amount-follows").click();
        await byTestId("save-line-items").click();
        await see(page.getByText("Line items saved"));
        await expect.poll(async () => byTestId("deal-amount-value").textContent()).toContain("3,240");
        expect(await byTestId("line-items-total").textContent()).toContain("3,240");

        await byTestId("deal-win").click();
        await expect.poll(async () => byTestId("deal-status").textContent()).toBe("Won");
        await see(byTestId("stage-history").filter({ hasText: "Won" }));
        await see(byTestId("deal-tasks").filter({ hasText: "Hand over to onboarding" }));
      }),
    STEP,
  );

  it(
    "shows the purchase on the contact's page",
    () =>
      step("07-purchases", async () => {
        await page.goto(`${server.url}/contacts/${contactId}`);
        await see(byTestId("purchases-panel"));
        await expect.poll(async () => byTestId("purchases-ltv").textContent()).toContain("3,240");
        expect(await byTestId("purchases-count").textContent()).toBe("1");
        await see(byTestId("purchase-row").filter({ hasText: "Fleet licence" }));
      }),
    STEP,
  );

  it(
    "fits a phone: the board scrolls sideways inside itself, the deal page stacks",
    () =>
      step("08-phone", async () => {
        await page.setViewportSize({ width: 375, height: 800 });
        await page.goto(`${server.url}/deals`);
        await see(column("Won").locator('[data-deal-name="Nordwind fleet"]'));
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(overflow).toBeLessThanOrEqual(1);
        await page.goto(dealUrl);
        await see(byTestId("line-items"));
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
      }),
    STEP,
  );

  it(
    "lets the admin rename a stage and add a lost reason in settings",
    () =>
      step("09-settings", async () => {
        await page.setViewportSize({ width: 1360, height: 900 });
        await page.goto(`${server.url}/settings/pipelines`);
        await see(byTestId("pipeline-editor"));
        await byTestId("stage-name").nth(1).fill("Discovery call");
        await byTestId("save-pipeline").click();
        await see(page.getByText("Pipeline saved"));
        const pipelines = (await (await page.request.get(api("/pipelines"))).json()) as { data: { stages: { name: string }[] }[] };
        expect(pipelines.data[0]?.stages.map((x) => x.name)).toContain("Discovery call");
        await byTestId("new-lost-reason").fill("Went with in-house build");
        await byTestId("new-lost-reason").press("Enter");
        await expect
          .poll(async () => ((await (await page.request.get(api("/lost-reasons"))).json()) as { data: { name: string }[] }).data.map((r) => r.name))
          .toContain("Went with in-house build");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
