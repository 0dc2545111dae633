import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryRows } from "../../db/client.js";
import { type Client, createTestApp, newWorkspace, type TestApp } from "../../test/harness.js";
import { type EngineDeps, sweepRuns } from "./engine.js";

/**
 * A worker killed with SIGKILL in the middle of a run, right after a step committed and inside the next step's
 * transaction; a fresh worker finishes the run with every action done exactly once: one task each, one HTTP call,
 * one field update. PostgreSQL only: a second process cannot open an embedded (PGlite) database while the test
 * holds it, and the test holds a row lock from its own connection to stop the worker inside a step.
 */
const child = fileURLToPath(new URL("../../test/workflow-child.ts", import.meta.url));

function startWorker(): { proc: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, ["--import", "tsx", child], { env: process.env, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  proc.stdout?.on("data", (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean)));
  proc.stderr?.on("data", (d: Buffer) => lines.push(...d.toString().split("\n").filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, lines, exited };
}

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!process.env.TEST_DATABASE_URL)("a workflow worker killed mid-run (postgres, child processes)", () => {
  let t: TestApp;
  let admin: Client;
  let server: Server;
  const calls: string[] = [];
  let base = "";

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        calls.push(String(req.headers["idempotency-key"]));
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // No worker in this process: the child processes do the work.
    t = await createTestApp("postgres");
    admin = await newWorkspace(t.app);
    expect((await admin.patch("/api/v1/webhooks/settings", { allowPrivateTargets: true })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it("finishes the run after a SIGKILL with each action exactly once", async () => {
    const me = admin.session.me?.user.id as string;
    const definition = {
      trigger: { type: "record_created", object: "contact", filter: { all: [{ field: "lastName", op: "eq", value: "Crash" }] } },
      start: "first",
      steps: [
        {
          id: "first",
          type: "create_task",
          config: { title: "First for {{ record.firstName }}", assignee: { kind: "user", userId: me } },
          next: { next: "call" },
        },
        { id: "call", type: "http_request", config: { url: `${base}/crash`, body: '{"id":"{{ record.id }}"}' }, next: { next: "touch" } },
        {
          id: "touch",
          type: "update_fields",
          config: { updates: [{ field: "jobTitle", value: { kind: "constant", value: "Touched" } }] },
          next: { next: "second" },
        },
        {
          id: "second",
          type: "create_task",
          config: { title: "Second for {{ record.firstName }}", assignee: { kind: "user", userId: me } },
          next: { next: null },
        },
      ],
    };
    const wf = (await admin.post("/api/v1/workflows", { name: "Crash", definition })).json();
    expect((await admin.post(`/api/v1/workflows/${wf.id}/publish`)).statusCode).toBe(200);

    const first = startWorker();
    await waitFor(() => first.lines.includes("working"), 60_000, "the first worker");
    const contact = (await admin.post("/api/v1/contacts", { firstName: "Kill", lastName: "Crash" })).json();

    // The test's own connection locks the contact's row: the worker's "touch" step blocks inside its transaction,
    // after "first" and "call" committed.
    const locker = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await locker.connect();
    await locker.query("begin");
    await locker.query("select id from contacts where id = $1 for update", [contact.id]);
    const run = async () =>
      (
        await queryRows<{ id: string; state: string; current_step_id: string | null }>(
          t.database.db,
          sql`select id, state, current_step_id from workflow_runs where workflow_id = ${wf.id}`,
        )
      )[0];
    await waitFor(async () => (await run())?.current_step_id === "touch" && calls.length === 1, 120_000, "the run to reach the blocked step");
    // Give the worker time to be inside the step's transaction, waiting on the lock.
    await waitFor(
      async () =>
        (
          await queryRows<{ n: number }>(
            t.database.db,
            sql`select count(*)::int as n from pg_locks l join pg_stat_activity a on a.pid = l.pid where not l.granted and a.application_name not like 'rapport jobs%'`,
          )
        )[0]?.n !== 0,
      30_000,
      "the worker to wait on the row lock",
    );
    first.proc.kill("SIGKILL");
    expect(await first.exited).toBeNull();
    await locker.query("rollback");
    await locker.end();
    expect((await run())?.state).toBe("running");

    // A new worker; the sweep (as if five minutes passed) hands it the run whose worker died.
    const second = startWorker();
    await waitFor(() => second.lines.includes("working"), 60_000, "the second worker");
    const jobs = t.app.jobs as unknown as { send(name: string, data: object, o?: object): Promise<unknown> };
    const later: EngineDeps = {
      enqueue: async (tx, job, o) => void (await jobs.send("workflows.run", job, { tx, startAfter: o?.startAfter })),
      mail: { from: "rapport@example.com", enqueue: async () => undefined },
      now: () => new Date(Date.now() + 6 * 60_000),
    };
    await sweepRuns(t.database.db, later);
    await waitFor(async () => (await run())?.state === "done", 120_000, "the run to finish");
    second.proc.kill("SIGTERM");
    await second.exited;

    const tasks = (await admin.get("/api/v1/tasks?limit=200&assignee=all")).json().data as { title: string }[];
    expect(tasks.filter((x) => x.title === "First for Kill")).toHaveLength(1);
    expect(tasks.filter((x) => x.title === "Second for Kill")).toHaveLength(1);
    expect(calls).toHaveLength(1);
    expect((await admin.get(`/api/v1/contacts/${contact.id}`)).json().jobTitle).toBe("Touched");
    const detail = (await admin.get(`/api/v1/workflows/runs/${(await run())?.id}`)).json();
    expect(detail.steps.map((s: { stepId: string; state: string; attempt: number }) => `${s.stepId}:${s.state}:${s.attempt}`)).toEqual([
      "first:done:1",
      "call:done:1",
      "touch:done:1",
      "second:done:1",
    ]);
  });
});
