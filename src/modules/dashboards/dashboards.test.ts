import { and, eq, isNotNull } from "drizzle-orm";
import { TestClock } from "pg-boss";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dashboard, DashboardSummary, WidgetResult } from "../../contract/dashboards.js";
import type { Report, ReportDefinitionInput } from "../../contract/reports.js";
import { newId } from "../../core/ids.js";
import type { Db } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { activities } from "../activities/table.js";
import { deals, pipelineStages, pipelines } from "../deals/table.js";
import { reports as reportsTable } from "../reports/table.js";
import { readyMadeDashboards } from "./ready-made.js";

/** Deals and activities whose figures below are counted by hand. The clock stands at 2026-04-15 (UTC workspace). */
interface Seed {
  status: "open" | "won" | "lost";
  amount: string;
  owner: "r1" | "r2";
  pipeline: "a" | "b";
  createdAt: string;
  closedAt?: string;
}
const seeds: Seed[] = [
  { status: "won", amount: "1000", owner: "r1", pipeline: "a", createdAt: "2026-01-01T00:00:00Z", closedAt: "2026-01-11T00:00:00Z" },
  { status: "won", amount: "3000", owner: "r2", pipeline: "a", createdAt: "2026-03-01T00:00:00Z", closedAt: "2026-04-02T00:00:00Z" },
  { status: "won", amount: "500", owner: "r1", pipeline: "b", createdAt: "2026-04-01T00:00:00Z", closedAt: "2026-04-05T00:00:00Z" },
  { status: "lost", amount: "700", owner: "r2", pipeline: "a", createdAt: "2026-02-01T00:00:00Z", closedAt: "2026-04-03T00:00:00Z" },
  { status: "open", amount: "9000", owner: "r1", pipeline: "a", createdAt: "2026-04-10T00:00:00Z" },
];

const wonValue: ReportDefinitionInput = {
  object: "deal",
  filter: { field: "status", op: "eq", value: "won" },
  groupBy: [{ field: "ownerId" }],
  measures: [{ fn: "sum", field: "amount" }],
  visualization: "bar",
};
const callsDef: ReportDefinitionInput = { object: "activity", measures: [{ fn: "count" }], visualization: "number" };

const total = (r: WidgetResult) => r.result.rows.reduce((n, row) => n + (row.values.at(-1) ?? 0), 0);

describe.each(databaseKinds)("dashboards on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let r1: Client & { userId: string };
  let r2: Client & { userId: string };
  let pipelineB: string;
  let teamId: string;
  let wonReport: Report;
  let activityReport: Report;

  beforeAll(async () => {
    const clock = new TestClock(Date.parse("2026-04-15T12:00:00Z"));
    t = await createTestApp(kind, { jobs: { worker: false, clock } });
    admin = await newWorkspace(t.app);
    const ws = admin.session.me?.workspace.id as string;
    r1 = await userWithRole(t.app, admin, "sales");
    r2 = await userWithRole(t.app, admin, "sales");
    teamId = (await admin.post("/api/v1/teams", { name: "North", memberIds: [r2.userId] })).json().id;
    const db: Db = t.database.db;
    const ids: Record<string, string> = { a: newId(), b: newId() };
    pipelineB = ids.b as string;
    const stage: Record<string, Record<string, string>> = {};
    for (const [i, p] of (["a", "b"] as const).entries()) {
      await db.insert(pipelines).values({ workspaceId: ws, id: ids[p] as string, name: `Pipeline ${p}`, isDefault: i === 0, position: i });
      stage[p] = {};
      for (const [j, type] of (["open", "won", "lost"] as const).entries()) {
        const id = newId();
        (stage[p] as Record<string, string>)[type] = id;
        await db.insert(pipelineStages).values({ workspaceId: ws, id, pipelineId: ids[p] as string, name: type, position: j, probability: 10, type });
      }
    }
    const owners = { r1: r1.userId, r2: r2.userId };
    for (const [i, s] of seeds.entries()) {
      await db.insert(deals).values({
        workspaceId: ws,
        id: newId(),
        name: `Deal ${i}`,
        pipelineId: ids[s.pipeline] as string,
        stageId: stage[s.pipeline]?.[s.status] as string,
        status: s.status,
        amount: s.amount,
        currency: "USD",
        ownerId: owners[s.owner],
        createdAt: new Date(s.createdAt),
        closedAt: s.closedAt ? new Date(s.closedAt) : null,
      });
    }
    await db.insert(activities).values([
      { workspaceId: ws, id: newId(), type: "call", subject: "Call", occurredAt: new Date("2026-04-14T10:00:00Z"), authorId: r2.userId },
      { workspaceId: ws, id: newId(), type: "call", subject: "Call", occurredAt: new Date("2026-01-14T10:00:00Z"), authorId: r1.userId },
    ]);
    wonReport = (await admin.post("/api/v1/reports", { name: "Won by owner", definition: wonValue, visibility: "workspace" })).json();
    activityReport = (await admin.post("/api/v1/reports", { name: "Activities", definition: callsDef, visibility: "workspace" })).json();
  });
  afterAll(() => t.close());

  const runWidget = async (c: Client, id: string, widgetId: string, filters: Record<string, unknown> = {}) => {
    const res = await c.post(`/api/v1/dashboards/${id}/widgets/${widgetId}/run`, { filters });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as WidgetResult;
  };

  it("installs the ready-made dashboards once, whoever lists first and however often", async () => {
    const [a, b] = await Promise.all([admin.get("/api/v1/dashboards"), r1.get("/api/v1/dashboards")]);
    expect(a.statusCode, a.body).toBe(200);
    expect(b.statusCode, b.body).toBe(200);
    const again = (await admin.get("/api/v1/dashboards")).json().data as DashboardSummary[];
    const readyMade = again.filter((d) => d.readyMade);
    expect(readyMade.map((d) => d.readyMade).sort()).toEqual(readyMadeDashboards.map((d) => d.key).sort());
    expect(readyMade.every((d) => !d.mayEdit && d.visibility === "workspace")).toBe(true);
    const widgetCount = readyMadeDashboards.reduce((n, d) => n + d.widgets.length, 0);
    // Ready-made reports: one per widget, not repeated by the second lister. They stay off the Reports list, which
    // holds the two this test saved.
    const ws = admin.session.me?.workspace.id as string;
    const installed = await t.database.db
      .select({ id: reportsTable.id })
      .from(reportsTable)
      .where(and(eq(reportsTable.workspaceId, ws), isNotNull(reportsTable.readyMade)));
    expect(installed.length).toBe(widgetCount);
    const reports = (await admin.get("/api/v1/reports")).json().data as Report[];
    expect(reports.map((r) => r.name).sort()).toEqual(["Activities", "Won by owner"]);
  });

  it("runs every ready-made widget, and the sales figures are the seeds'", async () => {
    const list = (await admin.get("/api/v1/dashboards")).json().data as DashboardSummary[];
    for (const summary of list.filter((d) => d.readyMade)) {
      const d = (await admin.get(`/api/v1/dashboards/${summary.id}`)).json() as Dashboard;
      for (const w of d.widgets) if (w.kind === "report") await runWidget(admin, d.id, w.id);
    }
    const sales = (await admin.get(`/api/v1/dashboards/${list.find((d) => d.readyMade === "sales")?.id}`)).json() as Dashboard;
    const avg = await runWidget(admin, sales.id, "average_deal_size");
    expect(avg.result.rows[0]?.values.at(-1)).toBe(1500);
    // Sales cycle: won deals took 10, 32 and 4 days from creation to close.
    const cycle = await runWidget(admin, sales.id, "sales_cycle_length");
    expect(cycle.result.rows[0]?.values[0]).toBeCloseTo((10 + 32 + 4) / 3, 5);
    const winRate = await runWidget(admin, sales.id, "win_rate_by_owner");
    expect(Object.fromEntries(winRate.result.rows.map((r) => [r.keys[0], r.values[0]]))).toEqual({ [r1.userId]: 100, [r2.userId]: 50 });
    // Ready-made: not changed in place.
    expectProblem(await admin.patch(`/api/v1/dashboards/${sales.id}`, { name: "Mine" }), 403, "forbidden");
    const report = sales.widgets.find((w) => w.kind === "report");
    expectProblem(await admin.patch(`/api/v1/reports/${report?.kind === "report" ? report.reportId : ""}`, { name: "Mine" }), 403, "forbidden");
  });

  it("makes, lays out, shares and deletes a dashboard; refuses bad widgets with their path", async () => {
    const res = await r1.post("/api/v1/dashboards", {
      name: "My board",
      widgets: [
        { id: "won", kind: "report", reportId: wonReport.id, layout: { x: 0, y: 0, w: 6, h: 8 } },
        { id: "note", kind: "note", text: "# Focus\n<script>alert(1)</script>**Close** Q2 & <b>win</b>", layout: { x: 6, y: 0, w: 6, h: 4 } },
      ],
    });
    expect(res.statusCode, res.body).toBe(201);
    const d = res.json() as Dashboard;
    const note = d.widgets.find((w) => w.kind === "note");
    expect(note?.kind === "note" && note.text).toBe("# Focus\n**Close** Q2 & win");
    // Private: not there for another sales user, until shared with the workspace.
    expectProblem(await r2.get(`/api/v1/dashboards/${d.id}`), 404, "not_found");
    expect(((await r2.get("/api/v1/dashboards")).json().data as DashboardSummary[]).some((x) => x.id === d.id)).toBe(false);
    const moved = await r1.patch(`/api/v1/dashboards/${d.id}`, {
      visibility: "workspace",
      widgets: [{ ...d.widgets[0], layout: { x: 0, y: 0, w: 12, h: 10 } }, d.widgets[1]].map((w) => {
        const { report, applies, dateLabel, ...input } = w as Record<string, unknown>;
        return input;
      }),
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect((moved.json() as Dashboard).widgets[0]?.layout).toEqual({ x: 0, y: 0, w: 12, h: 10 });
    expect((await r2.get(`/api/v1/dashboards/${d.id}`)).statusCode).toBe(200);
    expectProblem(await r2.patch(`/api/v1/dashboards/${d.id}`, { name: "Taken" }), 403, "forbidden");

    const bad = expectProblem(
      await r1.patch(`/api/v1/dashboards/${d.id}`, {
        widgets: [
          { id: "a", kind: "report", reportId: newId(), layout: { x: 0, y: 0, w: 6, h: 8 } },
          { id: "b", kind: "report", reportId: wonReport.id, dateField: "amount", layout: { x: 0, y: 0, w: 6, h: 8 } },
        ],
      }),
      400,
      "validation_failed",
    );
    expect((bad.errors as { path: string }[]).map((e) => e.path)).toEqual(["widgets.0.reportId", "widgets.1.dateField"]);
    expectProblem(await r1.patch(`/api/v1/dashboards/${d.id}`, { widgets: [{ id: "x", kind: "chart", layout: { x: 0, y: 0, w: 1, h: 1 } }] }), 400);

    const added = await r1.post(`/api/v1/dashboards/${d.id}/widgets`, { reportId: activityReport.id });
    expect(added.statusCode, added.body).toBe(200);
    const last = (added.json() as Dashboard).widgets.at(-1);
    expect(last?.layout.y).toBe(10);

    expect((await r1.del(`/api/v1/dashboards/${d.id}`)).statusCode).toBe(204);
    expectProblem(await r1.get(`/api/v1/dashboards/${d.id}`), 404);
  });

  it("applies the dashboard's filters only to the widgets whose object has those fields", async () => {
    const d = (
      await admin.post("/api/v1/dashboards", {
        name: "Filters",
        widgets: [
          { id: "won", kind: "report", reportId: wonReport.id, dateField: "closedAt", layout: { x: 0, y: 0, w: 6, h: 8 } },
          { id: "acts", kind: "report", reportId: activityReport.id, layout: { x: 6, y: 0, w: 6, h: 8 } },
        ],
      })
    ).json() as Dashboard;
    const [won, acts] = d.widgets;
    expect(won?.kind === "report" && won.applies).toEqual({ period: true, owner: true, team: true, pipeline: true });
    expect(acts?.kind === "report" && acts.applies).toEqual({ period: true, owner: true, team: true, pipeline: false });
    expect(acts?.kind === "report" && acts.dateLabel).toBe("When");

    expect(total(await runWidget(admin, d.id, "won"))).toBe(4500);
    // This quarter (April 2026) by close date: 3000 + 500.
    const quarter = await runWidget(admin, d.id, "won", { period: "thisQuarter" });
    expect(total(quarter)).toBe(3500);
    expect(quarter.applied).toEqual(["This quarter"]);
    // A pipeline filter narrows deals, and leaves activities as they are (they have no pipeline).
    const inB = await runWidget(admin, d.id, "won", { pipelineId: pipelineB });
    expect(total(inB)).toBe(500);
    const actsInB = await runWidget(admin, d.id, "acts", { pipelineId: pipelineB });
    expect(total(actsInB)).toBe(2);
    expect(actsInB.applied).toEqual([]);
    // Team North is r2: their won deals, their calls.
    expect(total(await runWidget(admin, d.id, "won", { teamId }))).toBe(3000);
    expect(total(await runWidget(admin, d.id, "acts", { teamId, period: "last7Days" }))).toBe(1);
    // Owner "me" for r1 (sales users see the workspace-shared dashboard).
    await admin.patch(`/api/v1/dashboards/${d.id}`, { visibility: "workspace" });
    expect(total(await runWidget(r1, d.id, "won", { ownerId: "me" }))).toBe(1500);
    expectProblem(await admin.post(`/api/v1/dashboards/${d.id}/widgets/won/run`, { filters: { period: "someday" } }), 400);
    expectProblem(await admin.post(`/api/v1/dashboards/${d.id}/widgets/nope/run`, { filters: {} }), 404);
  });

  it("never counts records the viewer may not read", async () => {
    const d = (
      await admin.post("/api/v1/dashboards", {
        name: "Shared",
        visibility: "workspace",
        widgets: [{ id: "won", kind: "report", reportId: wonReport.id, layout: { x: 0, y: 0, w: 6, h: 8 } }],
      })
    ).json() as Dashboard;
    const roles = (await admin.get("/api/v1/roles")).json().data as { id: string; key: string; permissions: Record<string, unknown> }[];
    const sales = roles.find((r) => r.key === "sales") as (typeof roles)[number];
    const own = { read: "own", create: true, edit: "own", delete: "own" } as const;
    expect((await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: { ...sales.permissions, deal: own } })).statusCode).toBe(200);
    try {
      const mine = await runWidget(r1, d.id, "won");
      expect(mine.result.rows.map((r) => r.keys[0])).toEqual([r1.userId]);
      expect(total(mine)).toBe(1500);
      expect(total(await runWidget(admin, d.id, "won"))).toBe(4500);
    } finally {
      await admin.patch(`/api/v1/roles/${sales.id}`, { permissions: sales.permissions });
    }
  });

  it("duplicates a ready-made dashboard into a private copy whose reports can be adapted", async () => {
    const list = (await r1.get("/api/v1/dashboards")).json().data as DashboardSummary[];
    const leads = list.find((d) => d.readyMade === "leads") as DashboardSummary;
    const res = await r1.post(`/api/v1/dashboards/${leads.id}/duplicate`, {});
    expect(res.statusCode, res.body).toBe(201);
    const copy = res.json() as Dashboard;
    expect(copy).toMatchObject({ name: "Leads (copy)", visibility: "private", readyMade: null, mayEdit: true, ownerId: r1.userId });
    expect(copy.widgets.length).toBe(readyMadeDashboards.find((d) => d.key === "leads")?.widgets.length);
    for (const w of copy.widgets) expect(w.kind === "report" && w.report?.mayEdit).toBe(true);
    const w = copy.widgets[0];
    const patched = await r1.patch(`/api/v1/reports/${w?.kind === "report" ? w.reportId : ""}`, { name: "My leads by source" });
    expect(patched.statusCode, patched.body).toBe(200);
  });

  it("keeps each user's home dashboard, only one they may open", async () => {
    expect((await r1.get("/api/v1/dashboards/home")).json()).toEqual({ dashboardId: null });
    const list = (await r1.get("/api/v1/dashboards")).json().data as DashboardSummary[];
    const sales = list.find((d) => d.readyMade === "sales") as DashboardSummary;
    expect((await r1.call("PUT", "/api/v1/dashboards/home", { dashboardId: sales.id })).json()).toEqual({ dashboardId: sales.id });
    expect((await r1.get("/api/v1/dashboards/home")).json()).toEqual({ dashboardId: sales.id });
    expect((await r2.get("/api/v1/dashboards/home")).json()).toEqual({ dashboardId: null });
    const secret = (await admin.post("/api/v1/dashboards", { name: "Admin only" })).json() as Dashboard;
    expectProblem(await r1.call("PUT", "/api/v1/dashboards/home", { dashboardId: secret.id }), 404);
    expect((await r1.call("PUT", "/api/v1/dashboards/home", { dashboardId: null })).json()).toEqual({ dashboardId: null });
  });
});
