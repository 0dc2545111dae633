import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";

/**
 * Workflow conditions speak the one condition language: fields of related records (the contact's company, the
 * contact's deals), relative dates and list parts, checked against the registry when the workflow is saved.
 */
describe.each(databaseKinds)("workflow conditions on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
  });
  afterAll(() => t?.close());

  const branchOn = async (condition: unknown) => {
    const definition = {
      trigger: { type: "record_created", object: "contact", filter: null },
      start: "branch",
      steps: [{ id: "branch", type: "if_else", config: { condition }, next: { yes: null, no: null } }],
    };
    const res = await admin.post("/api/v1/workflows", { name: `Branch ${Math.random()}`, definition });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const branchTaken = async (workflowId: string, recordId: string) => {
    const res = await admin.post(`/api/v1/workflows/${workflowId}/test`, { recordId });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().steps[0].branch as string;
  };

  it("branches on the contact's company, its deals, a part of a tag and a relative date", async () => {
    const software = (await admin.post("/api/v1/companies", { name: "Soft Co", industry: "Software", employees: 300 })).json();
    const retail = (await admin.post("/api/v1/companies", { name: "Shop Co", industry: "Retail" })).json();
    const ann = (await admin.post("/api/v1/contacts", { firstName: "Ann", companyId: software.id, tags: ["VIP 2026"] })).json();
    const bob = (await admin.post("/api/v1/contacts", { firstName: "Bob", companyId: retail.id })).json();
    const cy = (await admin.post("/api/v1/contacts", { firstName: "Cy" })).json();

    const industry = await branchOn({ all: [{ field: "company.industry", op: "eq", value: "software" }] });
    expect(await branchTaken(industry, ann.id)).toBe("yes");
    expect(await branchTaken(industry, bob.id)).toBe("no");
    expect(await branchTaken(industry, cy.id)).toBe("no");

    const bigOrVip = await branchOn({
      any: [
        { field: "company.employees", op: "gt", value: 200 },
        { field: "tags", op: "anyContains", value: "vip" },
      ],
    });
    expect(await branchTaken(bigOrVip, ann.id)).toBe("yes");
    expect(await branchTaken(bigOrVip, bob.id)).toBe("no");

    const recent = await branchOn({ all: [{ field: "createdAt", op: "inLast", value: { n: 1, unit: "day" } }] });
    expect(await branchTaken(recent, cy.id)).toBe("yes");

    const pipelines = (await admin.get("/api/v1/pipelines")).json().data as { id: string; stages: { id: string }[] }[];
    const pipeline = pipelines[0] as { id: string; stages: { id: string }[] };
    const deal = await admin.post("/api/v1/deals", {
      name: "Big one",
      amount: "50000",
      pipelineId: pipeline.id,
      stageId: pipeline.stages[0]?.id,
      contacts: [{ contactId: bob.id }],
    });
    expect(deal.statusCode, deal.body).toBe(201);
    const bigDeal = await branchOn({ all: [{ field: "deals.amount", op: "gte", value: 10000 }] });
    expect(await branchTaken(bigDeal, bob.id)).toBe("yes");
    expect(await branchTaken(bigDeal, ann.id)).toBe("no");
    const noBigDeal = await branchOn({ all: [{ field: "deals.amount", op: "gte", value: 10000, quantifier: "none" }] });
    expect(await branchTaken(noBigDeal, ann.id)).toBe("yes");
  });

  it("refuses conditions that do not fit the object, each at its path, and change operators without a change", async () => {
    const validate = async (trigger: Record<string, unknown>, condition: unknown) =>
      (
        await admin.post("/api/v1/workflows/validate", {
          definition: {
            trigger: { type: "record_created", object: "contact", filter: null, ...trigger },
            start: "branch",
            steps: [{ id: "branch", type: "if_else", config: { condition }, next: { yes: null, no: null } }],
          },
        })
      ).json().issues as { path: string; message: string }[];
    expect(await validate({}, { all: [{ field: "favouriteColour", op: "eq", value: "red" }] })).toEqual([
      expect.objectContaining({ path: "steps.0.config.condition.all.0.field", message: "Unknown field 'favouriteColour' on contact" }),
    ]);
    expect(await validate({}, { all: [{ field: "lifecycleStage", op: "eq", value: "Customer" }] })).toEqual([
      expect.objectContaining({ path: "steps.0.config.condition.all.0.value", message: 'Lifecycle stage "Customer" is a label, not a value: use customer' }),
    ]);
    expect((await validate({}, { all: [{ field: "lifecycleStage", op: "changed" }] }))[0]?.message).toContain("only applies when a record is updated");
    expect(await validate({ type: "record_updated", changes: [] }, { all: [{ field: "lifecycleStage", op: "changed" }] })).toEqual([]);
  });
});
