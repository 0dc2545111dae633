import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTrustProxy } from "../config.js";
import { type Client, createTestApp, expectProblem, newWorkspace, type TestApp, unique, userWithRole } from "../test/harness.js";

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

describe("sign-in, sign-up and form limits behind proxies", () => {
  const login = (app: TestApp["app"], email: string, password: string, headers: Record<string, string> = {}, remoteAddress = "127.0.0.1") =>
    app.inject({ method: "POST", url: "/api/v1/auth/login", payload: { email, password }, headers, remoteAddress });

  it("ignores X-Forwarded-For from an untrusted peer: rotating it does not buy more sign-in attempts", async () => {
    const t = await createTestApp("pglite", { authRateLimit: 3 });
    try {
      const victim = await newWorkspace(t.app);
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) codes.push((await login(t.app, victim.email, "wrong guess", { "x-forwarded-for": `203.0.113.${i}` })).statusCode);
      expect(codes).toEqual([401, 401, 401, 429, 429]);
      const signups: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await t.app.inject({
          method: "POST",
          url: "/api/v1/auth/signup",
          remoteAddress: "198.51.100.7",
          headers: { "x-forwarded-for": `203.0.113.${i}` },
          payload: { workspaceName: "Spam", name: "S", email: `${unique("spam")}@example.com`, password: "" },
        });
        signups.push(res.statusCode);
      }
      expect(signups.slice(3)).toEqual([429, 429]);
    } finally {
      await t.close();
    }
  });

  it("limits per account and IP: someone guessing one account does not lock out another user on the same IP", async () => {
    const t = await createTestApp("pglite", { authRateLimit: 3 });
    try {
      const victim = await newWorkspace(t.app);
      const colleague = await newWorkspace(t.app);
      for (let i = 0; i < 3; i++) expect((await login(t.app, victim.email, "wrong guess", {}, "192.0.2.10")).statusCode).toBe(401);
      expectProblem(await login(t.app, victim.email, "wrong guess", {}, "192.0.2.10"), 429, "rate_limited");
      // The same account from the same IP stays limited, whatever the password; another account on that IP is not.
      expectProblem(await login(t.app, victim.email.toUpperCase(), victim.password, {}, "192.0.2.10"), 429, "rate_limited");
      expect((await login(t.app, colleague.email, colleague.password, {}, "192.0.2.10")).statusCode).toBe(200);
      // Nor is the victim from their own address.
      expect((await login(t.app, victim.email, victim.password, {}, "192.0.2.99")).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it("trusts X-Forwarded-For and -Proto only from the proxies TRUST_PROXY names, and then marks cookies Secure over HTTPS", async () => {
    const t = await createTestApp("pglite", { authRateLimit: 2, trustProxy: ["10.0.0.1"] });
    try {
      const user = await newWorkspace(t.app);
      // Through the trusted proxy, each client address has its own budget.
      for (const client of ["203.0.113.1", "203.0.113.2"]) {
        for (let i = 0; i < 2; i++) expect((await login(t.app, user.email, "nope", { "x-forwarded-for": client }, "10.0.0.1")).statusCode).toBe(401);
        expectProblem(await login(t.app, user.email, "nope", { "x-forwarded-for": client }, "10.0.0.1"), 429, "rate_limited");
      }
      const https = await login(t.app, user.email, user.password, { "x-forwarded-for": "203.0.113.3", "x-forwarded-proto": "https" }, "10.0.0.1");
      expect(https.statusCode).toBe(200);
      expect(https.cookies.find((c) => c.name === "rapport_session")?.secure).toBe(true);
      // The same headers from anyone else are ignored: no Secure flag, and the peer's own address is limited.
      const spoofed = await login(t.app, user.email, user.password, { "x-forwarded-for": "203.0.113.4", "x-forwarded-proto": "https" }, "10.0.0.2");
      expect(spoofed.statusCode).toBe(200);
      expect(spoofed.cookies.find((c) => c.name === "rapport_session")?.secure).toBeFalsy();
    } finally {
      await t.close();
    }
  });
});

describe("TRUST_PROXY", () => {
  it("defaults to trusting no proxy, takes addresses and CIDR ranges, and refuses 'trust everyone'", () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy("")).toBe(false);
    expect(parseTrustProxy("10.0.0.1, 172.16.0.0/12,loopback,::1")).toEqual(["10.0.0.1", "172.16.0.0/12", "loopback", "::1"]);
    expect(() => parseTrustProxy("true")).toThrow(/addresses/);
    expect(() => parseTrustProxy("*")).toThrow(/addresses/);
    expect(() => parseTrustProxy("10.0.0.1/99")).toThrow(/10.0.0.1\/99/);
  });
});
