/**
 * Workflows in real Chromium against the real server, its worker and an SMTP server on loopback (issue #18):
 * an admin builds "Web lead intake" from its template on the canvas (the owner step set to a person in the side
 * panel), publishes it, a visitor submits the web form, and the contact shows the owner, the email log the welcome
 * email and the task list the follow-up task. "Test on a record" shows the steps. A manual workflow whose HTTP
 * step fails once is retried from the run page and finishes.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Locator, Page } from "playwright-core";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("workflows: build from a template, run on a form submission, test, retry (Chromium)", () => {
  const errors: string[] = [];
  let smtp: SMTPServer;
  let receiver: Server;
  let receiverUrl = "";
  let receiverCalls = 0;
  let session: BrowserSession;
  let page: Page;
  let base = "";
  let formId = "";
  let contactId = "";
  let workflowId = "";

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      logger: false,
      onData(stream, _session, done) {
        stream.on("data", () => undefined);
        stream.on("end", () => done());
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    // The system the HTTP step calls: down for the first call (503), up after.
    receiver = createServer((req, res) => {
      receiverCalls++;
      req.resume();
      req.on("end", () => {
        res.writeHead(receiverCalls === 1 ? 503 : 200, { "content-type": "application/json" });
        res.end(JSON.stringify(receiverCalls === 1 ? { error: "down for maintenance" } : { ok: true }));
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/crm-hook`;
    const { port } = smtp.server.address() as AddressInfo;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5, smtpUrl: `smtp://127.0.0.1:${port}`, mailFrom: "Rapport <crm@wf.test>" });
    page = session.page;
    base = session.server.url;
  });

  afterAll(async () => {
    await session?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (receiver ? receiver.close(() => resolve()) : resolve()));
  });

  const step = screenshotSteps(() => page, "workflows");
  const byTestId = (id: string) => page.getByTestId(id);
  const see = (l: Locator) => l.first().waitFor({ state: "visible" });
  const json = async (method: "GET" | "POST", path: string, data?: unknown) => {
    const res = method === "GET" ? await page.request.get(`${base}${path}`) : await page.request.post(`${base}${path}`, { data: data ?? {} });
    expect(res.ok(), `${method} ${path}: ${res.status()} ${await res.text()}`).toBe(true);
    return res.json();
  };

  it(
    "signs up, adds a seller and a web form",
    () =>
      step("01-setup", async () => {
        await page.goto(base);
        await signUp(page, { workspace: "Flow Inc", name: "Wanda Admin", email: "wanda@wf.test" });
        const rep = await page.request.post(`${base}/api/v1/users`, {
          data: { name: "Sam Seller", email: "sam@wf.test", role: "sales", password: "correct-horse-battery-staple" },
        });
        expect(rep.status()).toBe(201);
        const form = await json("POST", "/api/v1/forms", {
          name: "Request a demo",
          fields: [
            { key: "firstName", label: "First name", required: true },
            { key: "lastName", label: "Last name" },
            { key: "email", label: "Email", required: true },
          ],
        });
        formId = form.id;
        // Vera is already a contact who agreed to email: her submission updates her and may get the welcome email
        // (the email step skips contacts without consent, and says so on the run).
        await json("POST", "/api/v1/contacts", {
          firstName: "Vera",
          lastName: "Valdez",
          emails: [{ email: "vera@globex.example" }],
          emailConsent: true,
        });
      }),
    STEP,
  );

  it(
    "builds “Web lead intake” from its template on the canvas and publishes it",
    () =>
      step("02-build", async () => {
        await byTestId("nav-workflows").click();
        await see(byTestId("workflows-empty"));
        await byTestId("empty-new-workflow").click();
        await page.locator('[data-template="web-lead-intake"]').click();
        await see(byTestId("workflow-canvas"));
        workflowId = page.url().split("/workflows/")[1]?.split(/[?/]/)[0] ?? "";
        expect(workflowId).not.toBe("");
        // The template's three steps are on the canvas, in order, after the trigger.
        await see(byTestId("canvas-trigger"));
        const steps = byTestId("canvas-step");
        await expect.poll(() => steps.count()).toBe(3);
        expect(await byTestId("canvas-trigger").textContent()).toContain("A web form is submitted");

        // The owner step: a person instead of the assignment rules, chosen by name in the side panel.
        await steps.filter({ hasText: "Assign owner" }).click();
        await see(byTestId("panel-step"));
        await byTestId("assign-mode").click();
        await page.getByRole("option", { name: "A person" }).click();
        await byTestId("panel-step").getByLabel("Owner").click();
        await page.getByRole("option", { name: "Sam Seller" }).click();
        expect(await steps.filter({ hasText: "Assign owner" }).textContent()).toContain("To a person");

        // Keyboard: the focused step opens with Enter; Escape closes the panel.
        await steps.filter({ hasText: "Follow-up task" }).focus();
        await page.keyboard.press("Enter");
        await see(byTestId("panel-step").filter({ hasText: "Create task" }));
        expect(await byTestId("create_task-title").inputValue()).toContain("Follow up with");

        await byTestId("publish").click();
        await expect.poll(() => byTestId("workflow-status").first().textContent()).toBe("Live");
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "runs when a visitor submits the form: owner assigned, welcome email logged, task created",
    () =>
      step("03-run", async () => {
        const res = await page.request.post(`${base}/api/public/forms/${formId}/submissions`, {
          data: { firstName: "Vera", lastName: "Valdez", email: "vera@globex.example" },
        });
        expect(res.status(), await res.text()).toBeLessThan(300);

        await page.goto(`${base}/workflows/${workflowId}?tab=runs`);
        const run = byTestId("run-row").first();
        await see(run);
        await expect.poll(() => run.getByTestId("run-state").getAttribute("data-state"), { interval: 1000 }).toBe("done");
        expect(await run.textContent()).toContain("Vera Valdez");

        const contacts = await json("GET", "/api/v1/contacts?q=vera");
        contactId = contacts.data[0].id;
        await page.goto(`${base}/contacts/${contactId}`);
        await see(byTestId("contact-details"));
        expect(await byTestId("contact-details").textContent()).toContain("Sam Seller");
        // The follow-up task is on the contact (Sam's task: Wanda's own task list would not show it).
        await see(page.getByText("Follow up with Vera Valdez"));
        // The run is on the contact's timeline, in words.
        const entry = byTestId("timeline-workflow").first();
        await see(entry);
        await expect.poll(() => entry.textContent()).toContain("Web lead intake");

        await page.goto(`${base}/settings/email`);
        await see(byTestId("mail-row").filter({ hasText: "Thanks for getting in touch, Vera" }));
      }),
    STEP,
  );

  it(
    "tests the workflow on a record and shows each step",
    () =>
      step("04-test", async () => {
        await page.goto(`${base}/workflows/${workflowId}`);
        await byTestId("test-on-record").click();
        await byTestId("test-record").fill("Vera");
        await page.getByRole("option", { name: /Vera Valdez/ }).click();
        await byTestId("run-test").click();
        await see(byTestId("test-steps"));
        await expect.poll(() => byTestId("test-step").count()).toBe(3);
        const text = (await byTestId("test-steps").textContent()) ?? "";
        expect(text).toContain("Assign owner");
        expect(text).toContain("Welcome email");
        expect(text).toContain("Follow-up task");
        await page.keyboard.press("Escape");
      }),
    STEP,
  );

  it(
    "retries a failed HTTP step from the run page",
    () =>
      step("05-retry", async () => {
        // The receiver is on loopback, which outgoing requests refuse unless the admin allows private targets.
        const allow = await page.request.patch(`${base}/api/v1/webhooks/settings`, { data: { allowPrivateTargets: true } });
        expect(allow.ok(), await allow.text()).toBe(true);
        // A manual workflow on contacts with one HTTP step, built through the API (the canvas is covered above).
        const wf = await json("POST", "/api/v1/workflows", { name: "Sync to ERP" });
        const res = await page.request.put(`${base}/api/v1/workflows/${wf.id}/draft`, {
          data: {
            definition: {
              trigger: { type: "manual", object: "contact" },
              start: "erp",
              steps: [
                {
                  id: "erp",
                  type: "http_request",
                  name: "Tell the ERP",
                  config: { method: "POST", url: receiverUrl, body: '{"email": "{{ record.email }}"}' },
                  next: { next: null },
                },
              ],
            },
          },
        });
        expect(res.ok(), await res.text()).toBe(true);
        await json("POST", `/api/v1/workflows/${wf.id}/publish`);

        // Started by hand from the contact page.
        await page.goto(`${base}/contacts/${contactId}`);
        await byTestId("run-workflow").click();
        await byTestId("run-workflow-select").click();
        await page.getByRole("option", { name: "Sync to ERP" }).click();
        await byTestId("run-workflow-confirm").click();

        await page.goto(`${base}/workflows/${wf.id}?tab=runs`);
        const run = byTestId("run-row").first();
        await see(run);
        await expect.poll(() => run.getByTestId("run-state").getAttribute("data-state"), { interval: 1000 }).toBe("failed");
        await run.getByTestId("open-run").click();
        await see(byTestId("run-error"));
        expect(await byTestId("run-steps").textContent()).toContain("Tell the ERP");
        await byTestId("retry-run").click();
        await expect.poll(() => byTestId("run-state").first().getAttribute("data-state"), { interval: 1000 }).toBe("done");
        expect(receiverCalls).toBe(2);
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
