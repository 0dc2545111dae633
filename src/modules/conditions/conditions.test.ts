import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Condition, type ConditionLeaf, validateCondition } from "../../contract/conditions.js";
import { type CustomFieldLike, fieldRegistry, type RegistryObject } from "../../contract/fields.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { companies } from "../companies/table.js";
import { contacts } from "../contacts/table.js";
import { deals } from "../deals/table.js";
import { type ConditionContext, evaluate, toSql } from "./service.js";
import { addToDate, isoDate, localDateOf } from "./time.js";

/**
 * The evaluator and the SQL compiler must agree: for every condition below, the records that evaluate() accepts in
 * memory are exactly those the compiled predicate selects, on the same data, in a time zone far from UTC.
 */
const timeZone = "Pacific/Auckland";

describe.each(databaseKinds)("conditions (%s)", (kind) => {
  let t: TestApp;
  let admin: Client;
  let workspaceId: string;
  let userId: string;
  let context: ConditionContext;
  const records: Record<RegistryObject, Record<string, unknown>[]> = { contact: [], company: [], deal: [], task: [], activity: [], ticket: [] };
  const day = (n: number) => isoDate(addToDate(localDateOf(context.now, timeZone), "day", n));

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    workspaceId = admin.session.me?.workspace.id as string;
    userId = admin.session.me?.user.id as string;
    expect((await admin.patch("/api/v1/workspace", { timeZone })).statusCode).toBe(200);
    const defs: CustomFieldLike[] = [];
    for (const body of [
      { object: "contact", label: "Tier", key: "tier", type: "select", options: ["Gold", "Silver"] },
      { object: "contact", label: "Renewal", key: "renewal", type: "date" },
      { object: "contact", label: "Seats", key: "seats", type: "number" },
      { object: "contact", label: "Channels", key: "channels", type: "multi_select", options: ["Email", "Phone", "Chat"] },
      { object: "company", label: "Segment", key: "segment", type: "text" },
    ]) {
      const res = await admin.post("/api/v1/custom-fields", body);
      expect(res.statusCode, res.body).toBe(201);
      defs.push(res.json());
    }
    context = { registry: fieldRegistry(defs), timeZone, now: new Date(), userId };

    const company = async (body: Record<string, unknown>) => {
      const res = await admin.post("/api/v1/companies", body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string };
    };
    const acme = await company({ name: "Acme", industry: "Software", employees: 500, custom: { segment: "Enterprise" } });
    const tiny = await company({ name: "Tiny Shop", industry: "Retail", employees: 4 });
    await company({ name: "Empty Co" });

    const contact = async (body: Record<string, unknown>) => {
      const res = await admin.post("/api/v1/contacts", body);
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string };
    };
    const ada = await contact({
      firstName: "Ada",
      lastName: "Lovelace",
      emails: [{ email: "ada@acme.example" }],
      jobTitle: "VP Engineering",
      companyId: acme.id,
      ownerId: userId,
      lifecycleStage: "customer",
      leadSource: "web_form",
      tags: ["vip", "beta"],
      address: { country: "NZ", city: "Wellington" },
      custom: { tier: "Gold", renewal: day(3), seats: 40, channels: ["Email", "Chat"] },
    });
    const bob = await contact({
      firstName: "Bob",
      emails: [{ email: "bob@tiny.example" }],
      jobTitle: "Owner",
      companyId: tiny.id,
      lifecycleStage: "lead",
      leadSource: "referral",
      tags: ["beta"],
      address: { country: "DE" },
      custom: { tier: "Silver", renewal: day(-10), seats: 2 },
    });
    await contact({ lastName: "Nobody", lifecycleStage: "subscriber", custom: { renewal: day(0) } });
    await contact({ firstName: "Cleo", jobTitle: "", doNotContact: true, custom: { renewal: day(40), channels: [] } });

    const deal = async (body: Record<string, unknown>) => {
      const res = await admin.post("/api/v1/deals", body);
      expect(res.statusCode, res.body).toBe(201);
    };
    await deal({ name: "Big", amount: "25000", companyId: acme.id, contacts: [{ contactId: ada.id }], expectedCloseDate: day(5), tags: ["q1"] });
    await deal({ name: "Small", amount: "800", companyId: tiny.id, contacts: [{ contactId: bob.id }, { contactId: ada.id }], expectedCloseDate: day(-2) });
    await deal({ name: "No amount", contacts: [{ contactId: bob.id }] });

    const list = async (path: string) => {
      const res = await admin.get(`/api/v1/${path}?limit=200`);
      expect(res.statusCode, res.body).toBe(200);
      return (res.json() as { data: Record<string, unknown>[] }).data;
    };
    records.company = await list("companies");
    records.deal = await list("deals");
    const byId = new Map(records.company.map((c) => [c.id, c]));
    records.contact = (await list("contacts")).map((c) => ({
      ...c,
      company: c.companyId ? byId.get(c.companyId) : null,
      deals: records.deal.filter((d) => (d.contacts as { contactId: string }[]).some((x) => x.contactId === c.id)),
    }));
    records.company = records.company.map((c) => ({
      ...c,
      contacts: records.contact.filter((x) => x.companyId === c.id),
      deals: records.deal.filter((d) => d.companyId === c.id),
    }));
    records.deal = records.deal.map((d) => ({
      ...d,
      company: d.companyId ? byId.get(d.companyId) : null,
      contacts: records.contact.filter((c) => (d.contacts as { contactId: string }[]).some((x) => x.contactId === c.id)),
    }));
  });
  afterAll(() => t?.close());

  const tables = { contact: contacts, company: companies, deal: deals } as const;

  async function sqlIds(object: "contact" | "company" | "deal", condition: Condition): Promise<string[]> {
    const table = tables[object];
    const rows = (await t.database.db
      .select({ id: table.id })
      .from(table)
      .where(and(eq(table.workspaceId, workspaceId), isNull(table.deletedAt), toSql(condition, object, context)))) as { id: string }[];
    return rows.map((r) => r.id).sort();
  }
  const jsIds = (object: RegistryObject, condition: Condition) =>
    records[object]
      .filter((r) => evaluate(condition, r, { ...context, object }))
      .map((r) => r.id as string)
      .sort();

  const leaf = (field: string, op: ConditionLeaf["op"], value?: ConditionLeaf["value"], quantifier?: "any" | "none"): ConditionLeaf => ({
    field,
    op,
    ...(value === undefined ? {} : { value }),
    ...(quantifier ? { quantifier } : {}),
  });

  const contactCases = (): Condition[] => [
    leaf("firstName", "eq", "ada"),
    leaf("firstName", "neq", "Ada"),
    leaf("firstName", "in", ["ADA", "bob"]),
    leaf("firstName", "notIn", ["Ada"]),
    leaf("jobTitle", "contains", "vp"),
    leaf("jobTitle", "notContains", "vp"),
    leaf("jobTitle", "startsWith", "own"),
    leaf("jobTitle", "empty"),
    leaf("jobTitle", "notEmpty"),
    leaf("lifecycleStage", "eq", "customer"),
    leaf("lifecycleStage", "in", ["lead", "subscriber"]),
    leaf("lifecycleStage", "notIn", ["lead"]),
    leaf("leadSource", "empty"),
    leaf("leadSource", "neq", "referral"),
    leaf("tags", "contains", "beta"),
    leaf("tags", "notContains", "vip"),
    leaf("tags", "in", ["vip", "nope"]),
    leaf("tags", "notIn", ["beta"]),
    leaf("tags", "empty"),
    leaf("email", "contains", "bob@tiny.example"),
    leaf("emailDomain", "eq", "acme.example"),
    leaf("country", "eq", "nz"),
    leaf("country", "empty"),
    leaf("ownerId", "eq", "me"),
    leaf("ownerId", "empty"),
    leaf("doNotContact", "eq", true),
    leaf("doNotContact", "neq", true),
    leaf("leadScore", "gte", 0),
    leaf("createdAt", "inLast", { n: 1, unit: "day" }),
    leaf("createdAt", "inLast", { n: 2, unit: "hour" }),
    leaf("createdAt", "olderThan", { n: 1, unit: "day" }),
    leaf("createdAt", "thisWeek"),
    leaf("createdAt", "thisMonth"),
    leaf("createdAt", "thisYear"),
    leaf("createdAt", "eq", day(0)),
    leaf("createdAt", "before", day(0)),
    leaf("createdAt", "after", day(-1)),
    leaf("createdAt", "between", [day(-1), day(0)]),
    leaf("updatedAt", "inNext", { n: 1, unit: "week" }),
    leaf("custom.tier", "eq", "Gold"),
    leaf("custom.tier", "neq", "gold"),
    leaf("custom.tier", "empty"),
    leaf("custom.renewal", "inNext", { n: 7, unit: "day" }),
    leaf("custom.renewal", "inLast", { n: 2, unit: "week" }),
    leaf("custom.renewal", "olderThan", { n: 1, unit: "week" }),
    leaf("custom.renewal", "eq", day(0)),
    leaf("custom.renewal", "before", day(0)),
    leaf("custom.renewal", "after", day(0)),
    leaf("custom.renewal", "between", [day(-10), day(3)]),
    leaf("custom.renewal", "thisQuarter"),
    leaf("custom.renewal", "empty"),
    leaf("custom.seats", "gt", 10),
    leaf("custom.seats", "between", [2, 40]),
    leaf("custom.seats", "neq", 2),
    leaf("custom.seats", "empty"),
    leaf("custom.channels", "contains", "Chat"),
    leaf("custom.channels", "in", ["Phone", "Email"]),
    leaf("custom.channels", "notIn", ["Email"]),
    leaf("custom.channels", "empty"),
    leaf("custom.channels", "notEmpty"),
    leaf("company.industry", "eq", "software"),
    leaf("company.employees", "gt", 100),
    leaf("company.custom.segment", "eq", "enterprise"),
    leaf("company.name", "empty"),
    leaf("deals.amount", "gt", 1000),
    leaf("deals.amount", "gt", 1000, "none"),
    leaf("deals.amount", "empty"),
    leaf("deals.expectedCloseDate", "inNext", { n: 1, unit: "week" }),
    leaf("deals.tags", "contains", "q1"),
    { all: [leaf("tags", "contains", "beta"), { any: [leaf("country", "eq", "DE"), leaf("company.employees", "gte", 500)] }] },
    { any: [leaf("lifecycleStage", "eq", "subscriber"), leaf("custom.seats", "lt", 5)] },
    { all: [] },
    { any: [] },
  ];

  it("matches the same contacts in memory and in SQL, for every operator", async () => {
    const cases = contactCases();
    for (const c of cases) {
      expect(validateCondition(c, "contact", context.registry), JSON.stringify(c)).toEqual([]);
      expect(await sqlIds("contact", c), JSON.stringify(c)).toEqual(jsIds("contact", c));
    }
    // The cases are not vacuous: most select some but not all contacts.
    const sizes = await Promise.all(cases.map(async (c) => (await sqlIds("contact", c)).length));
    expect(sizes.filter((n) => n > 0 && n < records.contact.length).length).toBeGreaterThan(cases.length / 2);
  });

  it("matches the same companies and deals in memory and in SQL", async () => {
    const companyCases: Condition[] = [
      leaf("employees", "between", [1, 10]),
      leaf("industry", "empty"),
      leaf("custom.segment", "startsWith", "ent"),
      leaf("contacts.lifecycleStage", "eq", "customer"),
      leaf("contacts.firstName", "eq", "bob", "none"),
      leaf("deals.amount", "lt", 1000),
    ];
    for (const c of companyCases) expect(await sqlIds("company", c), JSON.stringify(c)).toEqual(jsIds("company", c));
    const dealCases: Condition[] = [
      leaf("amount", "gte", 800),
      leaf("amount", "empty"),
      leaf("expectedCloseDate", "before", day(0)),
      leaf("expectedCloseDate", "inLast", { n: 3, unit: "day" }),
      leaf("expectedCloseDate", "thisYear"),
      leaf("status", "eq", "open"),
      leaf("company.industry", "eq", "Retail"),
      leaf("contacts.firstName", "eq", "ada"),
      leaf("contacts.tags", "contains", "vip", "none"),
    ];
    for (const c of dealCases) expect(await sqlIds("deal", c), JSON.stringify(c)).toEqual(jsIds("deal", c));
  });

  it("knows relative dates in the workspace's time zone, not UTC", async () => {
    const ada = records.contact.find((c) => c.firstName === "Ada") as Record<string, unknown>;
    const renewal = leaf("custom.renewal", "eq", day(3));
    expect(evaluate(renewal, ada, { ...context, object: "contact" })).toBe(true);
    // 3 days from now in Auckland is a different UTC date for half of each day; the day is Auckland's either way.
    const tomorrowAuckland = { ...context, now: new Date(Date.UTC(2026, 0, 10, 12)) }; // 11 Jan 01:00 in Auckland
    const c = { ...ada, custom: { renewal: "2026-01-11" } };
    expect(evaluate(leaf("custom.renewal", "eq", "2026-01-11"), c, { ...tomorrowAuckland, object: "contact" })).toBe(true);
    expect(evaluate(leaf("custom.renewal", "inNext", { n: 0 + 1, unit: "day" }), c, { ...tomorrowAuckland, object: "contact" })).toBe(true);
    expect(evaluate(leaf("createdAt", "eq", "2026-01-11"), { createdAt: "2026-01-10T12:30:00Z" }, { ...tomorrowAuckland, object: "contact" })).toBe(true);
    expect(evaluate(leaf("createdAt", "eq", "2026-01-10"), { createdAt: "2026-01-10T12:30:00Z" }, { ...tomorrowAuckland, object: "contact" })).toBe(false);
  });

  it("compares a record with its previous version for change operators, and refuses them in SQL", () => {
    const ctx = { ...context, object: "contact" as const };
    const before = { lifecycleStage: "lead", tags: ["a"] };
    const after = { lifecycleStage: "customer", tags: ["a"] };
    expect(evaluate(leaf("lifecycleStage", "changed"), after, { ...ctx, previous: before })).toBe(true);
    expect(evaluate(leaf("tags", "changed"), after, { ...ctx, previous: before })).toBe(false);
    expect(evaluate(leaf("lifecycleStage", "changedFrom", "lead"), after, { ...ctx, previous: before })).toBe(true);
    expect(evaluate(leaf("lifecycleStage", "changedTo", "lead"), after, { ...ctx, previous: before })).toBe(false);
    expect(evaluate(leaf("lifecycleStage", "changedTo", "customer"), after, { ...ctx, previous: before })).toBe(true);
    expect(evaluate(leaf("lifecycleStage", "changed"), after, ctx)).toBe(false);
    expect(() => toSql(leaf("lifecycleStage", "changed"), "contact", context)).toThrow(/only applies when a record is updated/);
  });

  it("explains what is wrong with a condition, with the path to it", () => {
    const registry = context.registry;
    expect(validateCondition(leaf("foo", "eq", "x"), "deal", registry)).toEqual([{ path: "field", message: "Unknown field 'foo' on deal" }]);
    expect(validateCondition({ all: [leaf("company.nope", "eq", "x")] }, "contact", registry)).toEqual([
      { path: "all.0.field", message: "Unknown field 'nope' on company" },
    ]);
    expect(validateCondition({ any: [leaf("custom.missing", "eq", 1)] }, "contact", registry)[0]?.message).toBe("No contact custom field 'missing'");
    expect(validateCondition(leaf("lifecycleStage", "eq", "Customer"), "contact", registry)[0]?.message).toBe(
      'Lifecycle stage "Customer" is a label, not a value: use customer',
    );
    expect(validateCondition(leaf("leadScore", "contains", "1"), "contact", registry)[0]?.message).toMatch(/does not apply to Lead score/);
    expect(validateCondition(leaf("leadScore", "gt", "many"), "contact", registry)[0]).toEqual({ path: "value", message: "Lead score is a number" });
    expect(validateCondition(leaf("createdAt", "inLast", 3), "contact", registry)[0]?.message).toMatch(/needs a number and a unit/);
    expect(validateCondition(leaf("lifecycleStage", "changed"), "contact", registry)[0]?.message).toMatch(/only applies when a record is updated/);
    expect(validateCondition(leaf("lifecycleStage", "changed"), "contact", registry, { allowChanges: true })).toEqual([]);
    expect(validateCondition(leaf("custom.tier", "eq", "Bronze"), "contact", registry)[0]?.message).toBe('Tier has no value "Bronze": use one of Gold, Silver');
    expect(validateCondition(leaf("tags", "contains", "x", "none"), "contact", registry)[0]?.path).toBe("quantifier");
  });

  it("compiles relative dates to constants, so the query compares a column with parameters", () => {
    const q = t.database.db
      .select({ id: contacts.id })
      .from(contacts)
      .where(toSql(leaf("createdAt", "inLast", { n: 7, unit: "day" }), "contact", context))
      .toSQL();
    expect(q.sql).toMatch(/"contacts"\."created_at" >= \$1::timestamptz and "contacts"\."created_at" <= \$2::timestamptz/);
  });
});
