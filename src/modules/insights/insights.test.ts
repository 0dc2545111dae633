/** Predictive models through the API and the job system: training, scoring, explanations, bad input, visibility. */
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { InsightModel, RecordScore } from "../../contract/insights.js";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { seededRandom } from "./ml/random.js";
import { trainAndWait } from "./testing.js";

const workerApp = { jobs: { worker: true, pollingIntervalSeconds: 0.5 } } as const;

const workspaceIdOf = async (c: Client) => ((await c.get("/api/v1/workspace")).json() as { id: string }).id;

/**
 * Closed and open deals written straight into the tables (with their stage history), hundreds at once: the outcome
 * depends on the source, the amount and the owner, so a model has something to find.
 */
async function seedDeals(t: TestApp, workspaceId: string, owners: string[], count: number, seed: number): Promise<{ open: string[]; closed: string[] }> {
  const db = t.database.db;
  const stages = await queryRows<{ id: string; name: string; type: string; pipeline_id: string }>(
    db,
    sql`select id, name, type, pipeline_id from pipeline_stages where workspace_id = ${workspaceId}::uuid order by position`,
  );
  const stage = (name: string) => stages.find((s) => s.name === name)!;
  const random = seededRandom(seed);
  const open: string[] = [];
  const closed: string[] = [];
  const start = Date.UTC(2025, 0, 1);
  const deals: string[] = [];
  const changes: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = newId();
    const source = ["referral", "web", "cold_call"][Math.floor(random() * 3)]!;
    const amount = Math.round(500 + random() * 50_000);
    const ownerIndex = Math.floor(random() * owners.length);
    const created = new Date(start + i * 86_400_000 * 0.5);
    const z = (source === "referral" ? 1.2 : source === "cold_call" ? -1.2 : 0) - (amount / 50_000) * 1.2 + (ownerIndex === 0 ? 0.8 : -0.3);
    const isOpen = i >= count - Math.floor(count / 10);
    const won = random() < 1 / (1 + Math.exp(-z));
    const last = stage(random() < 0.5 ? "Proposal" : "Negotiation");
    const final = isOpen ? last : stage(won ? "Won" : "Lost");
    const status = isOpen ? "open" : won ? "won" : "lost";
    const enteredLast = new Date(created.getTime() + 5 * 86_400_000);
    const closedAt = isOpen ? null : new Date(created.getTime() + (10 + Math.floor(random() * 30)) * 86_400_000);
    (isOpen ? open : closed).push(id);
    deals.push(
      `('${workspaceId}', '${id}', 'Deal ${i}', '${final.pipeline_id}', '${final.id}', '${status}', ${amount}, 'USD', '${owners[ownerIndex]}', '${source}', '${created.toISOString()}', ${closedAt ? `'${closedAt.toISOString()}'` : "null"}, '${(closedAt ?? enteredLast).toISOString()}')`,
    );
    changes.push(`('${workspaceId}', '${newId()}', '${id}', '${last.pipeline_id}', null, '${last.id}', '${enteredLast.toISOString()}')`);
    if (closedAt) changes.push(`('${workspaceId}', '${newId()}', '${id}', '${final.pipeline_id}', '${last.id}', '${final.id}', '${closedAt.toISOString()}')`);
  }
  await db.execute(
    sql.raw(
      `insert into deals (workspace_id, id, name, pipeline_id, stage_id, status, amount, currency, owner_id, source, created_at, closed_at, stage_entered_at) values ${deals.join(", ")}`,
    ),
  );
  await db.execute(
    sql.raw(`insert into deal_stage_changes (workspace_id, id, deal_id, pipeline_id, from_stage_id, to_stage_id, at) values ${changes.join(", ")}`),
  );
  return { open, closed };
}

describe.each(databaseKinds)("insights on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let rep: Client & { userId: string };
  let workspaceId: string;
  let deals: { open: string[]; closed: string[] };
  let model: InsightModel;

  beforeAll(async () => {
    t = await createTestApp(kind, workerApp);
    admin = await newWorkspace(t.app);
    workspaceId = await workspaceIdOf(admin);
    rep = await userWithRole(t.app, admin, "sales");
    // The default pipeline is created on first use.
    expect((await admin.get("/api/v1/pipelines")).statusCode).toBe(200);
    deals = await seedDeals(t, workspaceId, [admin.session.me!.user.id, rep.userId], 400, 5);
  });
  afterAll(() => t.close());

  it("trains a win-probability model as a job, measures it on later-closed deals against the stage probability, and scores open deals", async () => {
    const created = await admin.post("/api/v1/insights/models", { kind: "deal_win" });
    expect(created.statusCode, created.body).toBe(201);
    model = await trainAndWait(admin, created.json().id);
    expect(model.status, model.problem ?? "").toBe("ready");
    const m = model.metrics!;
    expect(m.split).toBe("time");
    expect(m.trainCount + m.testCount).toBe(deals.closed.length);
    expect(m.model.auc).toBeGreaterThan(0.65);
    expect(m.baselineLabel).toBe("Stage probability");
    expect(m.model.calibration.length).toBeGreaterThan(2);
    expect(m.model.lift).toHaveLength(10);
    expect(m.importance.map((f) => f.feature).slice(0, 4)).toContain("source");
    expect(model.sizeBytes).toBeGreaterThan(1000);
    expect(model.trainedAt).not.toBeNull();
    expect(model.scoredCount).toBe(deals.open.length + deals.closed.length);
    // The model beats the stage probability here (the stages carry no signal in this data), so forecasts may use it.
    expect(m.model.brier).toBeLessThan(m.baseline.brier);
    expect(model.usedForForecast).toBe(true);

    const res = await admin.get(`/api/v1/insights/scores/deal/${deals.open[0]}`);
    expect(res.statusCode, res.body).toBe(200);
    const [score] = res.json().data as RecordScore[];
    expect(score!.kind).toBe("deal_win");
    expect(score!.probability).toBeGreaterThan(0);
    expect(score!.probability).toBeLessThan(1);
    expect(score!.factors.length).toBe(5);
    expect(score!.factors[0]).toMatchObject({ label: expect.any(String), value: expect.any(String) });
    expect([0.5, 0.75]).toContain(score!.baseline);
    const ranked = (await admin.get("/api/v1/insights/ranked/deal_win?limit=5")).json();
    expect(ranked.data).toHaveLength(5);
    expect(ranked.data[0].probability).toBeGreaterThanOrEqual(ranked.data[4].probability);
  });

  it("is deterministic: retraining on the same data with the same seed gives the same model and measurements", async () => {
    const again = await trainAndWait(admin, model.id);
    expect(again.metrics).toEqual(model.metrics);
    const [a, b] = await queryRows<{ p: unknown }>(
      t.database.db,
      sql`select parameters as p from insight_models where workspace_id = ${workspaceId}::uuid and id = ${model.id}::uuid`,
    );
    expect(a?.p).toBeDefined();
    expect(b).toBeUndefined();
  });

  it("rescores a changed deal through the event stream", async () => {
    const id = deals.open[1]!;
    const before = ((await admin.get(`/api/v1/insights/scores/deal/${id}`)).json().data as RecordScore[])[0]!;
    const res = await admin.patch(`/api/v1/deals/${id}`, { amount: "1", source: "referral" });
    expect(res.statusCode, res.body).toBe(200);
    const until = Date.now() + 60_000;
    let after = before;
    while (after.scoredAt === before.scoredAt && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      after = ((await admin.get(`/api/v1/insights/scores/deal/${id}`)).json().data as RecordScore[])[0]!;
    }
    expect(after.scoredAt).not.toBe(before.scoredAt);
    expect(after.factors.find((f) => f.feature === "source")?.value).toBe("referral");
  });

  it("shows nobody the scores of records they cannot see", async () => {
    const roles = (await admin.get("/api/v1/roles")).json().data as { id: string; key: string; permissions: Record<string, unknown> }[];
    const sales = roles.find((r) => r.key === "sales")!;
    const own = { read: "own", create: true, edit: "own", delete: "own" } as const;
    const res = await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: { ...sales.permissions, deal: own } });
    expect(res.statusCode, res.body).toBe(200);
    const owners = await queryRows<{ id: string; owner_id: string }>(
      t.database.db,
      sql`select id, owner_id from deals where workspace_id = ${workspaceId}::uuid and status = 'open'`,
    );
    const theirs = owners.find((d) => d.owner_id !== rep.userId)!;
    const mine = owners.find((d) => d.owner_id === rep.userId)!;
    expectProblem(await rep.get(`/api/v1/insights/scores/deal/${theirs.id}`), 404, "not_found");
    expect((await rep.get(`/api/v1/insights/scores/deal/${mine.id}`)).json().data).toHaveLength(1);
    const ranked = (await rep.get("/api/v1/insights/ranked/deal_win?limit=200")).json().data as { id: string; ownerId: string }[];
    expect(ranked.length).toBeGreaterThan(0);
    expect(ranked.every((d) => d.ownerId === rep.userId)).toBe(true);
    // Models are the admins' to change.
    expectProblem(await rep.post(`/api/v1/insights/models/${model.id}/train`, {}), 403, "forbidden");
    expectProblem(await rep.post("/api/v1/insights/models", { kind: "churn" }), 403, "forbidden");
  });

  it("explains data no honest model can come from, saves no model, and never crashes", async () => {
    const other = await newWorkspace(t.app);
    const churn = (await other.post("/api/v1/insights/models", { kind: "churn" })).json() as InsightModel;
    let trained = await trainAndWait(other, churn.id);
    expect(trained).toMatchObject({ status: "failed", metrics: null, trainedAt: null });
    expect(trained.problem).toMatch(/Choose the field that says a customer churned/);

    // A label field with a value on too few records: says how many are needed.
    expect((await other.post("/api/v1/custom-fields", { object: "contact", label: "Churned", key: "churned", type: "text" })).statusCode).toBe(201);
    for (let i = 0; i < 12; i++) await other.post("/api/v1/contacts", { firstName: `C${i}`, custom: { churned: i % 2 ? "yes" : "no" } });
    const patched = await other.patch(`/api/v1/insights/models/${churn.id}`, { config: { label: { field: "custom.churned", positive: ["yes"] } } });
    expect(patched.statusCode, patched.body).toBe(200);
    trained = await trainAndWait(other, churn.id);
    expect(trained.status).toBe("failed");
    expect(trained.problem).toMatch(/Only 12 labelled records.*at least 50/);

    // One class only.
    const ws = await workspaceIdOf(other);
    await t.database.db.execute(
      sql`insert into contacts (workspace_id, id, first_name, custom) select ${ws}::uuid, gen_random_uuid(), 'Bulk', '{"churned": "no"}'::jsonb from generate_series(1, 80)`,
    );
    await t.database.db.execute(sql`update contacts set custom = '{"churned": "no"}'::jsonb where workspace_id = ${ws}::uuid`);
    trained = await trainAndWait(other, churn.id);
    expect(trained.problem).toMatch(/same outcome/);

    // Both classes, but the only chosen field is blank everywhere and the built-in ones carry nothing: refused, saying which.
    await t.database.db.execute(sql`update contacts set custom = '{"churned": "yes"}'::jsonb where workspace_id = ${ws}::uuid and random() < 0.4`);
    expect((await other.post("/api/v1/custom-fields", { object: "contact", label: "Plan", key: "plan", type: "text" })).statusCode).toBe(201);
    await other.patch(`/api/v1/insights/models/${churn.id}`, { config: { fields: ["custom.plan"] } });
    trained = await trainAndWait(other, churn.id);
    expect(trained.status).toBe("failed");
    expect(trained.problem).toMatch(/None of the chosen fields can be used: .*Plan \(every value is blank\)/);
    expect(trained.metrics).toBeNull();
    const [row] = await queryRows<{ n: number }>(t.database.db, sql`select count(*)::int as n from insight_scores where workspace_id = ${ws}::uuid`);
    expect(Number(row!.n)).toBe(0);

    // Bad configuration is refused at once with a readable message.
    expectProblem(await other.patch(`/api/v1/insights/models/${churn.id}`, { config: { fields: ["custom.nope"] } }), 400, "validation_failed");
    expectProblem(await other.post("/api/v1/insights/models", { kind: "deal_win", object: "contact" }), 400, "validation_failed");
    expectProblem(await other.post("/api/v1/insights/models", { kind: "churn" }), 409, "conflict");
  });
});
