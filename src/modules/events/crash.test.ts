import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { type JobSystem, startJobSystem } from "../../jobs/system.js";
import { type Client, createTestApp, newWorkspace, type TestApp, unique } from "../../test/harness.js";
import { type Consumer, runConsumer, sequenceEvents } from "./service.js";

/**
 * Crash and scale proofs of the event stream and the job queue with real processes: a consumer killed with SIGKILL
 * mid-batch resumes without losing or repeating an effect; two worker processes share 10,000 jobs with each effect
 * exactly once. On PGlite (in-process, one connection) a crash is a handler that dies mid-batch.
 */
const child = fileURLToPath(new URL("../../test/backbone-child.ts", import.meta.url));

function start(args: string[]): { proc: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ["--import", "tsx", child, ...args], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let err = "";
  proc.stdout?.on("data", (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean)));
  proc.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    proc.on("exit", (code) => {
      if (code && code !== 0) console.error(`backbone child ${args[0]} exited ${code}: ${err}`);
      resolve(code);
    }),
  );
  return { proc, lines, exited };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Writes `n` contacts and tags them all: 2n events in the workspace, through the real API. */
async function writeEvents(admin: Client, n: number): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await admin.post("/api/v1/contacts", { firstName: `Crash ${i}` });
    expect(res.statusCode, res.body).toBe(201);
    ids.push(res.json().id);
  }
  expect((await admin.post("/api/v1/contacts/bulk", { ids, action: "tag", tag: "crash" })).statusCode).toBe(200);
}

/** Numbers the workspace's events (on a shared server other transactions may hold the sequencer back a moment). */
async function sequenceAll(t: TestApp, workspaceId: string): Promise<string[]> {
  await waitFor(
    async () => {
      await sequenceEvents(t.database.db);
      const [row] = await queryRows<{ n: number }>(
        t.database.db,
        sql`select count(*)::int as n from outbox_events where workspace_id = ${workspaceId} and position is null`,
      );
      return row?.n === 0;
    },
    30_000,
    "the events to be numbered",
  );
  const rows = await queryRows<{ id: string }>(t.database.db, sql`select id from outbox_events where workspace_id = ${workspaceId} order by position`);
  return rows.map((r) => r.id);
}

/** Effects per event id of one consumer: how many rows each event left. */
async function effects(t: TestApp, consumer: string): Promise<Map<string, number>> {
  const rows = await queryRows<{ event_id: string; n: number }>(
    t.database.db,
    sql`select event_id, count(*)::int as n from backbone_effects where consumer = ${consumer} group by event_id`,
  );
  return new Map(rows.map((r) => [r.event_id, r.n]));
}

const setup = async (t: TestApp) => {
  // No unique constraint: an effect applied twice shows as two rows instead of an error.
  await t.database.db.execute(sql`create table if not exists backbone_effects (consumer text not null, event_id uuid not null)`);
  await t.database.db.execute(sql`create table if not exists backbone_jobs (queue text not null, key int not null, pid int not null)`);
};

describe.skipIf(!process.env.TEST_DATABASE_URL)("crash and scale on postgres (child processes)", () => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp("postgres");
    admin = await newWorkspace(t.app);
    await setup(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("resumes a consumer killed with SIGKILL mid-batch, with every event's effect exactly once", async () => {
    const name = unique("crash");
    const ws = admin.session.me?.workspace.id as string;
    // The workspace's earlier events (its admin's user.created) are numbered first: on the shared server another
    // suite's worker may number them at any moment, so whether they fall after the cursor would be a race.
    const earlier = new Set(await sequenceAll(t, ws));
    // Registered before the events, so they are all its work.
    await t.database.db.execute(sql`insert into event_consumers (name, position) values (${name}, coalesce((select max(position) from outbox_events), 0))`);
    await writeEvents(admin, 30);
    const ids = (await sequenceAll(t, ws)).filter((id) => !earlier.has(id));
    // 30 created, 30 tagged.
    expect(ids).toHaveLength(60);

    const first = start(["consumer", name, ws, "25"]);
    await waitFor(() => first.lines.includes("slow"), 60_000, "the consumer to slow down mid-batch");
    // A few events of the slow batch are written in its open transaction when the process dies.
    await new Promise((r) => setTimeout(r, 500));
    first.proc.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    const before = await effects(t, name);
    // Batches before the slow one committed; the one it died in left nothing (on a shared server other
    // workspaces' events share the batches, so the count is bounded rather than exact).
    expect(before.size).toBeGreaterThan(0);
    expect(before.size).toBeLessThan(25);

    const second = start(["consumer", name, ws, "1000000"]);
    expect(await second.exited).toBe(0);
    expect(second.lines).toContain("caught up");
    const after = await effects(t, name);
    expect([...after.keys()].sort()).toEqual([...ids].sort());
    expect([...after.values()].every((n) => n === 1)).toBe(true);
  });

  it("shares 10,000 jobs between two worker processes, each job's effect exactly once", async () => {
    const queue = unique("test.backbone").replace(/[^a-zA-Z0-9._-]/g, "-");
    const spec = { label: "Backbone test", description: "One row per job", options: { retryLimit: 3, retryDelay: 1 }, concurrency: 2 };
    // An enqueue-only handle creates the queue; the workers attach to it.
    const producer: JobSystem = await startJobSystem({
      database: t.database,
      worker: false,
      builtInQueues: false,
      log: { info() {}, warn() {}, error() {} },
      extraQueues: { [queue]: { spec, handle: async () => undefined } },
    });
    try {
      const workers = [start(["worker", queue, "10000"]), start(["worker", queue, "10000"])];
      await waitFor(() => workers.every((w) => w.lines.includes("working")), 120_000, "both workers to start");
      const started = Date.now();
      for (let i = 0; i < 10_000; i += 1000)
        await producer.boss.insert(
          queue,
          Array.from({ length: 1000 }, (_, k) => ({ data: { key: i + k } })),
        );
      const codes = await Promise.all(workers.map((w) => w.exited));
      console.log(`10,000 jobs through two workers in ${Date.now() - started} ms`);
      expect(codes).toEqual([0, 0]);
      const [totals] = await queryRows<{ rows: number; keys: number }>(
        t.database.db,
        sql`select count(*)::int as rows, count(distinct key)::int as keys from backbone_jobs where queue = ${queue}`,
      );
      expect(totals).toEqual({ rows: 10_000, keys: 10_000 });
      const byPid = await queryRows<{ pid: number; n: number }>(
        t.database.db,
        sql`select pid, count(*)::int as n from backbone_jobs where queue = ${queue} group by pid`,
      );
      expect(byPid).toHaveLength(2);
      for (const w of byPid) expect(w.n).toBeGreaterThan(0);
      const states = await queryRows<{ state: string; n: number }>(
        t.database.db,
        sql`select state::text, count(*)::int as n from pgboss.job where name = ${queue} group by state`,
      );
      expect(states).toEqual([{ state: "completed", n: 10_000 }]);
    } finally {
      await producer.stop();
    }
  });
});

describe("a consumer that dies mid-batch on pglite", () => {
  let t: TestApp;
  let admin: Client;
  beforeAll(async () => {
    t = await createTestApp("pglite");
    admin = await newWorkspace(t.app);
    await setup(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("keeps none of the batch it died in, and applies each effect once when it runs again", async () => {
    const name = unique("dying");
    const ws = admin.session.me?.workspace.id as string;
    await t.database.db.execute(sql`insert into event_consumers (name, position) values (${name}, coalesce((select max(position) from outbox_events), 0))`);
    await writeEvents(admin, 15);
    const ids = await sequenceAll(t, ws);
    let handled = 0;
    let dieAt: number | null = 25;
    const consumer: Consumer = {
      name,
      batchSize: 20,
      async handle(tx, events) {
        for (const e of events) {
          await tx.execute(sql`insert into backbone_effects (consumer, event_id) values (${name}, ${e.id})`);
          // The process "dies" with effects of this batch already written in its transaction.
          if (++handled === dieAt) throw new Error("killed");
        }
      },
    };
    expect(await runConsumer(t.database.db, consumer)).toBe(20);
    await expect(runConsumer(t.database.db, consumer)).rejects.toThrow("killed");
    expect((await effects(t, name)).size).toBe(20);
    dieAt = null;
    while ((await runConsumer(t.database.db, consumer)) > 0);
    const after = await effects(t, name);
    expect([...after.keys()].sort()).toEqual([...ids].sort());
    expect([...after.values()].every((n) => n === 1)).toBe(true);
  });
});
