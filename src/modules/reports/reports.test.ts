import ExcelJS from "exceljs";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Condition } from "../../contract/conditions.js";
import type { ReportDefinitionInput, ReportResult } from "../../contract/reports.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { customFields } from "../custom-fields/table.js";
import { deals, pipelineStages, pipelines } from "../deals/table.js";
import { dispatchEvents } from "../events/service.js";
import { reportCacheConsumer } from "./service.js";

type StageType = "open" | "won" | "lost";

interface Seed {
  key: string;
  status: StageType;
  amount: string | null;
  currency?: string;
  owner: "r1" | "r2" | null;
  closedAt?: string;
  stage: string;
  deleted?: boolean;
  tier?: string;
}

/** Every figure below is computed by hand from these deals (a deleted one must never count). */
const seeds: Seed[] = [
  { key: "d1", status: "won", amount: "1000", owner: "r1", closedAt: "2026-01-15T10:00:00Z", stage: "Won", tier: "gold" },
  { key: "d2", status: "won", amount: "3000", owner: "r1", closedAt: "2026-03-31T23:30:00Z", stage: "Won", tier: "gold" },
  { key: "d3", status: "won", amount: "2000", owner: "r2", closedAt: "2026-04-01T00:30:00Z", stage: "Won", tier: "silver" },
  { key: "d4", status: "lost", amount: "500", owner: "r2", closedAt: "2026-02-10T12:00:00Z", stage: "Lost" },
  { key: "d5", status: "open", amount: "4000", owner: "r1", stage: "Proposal" },
  { key: "d6", status: "won", amount: "700", currency: "EUR", owner: "r1", closedAt: "2026-05-05T12:00:00Z", stage: "Won" },
  { key: "d7", status: "open", amount: null, owner: null, stage: "Qualify" },
  { key: "gone", status: "won", amount: "99999", owner: "r1", closedAt: "2026-01-20T10:00:00Z", stage: "Won", deleted: true },
];

const run = async (c: Client, definition: ReportDefinitionInput, filter?: Condition): Promise<ReportResult> => {
  const res = await c.post("/api/v1/reports/run", { definition, ...(filter ? { filter } : {}) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as ReportResult;
};
/** Rows as "label|label → value, value" for readable expectations; numbers rounded to 2 places. */
const flat = (r: ReportResult) =>
  r.rows.map((row) => `${row.labels.join("|")} → ${row.values.map((v) => (v === null ? "null" : Math.round(v * 100) / 100)).join(", ")}`);

describe.each(databaseKinds)("report builder on %s", (kind) => {
  let t: TestApp;
  let clock: TestClock;
  let admin: Client;
  let r1: Client & { userId: string };
  let r2: Client & { userId: string };
  let ws: string;
  const ids: Record<string, string> = {};
  let eastId: string;
  let stageIds: Record<string, string>;

  beforeAll(async () => {
    clock = new TestClock(Date.parse("2026-04-01T02:00:00Z"));
    t = await createTestApp(kind, { jobs: { worker: false, clock } });
    admin = await newWorkspace(t.app);
    ws = admin.session.me?.workspace.id as string;
    r1 = await userWithRole(t.app, admin, "sales");
    r2 = await userWithRole(t.app, admin, "sales");
    eastId = (await admin.post("/api/v1/teams", { name: "East", memberIds: [r1.userId, r2.userId] })).json().id;
    await admin.post("/api/v1/teams", { name: "West", memberIds: [r2.userId] });
    const db: Db = t.database.db;
    const pipelineId = newId();
    await db.insert(pipelines).values({ workspaceId: ws, id: pipelineId, name: "Sales", isDefault: true, position: 0 });
    stageIds = {};
    for (const [i, [name, type]] of (
      [
        ["Qualify", "open"],
        ["Proposal", "open"],
        ["Won", "won"],
        ["Lost", "lost"],
      ] as const
    ).entries()) {
      stageIds[name] = newId();
      await db.insert(pipelineStages).values({ workspaceId: ws, id: stageIds[name], pipelineId, name, position: i, probability: 10 * i, type });
    }
    await db
      .insert(customFields)
      .values({ workspaceId: ws, id: newId(), object: "deal", key: "tier", label: "Tier", type: "select", options: ["gold", "silver"], position: 0 });
    const owners = { r1: r1.userId, r2: r2.userId };
    for (const s of seeds) {
      ids[s.key] = newId();
      await db.insert(deals).values({
        workspaceId: ws,
        id: ids[s.key] as string,
        name: `Deal ${s.key}`,
        pipelineId,
        stageId: stageIds[s.stage] as string,
        status: s.status,
        amount: s.amount,
        currency: s.currency ?? "USD",
        ownerId: s.owner ? owners[s.owner] : null,
        closedAt: s.closedAt ? new Date(s.closedAt) : null,
        deletedAt: s.deleted ? new Date() : null,
        custom: s.tier ? { tier: s.tier } : {},
      });
    }
  });
  afterAll(() => t.close());

  const usd: Condition = { field: "currency", op: "eq", value: "USD" };

  it("computes every measure in one query, amounts kept by currency", async () => {
    const r = await run(admin, {
      object: "deal",
      filter: usd,
      measures: [{ fn: "count" }, { fn: "countDistinct", field: "ownerId" }, { fn: "sum", field: "amount" }, { fn: "avg", field: "amount" }],
    });
    // Summing money adds the currency as a group column, even with no group by.
    expect(r.columns.map((c) => c.kind)).toEqual(["currency", "measure", "measure", "measure", "measure"]);
    expect(flat(r)).toEqual(["USD → 6, 2, 10500, 2100"]);
    const more = await run(admin, {
      object: "deal",
      filter: usd,
      measures: [
        { fn: "min", field: "amount" },
        { fn: "max", field: "amount" },
        { fn: "median", field: "amount" },
        { fn: "rate", where: { field: "status", op: "eq", value: "won" } },
      ],
    });
    expect(flat(more)).toEqual(["USD → 500, 4000, 2000, 50"]);
    const share = await run(admin, {
      object: "deal",
      filter: usd,
      groupBy: [{ field: "status" }],
      measures: [{ fn: "percentOfTotal", field: "amount" }, { fn: "percentOfTotal" }],
      sort: { by: "group", index: 0, direction: "asc" },
    });
    expect(flat(share)).toEqual(["Lost|USD → 4.76, 16.67", "Open|USD → 38.1, 33.33", "Won|USD → 57.14, 50"]);
    // Two currencies are never added: EUR is its own row.
    const won = await run(admin, { object: "deal", filter: { field: "status", op: "eq", value: "won" }, measures: [{ fn: "sum", field: "amount" }] });
    expect(flat(won)).toEqual(["USD → 6000", "EUR → 700"]);
  });

  it("groups by related records, the owner's team, stages and custom fields, with labels", async () => {
    const team = await run(admin, {
      object: "deal",
      groupBy: [{ field: "ownerTeam" }],
      measures: [{ fn: "count" }],
      sort: { by: "group", index: 0, direction: "asc" },
    });
    const byLabel = Object.fromEntries(team.rows.map((row) => [row.labels[0], row.values[0]]));
    // A person in two teams counts in both, as a deal with two contacts would; no owner, no team.
    expect(byLabel).toEqual({ East: 6, West: 2, "No team": 1 });
    const stages = await run(admin, { object: "deal", groupBy: [{ field: "stageId" }], measures: [{ fn: "count" }] });
    expect(Object.fromEntries(stages.rows.map((row) => [row.labels[0], row.values[0]]))).toEqual({ Won: 4, Lost: 1, Proposal: 1, Qualify: 1 });
    const tier = await run(admin, {
      object: "deal",
      filter: usd,
      groupBy: [{ field: "custom.tier" }, { field: "ownerId" }],
      measures: [{ fn: "count" }],
      sort: { by: "group", index: 0, direction: "asc" },
    });
    const cells = Object.fromEntries(
      tier.rows.map((row) => [`${row.labels[0]}|${row.keys[1] === r1.userId ? "r1" : row.keys[1] === r2.userId ? "r2" : row.labels[1]}`, row.values[0]]),
    );
    expect(cells).toEqual({ "gold|r1": 2, "silver|r2": 1, "None|r1": 1, "None|r2": 1, "None|No one": 1 });
    expect(tier.rows.at(-1)?.labels[0]).toBe("None");
  });

  it("buckets dates by day, week, month, quarter and year in the workspace's time zone", async () => {
    const won = (bucket: "day" | "week" | "month" | "quarter" | "year"): ReportDefinitionInput => ({
      object: "deal",
      filter: { all: [usd, { field: "status", op: "eq", value: "won" }] },
      groupBy: [{ field: "closedAt", bucket }],
      measures: [{ fn: "sum", field: "amount" }],
    });
    expect(flat(await run(admin, won("quarter")))).toEqual(["2026 Q1|USD → 4000", "2026 Q2|USD → 2000"]);
    expect(flat(await run(admin, won("month")))).toEqual(["2026-01|USD → 1000", "2026-03|USD → 3000", "2026-04|USD → 2000"]);
    expect(flat(await run(admin, won("year")))).toEqual(["2026|USD → 6000"]);
    // Weeks start on Monday: March 31 and April 1 are one week.
    expect(flat(await run(admin, won("week")))).toEqual(["Week of 2026-01-12|USD → 1000", "Week of 2026-03-30|USD → 5000"]);
    expect((await run(admin, won("day"))).rows.map((r) => r.keys[0])).toEqual(["2026-01-15", "2026-03-31", "2026-04-01"]);
  });

  it("reads relative dates against the moved clock, in UTC and in New York", async () => {
    const count = async (op: string) =>
      (await run(admin, { object: "deal", filter: { field: "closedAt", op: op as "today" }, measures: [{ fn: "count" }] })).rows[0]?.values[0];
    // 2026-04-01 02:00 UTC: the second quarter began two hours ago.
    expect(await count("thisQuarter")).toBe(2); // d3 (Apr 1 00:30), d6 (May 5)
    expect(await count("lastQuarter")).toBe(3); // d1, d2, d4
    expect(await count("quarterToDate")).toBe(1); // d3
    expect(await count("today")).toBe(1);
    expect(await count("yesterday")).toBe(1); // d2, Mar 31 23:30
    expect(await count("lastMonth")).toBe(1);
    expect(await count("lastYear")).toBe(0);
    expect(await count("yearToDate")).toBe(4);
    const number = await run(admin, {
      object: "deal",
      filter: { all: [{ field: "closedAt", op: "thisQuarter" }, { field: "status", op: "eq", value: "won" }, usd] },
      measures: [{ fn: "count" }],
      visualization: "number",
    });
    expect(number.rows[0]?.values[0]).toBe(1);
    expect(number.comparison).toEqual({ previous: 2, change: -50, label: "vs last quarter" });

    const tz = await admin.patch("/api/v1/workspace", { timeZone: "America/New_York" });
    expect(tz.statusCode, tz.body).toBe(200);
    try {
      // In New York it is still March 31, 22:00: d3 (20:30 local) closed in the first quarter, today.
      expect(await count("thisQuarter")).toBe(4);
      expect(await count("today")).toBe(2);
      expect(await count("lastQuarter")).toBe(0);
      const q = await run(admin, {
        object: "deal",
        filter: { all: [usd, { field: "status", op: "eq", value: "won" }] },
        groupBy: [{ field: "closedAt", bucket: "quarter" }],
        measures: [{ fn: "sum", field: "amount" }],
      });
      expect(flat(q)).toEqual(["2026 Q1|USD → 6000"]);
    } finally {
      await admin.patch("/api/v1/workspace", { timeZone: "UTC" });
    }
    // A day later by the clock, "today" is April 2 and nothing closed.
    await clock.setTime(Date.parse("2026-04-02T12:00:00Z"));
    try {
      expect(await count("today")).toBe(0);
      expect(await count("yesterday")).toBe(1);
    } finally {
      await clock.setTime(Date.parse("2026-04-01T02:00:00Z"));
    }
  });

  it("reads me and my team as the viewer", async () => {
    const mine = await run(r1, { object: "deal", filter: { field: "ownerId", op: "eq", value: "me" }, measures: [{ fn: "count" }] });
    expect(mine.rows[0]?.values[0]).toBe(4);
    const team = await run(r1, { object: "deal", filter: { field: "ownerId", op: "eq", value: "myTeam" }, measures: [{ fn: "count" }] });
    expect(team.rows[0]?.values[0]).toBe(6);
    const west = await run(r2, { object: "deal", filter: { field: "ownerId", op: "neq", value: "me" }, measures: [{ fn: "count" }] });
    expect(west.rows[0]?.values[0]).toBe(5);
  });

  it("drills from a group to the list of its records", async () => {
    const definition: ReportDefinitionInput = {
      object: "deal",
      filter: { field: "status", op: "eq", value: "won" },
      groupBy: [{ field: "closedAt", bucket: "quarter" }, { field: "ownerId" }],
      measures: [{ fn: "sum", field: "amount" }],
    };
    const r = await run(admin, definition);
    const q1 = r.rows.find((row) => row.labels[0] === "2026 Q1");
    expect(q1?.keys).toEqual(["2026-01-01", r1.userId, "USD"]);
    const drill = await admin.post("/api/v1/reports/drilldown", { definition, keys: q1?.keys });
    expect(drill.statusCode, drill.body).toBe(200);
    const { filter, description } = drill.json() as { filter: Condition; description: string };
    expect(description).toContain("2026 Q1");
    const list = await admin.get(`/api/v1/deals?filter=${encodeURIComponent(JSON.stringify(filter))}`);
    expect(list.statusCode, list.body).toBe(200);
    expect((list.json().data as { id: string }[]).map((d) => d.id).sort()).toEqual([ids.d1, ids.d2].sort());
    // A whole outer group: the first quarter's won deals of every owner.
    const outer = (await admin.post("/api/v1/reports/drilldown", { definition, keys: ["2026-01-01"] })).json() as { filter: Condition };
    const all = await admin.get(`/api/v1/deals?filter=${encodeURIComponent(JSON.stringify(outer.filter))}`);
    expect((all.json().data as { id: string }[]).map((d) => d.id).sort()).toEqual([ids.d1, ids.d2].sort());
    // The owner's team drills to its members' records.
    const teamDef: ReportDefinitionInput = { object: "deal", groupBy: [{ field: "ownerTeam" }], measures: [{ fn: "count" }] };
    const east = (await admin.post("/api/v1/reports/drilldown", { definition: teamDef, keys: [eastId] })).json() as { filter: Condition };
    const eastDeals = await admin.get(`/api/v1/deals?filter=${encodeURIComponent(JSON.stringify(east.filter))}&limit=50`);
    expect((eastDeals.json().data as unknown[]).length).toBe(6);
  });

  it("refuses unknown fields, impossible groupings and measures on non-numbers, naming the path", async () => {
    const bad = async (definition: unknown, path: string) => {
      const res = await admin.post("/api/v1/reports/run", { definition });
      const p = expectProblem(res, 400, "validation_failed") as { errors: { path: string; message: string }[] };
      expect(p.errors.map((e) => e.path)).toContain(path);
      return p.errors.find((e) => e.path === path)?.message ?? "";
    };
    expect(await bad({ object: "deal", groupBy: [{ field: "colour" }], measures: [{ fn: "count" }] }, "groupBy.0.field")).toMatch(/Unknown field 'colour'/);
    expect(await bad({ object: "deal", groupBy: [{ field: "tags" }], measures: [{ fn: "count" }] }, "groupBy.0.field")).toMatch(/several values/);
    expect(await bad({ object: "deal", groupBy: [{ field: "contacts.firstName" }], measures: [{ fn: "count" }] }, "groupBy.0.field")).toMatch(/many contacts/);
    expect(await bad({ object: "deal", groupBy: [{ field: "status", bucket: "month" }], measures: [{ fn: "count" }] }, "groupBy.0.bucket")).toMatch(
      /not a date/,
    );
    expect(await bad({ object: "deal", measures: [{ fn: "sum", field: "name" }] }, "measures.0.field")).toMatch(/not a number/);
    expect(await bad({ object: "deal", measures: [{ fn: "avg" }] }, "measures.0.field")).toMatch(/needs a field/);
    expect(await bad({ object: "deal", filter: { field: "amount", op: "gt", value: "lots" }, measures: [{ fn: "count" }] }, "filter.value")).toMatch(/number/);
    expect(await bad({ object: "deal", measures: [{ fn: "count" }], sort: { by: "measure", index: 2 } }, "sort.index")).toMatch(/no measure 3/);
  });

  it("says when it shows fewer groups than there are", async () => {
    const r = await run(admin, { object: "deal", groupBy: [{ field: "stageId" }], measures: [{ fn: "count" }], limit: 2 });
    expect(r.rows).toHaveLength(2);
    expect(r.groupCount).toBe(4);
    expect(r.limited).toBe(true);
    expect(r.rows[0]?.labels[0]).toBe("Won");
  });

  it("caches results until the event stream reports a change", async () => {
    const def: ReportDefinitionInput = { object: "deal", filter: usd, measures: [{ fn: "sum", field: "amount" }] };
    await dispatchEvents(t.database.db, [reportCacheConsumer]);
    const first = await run(admin, def);
    const second = await run(admin, def);
    expect(second.cached).toBe(true);
    expect(second.asOf).toBe(first.asOf);
    const patched = await admin.patch(`/api/v1/deals/${ids.d5}`, { amount: 4500 });
    expect(patched.statusCode, patched.body).toBe(200);
    await dispatchEvents(t.database.db, [reportCacheConsumer]);
    const third = await run(admin, def);
    expect(third.cached).toBe(false);
    expect(third.rows[0]?.values[0]).toBe(11000);
    await admin.patch(`/api/v1/deals/${ids.d5}`, { amount: 4000 });
    await dispatchEvents(t.database.db, [reportCacheConsumer]);
  });

  it("saves reports with an owner and sharing, runs them with a dashboard's filter, exports CSV and XLSX", async () => {
    const definition: ReportDefinitionInput = { object: "deal", groupBy: [{ field: "status" }], measures: [{ fn: "count" }], visualization: "bar" };
    const created = await r1.post("/api/v1/reports", { name: "Deals by status", definition });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    expect((await r2.get("/api/v1/reports")).json().data).toEqual([]);
    expectProblem(await r2.get(`/api/v1/reports/${id}`), 404, "not_found");
    expect((await r1.patch(`/api/v1/reports/${id}`, { visibility: "team" })).statusCode).toBe(200);
    expect(((await r2.get("/api/v1/reports")).json().data as { id: string; mayEdit: boolean }[]).map((x) => [x.id, x.mayEdit])).toEqual([[id, false]]);
    expectProblem(await r2.patch(`/api/v1/reports/${id}`, { name: "Mine now" }), 403, "forbidden");
    const bad = await r1.patch(`/api/v1/reports/${id}`, { definition: { object: "deal", measures: [{ fn: "sum", field: "status" }] } });
    expect((expectProblem(bad, 400, "validation_failed") as { errors: { path: string }[] }).errors[0]?.path).toBe("definition.measures.0.field");

    const ran = await r2.post(`/api/v1/reports/${id}/run`, { filter: { field: "ownerId", op: "eq", value: r1.userId } });
    expect(ran.statusCode, ran.body).toBe(200);
    expect(Object.fromEntries((ran.json() as ReportResult).rows.map((row) => [row.labels[0], row.values[0]]))).toEqual({ Won: 3, Open: 1 });

    const csv = await r1.get(`/api/v1/reports/${id}/export?format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    const lines = csv.body
      .replace(/^\uFEFF/, "")
      .trim()
      .split(/\r\n/);
    expect(lines[0]).toBe("Status,Count");
    expect(lines).toContain("Won,4");
    const xlsx = await r1.post("/api/v1/reports/export", { definition, format: "xlsx", name: "Umsatz über Quartal" });
    expect(xlsx.statusCode).toBe(200);
    // The file is named after the (unsaved) report, kept whole for a browser that reads filename*.
    const disposition = String(xlsx.headers["content-disposition"]);
    expect(disposition).toMatch(/filename="Umsatz ber Quartal-\d{4}-\d{2}-\d{2}\.xlsx"/);
    expect(decodeURIComponent(/filename\*=UTF-8''([^;]+)/.exec(disposition)?.[1] ?? "")).toMatch(/^Umsatz über Quartal-\d{4}-\d{2}-\d{2}\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = book.worksheets[0];
    expect(sheet?.getRow(1).values).toEqual([undefined, "Status", "Count"]);
    expect(sheet?.rowCount).toBe(4);
    expect((await r1.del(`/api/v1/reports/${id}`)).statusCode).toBe(204);
  });

  it("offers no custom field the viewer's role hides, to group, measure or filter by", async () => {
    const roles = (await admin.get("/api/v1/roles")).json().data as { id: string; key: string }[];
    const sales = roles.find((r) => r.key === "sales") as (typeof roles)[number];
    expect((await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: { deal: { tier: "hidden" } } })).statusCode).toBe(200);
    try {
      const def = { object: "deal", groupBy: [{ field: "custom.tier" }], measures: [{ fn: "count" }] };
      const refused = expectProblem(await r1.post("/api/v1/reports/run", { definition: def }), 400, "validation_failed") as { errors: { path: string }[] };
      expect(refused.errors.map((e) => e.path)).toEqual(["groupBy.0.field"]);
      const filtered = { object: "deal", filter: { field: "custom.tier", op: "eq", value: "gold" }, measures: [{ fn: "count" }] };
      expectProblem(await r1.post("/api/v1/reports/run", { definition: filtered }), 400, "validation_failed");
      // The admin still sees it.
      expect((await admin.post("/api/v1/reports/run", { definition: def })).statusCode).toBe(200);
    } finally {
      await admin.patch(`/api/v1/roles/${sales.id}`, { fieldRules: {} });
    }
  });

  it("never counts records the viewer may not read", async () => {
    const roles = (await admin.get("/api/v1/roles")).json().data as { id: string; key: string; permissions: Record<string, unknown> }[];
    const sales = roles.find((r) => r.key === "sales") as (typeof roles)[number];
    const own = { read: "own", create: true, edit: "own", delete: "own" } as const;
    const res = await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: { ...sales.permissions, deal: own } });
    expect(res.statusCode, res.body).toBe(200);
    try {
      const def: ReportDefinitionInput = { object: "deal", groupBy: [{ field: "ownerId" }], measures: [{ fn: "count" }, { fn: "percentOfTotal" }] };
      const mine = await run(r1, def);
      expect(mine.rows.map((row) => [row.keys[0], row.values[0], row.values[1]])).toEqual([[r1.userId, 4, 100]]);
      const wonAll = await run(admin, def);
      expect(wonAll.rows.reduce((n, row) => n + (row.values[0] ?? 0), 0)).toBe(7);
      // Drill-down lands on the list, which applies the same rule.
      const drill = (await r1.post("/api/v1/reports/drilldown", { definition: def, keys: [r2.userId] })).json() as { filter: Condition };
      const list = await r1.get(`/api/v1/deals?filter=${encodeURIComponent(JSON.stringify(drill.filter))}`);
      expect(list.json().data).toEqual([]);
    } finally {
      await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: sales.permissions });
    }
  });
});
