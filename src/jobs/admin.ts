import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { FailedJob, JobOverview } from "../contract/jobs.js";
import type { Ctx } from "../core/context.js";
import { notFound } from "../core/errors.js";
import { assertCan } from "../core/roles.js";
import { type Db, queryRows } from "../db/client.js";
import { consumerStatuses } from "../modules/events/service.js";
import { type JobSystem, type QueueName, type QueueSpec, queueSpecs } from "./system.js";

/**
 * What Settings → Jobs and `rapport jobs` show. The queues serve every workspace: counts are totals, while single
 * jobs (their data and errors) are shown only to admins of the workspace they belong to, or when they belong to none.
 */
const ownJob = (workspaceId: string | null) =>
  workspaceId === null ? sql`true` : sql`(data->>'workspaceId' is null or data->>'workspaceId' = ${workspaceId})`;

export async function jobOverview(db: Db, extra: Record<string, QueueSpec> = {}): Promise<z.infer<typeof JobOverview>> {
  const specs: Record<string, QueueSpec> = { ...queueSpecs, ...extra };
  const names = Object.keys(specs);
  const counts = await queryRows<{ name: string; state: string; n: number }>(
    db,
    sql`select name, state, count(*)::int as n from pgboss.job where name in (${sql.join(
      names.map((n) => sql`${n}`),
      sql`, `,
    )}) group by name, state`,
  );
  const count = (name: string, ...states: string[]) => counts.filter((c) => c.name === name && states.includes(c.state)).reduce((a, c) => a + c.n, 0);
  return {
    queues: Object.entries(specs).map(([name, spec]) => ({
      name,
      label: spec.label,
      description: spec.description,
      schedule: spec.cron ?? null,
      waiting: count(name, "created", "retry"),
      active: count(name, "active"),
      failed: count(name, "failed"),
      completed: count(name, "completed"),
      retryLimit: spec.options.retryLimit ?? 2,
    })),
    consumers: await consumerStatuses(db),
  };
}

interface JobRow {
  id: string;
  name: string;
  state: "failed" | "retry";
  retry_count: number;
  retry_limit: number;
  output: unknown;
  data: Record<string, unknown> | null;
  created_on: Date | string;
  completed_on: Date | string | null;
  start_after: Date | string | null;
}

/** The error a handler threw, as pg-boss stored it (an Error's name, message and stack): the message only. */
function errorOf(output: unknown): string {
  if (output && typeof output === "object") {
    const o = output as { message?: unknown; value?: unknown };
    if (typeof o.message === "string") return o.message;
    if (o.value !== undefined) return String(o.value);
  }
  return output === null || output === undefined ? "Failed without a message" : JSON.stringify(output).slice(0, 500);
}

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Jobs that failed: dead ones (out of retries) first, then those waiting for another attempt. */
export async function failedJobs(workspaceId: string | null, db: Db, q: { queue?: string; limit: number }): Promise<z.infer<typeof FailedJob>[]> {
  const rows = await queryRows<JobRow>(
    db,
    sql`select id, name, state, retry_count, retry_limit, output, data, created_on, completed_on, start_after from pgboss.job
        where state in ('failed', 'retry') and ${q.queue ? sql`name = ${q.queue}` : sql`true`} and ${ownJob(workspaceId)}
        order by (state = 'failed') desc, coalesce(completed_on, created_on) desc limit ${q.limit}`,
  );
  return rows.map((r) => ({
    id: r.id,
    queue: r.name,
    queueLabel: queueSpecs[r.name as QueueName]?.label ?? r.name,
    state: r.state,
    // retry_count counts the retries; the attempts include the first run.
    attempts: r.state === "failed" ? r.retry_count + 1 : r.retry_count,
    retryLimit: r.retry_limit,
    error: errorOf(r.output),
    data: r.data ?? {},
    createdAt: new Date(r.created_on).toISOString(),
    failedAt: iso(r.completed_on),
    nextAttemptAt: r.state === "retry" ? iso(r.start_after) : null,
  }));
}

async function assertVisible(db: Db, workspaceId: string | null, queue: string, id: string): Promise<void> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`select id from pgboss.job where name = ${queue} and id = ${id}::uuid and state in ('failed', 'retry') and ${ownJob(workspaceId)}`,
  );
  if (rows.length === 0) throw notFound("Failed job");
}

/** Runs a failed job again now, with a fresh set of attempts. `ctx` null: the CLI, which sees every workspace. */
export async function retryJob(ctx: Ctx | null, jobs: JobSystem, db: Db, queue: string, id: string): Promise<void> {
  if (ctx) assertCan(ctx.actor, "admin");
  await assertVisible(db, ctx?.workspaceId ?? null, queue, id);
  await jobs.boss.retry(queue, id);
}

/** Gives up on a failed job: it is deleted. */
export async function discardJob(ctx: Ctx | null, jobs: JobSystem, db: Db, queue: string, id: string): Promise<void> {
  if (ctx) assertCan(ctx.actor, "admin");
  await assertVisible(db, ctx?.workspaceId ?? null, queue, id);
  await jobs.boss.deleteJob(queue, id);
}
