/**
 * One identity in several workspaces, in real Chromium against the real server: an admin invites a colleague from
 * Settings → Users, the colleague accepts from the mailed link (read from the outbox), joins a second workspace from
 * another invitation while signed in, switches between the two, sets up an authenticator app and signs in with it.
 */
import { and, desc, eq, sql } from "drizzle-orm";
import { Secret, TOTP } from "otpauth";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { mailMessages } from "../src/modules/mail/table.js";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

const codeFor = (secret: string, at = Date.now()) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" }).generate({ timestamp: at });

suite("invitations, workspace switcher and two-step sign-in (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let admin: Page;
  let bobContext: BrowserContext;
  let bob: Page;
  const bobPassword = "bobs own password";

  beforeAll(async () => {
    session = await openBrowserSession(errors);
    admin = session.page;
    bobContext = (await session.context.browser()?.newContext({ viewport: { width: 1360, height: 900 }, locale: "en-US" })) as BrowserContext;
    bob = await bobContext.newPage();
    bob.setDefaultTimeout(15_000);
    bob.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
  });
  afterAll(async () => {
    await bobContext?.close();
    await session?.close();
  });

  const step = screenshotSteps(() => bob ?? admin, "identity");

  /** The link in the newest invitation mailed to an address, as the outbox holds it. */
  async function invitationLink(to: string): Promise<string> {
    const [mail] = await session.server.database.db
      .select({ text: mailMessages.text })
      .from(mailMessages)
      .where(and(eq(mailMessages.kind, "invitation"), sql`${mailMessages.toAddresses} @> ${JSON.stringify([{ address: to }])}::jsonb`))
      .orderBy(desc(mailMessages.createdAt))
      .limit(1);
    const link = /(https?:\/\/\S+\/invite\?token=\S+)/.exec(mail?.text ?? "")?.[1];
    if (!link) throw new Error(`no invitation link mailed to ${to}`);
    return link;
  }

  it(
    "invites a colleague who accepts from the mailed link",
    () =>
      step("01-invite", async () => {
        await admin.goto(session.server.url);
        await signUp(admin, { workspace: "Acme", name: "Ada Admin", email: "ada@acme.test" });
        await admin.goto(`${session.server.url}/settings/users`);
        await admin.getByTestId("invite-user").click();
        await admin.getByTestId("invite-email").fill("bob@acme.test");
        await admin.getByTestId("invite-send").click();
        await admin.getByTestId("invitation-row").filter({ hasText: "bob@acme.test" }).waitFor({ state: "visible" });

        await bob.goto(await invitationLink("bob@acme.test"));
        await bob.getByText("Join Acme").first().waitFor({ state: "visible" });
        await bob.getByTestId("invite-name").fill("Bob Builder");
        await bob.getByTestId("invite-password").getByRole("textbox").or(bob.getByLabel("Choose a password")).first().fill(bobPassword);
        await bob.getByTestId("invite-accept").click();
        await bob.getByTestId("navbar").waitFor({ state: "visible" });
        expect(await bob.getByTestId("workspace-name").textContent()).toBe("Acme");
        // The link worked once: the admin's list no longer has it pending.
        await admin.reload();
        await admin.getByTestId("users-table").getByText("bob@acme.test").waitFor({ state: "visible" });
        expect(await admin.getByTestId("invitation-row").count()).toBe(0);
      }),
    STEP * 2,
  );

  it(
    "joins a second workspace while signed in and switches between them",
    () =>
      step("02-switch", async () => {
        // Globex's admin (through the API) invites Bob too; Bob opens the link while signed in to Acme.
        const app = session.server.app;
        const signup = await app.inject({
          method: "POST",
          url: "/api/v1/auth/signup",
          headers: { host: new URL(session.server.url).host },
          payload: { workspaceName: "Globex", name: "Gina Globex", email: "gina@globex.test", password: "ginas password" },
        });
        const cookie = signup.cookies.find((c) => c.name === "rapport_session");
        const invited = await app.inject({
          method: "POST",
          url: "/api/v1/invitations",
          headers: { cookie: `rapport_session=${cookie?.value}`, host: new URL(session.server.url).host },
          payload: { email: "bob@acme.test", role: "manager" },
        });
        expect(invited.statusCode, invited.body).toBe(201);

        await bob.goto(await invitationLink("bob@acme.test"));
        await bob.getByText("You are signed in as bob@acme.test").waitFor({ state: "visible" });
        await bob.getByTestId("invite-accept").click();
        await bob.getByTestId("navbar").waitFor({ state: "visible" });
        await expect.poll(() => bob.getByTestId("workspace-name").textContent()).toBe("Globex");
        // The same person: the name chosen when joining Acme comes along.
        expect(await bob.getByTestId("user-menu").textContent()).toContain("Bob Builder");

        await bob.getByTestId("user-menu").click();
        await bob.getByTestId("switch-workspace").filter({ hasText: "Acme" }).click();
        await expect.poll(() => bob.getByTestId("workspace-name").textContent()).toBe("Acme");
        await bob.getByTestId("user-menu").click();
        await bob.getByTestId("switch-workspace").filter({ hasText: "Globex" }).click();
        await expect.poll(() => bob.getByTestId("workspace-name").textContent()).toBe("Globex");
      }),
    STEP * 2,
  );

  it(
    "sets up an authenticator app and signs in with its code",
    () =>
      step("03-totp", async () => {
        await bob.getByTestId("user-menu").click();
        await bob.getByTestId("open-account").click();
        await bob.getByTestId("totp-start").click();
        const secret = ((await bob.getByTestId("totp-secret").textContent()) ?? "").trim();
        expect(secret).toMatch(/^[A-Z2-7]+=*$/);
        await bob.getByTestId("totp-confirm-code").locator("input").first().click();
        await bob.keyboard.type(codeFor(secret));
        await bob.getByTestId("totp-recovery").waitFor({ state: "visible" });
        await bob.getByTestId("totp-done").click();
        await expect.poll(() => bob.getByTestId("totp-status").textContent()).toBe("On");

        await bob.getByTestId("user-menu").click();
        await bob.getByTestId("sign-out").click();
        await bob.getByTestId("signin-form").waitFor({ state: "visible" });
        await bob.getByLabel("Email").fill("bob@acme.test");
        await bob.getByRole("textbox", { name: "Password" }).fill(bobPassword);
        await bob.getByTestId("signin-submit").click();
        await bob.getByTestId("signin-totp").waitFor({ state: "visible" });
        // The code that confirmed the set-up is spent; the next step's is inside the window, as a code typed late is.
        await bob.getByTestId("signin-totp").fill(codeFor(secret, Date.now() + 30_000));
        await bob.getByTestId("signin-submit").click();
        await bob.getByTestId("navbar").waitFor({ state: "visible" });
        // Signed in where Bob was last.
        expect(await bob.getByTestId("workspace-name").textContent()).toBe("Globex");
        expect(errors).toEqual([]);
      }),
    STEP * 2,
  );
});
