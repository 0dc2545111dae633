/**
 * Settings → Webhooks in real Chromium against the real server with its worker: subscribe a receiver on loopback to
 * contact.created, create a contact in the app, and see the signed delivery in the endpoint's log. The receiver
 * verifies every message with the `standardwebhooks` package, as a subscriber would.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Page } from "playwright-core";
import { Webhook as Verifier } from "standardwebhooks";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("Settings → Webhooks (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let page: Page;
  let receiver: Server;
  let receiverUrl = "";
  let secret = "";
  const received: { headers: IncomingHttpHeaders; body: string; verified: boolean }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let verified = false;
        try {
          new Verifier(secret).verify(body, req.headers as Record<string, string>);
          verified = true;
        } catch {
          verified = false;
        }
        received.push({ headers: req.headers, body, verified });
        res.writeHead(verified ? 200 : 401, { "content-type": "application/json" });
        res.end(JSON.stringify({ ok: verified }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/rapport`;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5 });
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
    await new Promise((r) => receiver?.close(r));
  });

  const step = screenshotSteps(() => page, "webhooks");

  it(
    "subscribes a loopback receiver, creates a contact, and shows the verified delivery in the log",
    () =>
      step("01-deliver", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Hooks Inc", name: "Wanda Admin", email: "wanda@hooks.test" });
        await page.getByTestId("nav-webhooks").click();
        await page.getByTestId("webhooks-empty").waitFor({ state: "visible" });

        // A loopback receiver is a private address: refused until the admin allows private targets.
        await page.getByTestId("add-webhook").click();
        await page.getByTestId("webhook-url").fill(receiverUrl);
        await page.getByTestId("webhook-events").click();
        await page.getByRole("option", { name: /Contact created/ }).click();
        await page.keyboard.press("Escape");
        await page.getByTestId("webhook-submit").click();
        await page
          .getByText(/private, loopback or link-local/)
          .first()
          .waitFor({ state: "visible" });
        await page.keyboard.press("Escape");
        await page.getByTestId("allow-private-targets").click({ force: true });
        await expect.poll(() => page.getByTestId("allow-private-targets").isChecked()).toBe(true);

        await page.getByTestId("add-webhook").click();
        await page.getByTestId("webhook-url").fill(receiverUrl);
        await page.getByTestId("webhook-events").click();
        await page.getByRole("option", { name: /Contact created/ }).click();
        await page.keyboard.press("Escape");
        await page.getByTestId("webhook-submit").click();
        const value = page.getByTestId("webhook-secret-value");
        await value.waitFor({ state: "visible" });
        secret = ((await value.textContent()) ?? "").trim();
        expect(secret).toMatch(/^whsec_/);
        await page.getByTestId("webhook-secret-done").click();
        await page.getByTestId("webhook-row").filter({ hasText: receiverUrl }).waitFor({ state: "visible" });
        await page.getByTestId("delivery-log-empty").waitFor({ state: "visible" });

        // The event happens in the app: a contact created through its form.
        await page.getByTestId("nav-contacts").click();
        await page.getByTestId("create-button").click();
        await page.getByTestId("contact-firstName").fill("Hedy");
        await page.getByTestId("contact-lastName").fill("Lamarr");
        await page.getByTestId("form-submit").click();
        await page.getByTestId("record-row").filter({ hasText: "Hedy Lamarr" }).waitFor({ state: "visible" });
        await expect.poll(() => received.length).toBeGreaterThan(0);
        expect(received[0]?.verified).toBe(true);
        expect(JSON.parse(received[0]?.body ?? "{}")).toMatchObject({ type: "contact.created", data: { data: { record: { firstName: "Hedy" } } } });

        // Back in Settings, the log shows it delivered; expanded, the attempt with the receiver's reply.
        await page.getByTestId("nav-webhooks").click();
        await page.getByTestId("webhook-row").first().click();
        const row = page.getByTestId("delivery-row").filter({ hasText: "contact.created" });
        await row.waitFor({ state: "visible" });
        await expect.poll(() => row.getByTestId("delivery-status").textContent()).toBe("Delivered");
        await row.click();
        const attempt = page.getByTestId("delivery-attempt").first();
        await attempt.waitFor({ state: "visible" });
        expect(await attempt.textContent()).toContain("HTTP 200");
        expect(await attempt.textContent()).toContain("webhook-signature: v1,");
        expect(await attempt.textContent()).toContain('{"ok":true}');

        // "Send test" goes through the same path and lands in the log too.
        await page.getByTestId("send-test-event").click();
        await expect.poll(() => received.length).toBe(2);
        expect(received[1]?.verified).toBe(true);
        await page.getByTestId("delivery-row").filter({ hasText: "webhook.test" }).waitFor({ state: "visible" });
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
