import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, expectProblem, type TestApp } from "../test/harness.js";

/** Raw HTTP, so the request reaches Node's parser and Fastify's router as a browser's or a scanner's would. */
function raw(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("errors the framework raises before a route runs", () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    t = await createTestApp("pglite");
    await t.app.listen({ port: 0, host: "127.0.0.1" });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  it("answers a malformed URL with problem+json", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/v1/contacts/%E0%A4%A" });
    const body = expectProblem(res, 400, "bad_request");
    expect(body.detail).toMatch(/URL/);
  });

  it("answers an over-long path parameter with a 414 problem", async () => {
    const res = await t.app.inject({ method: "GET", url: `/api/v1/contacts/${"x".repeat(500)}` });
    const body = expectProblem(res, 414, "uri_too_long");
    expect(body.title).toBe("URI too long");
  });

  it("answers over-large headers with a 431 problem over a real connection", async () => {
    const res = await raw(port, "/api/health", { "x-filler": "y".repeat(20_000) });
    expect(res.status).toBe(431);
    expect(res.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(res.body)).toMatchObject({ status: 431, code: "headers_too_large" });
  });
});
