import { and, desc, eq, gt, isNotNull, lte, sql } from "drizzle-orm";
import type { CsatScale, CsatSettings, CsatSummary, CsatSurvey, UpdateCsatSettingsBody } from "../../contract/csat.js";
import { csatSkipLabels, fiveLabels } from "../../contract/csat.js";
import type { Event } from "../../contract/events.js";
import type { Ticket } from "../../contract/tickets.js";
import { type Ctx, systemActor } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { type Db, queryRows } from "../../db/client.js";
import { randomToken, sha256 } from "../auth/tokens.js";
import { getContact } from "../contacts/service.js";
import { recordChanges } from "../history/service.js";
import { type MailQueue, queueMail } from "../mail/service.js";
import { listTicketQueues } from "../tickets/queues.js";
import { getTicket, updateTicket } from "../tickets/service.js";
import { userNames } from "../users/service.js";
import { csatSettings, csatSurveys } from "./table.js";

const DEFAULT_QUESTION = "How would you rate the support you received?";
/** A survey's links keep working this long after it was sent; a late click still counts, a year-old one does not. */
const ANSWER_DAYS = 30;

const systemCtx = (db: Db, workspaceId: string): Ctx => ({ db, workspaceId, actor: systemActor });
const iso = (d: Date | null) => d?.toISOString() ?? null;

// ---- settings ----

export async function csatSettingsOf(db: Db, workspaceId: string): Promise<CsatSettings> {
  const [row] = await db.select().from(csatSettings).where(eq(csatSettings.workspaceId, workspaceId));
  return {
    enabled: row?.enabled ?? false,
    delayMinutes: row?.delayMinutes ?? 60,
    question: row?.question ?? DEFAULT_QUESTION,
    scale: row?.scale ?? "five",
    askComment: row?.askComment ?? true,
    resendDays: row?.resendDays ?? 30,
  };
}

export async function getCsatSettings(ctx: Ctx): Promise<CsatSettings> {
  assertCan(ctx.actor, "read");
  return csatSettingsOf(ctx.db, ctx.workspaceId);
}

export async function updateCsatSettings(ctx: Ctx, input: UpdateCsatSettingsBody): Promise<CsatSettings> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const set = { ...input, updatedAt: new Date() };
    await tx
      .insert(csatSettings)
      .values({ workspaceId: ctx.workspaceId, ...set })
      .onConflictDoUpdate({ target: csatSettings.workspaceId, set });
    const changes = Object.entries(input).map(([field, to]) => ({ field, from: null, to }));
    await recordChanges(tx, ctx, [{ object: "csat_settings", recordId: ctx.workspaceId, action: "update", changes, payload: input }]);
  });
  return csatSettingsOf(ctx.db, ctx.workspaceId);
}

// ---- scheduling (an event-stream consumer) ----

/**
 * For each ticket that reached a solved status, a survey due after the workspace's delay, written in the consumer's
 * transaction (so exactly once per event). Returns the surveys' due times, for the caller to wake the sender then.
 */
export async function scheduleSurveys(tx: Db, events: Event[]): Promise<{ workspaceId: string; surveyId: string; sendAt: Date }[]> {
  const out: { workspaceId: string; surveyId: string; sendAt: Date }[] = [];
  const settings = new Map<string, CsatSettings>();
  for (const e of events) {
    const t = e.data.record as Partial<Ticket> | null;
    if (!t?.id || t.statusCategory !== "solved" || !t.contactId || typeof t.number !== "number") continue;
    const s = settings.get(e.workspaceId) ?? (await csatSettingsOf(tx, e.workspaceId));
    settings.set(e.workspaceId, s);
    if (!s.enabled) continue;
    const sendAt = new Date(new Date(e.occurredAt).getTime() + s.delayMinutes * 60_000);
    const id = newId();
    await tx.insert(csatSurveys).values({
      workspaceId: e.workspaceId,
      id,
      ticketId: t.id,
      ticketNumber: t.number,
      contactId: t.contactId,
      agentId: t.assigneeId ?? null,
      queueId: t.queueId ?? null,
      scale: s.scale,
      sendAt,
    });
    out.push({ workspaceId: e.workspaceId, surveyId: id, sendAt });
  }
  return out;
}

// ---- sending ----

export interface SendOptions {
  mail: MailQueue;
  /** The address the survey's links start with (the server's public URL). */
  baseUrl: string;
  /** The help centre's path of a workspace: /help/<slug>. */
  helpPath(db: Db, workspaceId: string): Promise<string>;
}

/**
 * Sends every survey that is due, or skips it with the reason: the ticket was reopened meanwhile, the customer has
 * no address or must not be contacted, or was surveyed within the resend window. Each survey is claimed with its row
 * lock, so two workers never send one twice.
 */
export async function sendDueSurveys(db: Db, options: SendOptions, now = new Date(), limit = 200): Promise<{ sent: number; skipped: number }> {
  let sent = 0;
  let skipped = 0;
  for (;;) {
    const batch = await db.transaction(async (tx) => {
      const due = await tx
        .select()
        .from(csatSurveys)
        .where(and(eq(csatSurveys.status, "scheduled"), lte(csatSurveys.sendAt, now)))
        .orderBy(csatSurveys.sendAt)
        .limit(limit)
        .for("update", { skipLocked: true });
      for (const survey of due) {
        const outcome = await sendOne(tx, survey, options, now);
        if (outcome === "sent") sent++;
        else skipped++;
      }
      return due.length;
    });
    if (batch < limit) return { sent, skipped };
  }
}

async function sendOne(tx: Db, survey: typeof csatSurveys.$inferSelect, options: SendOptions, now: Date): Promise<"sent" | "skipped"> {
  const ctx = systemCtx(tx, survey.workspaceId);
  const skip = async (reason: keyof typeof csatSkipLabels) => {
    await tx
      .update(csatSurveys)
      .set({ status: "skipped", skipReason: reason })
      .where(and(eq(csatSurveys.workspaceId, survey.workspaceId), eq(csatSurveys.id, survey.id)));
    return "skipped" as const;
  };
  const settings = await csatSettingsOf(tx, survey.workspaceId);
  if (!settings.enabled) return skip("disabled");
  const ticket = await getTicket(ctx, survey.ticketId).catch(() => null);
  if (!ticket || ticket.deletedAt || !["solved", "closed"].includes(ticket.statusCategory)) return skip("reopened");
  const contact = await getContact(ctx, survey.contactId).catch(() => null);
  const email = contact?.emails.find((e) => e.primary)?.email ?? contact?.emails[0]?.email;
  if (!contact || !email) return skip("no_email");
  if (contact.doNotContact) return skip("do_not_contact");
  if (settings.resendDays > 0) {
    const [recent] = await tx
      .select({ id: csatSurveys.id })
      .from(csatSurveys)
      .where(
        and(
          eq(csatSurveys.workspaceId, survey.workspaceId),
          eq(csatSurveys.contactId, survey.contactId),
          isNotNull(csatSurveys.sentAt),
          gt(csatSurveys.sentAt, new Date(now.getTime() - settings.resendDays * 86_400_000)),
        ),
      )
      .limit(1);
    if (recent) return skip("recently_surveyed");
  }
  const secret = randomToken();
  const link = `${options.baseUrl}${await options.helpPath(tx, survey.workspaceId)}/csat?token=${encodeURIComponent(`${survey.workspaceId}.${secret}`)}`;
  const choices = ratingChoices(survey.scale);
  const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  await queueMail({ db: tx, workspaceId: survey.workspaceId }, options.mail, {
    kind: "satisfaction_survey",
    to: email,
    subject: `[#${ticket.number}] ${settings.question}`,
    text: `${settings.question}\n\nAbout your request #${ticket.number} "${ticket.subject}". One click answers:\n\n${choices
      .map((c) => `${c.label}: ${link}&rating=${c.value}`)
      .join("\n")}\n`,
    html: `<p>${esc(settings.question)}</p><p>About your request #${ticket.number} “${esc(ticket.subject)}”. One click answers:</p><p>${choices
      .map((c) => `<a href="${esc(`${link}&rating=${c.value}`)}">${esc(c.label)}</a>`)
      .join(" &nbsp;·&nbsp; ")}</p>`,
    // Each link answers for the customer: the email log shows the envelope, not the body.
    sensitive: true,
    headers: { "Auto-Submitted": "auto-generated" },
    related: { object: "ticket", id: ticket.id },
  });
  await tx
    .update(csatSurveys)
    .set({ status: "sent", sentAt: now, tokenHash: sha256(secret) })
    .where(and(eq(csatSurveys.workspaceId, survey.workspaceId), eq(csatSurveys.id, survey.id)));
  return "sent";
}

export function ratingChoices(scale: CsatScale): { value: number; label: string }[] {
  return scale === "thumbs"
    ? [
        { value: 5, label: "👍 Good" },
        { value: 1, label: "👎 Bad" },
      ]
    : [5, 4, 3, 2, 1].map((v) => ({ value: v, label: `${"★".repeat(v)} ${fiveLabels[v]}` }));
}

// ---- answering ----

export interface AnsweredSurvey {
  ticketNumber: number;
  rating: number;
  scale: CsatScale;
  askComment: boolean;
  comment: string | null;
}

async function surveyByToken(db: Db, workspaceId: string, secret: string, now: Date) {
  const [survey] = await db
    .select()
    .from(csatSurveys)
    .where(and(eq(csatSurveys.workspaceId, workspaceId), eq(csatSurveys.tokenHash, sha256(secret))));
  if (!survey?.sentAt || survey.sentAt.getTime() < now.getTime() - ANSWER_DAYS * 86_400_000)
    throw new AppError("link_expired", "This survey link has expired or is not valid. Thank you all the same.");
  return survey;
}

/**
 * Records a click from the survey email: the rating lands on the survey and on the ticket. Clicking again changes
 * the answer (a mis-click is easy to fix), for as long as the link lives.
 */
export async function answerSurvey(db: Db, workspaceId: string, secret: string, rawRating: number, now = new Date()): Promise<AnsweredSurvey> {
  const survey = await surveyByToken(db, workspaceId, secret, now);
  const allowed = ratingChoices(survey.scale).map((c) => c.value);
  if (!allowed.includes(rawRating)) throw new AppError("validation_failed", "Choose one of the answers in the email.");
  await db.transaction(async (tx) => {
    await tx
      .update(csatSurveys)
      .set({ status: "answered", rating: rawRating, answeredAt: now })
      .where(and(eq(csatSurveys.workspaceId, workspaceId), eq(csatSurveys.id, survey.id)));
    await updateTicket(systemCtx(tx, workspaceId), survey.ticketId, { satisfaction: rawRating }).catch((err) => {
      // A ticket deleted since keeps no rating; the survey's answer still counts.
      if (!(err instanceof AppError && err.code === "not_found")) throw err;
    });
  });
  const settings = await csatSettingsOf(db, workspaceId);
  return { ticketNumber: survey.ticketNumber, rating: rawRating, scale: survey.scale, askComment: settings.askComment, comment: survey.comment };
}

export async function commentOnSurvey(db: Db, workspaceId: string, secret: string, comment: string, now = new Date()): Promise<void> {
  const survey = await surveyByToken(db, workspaceId, secret, now);
  if (survey.rating === null) throw new AppError("validation_failed", "Choose a rating first.");
  await db
    .update(csatSurveys)
    .set({ comment: comment.trim().slice(0, 5000) || null })
    .where(and(eq(csatSurveys.workspaceId, workspaceId), eq(csatSurveys.id, survey.id)));
}

// ---- results ----

const toSurvey = (r: typeof csatSurveys.$inferSelect): CsatSurvey => ({
  id: r.id,
  ticketId: r.ticketId,
  contactId: r.contactId,
  status: r.status,
  skipReason: r.skipReason ? (csatSkipLabels[r.skipReason] ?? r.skipReason) : null,
  sendAt: r.sendAt.toISOString(),
  sentAt: iso(r.sentAt),
  rating: r.rating,
  comment: r.comment,
  answeredAt: iso(r.answeredAt),
});

/** A ticket's surveys, newest first, for its page; readable by whoever may read the ticket. */
export async function ticketSurveys(ctx: Ctx, ticketId: string): Promise<CsatSurvey[]> {
  await getTicket(ctx, ticketId);
  const rows = await ctx.db
    .select()
    .from(csatSurveys)
    .where(and(eq(csatSurveys.workspaceId, ctx.workspaceId), eq(csatSurveys.ticketId, ticketId)))
    .orderBy(desc(csatSurveys.createdAt));
  return rows.map(toSurvey);
}

type BucketRow = { id: string | null; answered: number; average: string | null; satisfied: string | null };

/** Results over the surveys sent in the last `days`: overall, per agent and per queue (as they were at solving). */
export async function csatSummary(ctx: Ctx, days: number): Promise<CsatSummary> {
  assertCan(ctx.actor, "read");
  const since = new Date(Date.now() - days * 86_400_000);
  const scope = sql`workspace_id = ${ctx.workspaceId}::uuid and sent_at >= ${since.toISOString()}::timestamptz`;
  const [totals] = await queryRows<{ sent: number; answered: number; average: string | null; satisfied: string | null }>(
    ctx.db,
    sql`select count(*)::int as sent, count(rating)::int as answered, avg(rating)::numeric(4,2)::text as average,
               (avg(case when rating >= 4 then 1.0 when rating is not null then 0.0 end))::numeric(5,4)::text as satisfied
          from csat_surveys where ${scope}`,
  );
  const distribution = await queryRows<{ rating: number; count: number }>(
    ctx.db,
    sql`select rating::int as rating, count(*)::int as count from csat_surveys where ${scope} and rating is not null group by rating order by rating`,
  );
  const bucket = (column: "agent_id" | "queue_id") =>
    queryRows<BucketRow>(
      ctx.db,
      sql`select ${sql.raw(column)} as id, count(rating)::int as answered, avg(rating)::numeric(4,2)::text as average,
                 (avg(case when rating >= 4 then 1.0 when rating is not null then 0.0 end))::numeric(5,4)::text as satisfied
            from csat_surveys where ${scope} group by ${sql.raw(column)} having count(rating) > 0 order by avg(rating) desc nulls last`,
    );
  const [agents, queues] = await Promise.all([bucket("agent_id"), bucket("queue_id")]);
  const [agentNames, queueNameMap] = await Promise.all([
    userNames(
      ctx,
      agents.flatMap((a) => (a.id ? [a.id] : [])),
    ),
    listTicketQueues(ctx).then((list) => new Map(list.map((q) => [q.id, q.name]))),
  ]);
  const num = (v: string | null) => (v === null ? null : Number(v));
  const shape = (rows: BucketRow[], names: Map<string, string>, none: string) =>
    rows.map((r) => ({
      id: r.id,
      name: r.id ? (names.get(r.id) ?? "Removed") : none,
      answered: r.answered,
      average: num(r.average),
      satisfied: num(r.satisfied),
    }));
  const sent = totals?.sent ?? 0;
  const answered = totals?.answered ?? 0;
  return {
    sent,
    answered,
    responseRate: sent ? answered / sent : null,
    average: num(totals?.average ?? null),
    satisfied: num(totals?.satisfied ?? null),
    distribution: [1, 2, 3, 4, 5].map((rating) => ({ rating, count: distribution.find((d) => d.rating === rating)?.count ?? 0 })),
    byAgent: shape(agents, agentNames, "Unassigned"),
    byQueue: shape(queues, queueNameMap, "No queue"),
  };
}
