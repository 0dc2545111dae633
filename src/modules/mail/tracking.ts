import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { newId } from "../../core/ids.js";
import { type Db, queryRows } from "../../db/client.js";
import type { LinkClaims } from "./sending.js";
import { mailMessages, mailTrackingEvents } from "./table.js";

/**
 * Opens, clicks and unsubscribes arriving through signed links. Each hit is one insert; whether a machine made it is
 * decided on the spot and stored beside it, so reports count people and machines apart without re-deciding.
 */

export interface Hit {
  method: string;
  ip: string | null;
  userAgent: string | null;
  at: Date;
}

// Apple Mail Privacy Protection fetches every image through Apple's proxies (17.0.0.0/8) with a generic UA; Google's
// and Yahoo's image proxies fetch on behalf of a person who opened, so they are not flagged.
const appleProxy = (ip: string | null) => Boolean(ip && /^(::ffff:)?17\./.test(ip));
const privacyProxyUa = /^Mozilla\/5\.0$|AppleMailPrivacy|Apple-Mail-Privacy/i;
// Security gateways that follow every link of incoming mail before a person sees it.
const scannerUa =
  /bot|crawl|spider|scanner|barracuda|proofpoint|mimecast|safelinks|microsoft office|ms-office|urldefense|symantec|trendmicro|fireeye|sophos|forcepoint|python-requests|curl\/|wget|go-http-client|java\/|okhttp|headlesschrome|phantomjs/i;
/** A click this soon after the message left is a scanner's: no person opens and clicks that fast. */
export const SCANNER_WINDOW_MS = 10_000;

export function machineReason(kind: "open" | "click", hit: Hit, sentAt: Date | null): string | null {
  if (hit.method === "HEAD") return "head_request";
  const ua = hit.userAgent ?? "";
  if (!ua) return "no_user_agent";
  if (scannerUa.test(ua)) return "link_scanner";
  if (kind === "open" && (appleProxy(hit.ip) || privacyProxyUa.test(ua))) return "privacy_proxy";
  if (kind === "click" && sentAt && hit.at.getTime() - sentAt.getTime() < SCANNER_WINDOW_MS) return "too_fast";
  return null;
}

/**
 * Records an open or click of a genuine link, in one statement (the endpoints stay cheap: no read before the write):
 * the "too soon after sending" test reads the message's sent_at inside the insert. False when the message is gone.
 */
export async function recordHit(db: Db, claims: LinkClaims, hit: Hit): Promise<boolean> {
  const kind = claims.k === "o" ? "open" : "click";
  // Everything but the timing is known from the request; the timing needs the message, so SQL decides it.
  const reason = machineReason(kind, hit, null);
  const m = mailMessages;
  const inserted = await queryRows<{ id: string }>(
    db,
    sql`
    insert into ${mailTrackingEvents} (workspace_id, id, mail_id, contact_id, kind, url, machine, machine_reason, user_agent, at)
    select ${m.workspaceId}, ${newId()}, ${m.id}, ${claims.c}::uuid, ${kind}, ${kind === "click" ? (claims.u ?? null) : null},
      r.reason is not null, r.reason, ${hit.userAgent?.slice(0, 500) ?? null}, ${hit.at.toISOString()}::timestamptz
    from ${m}
    cross join lateral (select coalesce(${reason}::text, case when ${kind} = 'click' and ${m.sentAt} > ${hit.at.toISOString()}::timestamptz - make_interval(secs => ${SCANNER_WINDOW_MS / 1000}) then 'too_fast' end) as reason) r
    where ${m.workspaceId} = ${claims.w} and ${m.id} = ${claims.m}
    returning id`,
  );
  return inserted.length > 0;
}

export interface RecipientStats {
  mailId: string;
  contactId: string | null;
  firstOpenAt: string | null;
  opens: number;
  machineOpens: number;
  firstClickAt: string | null;
  clicks: number;
  machineClicks: number;
}

/** First and total opens and clicks of one message, people and machines apart (one grouped query). */
export async function recipientStats(ctx: Pick<Ctx, "db" | "workspaceId">, mailId: string): Promise<RecipientStats> {
  const e = mailTrackingEvents;
  const [row] = await ctx.db
    .select({
      contactId: sql<string | null>`max(${e.contactId}::text)`,
      firstOpenAt: sql<string | null>`min(${e.at}) filter (where ${e.kind} = 'open' and not ${e.machine})`,
      opens: sql<number>`count(*) filter (where ${e.kind} = 'open' and not ${e.machine})::int`,
      machineOpens: sql<number>`count(*) filter (where ${e.kind} = 'open' and ${e.machine})::int`,
      firstClickAt: sql<string | null>`min(${e.at}) filter (where ${e.kind} = 'click' and not ${e.machine})`,
      clicks: sql<number>`count(*) filter (where ${e.kind} = 'click' and not ${e.machine})::int`,
      machineClicks: sql<number>`count(*) filter (where ${e.kind} = 'click' and ${e.machine})::int`,
    })
    .from(e)
    .where(and(eq(e.workspaceId, ctx.workspaceId), eq(e.mailId, mailId)));
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return {
    mailId,
    contactId: row?.contactId ?? null,
    firstOpenAt: iso(row?.firstOpenAt),
    opens: Number(row?.opens ?? 0),
    machineOpens: Number(row?.machineOpens ?? 0),
    firstClickAt: iso(row?.firstClickAt),
    clicks: Number(row?.clicks ?? 0),
    machineClicks: Number(row?.machineClicks ?? 0),
  };
}

/** SQL: a person (not a machine) opened or clicked the message whose id is `mailId` (an expression). */
export function trackingHit(workspaceId: string, mailId: SQL, kind: "open" | "click"): SQL {
  const e = mailTrackingEvents;
  return sql`exists (select 1 from ${e} where ${e.workspaceId} = ${workspaceId}::uuid and ${e.mailId} = ${mailId} and ${e.kind} = ${kind} and not ${e.machine})`;
}

/** Who an outbox message went to and what it is about: for bounces, complaints and unsubscribes naming it. */
export async function outboxMessages(
  db: Db,
  workspaceIds: string[],
  mailIds: string[],
): Promise<{ workspaceId: string; id: string; messageId: string; to: string | null; relatedObject: string | null; relatedId: string | null }[]> {
  if (workspaceIds.length === 0 || mailIds.length === 0) return [];
  const rows = await db
    .select({
      workspaceId: mailMessages.workspaceId,
      id: mailMessages.id,
      messageId: mailMessages.messageId,
      to: mailMessages.toAddresses,
      relatedObject: mailMessages.relatedObject,
      relatedId: mailMessages.relatedId,
    })
    .from(mailMessages)
    .where(and(inArray(mailMessages.workspaceId, workspaceIds), inArray(mailMessages.id, mailIds)));
  return rows.map((r) => ({ ...r, to: r.to[0]?.address ?? null }));
}

export interface MailEngagement {
  opens: number;
  machineOpens: number;
  clicks: number;
  machineClicks: number;
  firstOpenAt: string | null;
  firstClickAt: string | null;
}

/** Opens and clicks per message, for the messages a subquery names (a campaign's per-recipient table). */
export async function engagementByMail(db: Db, workspaceId: string, mailIds: SQL): Promise<Map<string, MailEngagement>> {
  const e = mailTrackingEvents;
  const rows = await queryRows<{
    mail_id: string;
    opens: number;
    machine_opens: number;
    clicks: number;
    machine_clicks: number;
    first_open: string | null;
    first_click: string | null;
  }>(
    db,
    sql`select ${e.mailId} as mail_id,
          count(*) filter (where ${e.kind} = 'open' and not ${e.machine})::int as opens,
          count(*) filter (where ${e.kind} = 'open' and ${e.machine})::int as machine_opens,
          count(*) filter (where ${e.kind} = 'click' and not ${e.machine})::int as clicks,
          count(*) filter (where ${e.kind} = 'click' and ${e.machine})::int as machine_clicks,
          min(${e.at}) filter (where ${e.kind} = 'open' and not ${e.machine}) as first_open,
          min(${e.at}) filter (where ${e.kind} = 'click' and not ${e.machine}) as first_click
        from ${e} where ${e.workspaceId} = ${workspaceId}::uuid and ${e.mailId} in (${mailIds}) group by ${e.mailId}`,
  );
  const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);
  return new Map(
    rows.map((r) => [
      r.mail_id,
      {
        opens: Number(r.opens),
        machineOpens: Number(r.machine_opens),
        clicks: Number(r.clicks),
        machineClicks: Number(r.machine_clicks),
        firstOpenAt: iso(r.first_open),
        firstClickAt: iso(r.first_click),
      },
    ]),
  );
}

export interface EngagementSummary {
  /** Messages with a human open (a click counts as an open: the pixel may be blocked). */
  opened: number;
  /** Messages whose only opens were machine reads. */
  machineOnlyOpened: number;
  clicked: number;
  links: { url: string; clicks: number; recipients: number }[];
  hourly: { hour: string; opens: number; clicks: number }[];
}

/** The totals of a set of messages (a campaign, or one A/B variant): people and machines apart, clicks by link. */
export async function engagementSummary(db: Db, workspaceId: string, mailIds: SQL): Promise<EngagementSummary> {
  const e = mailTrackingEvents;
  const scope = sql`${e.workspaceId} = ${workspaceId}::uuid and ${e.mailId} in (${mailIds})`;
  const [totals] = await queryRows<{ opened: number; machine_only: number; clicked: number }>(
    db,
    sql`select count(*) filter (where human_open or human_click)::int as opened,
               count(*) filter (where machine_open and not human_open and not human_click)::int as machine_only,
               count(*) filter (where human_click)::int as clicked
        from (select ${e.mailId},
                bool_or(${e.kind} = 'open' and not ${e.machine}) as human_open,
                bool_or(${e.kind} = 'open' and ${e.machine}) as machine_open,
                bool_or(${e.kind} = 'click' and not ${e.machine}) as human_click
              from ${e} where ${scope} group by ${e.mailId}) m`,
  );
  const links = await queryRows<{ url: string; clicks: number; recipients: number }>(
    db,
    sql`select ${e.url} as url, count(*)::int as clicks, count(distinct ${e.mailId})::int as recipients
        from ${e} where ${scope} and ${e.kind} = 'click' and not ${e.machine} and ${e.url} is not null
        group by ${e.url} order by clicks desc limit 50`,
  );
  const hourly = await queryRows<{ hour: string; opens: number; clicks: number }>(
    db,
    sql`select date_trunc('hour', ${e.at}) as hour,
          count(*) filter (where ${e.kind} = 'open')::int as opens, count(*) filter (where ${e.kind} = 'click')::int as clicks
        from ${e} where ${scope} and not ${e.machine} group by 1 order by 1 limit 500`,
  );
  return {
    opened: Number(totals?.opened ?? 0),
    machineOnlyOpened: Number(totals?.machine_only ?? 0),
    clicked: Number(totals?.clicked ?? 0),
    links: links.map((l) => ({ url: l.url, clicks: Number(l.clicks), recipients: Number(l.recipients) })),
    hourly: hourly.map((h) => ({ hour: new Date(h.hour).toISOString(), opens: Number(h.opens), clicks: Number(h.clicks) })),
  };
}
