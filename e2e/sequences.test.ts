/**
 * Marketing → Sequences in real Chromium against the real server, its worker and a real SMTP server on loopback: build
 * a sequence (an email step and a task step) in the editor, enrol a contact from its page, watch the steps run, and
 * see the per-step statistics and the contact's status; pause and resume the contact.
 */
import type { ParsedMail } from "mailparser";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type BrowserSession, type MailCatcher, openBrowserSession, STEP, screenshotSteps, signUp, startMailCatcher, suite } from "./support.js";

suite("Marketing → Sequences (Chromium)", () => {
  const errors: string[] = [];
  let mail: MailCatcher;
  let inbox: ParsedMail[] = [];
  let session: BrowserSession;
  let page: Page;

  beforeAll(async () => {
    mail = await startMailCatcher();
    inbox = mail.inbox;
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5, smtpUrl: mail.url, mailFrom: "Rapport <crm@mail.test>" });
    page = session.page;
  });
  afterAll(async () => {
    await session?.close();
    await mail?.close();
  });

  const step = screenshotSteps(() => page, "sequences");
  const api = (path: string, body: unknown) =>
    page.evaluate(
      async ([p, b]) => {
        const r = await fetch(p as string, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
        if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
        return r.json();
      },
      [path, body] as const,
    );

  it(
    "creates a sequence, enrols a contact, runs its steps and shows the statistics",
    () =>
      step("01-sequence", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Drip Inc", name: "Sam Admin", email: "sam@mail.test" });
        const contact = (await api("/api/v1/contacts", { firstName: "Ada", lastName: "Byron", emails: [{ email: "ada@analytical.example" }] })) as {
          id: string;
        };
        await api("/api/v1/email-templates", { name: "Intro", subject: "Hello {{ contact.firstName }}", body: "<p>Nice to meet you.</p>" });

        await page.getByTestId("nav-sequences").click();
        await page.getByText("No sequences yet").waitFor({ state: "visible" });
        await page.getByTestId("new-sequence").click();
        await page.getByTestId("sequence-name").fill("Welcome drip");
        // Any day, any hour: the run does not depend on when the suite runs.
        await page.getByLabel("From").fill("00:00");
        await page.getByLabel("Until").fill("23:59");
        await page.getByText("Sat", { exact: true }).click();
        await page.getByText("Sun", { exact: true }).click();
        await page.getByTestId("add-email-step").click();
        await page.getByTestId("step-template").click();
        await page.getByRole("option", { name: "Intro" }).click();
        await page.getByTestId("add-task-step").click();
        // The second step waits two days by default; here it follows at once.
        await page.getByLabel("Wait days").nth(1).fill("0");
        await page.getByTestId("step-task-title").fill("Call Ada about the intro");
        await page.getByTestId("save-sequence").click();
        await page.getByText("Enrolments", { exact: true }).waitFor({ state: "visible" });
        await page.getByText("Nobody enrolled yet").waitFor({ state: "visible" });

        // Enrol from the contact's page.
        await page.goto(`${session.server.url}/contacts/${contact.id}`);
        const panel = page.getByTestId("contact-sequences");
        await panel.getByText("Not in any sequence.").waitFor({ state: "visible" });
        await page.getByTestId("enrol-sequence-select").click();
        await page.getByRole("option", { name: "Welcome drip" }).click();
        await page.getByTestId("enrol-in-sequence").click();
        await panel.getByRole("link", { name: "Welcome drip" }).waitFor({ state: "visible" });

        // The worker runs the email step (inside the window) and then the task step.
        await expect.poll(() => inbox.find((m) => m.subject === "Hello Ada")?.html || "", { timeout: 60_000 }).toContain("Nice to meet you.");
        await expect
          .poll(() => page.reload().then(() => page.getByTestId("contact-sequence-status").first().textContent()), { timeout: 60_000 })
          .toBe("Completed");

        await panel.getByRole("link", { name: "Welcome drip" }).click();
        const stats = page.getByTestId("sequence-stats");
        await stats.waitFor({ state: "visible" });
        await expect.poll(() => stats.getByTestId("stats-sent").allTextContents()).toEqual(["1", "1"]);
        await expect.poll(() => page.getByTestId("enrolment-status").first().textContent()).toBe("Completed");
        expect(errors).toEqual([]);
      }),
    STEP,
  );

  it(
    "pauses and resumes a contact from the enrolments table",
    () =>
      step("02-pause", async () => {
        const sequences = (await page.evaluate(async () => (await fetch("/api/v1/sequences")).json())) as { data: { id: string }[] };
        const id = sequences.data[0]?.id as string;
        // A long wait before the follow-up keeps this contact active.
        await page.evaluate(
          async ([sid]) => {
            const r = await fetch(`/api/v1/sequences/${sid}`);
            const s = await r.json();
            const steps = s.steps.map((x: { id: string; kind: string; delayMinutes: number; templateId: string | null; taskTitle: string | null }) => ({
              id: x.id,
              kind: x.kind,
              delayMinutes: x.kind === "task" ? 7 * 1440 : x.delayMinutes,
              ...(x.kind === "email" ? { templateId: x.templateId } : { taskTitle: x.taskTitle }),
            }));
            await fetch(`/api/v1/sequences/${sid}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ steps }) });
          },
          [id] as const,
        );
        const grace = (await api("/api/v1/contacts", { firstName: "Grace", lastName: "Hopper", emails: [{ email: "grace@navy.example" }] })) as { id: string };
        await api(`/api/v1/sequences/${id}/enrolments`, { contactIds: [grace.id] });
        await page.goto(`${session.server.url}/marketing/sequences/${id}`);
        await page.getByTestId("pause-enrolment").click();
        await page.getByTestId("resume-enrolment").waitFor({ state: "visible" });
        await expect.poll(() => page.getByTestId("enrolment-status").first().textContent()).toBe("Paused");
        await page.getByTestId("resume-enrolment").click();
        await page.getByTestId("pause-enrolment").waitFor({ state: "visible" });
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
