import { and, eq, sql } from "drizzle-orm";
import { type Ctx, systemActor } from "../../core/context.js";
import { type Db, queryRows } from "../../db/client.js";
import { tableOf } from "../conditions/sources.js";
import { consentPredicate, suppressedPredicate } from "../consent/service.js";
import { prepareMarketingTemplate, sendMarketingEmail } from "../email-templates/public.js";
import type { PreparedTemplate } from "../email-templates/render.js";
import { type MailQueue, notConfiguredError, sendQueuedMail } from "../mail/service.js";
import { engagementSummary } from "../mail/tracking.js";
import type { MailTransport } from "../mail/transport.js";
import { campaignRecipients, campaigns } from "./table.js";

// The contacts table as the condition language exposes it (segments read it the same way).
const contacts = tableOf.contact;

/**
 * The send engine: one `campaigns.send` job per campaign at a time (a stately queue keyed by the campaign) runs a
 * batch and queues the next.
 *
 * Each recipient's commit point: in ONE transaction its row is claimed (pending → queued, FOR UPDATE SKIP LOCKED, so
 * two workers never take the same row) and its outbox message is written, with the recipient row's id as the outbox id
 * and so a Message-ID fixed per campaign and contact (<recipient-id@sender-domain>). A recipient therefore has at most
 * one message, ever: a crash before that commit leaves it pending (nothing was sent), after it the message exists and
 * only its delivery is left. Delivery (sendQueuedMail over a pooled SMTP connection) marks the outbox row sending,
 * hands it to the server, then marks it sent, and the recipient sent.
 *
 * The window that remains, said plainly: a process killed after the SMTP server accepted a message (its 250 reply)
 * and before the outbox row was marked sent leaves that message "sending". On restart the leftovers of a campaign
 * (recipients still queued) are delivered again with the same Message-ID — so the in-doubt message can reach the
 * receiver twice, identical, with the same Message-ID (which receivers that de-duplicate drop). At most the messages
 * in flight at the moment of the crash are in doubt: the pool's connections (CAMPAIGN_POOL), one message each.
 * Choosing "lost" over "twice" for them would need a way to ask the receiver, which SMTP does not have.
 */

export interface CampaignJob {
  workspaceId: string;
  campaignId: string;
}

export interface CampaignEngineDeps {
  mail: MailQueue;
  /** Pooled: many messages per connection. Null without SMTP: messages are kept in the outbox as not_configured. */
  transport: MailTransport | null;
  baseUrl: () => string;
  now: () => Date;
  /** Queues the campaign's next run at `at` (default: now). */
  schedule(job: CampaignJob, at?: Date): Promise<void>;
  secretKey?: string;
  /** Recipients claimed per run (default 200). */
  batchSize?: number;
  /** Messages delivered at once: the pool's connections (default 4). */
  parallel?: number;
  log?: { warn(m: string): void };
}

export const CAMPAIGN_POOL = 4;

const r = campaignRecipients;

type Outcome = { status: string; sent?: number; skipped?: number; failed?: number; next?: string };

async function setRecipient(db: Db, workspaceId: string, id: string, set: Partial<typeof r.$inferInsert>) {
  await db
    .update(r)
    .set(set)
    .where(and(eq(r.workspaceId, workspaceId), eq(r.id, id)));
}

/** Delivers queued recipients (this run's, or leftovers of a crash) and settles their rows. */
async function deliver(db: Db, deps: CampaignEngineDeps, workspaceId: string, ids: string[]): Promise<{ sent: number; failed: number; retry: number }> {
  let sent = 0;
  let failed = 0;
  let retry = 0;
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const id = ids[next++] as string;
      const outcome = await sendQueuedMail(db, deps.transport, { workspaceId, mailId: id }, { retryCount: 0, retryLimit: 1 }, { secretKey: deps.secretKey });
      if (outcome.status === "sent" || outcome.status === "skipped") {
        // skipped: the outbox row was settled already (sent by a run that died before settling the recipient).
        await setRecipient(db, workspaceId, id, { status: "sent", sentAt: deps.now() });
        sent++;
      } else if (outcome.status === "failed" || outcome.status === "not_configured") {
        await setRecipient(db, workspaceId, id, {
          status: "failed",
          error: outcome.status === "not_configured" ? notConfiguredError : "The mail server refused the message (see Settings → Email log)",
        });
        failed++;
      } else retry++; // a temporary failure: the outbox row is queued again, the next run tries it
    }
  };
  await Promise.all(Array.from({ length: Math.min(deps.parallel ?? CAMPAIGN_POOL, ids.length) }, worker));
  return { sent, failed, retry };
}

/** Chooses the A/B winner by human opens (or clicks) of the sample; a tie goes to A. */
async function decideWinner(db: Db, c: typeof campaigns.$inferSelect): Promise<"a" | "b"> {
  const score = async (v: "a" | "b") => {
    const s = await engagementSummary(
      db,
      c.workspaceId,
      sql`select ${r.id} from ${r} where ${r.workspaceId} = ${c.workspaceId}::uuid and ${r.campaignId} = ${c.id}::uuid and ${r.variant} = ${v}`,
    );
    return c.abWinnerBy === "clicks" ? s.clicked : s.opened;
  };
  const [a, b] = [await score("a"), await score("b")];
  return b > a ? "b" : "a";
}

/** One run of a campaign: start a scheduled one when due, deliver leftovers, claim and send one throttled batch. */
export async function runCampaign(db: Db, deps: CampaignEngineDeps, job: CampaignJob): Promise<Outcome> {
  const ws = job.workspaceId;
  const ctx: Ctx = { db, workspaceId: ws, actor: systemActor };
  const now = deps.now();
  const [c] = await db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.workspaceId, ws), eq(campaigns.id, job.campaignId)));
  if (!c) return { status: "gone" };
  if (c.status === "scheduled") {
    if (c.scheduledAt && c.scheduledAt.getTime() > now.getTime()) {
      await deps.schedule(job, c.scheduledAt);
      return { status: "scheduled", next: c.scheduledAt.toISOString() };
    }
    await db
      .update(campaigns)
      .set({ status: "sending", startedAt: now, updatedAt: new Date() })
      .where(and(eq(campaigns.workspaceId, ws), eq(campaigns.id, c.id), eq(campaigns.status, "scheduled")));
    c.status = "sending";
  }
  if (c.status !== "sending" || !c.content) return { status: c.status };

  // Leftovers: queued recipients whose delivery a previous run did not finish (a crash, a temporary failure).
  const leftovers = await queryRows<{ id: string }>(
    db,
    sql`select id from ${r} where workspace_id = ${ws}::uuid and campaign_id = ${c.id}::uuid and status = 'queued' order by id limit 1000`,
  );
  const redelivered = await deliver(
    db,
    deps,
    ws,
    leftovers.map((x) => x.id),
  );

  // A/B: the sample first; then wait for its results, choose the winner, and send it to the rest.
  const ab = Boolean(c.subjectB && c.abSamplePercent);
  let phase: "sample" | "rest" = "rest";
  if (ab && !c.abWinner) {
    const [left] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from ${r} where workspace_id = ${ws}::uuid and campaign_id = ${c.id}::uuid and variant is not null and status in ('pending', 'queued')`,
    );
    if (Number(left?.n ?? 0) > 0) phase = "sample";
    else {
      const decideAt = c.abDecideAt ?? new Date(now.getTime() + (c.abWaitMinutes ?? 60) * 60_000);
      if (!c.abDecideAt)
        await db
          .update(campaigns)
          .set({ abDecideAt: decideAt })
          .where(and(eq(campaigns.workspaceId, ws), eq(campaigns.id, c.id)));
      if (decideAt.getTime() > now.getTime()) {
        await deps.schedule(job, decideAt);
        return { status: "waiting_for_ab", next: decideAt.toISOString() };
      }
      c.abWinner = await decideWinner(db, c);
      await db
        .update(campaigns)
        .set({ abWinner: c.abWinner, updatedAt: new Date() })
        .where(and(eq(campaigns.workspaceId, ws), eq(campaigns.id, c.id)));
    }
  }

  // Throttle: what the last minute (by the job system's clock) leaves of the per-minute and per-domain budgets.
  let allowance = deps.batchSize ?? 200;
  const minuteAgo = new Date(now.getTime() - 60_000);
  if (c.perMinute) {
    const [recent] = await queryRows<{ n: number; oldest: string | null }>(
      db,
      sql`select count(*)::int as n, min(queued_at) as oldest from ${r} where workspace_id = ${ws}::uuid and campaign_id = ${c.id}::uuid and queued_at > ${minuteAgo.toISOString()}::timestamptz`,
    );
    allowance = Math.min(allowance, c.perMinute - Number(recent?.n ?? 0));
    if (allowance <= 0) {
      const at = new Date(new Date(recent?.oldest ?? now).getTime() + 60_000);
      await deps.schedule(job, at);
      return { status: "throttled", next: at.toISOString() };
    }
  }
  const perDomain = c.perDomainPerMinute;
  const variantFilter = phase === "sample" ? sql`and variant is not null` : sql``;
  // Candidates in id order; a domain's share is its budget minus what it got in the last minute.
  const candidates = await queryRows<{ id: string }>(
    db,
    perDomain
      ? sql`select id from (
          select p.id, p.domain, row_number() over (partition by p.domain order by p.id) as k,
            (select count(*) from ${r} q where q.workspace_id = ${ws}::uuid and q.campaign_id = ${c.id}::uuid and q.domain = p.domain and q.queued_at > ${minuteAgo.toISOString()}::timestamptz) as used
          from ${r} p where p.workspace_id = ${ws}::uuid and p.campaign_id = ${c.id}::uuid and p.status = 'pending' ${variantFilter}
        ) x where k + used <= ${perDomain} order by id limit ${allowance}`
      : sql`select id from ${r} where workspace_id = ${ws}::uuid and campaign_id = ${c.id}::uuid and status = 'pending' ${variantFilter} order by id limit ${allowance}`,
  );

  // The template compiled once per run and subject (MJML is the slow part of a message), then only filled per recipient.
  const content = c.content as NonNullable<typeof c.content>;
  const compiled = new Map<string, Promise<PreparedTemplate>>();
  const preparedFor = (subject: string) => {
    let p = compiled.get(subject);
    if (!p) {
      p = prepareMarketingTemplate({ ...content, subject }, c.fromAddress ?? deps.mail.from);
      compiled.set(subject, p);
    }
    return p;
  };
  const queued: string[] = [];
  let skipped = 0;
  let failed = 0;
  for (const cand of candidates) {
    // Paused or cancelled meanwhile: stop claiming (what is queued is delivered below).
    const claimed = await db.transaction(async (tx) => {
      const [rec] = await queryRows<{ id: string; contact_id: string; variant: "a" | "b" | null; sendable: boolean }>(
        tx,
        sql`select p.id, p.contact_id, p.variant,
              (k.id is not null and k.deleted_at is null and k.primary_email is not null and not k.do_not_contact
                and not ${suppressedPredicate(ws, sql`p.email`)} and ${consentPredicate(ws, sql`p.contact_id`, "email")}) as sendable
            from ${r} p left join ${contacts} k on k.workspace_id = p.workspace_id and k.id = p.contact_id
            where p.workspace_id = ${ws}::uuid and p.id = ${cand.id}::uuid and p.status = 'pending'
              and exists (select 1 from ${campaigns} cc where cc.workspace_id = p.workspace_id and cc.id = p.campaign_id and cc.status = 'sending')
            for update of p skip locked`,
      );
      if (!rec) return "gone" as const;
      // Suppressed, unsubscribed or marked do-not-contact since the campaign started: never mailed.
      if (!rec.sendable) {
        await tx
          .update(r)
          .set({ status: "skipped", error: "Suppressed, no email consent or do not contact" })
          .where(and(eq(r.workspaceId, ws), eq(r.id, rec.id)));
        return "skipped" as const;
      }
      const subject = rec.variant === "b" || (!rec.variant && c.abWinner === "b") ? (c.subjectB as string) : content.subject;
      try {
        // A savepoint: a message that cannot be built (an address the outbox refuses) fails this recipient alone.
        await tx.transaction(async (sp) =>
          sendMarketingEmail({ ...ctx, db: sp }, deps.mail, {
            template: { ...content, subject },
            prepared: await preparedFor(subject),
            contactId: rec.contact_id,
            from: c.fromAddress ?? undefined,
            tracking: c.tracking,
            baseUrl: deps.baseUrl(),
            headers: { "X-Rapport-Campaign": c.id },
            mailId: rec.id,
            delivery: "caller",
          }),
        );
      } catch (err) {
        await tx
          .update(r)
          .set({ status: "failed", error: (err as Error).message.slice(0, 500) })
          .where(and(eq(r.workspaceId, ws), eq(r.id, rec.id)));
        return "failed" as const;
      }
      await tx
        .update(r)
        .set({ status: "queued", queuedAt: now })
        .where(and(eq(r.workspaceId, ws), eq(r.id, rec.id)));
      return "queued" as const;
    });
    if (claimed === "gone") {
      const [still] = await db
        .select({ status: campaigns.status })
        .from(campaigns)
        .where(and(eq(campaigns.workspaceId, ws), eq(campaigns.id, c.id)));
      if (still?.status !== "sending") break;
      continue;
    }
    if (claimed === "queued") queued.push(cand.id);
    else if (claimed === "skipped") skipped++;
    else failed++;
  }
  const delivered = await deliver(db, deps, ws, queued);

  const [left] = await queryRows<{ pending: number; queued: number }>(
    db,
    sql`select count(*) filter (where status = 'pending')::int as pending, count(*) filter (where status = 'queued')::int as queued
        from ${r} where workspace_id = ${ws}::uuid and campaign_id = ${c.id}::uuid`,
  );
  const pending = Number(left?.pending ?? 0);
  const stillQueued = Number(left?.queued ?? 0);
  const totals = { sent: redelivered.sent + delivered.sent, skipped, failed: failed + redelivered.failed + delivered.failed };
  if (pending === 0 && stillQueued === 0) {
    const done = await db
      .update(campaigns)
      .set({ status: "sent", finishedAt: now, updatedAt: new Date() })
      .where(and(eq(campaigns.workspaceId, ws), eq(campaigns.id, c.id), eq(campaigns.status, "sending")))
      .returning({ id: campaigns.id });
    return { status: done.length ? "sent" : "stopped", ...totals };
  }
  // More to do: at once, or after a pause for temporary failures, or when a domain's budget frees up.
  const retryLater = candidates.length === 0 || delivered.retry + redelivered.retry > 0;
  const at = retryLater ? new Date(now.getTime() + (candidates.length === 0 && perDomain ? 60_000 : 30_000)) : undefined;
  await deps.schedule(job, at);
  return { status: "sending", ...totals, next: at?.toISOString() };
}
