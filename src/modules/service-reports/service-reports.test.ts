import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceDashboard } from "../../contract/service-reports.js";
import type { TicketChannel, TicketPriority } from "../../contract/tickets.js";
import { newId } from "../../core/ids.js";
import { type Db, queryRows } from "../../db/client.js";
import { type Client, createTestApp, databaseKinds, expectProblem, newWorkspace, type TestApp, userWithRole } from "../../test/harness.js";
import { slaAttainment } from "../tickets/dashboard-queries.js";
import { ticketQueues, tickets } from "../tickets/table.js";

/** What the test inserted, kept to compute every expected figure independently of the SQL. */
interface Seed {
  createdAt: Date;
  firstResponseAt: Date | null;
  solvedAt: Date | null;
  status: string;
  channel: TicketChannel;
  priority: TicketPriority;
  queueId: string | null;
  assigneeId: string | null;
  satisfaction: number | null;
  deleted: boolean;
}

/** PostgreSQL's percentile_cont: linear interpolation between the closest ranks. */
function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const pos = p * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}

/** A small deterministic generator, so a failure reproduces. */
function lcg(seed: number) {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

const H = 3_600_000;
// The workspace runs on Berlin time: November days start at 23:00 UTC the day before.
const TZ = "Europe/Berlin";
const from = new Date("2026-10-31T23:00:00Z");
const to = new Date("2026-11-30T23:00:00Z");
const inPeriod = (d: Date | null) => d !== null && d >= from && d < to;
const berlinDay = (d: Date) => new Date(d.getTime() + H).toISOString().slice(0, 10);

describe.each(databaseKinds)("service dashboard on %s", (kind) => {
  let t: TestApp;
  let admin: Client;
  let agentA: Client & { userId: string };
  let agentB: Client & { userId: string };
  let sales: Client & { userId: string };
  let readOnly: Client & { userId: string };
  let billing: string;
  let tech: string;
  let ws: string;
  const seeds: Seed[] = [];

  async function insert(db: Db, workspaceId: string, list: Seed[]) {
    for (const [i, s] of list.entries()) {
      await db.insert(tickets).values({
        workspaceId,
        id: newId(),
        number: i + 1,
        subject: `Ticket ${i + 1}`,
        status: s.status,
        priority: s.priority,
        channel: s.channel,
        queueId: s.queueId,
        assigneeId: s.assigneeId,
        satisfaction: s.satisfaction,
        firstResponseAt: s.firstResponseAt,
        solvedAt: s.solvedAt,
        createdAt: s.createdAt,
        updatedAt: s.createdAt,
        deletedAt: s.deleted ? new Date() : null,
      });
    }
  }

  beforeAll(async () => {
    t = await createTestApp(kind);
    admin = await newWorkspace(t.app);
    expect((await admin.patch("/api/v1/workspace", { timeZone: TZ })).statusCode).toBe(200);
    ws = admin.session.me?.workspace.id as string;
    agentA = await userWithRole(t.app, admin, "support");
    agentB = await userWithRole(t.app, admin, "support");
    sales = await userWithRole(t.app, admin, "sales");
    readOnly = await userWithRole(t.app, admin, "read_only");
    const db = t.database.db;
    billing = newId();
    tech = newId();
    await db.insert(ticketQueues).values([
      { workspaceId: ws, id: billing, name: "Billing" },
      { workspaceId: ws, id: tech, name: "Technical" },
    ]);
    const rnd = lcg(19);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    const channels: TicketChannel[] = ["email", "web", "phone", "chat"];
    const priorities: TicketPriority[] = ["low", "normal", "high", "urgent"];
    for (let i = 0; i < 90; i++) {
      // From mid-October to mid-December: some before, most inside, some after the period.
      const createdAt = new Date(Date.parse("2026-10-15T00:00:00Z") + Math.floor(rnd() * 60 * 24) * H + Math.floor(rnd() * 3600) * 1000);
      const answered = rnd() < 0.8;
      const firstResponseAt = answered ? new Date(createdAt.getTime() + Math.floor(rnd() * 48 * 3600) * 1000) : null;
      const solved = answered && rnd() < 0.6;
      const solvedAt = solved ? new Date(createdAt.getTime() + Math.floor(rnd() * 20 * 24 * 3600) * 1000) : null;
      const status = solved ? pick(["solved", "closed"]) : pick(["new", "open", "pending_customer", "pending_third_party"]);
      seeds.push({
        createdAt,
        firstResponseAt,
        solvedAt,
        status,
        channel: pick(channels),
        priority: pick(priorities),
        queueId: pick([billing, tech, null]),
        assigneeId: pick([agentA.userId, agentB.userId, null]),
        satisfaction: solved && rnd() < 0.7 ? 1 + Math.floor(rnd() * 5) : null,
        deleted: rnd() < 0.05,
      });
    }
    await insert(db, ws, seeds);
    // Another workspace's tickets, all inside the period: none may count.
    const other = await newWorkspace(t.app);
    await insert(
      db,
      other.session.me?.workspace.id as string,
      seeds.slice(0, 20).map((s) => ({ ...s, createdAt: new Date("2026-11-10T10:00:00Z"), queueId: null, assigneeId: null, deleted: false })),
    );
  });
  afterAll(() => t.close());

  const live = () => seeds.filter((s) => !s.deleted);
  const secs = (a: Date, b: Date) => (b.getTime() - a.getTime()) / 1000;
  const round = (v: number | null) => (v === null ? null : Math.round(v));

  function expected(list: Seed[]) {
    const created = list.filter((s) => inPeriod(s.createdAt));
    const solved = list.filter((s) => inPeriod(s.solvedAt));
    const frt = created.flatMap((s) => (s.firstResponseAt ? [secs(s.createdAt, s.firstResponseAt)] : []));
    const res = solved.map((s) => secs(s.createdAt, s.solvedAt as Date));
    const ratings = created.flatMap((s) => (s.satisfaction ? [s.satisfaction] : []));
    return {
      created: created.length,
      solved: solved.length,
      awaitingFirstResponse: created.filter((s) => !s.firstResponseAt).length,
      firstResponse: { count: frt.length, medianSeconds: round(percentile(frt, 0.5)), p90Seconds: round(percentile(frt, 0.9)) },
      resolution: { count: res.length, medianSeconds: round(percentile(res, 0.5)), p90Seconds: round(percentile(res, 0.9)) },
      csat: {
        count: ratings.length,
        average: ratings.length ? Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100 : null,
        distribution: [1, 2, 3, 4, 5].map((rating) => ({ rating, count: ratings.filter((r) => r === rating).length })),
      },
    };
  }

  const get = async (c: Client, query: string) => {
    const res = await c.get(`/api/v1/service/dashboard?${query}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as ServiceDashboard;
  };

  it("computes the period's counts, percentiles and CSAT as the rows say, in the workspace's days", async () => {
    const d = await get(admin, "period=custom&from=2026-11-01&to=2026-11-30");
    expect(d.period).toEqual({ from: "2026-11-01", to: "2026-11-30", timeZone: TZ });
    const e = expected(live());
    expect(e.created).toBeGreaterThan(20);
    expect(e.solved).toBeGreaterThan(5);
    expect({ created: d.created, solved: d.solved, awaitingFirstResponse: d.awaitingFirstResponse }).toEqual({
      created: e.created,
      solved: e.solved,
      awaitingFirstResponse: e.awaitingFirstResponse,
    });
    expect(d.firstResponse).toEqual(e.firstResponse);
    expect(d.resolution).toEqual(e.resolution);
    expect(d.csat).toEqual(e.csat);

    const created = live().filter((s) => inPeriod(s.createdAt));
    for (const c of d.byChannel) expect(c.count).toBe(created.filter((s) => s.channel === c.channel).length);
    expect(d.byChannel.reduce((n, c) => n + c.count, 0)).toBe(e.created);
    expect(d.byChannel.find((c) => c.channel === "web")?.label).toBe("Web form");
    for (const p of d.byPriority) expect(p.count).toBe(created.filter((s) => s.priority === p.priority).length);
    for (const s of d.byStatus) expect(s.count).toBe(created.filter((x) => x.status === s.status).length);
    expect(d.byStatus.find((s) => s.status === "pending_customer")?.label).toBe("Pending customer");

    // Per day in Berlin time: a ticket created at 23:30 UTC on 14 November is a 15 November ticket.
    expect(d.daily).toHaveLength(30);
    for (const day of d.daily) {
      expect(day.created, day.date).toBe(created.filter((s) => berlinDay(s.createdAt) === day.date).length);
      expect(day.solved, day.date).toBe(live().filter((s) => inPeriod(s.solvedAt) && berlinDay(s.solvedAt as Date) === day.date).length);
      expect(Object.values(day.byChannel).reduce((a, b) => a + b, 0)).toBe(day.created);
    }
    // No SLA clocks here: null while the SLA module's table is absent, no metrics once it is there (after merging svc-sla).
    expect(d.sla?.metrics ?? []).toEqual([]);
  });

  it("splits the figures per agent and per queue, with names", async () => {
    const d = await get(admin, "period=custom&from=2026-11-01&to=2026-11-30");
    const cases: [string | null, string, (s: Seed) => boolean][] = [
      [agentA.userId, "agents", (s) => s.assigneeId === agentA.userId],
      [null, "agents", (s) => s.assigneeId === null],
      [tech, "queues", (s) => s.queueId === tech],
      [null, "queues", (s) => s.queueId === null],
    ];
    for (const [id, list, match] of cases) {
      const row = (d[list as "agents" | "queues"] as ServiceDashboard["agents"]).find((r) => r.id === id);
      const e = expected(live().filter(match));
      expect(row, `${list} ${id}`).toBeDefined();
      expect({ created: row?.created, solved: row?.solved, fr: row?.firstResponse, res: row?.resolution, csat: row?.csat }).toEqual({
        created: e.created,
        solved: e.solved,
        fr: e.firstResponse,
        res: e.resolution,
        csat: e.csat,
      });
    }
    expect(d.queues.find((q) => q.id === tech)?.name).toBe("Technical");
    expect(d.queues.find((q) => q.id === null)?.name).toBe("No queue");
    expect(d.agents.find((a) => a.id === agentA.userId)?.name).toBe("support user");
    expect(d.agents.find((a) => a.id === null)?.name).toBe("Unassigned");
  });

  it("counts the backlog now by status label and queue, whatever the period", async () => {
    const d = await get(admin, "period=7d");
    const open = live().filter((s) => !["solved", "closed"].includes(s.status));
    expect(d.backlog.total).toBe(open.length);
    for (const s of d.backlog.byStatus) expect(s.count).toBe(open.filter((x) => x.status === s.status).length);
    expect(d.backlog.byStatus.reduce((n, s) => n + s.count, 0)).toBe(open.length);
    expect(d.backlog.byStatus.every((s) => s.label && s.category !== "solved" && s.category !== "closed")).toBe(true);
    expect(d.backlog.byQueue.find((q) => q.id === billing)).toEqual({ id: billing, name: "Billing", count: open.filter((s) => s.queueId === billing).length });
    expect(d.daily).toHaveLength(7);
  });

  it("applies the queue, agent, channel and priority filters", async () => {
    const q = "period=custom&from=2026-11-01&to=2026-11-30";
    const d1 = await get(admin, `${q}&queueId=${billing}&channel=email`);
    const e1 = expected(live().filter((s) => s.queueId === billing && s.channel === "email"));
    expect([d1.created, d1.solved, d1.firstResponse, d1.csat]).toEqual([e1.created, e1.solved, e1.firstResponse, e1.csat]);
    expect(d1.backlog.total).toBe(live().filter((s) => s.queueId === billing && s.channel === "email" && !["solved", "closed"].includes(s.status)).length);
    const d2 = await get(agentB, `${q}&assigneeId=me&priority=high`);
    const e2 = expected(live().filter((s) => s.assigneeId === agentB.userId && s.priority === "high"));
    expect([d2.created, d2.solved, d2.resolution]).toEqual([e2.created, e2.solved, e2.resolution]);
    const d3 = await get(admin, `${q}&assigneeId=none&queueId=none`);
    expect(d3.created).toBe(expected(live().filter((s) => s.assigneeId === null && s.queueId === null)).created);
  });

  it("lets support and admins in, keeps sales and read-only out, and explains bad periods", async () => {
    expect((await agentA.get("/api/v1/service/dashboard")).statusCode).toBe(200);
    expectProblem(await sales.get("/api/v1/service/dashboard"), 403, "forbidden");
    expectProblem(await readOnly.get("/api/v1/service/dashboard"), 403, "forbidden");
    const bad = expectProblem(await admin.get("/api/v1/service/dashboard?period=custom&from=2026-11-05"), 400);
    expect(JSON.stringify(bad.errors)).toContain("last day");
    expectProblem(await admin.get("/api/v1/service/dashboard?period=custom&from=2026-11-05&to=2026-11-01"), 400);
    expectProblem(await admin.get("/api/v1/service/dashboard?channel=pigeon"), 400);
  });

  it("counts SLA clocks met in time, met late and overdue, and leaves running ones out", async () => {
    // The SLA module's ticket_sla_clocks is on its own branch: the query runs here against a table with its columns.
    const table = `dash_sla_clocks_${kind}`;
    const db = t.database.db;
    await db.execute(sql.raw(`drop table if exists ${table}`));
    await db.execute(
      sql.raw(`create table ${table} (workspace_id uuid not null, ticket_id uuid not null, metric text not null,
        due_at timestamptz, met_at timestamptz, breached_at timestamptz, primary key (workspace_id, ticket_id, metric))`),
    );
    const rows = await queryRows<{ id: string; created_at: string | Date; deleted_at: string | Date | null }>(
      db,
      sql`select id, created_at, deleted_at from tickets where workspace_id = ${ws}::uuid order by number`,
    );
    const expectedCounts: Record<string, { met: number; breached: number }> = {};
    for (const [i, r] of rows.entries()) {
      const metric = i % 8 < 4 ? "first_response" : "resolution";
      const due = new Date(new Date(r.created_at).getTime() + 4 * H);
      const state = i % 4;
      const clock =
        state === 0
          ? { due, met: new Date(due.getTime() - H), breached: null }
          : state === 1
            ? { due, met: new Date(due.getTime() + H), breached: due }
            : state === 2
              ? { due: new Date("2099-01-01T00:00:00Z"), met: null, breached: null }
              : { due, met: null, breached: null };
      await db.execute(
        sql`insert into ${sql.identifier(table)} (workspace_id, ticket_id, metric, due_at, met_at, breached_at)
            values (${ws}::uuid, ${r.id}::uuid, ${metric}, ${clock.due.toISOString()}::timestamptz,
                    ${clock.met?.toISOString() ?? null}::timestamptz, ${clock.breached?.toISOString() ?? null}::timestamptz)`,
      );
      if (r.deleted_at || !inPeriod(new Date(r.created_at)) || state === 2) continue;
      expectedCounts[metric] ??= { met: 0, breached: 0 };
      const e = expectedCounts[metric];
      if (state === 0) e.met++;
      else e.breached++;
    }
    const got = await slaAttainment(db, { workspaceId: ws, from, to, timeZone: TZ }, table);
    expect(Object.fromEntries((got ?? []).map((m) => [m.metric, { met: m.met, breached: m.breached }]))).toEqual(expectedCounts);
    expect(await slaAttainment(db, { workspaceId: ws, from, to, timeZone: TZ }, "no_such_clocks")).toBeNull();
    await db.execute(sql.raw(`drop table ${table}`));
  });

  it("shows an empty workspace as zeros and nulls, not errors", async () => {
    const fresh = await newWorkspace(t.app);
    const d = await get(fresh, "period=30d");
    expect(d.created).toBe(0);
    expect(d.firstResponse).toEqual({ count: 0, medianSeconds: null, p90Seconds: null });
    expect(d.csat.average).toBeNull();
    expect(d.backlog.total).toBe(0);
    expect(d.agents).toEqual([]);
    expect(d.daily).toHaveLength(30);
  });
});
