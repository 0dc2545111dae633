/**
 * Insights on real data (../shared/datasets): IBM Telco churn imported as contacts with custom fields, and the Maven
 * "CRM + Sales Opportunities" pipeline. Skips with a message when the datasets are absent.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InsightModel } from "../../contract/insights.js";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { createTestApp, databaseKinds, newWorkspace, type TestApp } from "../../test/harness.js";
import { datasets, uploadOk, waitForImport, workerApp } from "../imports/testing.js";
import { encode, type FeatureDef, fitEncoder, type RawRow } from "./ml/encode.js";
import { fitLogistic } from "./ml/logistic.js";
import { rocAuc } from "./ml/metrics.js";
import { sigmoid } from "./ml/random.js";
import { trainAndWait } from "./testing.js";

const telcoFile = join(datasets, "telco_churn/WA_Fn-UseC_-Telco-Customer-Churn.csv");
const mavenDir = join(datasets, "crm_sales_opportunities");
const haveTelco = existsSync(telcoFile);
const haveMaven = existsSync(join(mavenDir, "sales_pipeline.csv"));
if (!haveTelco) console.warn(`Skipping the telco churn test: ${telcoFile} is absent (see ../shared/datasets/README.md).`);
if (!haveMaven) console.warn(`Skipping the Maven pipeline test: ${mavenDir} is absent (see ../shared/datasets/README.md).`);
// The Maven pipeline test spends ~12 minutes building deal features on a 2-core machine (issue #22 owes the speed-up):
// it runs when asked for, so the suite keeps its time (issue #17).
const slowTests = process.env.RAPPORT_SLOW_TESTS === "1";
if (haveMaven && !slowTests) console.warn("Skipping the Maven pipeline test (about 12 minutes): set RAPPORT_SLOW_TESTS=1 to run it.");

const csv = (path: string) => parseCsv(readFileSync(path), { bom: true, columns: true, trim: false }) as Record<string, string>[];
const numericColumns = new Set(["SeniorCitizen", "tenure", "MonthlyCharges", "TotalCharges"]);
const seeds = [1, 2, 3, 4, 5];

/** Plain logistic regression (one-hot, mean-imputed, the usual light L2, no tuning, no trees) on the same split. */
function plainLogistic(features: FeatureDef[], train: RawRow[], yTrain: number[], test: RawRow[], yTest: number[]): number {
  const { state } = fitEncoder(features, train, { minLevelCount: 1, maxLevels: 1000 });
  const d = state.columns.length;
  const model = fitLogistic(encode(state, train), yTrain, new Float64Array(yTrain.length).fill(1), d, { l2: 1 / yTrain.length });
  const x = encode(state, test);
  const p = test.map((_, i) => {
    let z = model.intercept;
    for (let j = 0; j < d; j++) z += model.weights[j]! * x[i * d + j]!;
    return sigmoid(z);
  });
  return rocAuc(yTest, p);
}

describe.each(databaseKinds)("insights on real data on %s", (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind, workerApp);
  });
  afterAll(() => t.close());

  it.skipIf(!haveTelco)(
    "telco churn: imported as contacts with custom fields, trained in the app on a random 80 %, scored on the other 20 % (five seeds)",
    async () => {
      const c = await newWorkspace(t.app);
      const rows = csv(telcoFile);
      const columns = Object.keys(rows[0]!).filter((k) => k !== "customerID");
      for (const col of columns) {
        const res = await c.post("/api/v1/custom-fields", {
          object: "contact",
          label: col,
          key: col.toLowerCase(),
          type: numericColumns.has(col) ? "number" : "text",
        });
        expect(res.statusCode, res.body).toBe(201);
      }
      const analysis = await uploadOk(t, c, "contact", "telco.csv", readFileSync(telcoFile));
      const mapping: Record<string, string> = { customerID: "lastName" };
      for (const col of columns) mapping[col] = `custom.${col.toLowerCase()}`;
      // 7,043 rows: on a busy machine an embedded database takes minutes, more than runToEnd waits.
      expect((await c.post(`/api/v1/imports/${analysis.import.id}/run`, { mapping, match: "none" })).statusCode).toBe(202);
      const job = await waitForImport(c, analysis.import.id, 1_200_000);
      expect(job.status, job.error).toBe("completed");
      const ws = ((await c.get("/api/v1/workspace")).json() as { id: string }).id;
      const blanks = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from contacts where workspace_id = ${ws}::uuid and not (custom ? 'totalcharges')`,
      );
      expect(Number(blanks[0]!.n)).toBe(11);

      const fields = columns.filter((col) => col !== "Churn").map((col) => `custom.${col.toLowerCase()}`);
      const created = await c.post("/api/v1/insights/models", {
        kind: "churn",
        config: { fields, label: { field: "custom.churn", positive: ["Yes"] }, split: "random", holdout: 0.2, seed: 1 },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = (created.json() as InsightModel).id;
      const features: FeatureDef[] = columns
        .filter((col) => col !== "Churn")
        .map((col) => ({ key: col, label: col, kind: numericColumns.has(col) ? "numeric" : "categorical" }));
      const byCustomer = new Map(rows.map((r) => [r.customerID!, r]));
      const raw = (r: Record<string, string>): RawRow => Object.fromEntries(features.map((f) => [f.key, r[f.key]]));
      const app: number[] = [];
      const plain: number[] = [];
      for (const seed of seeds) {
        if (seed !== 1) expect((await c.patch(`/api/v1/insights/models/${id}`, { config: { seed } })).statusCode).toBe(200);
        const model = await trainAndWait(c, id);
        expect(model.status, model.problem ?? "").toBe("ready");
        expect(model.problem).toBeNull();
        expect(model.scoredCount).toBe(rows.length);
        // The held-out scores as stored, against the labels as imported.
        const scored = await queryRows<{ last_name: string; probability: number; held_out: boolean; churn: string }>(
          t.database.db,
          sql`select k.last_name, s.probability, s.held_out, k.custom->>'churn' as churn from insight_scores s
              join contacts k on k.workspace_id = s.workspace_id and k.id = s.record_id
              where s.workspace_id = ${ws}::uuid and s.model_id = ${id}::uuid`,
        );
        const held = scored.filter((s) => s.held_out);
        expect(held.length).toBe(Math.floor(rows.length * 0.2));
        const auc = rocAuc(
          held.map((s) => (s.churn === "Yes" ? 1 : 0)),
          held.map((s) => s.probability),
        );
        expect(auc).toBeCloseTo(model.metrics!.model.auc!, 9);
        app.push(auc);
        const heldIds = new Set(held.map((s) => s.last_name));
        const train = rows.filter((r) => !heldIds.has(r.customerID!));
        const test = [...heldIds].map((k) => byCustomer.get(k)!);
        plain.push(
          plainLogistic(
            features,
            train.map(raw),
            train.map((r) => (r.Churn === "Yes" ? 1 : 0)),
            test.map(raw),
            test.map((r) => (r.Churn === "Yes" ? 1 : 0)),
          ),
        );
        // The 11 blank TotalCharges are scored, not dropped.
        const blankScored = await queryRows<{ n: number }>(
          t.database.db,
          sql`select count(*)::int as n from insight_scores s join contacts k on k.workspace_id = s.workspace_id and k.id = s.record_id
              where s.workspace_id = ${ws}::uuid and s.model_id = ${id}::uuid and not (k.custom ? 'totalcharges')`,
        );
        expect(Number(blankScored[0]!.n)).toBe(11);
      }
      const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
      console.log(
        `[${kind}] telco churn ROC AUC, five seeds: app ${app.map((a) => a.toFixed(4)).join(" ")} mean ${mean(app).toFixed(4)}; plain logistic regression ${plain
          .map((a) => a.toFixed(4))
          .join(" ")} mean ${mean(plain).toFixed(4)}`,
      );
      expect(mean(app)).toBeGreaterThanOrEqual(mean(plain));
      expect(mean(app)).toBeGreaterThan(0.84);
    },
    900_000,
  );

  it.skipIf(!haveMaven || !slowTests)(
    "Maven pipeline: win probability on later-closed deals has a lower Brier score than the stage probability",
    async () => {
      const c = await newWorkspace(t.app);
      const ws = ((await c.get("/api/v1/workspace")).json() as { id: string }).id;
      const db = t.database.db;
      const accounts = csv(join(mavenDir, "accounts.csv"));
      const products = csv(join(mavenDir, "products.csv"));
      const teams = csv(join(mavenDir, "sales_teams.csv"));
      const pipeline = csv(join(mavenDir, "sales_pipeline.csv"));
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
          email: `${agent.sales_agent!.toLowerCase().replace(/[^a-z]+/g, ".")}@example.com`,
          role: "sales",
          password: "correct horse battery",
        });
        expect(res.statusCode, res.body).toBe(201);
        userIds.set(agent.sales_agent!, (res.json() as { id: string }).id);
      }
      for (const manager of new Set(teams.map((a) => a.manager!))) {
        const memberIds = teams.filter((a) => a.manager === manager).map((a) => userIds.get(a.sales_agent!)!);
        expect((await c.post("/api/v1/teams", { name: manager, memberIds })).statusCode).toBe(201);
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
      expect(created.statusCode, created.body).toBe(201);
      const p = created.json() as { id: string; stages: { id: string; name: string }[] };
      const stageId = new Map(p.stages.map((s) => [s.name, s.id]));
      const dealRows: string[] = [];
      const changes: string[] = [];
      const items: string[] = [];
      for (const o of pipeline) {
        const id = newId();
        const stage = o.deal_stage!;
        const status = stage === "Won" ? "won" : stage === "Lost" ? "lost" : "open";
        const engaged = o.engage_date ? `${o.engage_date}T09:00:00Z` : "2017-12-31T09:00:00Z";
        const closed = o.close_date ? `${o.close_date}T17:00:00Z` : null;
        const amount = price.get(o.product!) ?? price.get(o.product!.replace("GTXPro", "GTX Pro")) ?? null;
        const productName = price.has(o.product!) ? o.product! : o.product!.replace("GTXPro", "GTX Pro");
        const company = o.account ? companyIds.get(o.account) : undefined;
        dealRows.push(
          `('${ws}', '${id}', ${q(o.opportunity_id!)}, '${p.id}', '${stageId.get(stage)}', '${status}', ${amount ?? "null"}, 'USD', '${userIds.get(o.sales_agent!)}', ${company ? `'${company}'` : "null"}, '${engaged}', ${closed ? `'${closed}'` : "null"}, '${closed ?? engaged}')`,
        );
        const first = stage === "Prospecting" ? "Prospecting" : "Engaging";
        changes.push(`('${ws}', '${newId()}', '${id}', '${p.id}', null, '${stageId.get(first)}', '${engaged}')`);
        if (closed) changes.push(`('${ws}', '${newId()}', '${id}', '${p.id}', '${stageId.get("Engaging")}', '${stageId.get(stage)}', '${closed}')`);
        if (productIds.has(productName))
          items.push(`('${ws}', '${newId()}', '${id}', '${productIds.get(productName)}', ${q(productName)}, 1, ${amount}, ${amount})`);
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

      const model = (await c.post("/api/v1/insights/models", { kind: "deal_win" })).json() as InsightModel;
      const trained = await trainAndWait(c, model.id);
      expect(trained.status, trained.problem ?? "").toBe("ready");
      const m = trained.metrics!;
      const closedCount = pipeline.filter((o) => o.deal_stage === "Won" || o.deal_stage === "Lost").length;
      expect(m.split).toBe("time");
      expect(m.trainCount + m.testCount).toBe(closedCount);
      console.log(
        `[${kind}] Maven win probability on the ${m.testCount} latest-closed deals: Brier ${m.model.brier.toFixed(4)} (stage probability ${m.baseline.brier.toFixed(4)}), ROC AUC ${m.model.auc?.toFixed(4)} (stage probability ${m.baseline.auc?.toFixed(4) ?? "n/a"}); ${m.method}`,
      );
      expect(m.model.brier).toBeLessThan(m.baseline.brier);
    },
    900_000,
  );
});
