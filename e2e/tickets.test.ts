/**
 * The service desk in real Chromium against the real server (PGlite in memory): a canned reply written in settings,
 * a ticket logged by hand, a reply with the canned reply's merge fields filled in, an internal note, a status change,
 * a second agent's collision banner, and a drag on the board by status.
 */
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ACTION, type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("service desk: tickets, canned replies, collision warning and board (Chromium)", () => {
  let session: BrowserSession;
  let page: Page;
  let kimContext: BrowserContext;
  let kim: Page;
  const errors: string[] = [];
  const agent = { name: "Kim Support", email: "kim@desk.test", password: "correct-horse-battery-staple" };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    page = session.page;
    kimContext = (await session.context.browser()?.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-US" })) as BrowserContext;
    kim = await kimContext.newPage();
    kim.setDefaultTimeout(ACTION);
    kim.on("pageerror", (e) => errors.push(`pageerror (kim): ${e.message}`));
  });
  afterAll(async () => {
    await kimContext?.close();
    await session?.close();
  });

  const step = screenshotSteps(() => page, "tickets");
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const api = (path: string) => `${session.server.url}/api/v1${path}`;
  const post = async (path: string, data: unknown) => {
    const res = await page.request.post(api(path), { data });
    expect(res.status(), await res.text()).toBe(201);
    return (await res.json()) as { id: string };
  };
  const ticket = async () => (await (await page.request.get(api(`/tickets/${ids.ticket}`))).json()) as { status: string; statusLabel: string };

  it(
    "writes a shared canned reply with merge fields in Settings → Service desk",
    () =>
      step("01-canned", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Desk Ltd", name: "Ada Admin", email: "ada@desk.test" });
        ids.kim = (await post("/users", { ...agent, role: "support" })).id;
        await post("/contacts", { firstName: "Zofia", lastName: "Kowalczyk", emails: [{ email: "zofia@nordwind.example" }] });
        await page.getByTestId("nav-service").click();
        await see(page.getByTestId("canned-replies-panel"));
        await page.getByTestId("new-canned-reply").click();
        await page.getByTestId("canned-name").fill("Greeting");
        await page.getByTestId("canned-body").fill("Hello {{ contact.first_name }}, thanks for ticket #{{ ticket.number }}. — {{ agent.name }}");
        await page.getByTestId("canned-scope").getByText("Shared with the team").click();
        await page.getByTestId("canned-save").click();
        await see(page.getByTestId("canned-reply").filter({ hasText: "Greeting" }));
      }),
    STEP,
  );

  it(
    "logs a ticket by hand from the empty list and lands on its page",
    () =>
      step("02-create", async () => {
        await page.getByTestId("nav-tickets").click();
        await see(page.getByTestId("tickets-page"));
        await see(page.getByTestId("list-empty"));
        await page.getByTestId("new-ticket").click();
        await page.getByTestId("ticket-contact").click();
        await page.getByTestId("ticket-contact").fill("Zofia");
        await page.getByRole("option", { name: "Zofia Kowalczyk" }).click();
        await page.getByTestId("ticket-subject").fill("Invoice 4711 is missing");
        await page.getByTestId("ticket-body").fill("I never got the invoice for March.");
        await page.getByTestId("ticket-create").click();
        await see(page.getByTestId("ticket-page"));
        ids.ticket = page.url().split("/tickets/")[1]?.split(/[?#]/)[0] ?? "";
        expect(ids.ticket).toMatch(/^[0-9a-f-]{36}$/);
        await see(page.getByTestId("message-reply").filter({ hasText: "I never got the invoice" }));
        expect(await page.getByTestId("ticket-contact-link").textContent()).toBe("Zofia Kowalczyk");
      }),
    STEP,
  );

  it(
    "replies with the canned reply, its merge fields filled in, then adds an internal note",
    () =>
      step("03-reply", async () => {
        await page.getByTestId("canned-picker").click();
        await page.getByRole("option", { name: "Greeting" }).click();
        await expect.poll(() => page.getByTestId("composer-text").inputValue()).toMatch(/^Hello Zofia, thanks for ticket #1\. — Ada Admin$/);
        await page.getByTestId("composer-send").click();
        await see(page.getByTestId("message-reply").filter({ hasText: "Hello Zofia, thanks for ticket #1" }));
        expect(await page.getByTestId("composer-text").inputValue()).toBe("");

        await page.getByTestId("composer-kind").getByText("Internal note").click();
        await page.getByTestId("composer-text").fill("Checked billing: the invoice was never generated.");
        await page.getByTestId("composer-send").click();
        const note = page.getByTestId("message-note").filter({ hasText: "never generated" });
        await see(note);
        await see(note.getByText("Internal note"));
        const messages = (await (await page.request.get(api(`/tickets/${ids.ticket}/messages`))).json()) as { data: { kind: string; direction: string }[] };
        expect(messages.data.map((m) => `${m.kind}/${m.direction}`)).toEqual(["reply/in", "reply/out", "note/out"]);
      }),
    STEP,
  );

  it(
    "changes the status from the header",
    () =>
      step("04-status", async () => {
        await page.getByTestId("ticket-status").click();
        await page.getByRole("option", { name: "Pending customer" }).click();
        await expect.poll(async () => (await ticket()).status).toBe("pending_customer");
      }),
    STEP,
  );

  it(
    "a second agent opening the ticket shows up on the first agent's collision banner",
    () =>
      step("05-collision", async () => {
        await kim.goto(session.server.url);
        await kim.getByTestId("signin-form").waitFor({ state: "visible" });
        await kim.getByLabel("Email").fill(agent.email);
        await kim.getByRole("textbox", { name: "Password" }).fill(agent.password);
        await kim.getByTestId("signin-submit").click();
        await kim.getByTestId("navbar").waitFor({ state: "visible" });
        await kim.goto(`${session.server.url}/tickets/${ids.ticket}`);
        await see(kim.getByTestId("ticket-page"));
        // Ada's page renews its mark every 15 s and reads Kim's from the answer.
        const banner = page.getByTestId("collision-banner");
        await see(banner);
        await expect.poll(() => banner.textContent()).toContain("Kim Support is viewing");
        // Kim starts typing: the banner turns to "is replying".
        await kim.getByTestId("composer-text").fill("Hi Zofia, ");
        await expect.poll(() => banner.textContent(), { timeout: 60_000, interval: 1000 }).toContain("Kim Support is replying");
        await see(kim.getByTestId("collision-banner").filter({ hasText: "Ada Admin is viewing" }));
      }),
    STEP,
  );

  it(
    "drags the ticket on the board from Pending customer to Open",
    () =>
      step("06-board", async () => {
        await page.goto(`${session.server.url}/tickets?view=board`);
        await see(page.getByTestId("ticket-board"));
        const column = (label: string) => page.getByTestId(`ticket-column-${label}`);
        const card = column("Pending customer").getByTestId("ticket-card");
        await see(card);
        await page.waitForLoadState("networkidle");
        const moved = column("Open").getByTestId("ticket-card");
        for (let attempt = 0; attempt < 2 && !(await moved.isVisible()); attempt++) {
          const from = await card.boundingBox();
          const to = await column("Open").boundingBox();
          if (!from || !to) throw new Error("board not laid out");
          await page.mouse.move(from.x + 20, from.y + from.height - 8);
          await page.mouse.down();
          await page.mouse.move(from.x + 40, from.y + from.height, { steps: 5 });
          await page.mouse.move(to.x + to.width / 2, to.y + 60, { steps: 15 });
          await page.mouse.up();
          await moved.waitFor({ timeout: 4000 }).catch(() => undefined);
        }
        await see(moved);
        await expect.poll(async () => (await ticket()).status).toBe("open");
      }),
    STEP,
  );

  it(
    "applies a macro to selected tickets from the list: its note is added and the fields change",
    () =>
      step("07-bulk-macro", async () => {
        const reply = await post("/canned-replies", { name: "Escalated", body: "Escalated to billing for {{ contact.first_name }}.", scope: "shared" });
        await post("/macros", {
          name: "Escalate to billing",
          cannedReplyId: reply.id,
          replyKind: "note",
          changes: { priority: "urgent", addTags: ["billing"] },
          scope: "shared",
        });
        await page.goto(`${session.server.url}/tickets`);
        const row = page.getByTestId("ticket-row").filter({ hasText: "Invoice 4711 is missing" });
        await see(row);
        await row.getByRole("checkbox").check();
        await see(page.getByTestId("bulk-bar"));
        await page.getByTestId("bulk-macro").click();
        await page.getByRole("option", { name: "Escalate to billing" }).click();
        await expect.poll(async () => ((await ticket()) as unknown as { priority: string }).priority).toBe("urgent");
        const t = (await ticket()) as unknown as { tags: string[] };
        expect(t.tags).toEqual(["billing"]);
        const messages = (await (await page.request.get(api(`/tickets/${ids.ticket}/messages`))).json()) as { data: { kind: string; bodyText: string }[] };
        expect(messages.data.at(-1)).toMatchObject({ kind: "note", bodyText: "Escalated to billing for Zofia." });
        await see(row.getByText("billing"));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
