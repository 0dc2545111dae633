/**
 * The customer's side of the service desk in real Chromium, with real mail through an SMTP server on loopback: the
 * customer signs in to the portal with a magic link, reads the agent's reply, answers from the portal, and rates the
 * solved ticket with one click in the satisfaction survey, which lands on the ticket.
 */
import type { ParsedMail } from "mailparser";
import type { BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, type MailCatcher, openBrowserSession, STEP, screenshotSteps, signUp, startMailCatcher, suite } from "./support.js";

suite("customer portal and satisfaction survey (Chromium)", () => {
  const errors: string[] = [];
  let mail: MailCatcher;
  let inbox: ParsedMail[] = [];
  let session: BrowserSession;
  let page: Page;
  let customer: Page;
  let customerContext: BrowserContext;
  let slug = "";
  let ticket = { id: "", number: 0 };

  beforeAll(async () => {
    mail = await startMailCatcher();
    inbox = mail.inbox;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5, smtpUrl: mail.url, mailFrom: "Acme Support <support@acme.test>" });
    page = session.page;
    customerContext = (await session.context.browser()?.newContext({ viewport: { width: 420, height: 860 } })) as BrowserContext;
    customer = await customerContext.newPage();
    customer.on("pageerror", (e) => errors.push(`customer pageerror: ${e.message}`));
  });
  afterAll(async () => {
    await customerContext?.close();
    await session?.close();
    await mail?.close();
  });

  const step = screenshotSteps(() => customer, "portal");
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const api = (method: string, path: string, body?: unknown) =>
    page.evaluate(
      async ([m, p, b]) => {
        const res = await fetch(p as string, { method: m as string, headers: { "content-type": "application/json" }, body: b ? JSON.stringify(b) : undefined });
        return { status: res.status, json: await res.json().catch(() => null) };
      },
      [method, path, body] as const,
    );
  const mailTo = async (address: string, subject: RegExp) => {
    await expect.poll(() => inbox.some((m) => m.to && JSON.stringify(m.to).includes(address) && subject.test(m.subject ?? ""))).toBe(true);
    return inbox.filter((m) => JSON.stringify(m.to).includes(address) && subject.test(m.subject ?? "")).at(-1) as ParsedMail;
  };

  it(
    "an agent answers a customer's ticket by email",
    () =>
      step("01-setup", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Acme Support", name: "Sam Agent", email: "sam@acme.test" });
        slug = (await api("GET", "/api/v1/workspace")).json.slug;
        const contact = await api("POST", "/api/v1/contacts", { firstName: "Cleo", lastName: "Customer", emails: [{ email: "cleo@client.test" }] });
        expect(contact.status).toBe(201);
        const made = await api("POST", "/api/v1/tickets", {
          subject: "Router keeps rebooting",
          contactId: contact.json.id,
          message: { bodyText: "Every hour, since Monday." },
        });
        expect(made.status).toBe(201);
        ticket = made.json;
        expect((await api("PATCH", "/api/v1/csat/settings", { enabled: true, delayMinutes: 0 })).status).toBe(200);
        expect((await api("POST", `/api/v1/tickets/${ticket.id}/messages`, { kind: "reply", bodyText: "Please update the firmware to 2.1." })).status).toBe(
          201,
        );
        const reply = await mailTo("cleo@client.test", /Router keeps rebooting/);
        expect(reply.subject).toContain(`[#${ticket.number}]`);
      }),
    STEP,
  );

  it(
    "the customer signs in to the portal with a link from their email and answers there",
    () =>
      step("02-portal", async () => {
        await customer.goto(`${session.server.url}/help/${slug}/portal`);
        await customer.getByLabel("Email address").fill("cleo@client.test");
        await customer.getByRole("button", { name: "Email me a sign-in link" }).click();
        await see(customer.getByRole("heading", { name: "Check your email" }));
        const mail = await mailTo("cleo@client.test", /sign-in link/);
        const link = /(https?:\/\/\S+\/portal\/auth\?token=\S+)/.exec(mail.text ?? "")?.[1] as string;
        expect(link).toBeTruthy();
        await customer.goto(link);
        await see(customer.getByRole("heading", { name: "My requests" }));
        await customer.getByRole("link", { name: "Router keeps rebooting" }).click();
        await see(customer.getByText("Please update the firmware to 2.1."));
        await customer.getByLabel("Your reply").fill("Updated, it still reboots.");
        await customer.getByRole("button", { name: "Send reply" }).click();
        await see(customer.getByText("Updated, it still reboots."));
        const messages = (await api("GET", `/api/v1/tickets/${ticket.id}/messages`)).json.data as { direction: string; bodyText: string }[];
        expect(messages.at(-1)).toMatchObject({ direction: "in", bodyText: "Updated, it still reboots." });
        // The link was spent: opening it again asks for a new one.
        await customer.goto(link);
        await see(customer.getByText(/expired or was used/));
      }),
    STEP,
  );

  it(
    "a one-click answer to the satisfaction survey lands on the ticket",
    () =>
      step("03-csat", async () => {
        expect((await api("PATCH", `/api/v1/tickets/${ticket.id}`, { status: "solved" })).status).toBe(200);
        const survey = await mailTo("cleo@client.test", /How would you rate/);
        const good = /(https?:\/\/\S+\/csat\?token=\S+&rating=4)/.exec(survey.text ?? "")?.[1] as string;
        expect(good).toBeTruthy();
        await customer.goto(good);
        await see(customer.getByRole("heading", { name: "Thank you for your feedback" }));
        await customer.getByLabel(/Anything you would like to add/).fill("Patient and clear.");
        await customer.getByRole("button", { name: "Send comment" }).click();
        await see(customer.getByText("Your comment reached the team."));
        await expect.poll(async () => (await api("GET", `/api/v1/tickets/${ticket.id}`)).json.satisfaction).toBe(4);
        const surveys = (await api("GET", `/api/v1/tickets/${ticket.id}/surveys`)).json.data;
        expect(surveys[0]).toMatchObject({ status: "answered", rating: 4, comment: "Patient and clear." });
        await page.goto(`${session.server.url}/settings/satisfaction`);
        await see(page.getByTestId("csat-score").getByText("100 %"));
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
