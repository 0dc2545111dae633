import { serializerCompiler as zodSerializerCompiler } from "fastify-type-provider-zod";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { Timeline } from "../contract/activities.js";
import { Contact } from "../contract/contacts.js";
import { Board } from "../contract/deals.js";
import { User } from "../contract/users.js";
import { createTestApp, newWorkspace, type TestApp } from "../test/harness.js";
import { serializerCompiler, zodSerializedRoutes } from "./serializer.js";

const compile = (schema: z.ZodType, compiler: typeof serializerCompiler) =>
  compiler({ schema, method: "GET", url: "/test", httpStatus: "200" } as Parameters<typeof serializerCompiler>[0]) as (data: unknown) => string;

describe("response serializer", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp("pglite");
    await t.app.ready();
  });
  afterAll(async () => t?.close());

  it("compiles every route's response schema, none left to zod", () => {
    expect([...zodSerializedRoutes]).toEqual([]);
  });

  it("writes real responses byte for byte as zod's serializer would", async () => {
    const ws = await newWorkspace(t.app);
    const company = (await ws.post("/api/v1/companies", { name: 'Zürich Ünïcode \u2028 "AG"', domain: "zuerich.example" })).json() as { id: string };
    const created = await ws.post("/api/v1/contacts", {
      firstName: "Zoë",
      lastName: "O'Brien <b>",
      emails: [{ email: "zoe@zuerich.example" }],
      phones: [{ phone: "+41 44 668 18 00" }],
      companyId: company.id,
      tags: ["vip", "𝒰nicode"],
      address: { city: "Zürich", country: "CH" },
    });
    expect(created.statusCode).toBe(201);
    const contact = created.json() as { id: string };
    await ws.post(`/api/v1/contacts/${contact.id}/activities`, { type: "note", body: "Line\nbreak\ttab \\ backslash" });
    const pipeline = ((await ws.get("/api/v1/pipelines")).json() as { data: { id: string }[] }).data[0]?.id;
    await ws.post("/api/v1/deals", { name: "Renewal", amount: "1200.50", companyId: company.id, pipelineId: pipeline });
    const checks: [z.ZodType, string][] = [
      [Contact, `/api/v1/contacts/${contact.id}`],
      [Timeline, `/api/v1/companies/${company.id}/timeline`],
      [Board, `/api/v1/pipelines/${pipeline}/board`],
    ];
    for (const [schema, url] of checks) {
      const res = await ws.get(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(compile(schema, zodSerializerCompiler)(res.json()));
    }
  });

  it("writes only the fields the schema names", () => {
    const user = {
      id: "0190a3b4-0000-7000-8000-000000000001",
      name: "Ada",
      email: "ada@example.com",
      role: "admin",
      active: true,
      teamIds: [],
      createdAt: "2026-01-01T00:00:00.000Z",
      passwordHash: "$argon2id$secret",
    };
    const out = JSON.parse(compile(User, serializerCompiler)(user));
    expect(out).not.toHaveProperty("passwordHash");
    expect(out).toEqual(JSON.parse(compile(User, zodSerializerCompiler)(user)));
  });
});
