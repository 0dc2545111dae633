/**
 * The Maven "CRM + Sales Opportunities" pipeline (../shared/datasets/crm_sales_opportunities) loaded into a
 * workspace: accounts as companies, agents as users (owners) in their managers' teams, the four stages with their
 * stage history, products as line items. Shared by the real-data insights test and the forecast backtest test.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { newId } from "../../core/ids.js";
import type { Client, TestApp } from "../../test/harness.js";
import { datasets } from "../imports/testing.js";

export const mavenDir = join(datasets, "crm_sales_opportunities");
export const haveMaven = existsSync(join(mavenDir, "sales_pipeline.csv"));

export const csv = (path: string) => parseCsv(readFileSync(path), { bom: true, columns: true, trim: false }) as Record<string, string>[];

export interface MavenDeal {
  opportunity_id: string;
  sales_agent: string;
  product: string;
  account: string;
  deal_stage: string;
  engage_date: string;
  close_date: string;
  close_value: string;
}

export interface LoadedMaven {
  workspaceId: string;
  pipelineId: string;
  stageId: Map<string, string>;
  deals: MavenDeal[];
  /** The list price of a deal's product (the deal's amount as loaded; null for a product not in the price list). */
  amountOf(o: MavenDeal): number | null;
}

/**
 * Loads the pipeline. A deal is created at its engage date (the file's open "Prospecting" deals, which have none, at
 * the end of 2017), enters "Engaging" then (or stays in "Prospecting"), and reaches "Won" or "Lost" at its close date;
 * its amount is the product's list price (close_value is 0 for lost deals, so it cannot be the open deal's amount).
 */
export async function loadMaven(t: TestApp, c: Client): Promise<LoadedMaven> {
  const ws = ((await c.get("/api/v1/workspace")).json() as { id: string }).id;
  const db = t.database.db;
  const accounts = csv(join(mavenDir, "accounts.csv"));
  const products = csv(join(mavenDir, "products.csv"));
  const teams = csv(join(mavenDir, "sales_teams.csv"));
  const pipeline = csv(join(mavenDir, "sales_pipeline.csv")) as unknown as MavenDeal[];
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;

  const companyIds = new Map(accounts.map((a) => [a.account!, newId()]));
  await db.execute(
    sql.raw(
      `insert into companies (workspace_id, id, name, industry, employees) values ${accounts
        .map((a) => `('${ws}', '${companyIds.get(a.account!)}', ${q(a.account!)}, ${q(a.sector!)}, ${Number(a.employees) || "null"})`)
        .join(", ")}`,
    ),
  );
  const productIds = new Map(products.map((p) => [p.product!, newId()]));
  const price = new Map(products.map((p) => [p.product!, Number(p.sales_price)]));
  await db.execute(
    sql.raw(
      `insert into products (workspace_id, id, name, sku, unit_price, currency) values ${products
        .map((p) => `('${ws}', '${productIds.get(p.product!)}', ${q(p.product!)}, ${q(p.product!.replace(/\s+/g, "-"))}, ${Number(p.sales_price)}, 'USD')`)
        .join(", ")}`,
    ),
  );
  // Agents are users (owners), managers their teams: what the owner's and team's win rates are computed from.
  const userIds = new Map<string, string>();
  for (const agent of teams) {
    const res = await c.post("/api/v1/users", {
      name: agent.sales_agent,
      // An address is one account across workspaces: each loaded workspace gets its own agents.
      email: `${agent.sales_agent!.toLowerCase().replace(/[^a-z]+/g, ".")}.${ws.slice(-8)}@example.com`,
      role: "sales",
      password: "correct horse battery",
    });
    created201(res);
    userIds.set(agent.sales_agent!, (res.json() as { id: string }).id);
  }
  for (const manager of new Set(teams.map((a) => a.manager!))) {
    const memberIds = teams.filter((a) => a.manager === manager).map((a) => userIds.get(a.sales_agent!)!);
    created201(await c.post("/api/v1/teams", { name: manager, memberIds }));
  }
  const created = await c.post("/api/v1/pipelines", {
    name: "Maven",
    stages: [
      { name: "Prospecting", probability: 10 },
      { name: "Engaging", probability: 50 },
      { name: "Won", probability: 100, type: "won" },
      { name: "Lost", probability: 0, type: "lost" },
    ],
  });
  created201(created);
  const p = created.json() as { id: string; stages: { id: string; name: string }[] };
  const stageId = new Map(p.stages.map((s) => [s.name, s.id]));
  const productName = (o: MavenDeal) => (price.has(o.product) ? o.product : o.product.replace("GTXPro", "GTX Pro"));
  const amountOf = (o: MavenDeal) => price.get(productName(o)) ?? null;
  const dealRows: string[] = [];
  const changes: string[] = [];
  const items: string[] = [];
  for (const o of pipeline) {
    const id = newId();
    const stage = o.deal_stage;
    const status = stage === "Won" ? "won" : stage === "Lost" ? "lost" : "open";
    const engaged = o.engage_date ? `${o.engage_date}T09:00:00Z` : "2017-12-31T09:00:00Z";
    const closed = o.close_date ? `${o.close_date}T17:00:00Z` : null;
    const amount = amountOf(o);
    const company = o.account ? companyIds.get(o.account) : undefined;
    dealRows.push(
      `('${ws}', '${id}', ${q(o.opportunity_id)}, '${p.id}', '${stageId.get(stage)}', '${status}', ${amount ?? "null"}, 'USD', '${userIds.get(o.sales_agent)}', ${company ? `'${company}'` : "null"}, '${engaged}', ${closed ? `'${closed}'` : "null"}, '${closed ?? engaged}')`,
    );
    const first = stage === "Prospecting" ? "Prospecting" : "Engaging";
    changes.push(`('${ws}', '${newId()}', '${id}', '${p.id}', null, '${stageId.get(first)}', '${engaged}')`);
    if (closed) changes.push(`('${ws}', '${newId()}', '${id}', '${p.id}', '${stageId.get("Engaging")}', '${stageId.get(stage)}', '${closed}')`);
    if (productIds.has(productName(o)))
      items.push(`('${ws}', '${newId()}', '${id}', '${productIds.get(productName(o))}', ${q(productName(o))}, 1, ${amount}, ${amount})`);
  }
  for (let i = 0; i < dealRows.length; i += 1000) {
    await db.execute(
      sql.raw(
        `insert into deals (workspace_id, id, name, pipeline_id, stage_id, status, amount, currency, owner_id, company_id, created_at, closed_at, stage_entered_at) values ${dealRows.slice(i, i + 1000).join(", ")}`,
      ),
    );
  }
  for (let i = 0; i < changes.length; i += 1000)
    await db.execute(
      sql.raw(
        `insert into deal_stage_changes (workspace_id, id, deal_id, pipeline_id, from_stage_id, to_stage_id, at) values ${changes.slice(i, i + 1000).join(", ")}`,
      ),
    );
  for (let i = 0; i < items.length; i += 1000)
    await db.execute(
      sql.raw(
        `insert into deal_line_items (workspace_id, id, deal_id, product_id, name, quantity, unit_price, total) values ${items.slice(i, i + 1000).join(", ")}`,
      ),
    );
  return { workspaceId: ws, pipelineId: p.id, stageId, deals: pipeline, amountOf };
}

/** This file ships in dist/ with the module (as other testing helpers do), so it checks without the test runner. */
function created201(res: { statusCode: number; body: string }): void {
  if (res.statusCode !== 201) throw new Error(`expected 201, got ${res.statusCode}: ${res.body}`);
}
