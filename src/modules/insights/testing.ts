/** Shared by the insights tests: training through the job system. */
import { expect } from "vitest";
import type { InsightModel } from "../../contract/insights.js";
import type { Client } from "../../test/harness.js";

/** Training is a job: queue it and wait for the model to leave "training" (a worker picks it up within a second). */
export async function trainAndWait(c: Client, id: string, timeoutMs = 300_000): Promise<InsightModel> {
  const res = await c.post(`/api/v1/insights/models/${id}/train`, {});
  expect(res.statusCode, res.body).toBe(202);
  const until = Date.now() + timeoutMs;
  for (;;) {
    const model = (await c.get(`/api/v1/insights/models/${id}`)).json() as InsightModel;
    if (model.status !== "training" || Date.now() > until) return model;
    await new Promise((r) => setTimeout(r, 200));
  }
}
