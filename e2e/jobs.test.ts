/**
 * Settings → Jobs in real Chromium against the real server with its worker: a duplicate scan that ran out of
 * attempts shows with its error, and "Retry now" runs it again until it completes.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type JobSystem, startJobSystem } from "../src/jobs/system.js";
import { type BrowserSession, openBrowserSession, STEP, screenshotSteps, signUp, suite } from "./support.js";

suite("Settings → Jobs (Chromium)", () => {
  const errors: string[] = [];
  let session: BrowserSession;
  let page: Page;
  // A second, enqueue-only handle on the server's database: how an operator's CLI sees the same queues.
  let operator: JobSystem;

  beforeAll(async () => {
    session = await openBrowserSession(errors, { jobPollingSeconds: 0.5 });
    page = session.page;
    operator = await startJobSystem({ database: session.server.database, worker: false, log: { info() {}, warn() {}, error() {} } });
  });
  afterAll(async () => {
    await operator?.stop();
    await session?.close();
  });

  const step = screenshotSteps(() => page, "jobs");

  it(
    "shows a dead job with its error and retries it from the page",
    () =>
      step("01-retry", async () => {
        await page.goto(session.server.url);
        await signUp(page, { workspace: "Jobs Inc", name: "Jo Admin", email: "jo@jobs.test" });
        const workspaceId = await page.evaluate(async () => ((await (await fetch("/api/v1/auth/me")).json()) as { workspace: { id: string } }).workspace.id);
        // A scan that failed its only attempt, as a crash mid-scan would leave it.
        const id = await operator.send("duplicates.scan", { workspaceId }, { retryLimit: 0, singletonKey: `e2e-${workspaceId}` });
        expect(id).toBeTruthy();
        await operator.boss.fail("duplicates.scan", id as string, { message: "connection to the database was lost" });

        await page.getByTestId("nav-jobs").click();
        const row = page.getByTestId("failed-job-row").filter({ hasText: "Duplicate scan" });
        await row.waitFor({ state: "visible" });
        await expect.poll(() => row.getByTestId("failed-job-error").textContent()).toContain("connection to the database was lost");
        await expect.poll(() => row.textContent()).toContain("Out of attempts");
        await row.getByTestId("retry-job").click();
        // The worker runs it again; the list refreshes every 5 s and the row goes.
        await page.getByTestId("jobs-no-failures").waitFor({ state: "visible" });
        const state = await session.server.database.db.execute((await import("drizzle-orm")).sql`select state from pgboss.job where id = ${id}::uuid`);
        expect((state as unknown as { rows: { state: string }[] }).rows[0]?.state).toBe("completed");
        expect(errors).toEqual([]);
      }),
    STEP,
  );
});
