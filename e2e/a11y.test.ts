/**
 * Accessibility in real Chromium: axe-core's WCAG 2.1 A and AA rules on every main page of the web app, with
 * records in it, at desktop (1440×900) and phone (390×844) size, plus the dialogs and menus people open most
 * (create forms, the account menu, the phone navigation, the command palette, the shortcuts list). Any violation
 * fails, named by page, size, rule and element, so a regression points at its source.
 */
import axe, { type AxeResults } from "axe-core";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

const SIZES = [
  { name: "desktop", width: 1440, height: 900 },
  { name: "phone", width: 390, height: 844 },
] as const;
type Size = (typeof SIZES)[number];

const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/** Runs axe on the page as it is and returns one readable line per failing element. */
async function axeViolations(page: Page, where: string): Promise<string[]> {
  // Transitions half-way through (a modal fading in) would be measured at a wrong contrast.
  await page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished.catch(() => undefined))));
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(
    (tags) => (window as unknown as { axe: typeof axe }).axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    TAGS,
  );
  return (results as AxeResults).violations.flatMap((v) =>
    v.nodes.map(
      (n) =>
        `${where}: [${v.impact ?? "?"}] ${v.id} (${v.help}) at ${n.target.join(" ")} ${n.html.slice(0, 160)} — ${n.failureSummary?.split("\n").slice(1).join("; ").trim() ?? ""}`,
    ),
  );
}

suite("accessibility: axe-core WCAG 2.1 AA on every main page (Chromium)", () => {
  let session: BrowserSession;
  let server: BrowserSession["server"];
  let page: Page;
  const errors: string[] = [];
  const admin = { workspace: "Axe Works", name: "Ada Admin", email: "ada@axe.test", password: "correct-horse-battery-staple" };
  const ids = { contact: "", company: "", deal: "" };

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    ({ server, page } = session);
    // Two cores shared by many jobs: pages with charts can take longer than the default to settle.
    page.setDefaultTimeout(30_000);
  });

  afterAll(() => session?.close());

  const step = screenshotSteps(() => page, "a11y");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const api = (path: string) => `${server.url}/api/v1${path}`;
  async function post<T = { id: string }>(path: string, data: unknown): Promise<T> {
    const res = await page.request.post(api(path), { data });
    if (res.status() >= 300) throw new Error(`POST ${path}: ${res.status()} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Opens a page at each size, waits for `ready`, optionally opens something on it, and checks it. */
  async function check(name: string, path: string, ready: (p: Page) => Locator, open?: (p: Page, size: Size) => Promise<void>, on: Page = page) {
    const found: string[] = [];
    for (const size of SIZES) {
      await on.setViewportSize({ width: size.width, height: size.height });
      await on.goto(`${server.url}${path}`);
      await ready(on).first().waitFor({ state: "visible" });
      await on.waitForLoadState("networkidle");
      if (open) await open(on, size);
      found.push(...(await axeViolations(on, `${name} @ ${size.name} ${size.width}×${size.height}`)));
    }
    expect(found, `axe found ${found.length} violation(s):\n${found.join("\n")}`).toEqual([]);
  }

  it(
    "sign-up page (first run)",
    () =>
      step("signup", async () => {
        await check("sign-up", "/", (p) => p.getByTestId("signup-form"));
      }),
    STEP,
  );

  it(
    "signs up and creates records through the API",
    () =>
      step("setup", async () => {
        await page.setViewportSize({ width: 1440, height: 900 });
        await page.goto(server.url);
        await signUp(page, admin);
        const company = await post("/companies", { name: "Nordwind Logistics", domain: "nordwind.example", industry: "Logistics", employees: 240 });
        ids.company = company.id;
        const zofia = await post("/contacts", {
          firstName: "Zofia",
          lastName: "Kowalczyk",
          jobTitle: "CTO",
          emails: [{ email: "zofia@nordwind.example" }],
          phones: [{ phone: "+49 30 1234567" }],
          companyId: company.id,
          lifecycleStage: "customer",
          tags: ["vip"],
        });
        ids.contact = zofia.id;
        await post("/contacts", {
          firstName: "Lena",
          lastName: "Lead",
          emails: [{ email: "lena@lead.example" }],
          lifecycleStage: "lead",
          leadStatus: "new",
          leadSource: "web_form",
        });
        // Two near-identical contacts for the duplicates queue.
        await post("/contacts", { firstName: "Ben", lastName: "Okafor", emails: [{ email: "ben@okafor.example" }], phones: [{ phone: "+44 20 7946 0000" }] });
        await post("/contacts", {
          firstName: "Benjamin",
          lastName: "Okafor",
          emails: [{ email: "ben.okafor@okafor.example" }],
          phones: [{ phone: "+44 20 7946 0000" }],
        });
        const gone = await post("/contacts", { firstName: "Tom", lastName: "Trashed" });
        expect((await page.request.delete(api(`/contacts/${gone.id}`))).status()).toBeLessThan(300);
        await post(`/contacts/${zofia.id}/activities`, { type: "note", body: "<p>Met at <strong>LogiMAT</strong>. Interested in the fleet module.</p>" });
        await post(`/contacts/${zofia.id}/activities`, {
          type: "call",
          subject: "Discovery call",
          body: "<p>Pricing for 40 trucks.</p>",
          direction: "outbound",
          durationSeconds: 1500,
          outcome: "connected",
        });
        await post("/products", { name: "Fleet licence", sku: "FLEET-1", unitPrice: "1200", currency: "EUR" });
        const deal = await post("/deals", {
          name: "Nordwind fleet",
          amount: "48000",
          currency: "EUR",
          expectedCloseDate: new Date(Date.now() + 14 * 86_400_000).toISOString().slice(0, 10),
          companyId: company.id,
          contacts: [{ contactId: zofia.id, role: "decision_maker" }],
          nextStep: "Send the proposal",
        });
        ids.deal = deal.id;
        await post("/deals", { name: "Okafor pilot", amount: "5000", currency: "EUR" });
        const soon = new Date(Date.now() + 86_400_000);
        soon.setUTCHours(9, 0, 0, 0);
        await post("/tasks", {
          title: "Call Zofia about the proposal",
          dueAt: soon.toISOString(),
          priority: "high",
          related: { object: "contact", id: zofia.id },
        });
        await post("/tasks", { title: "Prepare the pilot plan", priority: "normal" });
        const start = new Date();
        start.setUTCHours(14, 0, 0, 0);
        await post("/meetings", {
          subject: "Fleet demo",
          startsAt: start.toISOString(),
          endsAt: new Date(start.getTime() + 3_600_000).toISOString(),
          related: { object: "contact", id: zofia.id },
        });
        await post("/duplicates/scan", { object: "contact" });
        await post("/users", { name: "Sam Sales", email: "sam@axe.test", role: "sales", password: "correct-horse-battery-staple" });
        await post("/custom-fields", { object: "contact", label: "Fleet size", type: "number" });
        await post("/api-keys", { name: "Warehouse sync", role: "sales" });
        await post("/scoring-rules", { kind: "field", name: "Senior titles", conditions: [{ field: "jobTitle", op: "contains", value: "VP" }], points: 20 });
        await post("/forms", { name: "Request a demo", fields: [{ key: "email", label: "Email", required: true }] });
        await post("/segments", { name: "Fleet customers", kind: "dynamic", condition: { all: [{ field: "lifecycleStage", op: "eq", value: "customer" }] } });
        await post("/consent/topics", { name: "Fleet news" });
        await post("/suppressions", { address: "bounced@axe.test" });
      }),
    STEP,
  );

  const pages: [string, string, (p: Page) => Locator][] = [
    ["contacts list", "/contacts", (p) => p.getByTestId("record-row").filter({ hasText: "Zofia" })],
    ["contact page", "/contacts/:contact", (p) => p.getByText("Interested in the fleet module")],
    ["companies list", "/companies", (p) => p.getByTestId("record-row").filter({ hasText: "Nordwind" })],
    ["company page", "/companies/:company", (p) => p.getByTestId("company-contacts").filter({ hasText: "Zofia" })],
    ["deals board", "/deals", (p) => p.getByTestId("deal-card").filter({ hasText: "Nordwind fleet" })],
    ["deal page", "/deals/:deal", (p) => p.getByTestId("deal-title")],
    // The record-row is there at both sizes; a phone row has no separate name link (the whole row opens the lead).
    ["leads", "/leads", (p) => p.getByTestId("record-row").filter({ hasText: "Lena" })],
    ["tasks", "/tasks", (p) => p.getByText("Call Zofia about the proposal")],
    ["calendar", "/calendar", (p) => p.getByTestId("calendar-page").getByText("Fleet demo")],
    ["forecast", "/forecast", (p) => p.getByTestId("my-attainment")],
    ["quotas", "/forecast/quotas", (p) => p.getByTestId("quota-grid")],
    ["products", "/products", (p) => p.getByTestId("product-row").filter({ hasText: "FLEET-1" })],
    ["imports", "/imports", (p) => p.getByTestId("imports-page")],
    ["data quality: duplicates", "/data-quality", (p) => p.getByTestId("duplicate-row")],
    ["trash", "/trash", (p) => p.getByText("Tom Trashed")],
    ["settings: workspace", "/settings/workspace", (p) => p.getByTestId("workspace-name-input")],
    ["settings: users", "/settings/users", (p) => p.getByTestId("user-row").filter({ hasText: "Sam Sales" })],
    ["settings: custom fields", "/settings/custom-fields", (p) => p.getByTestId("custom-field-row")],
    ["settings: pipelines", "/settings/pipelines", (p) => p.getByTestId("stage-row")],
    ["settings: API keys", "/settings/api-keys", (p) => p.getByTestId("api-key-row")],
    ["settings: web forms", "/settings/forms", (p) => p.getByTestId("form-card")],
    ["settings: lead assignment", "/settings/assignment", (p) => p.getByTestId("new-assignment-rule")],
    ["settings: lead scoring", "/settings/scoring", (p) => p.getByTestId("scoring-rule")],
    ["segments", "/segments", (p) => p.getByTestId("segments-table").getByText("Fleet customers")],
    ["segments: RFM", "/segments?tab=rfm", (p) => p.getByTestId("rfm-grid").or(p.getByText("No purchases yet"))],
    ["settings: suppression list", "/settings/suppression", (p) => p.getByTestId("suppression-table")],
  ];

  for (const [name, path, ready] of pages) {
    it(
      name,
      () =>
        step(name.replace(/\W+/g, "-"), async () => {
          await check(
            name,
            path.replace(/:(\w+)/, (_, k: keyof typeof ids) => ids[k]),
            ready,
          );
        }),
      STEP,
    );
  }

  it(
    "deals table",
    () =>
      step("deals-table", async () => {
        await check(
          "deals table",
          "/deals",
          // The chosen view is kept for the session: from the second size on, /deals opens as the table already.
          (p) => p.getByTestId("deal-card").or(p.getByTestId("deal-row")).filter({ hasText: "Nordwind fleet" }),
          async (p) => {
            await p.locator('label[for$="-table"]').click();
            await expect.poll(() => p.locator('input[id$="-table"]').isChecked()).toBe(true);
            await see(byTestId("deal-row").filter({ hasText: "Nordwind fleet" }));
          },
        );
        await page.locator('label[for$="-board"]').click();
      }),
    STEP,
  );

  const openDialog = (trigger: string) => async (p: Page) => {
    await p.getByTestId(trigger).click();
    await p.getByRole("dialog").first().waitFor({ state: "visible" });
  };

  it(
    "create-contact modal",
    () =>
      step("contact-modal", async () => {
        await check("create-contact modal", "/contacts", (p) => p.getByTestId("record-row").first(), openDialog("create-button"));
      }),
    STEP,
  );

  const forms: [string, string, (p: Page) => Locator, string][] = [
    ["create-company modal", "/companies", (p) => p.getByTestId("record-row"), "create-button"],
    ["create-deal modal", "/deals", (p) => p.getByTestId("deal-card"), "new-deal"],
    ["create-task modal", "/tasks", (p) => p.getByText("Prepare the pilot plan"), "new-task"],
    ["create-meeting modal", "/calendar", (p) => p.getByTestId("new-meeting"), "new-meeting"],
    ["create-product modal", "/products", (p) => p.getByTestId("product-row"), "new-product"],
  ];
  for (const [name, path, ready, trigger] of forms) {
    it(name, () => step(name.replace(/\W+/g, "-"), () => check(name, path, ready, openDialog(trigger))), STEP);
  }

  it(
    "account menu and phone navigation",
    () =>
      step("overlays", async () => {
        await check(
          "account menu",
          "/contacts",
          (p) => p.getByTestId("record-row").first(),
          async (p) => {
            await p.getByTestId("user-menu").click();
            await p.getByRole("menu").waitFor({ state: "visible" });
          },
        );
        await page.setViewportSize({ width: 390, height: 844 });
        await page.goto(`${server.url}/contacts`);
        await see(byTestId("record-row"));
        await byTestId("nav-burger").click();
        await see(byTestId("nav-contacts"));
        const phoneNav = await axeViolations(page, "phone navigation open @ phone");
        expect(phoneNav, phoneNav.join("\n")).toEqual([]);
      }),
    STEP,
  );

  it(
    "command palette and shortcuts list",
    () =>
      step("palette", async () => {
        await check(
          "command palette",
          "/contacts",
          (p) => p.getByTestId("record-row").first(),
          async (p) => {
            await p.keyboard.press("Control+K");
            await p.getByTestId("palette-input").waitFor({ state: "visible" });
          },
        );
        await check(
          "shortcuts dialog",
          "/contacts",
          (p) => p.getByTestId("record-row").first(),
          async (p) => {
            await p.keyboard.press("?");
            await p.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor({ state: "visible" });
          },
        );
      }),
    STEP,
  );

  it(
    "sign-in page",
    () =>
      step("signin", async () => {
        // A second browser context has no session: it sees the sign-in form of this (no longer first-run) server.
        const browser = page.context().browser() as Browser;
        const signedOut = await browser.newContext({ locale: "en-US" });
        try {
          const other = await signedOut.newPage();
          await check("sign-in", "/", (p) => p.getByTestId("signin-form"), undefined, other);
        } finally {
          await signedOut.close();
        }
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
