import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stage } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { importCompanies } from "../companies/service.js";
import { importContacts } from "../contacts/service.js";
import { importDeals } from "../deals/import.js";
import { listPipelines } from "../deals/pipelines.js";

describe.each(databaseKinds)("validation rules on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t.close());

  it("applies a rule only to the records its condition names, a condition in the one language", async () => {
    const ws = await newWorkspace(t.app);
    const when = { all: [{ field: "lifecycleStage", op: "eq", value: "customer" }] };
    const rule = await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", required: true, when });
    expect(rule.statusCode, rule.body).toBe(201);
    expect(rule.json().when).toEqual(when);
    expect((await ws.post("/api/v1/contacts", { firstName: "Lead", lifecycleStage: "lead" })).statusCode).toBe(201);
    const customer = expectProblem(await ws.post("/api/v1/contacts", { firstName: "Cust", lifecycleStage: "customer" }), 400, "validation_failed");
    expect(customer.errors).toEqual([{ path: "jobTitle", message: "Required" }]);
    expect((await ws.post("/api/v1/contacts", { firstName: "Cust", lifecycleStage: "customer", jobTitle: "CFO" })).statusCode).toBe(201);
    // A label typed for a code, and a related record's field, are refused at their paths.
    const label = expectProblem(
      await ws.post("/api/v1/validation-rules", {
        object: "contact",
        field: "lastName",
        required: true,
        when: [{ field: "lifecycleStage", op: "eq", value: "Customer" }],
      }),
      400,
    );
    expect(label.errors).toEqual([{ path: "when.all.0.value", message: 'Lifecycle stage "Customer" is a label, not a value: use customer' }]);
    const related = expectProblem(
      await ws.post("/api/v1/validation-rules", {
        object: "contact",
        field: "lastName",
        required: true,
        when: { all: [{ field: "company.industry", op: "notEmpty" }] },
      }),
      400,
    );
    expect(related.errors).toEqual([{ path: "when", message: "A rule's condition names the record's own fields" }]);
  });

  it("refuses bad rules: a regex that does not compile, an unknown field, min above max, no check at all", async () => {
    const ws = await newWorkspace(t.app);
    const bad = expectProblem(await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", pattern: "([a-z" }), 400, "validation_failed");
    expect(bad.errors).toEqual([expect.objectContaining({ path: "pattern" })]);
    const unknown = expectProblem(
      await ws.post("/api/v1/validation-rules", { object: "contact", field: "shoeSize", required: true }),
      400,
      "validation_failed",
    );
    expect(unknown.errors).toEqual([expect.objectContaining({ path: "field" })]);
    expectProblem(await ws.post("/api/v1/validation-rules", { object: "company", field: "custom.tier", required: true }), 400, "validation_failed");
    expectProblem(await ws.post("/api/v1/validation-rules", { object: "company", field: "employees", min: 10, max: 1 }), 400, "validation_failed");
    expectProblem(await ws.post("/api/v1/validation-rules", { object: "company", field: "employees" }), 400, "validation_failed");
    const ok = await ws.post("/api/v1/validation-rules", { object: "company", field: "employees", min: 1 });
    expect(ok.statusCode, ok.body).toBe(201);
    expectProblem(await ws.post("/api/v1/validation-rules", { object: "company", field: "employees", max: 5 }), 409, "conflict");
    const sales = await userWithRole(t.app, ws, "sales");
    expectProblem(await sales.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", required: true }), 403, "forbidden");
    expect((await sales.get("/api/v1/validation-rules")).json().data).toHaveLength(1);
  });

  it("enforces required, format, allowed values and ranges on create, update and bulk, naming the field", async () => {
    const ws = await newWorkspace(t.app);
    await ws.post("/api/v1/custom-fields", { object: "contact", label: "Tier", type: "text" });
    for (const rule of [
      { object: "contact", field: "jobTitle", required: true },
      { object: "contact", field: "address.country", allowedValues: ["DE", "FR"], message: "We only sell in Germany and France" },
      { object: "contact", field: "custom.tier", pattern: "[A-C]", message: "Tier is A, B or C" },
      { object: "contact", field: "tags", allowedValues: ["vip", "partner"] },
      { object: "company", field: "employees", min: 1, max: 100000 },
      { object: "company", field: "name", min: 3 },
    ]) {
      const res = await ws.post("/api/v1/validation-rules", rule);
      expect(res.statusCode, res.body).toBe(201);
    }
    const missing = expectProblem(await ws.post("/api/v1/contacts", { firstName: "Ada" }), 400, "validation_failed");
    expect(missing.errors).toEqual([{ path: "jobTitle", message: "Required" }]);
    const several = expectProblem(
      await ws.post("/api/v1/contacts", { firstName: "Ada", jobTitle: "CTO", address: { country: "US" }, custom: { tier: "Z" } }),
      400,
      "validation_failed",
    );
    expect(several.errors).toEqual([
      { path: "address.country", message: "We only sell in Germany and France" },
      { path: "custom.tier", message: "Tier is A, B or C" },
    ]);
    const created = await ws.post("/api/v1/contacts", { firstName: "Ada", jobTitle: "CTO", address: { country: "de" }, custom: { tier: "A" } });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    // Updates check the fields they write; other fields of the record are left alone.
    expectProblem(await ws.patch(`/api/v1/contacts/${id}`, { jobTitle: null }), 400, "validation_failed");
    expect((await ws.patch(`/api/v1/contacts/${id}`, { firstName: "Ada L." })).statusCode).toBe(200);
    const bulk = expectProblem(await ws.post("/api/v1/contacts/bulk", { ids: [id], action: "tag", tag: "random" }), 400, "validation_failed");
    expect(bulk.errors).toEqual([{ path: "tags", message: "Must be one of: vip, partner" }]);
    expect((await ws.post("/api/v1/contacts/bulk", { ids: [id], action: "tag", tag: "vip" })).json().affected).toBe(1);

    expectProblem(await ws.post("/api/v1/companies", { name: "Acme", employees: 0 }), 400, "validation_failed");
    expectProblem(await ws.post("/api/v1/companies", { name: "AB" }), 400, "validation_failed");
    const company = await ws.post("/api/v1/companies", { name: "Acme", employees: 12 });
    expect(company.statusCode, company.body).toBe(201);
    const tooMany = expectProblem(await ws.patch(`/api/v1/companies/${company.json().id}`, { employees: 200000 }), 400, "validation_failed");
    expect(tooMany.errors).toEqual([{ path: "employees", message: "Must be at most 100000" }]);

    // Rules can be relaxed and removed.
    const rules = (await ws.get("/api/v1/validation-rules?object=contact")).json().data as { id: string; field: string }[];
    const jobTitle = rules.find((r) => r.field === "jobTitle");
    expect((await ws.del(`/api/v1/validation-rules/${jobTitle?.id}`)).statusCode).toBe(204);
    expect((await ws.post("/api/v1/contacts", { firstName: "Bea" })).statusCode).toBe(201);
    const country = rules.find((r) => r.field === "address.country");
    const patched = await ws.patch(`/api/v1/validation-rules/${country?.id}`, { allowedValues: ["DE", "FR", "US"] });
    expect(patched.json().allowedValues).toEqual(["DE", "FR", "US"]);
    expect((await ws.post("/api/v1/contacts", { firstName: "Cy", address: { country: "US" } })).statusCode).toBe(201);
  });

  it("reports rule breaches per row on the import path instead of failing the batch", async () => {
    const ws = await newWorkspace(t.app);
    await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", required: true, message: "Every contact needs a job title" });
    await ws.post("/api/v1/validation-rules", { object: "company", field: "domain", required: true });
    const me = ws.session.me;
    if (!me) throw new Error("no session");
    const ctx: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    const people = await t.database.db.transaction((tx) => importContacts({ ...ctx, db: tx }, [{ firstName: "Has", jobTitle: "CEO" }, { firstName: "Lacks" }]));
    expect(people.ids[0]).toBeTruthy();
    expect(people.ids[1]).toBeNull();
    expect(people.errors.get(1)).toBe("jobTitle: Every contact needs a job title");
    const orgs = await t.database.db.transaction((tx) =>
      importCompanies({ ...ctx, db: tx }, [{ name: "No Domain Ltd" }, { name: "Dom", domain: "dom.example" }]),
    );
    expect(orgs.errors.get(0)).toBe("domain: Required");
    expect(orgs.ids[1]).toBeTruthy();
  });

  it("applies deal rules on create, update and import, naming the field", async () => {
    const ws = await newWorkspace(t.app);
    expect(
      (await ws.post("/api/v1/validation-rules", { object: "deal", field: "amount", max: 1_000_000, message: "Ask finance above a million" })).statusCode,
    ).toBe(201);
    expect((await ws.post("/api/v1/validation-rules", { object: "deal", field: "source", allowedValues: ["inbound", "outbound"] })).statusCode).toBe(201);
    expectProblem(await ws.post("/api/v1/validation-rules", { object: "deal", field: "jobTitle", required: true }), 400);
    const big = expectProblem(await ws.post("/api/v1/deals", { name: "Huge", amount: "2000000" }), 400, "validation_failed");
    expect(big.errors).toEqual([{ path: "amount", message: "Ask finance above a million" }]);
    const deal = await ws.post("/api/v1/deals", { name: "Fine", amount: "5000", source: "inbound" });
    expect(deal.statusCode, deal.body).toBe(201);
    expectProblem(await ws.patch(`/api/v1/deals/${deal.json().id}`, { source: "partner" }), 400, "validation_failed");
    // An edit to another field of a deal is not held up by the rule.
    expect((await ws.patch(`/api/v1/deals/${deal.json().id}`, { name: "Still fine" })).statusCode).toBe(200);
    const me = ws.session.me;
    if (!me) throw new Error("no session");
    const ctx: Ctx = { db: t.database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
    const stage = (await listPipelines(ctx))[0]?.stages[0] as Stage;
    const row = {
      stage,
      currency: null,
      expectedCloseDate: null,
      ownerId: undefined,
      companyId: null,
      contacts: [],
      nextStep: null,
      lostReason: null,
      tags: [],
    };
    const result = await t.database.db.transaction((tx) =>
      importDeals({ ...ctx, db: tx }, [
        { ...row, name: "Imported ok", amount: "10.00", source: "outbound" },
        { ...row, name: "Imported too big", amount: "3000000.00", source: null },
      ]),
    );
    expect(result.ids[0]).toBeTruthy();
    expect(result.errors.get(1)).toBe("amount: Ask finance above a million");
  });

  it("keeps each workspace's rules to itself", async () => {
    const a = await newWorkspace(t.app);
    const b = await newWorkspace(t.app);
    const rule = (await a.post("/api/v1/validation-rules", { object: "contact", field: "lastName", required: true })).json();
    expect((await b.post("/api/v1/contacts", { firstName: "Free" })).statusCode).toBe(201);
    expectProblem(await b.patch(`/api/v1/validation-rules/${rule.id}`, { required: false }), 404, "not_found");
    expectProblem(await b.del(`/api/v1/validation-rules/${rule.id}`), 404, "not_found");
  });
  it("runs a rule's pattern in linear time: (a+)+ against a 30-character value answers at once", async () => {
    const ws = await newWorkspace(t.app);
    const rule = await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", pattern: "(a+)+", message: "Only a's" });
    expect(rule.statusCode, rule.body).toBe(201);
    const timed = async (jobTitle: string) => {
      const started = performance.now();
      const res = await ws.post("/api/v1/contacts", { firstName: "Evil", jobTitle });
      return { res, ms: performance.now() - started };
    };
    // The same request on a value any engine rejects at its first character: the yardstick for this machine's load.
    const yardstick = await timed(`${"b".repeat(30)}!`);
    expectProblem(yardstick.res, 400, "validation_failed");
    const evil = await timed(`${"a".repeat(30)}!`);
    expect(expectProblem(evil.res, 400, "validation_failed").errors).toEqual([{ path: "jobTitle", message: "Only a's" }]);
    // A backtracking engine takes minutes here; RE2 takes well under a millisecond (the rest is the request itself),
    // so it answers about as fast as the yardstick, however loaded the machine is.
    expect(evil.ms).toBeLessThan(Math.max(10_000, 20 * yardstick.ms));
    expect((await ws.post("/api/v1/contacts", { firstName: "Fine", jobTitle: "aaaa" })).statusCode).toBe(201);
  });

  it("refuses patterns RE2 cannot run in linear time, and patterns over the length cap, saying why", async () => {
    const ws = await newWorkspace(t.app);
    for (const pattern of ["(?=a)b", "(a)\\1"]) {
      const bad = expectProblem(await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", pattern }), 400, "validation_failed");
      expect(bad.errors).toEqual([{ path: "pattern", message: expect.stringMatching(/look-arounds and back-references are not supported/) }]);
    }
    const long = expectProblem(
      await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", pattern: "a".repeat(501) }),
      400,
      "validation_failed",
    );
    expect(long.errors).toEqual([expect.objectContaining({ path: "pattern" })]);
    // JavaScript escapes keep working.
    const ok = await ws.post("/api/v1/validation-rules", { object: "contact", field: "jobTitle", pattern: "\\u00e9t\\u00e9|\\d{3}" });
    expect(ok.statusCode, ok.body).toBe(201);
    expect((await ws.post("/api/v1/contacts", { firstName: "A", jobTitle: "été" })).statusCode).toBe(201);
    expect((await ws.post("/api/v1/contacts", { firstName: "B", jobTitle: "123" })).statusCode).toBe(201);
    expectProblem(await ws.post("/api/v1/contacts", { firstName: "C", jobTitle: "1234" }), 400, "validation_failed");
  });
});
