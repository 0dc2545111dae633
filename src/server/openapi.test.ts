import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, databaseKinds, type TestApp } from "../test/harness.js";

describe.each(databaseKinds)("platform endpoints on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  it("reports health and which database it runs on", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/health" });
    expect(res.json()).toEqual({ status: "ok", database: kind });
  });

  it("publishes an OpenAPI 3.1 document generated from the request schemas", async () => {
    const doc = (await t.app.inject({ method: "GET", url: "/api/openapi.json" })).json();
    expect(doc.openapi).toBe("3.1.0");
    for (const path of [
      "/api/v1/contacts",
      "/api/v1/contacts/{id}",
      "/api/v1/companies",
      "/api/v1/contacts/{id}/timeline",
      "/api/v1/search",
      "/api/v1/custom-fields",
      "/api/v1/api-keys",
      "/api/v1/users",
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
    const create = doc.paths["/api/v1/contacts"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.properties.lifecycleStage.enum).toContain("marketing_qualified");
    expect(body.additionalProperties).toBe(false);
    expect(create.responses["400"]).toBeDefined();
    const list = doc.paths["/api/v1/contacts"].get.parameters.map((p: { name: string }) => p.name);
    expect(list).toEqual(expect.arrayContaining(["limit", "cursor", "sort", "q", "filter"]));
  });

  it("serves interactive docs", async () => {
    const res = await t.app.inject({ method: "GET", url: "/api/docs/" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain("swagger");
  });
});
