import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newId } from "../../core/ids.js";
import { type Db, queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { dealStageChanges, deals, pipelineStages, pipelines } from "../deals/table.js";

type StageType = "open" | "won" | "lost";

/** Writes pipelines, stages, deals and stage history straight to the tables, so every figure below is known. */
async function seedPipeline(db: Db, workspaceId: string, name: string, isDefault: boolean, stages: [string, number, StageType][]) {
  const id = newId();
  await db.insert(pipelines).values({ workspaceId, id, name, isDefault, position: isDefault ? 0 : 1 });
  const ids: Record<string, string> = {};
  for (const [i, [stageName, probability, type]] of stages.entries()) {
    ids[stageName] = newId();
    await db.insert(pipelineStages).values({ workspaceId, id: ids[stageName], pipelineId: id, name: stageName, position: i, probability, type });
  }
  return { id, stages: ids };
}

interface DealSeed {
  pipelineId: string;
  stageId: string;
  status: StageType;
  amount: string;
  currency?: string;
  ownerId: string | null;
  close?: string;
  closedAt?: string;
  deleted?: boolean;
}

async function seedDeal(db: Db, workspaceId: string, d: DealSeed): Promise<string> {
  const id = newId();
  await db.insert(deals).values({
    workspaceId,
    id,
    name: `Deal ${d.amount}`,
    pipelineId: d.pipelineId,
    stageId: d.stageId,
    status: d.status,
    amount: d.amount,
    currency: d.currency ?? "USD",
    expectedCloseDate: d.close ?? null,
    ownerId: d.ownerId,
    closedAt: d.closedAt ? new Date(d.closedAt) : null,
    deletedAt: d.deleted ? new Date() : null,
  });
  return id;
}

interface Row {
  id: string | null;
  name: string;
  quota: string | null;
  won: string;
  commit: string;
  bestCase: string;
  weighted: string;
  wonCount: number;
  openCount: number;
  attainment: number | null;
  gap: string | null;
  members?: Omit<Row, "members" | "wonCount" | "openCount">[];
}

describe.each(databaseKinds)("forecast on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let manager: Client & { userId: string };
  let r1: Client & { userId: string };
  let r2: Client & { userId: string };
  let readOnly: Client & { userId: string };
  let eastId: string;
  let westId: string;
  let p1: Awaited<ReturnType<typeof seedPipeline>>;
  let p2: Awaited<ReturnType<typeof seedPipeline>>;
  let ids: string[];

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    const ws = admin.session.me?.workspace.id as string;
    manager = await userWithRole(t.app, admin, "manager");
    r1 = await userWithRole(t.app, admin, "sales");
    r2 = await userWithRole(t.app, admin, "sales");
    readOnly = await userWithRole(t.app, admin, "read_only");
    eastId = (await admin.post("/api/v1/teams", { name: "East", memberIds: [manager.userId, r1.userId] })).json().id;
    westId = (await admin.post("/api/v1/teams", { name: "West", memberIds: [r2.userId] })).json().id;
    const db = t.database.db;
    p1 = await seedPipeline(db, ws, "New business", true, [
      ["Qualify", 10, "open"],
      ["Proposal", 50, "open"],
      ["Negotiation", 80, "open"],
      ["Won", 100, "won"],
      ["Lost", 0, "lost"],
    ]);
    p2 = await seedPipeline(db, ws, "Renewals", false, [
      ["Due", 75, "open"],
      ["Renewed", 100, "won"],
    ]);
    const s = p1.stages as Record<string, string>;
    const S = (name: string) => s[name] as string;
    const P1 = p1.id;
    ids = [];
    for (const d of [
      /* 0 */ { pipelineId: P1, stageId: S("Won"), status: "won", amount: "10000", ownerId: r1.userId, closedAt: "2026-10-15T10:00:00Z" },
      /* 1 */ { pipelineId: P1, stageId: S("Won"), status: "won", amount: "5000", ownerId: r1.userId, closedAt: "2026-09-30T23:00:00Z" },
      /* 2 */ { pipelineId: P1, stageId: S("Won"), status: "won", amount: "2500.50", ownerId: r1.userId, closedAt: "2026-12-31T23:59:00Z" },
      /* 3 */ { pipelineId: P1, stageId: S("Negotiation"), status: "open", amount: "20000", ownerId: r1.userId, close: "2026-11-10" },
      /* 4 */ { pipelineId: P1, stageId: S("Proposal"), status: "open", amount: "8000", ownerId: r1.userId, close: "2026-12-01" },
      /* 5 */ { pipelineId: P1, stageId: S("Qualify"), status: "open", amount: "4000", ownerId: r1.userId, close: "2027-01-01" },
      /* 6 */ { pipelineId: P1, stageId: S("Negotiation"), status: "open", amount: "30000", ownerId: r2.userId, close: "2026-10-01" },
      /* 7 */ { pipelineId: P1, stageId: S("Lost"), status: "lost", amount: "7000", ownerId: r2.userId, closedAt: "2026-11-01T09:00:00Z", close: "2026-11-01" },
      /* 8 */ { pipelineId: p2.id, stageId: p2.stages.Renewed as string, status: "won", amount: "12000", ownerId: r2.userId, closedAt: "2026-11-20T12:00:00Z" },
      /* 9 */ { pipelineId: p2.id, stageId: p2.stages.Due as string, status: "open", amount: "6000", ownerId: r2.userId, close: "2026-10-20" },
      /* 10 */ { pipelineId: P1, stageId: S("Won"), status: "won", amount: "99999", ownerId: r1.userId, closedAt: "2026-10-15T10:00:00Z", deleted: true },
      /* 11 */ { pipelineId: P1, stageId: S("Won"), status: "won", amount: "3000", currency: "EUR", ownerId: r1.userId, closedAt: "2026-10-05T10:00:00Z" },
      /* 12 */ { pipelineId: P1, stageId: S("Proposal"), status: "open", amount: "1000", ownerId: null, close: "2026-10-10" },
    ] as DealSeed[]) {
      ids.push(await seedDeal(db, ws, d));
    }
    const change = (dealIdx: number, from: string | null, to: string, at: string) =>
      db.insert(dealStageChanges).values({
        workspaceId: ws,
        id: newId(),
        dealId: ids[dealIdx] as string,
        pipelineId: P1,
        fromStageId: from ? S(from) : null,
        toStageId: S(to),
        at: new Date(at),
      });
    await change(0, null, "Qualify", "2026-09-01T00:00:00Z");
    await change(0, "Qualify", "Proposal", "2026-09-11T00:00:00Z");
    await change(0, "Proposal", "Negotiation", "2026-09-21T00:00:00Z");
    await change(0, "Negotiation", "Won", "2026-10-15T00:00:00Z");
    await change(7, null, "Qualify", "2026-09-01T00:00:00Z");
    await change(7, "Qualify", "Proposal", "2026-09-05T00:00:00Z");
    await change(7, "Proposal", "Lost", "2026-11-01T00:00:00Z");
    await change(4, null, "Qualify", "2026-10-01T00:00:00Z");
    await change(4, "Qualify", "Proposal", "2026-10-03T00:00:00Z");
    // An old change outside the report's window must not count.
    await change(5, null, "Qualify", "2025-06-01T00:00:00Z");

    const q = await admin.call("PUT", "/api/v1/quotas", {
      quotas: [
        { subjectType: "user", subjectId: r1.userId, period: "2026-Q4", amount: 25000, currency: "USD" },
        { subjectType: "user", subjectId: r2.userId, period: "2026-10", amount: 5000, currency: "USD" },
        { subjectType: "user", subjectId: r2.userId, period: "2026-11", amount: 5000, currency: "USD" },
        { subjectType: "user", subjectId: r2.userId, period: "2026-12", amount: 5000, currency: "USD" },
        // A quota in another currency never mixes with USD figures.
        { subjectType: "user", subjectId: r2.userId, period: "2026-Q4", amount: 1, currency: "EUR" },
      ],
    });
    expect(q.statusCode, q.body).toBe(200);
  });
  afterAll(() => t.close());

  const byName = (rows: Row[]) => new Map(rows.map((r) => [r.id, r]));

  it("sums won, commit, best case and weighted per owner against quota", async () => {
    const res = await admin.get("/api/v1/forecast?period=2026-Q4");
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      period: "2026-Q4",
      periodStart: "2026-10-01",
      periodEnd: "2027-01-01",
      currency: "USD",
      commitThreshold: 70,
      groupBy: "owner",
    });
    const rows = byName(body.rows);
    expect(rows.get(r1.userId)).toMatchObject({
      won: "12500.50",
      wonCount: 2,
      commit: "20000.00",
      bestCase: "28000.00",
      weighted: "20000.00",
      openCount: 2,
      quota: "25000.00",
      attainment: 50,
      gap: "12499.50",
    });
    // R2's quarter quota is the sum of its three monthly quotas; the Renewals deal (75%) is commit.
    expect(rows.get(r2.userId)).toMatchObject({
      won: "12000.00",
      commit: "36000.00",
      bestCase: "36000.00",
      weighted: "28500.00",
      quota: "15000.00",
      attainment: 80,
      gap: "3000.00",
    });
    expect(rows.get(null)).toMatchObject({
      name: "No owner",
      won: "0.00",
      commit: "0.00",
      bestCase: "1000.00",
      weighted: "500.00",
      quota: null,
      attainment: null,
    });
    expect(body.rows).toHaveLength(3);
    expect(body.totals).toMatchObject({
      won: "24500.50",
      commit: "56000.00",
      bestCase: "65000.00",
      weighted: "49000.00",
      quota: "40000.00",
      wonCount: 3,
      openCount: 5,
    });
    expect(body.otherCurrencies).toEqual([{ currency: "EUR", won: "3000.00", bestCase: "0.00", deals: 1 }]);
    // Sorted by won, then best case.
    expect(body.rows[0].id).toBe(r1.userId);
  });

  it("answers for a month, a pipeline and another currency", async () => {
    const nov = byName((await admin.get("/api/v1/forecast?period=2026-11")).json().rows);
    expect(nov.get(r2.userId)).toMatchObject({ won: "12000.00", quota: "5000.00", attainment: 240, gap: "-7000.00", commit: "0.00", bestCase: "0.00" });
    expect(nov.get(r1.userId)).toMatchObject({ won: "0.00", commit: "20000.00", quota: null });

    const onlyP1 = byName((await admin.get(`/api/v1/forecast?period=2026-Q4&pipelineId=${p1.id}`)).json().rows);
    expect(onlyP1.get(r2.userId)).toMatchObject({ won: "0.00", commit: "30000.00", weighted: "24000.00" });

    const eur = (await admin.get("/api/v1/forecast?period=2026-q4&currency=eur")).json();
    expect(eur.currency).toBe("EUR");
    expect(byName(eur.rows).get(r1.userId)).toMatchObject({ won: "3000.00", quota: null });
    expect(byName(eur.rows).get(r2.userId)).toMatchObject({ won: "0.00", quota: "1.00" });
  });

  it("moves deals in and out of commit with the workspace threshold", async () => {
    expect((await admin.get("/api/v1/forecast/settings")).json()).toEqual({ commitThreshold: 70 });
    expect((await admin.call("PUT", "/api/v1/forecast/settings", { commitThreshold: 50 })).statusCode).toBe(200);
    let rows = byName((await admin.get("/api/v1/forecast?period=2026-Q4")).json().rows);
    expect(rows.get(r1.userId)?.commit).toBe("28000.00");
    expect(rows.get(null)?.commit).toBe("1000.00");
    await admin.call("PUT", "/api/v1/forecast/settings", { commitThreshold: 80 });
    rows = byName((await admin.get("/api/v1/forecast?period=2026-Q4")).json().rows);
    expect(rows.get(r2.userId)?.commit).toBe("30000.00");
    await admin.call("PUT", "/api/v1/forecast/settings", { commitThreshold: 70 });
    expect((await manager.get("/api/v1/forecast/settings")).json()).toEqual({ commitThreshold: 70 });
    expectProblem(await manager.call("PUT", "/api/v1/forecast/settings", { commitThreshold: 60 }), 403, "forbidden");
    expectProblem(await admin.call("PUT", "/api/v1/forecast/settings", { commitThreshold: 150 }), 400);
    expectProblem(await admin.call("PUT", "/api/v1/forecast/settings", { commitThreshold: "high" }), 400);
  });

  it("rolls up teams from members, or uses the team's own quota", async () => {
    let body = (await admin.get("/api/v1/forecast?period=2026-Q4&groupBy=team")).json();
    let rows = byName(body.rows);
    expect(rows.get(eastId)).toMatchObject({ name: "East", won: "12500.50", commit: "20000.00", quota: "25000.00", attainment: 50 });
    expect(rows.get(eastId)?.members).toEqual(
      expect.arrayContaining([
        {
          id: r1.userId,
          name: "sales user",
          quota: "25000.00",
          won: "12500.50",
          commit: "20000.00",
          bestCase: "28000.00",
          weighted: "20000.00",
          attainment: 50,
          gap: "12499.50",
        },
        { id: manager.userId, name: "manager user", quota: null, won: "0.00", commit: "0.00", bestCase: "0.00", weighted: "0.00", attainment: null, gap: null },
      ]),
    );
    expect(rows.get(westId)).toMatchObject({ won: "12000.00", quota: "15000.00" });
    // Unowned deals belong to no team.
    expect(body.totals).toMatchObject({ won: "24500.50", bestCase: "64000.00", quota: "40000.00" });

    await admin.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "team", subjectId: eastId, period: "2026-Q4", amount: 40000, currency: "USD" }] });
    body = (await admin.get("/api/v1/forecast?period=2026-Q4&groupBy=team")).json();
    rows = byName(body.rows);
    expect(rows.get(eastId)).toMatchObject({ quota: "40000.00", gap: "27499.50" });

    const east = (await admin.get(`/api/v1/forecast?period=2026-Q4&teamId=${eastId}`)).json();
    expect(east.rows.map((r: Row) => r.id)).toEqual([r1.userId]);
    expect(east.totals.quota).toBe("40000.00");
  });

  it("shows reps their own numbers and managers their teams", async () => {
    const mine = (await r1.get("/api/v1/forecast?period=2026-Q4")).json();
    expect(mine.rows.map((r: Row) => r.id)).toEqual([r1.userId]);
    expect(mine.totals.won).toBe("12500.50");
    expect((await r1.get("/api/v1/forecast?period=2026-Q4&ownerId=me")).json().rows[0].attainment).toBe(50);
    expectProblem(await r1.get(`/api/v1/forecast?period=2026-Q4&ownerId=${r2.userId}`), 403);
    expectProblem(await r1.get("/api/v1/forecast?period=2026-Q4&groupBy=team"), 403);

    const team = (await manager.get("/api/v1/forecast?period=2026-Q4")).json();
    expect(team.rows.map((r: Row) => r.id)).toEqual([r1.userId]);
    const teams = (await manager.get("/api/v1/forecast?period=2026-Q4&groupBy=team")).json();
    expect(teams.rows.map((r: Row) => r.id)).toEqual([eastId]);
    expectProblem(await manager.get(`/api/v1/forecast?period=2026-Q4&teamId=${westId}`), 403);
    expectProblem(await manager.get(`/api/v1/forecast?period=2026-Q4&ownerId=${r2.userId}`), 403);

    const ro = (await readOnly.get("/api/v1/forecast?period=2026-Q4")).json();
    expect(ro.rows).toEqual([]);
    expect(ro.totals.won).toBe("0.00");
  });

  it("reports the pipeline per stage, with conversion and time in stage", async () => {
    const res = await admin.get(`/api/v1/reports/pipeline?pipelineId=${p1.id}&from=2026-01-01&to=2027-01-01`);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ pipelineId: p1.id, pipelineName: "New business", from: "2026-01-01", to: "2027-01-01" });
    const st = new Map(body.stages.map((s: { name: string }) => [s.name, s]));
    expect(body.stages.map((s: { name: string }) => s.name)).toEqual(["Qualify", "Proposal", "Negotiation", "Won", "Lost"]);
    expect(st.get("Qualify")).toMatchObject({
      count: 1,
      totals: [{ currency: "USD", amount: "4000.00", weighted: "400.00" }],
      entered: 3,
      advanced: 3,
      conversionRate: 100,
      avgDaysInStage: 5.3,
    });
    expect(st.get("Proposal")).toMatchObject({
      count: 2,
      totals: [{ currency: "USD", amount: "9000.00", weighted: "4500.00" }],
      entered: 3,
      advanced: 1,
      conversionRate: 33.3,
      avgDaysInStage: 33.5,
    });
    expect(st.get("Negotiation")).toMatchObject({
      count: 2,
      totals: [{ currency: "USD", amount: "50000.00", weighted: "40000.00" }],
      entered: 1,
      advanced: 1,
      conversionRate: 100,
      avgDaysInStage: 24,
    });
    expect(st.get("Won")).toMatchObject({
      count: 4,
      totals: [
        { currency: "USD", amount: "17500.50", weighted: "17500.50" },
        { currency: "EUR", amount: "3000.00", weighted: "3000.00" },
      ],
      entered: 1,
      conversionRate: null,
      avgDaysInStage: null,
    });
    expect(st.get("Lost")).toMatchObject({ count: 1, entered: 1, conversionRate: null });

    // Default pipeline and window: the one marked default.
    const def = (await admin.get("/api/v1/reports/pipeline")).json();
    expect(def.pipelineId).toBe(p1.id);
    // A rep sees their own deals only.
    const rep = (await r2.get(`/api/v1/reports/pipeline?pipelineId=${p1.id}&from=2026-01-01&to=2027-01-01`)).json();
    expect(rep.stages.map((s: { count: number }) => s.count)).toEqual([0, 0, 1, 0, 1]);
    // Their flow too (deal 7: Qualify on 1 Sep, Proposal on 5 Sep, Lost on 1 Nov), read from their deals' changes.
    expect(rep.stages.map((s: { entered: number; advanced: number; avgDaysInStage: number | null }) => [s.entered, s.advanced, s.avgDaysInStage])).toEqual([
      [1, 1, 4],
      [1, 0, 57],
      [0, 0, null],
      [0, 0, null],
      [1, 0, null],
    ]);
  });

  it("rejects bad input naming the field", async () => {
    for (const [url, path] of [
      ["/api/v1/forecast?period=2026-13", "period"],
      ["/api/v1/forecast?period=2026-Q5", "period"],
      ["/api/v1/forecast?period=Q4", "period"],
      ["/api/v1/forecast", "period"],
      ["/api/v1/forecast?period=2026-Q4&groupBy=region", "groupBy"],
      ["/api/v1/forecast?period=2026-Q4&pipelineId=abc", "pipelineId"],
      ["/api/v1/forecast?period=2026-Q4&currency=dollars", "currency"],
      ["/api/v1/forecast?period=2026-Q4&ownerId=nobody", "ownerId"],
      ["/api/v1/reports/pipeline?from=2026-02-30", "from"],
      ["/api/v1/reports/pipeline?from=2026-06-01&to=2026-01-01", "to"],
    ] as const) {
      const problem = expectProblem(await admin.get(url), 400);
      const paths = (problem.errors as { path: string }[]).map((e) => e.path.replace(/^querystring\./, ""));
      expect(paths, url).toContain(path);
    }
    expectProblem(await admin.get("/api/v1/forecast?period=2026-Q4&pipelineId=018f0000-0000-7000-8000-000000000000"), 404);
    expectProblem(await admin.get("/api/v1/forecast?period=2026-Q4&teamId=018f0000-0000-7000-8000-000000000000"), 404);
    expectProblem(await admin.get("/api/v1/reports/pipeline?pipelineId=018f0000-0000-7000-8000-000000000000"), 404);
  });

  it("follows deals written through the deals API: open, then won", async () => {
    const ws = await newWorkspace(t.app);
    const pipeline = (await ws.get("/api/v1/pipelines")).json().data[0];
    const won = pipeline.stages.find((s: { type: string }) => s.type === "won");
    const open = pipeline.stages.filter((s: { type: string }) => s.type === "open");
    const top = open.reduce((a: { probability: number }, b: { probability: number }) => (b.probability > a.probability ? b : a));
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const quarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
    const created = await ws.post("/api/v1/deals", { name: "Fleet", amount: 1234.5, currency: "USD", expectedCloseDate: today, stageId: top.id });
    expect(created.statusCode, created.body).toBe(201);
    const me = ws.session.me?.user.id;
    let row = (await ws.get(`/api/v1/forecast?period=${quarter}`)).json().rows.find((r: Row) => r.id === me);
    expect(row).toMatchObject({ won: "0.00", bestCase: "1234.50", openCount: 1, commit: top.probability >= 70 ? "1234.50" : "0.00" });
    const moved = await ws.post(`/api/v1/deals/${created.json().id}/stage`, { stageId: won.id });
    expect(moved.statusCode, moved.body).toBe(200);
    row = (await ws.get(`/api/v1/forecast?period=${quarter}`)).json().rows.find((r: Row) => r.id === me);
    expect(row).toMatchObject({ won: "1234.50", wonCount: 1, bestCase: "0.00", openCount: 0 });
  });

  it("keeps workspaces apart", async () => {
    const other = await newWorkspace(t.app);
    const body = (await other.get("/api/v1/forecast?period=2026-Q4")).json();
    expect(body.rows).toEqual([]);
    expect(body.totals.won).toBe("0.00");
    expectProblem(await other.get(`/api/v1/forecast?period=2026-Q4&pipelineId=${p1.id}`), 404);
    expectProblem(await other.get(`/api/v1/reports/pipeline?pipelineId=${p1.id}`), 404);
    expectProblem(await other.get(`/api/v1/forecast?period=2026-Q4&teamId=${eastId}`), 404);
    const own = (await other.get(`/api/v1/forecast?period=2026-Q4&ownerId=${r1.userId}`)).json();
    expect(own.rows.every((r: Row) => r.won === "0.00")).toBe(true);
  });
  it("links every stage change to the next and keeps the flow roll-up equal to the log, even for changes written out of order", async () => {
    const db = t.database.db;
    const ws = admin.session.me?.workspace.id as string;
    const pl = (await admin.get(`/api/v1/pipelines`)).json().data.find((p: { id: string }) => p.id === p1.id) as { stages: { id: string; name: string }[] };
    const S = (name: string) => pl.stages.find((x) => x.name === name)?.id as string;
    const row = (dealIdx: number, to: string, at: string) => ({
      workspaceId: ws,
      id: newId(),
      dealId: ids[dealIdx] as string,
      pipelineId: p1.id,
      toStageId: S(to),
      at: new Date(at),
    });
    // Deal 12 gets Negotiation, then a backdated Qualify before it, then two changes in one statement.
    await db.insert(dealStageChanges).values(row(12, "Negotiation", "2026-10-20T00:00:00Z"));
    await db.insert(dealStageChanges).values(row(12, "Qualify", "2026-10-10T00:00:00Z"));
    await db.insert(dealStageChanges).values([row(12, "Proposal", "2026-10-15T00:00:00Z"), row(12, "Won", "2026-10-25T00:00:00Z")]);
    const [linked] = await queryRows<{ wrong: number }>(
      db,
      sql`
        select count(*)::int as wrong from (
          select left_at, next_stage_id, lead(at) over w as next_at, lead(to_stage_id) over w as next_stage
            from deal_stage_changes where workspace_id = ${ws} window w as (partition by deal_id order by at, id)) x
         where left_at is distinct from next_at or next_stage_id is distinct from next_stage`,
    );
    expect(linked?.wrong).toBe(0);
    const [rollup] = await queryRows<{ wrong: number }>(
      db,
      sql`
        select count(*)::int as wrong from (
          select pipeline_id, (at at time zone 'UTC')::date as day, to_stage_id, next_stage_id, count(*)::int as entries, count(left_at)::int as left_count,
                 round(coalesce(sum(extract(epoch from (left_at - at))), 0)) as secs
            from deal_stage_changes where workspace_id = ${ws} group by 1, 2, 3, 4) want
          full join (select pipeline_id, day, to_stage_id, next_stage_id, entries, left_count, round(seconds_in_stage::numeric) as secs
                       from deal_stage_flow where workspace_id = ${ws} and (entries, left_count, seconds_in_stage) <> (0, 0, 0)) got
            on got.pipeline_id = want.pipeline_id and got.day = want.day and got.to_stage_id = want.to_stage_id
           and got.next_stage_id is not distinct from want.next_stage_id
         where (got.entries, got.left_count, got.secs) is distinct from (want.entries, want.left_count, want.secs)`,
    );
    expect(rollup?.wrong).toBe(0);
    // The report reads the roll-up: deal 12's Qualify (10 → 15 Oct) now counts as an advance of 5 days.
    const st = new Map(
      (
        (await admin.get(`/api/v1/reports/pipeline?pipelineId=${p1.id}&from=2026-10-10&to=2026-10-11`)).json().stages as {
          name: string;
          entered: number;
          advanced: number;
          avgDaysInStage: number;
        }[]
      ).map((x) => [x.name, x]),
    );
    expect(st.get("Qualify")).toMatchObject({ entered: 1, advanced: 1, avgDaysInStage: 5 });
  });
  it("keeps the monthly forecast roll-up equal to the deals through every kind of write", async () => {
    const db = t.database.db;
    const ws = await newWorkspace(t.app);
    const wsId = ws.session.me?.workspace.id as string;
    const pipeline = (await ws.get("/api/v1/pipelines")).json().data[0] as { id: string; stages: { id: string; type: string; probability: number }[] };
    const open = pipeline.stages.filter((x) => x.type === "open");
    const won = pipeline.stages.find((x) => x.type === "won")?.id as string;
    const lost = pipeline.stages.find((x) => x.type === "lost")?.id as string;
    const rep = await userWithRole(t.app, ws, "sales");
    const made: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await ws.post("/api/v1/deals", {
        name: `F${i}`,
        amount: i === 5 ? null : 100 * (i + 1),
        currency: i % 2 ? "EUR" : "USD",
        expectedCloseDate: `2026-${String(10 + (i % 3)).padStart(2, "0")}-1${i}`,
        stageId: open[i % open.length]?.id,
      });
      expect(res.statusCode, res.body).toBe(201);
      made.push(res.json().id);
    }
    const [a, b, c, d, e] = made as [string, string, string, string, string];
    await ws.post(`/api/v1/deals/${a}/stage`, { stageId: won });
    await ws.post(`/api/v1/deals/${b}/stage`, { stageId: lost, lostReason: "Price" });
    expect((await ws.patch(`/api/v1/deals/${c}`, { ownerId: rep.userId, amount: 321.5, expectedCloseDate: "2027-01-31" })).statusCode).toBe(200);
    expect((await ws.patch(`/api/v1/deals/${d}`, { currency: "GBP", expectedCloseDate: null })).statusCode).toBe(200);
    expect((await ws.del(`/api/v1/deals/${e}`)).statusCode).toBe(204);
    expect((await ws.post(`/api/v1/deals/${a}/stage`, { stageId: open[0]?.id })).statusCode).toBe(200);
    expect((await ws.post(`/api/v1/deals/${a}/stage`, { stageId: won })).statusCode).toBe(200);
    // Bulk SQL by hand: a reassignment of every deal and a move of every close date, then a hard delete.
    await db.execute(sql`update deals set owner_id = ${rep.userId}::uuid where workspace_id = ${wsId}::uuid`);
    await db.execute(sql`update deals set expected_close_date = expected_close_date + 40 where workspace_id = ${wsId}::uuid`);
    await db.execute(sql`delete from deals where workspace_id = ${wsId}::uuid and id = ${made[5] as string}::uuid`);
    const [mismatch] = await queryRows<{ wrong: number; rows: number }>(
      db,
      sql`
        select count(*) filter (where (got.n, got.a) is distinct from (want.n, want.a))::int as wrong, count(*)::int as rows from (
          select deal_forecast_month(status, closed_at, expected_close_date) as month, status, pipeline_id, stage_id, owner_id, currency,
                 count(*)::int as n, coalesce(sum(amount), 0) as a
            from deals where workspace_id = ${wsId}::uuid and deleted_at is null and deal_forecast_month(status, closed_at, expected_close_date) is not null
           group by 1, 2, 3, 4, 5, 6) want
        full join (select month, status, pipeline_id, stage_id, owner_id, currency, deal_count as n, amount as a
                     from deal_forecast_months where workspace_id = ${wsId}::uuid and deal_count <> 0) got
          on got.month = want.month and got.status = want.status and got.pipeline_id = want.pipeline_id and got.stage_id = want.stage_id
         and got.owner_id is not distinct from want.owner_id and got.currency = want.currency`,
    );
    expect(mismatch?.wrong).toBe(0);
    expect(mismatch?.rows).toBeGreaterThan(1);
  });
});
