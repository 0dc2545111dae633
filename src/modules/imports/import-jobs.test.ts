/** Imports as pg-boss jobs: the upload in the database, the run on any worker, resumed without duplicates, announced once. */
import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Ctx } from "../../core/context.js";
import { type Database, queryRows } from "../../db/client.js";
import { type JobSystem, startJobSystem } from "../../jobs/system.js";
import { type Client, createTestApp, databaseKinds, newWorkspace, openTestDatabase, type TestApp } from "../../test/harness.js";
import { pruneFiles } from "./files.js";
import { type ImportRunData, runImportJob, startImport } from "./service.js";
import { importTesting } from "./testing.js";

const { uploadOk, runToEnd, waitForImport } = importTesting;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

function contactsCsv(n: number, prefix: string): string {
  const lines = ["First Name,Last Name,Email"];
  for (let i = 1; i <= n; i++) lines.push(`P${i},Person,${prefix}${i}@example.com`);
  return `${lines.join("\n")}\n`;
}

const workspaceOf = (c: Client) => (c.session.me as { workspace: { id: string } }).workspace.id;
const ctxOf = (database: Database, c: Client): Ctx => {
  const me = c.session.me as { user: { id: string }; workspace: { id: string } };
  return { db: database.db, workspaceId: me.workspace.id, actor: { kind: "user", userId: me.user.id, role: "admin" } };
};

async function importEvents(database: Database, workspaceId: string, importId: string) {
  return queryRows<{ type: string; payload: { record: Record<string, unknown> } }>(
    database.db,
    sql`select type, payload from outbox_events where workspace_id = ${workspaceId} and record_id = ${importId} order by created_at`,
  );
}
async function storedChunks(database: Database, workspaceId: string, importId: string): Promise<number> {
  const [r] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from import_files where workspace_id = ${workspaceId} and import_id = ${importId}`,
  );
  return r?.n ?? 0;
}
async function contactEmails(database: Database, workspaceId: string): Promise<string[]> {
  const rows = await queryRows<{ e: string }>(
    database.db,
    sql`select primary_email as e from contacts where workspace_id = ${workspaceId} and deleted_at is null`,
  );
  return rows.map((r) => r.e);
}

/** Every file and folder under the OS temp folder, two levels deep (where an upload used to land). */
function tmpEntries(): string[] {
  const out: string[] = [];
  for (const e of readdirSync(tmpdir(), { withFileTypes: true })) {
    out.push(e.name);
    if (e.isDirectory())
      try {
        for (const f of readdirSync(join(tmpdir(), e.name))) out.push(`${e.name}/${f}`);
      } catch {
        // Another user's folder.
      }
  }
  return out;
}

const options = (mapping: Record<string, string | null>) => ({
  mapping,
  onDuplicate: "skip" as const,
  dateFormat: "auto" as const,
  numberFormat: "auto" as const,
  createMissingCompanies: false,
  createMissingStages: false,
  activityType: "note" as const,
});

describe.each(databaseKinds)("import jobs on %s", (kind) => {
  describe("with a worker in the server", () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp(kind, importTesting.workerApp);
    });
    afterAll(() => t.close());

    it("keeps the upload in the database, never in the OS temp folder, and drops it when the import completes", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const a = await uploadOk(t, c, "contact", "people.csv", contactsCsv(30, `tmp-${kind}-`));
      expect(await storedChunks(t.database, ws, a.import.id)).toBe(1);
      const leaked = tmpEntries().filter((e) => e.includes(a.import.id) || e.includes(ws));
      expect(leaked).toEqual([]);
      expect(existsSync(join(tmpdir(), "rapport-imports", ws))).toBe(false);
      const job = await runToEnd(c, a.import.id, { mapping: a.suggestion.mapping });
      expect(job.counts).toMatchObject({ created: 30 });
      expect(await storedChunks(t.database, ws, a.import.id)).toBe(0);
      expect(tmpEntries().filter((e) => e.includes(a.import.id) || e.includes(ws))).toEqual([]);
    });

    it("runs as a job and publishes import.finished once, with its counts, object and file name", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const first = await uploadOk(t, c, "contact", "first.csv", contactsCsv(3, `fin-${kind}-`));
      await runToEnd(c, first.import.id, { mapping: first.suggestion.mapping });
      // Two rows already there (skipped), one new, one without a name or email (rejected).
      const again = `First Name,Last Name,Email\nP1,Person,fin-${kind}-1@example.com\nP2,Person,fin-${kind}-2@example.com\nNew,One,fin-${kind}-new@example.com\n,,\n,,not-an-email\n`;
      const b = await uploadOk(t, c, "contact", "second.csv", again);
      const job = await runToEnd(c, b.import.id, { mapping: b.suggestion.mapping, match: "email", onDuplicate: "skip" });
      const events = await importEvents(t.database, ws, b.import.id);
      expect(events.map((e) => e.type)).toEqual(["import.finished"]);
      expect(events[0]?.payload.record).toMatchObject({
        id: b.import.id,
        object: "contact",
        fileName: "second.csv",
        status: "completed",
        counts: { created: job.counts.created, updated: 0, unchanged: 0, skipped: job.counts.skipped, failed: job.counts.rejected },
      });
      expect(job.counts).toMatchObject({ created: 1, skipped: 2, rejected: 1 });
      // The catalogue documents both import events with their record's schema.
      const catalogue = (await c.get("/api/v1/events/catalogue")).json() as { data: { type: string; dataSchema: { properties?: Record<string, unknown> } }[] };
      for (const type of ["import.finished", "import.failed"]) {
        const entry = catalogue.data.find((e) => e.type === type);
        expect(JSON.stringify(entry?.dataSchema)).toContain('"fileName"');
      }
    });

    it("fails the import with import.failed when its file is gone, and keeps the error", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const a = await uploadOk(t, c, "contact", "gone.csv", contactsCsv(5, `gone-${kind}-`));
      let queued: ImportRunData | undefined;
      await startImport(ctxOf(t.database, c), a.import.id, options(a.suggestion.mapping), async (_tx, data) => {
        queued = data;
      });
      await t.database.db.execute(sql`delete from import_files where workspace_id = ${ws} and import_id = ${a.import.id}`);
      expect(await runImportJob(t.database.db, queued as ImportRunData, { final: false })).toEqual({ status: "failed" });
      const job = (await c.get(`/api/v1/imports/${a.import.id}`)).json();
      expect(job).toMatchObject({ status: "failed", canResume: true });
      expect(job.error).toMatch(/no longer kept/);
      expect((await importEvents(t.database, ws, a.import.id)).map((e) => e.type)).toEqual(["import.failed"]);
      // A rerun of the job (pg-boss retry, an admin's retry) leaves a failed import alone.
      expect(await runImportJob(t.database.db, queued as ImportRunData, { final: false })).toEqual({ status: "failed", lastRow: 0 });
    });

    it("prunes uploads nobody started for a week", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const a = await uploadOk(t, c, "contact", "old.csv", contactsCsv(2, `old-${kind}-`));
      const fresh = await uploadOk(t, c, "contact", "new.csv", contactsCsv(2, `new-${kind}-`));
      await t.database.db.execute(sql`update imports set created_at = now() - interval '8 days' where workspace_id = ${ws} and id = ${a.import.id}`);
      await t.database.db.execute(
        sql`update import_files set created_at = now() - interval '8 days' where workspace_id = ${ws} and import_id = ${a.import.id}`,
      );
      const pruned = await pruneFiles(t.database.db);
      expect(pruned.abandoned).toBeGreaterThanOrEqual(1);
      expect(await storedChunks(t.database, ws, a.import.id)).toBe(0);
      expect((await c.get(`/api/v1/imports/${a.import.id}`)).statusCode).toBe(404);
      expect(await storedChunks(t.database, ws, fresh.import.id)).toBe(1);
    });
  });

  describe("serve --no-worker, and a worker elsewhere", () => {
    let t: TestApp;
    let workerDb: Database | undefined;
    let worker: JobSystem | undefined;
    beforeAll(async () => {
      // The server only enqueues (serve --no-worker).
      t = await createTestApp(kind);
    });
    /** A worker with a connection of its own on PostgreSQL (another process, in production); on PGlite, its only one. */
    async function startWorker() {
      if (worker) return;
      workerDb = kind === "postgres" ? await openTestDatabase("postgres") : t.database;
      worker = await startJobSystem({ database: workerDb, worker: true, only: ["imports.run"], pollingIntervalSeconds: 0.5, log: quiet });
    }
    afterAll(async () => {
      await worker?.stop();
      if (workerDb && workerDb !== t.database) await workerDb.close();
      await t.close();
    });

    it("runs an import started on a server without a worker once a worker elsewhere is up", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const a = await uploadOk(t, c, "contact", "queued.csv", contactsCsv(40, `queued-${kind}-`));
      const res = await c.post(`/api/v1/imports/${a.import.id}/run`, options(a.suggestion.mapping));
      expect(res.statusCode, res.body).toBe(202);
      expect(res.json()).toMatchObject({ status: "running", lastRow: 0 });
      await startWorker();
      const done = await waitForImport(c, a.import.id, 60_000);
      expect(done).toMatchObject({ status: "completed", counts: { created: 40 } });
      expect((await contactEmails(t.database, ws)).length).toBe(40);
      expect((await importEvents(t.database, ws, a.import.id)).map((e) => e.type)).toEqual(["import.finished"]);
    });

    it("a run that crashes after a batch is resumed by its job on another worker, with no row written twice and import.finished once", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const a = await uploadOk(t, c, "contact", "big.csv", contactsCsv(2500, `crash-${kind}-`));
      let queued: ImportRunData | undefined;
      await startImport(ctxOf(t.database, c), a.import.id, options(a.suggestion.mapping), async (_tx, data) => {
        queued = data;
      });
      const data = queued as ImportRunData;
      // A first worker runs the job and dies right after its first batch commits (as a kill -9 would leave it).
      await expect(
        runImportJob(t.database.db, data, {
          final: false,
          afterBatch: () => {
            throw new Error("simulated crash");
          },
        }),
      ).rejects.toThrow("simulated crash");
      const crashed = (await c.get(`/api/v1/imports/${a.import.id}`)).json();
      expect(crashed).toMatchObject({ status: "running", lastRow: 1000, counts: { created: 1000 } });
      expect(await importEvents(t.database, ws, a.import.id)).toEqual([]);
      // Its job, retried (here: sent again, as pg-boss does after the heartbeat stops), is taken by a worker on another connection.
      await t.app.jobs?.send("imports.run", data, { singletonKey: data.importId });
      await startWorker();
      const done = await waitForImport(c, a.import.id, 120_000);
      expect(done).toMatchObject({ status: "completed", lastRow: 2500, counts: { created: 2500, rejected: 0, skipped: 0 } });
      const emails = await contactEmails(t.database, ws);
      expect(emails.length).toBe(2500);
      expect(new Set(emails).size).toBe(2500);
      expect((await importEvents(t.database, ws, a.import.id)).map((e) => e.type)).toEqual(["import.finished"]);
      // A rerun of the finished job changes nothing.
      expect(await runImportJob(t.database.db, data, { final: false })).toMatchObject({ status: "completed" });
      expect((await contactEmails(t.database, ws)).length).toBe(2500);
      expect((await importEvents(t.database, ws, a.import.id)).length).toBe(1);
    });

    it("two runs of the same import at once never write a row twice", async () => {
      const c = await newWorkspace(t.app);
      const ws = workspaceOf(c);
      const a = await uploadOk(t, c, "contact", "twice.csv", contactsCsv(2200, `twice-${kind}-`));
      let queued: ImportRunData | undefined;
      await startImport(ctxOf(t.database, c), a.import.id, options(a.suggestion.mapping), async (_tx, data) => {
        queued = data;
      });
      const data = queued as ImportRunData;
      const results = await Promise.all([runImportJob(t.database.db, data, { final: false }), runImportJob(t.database.db, data, { final: false })]);
      expect(results.map((r) => r.status).sort()).toContain("completed");
      const job = (await c.get(`/api/v1/imports/${a.import.id}`)).json();
      expect(job).toMatchObject({ status: "completed", lastRow: 2200, counts: { created: 2200 } });
      const emails = await contactEmails(t.database, ws);
      expect(emails.length).toBe(2200);
      expect((await importEvents(t.database, ws, a.import.id)).map((e) => e.type)).toEqual(["import.finished"]);
    });
  });
});
