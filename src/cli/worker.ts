import type { Command } from "commander";
import { env } from "../config.js";
import { type Database, openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { discardJob, failedJobs, jobOverview, retryJob } from "../jobs/admin.js";
import { type JobSystem, startJobSystem } from "../jobs/system.js";

const log = {
  info: (m: string) => console.log(m),
  warn: (m: string) => console.warn(m),
  error: (m: string) => console.error(m),
};

async function open(): Promise<Database> {
  const e = env();
  const database = await openDatabase({ url: e.DATABASE_URL, dataDir: e.DATABASE_URL ? undefined : e.RAPPORT_DATA_DIR });
  await runMigrations(database);
  return database;
}

/** Opens the database and the job queue without running jobs, runs `work`, and closes both. */
async function withJobs<T>(work: (database: Database, jobs: JobSystem) => Promise<T>): Promise<T> {
  const database = await open();
  const jobs = await startJobSystem({ database, worker: false, log });
  try {
    return await work(database, jobs);
  } finally {
    await jobs.stop();
    await database.close();
  }
}

/**
 * `rapport worker`: every kind of background job without the web server, for PostgreSQL deployments that want them
 * on other machines. Any number may run beside `serve` (which runs them too unless --no-worker): pg-boss hands each
 * job to one worker.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("Run background jobs (events, webhooks, reminders, email, rescoring, duplicate scans, imports) without serving HTTP")
    .action(async () => {
      const e = env();
      const database = await open();
      const jobs = await startJobSystem({
        database,
        worker: true,
        smtpUrl: e.SMTP_URL,
        mailFrom: e.MAIL_FROM,
        publicUrl: e.RAPPORT_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
        log,
        pollingIntervalSeconds: e.RAPPORT_JOB_POLL_SECONDS,
        eventRetentionDays: e.RAPPORT_EVENT_RETENTION_DAYS,
        secretKey: e.RAPPORT_SECRET_KEY,
      });
      log.info(`Rapport worker running (${database.kind})`);
      const stop = async () => {
        await jobs.stop();
        await database.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });

  const jobs = program.command("jobs").description("Background jobs: see queues and failures, retry or discard failed jobs");
  jobs
    .command("list")
    .description("Queues with their counts, event consumers, and failed jobs with their error")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      await withJobs(async (database) => {
        const overview = await jobOverview(database.db);
        const failed = await failedJobs(null, database.db, { limit: 200 });
        if (opts.json) {
          console.log(JSON.stringify({ ...overview, failed }, null, 2));
          return;
        }
        console.log("Queues");
        for (const q of overview.queues)
          console.log(
            `  ${q.name.padEnd(28)} waiting ${String(q.waiting).padStart(5)}  active ${String(q.active).padStart(3)}  failed ${String(q.failed).padStart(4)}  ${q.label}`,
          );
        console.log("Event consumers");
        if (overview.consumers.length === 0) console.log("  (none has run yet)");
        for (const c of overview.consumers)
          console.log(`  ${c.name.padEnd(28)} at ${c.position}, ${c.lag} behind${c.lastError ? `, stuck: ${c.lastError}` : ""}`);
        console.log(failed.length ? "Failed jobs" : "No failed jobs.");
        for (const f of failed)
          console.log(`  ${f.queue} ${f.id}  ${f.state === "failed" ? "dead" : "retrying"} after ${f.attempts}/${f.retryLimit + 1} attempts: ${f.error}`);
      });
    });
  jobs
    .command("retry")
    .description("Run failed jobs again: one by queue and id, or --all dead ones")
    .argument("[queue]", "queue name, as `jobs list` shows it")
    .argument("[id]", "job id")
    .option("--all", "every dead job of every queue (or of [queue])")
    .action(async (queue: string | undefined, id: string | undefined, opts: { all?: boolean }) => {
      if (!opts.all && (!queue || !id)) throw new Error("Give a queue and a job id, or --all");
      await withJobs(async (database, system) => {
        const targets = opts.all
          ? (await failedJobs(null, database.db, { queue, limit: 200 })).filter((f) => f.state === "failed").map((f) => ({ queue: f.queue, id: f.id }))
          : [{ queue: queue as string, id: id as string }];
        for (const t of targets) await retryJob(null, system, database.db, t.queue, t.id);
        console.log(`Queued ${targets.length} job(s) to run again.`);
      });
    });
  jobs
    .command("discard")
    .description("Delete a failed job")
    .argument("<queue>")
    .argument("<id>")
    .action(async (queue: string, id: string) => {
      await withJobs(async (database, system) => {
        await discardJob(null, system, database.db, queue, id);
        console.log("Discarded.");
      });
    });
}
