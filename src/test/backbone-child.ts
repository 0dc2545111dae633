/**
 * A child process for the backbone tests (src/modules/events/crash.test.ts), so a test can SIGKILL a real consumer
 * or run two real workers against one PostgreSQL. Run with `node --import tsx src/test/backbone-child.ts <mode>`:
 *
 *   consumer <name> <workspaceId> <slowAfter>  feeds consumer <name> until it has caught up, then exits. Its effect is
 *     a row per event of the workspace in backbone_effects, written in the consumer's transaction; from its
 *     <slowAfter>th event on (counted over the process's life) each event takes pg_sleep(0.2) and it prints "slow",
 *     so a parent can kill it mid-batch.
 *   worker <queue> <expected>  works the extra queue <queue> (transactional, batches of 50), each job inserting one
 *     backbone_jobs row tagged with this process's pid, and exits once <expected> rows exist for the queue.
 *
 * TEST_DATABASE_URL names the database.
 */
import { sql } from "drizzle-orm";
import { openDatabase, queryRows } from "../db/client.js";
import { startJobSystem } from "../jobs/system.js";
import { runConsumer } from "../modules/events/service.js";

const [mode, ...args] = process.argv.slice(2);
const url = process.env.TEST_DATABASE_URL;
if (!url) throw new Error("TEST_DATABASE_URL is required");
const database = await openDatabase({ url });
const silent = { info() {}, warn() {}, error: (m: string) => console.error(m) };

if (mode === "consumer") {
  const [name, workspaceId, slowAfterArg] = args as [string, string, string];
  const slowAfter = Number(slowAfterArg);
  let handled = 0;
  const [target] = await queryRows<{ p: number }>(database.db, sql`select max(position)::bigint as p from outbox_events where workspace_id = ${workspaceId}`);
  // Until the cursor is past the workspace's last event: a batch still locked by a killed predecessor's dying
  // transaction reads as "nothing to do" (SKIP LOCKED) for a moment, which is not the end.
  for (;;) {
    const [cursor] = await queryRows<{ p: number }>(database.db, sql`select position::bigint as p from event_consumers where name = ${name}`);
    if (Number(cursor?.p ?? 0) >= Number(target?.p ?? 0)) break;
    const n = await runConsumer(database.db, {
      name,
      batchSize: 20,
      async handle(tx, events) {
        for (const e of events) {
          if (e.workspaceId !== workspaceId) continue;
          await tx.execute(sql`insert into backbone_effects (consumer, event_id) values (${name}, ${e.id})`);
          if (++handled === slowAfter) console.log("slow");
          if (handled >= slowAfter) await tx.execute(sql`select pg_sleep(0.2)`);
        }
      },
    });
    if (n === 0) await new Promise((r) => setTimeout(r, 100));
  }
  console.log("caught up");
} else if (mode === "worker") {
  const [queue, expectedArg] = args as [string, string];
  const expected = Number(expectedArg);
  const jobs = await startJobSystem({
    database,
    worker: true,
    log: silent,
    builtInQueues: false,
    pollingIntervalSeconds: 0.5,
    extraQueues: {
      [queue]: {
        spec: {
          label: "Backbone test",
          description: "One row per job",
          options: { retryLimit: 3, retryDelay: 1 },
          concurrency: 2,
          batchSize: 50,
          transactional: true,
        },
        async handle(job, tx) {
          // The effect commits with the job's completion (transactional worker), or not at all.
          await tx?.executeSql("insert into backbone_jobs (queue, key, pid) values ($1, $2, $3)", [queue, (job.data as { key: number }).key, process.pid]);
        },
      },
    },
  });
  console.log("working");
  for (;;) {
    const [row] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from backbone_jobs where queue = ${queue}`);
    if ((row?.n ?? 0) >= expected) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await jobs.stop();
} else {
  throw new Error(`unknown mode ${mode}`);
}
await database.close();
process.exit(0);
