/**
 * The forecast backtest: what the stage-weighted forecast said at each past period's start (the deals then open, in
 * the stage each was in then) against what was won in the period, for the deals the asker may see.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ForecastBacktest } from "../../contract/forecast.js";
import { newId } from "../../core/ids.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { dealStageChanges, deals, pipelineStages, pipelines } from "../deals/table.js";

describe.each(databaseKinds)("forecast backtest on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let rep: Client & { userId: string };
  let pipelineId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    rep = await userWithRole(t.app, admin, "sales");
    const ws = admin.session.me?.workspace.id as string;
    const adminId = admin.session.me?.user.id as string;
    const db = t.database.db;
    pipelineId = newId();
    await db.insert(pipelines).values({ workspaceId: ws, id: pipelineId, name: "New business", isDefault: true, position: 0 });
    const stage: Record<string, string> = {};
    for (const [i, [name, probability, type]] of (
      [
        ["Qualify", 10, "open"],
        ["Proposal", 50, "open"],
        ["Won", 100, "won"],
        ["Lost", 0, "lost"],
      ] as const
    ).entries()) {
      stage[name] = newId();
      await db.insert(pipelineStages).values({ workspaceId: ws, id: stage[name]!, pipelineId, name, position: i, probability, type });
    }
    const deal = async (
      name: string,
      d: { owner: string; amount: string; created: string; status: "open" | "won" | "lost"; closed?: string; close?: string; currency?: string },
      history: [string, string][],
    ) => {
      const id = newId();
      await db.insert(deals).values({
        workspaceId: ws,
        id,
        name,
        pipelineId,
        stageId: stage[history[history.length - 1]![0]]!,
        status: d.status,
        amount: d.amount,
        currency: d.currency ?? "USD",
        ownerId: d.owner,
        createdAt: new Date(d.created),
        closedAt: d.closed ? new Date(d.closed) : null,
        expectedCloseDate: d.close ?? null,
      });
      let from: string | null = null;
      for (const [to, at] of history) {
        await db
          .insert(dealStageChanges)
          .values({ workspaceId: ws, id: newId(), dealId: id, pipelineId, fromStageId: from, toStageId: stage[to]!, at: new Date(at) });
        from = stage[to]!;
      }
    };
    // Open on 1 July in Qualify (10 %), won in August.
    await deal("A", { owner: rep.userId, amount: "1000", created: "2026-06-01T10:00:00Z", status: "won", closed: "2026-08-10T10:00:00Z" }, [
      ["Qualify", "2026-06-01T10:00:00Z"],
      ["Proposal", "2026-07-15T10:00:00Z"],
      ["Won", "2026-08-10T10:00:00Z"],
    ]);
    // Open on 1 July in Proposal (50 %), lost in July; the admin's, so the rep does not see it.
    await deal("B", { owner: adminId, amount: "2000", created: "2026-06-15T10:00:00Z", status: "lost", closed: "2026-07-20T10:00:00Z" }, [
      ["Proposal", "2026-06-15T10:00:00Z"],
      ["Lost", "2026-07-20T10:00:00Z"],
    ]);
    // Still open, no expected close date: in every period's start pipeline.
    await deal("C", { owner: rep.userId, amount: "500", created: "2026-05-01T10:00:00Z", status: "open" }, [["Qualify", "2026-05-01T10:00:00Z"]]);
    // Still open, expected in December: only in the fourth quarter's forecast.
    await deal("D", { owner: rep.userId, amount: "500", created: "2026-05-01T10:00:00Z", status: "open", close: "2026-12-15" }, [
      ["Qualify", "2026-05-01T10:00:00Z"],
    ]);
    // Created after 1 July and won in September: won in the quarter, not in its start pipeline.
    await deal("E", { owner: rep.userId, amount: "300", created: "2026-07-05T10:00:00Z", status: "won", closed: "2026-09-01T10:00:00Z" }, [
      ["Qualify", "2026-07-05T10:00:00Z"],
      ["Won", "2026-09-01T10:00:00Z"],
    ]);
    // Another currency: left out of the USD figures.
    await deal("F", { owner: rep.userId, amount: "9000", created: "2026-05-01T10:00:00Z", status: "open", currency: "EUR" }, [
      ["Proposal", "2026-05-01T10:00:00Z"],
    ]);
  });
  afterAll(() => t.close());

  const get = async (c: Client, query: string) => {
    const res = await c.get(`/api/v1/forecast/backtest?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as ForecastBacktest;
  };

  it("says what the stage-weighted forecast said at each quarter's start and what was won", async () => {
    const b = await get(admin, "from=2026-Q3&to=2026-Q4&currency=USD");
    expect(b.rows.map(({ periodStart, periodEnd, ...r }) => r)).toEqual([
      // A 1000 × 10 % + B 2000 × 50 % + C 500 × 10 %; won A + E; error 1150 − 1300.
      {
        period: "2026-Q3",
        openCount: 3,
        pipeline: "3500.00",
        weighted: "1150.00",
        won: "1300.00",
        wonCount: 2,
        wonFromPipeline: "1000.00",
        error: "-150.00",
        errorPercent: -11.5,
      },
      {
        period: "2026-Q4",
        openCount: 2,
        pipeline: "1000.00",
        weighted: "100.00",
        won: "0.00",
        wonCount: 0,
        wonFromPipeline: "0.00",
        error: "100.00",
        errorPercent: null,
      },
    ]);
    expect(b.meanAbsolutePercentError).toBe(11.5);
    expect(b.rows[0]!.periodStart).toBe("2026-07-01");
    expect((await get(admin, "from=2026-09&to=2026-09&currency=EUR")).rows[0]).toMatchObject({ openCount: 1, weighted: "4500.00" });
  });

  it("counts only the deals the asker may see", async () => {
    const b = await get(rep, "from=2026-Q3&to=2026-Q3&currency=USD");
    expect(b.rows[0]).toMatchObject({ openCount: 2, weighted: "150.00", won: "1300.00" });
  });

  it("rejects bad periods naming the field", async () => {
    expectProblem(await admin.get("/api/v1/forecast/backtest?from=2026-Q3&to=2026-08"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/forecast/backtest?from=2026-Q3"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/forecast/backtest?from=2026-Q4&to=2026-Q1"), 400, "validation_failed");
    expectProblem(await admin.get("/api/v1/forecast/backtest?from=2020-01&to=2026-01"), 400, "validation_failed");
    expect((await get(admin, "")).rows.length).toBeGreaterThanOrEqual(4);
  });
});
