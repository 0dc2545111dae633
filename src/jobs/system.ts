import { sql } from "drizzle-orm";
import { type Clock, fromDrizzle, fromPglite, type Job, PgBoss, type Queue, type SendOptions } from "pg-boss";
import { type Ctx, systemActor } from "../core/context.js";
import type { Database, Db } from "../db/client.js";
import { queryRows } from "../db/client.js";
import { scanDuplicates } from "../modules/duplicates/service.js";
import { type Consumer, dispatchEvents, pruneEvents } from "../modules/events/service.js";
import { rescoreDue, runWorkspaceRescore } from "../modules/leads/scoring.js";
import type { Mailer } from "../modules/notifications/mail.js";
import { deliverDueReminders, type ReminderLog } from "../modules/tasks/reminders.js";
import { type DeliveryKey, deliverPending, deliveryKeyOf, fanOut, type ScheduleDelivery, sweepDue } from "../modules/webhooks/service.js";

/** What each kind of job carries. */
export interface JobData {
  "events.dispatch": Record<string, never>;
  "events.prune": Record<string, never>;
  "tasks.reminders": Record<string, never>;
  "scoring.decay": Record<string, never>;
  "scoring.rescore_workspace": { workspaceId: string };
  "duplicates.scan_all": Record<string, never>;
  "duplicates.scan": { workspaceId: string };
  "webhooks.deliver": DeliveryKey;
  "webhooks.sweep": Record<string, never>;
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
  /**
   * Jobs each worker takes per fetch (default 1). A worker polls again only after its batch, waiting the polling
   * interval when the queue looked empty, so many small jobs need batches to keep up.
   */
  batchSize?: number;
}

/**
 * Every queue, with its retry policy. Backoff is exponential (retryDelay × 2^attempt, with jitter, capped by
 * retryDelayMax); a job that exhausts retryLimit stays in the failed (dead-letter) state until an admin retries or
 * discards it. "stately" queues hold at most one waiting and one running job (per singleton key): a recurring pass
 * that is still running is never started twice, and a request for one more pass while it runs is kept, not lost.
 */
export const queueSpecs: Record<QueueName, QueueSpec> = {
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
  "tasks.reminders": {
    label: "Task reminders",
    description: "Delivers due task reminders in the app and by email",
    options: { policy: "stately", retryLimit: 5, retryDelay: 10, retryBackoff: true, retryDelayMax: 300 },
    cron: "* * * * *",
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
};
export const queueNames = Object.keys(queueSpecs) as QueueName[];

export interface JobSystemOptions {
  database: Database;
  /** Run the handlers in this process; false: only enqueue and administer (serve --no-worker). */
  worker: boolean;
  mailer?: Mailer | null;
  publicUrl?: string;
  log: ReminderLog;
  /** Events older than this are pruned (default 30 days). */
  eventRetentionDays?: number;
  /** More consumers of the event stream beside the built-in ones (tests, extensions), fed by events.dispatch. */
  consumers?: readonly Consumer[];
  /** Tests move time by hand (pg-boss TestClock). */
  clock?: Clock;
  /** Seconds between polls of each queue when nothing wakes it (default 2). */
  pollingIntervalSeconds?: number;
  /** How long a webhook receiver has to answer (default 15 s; tests shorten it). */
  webhookTimeoutMs?: number;
  /** Queues beside the built-in ones, with their handlers (tests, extensions). */
  extraQueues?: Record<string, { spec: QueueSpec; handle(job: Job<object>): Promise<unknown> }>;
}

export interface JobSystem {
  boss: PgBoss;
  /** Every queue this system knows, built-in and extra. */
  specs: Record<string, QueueSpec>;
  /** Enqueues a job; with `tx` it is written in the caller's transaction and exists only if that commits. */
  send<N extends QueueName>(name: N, data: JobData[N], options?: SendOptions & { tx?: Db }): Promise<string | null>;
  /** Asks for an event delivery pass now (also what a committed write's notification does). */
  wake(): Promise<void>;
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

/** Starts pg-boss on the app's database: creates its schema and queues, and with `worker` runs every kind of job. */
export async function startJobSystem(options: JobSystemOptions): Promise<JobSystem> {
  const { database, log } = options;
  const db = database.db;
  const boss = bossFor(database, options);
  boss.on("error", (err: Error) => log.error(`Job queue: ${err.message}`));
  await boss.start();
  const specs: Record<string, QueueSpec> = { ...queueSpecs };
  for (const [name, extra] of Object.entries(options.extraQueues ?? {})) specs[name] = extra.spec;
  for (const [name, spec] of Object.entries(specs)) {
    const existing = await boss.getQueue(name);
    // A queue's policy is fixed at creation (pg-boss); retries and timings follow the code on every start.
    const { policy: _policy, ...tunable } = spec.options;
    if (existing) await boss.updateQueue(name, tunable);
    else await boss.createQueue(name, spec.options);
  }

  const send: JobSystem["send"] = async (name, data, sendOptions = {}) => {
    const { tx, ...rest } = sendOptions;
    return boss.send(name, data, tx ? { ...rest, db: fromDrizzle(tx as never, sql as never) } : rest);
  };

  const workers = new Map<string, string>();
  const now = () => new Date(options.clock?.now() ?? Date.now());
  const scheduleDelivery: ScheduleDelivery = async (key, o) => {
    await send("webhooks.deliver", key, { singletonKey: deliveryKeyOf(key), startAfter: o?.at, tx: o?.tx });
  };
  const consumers = [...builtInConsumers(send, scheduleDelivery), ...(options.consumers ?? [])];
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
    "tasks.reminders": async () => ({
      delivered: await deliverDueReminders(
        { db, mailer: options.mailer ?? null, publicUrl: options.publicUrl ?? "http://localhost:3000", log },
        new Date(options.clock?.now() ?? Date.now()),
      ),
    }),
    "scoring.decay": async () => ({ rescored: await rescoreDue(db, new Date(options.clock?.now() ?? Date.now())) }),
    "scoring.rescore_workspace": async (job) => {
      await runWorkspaceRescore(systemCtx(db, job.data.workspaceId));
      return {};
    },
    "duplicates.scan_all": async () => {
      const rows = await queryRows<{ id: string }>(db, sql`select id from workspaces`);
      for (const r of rows) await send("duplicates.scan", { workspaceId: r.id }, { singletonKey: r.id });
      return { workspaces: rows.length };
    },
    "duplicates.scan": async (job) => scanDuplicates(systemCtx(db, job.data.workspaceId)),
    "webhooks.deliver": async (job) => deliverPending(db, job.data, { now, schedule: scheduleDelivery, timeoutMs: options.webhookTimeoutMs }),
    "webhooks.sweep": async () => ({ queued: await sweepDue(db, now(), scheduleDelivery) }),
  };

  let unlisten: (() => Promise<void>) | undefined;
  if (options.worker) {
    for (const [name, spec] of Object.entries(specs)) {
      const handle = (options.extraQueues?.[name]?.handle ?? handlers[name as QueueName]) as (job: Job<unknown>) => Promise<unknown>;
      const id = await boss.work<unknown>(
        name,
        {
          batchSize: spec.batchSize ?? 1,
          // A full batch fetches again at once instead of waiting the polling interval: a backlog drains at full speed.
          burstWhenBatchFull: (spec.batchSize ?? 1) > 1,
          localConcurrency: spec.concurrency,
          pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2,
        },
        // A batch's jobs run side by side; one that throws fails the batch, whose jobs are retried (handlers are idempotent).
        async (jobs) => (jobs.length === 1 ? handle(jobs[0] as Job<unknown>) : Promise.all(jobs.map((j) => handle(j)))),
      );
      workers.set(name, id);
      const cron = spec.cron;
      if (cron) await boss.schedule(name, cron, {}, { tz: "UTC" });
    }
    // A committed write raises rapport_events (modules/history): wake the dispatcher instead of waiting for its poll.
    const listener = await boss.getDb().listen?.(
      "rapport_events",
      () => void wake().catch((err: unknown) => log.error(`Event wake-up failed: ${(err as Error).message}`)),
      () => void wake().catch(() => {}),
    );
    unlisten = listener ? () => listener.close() : undefined;
  }

  return {
    boss,
    specs,
    send,
    wake,
    async stop() {
      await unlisten?.();
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}

/**
 * Reactions that used to run after a commit, now consumers of the stream: they enqueue their work in the
 * consumer's transaction, so it is requested exactly once per event.
 */
function builtInConsumers(send: JobSystem["send"], scheduleDelivery: ScheduleDelivery): Consumer[] {
  return [
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

const systemCtx = (db: Db, workspaceId: string): Ctx => ({ db, workspaceId, actor: systemActor });
