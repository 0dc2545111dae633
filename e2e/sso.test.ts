/**
 * Single sign-on in real Chromium: an admin sets up an OpenID Connect provider in Settings → Single sign-on, signs
 * out, and a new person signs in through the provider (a real `oidc-provider` on loopback, its own login and consent
 * pages) and lands in the workspace as a member with the default role; My sessions shows how they signed in.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestProvider, type TestProvider } from "../src/modules/sso/testing.js";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("Single sign-on (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let page: Page;
  let idp: TestProvider;
  const step = screenshotSteps(() => page, "sso");

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    page = session.page;
    // The provider is told the redirect URI once the server's port is known.
    idp = await startTestProvider([`${session.server.url}/api/v1/auth/sso/callback`]);
    idp.accounts.set("nina", { email: "nina.newcomer@acme.test", name: "Nina Newcomer" });
  }, STEP);
  afterAll(async () => {
    await session?.close();
    await idp?.close();
  });

  it(
    "an admin configures SSO and a new person signs in through the provider",
    async () => {
      await step("sign-up", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Acme SSO", name: "Ada Admin", email: "ada@example.com" });
      });

      await step("configure", async () => {
        await page.goto(`${session.server.url}/settings/sso`);
        await page.getByTestId("sso-redirect-uri").getByText(`${session.server.url}/api/v1/auth/sso/callback`).waitFor();
        await page.getByTestId("sso-issuer").fill(idp.issuer);
        await page.getByTestId("sso-client-id").fill(idp.clientId);
        await page.getByTestId("sso-client-secret").fill(idp.clientSecret);
        await page.getByTestId("sso-domains").fill("acme.test");
        await page.getByTestId("sso-domains").press("Enter");
        await page.getByTestId("sso-default-role").click();
        await page.getByRole("option", { name: "Support" }).click();
        await page.getByTestId("sso-save").click();
        await page.getByText("Single sign-on settings saved").waitFor();
        // The secret is stored, not shown.
        await expect.poll(() => page.getByTestId("sso-client-secret").inputValue()).toBe("");
        await page.getByText("A secret is stored and never shown").waitFor();
      });

      await step("sign-out", async () => {
        await page.getByTestId("user-menu").click();
        await page.getByTestId("sign-out").click();
        await page.getByTestId("signin-form").waitFor();
      });

      await step("sso-sign-in", async () => {
        await page.getByTestId("signin-sso").click();
        await page.getByTestId("sso-email").fill("nina.newcomer@acme.test");
        await page.getByTestId("sso-continue").click();
        // The provider's own login page, then its consent page.
        await page.waitForURL((url) => url.href.startsWith(idp.issuer));
        await page.locator('input[name="login"]').fill("nina");
        await page.locator('input[name="password"]').fill("any password");
        await page.getByRole("button", { name: "Sign-in" }).click();
        await page.getByRole("button", { name: "Continue" }).click();
        await page.getByTestId("navbar").waitFor({ state: "visible" });
        expect(page.url().startsWith(session.server.url)).toBe(true);
        await expect.poll(() => page.getByTestId("user-menu").getAttribute("aria-label")).toContain("Nina Newcomer, Acme SSO");
      });

      await step("sessions", async () => {
        await page.getByTestId("user-menu").click();
        await page.getByTestId("my-sessions").click();
        const row = page.getByTestId("session-row");
        await row.first().waitFor();
        await expect.poll(() => row.count()).toBe(1);
        await row.getByText("This session").waitFor();
        await row.getByText("Single sign-on").waitFor();
      });

      expect(errors).toEqual([]);
    },
    STEP * 3,
  );
});
