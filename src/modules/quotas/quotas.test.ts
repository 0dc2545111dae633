import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { recordHistory } from "../history/table.js";
import { parsePeriod } from "./periods.js";

describe("periods", () => {
  it("parses months and quarters into half-open date ranges", () => {
    expect(parsePeriod("2026-10")).toEqual({ period: "2026-10", kind: "month", start: "2026-10-01", end: "2026-11-01" });
    expect(parsePeriod("2026-12")).toEqual({ period: "2026-12", kind: "month", start: "2026-12-01", end: "2027-01-01" });
    expect(parsePeriod("2026-q4")).toEqual({ period: "2026-Q4", kind: "quarter", start: "2026-10-01", end: "2027-01-01" });
    expect(parsePeriod("2027-Q1")).toEqual({ period: "2027-Q1", kind: "quarter", start: "2027-01-01", end: "2027-04-01" });
    for (const bad of ["2026-13", "2026-Q5", "2026", "26-Q1", "2026-Q", "2026-00", "Q4-2026"]) expect(() => parsePeriod(bad), bad).toThrow(/month such as/);
  });
});

describe.each(databaseKinds)("quotas on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let manager: Client & { userId: string };
  let rep: Client & { userId: string };
  let otherRep: Client & { userId: string };
  let readOnly: Client & { userId: string };
  let teamId: string;
  let otherTeamId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    manager = await userWithRole(t.app, admin, "manager");
    rep = await userWithRole(t.app, admin, "sales");
    otherRep = await userWithRole(t.app, admin, "sales");
    readOnly = await userWithRole(t.app, admin, "read_only");
    teamId = (await admin.post("/api/v1/teams", { name: "East", memberIds: [manager.userId, rep.userId] })).json().id;
    otherTeamId = (await admin.post("/api/v1/teams", { name: "West", memberIds: [otherRep.userId] })).json().id;
  });
  afterAll(() => t.close());

  it("lets an admin set, change and remove quotas in one call, with history", async () => {
    const res = await admin.call("PUT", "/api/v1/quotas", {
      quotas: [
        { subjectType: "user", subjectId: rep.userId, period: "2026-q4", amount: 30000, currency: "eur" },
        { subjectType: "user", subjectId: otherRep.userId, period: "2026-10", amount: "12000.50", currency: "EUR" },
        { subjectType: "team", subjectId: teamId, period: "2026-Q4", amount: 90000, currency: "EUR" },
      ],
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.removed).toBe(0);
    expect(
      body.data.map((q: { period: string; amount: string; currency: string; subjectName: string }) => [q.period, q.amount, q.currency, q.subjectName]),
    ).toEqual([
      ["2026-Q4", "30000.00", "EUR", "sales user"],
      ["2026-10", "12000.50", "EUR", "sales user"],
      ["2026-Q4", "90000.00", "EUR", "East"],
    ]);
    expect(body.data[0]).toMatchObject({ periodKind: "quarter", periodStart: "2026-10-01", periodEnd: "2027-01-01" });

    const changed = await admin.call("PUT", "/api/v1/quotas", {
      quotas: [
        { subjectType: "user", subjectId: rep.userId, period: "2026-Q4", amount: 35000, currency: "EUR" },
        { subjectType: "user", subjectId: otherRep.userId, period: "2026-10", amount: null },
      ],
    });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json().removed).toBe(1);
    expect(changed.json().data).toHaveLength(1);
    expect(changed.json().data[0].id).toBe(body.data[0].id);

    const list = (await admin.get("/api/v1/quotas?year=2026")).json();
    expect(list.data.map((q: { subjectName: string; amount: string }) => `${q.subjectName}:${q.amount}`).sort()).toEqual([
      "East:90000.00",
      "sales user:35000.00",
    ]);

    const rows = await t.database.db
      .select({ action: recordHistory.action, changes: recordHistory.changes })
      .from(recordHistory)
      .where(and(eq(recordHistory.object, "quota"), eq(recordHistory.recordId, body.data[0].id)))
      .orderBy(recordHistory.id);
    expect(rows.map((r) => r.action)).toEqual(["create", "update"]);
    expect(rows[1]?.changes).toEqual([{ field: "amount", from: "30000.00", to: "35000.00" }]);
  });

  it("pages the list by cursor", async () => {
    const ws = await newWorkspace(t.app);
    const u = await userWithRole(t.app, ws, "sales");
    const months = Array.from({ length: 12 }, (_, i) => `2025-${String(i + 1).padStart(2, "0")}`);
    await ws.call("PUT", "/api/v1/quotas", {
      quotas: months.map((period) => ({ subjectType: "user", subjectId: u.userId, period, amount: 1000 })),
    });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await ws.get(`/api/v1/quotas?year=2025&limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().data.map((q: { period: string }) => q.period));
      cursor = res.json().nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(months);
    expect(pages).toBe(3);
    // Without a currency the workspace default (USD when unset) applies.
    expect((await ws.get("/api/v1/quotas?year=2025&limit=1")).json().data[0].currency).toBe("USD");
  });

  it("lets a manager set quotas for their team's members only", async () => {
    const ok = await manager.call("PUT", "/api/v1/quotas", {
      quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-11", amount: 10000, currency: "EUR" }],
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const teamOk = await manager.call("PUT", "/api/v1/quotas", {
      quotas: [{ subjectType: "team", subjectId: teamId, period: "2026-11", amount: 20000, currency: "EUR" }],
    });
    expect(teamOk.statusCode, teamOk.body).toBe(200);
    expectProblem(
      await manager.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: otherRep.userId, period: "2026-11", amount: 1 }] }),
      403,
      "forbidden",
    );
    expectProblem(
      await manager.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "team", subjectId: otherTeamId, period: "2026-11", amount: 1 }] }),
      403,
      "forbidden",
    );
    // Not even their own: a manager's target is set above them.
    expectProblem(
      await manager.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: manager.userId, period: "2026-11", amount: 1 }] }),
      403,
    );
    // A refused cell refuses the whole request.
    expectProblem(
      await manager.call("PUT", "/api/v1/quotas", {
        quotas: [
          { subjectType: "user", subjectId: rep.userId, period: "2026-12", amount: 5 },
          { subjectType: "user", subjectId: otherRep.userId, period: "2026-12", amount: 5 },
        ],
      }),
      403,
    );
    expect((await admin.get(`/api/v1/quotas?year=2026&subjectId=${rep.userId}`)).json().data.map((q: { period: string }) => q.period)).not.toContain("2026-12");

    const seen = (await manager.get("/api/v1/quotas?year=2026")).json().data.map((q: { subjectId: string }) => q.subjectId);
    expect(new Set(seen)).toEqual(new Set([rep.userId, teamId]));
  });

  it("refuses sales and read-only writers, and shows reps their own quotas only", async () => {
    for (const who of [rep, readOnly]) {
      expectProblem(
        await who.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-11", amount: 1 }] }),
        403,
        "forbidden",
      );
    }
    const mine = (await rep.get("/api/v1/quotas?year=2026&subjectType=user")).json().data;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((q: { subjectId: string }) => q.subjectId === rep.userId)).toBe(true);
    expect((await otherRep.get("/api/v1/quotas?year=2026&subjectType=user")).json().data).toEqual([]);
    expect((await readOnly.get("/api/v1/quotas?year=2026")).json().data).toEqual([]);
  });

  it("rejects bad input naming the field", async () => {
    const cases: [unknown, string][] = [
      [{ quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-13", amount: 1 }] }, "quotas.0.period"],
      [{ quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-Q5", amount: 1 }] }, "quotas.0.period"],
      [{ quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-Q1", amount: -5 }] }, "quotas.0.amount"],
      [{ quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-Q1", amount: "12.345" }] }, "quotas.0.amount"],
      [{ quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-Q1", amount: 1, currency: "EURO" }] }, "quotas.0.currency"],
      [{ quotas: [{ subjectType: "group", subjectId: rep.userId, period: "2026-Q1", amount: 1 }] }, "quotas.0.subjectType"],
      [{ quotas: [{ subjectType: "user", subjectId: "nope", period: "2026-Q1", amount: 1 }] }, "quotas.0.subjectId"],
      [{ quotas: [] }, "quotas"],
      [
        {
          quotas: [
            { subjectType: "user", subjectId: rep.userId, period: "2026-Q1", amount: 1 },
            { subjectType: "user", subjectId: rep.userId, period: "2026-q1", amount: 2 },
          ],
        },
        "quotas.1",
      ],
      [{ quotas: [{ subjectType: "user", subjectId: "018f0000-0000-7000-8000-000000000000", period: "2026-Q1", amount: 1 }] }, "quotas.0.subjectId"],
    ];
    for (const [body, path] of cases) {
      const problem = expectProblem(await admin.call("PUT", "/api/v1/quotas", body), 400);
      expect(
        (problem.errors as { path: string }[]).map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expectProblem(await admin.get("/api/v1/quotas"), 400);
    expectProblem(await admin.get("/api/v1/quotas?year=twenty"), 400);
    expectProblem(await admin.get("/api/v1/quotas?year=2026&cursor=garbage"), 400);
  });

  it("keeps workspaces apart", async () => {
    const other = await newWorkspace(t.app);
    expect((await other.get("/api/v1/quotas?year=2026")).json().data).toEqual([]);
    // Another workspace's user is no subject here.
    expectProblem(await other.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "user", subjectId: rep.userId, period: "2026-Q4", amount: 1 }] }), 400);
    expectProblem(await other.call("PUT", "/api/v1/quotas", { quotas: [{ subjectType: "team", subjectId: teamId, period: "2026-Q4", amount: 1 }] }), 400);
  });
});
