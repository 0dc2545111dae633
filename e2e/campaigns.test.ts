/**
 * Marketing → Campaigns in real Chromium against the real server, its worker and a real SMTP server on loopback: a
 * segment, a template with a merge field, the wizard (audience with its live count, template preview, send now), the
 * message arriving rendered for its recipient, the recipient opening it in their mail client and clicking its tracked
 * link, and the report counting the open.
 */
import type { ParsedMail } from "mailparser";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, type MailCatcher, openBrowserSession, STEP, screenshotSteps, signUp, startMailCatcher, suite } from "./support.js";

suite("Marketing → Campaigns (Chromium)", () => {
  const errors: string[] = [];
  let mail: MailCatcher;
  let inbox: ParsedMail[] = [];
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    mail = await startMailCatcher();
    inbox = mail.inbox;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5, smtpUrl: mail.url, mailFrom: "Rapport <news@mail.test>" });
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
    await mail?.close();
  });

  const step = screenshotSteps(() => page, "campaigns");

  it(
    "sends a campaign to a segment and reports the recipient's open",
    () =>
      step("01-campaign", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Campaigns Inc", name: "Mia Marketing", email: "mia@mail.test" });
        const landing = `${session.server.url}/marketing/campaigns`;
        // A segment of two contacts (one without an address) and a template with a merge field and a link.
        await page.evaluate(async (link) => {
          const post = async (url: string, body: unknown) => {
            const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
            if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
            return r.json();
          };
          const grace = await post("/api/v1/contacts", { firstName: "Grace", lastName: "Hopper", emails: [{ email: "grace@navy.example" }] });
          const alan = await post("/api/v1/contacts", { firstName: "Alan", lastName: "Turing" });
          const list = await post("/api/v1/segments", { name: "Fair visitors", kind: "static" });
          await post(`/api/v1/segments/${list.id}/members`, { contactIds: [grace.id, alan.id] });
          await post("/api/v1/email-templates", {
            name: "Autumn offer",
            subject: "An offer for you, {{ contact.firstName }}",
            body: `<p>Dear {{ contact.firstName | default: "friend" }},</p><p><a href="${link}">See the offer</a></p>`,
          });
        }, landing);

        await page.getByTestId("nav-campaigns").click();
        await page.getByText("No campaigns yet").waitFor({ state: "visible" });
        await page.getByTestId("new-campaign").click();
        await page.getByTestId("campaign-name").fill("Autumn");
        await page.getByTestId("campaign-include").click();
        await page.getByRole("option", { name: /Fair visitors/ }).click();
        await page.keyboard.press("Escape");
        await expect.poll(() => page.getByTestId("campaign-audience-count").textContent()).toContain("2 contacts match; 1 can be emailed");
        await page.getByTestId("campaign-next").click();
        await page.getByTestId("campaign-template").click();
        await page.getByRole("option", { name: "Autumn offer" }).click();
        // The preview renders the merge field with the sample contact.
        await expect.poll(() => page.getByTestId("campaign-preview-subject").textContent()).toContain("An offer for you, Ada");
        await expect.poll(() => page.frameLocator('[data-testid="campaign-preview"]').locator("body").textContent()).toContain("Dear Ada");
        await page.getByTestId("campaign-next").click();
        await page.getByTestId("campaign-next").click();
        await page.getByTestId("campaign-review").getByText("to 1 contacts").waitFor({ state: "visible" });
        await page.getByTestId("campaign-send").click();

        // The report page: the worker sends it, the status and numbers follow.
        await expect.poll(() => page.getByTestId("campaign-status").textContent(), { timeout: 60_000 }).toBe("Sent");
        await expect.poll(() => page.getByTestId("report-sent").textContent(), { timeout: 30_000 }).toBe("1");
        await expect.poll(() => inbox.find((m) => m.subject === "An offer for you, Grace")?.html || "", { timeout: 60_000 }).toContain("Dear Grace");
        const message = inbox.find((m) => m.subject === "An offer for you, Grace") as ParsedMail;
        expect(inbox.filter((m) => m.subject?.startsWith("An offer for you"))).toHaveLength(1);
        expect(message.headerLines.find((h) => h.key === "list-unsubscribe-post")?.line).toBe("List-Unsubscribe-Post: List-Unsubscribe=One-Click");

        // The recipient reads it in their mail client (an ordinary browser: the headless one would count as a machine),
        // which loads the open pixel, then clicks the tracked link and lands on the offer.
        const reader = await session.context.browser()?.newContext({
          userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        });
        if (!reader) throw new Error("no browser");
        const client = await reader.newPage();
        await client.setContent(String(message.html), { waitUntil: "networkidle" });
        await client.getByRole("link", { name: "See the offer" }).click();
        await client.waitForURL(landing);
        await reader.close();

        await expect.poll(() => page.getByTestId("report-opened").textContent(), { timeout: 30_000 }).toBe("1");
        await page.getByTestId("recipients-table").getByText("Grace Hopper").waitFor({ state: "visible" });
        await page.getByText("← Campaigns").click();
        await expect.poll(() => page.getByTestId("campaign-sent").first().textContent()).toBe("1");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
