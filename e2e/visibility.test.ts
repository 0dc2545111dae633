/**
 * Who sees what (issue #17) in real Chromium against the real server: an admin narrows the Sales role to its own
 * contacts and deals in Settings → Roles and hides a salary field from it; a sales user then finds only their own
 * records in the contact list, the command palette, a CSV export and the deals board, and no salary on a record page;
 * the admin shares one more contact with them from its page, and it appears.
 */
import { readFile } from "node:fs/promises";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("Who sees what: roles, visibility and sharing (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let page: Page;
  let salesContext: BrowserContext;
  let sales: Page;
  const admin = { workspace: "Visible Ltd", name: "Ada Admin", email: "ada@visible.test", password: "correct-horse-battery-staple" };
  const rep = { name: "Sam Sales", email: "sam@visible.test", password: "correct-horse-battery-staple" };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    page = session.page;
    salesContext = (await session.context
      .browser()
      ?.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-US", acceptDownloads: true })) as BrowserContext;
    sales = await salesContext.newPage();
    sales.setDefaultTimeout(15_000);
    sales.on("pageerror", (e) => errors.push(`pageerror (sales): ${e.message}`));
  });
  afterAll(async () => {
    await salesContext?.close();
    await session?.close();
  });

  const step = screenshotSteps(() => page, "visibility");
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const api = (path: string) => `${session.server.url}/api/v1${path}`;
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(api(path), { data });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as { id: string };
  };
  const rows = (p: Page, name: string) => p.getByTestId("record-row").filter({ hasText: name });

  it(
    "an admin narrows Sales to its own contacts and deals and hides a field, in the permission matrix",
    () =>
      step("01-matrix", async () => {
        await page.goto(session.server.url);
        await signUp(page, admin);
        ids.rep = (await post("/users", { ...rep, role: "sales" })).id;
        await post("/custom-fields", { object: "contact", label: "Salary", key: "salary", type: "number" });
        ids.mine = (await post("/contacts", { firstName: "Mina", lastName: "Zephyr", ownerId: ids.rep, custom: { salary: 55555 } })).id;
        ids.other = (await post("/contacts", { firstName: "Olga", lastName: "Zephyr" })).id;
        ids.third = (await post("/contacts", { firstName: "Paula", lastName: "Zephyr" })).id;
        await post("/deals", { name: "Sam's renewal", amount: "1000", ownerId: ids.rep });
        await post("/deals", { name: "Ada's big deal", amount: "99000" });

        await page.getByTestId("nav-roles").click();
        await see(page.getByRole("heading", { name: "Roles" }));
        // The Admin role is shown locked, as the API keeps it.
        await page.getByTestId("role-item-admin").click();
        await see(page.getByTestId("admin-locked"));
        expect(await page.getByTestId("matrix-contact-read").isDisabled()).toBe(true);

        await page.getByTestId("role-item-sales").click();
        await see(page.getByTestId("role-name"));
        expect(await page.getByTestId("role-name").inputValue()).toBe("Sales");
        await page.getByTestId("matrix-contact-read").selectOption({ label: "Own" });
        await page.getByTestId("matrix-deal-read").selectOption({ label: "Own" });
        await page.getByTestId("field-rule-object").selectOption({ label: "Contacts" });
        await page.getByTestId("field-rule-field").selectOption({ label: "Salary" });
        await page.getByTestId("field-rule-level").selectOption({ label: "Hidden" });
        await page.getByTestId("field-rule-add").click();
        await see(page.getByTestId("field-rule-row").filter({ hasText: "Salary" }));
        await page.getByTestId("role-save").click();
        await see(page.getByText("Sales saved"));

        const roles = (await (await page.request.get(api("/roles"))).json()) as {
          data: { key: string; permissions: Record<string, { read: string }>; fieldRules: Record<string, Record<string, string>> }[];
        };
        const salesRole = roles.data.find((r) => r.key === "sales");
        expect(salesRole?.permissions.contact?.read).toBe("own");
        expect(salesRole?.permissions.deal?.read).toBe("own");
        expect(salesRole?.fieldRules.contact).toEqual({ salary: "hidden" });

        // A custom role, started from Sales, is offered by name when giving people a role.
        await page.getByTestId("add-role").click();
        await page.getByTestId("new-role-name").fill("Partner desk");
        await page.getByTestId("new-role-submit").click();
        await see(page.getByTestId("role-item-partner_desk"));
        await page.getByTestId("nav-users").click();
        await see(page.getByTestId("users-table"));
        await page.getByTestId("user-role").last().click();
        await see(page.getByRole("option", { name: "Partner desk" }));
        await page.keyboard.press("Escape");
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "the sales user sees only their own contacts in the list, the palette, an export and the board, and no salary",
    () =>
      step("02-sales", async () => {
        await sales.goto(session.server.url);
        await sales.getByTestId("signin-form").waitFor({ state: "visible" });
        await sales.getByLabel("Email").fill(rep.email);
        await sales.getByRole("textbox", { name: "Password" }).fill(rep.password);
        await sales.getByTestId("signin-submit").click();
        await sales.getByTestId("navbar").waitFor({ state: "visible" });

        await sales.goto(`${session.server.url}/contacts`);
        await see(rows(sales, "Mina Zephyr"));
        expect(await rows(sales, "Olga Zephyr").count()).toBe(0);
        expect(await rows(sales, "Paula Zephyr").count()).toBe(0);
        // Sales still adds contacts; Settings are not theirs.
        await see(sales.getByTestId("create-button"));
        expect(await sales.getByTestId("nav-roles").count()).toBe(0);

        await sales.getByTestId("search-button").click();
        await sales.getByTestId("palette-input").fill("Zephyr");
        await see(sales.getByTestId("palette-result").filter({ hasText: "Mina Zephyr" }));
        expect(await sales.getByTestId("palette-result").filter({ hasText: "Olga" }).count()).toBe(0);
        await sales.keyboard.press("Escape");

        await sales.getByTestId("export-menu").click();
        const [download] = await Promise.all([sales.waitForEvent("download"), sales.getByTestId("export-csv").click()]);
        const csv = await readFile((await download.path()) as string, "utf8");
        const lines = csv.trim().split(/\r?\n/);
        expect(lines).toHaveLength(2);
        expect(csv).toContain("Mina");
        expect(csv).not.toContain("Olga");
        expect(csv).not.toContain("55555");

        await sales.getByTestId("nav-deals").click();
        await see(sales.locator('[data-testid="deal-card"][data-deal-name="Sam\'s renewal"]'));
        expect(await sales.locator('[data-testid="deal-card"][data-deal-name="Ada\'s big deal"]').count()).toBe(0);

        // The admin sees the salary on Mina's page; the sales user, who owns her, does not.
        await page.goto(`${session.server.url}/contacts/${ids.mine}`);
        await see(page.getByTestId("contact-custom-fields").getByText("Salary"));
        await sales.goto(`${session.server.url}/contacts/${ids.mine}`);
        await see(sales.getByTestId("record-title").filter({ hasText: "Mina Zephyr" }));
        await see(sales.getByTestId("record-share"));
        expect(await sales.getByText("Salary").count()).toBe(0);
        expect(await sales.getByText("55,555").count()).toBe(0);
        expect(await sales.getByText("55555").count()).toBe(0);
        // Someone else's contact is not there for them at all.
        await sales.goto(`${session.server.url}/contacts/${ids.other}`);
        await see(sales.getByText(/not found/i));
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "the admin shares one other contact with the sales user, and it appears for them",
    () =>
      step("03-share", async () => {
        await page.goto(`${session.server.url}/contacts/${ids.other}`);
        await page.getByTestId("record-share").click();
        await see(page.getByTestId("share-empty"));
        await page.getByTestId("share-user").click();
        await page.getByRole("option", { name: rep.name }).click();
        await page.getByTestId("share-add").click();
        await see(page.getByTestId("share-row").filter({ hasText: rep.name }));
        await page.keyboard.press("Escape");

        await sales.goto(`${session.server.url}/contacts`);
        await see(rows(sales, "Olga Zephyr"));
        await see(rows(sales, "Mina Zephyr"));
        expect(await rows(sales, "Paula Zephyr").count()).toBe(0);
        // Shared to read: the page opens, with nothing to edit or share.
        await sales.goto(`${session.server.url}/contacts/${ids.other}`);
        await see(sales.getByTestId("record-title").filter({ hasText: "Olga Zephyr" }));
        expect(await sales.getByTestId("record-edit").count()).toBe(0);
        expect(await sales.getByTestId("record-share").count()).toBe(0);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
