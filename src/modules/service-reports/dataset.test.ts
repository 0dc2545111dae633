import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceDashboard } from "../../contract/service-reports.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { csvRows, datasets, uploadOk, waitForImport, workerApp } from "../imports/testing.js";

const file = join(datasets, "support_tickets", "customer_support_tickets.csv");
const haveDataset = existsSync(file);
if (!haveDataset) console.warn(`Skipping the service dashboard's dataset test: ${file} is absent (the shared datasets folder is not mounted).`);

const tally = (values: string[], keys: Record<string, string>) => {
  const out: Record<string, number> = {};
  for (const v of values) out[keys[v] ?? v] = (out[keys[v] ?? v] ?? 0) + 1;
  return out;
};

/** Issue 19, "How it is judged": the dashboard's counts of the imported support-tickets file match the file itself. */
describe.skipIf(!haveDataset).each(databaseKinds)("service dashboard over the support-tickets dataset on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp(kind, workerApp);
    admin = await newWorkspace(t.app);
  });
  afterAll(() => t?.close());

  it("counts by status, priority and channel and the average rating as the file has them", async () => {
    const content = readFileSync(file);
    const rows = csvRows(content);
    const analysis = await uploadOk(t, admin, "ticket", "customer_support_tickets.csv", content);
    const run = await admin.post(`/api/v1/imports/${analysis.import.id}/run`, { mapping: analysis.suggestion.mapping, match: "externalId" });
    expect(run.statusCode, run.body).toBe(202);
    const job = await waitForImport(admin, analysis.import.id, 1_800_000);
    expect(job.status, job.error).toBe("completed");

    // The file has no creation time, only how long the first response and the resolution took: each ticket is opened
    // that long before the import, so the last 7 days hold all of them, answered and solved by the import.
    const res = await admin.get("/api/v1/service/dashboard?period=7d");
    expect(res.statusCode, res.body).toBe(200);
    const d = res.json() as ServiceDashboard;
    const statusKey: Record<string, string> = { Open: "open", "Pending Customer Response": "pending_customer", Closed: "closed" };
    const priorityKey: Record<string, string> = { Low: "low", Medium: "normal", High: "high", Critical: "urgent" };
    const channelKey: Record<string, string> = { Email: "email", Phone: "phone", Chat: "chat", "Social media": "social" };

    expect(d.created).toBe(rows.length);
    expect(Object.fromEntries(d.byStatus.map((s) => [s.status, s.count]))).toEqual(
      tally(
        rows.map((r) => r["Ticket Status"] as string),
        statusKey,
      ),
    );
    expect(Object.fromEntries(d.byPriority.map((p) => [p.priority, p.count]))).toEqual(
      tally(
        rows.map((r) => r["Ticket Priority"] as string),
        priorityKey,
      ),
    );
    expect(Object.fromEntries(d.byChannel.map((c) => [c.channel, c.count]))).toEqual(
      tally(
        rows.map((r) => r["Ticket Channel"] as string),
        channelKey,
      ),
    );
    expect(d.byChannel.find((c) => c.channel === "social")?.label).toBe("Social media");

    // The backlog: every ticket the file has open or waiting on the customer.
    const open = rows.filter((r) => r["Ticket Status"] !== "Closed");
    expect(d.backlog.total).toBe(open.length);
    expect(Object.fromEntries(d.backlog.byStatus.map((s) => [s.status, s.count]))).toEqual(
      tally(
        open.map((r) => r["Ticket Status"] as string),
        statusKey,
      ),
    );

    // First-response and resolution times are the file's own: its durations are times of day on a placeholder date.
    const secondsOf = (v: string) => {
      const [h, m, s] = (v.split(" ")[1] as string).split(":").map(Number);
      return (h as number) * 3600 + (m as number) * 60 + (s as number);
    };
    const percentile = (values: number[], p: number) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (sorted.length - 1) * p;
      const lo = Math.floor(at);
      return (sorted[lo] as number) + ((sorted[Math.min(lo + 1, sorted.length - 1)] as number) - (sorted[lo] as number)) * (at - lo);
    };
    const frt = rows.flatMap((r) => (r["First Response Time"] ? [secondsOf(r["First Response Time"])] : []));
    const ttr = rows.flatMap((r) => (r["Ticket Status"] === "Closed" && r["Time to Resolution"] ? [secondsOf(r["Time to Resolution"])] : []));
    expect(frt.length).toBeGreaterThan(5000);
    expect(d.firstResponse).toEqual({ count: frt.length, medianSeconds: Math.round(percentile(frt, 0.5)), p90Seconds: Math.round(percentile(frt, 0.9)) });
    expect(d.awaitingFirstResponse).toBe(rows.length - frt.length);
    expect(d.solved).toBe(ttr.length);
    expect(d.resolution).toEqual({ count: ttr.length, medianSeconds: Math.round(percentile(ttr, 0.5)), p90Seconds: Math.round(percentile(ttr, 0.9)) });

    const ratings = rows.flatMap((r) => (r["Customer Satisfaction Rating"] ? [Number(r["Customer Satisfaction Rating"])] : []));
    expect(ratings.length).toBeGreaterThan(1000);
    expect(d.csat.count).toBe(ratings.length);
    expect(d.csat.average).toBe(Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100);
    expect(d.csat.distribution).toEqual([1, 2, 3, 4, 5].map((rating) => ({ rating, count: ratings.filter((r) => r === rating).length })));
  });
});
