import { sql } from "drizzle-orm";
import { type Db as BossDb, type Clock, fromDrizzle, fromPglite, type Job, PgBoss, type Queue, type SendOptions } from "pg-boss";
import { type Ctx, systemActor } from "../core/context.js";
import type { Database, Db } from "../db/client.js";
import { queryRows } from "../db/client.js";
import { auditConsumer, pruneAudit } from "../modules/audit/service.js";
import { campaignFeedbackConsumer } from "../modules/campaigns/consumer.js";
import { CAMPAIGN_POOL, type CampaignJob, runCampaign } from "../modules/campaigns/engine.js";
import { consentFlagConsumer, mailFeedbackConsumer } from "../modules/consent/consumer.js";
import { scheduleSurveys, sendDueSurveys } from "../modules/csat/service.js";
import { scanDuplicates } from "../modules/duplicates/service.js";
import { type Consumer, dispatchEvents, pruneEvents } from "../modules/events/service.js";
import { pruneFiles } from "../modules/imports/files.js";
import { type EnqueueImport, type ImportRunData, runImportJob } from "../modules/imports/service.js";
import { dueModels, failTraining, rescoreRecords, trainModel } from "../modules/insights/service.js";
import { helpCentrePath } from "../modules/kb/service.js";
import { companyRescores, engagementEventTypes, rescoreEngaged } from "../modules/leads/reactions.js";
import { rescoreCompanyContacts, rescoreDue, runWorkspaceRescore } from "../modules/leads/scoring.js";
import { type MailJob, type MailQueue, sendQueuedMail } from "../modules/mail/service.js";
import { createMailTransport } from "../modules/mail/transport.js";
import { imapMailboxes, type PollKey, pollMailbox } from "../modules/mail-in/imap.js";
import { deliverToTickets } from "../modules/mail-in/threading.js";
import { prunePortal } from "../modules/portal/service.js";
import { reportCacheConsumer } from "../modules/reports/service.js";
import { runDueSteps, runStep, sequenceExitConsumer } from "../modules/sequences/runner.js";
import type { ScheduleStep } from "../modules/sequences/service.js";
import { recomputeTickets, recomputeWorkspace } from "../modules/sla/clocks.js";
import { detectSlaEvents, type ScheduleCheck } from "../modules/sla/detect.js";
import { deliverDueReminders, type ReminderLog } from "../modules/tasks/reminders.js";
import { type DeliveryKey, deliverPending, deliveryKeyOf, fanOut, type ScheduleDelivery, sweepDue } from "../modules/webhooks/service.js";
import { type EngineDeps, executeRun, type RunJob, sweepRuns, workflowConsumer } from "../modules/workflows/engine.js";
import { checkTimeTrigger, liveTimeTriggerVersions, timeTriggerConsumer, type VersionKey } from "../modules/workflows/time-triggers.js";

export const defaultMailFrom = "Rapport <rapport@localhost>";

/** What each kind of job carries. */
export interface JobData {
  "events.dispatch": Record<string, never>;
  "events.prune": Record<string, never>;
  "audit.prune": Record<string, never>;
  "tasks.reminders": Record<string, never>;
  "csat.send": Record<string, never>;
  "portal.prune": Record<string, never>;
  "scoring.decay": Record<string, never>;
  "scoring.rescore_workspace": { workspaceId: string };
  "scoring.rescore_company": { workspaceId: string; companyId: string };
  "duplicates.scan_all": Record<string, never>;
  "duplicates.scan": { workspaceId: string };
  "mail.send": MailJob;
  "campaigns.send": CampaignJob;
  "campaigns.sweep": Record<string, never>;
  "imports.run": ImportRunData;
  "imports.prune": Record<string, never>;
  "webhooks.deliver": DeliveryKey;
  "webhooks.sweep": Record<string, never>;
  "workflows.run": RunJob;
  "workflows.sweep": Record<string, never>;
  "workflows.time_triggers": Record<string, never>;
  "workflows.time_trigger": VersionKey;
  "sla.check": Record<string, never>;
  "sla.recompute": { workspaceId: string; ticketIds: string[] };
  "sla.recompute_workspace": { workspaceId: string };
  "mail_in.poll": Record<string, never>;
  "mail_in.poll_mailbox": PollKey;
  "insights.train": { workspaceId: string; modelId: string };
  "insights.retrain": Record<string, never>;
  "insights.score": { workspaceId: string; object: "deal" | "contact" | "company"; ids: string[] };
  "sequences.step": { workspaceId: string; enrolmentId: string };
  "sequences.sweep": Record<string, never>;
}
export type QueueName = keyof JobData;

export interface QueueSpec {
  label: string;
  description: string;
  options: Omit<Queue, "name">;
  /** Cron schedule (UTC), for work that recurs. */
  cron?: string;
  /** Workers of this queue in one process. */
  concurrency: number;
  /** Jobs each fetch claims and the handler runs one after the other (default 1): fewer round trips for small jobs. */
  batchSize?: number;
  /**
   * The handler's database writes and the jobs' completion commit in one transaction (pg-boss transactional
   * workers, PostgreSQL only): a job whose worker dies mid-way runs again with none of its effects kept, so each
   * effect happens exactly once.
   */
  transactional?: boolean;
}

/** A queue added beside the built-in ones; `tx` is the transaction of a transactional queue. */
export interface ExtraQueue {
  spec: QueueSpec;
  handle(job: Job<object>, tx?: BossDb): Promise<unknown>;
}

/**
 * Every queue, with its retry policy. Backoff is exponential (retryDelay × 2^attempt, with jitter, capped by
 * retryDelayMax); a job that exhausts retryLimit stays in the failed (dead-letter) state until an admin retries or
 * discards it. "stately" queues hold at most one waiting and one running job (per singleton key): a recurring pass
 * that is still running is never started twice, and a request for one more pass while it runs is kept, not lost.
 */
export const queueSpecs: Record<QueueName, QueueSpec> = {
  "insights.train": {
    label: "Model training",
    description: "Trains a predictive model on the workspace's records, measures it on held-out ones and rescores every record",
    options: { policy: "stately", retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 3600 },
    concurrency: 1,
  },
  "insights.retrain": {
    label: "Scheduled retraining",
    description: "Queues the training of every model whose daily or weekly schedule is due",
    options: { policy: "stately", retryLimit: 3, retryDelay: 300, retryBackoff: true },
    cron: "23 2 * * *",
    concurrency: 1,
  },
  "insights.score": {
    label: "Rescoring",
    description: "Scores new and changed deals, contacts and companies with the workspace's trained models",
    options: { policy: "standard", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 900 },
    concurrency: 1,
  },
  "events.dispatch": {
    label: "Event delivery",
    description: "Numbers new events and feeds them to every consumer (webhooks, reactions)",
    options: { policy: "stately", retryLimit: 50, retryDelay: 2, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 600 },
    cron: "* * * * *",
    concurrency: 1,
  },
  "events.prune": {
    label: "Event retention",
    description: "Deletes events older than the retention period that every consumer has read",
    options: { policy: "stately", retryLimit: 3, retryDelay: 60, retryBackoff: true },
    cron: "17 3 * * *",
    concurrency: 1,
  },
  "audit.prune": {
    label: "Audit log retention",
    description: "Deletes audit log entries and API key use counts older than each workspace's retention setting",
    options: { policy: "stately", retryLimit: 3, retryDelay: 60, retryBackoff: true },
    cron: "29 3 * * *",
    concurrency: 1,
  },
  "tasks.reminders": {
    label: "Task reminders",
    description: "Delivers due task reminders in the app and by email",
    options: { policy: "stately", retryLimit: 5, retryDelay: 10, retryBackoff: true, retryDelayMax: 300 },
    cron: "* * * * *",
    concurrency: 1,
  },
  "csat.send": {
    label: "Satisfaction surveys",
    description: "Sends the satisfaction surveys that are due (or skips them, saying why)",
    options: { policy: "stately", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 600 },
    cron: "*/5 * * * *",
    concurrency: 1,
  },
  "portal.prune": {
    label: "Portal clean-up",
    description: "Deletes expired customer-portal sessions and sign-in links",
    options: { policy: "stately", retryLimit: 3, retryDelay: 60, retryBackoff: true },
    cron: "41 3 * * *",
    concurrency: 1,
  },
  "scoring.decay": {
    label: "Lead score decay",
    description: "Rescores contacts whose score decays or expires now",
    options: { policy: "stately", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 600 },
    cron: "*/10 * * * *",
    concurrency: 1,
  },
  "scoring.rescore_workspace": {
    label: "Workspace rescoring",
    description: "Rescores every contact of a workspace after its scoring rules changed",
    options: { policy: "stately", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 3600 },
    concurrency: 1,
  },
  "scoring.rescore_company": {
    label: "Company rescoring",
    description: "Rescores every contact of a company after its size or industry changed",
    options: { policy: "stately", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 3600 },
    concurrency: 1,
  },
  "duplicates.scan_all": {
    label: "Nightly duplicate scan",
    description: "Queues a duplicate scan for every workspace",
    options: { policy: "stately", retryLimit: 3, retryDelay: 300, retryBackoff: true },
    cron: "41 2 * * *",
    concurrency: 1,
  },
  "duplicates.scan": {
    label: "Duplicate scan",
    description: "Finds likely duplicate contacts and companies of a workspace for review",
    options: { policy: "stately", retryLimit: 3, retryDelay: 60, retryBackoff: true, expireInSeconds: 3600 },
    concurrency: 1,
  },
  "mail.send": {
    label: "Email delivery",
    description: "Sends one message of the outbox through SMTP; a 4xx reply or a connection error is retried",
    // Backoff from 30 s, capped at an hour: 8 retries ride out one to two hours of a server's outage. A 5xx reply fails
    // the message at once (the handler settles it, so the job itself completes and never waits here as dead).
    options: { policy: "standard", retryLimit: 8, retryDelay: 30, retryBackoff: true, retryDelayMax: 3600, expireInSeconds: 300 },
    concurrency: 2,
  },
  "campaigns.send": {
    label: "Campaign sending",
    description: "Sends the next throttled batch of a campaign over pooled SMTP connections, then queues the one after",
    // Stately per campaign (singleton key): one batch of a campaign at a time. A batch holds at most a few hundred
    // messages, so a worker killed mid-batch leaves its job expired (and retried) within two minutes.
    options: { policy: "stately", retryLimit: 20, retryDelay: 10, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 120 },
    concurrency: 2,
  },
  "campaigns.sweep": {
    label: "Campaign watch",
    description: "Every minute: queues the next batch of each sending campaign that has none waiting (after a restart)",
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true },
    cron: "* * * * *",
    concurrency: 1,
  },
  "imports.run": {
    label: "Import",
    description: "Imports an uploaded file, batch by batch; a retry continues after the last committed batch",
    // The singleton key is the import: one run at a time per import. A million rows take minutes to an hour on a
    // busy machine, hence the long expiry; the heartbeat is what notices a worker that died, within a minute or two.
    options: { policy: "stately", retryLimit: 5, retryDelay: 15, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 6 * 3600, heartbeatSeconds: 60 },
    // Each run holds a batch of parsed rows and writes a lot: two at once per process is already a busy database.
    concurrency: 2,
  },
  "imports.prune": {
    label: "Upload clean-up",
    description: "Deletes uploads nobody will import: unstarted for a week, or left behind by a finished import",
    options: { policy: "stately", retryLimit: 3, retryDelay: 300, retryBackoff: true },
    cron: "53 3 * * *",
    concurrency: 1,
  },
  "webhooks.deliver": {
    label: "Webhook delivery",
    description: "Sends one record's pending webhook messages to one endpoint, oldest first; its own schedule retries failed sends",
    // Stately with the singleton key endpoint:record: one sender per record and endpoint keeps messages in order. A
    // failed send is not a failed job (the delivery reschedules itself); job retries cover crashes and lost databases.
    options: { policy: "stately", retryLimit: 5, retryDelay: 10, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 300 },
    // Batched fetches (batchSize 25 with burstWhenBatchFull) passed on PGlite but stopped deliveries on PostgreSQL in
    // the last run before the deadline; kept at one job per fetch until that is understood.
    concurrency: 16,
  },
  "webhooks.sweep": {
    label: "Webhook retry sweep",
    description: "Queues webhook messages that are due but have no delivery job (after a crash)",
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true },
    cron: "* * * * *",
    concurrency: 1,
  },
  "workflows.run": {
    label: "Workflow runs",
    description: "Runs a workflow run step by step until it waits, ends or fails; waits are delayed jobs",
    // A failed step fails the run (kept for a retry from that step), not the job: job retries cover crashes and a
    // lost database, and repeat at most the step that had not committed.
    // notify: a run queued by the event consumer (or a resume) wakes the workers at its commit instead of at their next
    // poll, which was most of a run's trigger-to-first-action time when idle (bench/workflows.ts). Delayed jobs (waits
    // falling due) are still found by polling.
    options: { policy: "standard", retryLimit: 5, retryDelay: 5, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 300, notify: true },
    concurrency: 4,
    // Fetched in batches so a backlog drains at once: with batches of one, each of the 4 workers waits a polling
    // interval after every job (pg-boss), capping runs and resumed waits at 4 per interval (bench/workflows.ts).
    // A batch's jobs run in turn; a throw retries the batch, which repeats nothing (each run's steps commit once).
    batchSize: 10,
  },
  "workflows.sweep": {
    label: "Workflow sweep",
    description: "Resumes runs whose wait fell due or whose job was lost, and checks workflows' health",
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true },
    cron: "* * * * *",
    concurrency: 1,
  },
  "workflows.time_triggers": {
    label: "Workflow time triggers",
    description: "Every minute: queues a pass for each active workflow triggered by a date, inactivity or a schedule",
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true },
    cron: "* * * * *",
    concurrency: 1,
  },
  "workflows.time_trigger": {
    label: "Workflow time trigger pass",
    description: "Starts the runs of one workflow's date, inactivity or schedule trigger that fell due since its last pass, in batches",
    // Stately per version (singleton key): one pass at a time per workflow version, one more kept while it runs. A
    // schedule over a large view may enroll many records: each batch commits, and a retried pass skips what ran.
    options: { policy: "stately", retryLimit: 5, retryDelay: 15, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 3600 },
    concurrency: 2,
  },
  "sla.check": {
    label: "SLA breach detection",
    description: "Announces SLA warnings and breaches that fell due (ticket.sla_warning, ticket.sla_breached), once each",
    // Stately per singleton key: each warn or due time has one waiting job at that second (see scheduleSlaCheck); the
    // every-minute run is the safety net for a lost job. A pass announces everything due, whichever job runs it.
    options: { policy: "stately", retryLimit: 5, retryDelay: 5, retryBackoff: true, retryDelayMax: 120, expireInSeconds: 600 },
    cron: "* * * * *",
    concurrency: 1,
  },
  "sla.recompute": {
    label: "SLA clocks",
    description: "Recomputes the SLA clocks of tickets that changed (status, messages, fields a policy tests)",
    options: { policy: "standard", retryLimit: 5, retryDelay: 5, retryBackoff: true, retryDelayMax: 300, expireInSeconds: 600 },
    concurrency: 2,
  },
  "sla.recompute_workspace": {
    label: "SLA recompute after a policy or calendar change",
    description: "Recomputes the clocks of every unsolved ticket of a workspace, page by page",
    options: { policy: "stately", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 3600 },
    concurrency: 1,
  },
  "mail_in.poll": {
    label: "Mailbox polling",
    description: "Every minute: queues a poll of each mailbox read over IMAP",
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true },
    cron: "* * * * *",
    concurrency: 1,
  },
  "mail_in.poll_mailbox": {
    label: "Mailbox poll",
    description: "Takes new messages of one IMAP mailbox into tickets, after its checkpoint (UIDVALIDITY and last UID)",
    // Stately per mailbox (singleton key): one poll at a time, so two never take the same UIDs. An IMAP failure is
    // kept on the mailbox (Settings → Mailboxes) and the next minute's poll tries again; job retries cover the database.
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true, retryDelayMax: 600, expireInSeconds: 900 },
    concurrency: 2,
  },
  "sequences.step": {
    label: "Sequence steps",
    description: "Runs one contact's next sequence step when it falls due: an email inside the sending window, or a task",
    // A delayed job per step. The handler re-checks the enrolment under a row lock, so a repeated, stale or early job
    // does nothing; job retries cover crashes and a lost database.
    options: { policy: "standard", retryLimit: 5, retryDelay: 30, retryBackoff: true, retryDelayMax: 900, expireInSeconds: 300 },
    concurrency: 2,
  },
  "sequences.sweep": {
    label: "Sequence sweep",
    description: "Every minute: runs sequence steps that fell due without a job (lost, or waiting for a resumed sequence)",
    options: { policy: "stately", retryLimit: 3, retryDelay: 30, retryBackoff: true },
    cron: "* * * * *",
    concurrency: 1,
  },
};
export const queueNames = Object.keys(queueSpecs) as QueueName[];

export interface JobSystemOptions {
  database: Database;
  /** Run the handlers in this process; false: only enqueue and administer (serve --no-worker). */
  worker: boolean;
  /** smtp(s):// URL of the server mail goes through; unset keeps outgoing mail as not_configured in the outbox. */
  smtpUrl?: string;
  /** Sender of the product's mail (MAIL_FROM). */
  mailFrom?: string;
  /**
   * The address links in mail start with (RAPPORT_PUBLIC_URL). A function is asked at each use: a server that was not
   * told its address knows it only once it listens.
   */
  publicUrl?: string | (() => string | undefined);
  log: ReminderLog;
  /** Events older than this are pruned (default 30 days). */
  eventRetentionDays?: number;
  /** More consumers of the event stream beside the built-in ones (tests, extensions), fed by events.dispatch. */
  consumers?: readonly Consumer[];
  /** Tests move time by hand (pg-boss TestClock). */
  clock?: Clock;
  /** Seconds between polls of each queue when nothing wakes it (default 2). */
  pollingIntervalSeconds?: number;
  /** With `worker`: run only these built-in queues (the CLI runs its own import), and no other schedule. Default: all. */
  only?: readonly QueueName[];
  /** How long a webhook receiver has to answer (default 15 s; tests shorten it). */
  webhookTimeoutMs?: number;
  /** RAPPORT_SECRET_KEY: opens the IMAP passwords of polled mailboxes. */
  secretKey?: string;
  /** Queues beside the built-in ones, with their handlers (tests, extensions). */
  extraQueues?: Record<string, ExtraQueue>;
  /** false: work only the extra queues (a process dedicated to them: tests, benchmarks). Default true. */
  builtInQueues?: boolean;
}

export interface JobSystem {
  boss: PgBoss;
  /** Every queue this system knows, built-in and extra. */
  specs: Record<string, QueueSpec>;
  /** Enqueues a job; with `tx` it is written in the caller's transaction and exists only if that commits. */
  send<N extends QueueName>(name: N, data: JobData[N], options?: SendOptions & { tx?: Db }): Promise<string | null>;
  /** The mail outbox's way onto the queue (queueMail): the sender, and the mail.send job written in a transaction. */
  mail: MailQueue;
  /** How workflow runs are enqueued, mailed and timed (the routes' and the consumer's engine). */
  workflowEngine: EngineDeps;
  /** How sequence steps are queued (enrolment, resume), in the caller's transaction. */
  scheduleStep: ScheduleStep;
  /** Asks for an event delivery pass now (also what a committed write's notification does). */
  wake(): Promise<void>;
  /** Makes this process's worker of a queue look for jobs now instead of at its next poll (after a commit that queued one). */
  notify(name: string): void;
  stop(): Promise<void>;
}

/** The adapter pg-boss runs its statements through: PGlite's one connection, or a pool of its own on PostgreSQL. */
function bossFor(database: Database, options: JobSystemOptions): PgBoss {
  const common = {
    schema: "pgboss",
    supervise: options.worker,
    schedule: options.worker,
    clock: options.clock,
    migrate: true,
    // The Jobs page reads counts; the telemetry snapshots are not needed.
    persistWarnings: false,
    // Only workers register themselves (and heartbeat); an enqueue-only server stays quiet.
    registerInstance: options.worker,
    useListenNotify: options.worker,
  };
  if (database.pglite) return new PgBoss({ ...common, db: fromPglite(database.pglite), backend: "pglite" });
  if (!database.url) throw new Error("The job queue needs the database URL in server mode");
  return new PgBoss({ ...common, connectionString: database.url, max: 4, application_name: `rapport jobs (pid ${process.pid})` });
}

/**
 * A request's transactions run as rapport_app when the connection's user bypasses row-level security (see
 * db/workspace-scope.ts), and the jobs they queue in their transaction write pg-boss's tables as that role. Granted on
 * every start because pg-boss creates its schema after our migrations; a user who may not grant (a managed server where
 * the app connects as the tables' owner and no role switch happens) needs none of it.
 */
async function grantQueueToAppRole(db: Db): Promise<void> {
  await db.execute(sql`do $$ begin
    if exists (select 1 from pg_roles where rolname = 'rapport_app') then
      grant usage on schema pgboss to rapport_app;
      grant select, insert, update, delete on all tables in schema pgboss to rapport_app;
      grant usage, select, update on all sequences in schema pgboss to rapport_app;
      grant execute on all functions in schema pgboss to rapport_app;
    end if;
  exception when others then
    -- Another process granting at the same moment, or no right to grant: neither stops the job system.
    raise notice 'rapport_app grants on pgboss skipped: %', sqlerrm;
  end $$`);
}

/** Starts pg-boss on the app's database: creates its schema and queues, and with `worker` runs every kind of job. */
export async function startJobSystem(options: JobSystemOptions): Promise<JobSystem> {
  const { database, log } = options;
  const db = database.db;
  const boss = bossFor(database, options);
  boss.on("error", (err: Error) => log.error(`Job queue: ${err.message}`));
  await boss.start();
  await grantQueueToAppRole(db);
  const specs: Record<string, QueueSpec> = options.builtInQueues === false ? {} : { ...queueSpecs };
  for (const [name, extra] of Object.entries(options.extraQueues ?? {})) specs[name] = extra.spec;
  for (const [name, spec] of Object.entries(specs)) {
    const existing = await boss.getQueue(name);
    // A queue's policy is fixed at creation (pg-boss); retries and timings follow the code on every start.
    const { policy: _policy, ...tunable } = spec.options;
    if (existing) await boss.updateQueue(name, tunable);
    else await boss.createQueue(name, spec.options);
  }

  const now = () => new Date(options.clock?.now() ?? Date.now());
  const send: JobSystem["send"] = async (name, data, sendOptions = {}) => {
    const { tx, ...rest } = sendOptions;
    if (!tx) return boss.send(name, data, rest);
    // In the caller's transaction pg-boss reads "now" from that session, which a test clock does not reach: a job
    // due at once would wait for the test clock to catch up with the wall clock. Due now by the job system's clock.
    return boss.send(name, data, { ...rest, startAfter: rest.startAfter ?? now(), db: fromDrizzle(tx as never, sql as never) });
  };

  const mail: MailQueue = {
    from: options.mailFrom ?? defaultMailFrom,
    enqueue: (tx, job) => send("mail.send", job, { tx }),
  };
  // One SMTP transport per process, and only where jobs run: an enqueue-only server never connects to SMTP.
  const transport = options.worker ? createMailTransport(options.smtpUrl) : null;
  if (options.worker && !transport) log.info("SMTP_URL is not set: outgoing email is kept in the outbox (Settings → Email log), not sent.");
  // Campaigns keep a few connections open and send many messages over each.
  const campaignTransport = options.worker ? createMailTransport(options.smtpUrl, { pool: CAMPAIGN_POOL }) : null;
  const scheduleCampaign = async (job: CampaignJob, at?: Date) => {
    await send("campaigns.send", job, { singletonKey: job.campaignId, startAfter: at ?? now() });
  };

  const workers = new Map<string, string>();
  const publicUrl = () => (typeof options.publicUrl === "function" ? options.publicUrl() : options.publicUrl) ?? "http://localhost:3000";
  const scheduleDelivery: ScheduleDelivery = async (key, o) => {
    await send("webhooks.deliver", key, { singletonKey: deliveryKeyOf(key), startAfter: o?.at, tx: o?.tx });
  };
  const scheduleStep: ScheduleStep = async (tx, key, at) => {
    await send("sequences.step", key, { startAfter: at, tx });
  };
  const workflowEngine: EngineDeps = {
    enqueue: async (tx, job, o) => {
      await send("workflows.run", job, { tx, startAfter: o?.startAfter });
    },
    enqueueMany: async (tx, jobs) => {
      if (jobs.length)
        await boss.insert(
          "workflows.run",
          // Due now by the job system's clock: left out, pg-boss takes the database's clock in this (the caller's)
          // session, which a test clock does not reach, and the runs would wait for that clock to catch up.
          jobs.map((data) => ({ data, startAfter: now() })),
          { db: fromDrizzle(tx as never, sql as never) },
        );
    },
    mail,
    now,
    scheduleStep,
  };
  const scheduleSlaCheck: ScheduleCheck = async (tx, at) => {
    await send("sla.check", {}, { ...slaCheckAt(at), tx });
  };
  const sequenceRunner = { mail, baseUrl: publicUrl(), schedule: scheduleStep, now };
  const consumers = [
    ...builtInConsumers(send, scheduleDelivery),
    sequenceExitConsumer,
    workflowConsumer(workflowEngine, { configDb: db }),
    timeTriggerConsumer(),
    slaConsumer(send),
    mailFeedbackConsumer,
    consentFlagConsumer,
    campaignFeedbackConsumer,
    ...(options.consumers ?? []),
  ];
  const wake = async () => {
    await send("events.dispatch", {});
    const id = workers.get("events.dispatch");
    if (id) boss.notifyWorker(id);
  };

  const handlers: { [N in QueueName]: (job: Job<JobData[N]>) => Promise<unknown> } = {
    "events.dispatch": async () => dispatchEvents(db, consumers),
    "events.prune": async () => {
      const days = options.eventRetentionDays ?? 30;
      const now = options.clock?.now() ?? Date.now();
      return { pruned: await pruneEvents(db, new Date(now - days * 86_400_000)) };
    },
    "audit.prune": async () => pruneAudit(db, now()),
    "tasks.reminders": async () => ({
      delivered: await deliverDueReminders({ db, mail, publicUrl: publicUrl(), log }, new Date(options.clock?.now() ?? Date.now())),
    }),
    "csat.send": async () => sendDueSurveys(db, { mail, baseUrl: publicUrl(), helpPath: helpCentrePath }, new Date(options.clock?.now() ?? Date.now())),
    "portal.prune": async () => prunePortal(db, now()),
    "scoring.decay": async () => ({ rescored: await rescoreDue(db, new Date(options.clock?.now() ?? Date.now())) }),
    "scoring.rescore_workspace": async (job) => {
      await runWorkspaceRescore(systemCtx(db, job.data.workspaceId));
      return {};
    },
    "scoring.rescore_company": async (job) => ({
      rescored: await rescoreCompanyContacts(systemCtx(db, job.data.workspaceId), job.data.companyId),
    }),
    "duplicates.scan_all": async () => {
      const rows = await queryRows<{ id: string }>(db, sql`select id from workspaces`);
      for (const r of rows) await send("duplicates.scan", { workspaceId: r.id }, { singletonKey: r.id });
      return { workspaces: rows.length };
    },
    "duplicates.scan": async (job) => scanDuplicates(systemCtx(db, job.data.workspaceId)),
    "mail.send": async (job) => {
      const retryLimit = specs["mail.send"]?.options.retryLimit ?? 0;
      const outcome = await sendQueuedMail(db, transport, job.data, { retryCount: job.retryCount, retryLimit }, { secretKey: options.secretKey });
      if (outcome.retry) throw outcome.retry;
      return { status: outcome.status };
    },
    "campaigns.send": async (job) =>
      runCampaign(db, { mail, transport: campaignTransport, baseUrl: publicUrl, now, schedule: scheduleCampaign, secretKey: options.secretKey, log }, job.data),
    "campaigns.sweep": async () => {
      const rows = await queryRows<{ workspace_id: string; id: string }>(db, sql`select workspace_id, id from campaigns where status = 'sending'`);
      for (const c of rows) await scheduleCampaign({ workspaceId: c.workspace_id, campaignId: c.id });
      return { campaigns: rows.length };
    },
    "imports.run": async (job) =>
      runImportJob(db, job.data, { final: job.retryCount >= (queueSpecs["imports.run"].options.retryLimit ?? 0), signal: job.signal }),
    "imports.prune": async () => pruneFiles(db),
    "webhooks.deliver": async (job) => deliverPending(db, job.data, { now, schedule: scheduleDelivery, timeoutMs: options.webhookTimeoutMs }),
    "webhooks.sweep": async () => ({ queued: await sweepDue(db, now(), scheduleDelivery) }),
    "workflows.run": async (job) => executeRun(db, workflowEngine, job.data),
    "workflows.sweep": async () => sweepRuns(db, workflowEngine),
    "workflows.time_triggers": async () => {
      const versions = await liveTimeTriggerVersions(db);
      for (const v of versions) await send("workflows.time_trigger", v, { singletonKey: v.versionId });
      return { versions: versions.length };
    },
    "workflows.time_trigger": async (job) => checkTimeTrigger(db, workflowEngine, job.data),
    "sla.check": async () => detectSlaEvents(db, now()),
    "sla.recompute": async (job) => ({
      stored: await recomputeTickets(systemCtx(db, job.data.workspaceId), job.data.ticketIds, now(), scheduleSlaCheck),
    }),
    "sla.recompute_workspace": async (job) => ({ stored: await recomputeWorkspace(systemCtx(db, job.data.workspaceId), now(), scheduleSlaCheck) }),
    "mail_in.poll": async () => {
      const keys = await imapMailboxes(db);
      for (const k of keys) await send("mail_in.poll_mailbox", k, { singletonKey: k.mailboxId });
      return { mailboxes: keys.length };
    },
    "mail_in.poll_mailbox": async (job) => pollMailbox(db, { deliver: deliverToTickets, mail, now }, job.data, options.secretKey),
    "insights.train": async (job) => {
      const ctx = systemCtx(db, job.data.workspaceId);
      try {
        return await trainModel(ctx, job.data.modelId, now());
      } catch (err) {
        // An unexpected failure must not leave the model showing "training" for ever; the retry starts over.
        await failTraining(ctx, job.data.modelId, "Training stopped on an internal error; it will be retried.");
        throw err;
      }
    },
    "insights.retrain": async () => {
      const due = await dueModels(db, now());
      for (const m of due) await send("insights.train", m, { singletonKey: m.modelId });
      return { queued: due.length };
    },
    "insights.score": async (job) => ({ scored: await rescoreRecords(systemCtx(db, job.data.workspaceId), job.data.object, job.data.ids, now()) }),
    "sequences.step": async (job) => runStep(db, { ...sequenceRunner, baseUrl: publicUrl() }, job.data),
    "sequences.sweep": async () => runDueSteps(db, { ...sequenceRunner, baseUrl: publicUrl() }),
  };

  let unlisten: (() => Promise<void>) | undefined;
  if (options.worker) {
    for (const [name, spec] of Object.entries(specs)) {
      if (options.only && !options.only.includes(name as QueueName)) continue;
      const handle = (options.extraQueues?.[name]?.handle ?? handlers[name as QueueName]) as (job: Job<unknown>, tx?: BossDb) => Promise<unknown>;
      const batchSize = spec.batchSize ?? 1;
      // pg-boss waits a polling interval after every fetch, even a full one: a backlog of a batching queue would drain
      // at batchSize × concurrency per interval (measured: 400 jobs/s for batches of 50 at 0.5 s). A full batch says
      // more is waiting, so fetch again at once (pg-boss ignores this for batches of one).
      const common = {
        batchSize,
        burstWhenBatchFull: batchSize > 1,
        localConcurrency: spec.concurrency,
        pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
        // A queue with notify still polls at the same interval (pg-boss would relax it to 30 s): its delayed jobs, due
        // at a time rather than at a commit, are found only by polling.
        notifyPollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
      };
      // One job: its handler's result is the job's output. A batch: each job in turn; a throw fails (and retries) the batch.
      const run = async (jobs: Job<unknown>[], tx?: BossDb) => {
        if (jobs.length === 1) return handle(jobs[0] as Job<unknown>, tx);
        for (const job of jobs) await handle(job, tx);
        return undefined;
      };
      const id = spec.transactional
        ? await boss.work(name, { ...common, transactional: true }, async (jobs: Job<unknown>[], tx: BossDb) => run(jobs, tx))
        : await boss.work<unknown>(name, common, async (jobs) => run(jobs));
      workers.set(name, id);
      const cron = spec.cron;
      if (cron) await boss.schedule(name, cron, {}, { tz: "UTC" });
    }
    // A committed write raises rapport_events (modules/history): wake the dispatcher instead of waiting for its poll.
    // (Not in a process dedicated to extra queues or to some built-in ones without the dispatcher.)
    const listener =
      specs["events.dispatch"] && !(options.only && !options.only.includes("events.dispatch"))
        ? await boss.getDb().listen?.(
            "rapport_events",
            () => void wake().catch((err: unknown) => log.error(`Event wake-up failed: ${(err as Error).message}`)),
            () => void wake().catch(() => {}),
          )
        : undefined;
    unlisten = listener ? () => listener.close() : undefined;
  }

  return {
    boss,
    specs,
    send,
    mail,
    workflowEngine,
    scheduleStep,
    wake,
    notify(name) {
      const id = workers.get(name);
      if (id) boss.notifyWorker(id);
    },
    async stop() {
      await unlisten?.();
      await boss.stop({ graceful: true, timeout: 10_000 });
      transport?.close();
      campaignTransport?.close();
    },
  };
}

/**
 * Reactions that used to run after a commit, now consumers of the stream: they enqueue their work in the
 * consumer's transaction, so it is requested exactly once per event.
 */
function builtInConsumers(send: JobSystem["send"], scheduleDelivery: ScheduleDelivery): Consumer[] {
  return [
    // Every change becomes an audit log entry (modules/audit), written with the cursor.
    auditConsumer,
    // Every change bumps its object's data version, which cached report results are checked against (modules/reports).
    reportCacheConsumer,
    {
      // One delivery row per subscribed endpoint and event, and its job, written with the cursor (modules/webhooks).
      name: "webhooks",
      batchSize: 500,
      async handle(tx, events) {
        await fanOut(tx, events, scheduleDelivery);
      },
    },
    {
      name: "scoring.rules",
      // Scores depend on the rules and on the custom fields they test.
      types: ["scoring_rule.created", "scoring_rule.updated", "scoring_rule.deleted", "custom_field.deleted"],
      async handle(tx, events) {
        for (const workspaceId of new Set(events.map((e) => e.workspaceId)))
          await send("scoring.rescore_workspace", { workspaceId }, { singletonKey: workspaceId, tx });
      },
    },
    {
      name: "scoring.engagement",
      // Engagement rules count activities: the contacts an activity engages are rescored in the consumer's
      // transaction. Imports rescore their own batch inside the import's transaction (activities/import.ts).
      types: engagementEventTypes,
      skipImports: true,
      async handle(tx, events) {
        await rescoreEngaged(tx, events);
      },
    },
    {
      name: "scoring.companies",
      // A company's size or industry feeds its contacts' scores; a company can have tens of thousands of contacts,
      // so the consumer only queues the job that pages through them (one waiting per company: stately + key).
      types: ["company.updated"],
      async handle(tx, events) {
        for (const r of companyRescores(events)) await send("scoring.rescore_company", r, { singletonKey: `${r.workspaceId}:${r.companyId}`, tx });
      },
    },
    {
      name: "insights.rescore",
      // A new or changed deal, contact or company (or an activity logged on one) gets a fresh score from the trained
      // models: one job per workspace and object per batch. Imports are left to the next training, which scores all.
      types: ["deal.created", "deal.updated", "contact.created", "contact.updated", "company.created", "company.updated", "activity.logged"],
      skipImports: true,
      async handle(tx, events) {
        for (const [key, ids] of insightRescores(events)) {
          const [workspaceId, object] = key.split("|") as [string, "deal" | "contact" | "company"];
          await send("insights.score", { workspaceId, object, ids: [...ids] }, { tx });
        }
      },
    },
    {
      name: "csat.schedule",
      // A solved ticket gets its survey written here, and the sender woken at its due time (a sweep every 5 minutes
      // catches a lost wake-up).
      types: ["ticket.status_changed"],
      skipImports: true,
      async handle(tx, events) {
        for (const s of await scheduleSurveys(tx, events)) await send("csat.send", {}, { startAfter: s.sendAt, singletonKey: `${s.sendAt.toISOString()}`, tx });
      },
    },
    {
      name: "tasks.reminders",
      // A reminder fires at its minute: a delayed job per reminder set, beside the every-minute safety net.
      types: ["task.created", "task.updated", "task.restored"],
      skipImports: true,
      async handle(tx, events) {
        for (const e of events) {
          const remindAt = (e.data.record as { remindAt?: string | null } | null)?.remindAt;
          if (!remindAt || (e.type === "task.updated" && !e.data.changes.some((c) => c.field === "remindAt"))) continue;
          await send("tasks.reminders", {}, { startAfter: new Date(remindAt), singletonKey: `${e.recordId}@${remindAt}`, tx });
        }
      },
    },
  ];
}

/** The records a batch of events asks to rescore, by workspace and object. */
function insightRescores(events: Parameters<Consumer["handle"]>[1]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (workspaceId: string, object: string, id: string | null | undefined) => {
    if (!id) return;
    const key = `${workspaceId}|${object}`;
    out.set(key, (out.get(key) ?? new Set()).add(id));
  };
  for (const e of events) {
    if (e.type === "activity.logged") {
      const record = e.data.record as { dealId?: string | null; contactId?: string | null; companyId?: string | null } | null;
      add(e.workspaceId, "deal", record?.dealId);
      add(e.workspaceId, "contact", record?.contactId);
      add(e.workspaceId, "company", record?.companyId);
    } else add(e.workspaceId, e.type.split(".")[0]!, e.recordId);
  }
  return out;
}

/**
 * The sla.check job for a warn or due time: one per second that holds such a time (stately per singleton key), so
 * thousands of clocks due in the same second share one job.
 */
export function slaCheckAt(at: Date): { startAfter: Date; singletonKey: string } {
  const second = new Date(Math.ceil(at.getTime() / 1000) * 1000);
  return { startAfter: second, singletonKey: `at:${second.toISOString()}` };
}

/** Ticket events that can move a clock, and the configuration events that move every open ticket's clocks. */
const slaTicketEvents = ["ticket.created", "ticket.updated", "ticket.deleted", "ticket.restored", "ticket.message_added"] as const;
const slaConfigEvents = [
  "sla_calendar.created",
  "sla_calendar.updated",
  "sla_calendar.deleted",
  "sla_policy.created",
  "sla_policy.updated",
  "sla_policy.deleted",
] as const;

/** SLA clocks follow the stream: a changed ticket's clocks are recomputed by a job; a policy or calendar change recomputes its workspace. */
function slaConsumer(send: JobSystem["send"]): Consumer {
  return {
    name: "sla.clocks",
    types: [...slaTicketEvents, ...slaConfigEvents],
    async handle(tx, events) {
      const tickets = new Map<string, Set<string>>();
      const workspaces = new Set<string>();
      for (const e of events) {
        if ((slaConfigEvents as readonly string[]).includes(e.type)) workspaces.add(e.workspaceId);
        else {
          const record = e.data.record as { ticketId?: string } | null;
          // message_added's record is the message's summary; the others' is the ticket.
          const id = e.type === "ticket.message_added" ? (record?.ticketId ?? e.recordId) : e.recordId;
          tickets.set(e.workspaceId, (tickets.get(e.workspaceId) ?? new Set()).add(id));
        }
      }
      for (const workspaceId of workspaces) await send("sla.recompute_workspace", { workspaceId }, { singletonKey: workspaceId, tx });
      for (const [workspaceId, ids] of tickets) if (!workspaces.has(workspaceId)) await send("sla.recompute", { workspaceId, ticketIds: [...ids] }, { tx });
    },
  };
}

/** How the import service enqueues a run through this job system, in the caller's transaction. */
export const importEnqueuer =
  (jobs: Pick<JobSystem, "send">): EnqueueImport =>
  (tx, data) =>
    jobs.send("imports.run", data, { tx, singletonKey: data.importId });

const systemCtx = (db: Db, workspaceId: string): Ctx => ({ db, workspaceId, actor: systemActor });
