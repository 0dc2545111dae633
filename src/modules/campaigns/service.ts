import { and, desc, eq, gt, inArray, type SQL, sql } from "drizzle-orm";
import type {
  AudienceCount,
  Campaign,
  CampaignAudience,
  CampaignCounts,
  CampaignRecipient,
  CampaignReport,
  CreateCampaignBody,
  RecipientStatus,
  UpdateCampaignBody,
} from "../../contract/campaigns.js";
import { accessOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { queryRows } from "../../db/client.js";
import { tableOf } from "../conditions/sources.js";
import { consentPredicate, suppressedPredicate } from "../consent/service.js";
import { influencedWonDeals } from "../deals/influence.js";
import { getTemplate, templateRow } from "../email-templates/service.js";
import { assertSender } from "../mail/sending.js";
import { engagementByMail, engagementSummary } from "../mail/tracking.js";
import { audiencePredicate } from "../segments/public.js";
import { campaignRecipients, campaigns } from "./table.js";

// The contacts table as the condition language exposes it (segments read it the same way).
const contacts = tableOf.contact;

type Row = typeof campaigns.$inferSelect;

/** What the routes hand the service: how a campaign's send job is queued, and the server's default sender. */
export interface CampaignQueue {
  defaultFrom: string;
  /** Queues the campaign's next batch (at `at`, default now); within `tx` when given. */
  schedule(job: { workspaceId: string; campaignId: string }, at?: Date): Promise<void>;
  now(): Date;
}

export function assertCampaignRead(ctx: Ctx): void {
  if (accessOf(ctx.actor).permissions.campaign.read === "none")
    throw new AppError("forbidden", `Your role (${ctx.actor.role.replaceAll("_", "-")}) cannot see campaigns.`);
}

export function assertCampaignManage(ctx: Ctx): void {
  const rights = accessOf(ctx.actor).permissions.campaign;
  if (!rights.create && rights.edit === "none")
    throw new AppError("forbidden", `Campaigns are run by the marketing role; your role (${ctx.actor.role.replaceAll("_", "-")}) reads them.`);
}

const r = campaignRecipients;

/**
 * Contacts a campaign may mail, as SQL on the contacts table: in the audience, with an email address, not
 * do-not-contact, not on the suppression list, not refusing email. Checked again for each recipient at its turn.
 */
export async function sendablePredicate(ctx: Ctx, audience: CampaignAudience): Promise<{ matching: SQL; sendable: SQL }> {
  const matching = await audiencePredicate(ctx, audience);
  const sendable = sql`${matching} and ${contacts.primaryEmail} is not null and not ${contacts.doNotContact}
    and not ${suppressedPredicate(ctx.workspaceId, sql`${contacts.primaryEmail}`)}
    and ${consentPredicate(ctx.workspaceId, sql`${contacts.id}`, "email")}`;
  return { matching, sendable };
}

/** The wizard's live count: in the audience, and of those how many can be mailed. */
export async function countAudience(ctx: Ctx, audience: CampaignAudience): Promise<AudienceCount> {
  assertCampaignRead(ctx);
  const { matching, sendable } = await sendablePredicate(ctx, audience);
  const [row] = await queryRows<{ matching: number; sendable: number }>(
    ctx.db,
    sql`select count(*)::int as matching, count(*) filter (where ${sendable})::int as sendable from ${contacts} where ${matching}`,
  );
  return { matching: Number(row?.matching ?? 0), sendable: Number(row?.sendable ?? 0) };
}

async function countsOf(ctx: Ctx, ids: string[]): Promise<Map<string, CampaignCounts>> {
  if (ids.length === 0) return new Map();
  const rows = await queryRows<{ campaign_id: string; total: number; pending: number; sent: number; failed: number; skipped: number }>(
    ctx.db,
    sql`select ${r.campaignId} as campaign_id, count(*)::int as total,
          count(*) filter (where ${r.status} in ('pending', 'queued'))::int as pending,
          count(*) filter (where ${r.status} = 'sent')::int as sent,
          count(*) filter (where ${r.status} = 'failed')::int as failed,
          count(*) filter (where ${r.status} in ('skipped', 'cancelled'))::int as skipped
        from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${inArray(r.campaignId, ids)} group by 1`,
  );
  const out = new Map<string, CampaignCounts>();
  for (const id of ids) {
    const row = rows.find((x) => x.campaign_id === id);
    const summary = row?.sent
      ? await engagementSummary(
          ctx.db,
          ctx.workspaceId,
          sql`select ${r.id} from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid`,
        )
      : null;
    out.set(id, {
      recipients: Number(row?.total ?? 0),
      pending: Number(row?.pending ?? 0),
      sent: Number(row?.sent ?? 0),
      failed: Number(row?.failed ?? 0),
      skipped: Number(row?.skipped ?? 0),
      opened: summary?.opened ?? 0,
      clicked: summary?.clicked ?? 0,
    });
  }
  return out;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

async function toCampaigns(ctx: Ctx, rows: Row[]): Promise<Campaign[]> {
  const counts = await countsOf(
    ctx,
    rows.map((x) => x.id),
  );
  const templateNames = new Map<string, string>();
  for (const id of new Set(rows.map((x) => x.templateId).filter((x): x is string => Boolean(x))))
    templateNames.set(id, (await getTemplate(ctx, id).catch(() => null))?.name ?? "");
  return rows.map((x) => ({
    id: x.id,
    name: x.name,
    status: x.status,
    templateId: x.templateId,
    templateName: x.templateId ? (templateNames.get(x.templateId) ?? null) : null,
    from: x.fromAddress,
    subject: x.subject,
    audience: x.audience,
    tracking: x.tracking,
    scheduledAt: iso(x.scheduledAt),
    perMinute: x.perMinute,
    perDomainPerMinute: x.perDomainPerMinute,
    abTest:
      x.subjectB && x.abSamplePercent && x.abWinnerBy && x.abWaitMinutes
        ? { subjectB: x.subjectB, samplePercent: x.abSamplePercent, winnerBy: x.abWinnerBy, waitMinutes: x.abWaitMinutes }
        : null,
    abWinner: x.abWinner,
    abDecideAt: iso(x.abDecideAt),
    startedAt: iso(x.startedAt),
    finishedAt: iso(x.finishedAt),
    counts: counts.get(x.id) as CampaignCounts,
    createdAt: x.createdAt.toISOString(),
    updatedAt: x.updatedAt.toISOString(),
  }));
}

export async function campaignRow(ctx: Pick<Ctx, "db" | "workspaceId">, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(campaigns)
    .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id)));
  if (!row) throw notFound("Campaign");
  return row;
}

export async function listCampaigns(ctx: Ctx): Promise<Campaign[]> {
  assertCampaignRead(ctx);
  const rows = await ctx.db.select().from(campaigns).where(eq(campaigns.workspaceId, ctx.workspaceId)).orderBy(desc(campaigns.createdAt)).limit(500);
  return toCampaigns(ctx, rows);
}

export async function getCampaign(ctx: Ctx, id: string): Promise<Campaign> {
  assertCampaignRead(ctx);
  return (await toCampaigns(ctx, [await campaignRow(ctx, id)]))[0] as Campaign;
}

async function checkBody(ctx: Ctx, queue: CampaignQueue, body: UpdateCampaignBody): Promise<void> {
  if (body.templateId) await templateRow(ctx, body.templateId).catch(() => Promise.reject(invalidField("templateId", "No such template")));
  if (body.from) await assertSender(ctx.db, ctx.workspaceId, body.from, queue.defaultFrom);
  // Every segment and list exists (a typo'd id is refused now, not when sending starts).
  if (body.audience) await audiencePredicate(ctx, body.audience);
  if (body.scheduledAt && Number.isNaN(Date.parse(body.scheduledAt))) throw invalidField("scheduledAt", "Not a date and time");
}

const columnsOf = (body: UpdateCampaignBody) => ({
  ...(body.name !== undefined ? { name: body.name } : {}),
  ...(body.templateId !== undefined ? { templateId: body.templateId } : {}),
  ...(body.from !== undefined ? { fromAddress: body.from?.toLowerCase() || null } : {}),
  ...(body.subject !== undefined ? { subject: body.subject || null } : {}),
  ...(body.audience !== undefined ? { audience: body.audience } : {}),
  ...(body.tracking !== undefined ? { tracking: body.tracking } : {}),
  ...(body.scheduledAt !== undefined ? { scheduledAt: body.scheduledAt ? new Date(body.scheduledAt) : null } : {}),
  ...(body.perMinute !== undefined ? { perMinute: body.perMinute } : {}),
  ...(body.perDomainPerMinute !== undefined ? { perDomainPerMinute: body.perDomainPerMinute } : {}),
  ...(body.abTest !== undefined
    ? {
        subjectB: body.abTest?.subjectB ?? null,
        abSamplePercent: body.abTest?.samplePercent ?? null,
        abWinnerBy: body.abTest?.winnerBy ?? null,
        abWaitMinutes: body.abTest?.waitMinutes ?? null,
      }
    : {}),
});

export async function createCampaign(ctx: Ctx, queue: CampaignQueue, body: CreateCampaignBody): Promise<Campaign> {
  assertCampaignManage(ctx);
  await checkBody(ctx, queue, body);
  const now = new Date();
  const [row] = await ctx.db
    .insert(campaigns)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      ...columnsOf(body),
      name: body.name,
      audience: body.audience,
      createdById: ctx.actor.userId,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return (await toCampaigns(ctx, [row as Row]))[0] as Campaign;
}

export async function updateCampaign(ctx: Ctx, queue: CampaignQueue, id: string, body: UpdateCampaignBody): Promise<Campaign> {
  assertCampaignManage(ctx);
  const before = await campaignRow(ctx, id);
  if (before.status !== "draft") throw new AppError("conflict", "Only a draft can be changed; this campaign has been started.");
  await checkBody(ctx, queue, body);
  await ctx.db
    .update(campaigns)
    .set({ ...columnsOf(body), updatedAt: new Date() })
    .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id), eq(campaigns.status, "draft")));
  return getCampaign(ctx, id);
}

export async function deleteCampaign(ctx: Ctx, id: string): Promise<void> {
  assertCampaignManage(ctx);
  const row = await campaignRow(ctx, id);
  if (row.status === "sending" || row.status === "paused") throw new AppError("conflict", "Cancel the campaign before deleting it: it is part sent.");
  await ctx.db.delete(campaigns).where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id)));
}

/**
 * Starts a draft: freezes the template's content, and writes one recipient row per sendable contact in one statement
 * (unique per campaign and contact). With an A/B test a random sample of samplePercent per variant is drawn here, so
 * the split is exact and visible before anything is sent. Scheduled campaigns materialise now too: the audience is
 * the one the author saw; consent and suppression are checked again for each recipient when its turn comes.
 */
export async function startCampaign(ctx: Ctx, queue: CampaignQueue, id: string): Promise<Campaign> {
  assertCampaignManage(ctx);
  const row = await campaignRow(ctx, id);
  if (row.status !== "draft") throw new AppError("conflict", "This campaign has already been started.");
  if (!row.templateId) throw invalidField("templateId", "Choose a template");
  const template = await templateRow(ctx, row.templateId);
  if (row.fromAddress) await assertSender(ctx.db, ctx.workspaceId, row.fromAddress, queue.defaultFrom);
  const now = queue.now();
  const scheduled = row.scheduledAt && row.scheduledAt.getTime() > now.getTime();
  const { matching, sendable } = await sendablePredicate(ctx, row.audience);
  await ctx.db.transaction(async (tx) => {
    const moved = await tx
      .update(campaigns)
      .set({
        status: scheduled ? "scheduled" : "sending",
        content: { subject: row.subject || template.subject, preheader: template.preheader, body: template.body },
        startedAt: scheduled ? null : now,
        updatedAt: new Date(),
      })
      .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id), eq(campaigns.status, "draft")))
      .returning({ id: campaigns.id });
    if (moved.length === 0) throw new AppError("conflict", "This campaign has already been started.");
    // One row per contact and address (two contacts sharing an address get one message: the first by id).
    await tx.execute(sql`
      insert into ${r} (workspace_id, campaign_id, contact_id, id, email, domain, status)
      select distinct on (lower(${contacts.primaryEmail})) ${ctx.workspaceId}::uuid, ${id}::uuid, ${contacts.id}, gen_random_uuid(), lower(${contacts.primaryEmail}),
        split_part(lower(${contacts.primaryEmail}), '@', 2), 'pending'
      from ${contacts} where ${matching} and ${sendable}
      order by lower(${contacts.primaryEmail}), ${contacts.id}
      on conflict do nothing`);
    const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid`,
    );
    const total = Number(n);
    if (row.abSamplePercent && row.subjectB) {
      // Each variant gets floor(total × percent / 100) recipients, drawn at random.
      const each = Math.floor((total * row.abSamplePercent) / 100);
      await tx.execute(sql`
        update ${r} set variant = case when s.k <= ${each} then 'a' else 'b' end
        from (select id, row_number() over (order by random()) as k from ${r}
              where workspace_id = ${ctx.workspaceId}::uuid and campaign_id = ${id}::uuid) s
        where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid and ${r.id} = s.id and s.k <= ${each * 2}`);
    }
    await tx
      .update(campaigns)
      .set({ recipientCount: total })
      .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id)));
  });
  await queue.schedule({ workspaceId: ctx.workspaceId, campaignId: id }, scheduled ? (row.scheduledAt as Date) : undefined);
  return getCampaign(ctx, id);
}

async function move(ctx: Ctx, id: string, from: Row["status"][], to: Row["status"], refusal: string): Promise<void> {
  const moved = await ctx.db
    .update(campaigns)
    .set({ status: to, updatedAt: new Date(), ...(to === "cancelled" ? { finishedAt: new Date() } : {}) })
    .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id), inArray(campaigns.status, from)))
    .returning({ id: campaigns.id });
  if (moved.length === 0) {
    await campaignRow(ctx, id);
    throw new AppError("conflict", refusal);
  }
}

/** Stops sending after the batch in flight; nothing already queued is taken back. */
export async function pauseCampaign(ctx: Ctx, id: string): Promise<Campaign> {
  assertCampaignManage(ctx);
  await move(ctx, id, ["sending", "scheduled"], "paused", "Only a campaign that is sending or scheduled can be paused.");
  return getCampaign(ctx, id);
}

export async function resumeCampaign(ctx: Ctx, queue: CampaignQueue, id: string): Promise<Campaign> {
  assertCampaignManage(ctx);
  const row = await campaignRow(ctx, id);
  const scheduled = !row.startedAt && row.scheduledAt && row.scheduledAt.getTime() > queue.now().getTime();
  await move(ctx, id, ["paused"], scheduled ? "scheduled" : "sending", "Only a paused campaign can be resumed.");
  if (!scheduled && !row.startedAt)
    await ctx.db
      .update(campaigns)
      .set({ startedAt: queue.now() })
      .where(and(eq(campaigns.workspaceId, ctx.workspaceId), eq(campaigns.id, id)));
  await queue.schedule({ workspaceId: ctx.workspaceId, campaignId: id }, scheduled ? (row.scheduledAt as Date) : undefined);
  return getCampaign(ctx, id);
}

/** Stops for good: recipients still waiting are marked not sent; messages already queued still go. */
export async function cancelCampaign(ctx: Ctx, id: string): Promise<Campaign> {
  assertCampaignManage(ctx);
  await ctx.db.transaction(async (tx) => {
    await move({ ...ctx, db: tx }, id, ["draft", "scheduled", "sending", "paused"], "cancelled", "This campaign has finished already.");
    await tx
      .update(r)
      .set({ status: "cancelled" })
      .where(and(eq(r.workspaceId, ctx.workspaceId), eq(r.campaignId, id), eq(r.status, "pending")));
  });
  return getCampaign(ctx, id);
}

const recipientScope = (ctx: Pick<Ctx, "workspaceId">, id: string, extra?: SQL) =>
  sql`select ${r.id} from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid${extra ? sql` and ${extra}` : sql``}`;

export async function campaignReport(ctx: Ctx, id: string, days: number): Promise<CampaignReport> {
  const campaign = await getCampaign(ctx, id);
  const [t] = await queryRows<{ sent: number; failed: number; bounced: number; complained: number; unsubscribed: number }>(
    ctx.db,
    sql`select count(*) filter (where ${r.status} = 'sent')::int as sent, count(*) filter (where ${r.status} = 'failed')::int as failed,
          count(*) filter (where ${r.bouncedAt} is not null)::int as bounced, count(*) filter (where ${r.complainedAt} is not null)::int as complained,
          count(*) filter (where ${r.unsubscribedAt} is not null)::int as unsubscribed
        from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid`,
  );
  const summary = await engagementSummary(ctx.db, ctx.workspaceId, recipientScope(ctx, id));
  const influenced = await influencedWonDeals(
    ctx.db,
    ctx.workspaceId,
    sql`select ${r.contactId}, ${r.sentAt} from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid and ${r.status} = 'sent'`,
    days,
  );
  const row = await campaignRow(ctx, id);
  const variants: CampaignReport["variants"] = [];
  if (row.subjectB)
    for (const v of ["a", "b"] as const) {
      const s = await engagementSummary(ctx.db, ctx.workspaceId, recipientScope(ctx, id, sql`${r.variant} = ${v}`));
      const [c] = await queryRows<{ n: number }>(
        ctx.db,
        sql`select count(*)::int as n from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.campaignId} = ${id}::uuid and ${r.variant} = ${v} and ${r.status} = 'sent'`,
      );
      variants.push({
        variant: v,
        subject: v === "a" ? (row.content?.subject ?? row.subject ?? "") : row.subjectB,
        sent: Number(c?.n ?? 0),
        opened: s.opened,
        clicked: s.clicked,
      });
    }
  const sent = Number(t?.sent ?? 0);
  const bounced = Number(t?.bounced ?? 0);
  return {
    campaign,
    sent,
    delivered: Math.max(0, sent - bounced),
    bounced,
    failed: Number(t?.failed ?? 0),
    opened: summary.opened,
    machineOpened: summary.machineOnlyOpened,
    clicked: summary.clicked,
    unsubscribed: Number(t?.unsubscribed ?? 0),
    complained: Number(t?.complained ?? 0),
    influencedDeals: influenced.deals,
    influencedRevenue: influenced.revenue,
    influenceDays: days,
    links: summary.links,
    variants,
    timeline: summary.hourly.map((h) => ({ hour: h.hour, opens: h.opens, clicks: h.clicks })),
  };
}

/** The per-recipient table, by keyset on the recipient id. */
export async function listRecipients(
  ctx: Ctx,
  id: string,
  q: { limit: number; cursor?: string; status?: RecipientStatus },
): Promise<{ data: CampaignRecipient[]; nextCursor: string | null }> {
  assertCampaignRead(ctx);
  await campaignRow(ctx, id);
  if (q.cursor && !/^[0-9a-f-]{36}$/.test(q.cursor)) throw invalidField("cursor", "Invalid cursor; start again without it");
  const rows = await ctx.db
    .select({ rec: r, firstName: contacts.firstName, lastName: contacts.lastName })
    .from(r)
    .leftJoin(contacts, and(eq(contacts.workspaceId, r.workspaceId), eq(contacts.id, r.contactId)))
    .where(
      and(eq(r.workspaceId, ctx.workspaceId), eq(r.campaignId, id), q.status ? eq(r.status, q.status) : undefined, q.cursor ? gt(r.id, q.cursor) : undefined),
    )
    .orderBy(r.id)
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const ids = page.map((x) => x.rec.id);
  const engagement = ids.length
    ? await engagementByMail(
        ctx.db,
        ctx.workspaceId,
        sql`select unnest(array[${sql.join(
          ids.map((i) => sql`${i}::uuid`),
          sql`, `,
        )}])`,
      )
    : new Map();
  return {
    data: page.map(({ rec, firstName, lastName }) => {
      const e = engagement.get(rec.id);
      return {
        id: rec.id,
        contactId: rec.contactId,
        contactName: [firstName, lastName].filter(Boolean).join(" ") || rec.email,
        email: rec.email,
        variant: rec.variant,
        status: rec.status,
        error: rec.error,
        sentAt: iso(rec.sentAt),
        opens: e?.opens ?? 0,
        machineOpens: e?.machineOpens ?? 0,
        clicks: e?.clicks ?? 0,
        firstOpenAt: e?.firstOpenAt ?? null,
        firstClickAt: e?.firstClickAt ?? null,
      };
    }),
    nextCursor: rows.length > q.limit ? (page[page.length - 1]?.rec.id ?? null) : null,
  };
}

/** The campaigns a contact received, for its page (sales reads them). */
export async function contactCampaigns(ctx: Ctx, contactId: string) {
  assertCampaignRead(ctx);
  const rows = await ctx.db
    .select({ campaignId: r.campaignId, name: campaigns.name, status: r.status, sentAt: r.sentAt, id: r.id })
    .from(r)
    .innerJoin(campaigns, and(eq(campaigns.workspaceId, r.workspaceId), eq(campaigns.id, r.campaignId)))
    .where(and(eq(r.workspaceId, ctx.workspaceId), eq(r.contactId, contactId)))
    .orderBy(desc(r.sentAt))
    .limit(200);
  const ids = rows.map((x) => x.id);
  const engagement = ids.length
    ? await engagementByMail(
        ctx.db,
        ctx.workspaceId,
        sql`select ${r.id} from ${r} where ${r.workspaceId} = ${ctx.workspaceId}::uuid and ${r.contactId} = ${contactId}::uuid`,
      )
    : new Map();
  return {
    data: rows.map((x) => ({
      campaignId: x.campaignId,
      name: x.name,
      status: x.status,
      sentAt: iso(x.sentAt),
      opened: (engagement.get(x.id)?.opens ?? 0) > 0,
      clicked: (engagement.get(x.id)?.clicks ?? 0) > 0,
    })),
  };
}
