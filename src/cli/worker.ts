import type { Command } from "commander";
import { env } from "../config.js";
import { openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { createMailer } from "../modules/notifications/mail.js";
import { startJobRunner } from "../modules/tasks/reminders.js";

/**
 * `rapport worker`: the background jobs without the web server, for PostgreSQL deployments that want them on
 * other machines. Any number may run beside `serve` (which runs them too): due work is claimed with
 * FOR UPDATE SKIP LOCKED, so each reminder is delivered once.
 */
export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("Run background jobs (task reminders) without serving HTTP")
    .action(async () => {
      const e = env();
      const database = await openDatabase({ url: e.DATABASE_URL, dataDir: e.DATABASE_URL ? undefined : e.RAPPORT_DATA_DIR });
      await runMigrations(database);
      const mailer = createMailer({ smtpUrl: e.SMTP_URL, from: e.MAIL_FROM });
      const log = {
        info: (m: string) => console.log(m),
        warn: (m: string) => console.warn(m),
        error: (m: string) => console.error(m),
      };
      if (!mailer) log.info("SMTP_URL is not set: reminders are delivered in the app only.");
      const runner = startJobRunner({
        db: database.db,
        mailer,
        publicUrl: e.RAPPORT_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
        log,
        intervalMs: e.RAPPORT_JOB_INTERVAL_MS,
      });
      // The timer is unref'd so tests never hang on it; a worker process must stay up until told to stop.
      const keepAlive = setInterval(() => {}, 1 << 30);
      log.info(`Rapport worker running (${database.kind}), checking every ${e.RAPPORT_JOB_INTERVAL_MS} ms`);
      const stop = async () => {
        clearInterval(keepAlive);
        await runner.stop();
        mailer?.close();
        await database.close();
        process.exit(0);
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
}
