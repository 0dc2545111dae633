import { createHash, randomBytes } from "node:crypto";
import { and, eq } from "drizzle-orm";
import ical, { ICalEventStatus } from "ical-generator";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { meetingsBetween } from "../activities/service.js";
import { contactsForScoring } from "../contacts/service.js";
import { tasksDueBetween } from "../tasks/service.js";
import { getUser, listUsers } from "../users/service.js";
import { calendarFeeds } from "./table.js";

const hash = (token: string) => createHash("sha256").update(token).digest("hex");
const DAY = 86_400_000;

function me(ctx: Ctx): string {
  if (!ctx.actor.userId || ctx.actor.kind !== "user") throw new AppError("forbidden", "Calendar feeds belong to signed-in users.");
  return ctx.actor.userId;
}

export async function feedStatus(ctx: Ctx): Promise<{ active: boolean; createdAt: string | null; lastUsedAt: string | null }> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db
    .select()
    .from(calendarFeeds)
    .where(and(eq(calendarFeeds.workspaceId, ctx.workspaceId), eq(calendarFeeds.userId, me(ctx))));
  return { active: Boolean(row), createdAt: row?.createdAt.toISOString() ?? null, lastUsedAt: row?.lastUsedAt?.toISOString() ?? null };
}

/** Creates the user's feed token, replacing any earlier one (whose URL stops working). Returns it once. */
export async function createFeedToken(ctx: Ctx): Promise<{ token: string; createdAt: string }> {
  assertCan(ctx.actor, "read");
  const userId = me(ctx);
  const token = randomBytes(32).toString("base64url");
  const now = new Date();
  await ctx.db
    .insert(calendarFeeds)
    .values({ workspaceId: ctx.workspaceId, userId, tokenHash: hash(token), createdAt: now })
    .onConflictDoUpdate({ target: [calendarFeeds.workspaceId, calendarFeeds.userId], set: { tokenHash: hash(token), createdAt: now, lastUsedAt: null } });
  return { token, createdAt: now.toISOString() };
}

export async function revokeFeedToken(ctx: Ctx): Promise<void> {
  assertCan(ctx.actor, "read");
  await ctx.db.delete(calendarFeeds).where(and(eq(calendarFeeds.workspaceId, ctx.workspaceId), eq(calendarFeeds.userId, me(ctx))));
}

/** The acting user behind a feed token, or null for unknown, revoked or deactivated. */
export async function resolveFeedToken(db: Db, token: string): Promise<Ctx | null> {
  if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return null;
  const [row] = await db
    .select()
    .from(calendarFeeds)
    .where(eq(calendarFeeds.tokenHash, hash(token)));
  if (!row) return null;
  const user = await getUser({ db, workspaceId: row.workspaceId, actor: { kind: "system", userId: null, role: "read_only" } }, row.userId).catch(() => null);
  if (!user?.active) return null;
  await db
    .update(calendarFeeds)
    .set({ lastUsedAt: new Date() })
    .where(and(eq(calendarFeeds.workspaceId, row.workspaceId), eq(calendarFeeds.userId, row.userId)));
  return { db, workspaceId: row.workspaceId, actor: { kind: "user", userId: user.id, role: user.role } };
}

const recordPath = (object: string | null | undefined, id: string | null | undefined) =>
  object && id ? `/${object === "company" ? "companies" : `${object}s`}/${id}` : null;

/**
 * The user's meetings and open task due times from 90 days back to a year ahead, as iCalendar. Times are
 * written in UTC, which every client converts to the viewer's zone.
 */
export async function renderFeed(ctx: Ctx, baseUrl: string): Promise<string> {
  const userId = me(ctx);
  const from = new Date(Date.now() - 90 * DAY);
  const to = new Date(Date.now() + 366 * DAY);
  const [meetings, tasks, users] = await Promise.all([meetingsBetween(ctx, userId, from, to), tasksDueBetween(ctx, userId, from, to), listUsers(ctx)]);
  const contacts = await contactsForScoring(
    ctx,
    meetings.flatMap((m) => m.attendees.filter((a) => a.kind === "contact").map((a) => a.id)),
  );
  const email = new Map<string, string | null>([...users.map((u) => [u.id, u.email] as const), ...contacts.map((c) => [c.id, c.primaryEmail] as const)]);
  const base = baseUrl.replace(/\/$/, "");
  const cal = ical({ name: "Rapport", prodId: { company: "Rapport", product: "CRM", language: "EN" }, ttl: 15 * 60 });
  for (const m of meetings) {
    const d = m.details as { endsAt?: string; location?: string; videoUrl?: string; outcome?: string };
    const start = new Date(m.occurredAt);
    const path =
      recordPath(m.dealId ? "deal" : m.contactId ? "contact" : m.companyId ? "company" : null, m.dealId ?? m.contactId ?? m.companyId) ?? "/calendar";
    cal.createEvent({
      id: `${m.id}@rapport`,
      start,
      end: d.endsAt ? new Date(d.endsAt) : new Date(start.getTime() + 30 * 60_000),
      summary: m.subject ?? "Meeting",
      description: [d.videoUrl ? `Join: ${d.videoUrl}` : null, d.outcome ? `Outcome: ${d.outcome}` : null].filter(Boolean).join("\n") || null,
      location: d.location ?? d.videoUrl ?? null,
      url: `${base}${path}`,
      attendees: m.attendees.flatMap((a) => {
        const address = email.get(a.id);
        return address ? [{ email: address, name: a.name }] : [];
      }),
      created: new Date(m.createdAt),
    });
  }
  for (const t of tasks) {
    if (!t.dueAt) continue;
    const start = new Date(t.dueAt);
    cal.createEvent({
      id: `${t.id}@rapport-task`,
      start,
      end: new Date(start.getTime() + 15 * 60_000),
      summary: `${t.status === "done" ? "✓ " : ""}Task: ${t.title}`,
      description: [t.related?.name ? `About: ${t.related.name}` : null, t.description].filter(Boolean).join("\n") || null,
      url: `${base}/tasks?task=${t.id}`,
      status: t.status === "done" ? ICalEventStatus.CONFIRMED : ICalEventStatus.TENTATIVE,
      created: new Date(t.createdAt),
    });
  }
  return cal.toString();
}
