import { existsSync, readFileSync } from "node:fs";
import { parse } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReportDefinitionInput, ReportResult } from "../../contract/reports.js";
import { newId } from "../../core/ids.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, type TestApp, unique } from "../../test/harness.js";
import { companies } from "../companies/table.js";
import { customFields } from "../custom-fields/table.js";
import { deals, pipelineStages, pipelines } from "../deals/table.js";

/**
 * The report builder against a real dataset: the CRM sales opportunities (accounts, 8,800 opportunities, 35 agents in
 * six managers' teams across three regional offices). Every expected figure is computed here from the files.
 */
const dir = "../shared/datasets/crm_sales_opportunities";
const present = existsSync(`${dir}/sales_pipeline.csv`);
if (!present) console.warn(`${dir} is absent: the real-data report test is skipped`);

type Rec = Record<string, string>;
const read = (name: string): Rec[] => parse(readFileSync(`${dir}/${name}`, "utf8"), { columns: true, skip_empty_lines: true, bom: true }) as Rec[];

const quarterOf = (day: string) => `${day.slice(0, 4)} Q${Math.floor((Number(day.slice(5, 7)) - 1) / 3) + 1}`;
function tally(rows: Rec[], key: (r: Rec) => string, value: (r: Rec) => number = () => 1): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(key(r), (out.get(key(r)) ?? 0) + value(r));
  return out;
}
/** A report's rows as label → first measure (of the USD rows when amounts are grouped by currency). */
const byLabel = (r: ReportResult) => new Map(r.rows.map((row) => [row.labels[0] as string, row.values[0] as number]));

describe.skipIf(!present).each(databaseKinds)("reports on the CRM sales opportunities on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let pipeline: Rec[];
  let teams: Rec[];
  const agentIds = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const ws = admin.session.me?.workspace.id as string;
    const db = t.database.db;
    pipeline = read("sales_pipeline.csv");
    teams = read("sales_teams.csv");
    const accounts = read("accounts.csv");

    // Agents are users; their managers' teams and regional offices are teams.
    for (const [i, a] of teams.entries()) {
      const res = await admin.post("/api/v1/users", {
        name: a.sales_agent,
        email: `${unique(`agent${i}`)}@example.com`,
        role: "sales",
        password: "correct horse battery",
      });
      expect(res.statusCode, res.body).toBe(201);
      agentIds.set(a.sales_agent as string, res.json().id);
    }
    for (const key of ["manager", "regional_office"] as const) {
      for (const [name, members] of tally(teams, (r) => r[key] as string)) {
        void members;
        const memberIds = teams.filter((r) => r[key] === name).map((r) => agentIds.get(r.sales_agent as string));
        const res = await admin.post("/api/v1/teams", { name, memberIds });
        expect(res.statusCode, res.body).toBe(201);
      }
    }
    const companyIds = new Map<string, string>();
    await db.insert(companies).values(
      accounts.map((a) => {
        const id = newId();
        companyIds.set(a.account as string, id);
        return { workspaceId: ws, id, name: a.account as string, industry: a.sector ?? null };
      }),
    );
    const products = [...new Set(pipeline.map((r) => r.product as string))];
    await db
      .insert(customFields)
      .values({ workspaceId: ws, id: newId(), object: "deal", key: "product", label: "Product", type: "select", options: products, position: 0 });
    const pipelineId = newId();
    await db.insert(pipelines).values({ workspaceId: ws, id: pipelineId, name: "Sales", isDefault: true, position: 0 });
    const stageIds = new Map<string, string>();
    for (const [i, [name, type]] of (
      [
        ["Prospecting", "open"],
        ["Engaging", "open"],
        ["Won", "won"],
        ["Lost", "lost"],
      ] as const
    ).entries()) {
      stageIds.set(name, newId());
      await db.insert(pipelineStages).values({ workspaceId: ws, id: stageIds.get(name) as string, pipelineId, name, position: i, probability: 25 * i, type });
    }
    const rows = pipeline.map((r) => {
      const stage = r.deal_stage as string;
      const closed = stage === "Won" || stage === "Lost";
      return {
        workspaceId: ws,
        id: newId(),
        name: r.opportunity_id as string,
        pipelineId,
        stageId: stageIds.get(stage) as string,
        status: (stage === "Won" ? "won" : stage === "Lost" ? "lost" : "open") as "won" | "lost" | "open",
        amount: r.close_value ? (r.close_value as string) : null,
        currency: "USD",
        ownerId: agentIds.get(r.sales_agent as string) ?? null,
        companyId: r.account ? (companyIds.get(r.account) ?? null) : null,
        closedAt: closed && r.close_date ? new Date(`${r.close_date}T00:00:00Z`) : null,
        custom: { product: r.product },
      };
    });
    for (let i = 0; i < rows.length; i += 500) await db.insert(deals).values(rows.slice(i, i + 500));
  }, 600_000);
  afterAll(() => t?.close());

  const run = async (definition: ReportDefinitionInput): Promise<ReportResult> => {
    const res = await admin.post("/api/v1/reports/run", { definition });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as ReportResult;
  };
  const won = { field: "status", op: "eq", value: "won" } as const;
  const wonRows = () => pipeline.filter((r) => r.deal_stage === "Won");
  const value = (r: Rec) => Number(r.close_value);

  it("won value by product", async () => {
    const r = await run({ object: "deal", filter: won, groupBy: [{ field: "custom.product" }], measures: [{ fn: "sum", field: "amount" }] });
    expect(byLabel(r)).toEqual(tally(wonRows(), (x) => x.product as string, value));
    expect(r.rows.every((row) => row.labels[1] === "USD")).toBe(true);
  });

  it("won value by regional office and by manager (the owner's team)", async () => {
    const r = byLabel(await run({ object: "deal", filter: won, groupBy: [{ field: "ownerTeam" }], measures: [{ fn: "sum", field: "amount" }] }));
    const teamOf = new Map(teams.map((x) => [x.sales_agent, x]));
    const offices = tally(wonRows(), (x) => teamOf.get(x.sales_agent)?.regional_office as string, value);
    const managers = tally(wonRows(), (x) => teamOf.get(x.sales_agent)?.manager as string, value);
    expect(offices.size).toBe(3);
    expect(managers.size).toBe(6);
    for (const [name, sum] of [...offices, ...managers]) expect([name, r.get(name)]).toEqual([name, sum]);
  });

  it("won value by close quarter", async () => {
    const r = await run({
      object: "deal",
      filter: won,
      groupBy: [{ field: "closedAt", bucket: "quarter" }],
      measures: [{ fn: "sum", field: "amount" }, { fn: "count" }],
    });
    expect(byLabel(r)).toEqual(tally(wonRows(), (x) => quarterOf(x.close_date as string), value));
    expect(new Map(r.rows.map((row) => [row.labels[0], row.values[1]]))).toEqual(tally(wonRows(), (x) => quarterOf(x.close_date as string)));
    // Quarters come in order.
    const labels = r.rows.map((row) => row.labels[0] as string);
    expect(labels).toEqual([...labels].sort());
  });

  it("win rate by agent", async () => {
    const r = await run({
      object: "deal",
      filter: { field: "status", op: "in", value: ["won", "lost"] },
      groupBy: [{ field: "ownerId" }],
      measures: [{ fn: "rate", where: won }, { fn: "count" }],
    });
    const closed = pipeline.filter((x) => x.deal_stage === "Won" || x.deal_stage === "Lost");
    const wins = tally(wonRows(), (x) => x.sales_agent as string);
    const all = tally(closed, (x) => x.sales_agent as string);
    expect(r.rows).toHaveLength(all.size);
    for (const row of r.rows) {
      const agent = row.labels[0] as string;
      expect(row.values[1]).toBe(all.get(agent));
      expect(row.values[0]).toBeCloseTo((100 * (wins.get(agent) ?? 0)) / (all.get(agent) as number), 9);
    }
  });

  it("deals per stage", async () => {
    const r = await run({ object: "deal", groupBy: [{ field: "stageId" }], measures: [{ fn: "count" }, { fn: "percentOfTotal" }] });
    expect(byLabel(r)).toEqual(tally(pipeline, (x) => x.deal_stage as string));
    expect(r.rows.reduce((n, row) => n + (row.values[1] ?? 0), 0)).toBeCloseTo(100, 9);
  });
});
