import { and, desc, eq, gt, gte, inArray, isNull, lt, ne, or, type SQL } from "drizzle-orm";
import type { Activity, CreateActivityBody, TimelineEntry } from "../../contract/activities.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { sanitiseRichText } from "../../core/html.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { getCompany } from "../companies/service.js";
import { contactIdsOfCompany, contactNames, getContact } from "../contacts/service.js";
import { listHistory } from "../history/service.js";
import { userNames } from "../users/service.js";
import { activities } from "./table.js";

type Row = typeof activities.$inferSelect;

const toActivity = (r: Row): Activity => ({
  id: r.id,
  type: r.type,
  subject: r.subject,
  body: r.body,
  occurredAt: r.occurredAt.toISOString(),
  details: r.details,
  contactId: r.contactId,
  companyId: r.companyId,
  authorId: r.authorId,
  createdAt: r.createdAt.toISOString(),
});

export type Subject = { object: "contact" | "company"; id: string };

export async function logActivity(ctx: Ctx, subject: Subject, input: CreateActivityBody): Promise<Activity> {
  assertCan(ctx.actor, "write");
  let contactId: string | null = null;
  let companyId: string | null = null;
  if (subject.object === "contact") {
    const contact = await getContact(ctx, subject.id);
    if (contact.deletedAt) throw new AppError("conflict", "This contact is in the trash; restore it first.");
    contactId = contact.id;
    // The company at the time: the interaction stays on that company's timeline if the contact moves on.
    companyId = contact.companyId;
  } else {
    const company = await getCompany(ctx, subject.id);
    if (company.deletedAt) throw new AppError("conflict", "This company is in the trash; restore it first.");
    companyId = company.id;
  }
  const { type, subject: title, body, occurredAt, ...details } = input;
  const now = new Date();
  if (input.type === "meeting" && input.endsAt && occurredAt && Date.parse(input.endsAt) < Date.parse(occurredAt)) {
    throw new AppError("validation_failed", "endsAt: a meeting cannot end before it starts", [{ path: "endsAt", message: "Ends before it starts" }]);
  }
  const [row] = await ctx.db
    .insert(activities)
    .values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      type,
      subject: title || null,
      body: body ? sanitiseRichText(body) : null,
      occurredAt: occurredAt ? new Date(occurredAt) : now,
      details,
      contactId,
      companyId,
      authorId: ctx.actor.userId,
      createdAt: now,
    })
    .returning();
  return toActivity(row as Row);
}

async function findActivity(ctx: Ctx, id: string): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(activities)
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id), isNull(activities.deletedAt)));
  if (!row) throw notFound("Activity");
  // Authors edit their own entries; admins and managers anyone's.
  if (row.authorId !== ctx.actor.userId && !["admin", "manager"].includes(ctx.actor.role)) {
    throw new AppError("forbidden", "Only the author, a manager or an admin can change this entry.");
  }
  return row;
}

export async function updateActivity(ctx: Ctx, id: string, input: { subject?: string | null; body?: string | null; occurredAt?: string }): Promise<Activity> {
  assertCan(ctx.actor, "write");
  await findActivity(ctx, id);
  const [row] = await ctx.db
    .update(activities)
    .set({
      subject: input.subject === undefined ? undefined : input.subject || null,
      body: input.body === undefined ? undefined : input.body ? sanitiseRichText(input.body) : null,
      occurredAt: input.occurredAt ? new Date(input.occurredAt) : undefined,
    })
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id)))
    .returning();
  return toActivity(row as Row);
}

export async function deleteActivity(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  await findActivity(ctx, id);
  await ctx.db
    .update(activities)
    .set({ deletedAt: new Date() })
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id)));
}

interface Position {
  at: Date;
  id: string;
}

function decodeTimelineCursor(raw: string | undefined): Position | undefined {
  if (!raw) return undefined;
  const [at, id] = Buffer.from(raw, "base64url").toString("utf8").split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/i.test(id)) {
    throw new AppError("validation_failed", "cursor is not valid; start again without it", [{ path: "cursor", message: "Invalid cursor" }]);
  }
  return { at: new Date(at), id };
}

/**
 * The newest `n` interactions of a contact, or of a company and its contacts, before a position.
 * A company's own rows (company_id is the company at the time) come straight off its index; its contacts'
 * other rows (logged before they joined, or with no company) can only make the page if newer than the n-th
 * own row, so only that range of each contact's index is read. Same rows as
 * `company_id = X or contact_id in (…)`, which read every activity of every contact (seconds for a company
 * with thousands of contacts).
 */
async function recentActivities(ctx: Ctx, subject: Subject, contactIds: string[], n: number, before?: Position): Promise<Row[]> {
  const a = activities;
  const newest = (...where: (SQL | undefined)[]) =>
    ctx.db
      .select()
      .from(a)
      .where(
        and(
          eq(a.workspaceId, ctx.workspaceId),
          isNull(a.deletedAt),
          before ? or(lt(a.occurredAt, before.at), and(eq(a.occurredAt, before.at), lt(a.id, before.id))) : undefined,
          ...where,
        ),
      )
      .orderBy(desc(a.occurredAt), desc(a.id))
      .limit(n);
  if (subject.object === "contact") return newest(eq(a.contactId, subject.id));
  const own = await newest(eq(a.companyId, subject.id));
  if (contactIds.length === 0) return own;
  const cutoff = own.length >= n ? own[n - 1] : undefined;
  const others = await newest(
    inArray(a.contactId, contactIds),
    or(isNull(a.companyId), ne(a.companyId, subject.id)),
    cutoff ? gte(a.occurredAt, cutoff.occurredAt) : undefined,
    cutoff ? or(gt(a.occurredAt, cutoff.occurredAt), gt(a.id, cutoff.id)) : undefined,
  );
  const later = (x: Row, y: Row) => y.occurredAt.getTime() - x.occurredAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
  return [...own, ...others].sort(later).slice(0, n);
}

/**
 * Interactions and field changes, newest first. Both sources are read up to `limit` past the cursor
 * and merged, so a page costs two index range scans however long the history is.
 */
export async function timeline(ctx: Ctx, subject: Subject, limit: number, cursor?: string): Promise<{ data: TimelineEntry[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const before = decodeTimelineCursor(cursor);
  let contactIds: string[] = [];
  if (subject.object === "contact") {
    await getContact(ctx, subject.id);
    contactIds = [subject.id];
  } else {
    await getCompany(ctx, subject.id);
    contactIds = await contactIdsOfCompany(ctx, subject.id);
  }
  const [acts, changes] = await Promise.all([
    recentActivities(ctx, subject, contactIds, limit + 1, before),
    listHistory(ctx, [{ object: subject.object, recordIds: [subject.id] }], limit + 1, before),
  ]);
  const names =
    subject.object === "company"
      ? await contactNames(
          ctx,
          acts.map((x) => x.contactId).filter((id): id is string => Boolean(id)),
        )
      : new Map<string, string>();
  const userName = await userNames(
    ctx,
    changes.map((h) => h.actorId).filter((id): id is string => Boolean(id)),
  );
  const merged: (TimelineEntry & { sortId: string; sortAt: Date })[] = [
    ...acts.map((r) => ({
      kind: "activity" as const,
      at: r.occurredAt.toISOString(),
      activity: toActivity(r),
      about: r.contactId && subject.object === "company" ? (names.get(r.contactId) ?? null) : null,
      sortId: r.id,
      sortAt: r.occurredAt,
    })),
    ...changes.map((h) => ({
      kind: "change" as const,
      at: h.at.toISOString(),
      id: h.id,
      action: h.action,
      actorId: h.actorId,
      actorName: h.actorId ? (userName.get(h.actorId) ?? null) : null,
      changes: h.changes,
      about: null,
      sortId: h.id,
      sortAt: h.at,
    })),
  ].sort((x, y) => y.sortAt.getTime() - x.sortAt.getTime() || (y.sortId < x.sortId ? -1 : y.sortId > x.sortId ? 1 : 0));
  const page = merged.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(({ sortId: _i, sortAt: _a, ...entry }) => entry as TimelineEntry),
    nextCursor: merged.length > limit && last ? Buffer.from(`${last.sortAt.toISOString()}|${last.sortId}`).toString("base64url") : null,
  };
}
