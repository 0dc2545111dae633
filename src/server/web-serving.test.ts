import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../db/client.js";
import { openTestDatabase } from "../test/harness.js";
import { type App, buildApp } from "./app.js";

describe("serving the web app", () => {
  const dir = mkdtempSync(join(tmpdir(), "rapport-web-"));
  let app: App;
  let database: Database;
  beforeAll(async () => {
    mkdirSync(join(dir, "assets"));
    writeFileSync(join(dir, "index.html"), "<!doctype html><title>Rapport</title><div id=root></div>");
    writeFileSync(join(dir, "assets", "app.js"), "console.log('app')");
    database = await openTestDatabase("pglite");
    app = await buildApp({ database, webDir: dir, logLevel: "silent" });
  });
  afterAll(async () => {
    await app.close();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers client-side routes with the app shell and serves assets", async () => {
    const page = await app.inject({ method: "GET", url: "/contacts/01a2077c-c75e-7357-9247-7d7a222f6980" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("<title>Rapport</title>");
    const asset = await app.inject({ method: "GET", url: "/assets/app.js" });
    expect(asset.body).toContain("console.log");
  });

  it("never lets a cache keep the app shell, so a new deploy reaches users at once; hashed assets stay cached for a year", async () => {
    for (const url of ["/", "/contacts", "/index.html"]) {
      const res = await app.inject({ method: "GET", url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers["cache-control"], url).toBe("no-cache");
    }
    const asset = await app.inject({ method: "GET", url: "/assets/app.js" });
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
  });

  it("still answers unknown API paths with problem+json", async () => {
    const res = await app.inject({ method: "GET", url: "/api/nothing-here" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toContain("application/problem+json");
  });
});
