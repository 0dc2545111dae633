import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, expectProblem, newWorkspace, type TestApp, userWithRole } from "../test/harness.js";

describe("API rate limits", () => {
  let t: TestApp;
  let admin: Client;
  let sales: Client;
  beforeAll(async () => {
    // Set up with a generous budget, then test on users who have spent nothing yet.
    t = await createTestApp("pglite", { apiRateLimit: 4 });
    admin = await newWorkspace(t.app);
    sales = await userWithRole(t.app, admin, "sales");
  });
  afterAll(async () => {
    await t.close();
  });

  it("counts per user, answers 429 problem+json with Retry-After and RateLimit headers, and keeps users apart", async () => {
    const first = await sales.get("/api/v1/contacts");
    expect(first.statusCode).toBe(200);
    expect(first.headers["ratelimit-limit"]).toBe("4");
    expect(Number(first.headers["ratelimit-remaining"])).toBeLessThan(4);
    let last = first;
    for (let i = 0; i < 5 && last.statusCode !== 429; i++) last = await sales.get("/api/v1/contacts");
    const problem = expectProblem(last, 429, "rate_limited");
    expect(problem.status).toBe(429);
    expect(Number(last.headers["retry-after"])).toBeGreaterThan(0);
    expect(last.headers["ratelimit-remaining"]).toBe("0");
    // Another caller's budget is untouched.
    const other = await newWorkspace(t.app);
    expect((await other.get("/api/v1/contacts")).statusCode).toBe(200);
  });
});
