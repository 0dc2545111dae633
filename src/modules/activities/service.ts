import { and, asc, desc, eq, gt, gte, inArray, isNotNull, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type {
  Activity,
  ActivityType,
  Attendee,
  CreateActivityBody,
  ScheduleMeetingBody,
  TimelineEntry,
  TimelineKind,
  UpdateMeetingBody,
} from "../../contract/activities.js";
import { hiddenFields, ownerAllows, scopeOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { sanitiseRichText } from "../../core/html.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { inOrder } from "../../db/in-order.js";
import { inIds, param, prepared } from "../../db/prepared.js";
import { assertAccess } from "../../db/visibility.js";
import { companyNames, getCompany } from "../companies/service.js";
import { contactNames, contactsForScoring, getContact } from "../contacts/service.js";
import { contacts } from "../contacts/table.js";
import { listPipelines } from "../deals/pipelines.js";
import { getDeal } from "../deals/service.js";
import { diff, type HistoryRow, listHistory, recordChanges } from "../history/service.js";
import { contactSubmissions } from "../leads/forms.js";
import { ticketsOnTimeline } from "../tickets/service.js";
import { assertUsersExist, userNames } from "../users/service.js";
import { activities, activityAttendees } from "./table.js";

type Row = typeof activities.$inferSelect;

const HISTORY_FIELDS = ["subject", "body", "occurredAt", "details", "attendees"] as const;

const toActivity = (r: Row, attendees: Attendee[] = []): Activity => ({
  id: r.id,
  type: r.type,
  subject: r.subject,
  body: r.body,
  occurredAt: r.occurredAt.toISOString(),
  details: r.details,
  contactId: r.contactId,
  companyId: r.companyId,
  dealId: r.dealId,
  authorId: r.authorId,
  attendees,
  createdAt: r.createdAt.toISOString(),
});

/** Attendees of many meetings with their names: three queries whatever the number of meetings. */
async function attendeesOf(ctx: Ctx, rows: Row[]): Promise<Map<string, Attendee[]>> {
  const ids = rows.filter((r) => r.type === "meeting").map((r) => r.id);
  const out = new Map<string, Attendee[]>();
  if (ids.length === 0) return out;
  const links = await prepared(ctx.db, "attendees_of_activities", (db, name) =>
    db
      .select()
      .from(activityAttendees)
      .where(and(eq(activityAttendees.workspaceId, param("workspaceId")), inIds(activityAttendees.activityId, "ids")))
      .prepare(name),
  ).execute({ workspaceId: ctx.workspaceId, ids });
  const [contactName, userName] = await inOrder(
    () =>
      contactNames(
        ctx,
        links.filter((l) => l.kind === "contact").map((l) => l.attendeeId),
      ),
    () =>
      userNames(
        ctx,
        links.filter((l) => l.kind === "user").map((l) => l.attendeeId),
      ),
  );
  for (const l of links) {
    const name = (l.kind === "contact" ? contactName : userName).get(l.attendeeId) ?? null;
    out.set(l.activityId, [...(out.get(l.activityId) ?? []), { kind: l.kind, id: l.attendeeId, name }]);
  }
  return out;
}

async function toActivities(ctx: Ctx, rows: Row[]): Promise<Activity[]> {
  const attendees = await attendeesOf(ctx, rows);
  return rows.map((r) => toActivity(r, attendees.get(r.id) ?? []));
}

export type Subject = { object: "contact" | "company" | "deal"; id: string };

/** The contact, company and deal columns for an entry logged on a record; refuses records in the trash. */
async function subjectColumns(ctx: Ctx, subject: Subject): Promise<{ contactId: string | null; companyId: string | null; dealId: string | null }> {
  if (subject.object === "contact") {
    const contact = await getContact(ctx, subject.id);
    if (contact.deletedAt) throw new AppError("conflict", "This contact is in the trash; restore it first.");
    // The company at the time: the interaction stays on that company's timeline if the contact moves on.
    return { contactId: contact.id, companyId: contact.companyId, dealId: null };
  }
  if (subject.object === "company") {
    const company = await getCompany(ctx, subject.id);
    if (company.deletedAt) throw new AppError("conflict", "This company is in the trash; restore it first.");
    return { contactId: null, companyId: company.id, dealId: null };
  }
  const deal = await getDeal(ctx, subject.id);
  if (deal.deletedAt) throw new AppError("conflict", "This deal is in the trash; restore it first.");
  return { contactId: null, companyId: deal.companyId, dealId: deal.id };
}

interface AttendeeInput {
  contactIds?: string[];
  userIds?: string[];
}

/** Validates attendees and returns their rows; each contact carries its current company. */
async function attendeeRows(ctx: Ctx, activityId: string, occurredAt: Date, input: AttendeeInput) {
  const userIds = [...new Set(input.userIds ?? [])];
  const contactIds = [...new Set(input.contactIds ?? [])];
  await assertUsersExist(ctx, userIds, "attendees.userIds");
  const contacts = await contactsForScoring(ctx, contactIds);
  const found = new Set(contacts.map((c) => c.id));
  const missing = contactIds.findIndex((id) => !found.has(id));
  if (missing >= 0) {
    const path = `attendees.contactIds.${missing}`;
    throw new AppError("validation_failed", `${path}: no such contact`, [{ path, message: "No such contact (or it is in the trash)" }]);
  }
  return [
    ...contacts.map((c) => ({ workspaceId: ctx.workspaceId, activityId, attendeeId: c.id, kind: "contact" as const, companyId: c.companyId, occurredAt })),
    ...userIds.map((id) => ({ workspaceId: ctx.workspaceId, activityId, attendeeId: id, kind: "user" as const, companyId: null, occurredAt })),
  ];
}

function assertMeetingTimes(startsAt: Date, endsAt: string | null | undefined) {
  if (endsAt && Date.parse(endsAt) < startsAt.getTime()) {
    throw new AppError("validation_failed", "endsAt: a meeting cannot end before it starts", [{ path: "endsAt", message: "Ends before it starts" }]);
  }
}

async function insertActivity(
  ctx: Ctx,
  values: Omit<typeof activities.$inferInsert, "workspaceId" | "id" | "authorId" | "createdAt">,
  attendees?: AttendeeInput,
): Promise<Activity> {
  const id = newId();
  const occurredAt = values.occurredAt;
  const links = attendees ? await attendeeRows(ctx, id, occurredAt, attendees) : [];
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(activities)
      .values({ ...values, workspaceId: ctx.workspaceId, id, authorId: ctx.actor.userId, createdAt: new Date() })
      .returning();
    if (links.length) await tx.insert(activityAttendees).values(links);
    const [created] = await toActivities({ ...ctx, db: tx }, [r as Row]);
    await recordChanges(tx, ctx, [
      { object: "activity", recordId: id, action: "create", changes: diff(null, created ?? null, HISTORY_FIELDS), payload: created },
    ]);
    return r as Row;
  });
  // Lead scores count interactions: the activity.logged event rescores the engaged contacts (modules/leads/reactions.ts).
  const [activity] = await toActivities(ctx, [row]);
  return activity as Activity;
}

export async function logActivity(ctx: Ctx, subject: Subject, input: CreateActivityBody): Promise<Activity> {
  assertCan(ctx.actor, "write");
  const columns = await subjectColumns(ctx, subject);
  const { type, subject: title, body, occurredAt, ...rest } = input;
  const { attendees, ...details } = "attendees" in rest ? rest : { ...rest, attendees: undefined };
  const when = occurredAt ? new Date(occurredAt) : new Date();
  if (input.type === "meeting") assertMeetingTimes(when, input.endsAt);
  return insertActivity(
    ctx,
    { type, subject: title || null, body: body ? sanitiseRichText(body) : null, occurredAt: when, details, ...columns },
    type === "meeting" ? attendees : undefined,
  );
}

/**
 * A meeting from the calendar. With a related record it is filed on it; without one it is filed on its first
 * attendee contact (if any) and shows on every attendee's timeline either way.
 */
export async function scheduleMeeting(ctx: Ctx, input: ScheduleMeetingBody): Promise<Activity> {
  assertCan(ctx.actor, "write");
  const startsAt = new Date(input.startsAt);
  assertMeetingTimes(startsAt, input.endsAt);
  // Attendees first, so an unknown contact is a field error rather than a missing record to file on.
  await attendeeRows(ctx, newId(), startsAt, input.attendees ?? {});
  const firstContact = input.attendees?.contactIds?.[0];
  const subject: Subject | undefined = input.related ?? (firstContact ? { object: "contact", id: firstContact } : undefined);
  const columns = subject ? await subjectColumns(ctx, subject) : { contactId: null, companyId: null, dealId: null };
  const { subject: title, body, startsAt: _s, related: _r, attendees, ...details } = input;
  const meAttending = ctx.actor.userId ? [ctx.actor.userId] : [];
  return insertActivity(
    ctx,
    { type: "meeting", subject: title, body: body ? sanitiseRichText(body) : null, occurredAt: startsAt, details, ...columns },
    { contactIds: attendees?.contactIds ?? [], userIds: [...new Set([...meAttending, ...(attendees?.userIds ?? [])])] },
  );
}

export async function getActivity(ctx: Ctx, id: string): Promise<Activity> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db
    .select()
    .from(activities)
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id), isNull(activities.deletedAt)));
  if (!row) throw notFound("Activity");
  await assertAccess(ctx, "activity", "read", authored(row));
  const [activity] = await toActivities(ctx, [row]);
  return activity as Activity;
}

export async function updateMeeting(ctx: Ctx, id: string, input: UpdateMeetingBody): Promise<Activity> {
  assertCan(ctx.actor, "write");
  const row = await findActivity(ctx, id);
  if (row.type !== "meeting") throw new AppError("conflict", "This entry is not a meeting.");
  const details = { ...row.details };
  for (const k of ["endsAt", "location", "videoUrl", "outcome"] as const) {
    if (input[k] === null) delete details[k];
    else if (input[k] !== undefined) details[k] = input[k];
  }
  const startsAt = input.startsAt ? new Date(input.startsAt) : row.occurredAt;
  assertMeetingTimes(startsAt, details.endsAt as string | undefined);
  const links = input.attendees ? await attendeeRows(ctx, id, startsAt, input.attendees) : undefined;
  const [before] = await toActivities(ctx, [row]);
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(activities)
      .set({
        subject: input.subject,
        body: input.body === undefined ? undefined : input.body ? sanitiseRichText(input.body) : null,
        occurredAt: startsAt,
        details,
      })
      .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id)));
    if (links) {
      await tx.delete(activityAttendees).where(and(eq(activityAttendees.workspaceId, ctx.workspaceId), eq(activityAttendees.activityId, id)));
      if (links.length) await tx.insert(activityAttendees).values(links);
    } else if (input.startsAt) {
      await tx
        .update(activityAttendees)
        .set({ occurredAt: startsAt })
        .where(and(eq(activityAttendees.workspaceId, ctx.workspaceId), eq(activityAttendees.activityId, id)));
    }
    await recordActivityUpdate({ ...ctx, db: tx }, before as Activity);
  });
  return getActivity(ctx, id);
}

/** History and events of an edit, read back inside the edit's transaction. */
async function recordActivityUpdate(txCtx: Ctx, before: Activity): Promise<void> {
  const [row] = await txCtx.db
    .select()
    .from(activities)
    .where(and(eq(activities.workspaceId, txCtx.workspaceId), eq(activities.id, before.id)));
  const [after] = await toActivities(txCtx, [row as Row]);
  await recordChanges(txCtx.db, txCtx, [
    { object: "activity", recordId: before.id, action: "update", changes: diff(before, after ?? null, HISTORY_FIELDS), payload: after },
  ]);
}

/** A user's meetings (as author or attendee) starting in a window: the calendar and the feed. */
export async function meetingsBetween(ctx: Ctx, userId: string, from: Date, to: Date, limit = 2000): Promise<Activity[]> {
  assertCan(ctx.actor, "read");
  const a = activities;
  const attending = ctx.db
    .select({ id: activityAttendees.activityId })
    .from(activityAttendees)
    .where(
      and(
        eq(activityAttendees.workspaceId, ctx.workspaceId),
        eq(activityAttendees.attendeeId, userId),
        gte(activityAttendees.occurredAt, from),
        lt(activityAttendees.occurredAt, to),
      ),
    );
  const rows = await ctx.db
    .select()
    .from(a)
    .where(
      and(
        eq(a.workspaceId, ctx.workspaceId),
        eq(a.type, "meeting"),
        isNull(a.deletedAt),
        gte(a.occurredAt, from),
        lt(a.occurredAt, to),
        or(eq(a.authorId, userId), inArray(a.id, attending)),
      ),
    )
    .orderBy(asc(a.occurredAt), asc(a.id))
    .limit(limit);
  return toActivities(ctx, rows);
}

/** An entry's owner for the role's rule is its author. */
const authored = (row: Row) => ({ id: row.id, ownerId: row.authorId });

/** The entry, if the role lets the actor change (or delete) it: 404 when it is not theirs to see, 403 when only to see. */
async function findActivity(ctx: Ctx, id: string, action: "edit" | "delete" = "edit"): Promise<Row> {
  const [row] = await ctx.db
    .select()
    .from(activities)
    .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id), isNull(activities.deletedAt)));
  if (!row) throw notFound("Activity");
  await assertAccess(ctx, "activity", action, authored(row));
  return row;
}

export async function updateActivity(ctx: Ctx, id: string, input: { subject?: string | null; body?: string | null; occurredAt?: string }): Promise<Activity> {
  assertCan(ctx.actor, "write");
  const [before] = await toActivities(ctx, [await findActivity(ctx, id)]);
  // Nothing to set ({}): an UPDATE without columns is an error in Drizzle, and there is no change to record.
  if (input.subject === undefined && input.body === undefined && input.occurredAt === undefined) return before as Activity;
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(activities)
      .set({
        subject: input.subject === undefined ? undefined : input.subject || null,
        body: input.body === undefined ? undefined : input.body ? sanitiseRichText(input.body) : null,
        occurredAt: input.occurredAt ? new Date(input.occurredAt) : undefined,
      })
      .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id)))
      .returning();
    if (input.occurredAt)
      await tx
        .update(activityAttendees)
        .set({ occurredAt: new Date(input.occurredAt) })
        .where(and(eq(activityAttendees.workspaceId, ctx.workspaceId), eq(activityAttendees.activityId, id)));
    await recordActivityUpdate({ ...ctx, db: tx }, before as Activity);
    return r;
  });
  return getActivity(ctx, id);
}

export async function deleteActivity(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "write");
  const found = await findActivity(ctx, id, "delete");
  const [before] = await toActivities(ctx, [found]);
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(activities)
      .set({ deletedAt: new Date() })
      .where(and(eq(activities.workspaceId, ctx.workspaceId), eq(activities.id, id)));
    await recordChanges(tx, ctx, [{ object: "activity", recordId: id, action: "delete", changes: [], payload: before }]);
  });
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
 * A company's own rows (company_id is the company at the time) come straight off its index. Its contacts'
 * other rows (logged before they joined, or with no company) can only make the page if newer than the n-th
 * own row; contacts.stray_activity_at (kept by triggers) names the few contacts that have such rows and when
 * the newest was, so only those contacts' index ranges are read. Same rows as
 * `company_id = X or contact_id in (its contacts)`, which read every activity of every contact.
 */
async function recentActivities(ctx: Ctx, subject: Subject, n: number, before?: Position, types?: ActivityType[]): Promise<Row[]> {
  const typed = Boolean(types);
  const page = {
    workspaceId: ctx.workspaceId,
    limit: n,
    ...(before ? { beforeAt: before.at.toISOString(), beforeId: before.id } : {}),
    ...(types ? { types } : {}),
  };
  // Attended meetings are meetings: a filter without them skips that index range entirely.
  const withMeetings = !types || types.includes("meeting");
  const attendedBy = async (by: "attendee" | "company") => (withMeetings ? attendedMeetings(ctx, by, subject.id, n, before) : []);
  const later = (x: Row, y: Row) => y.occurredAt.getTime() - x.occurredAt.getTime() || (y.id < x.id ? -1 : y.id > x.id ? 1 : 0);
  const merge = (...lists: Row[][]) => {
    const byId = new Map(lists.flat().map((r) => [r.id, r]));
    return [...byId.values()].sort(later).slice(0, n);
  };
  if (subject.object === "deal") return activitiesOn(ctx.db, "dealId", Boolean(before), typed).execute({ ...page, recordId: subject.id });
  if (subject.object === "contact") {
    const [own, attended] = [
      await activitiesOn(ctx.db, "contactId", Boolean(before), typed).execute({ ...page, recordId: subject.id }),
      await attendedBy("attendee"),
    ];
    return merge(own, attended);
  }
  const own = await activitiesOn(ctx.db, "companyId", Boolean(before), typed).execute({ ...page, recordId: subject.id });
  const attended = await attendedBy("company");
  const cutoff = own.length >= n ? own[n - 1] : undefined;
  const cut = cutoff ? { cutAt: cutoff.occurredAt.toISOString(), cutId: cutoff.id } : {};
  // Two statements rather than one with a subquery: PostgreSQL re-planned that one on every call (its generic plan
  // looked dearer), 0.25 ms to plan a query that finds nothing for most companies.
  const strayed = await strayContacts(ctx.db, Boolean(cutoff)).execute({ workspaceId: ctx.workspaceId, companyId: subject.id, ...cut });
  const others =
    strayed.length === 0
      ? []
      : await strayActivities(ctx.db, Boolean(before), Boolean(cutoff), typed).execute({
          ...page,
          ...cut,
          companyId: subject.id,
          contactIds: strayed.map((r) => r.id),
        });
  return merge(own, others, attended);
}

// The timeline's queries are prepared (src/db/prepared.ts): a first page is ~8 of them, and PostgreSQL took longer
// to plan each than to run it (0.29 ms against 0.01 ms for a company's own activities, pg_stat_statements at 1m).
// Parameters: workspaceId, limit and, for a later page (`paged`), the cursor's beforeAt and beforeId.
const beforeCursor = (at: AnyPgColumn, id: AnyPgColumn) => or(lt(at, param("beforeAt")), and(eq(at, param("beforeAt")), lt(id, param("beforeId"))));
/** A timeline filtered by kind (parameter types): its own statements, so the unfiltered ones keep their plans. */
const ofTypes = () => sql`${activities.type} = any(${param("types")}::text[])`;

/** The newest activities logged on one record (parameter recordId). */
function activitiesOn(db: Db, column: "dealId" | "contactId" | "companyId", paged: boolean, typed: boolean) {
  const a = activities;
  return prepared(db, `timeline_activities_on_${column}${paged ? "_paged" : ""}${typed ? "_typed" : ""}`, (d, name) =>
    d
      .select()
      .from(a)
      .where(
        and(
          eq(a.workspaceId, param("workspaceId")),
          eq(a[column], param("recordId")),
          isNull(a.deletedAt),
          paged ? beforeCursor(a.occurredAt, a.id) : undefined,
          typed ? ofTypes() : undefined,
        ),
      )
      .orderBy(desc(a.occurredAt), desc(a.id))
      .limit(param("limit"))
      .prepare(name),
  );
}

/** A company's contacts (parameter companyId) with activities logged elsewhere; with `cut`, only since cutAt. */
function strayContacts(db: Db, cut: boolean) {
  const k = contacts;
  return prepared(db, `timeline_stray_contacts${cut ? "_cut" : ""}`, (d, name) =>
    d
      .select({ id: k.id })
      .from(k)
      .where(
        and(
          eq(k.workspaceId, param("workspaceId")),
          eq(k.companyId, param("companyId")),
          cut ? gte(k.strayActivityAt, param("cutAt")) : isNotNull(k.strayActivityAt),
        ),
      )
      .prepare(name),
  );
}

/**
 * Those contacts' (parameter contactIds) activities logged under another company than companyId or none; with
 * `cut`, only those newer than the company's own n-th (cutAt, cutId).
 */
function strayActivities(db: Db, paged: boolean, cut: boolean, typed: boolean) {
  const a = activities;
  return prepared(db, `timeline_stray_activities${paged ? "_paged" : ""}${cut ? "_cut" : ""}${typed ? "_typed" : ""}`, (d, name) =>
    d
      .select()
      .from(a)
      .where(
        and(
          eq(a.workspaceId, param("workspaceId")),
          isNull(a.deletedAt),
          paged ? beforeCursor(a.occurredAt, a.id) : undefined,
          sql`${a.contactId} = any(${param("contactIds")}::uuid[])`,
          or(isNull(a.companyId), ne(a.companyId, param("companyId"))),
          cut ? gte(a.occurredAt, param("cutAt")) : undefined,
          cut ? or(gt(a.occurredAt, param("cutAt")), gt(a.id, param("cutId"))) : undefined,
          typed ? ofTypes() : undefined,
        ),
      )
      .orderBy(desc(a.occurredAt), desc(a.id))
      .limit(param("limit"))
      .prepare(name),
  );
}

/**
 * Meetings a contact attended, or that a company's people attended (by the company they had then): a range
 * of the attendee index joined to activities by primary key, one query per page.
 */
async function attendedMeetings(ctx: Ctx, by: "attendee" | "company", id: string, n: number, before?: Position): Promise<Row[]> {
  const t = activityAttendees;
  const query = prepared(ctx.db, `timeline_meetings_attended_by_${by}${before ? "_paged" : ""}`, (d, name) =>
    d
      .selectDistinct({ activity: activities })
      .from(t)
      .innerJoin(activities, and(eq(activities.workspaceId, t.workspaceId), eq(activities.id, t.activityId)))
      .where(
        and(
          eq(t.workspaceId, param("workspaceId")),
          by === "attendee" ? eq(t.attendeeId, param("recordId")) : eq(t.companyId, param("recordId")),
          isNull(activities.deletedAt),
          before ? beforeCursor(t.occurredAt, t.activityId) : undefined,
        ),
      )
      // Several people of one company can attend one meeting: distinct, ordered by the activity's own columns.
      .orderBy(desc(activities.occurredAt), desc(activities.id))
      .limit(param("limit"))
      .prepare(name),
  );
  const rows = await query.execute({
    workspaceId: ctx.workspaceId,
    recordId: id,
    limit: n,
    ...(before ? { beforeAt: before.at.toISOString(), beforeId: before.id } : {}),
  });
  return rows.map((r) => r.activity);
}

/**
 * Interactions and field changes, newest first. Both sources are read up to `limit` past the cursor
 * and merged, so a page costs two index range scans however long the history is.
 */
/** Fields whose history values are ids of users or records, and whose names the timeline shows instead. */
const userRefFields = new Set(["ownerId"]);
const companyRefFields = new Set(["companyId", "parentId"]);
const pipelineRefFields = new Set(["pipelineId"]);

const idsIn = (rows: HistoryRow[], fields: Set<string>) =>
  rows.flatMap((h) => h.changes.filter((c) => fields.has(c.field)).flatMap((c) => [c.from, c.to])).filter((v): v is string => typeof v === "string");

/** Names for every id an owner, company or pipeline change points to (deleted companies keep their name). */
async function changeRefs(ctx: Ctx, rows: HistoryRow[]): Promise<Map<string, string>> {
  const userIds = idsIn(rows, userRefFields);
  const companyIds = idsIn(rows, companyRefFields);
  const pipelineIds = idsIn(rows, pipelineRefFields);
  const [users, companies, pipelines] = await Promise.all([
    userIds.length ? userNames(ctx, userIds) : new Map<string, string>(),
    companyIds.length ? companyNames(ctx, companyIds) : new Map<string, string>(),
    pipelineIds.length ? listPipelines(ctx) : [],
  ]);
  return new Map([...users, ...companies, ...pipelines.map((p) => [p.id, p.name] as const)]);
}

function refsOf(h: HistoryRow, names: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of h.changes)
    for (const v of [c.from, c.to]) {
      const name = typeof v === "string" ? names.get(v) : undefined;
      if (name) out[v as string] = name;
    }
  return out;
}

/** History without the custom fields the role hides (a salary's old and new values are the salary); an edit of only those drops out. */
function withoutHidden(ctx: Ctx, subject: Subject, rows: HistoryRow[]): HistoryRow[] {
  const hidden = new Set(hiddenFields(ctx.actor, subject.object).map((k) => `custom.${k}`));
  if (hidden.size === 0) return rows;
  return rows.flatMap((h) => {
    const changes = h.changes.filter((c) => !hidden.has(c.field));
    return h.action === "update" && changes.length === 0 ? [] : [{ ...h, changes }];
  });
}

export async function timeline(
  ctx: Ctx,
  subject: Subject,
  limit: number,
  cursor?: string,
  kinds?: TimelineKind[],
): Promise<{ data: TimelineEntry[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const before = decodeTimelineCursor(cursor);
  if (subject.object === "contact") {
    await getContact(ctx, subject.id);
  } else if (subject.object === "company") {
    await getCompany(ctx, subject.id);
  } else {
    await getDeal(ctx, subject.id);
  }
  const types = kinds ? [...new Set(kinds.filter((k): k is ActivityType => k !== "change" && k !== "ticket"))] : undefined;
  const withTickets = !kinds || kinds.includes("ticket");
  const withChanges = !kinds || kinds.includes("change");
  // Form submissions are neither an activity type nor a change: a type filter leaves them out.
  const readable = scopeOf(ctx.actor, "activity", "read");
  const [acts, changes, submissions, ticketRows] = await Promise.all([
    // Others' entries the role may not read are dropped from the page (a shorter page; the cursor still walks on).
    types?.length === 0 || readable === "none"
      ? []
      : recentActivities(ctx, subject, limit + 1, before, types).then((rows) =>
          readable === "all" ? rows : rows.filter((r) => ownerAllows(ctx.actor, readable, r.authorId)),
        ),
    withChanges
      ? listHistory(ctx, [{ object: subject.object, recordIds: [subject.id] }], limit + 1, before).then((rows) => withoutHidden(ctx, subject, rows))
      : [],
    subject.object === "contact" && !kinds ? contactSubmissions(ctx, subject.id, limit + 1, before) : [],
    withTickets ? ticketsOnTimeline(ctx, subject, limit + 1, before) : [],
  ]);
  const refs = await changeRefs(ctx, changes);
  const attendees = await attendeesOf(ctx, acts);
  const names =
    subject.object !== "contact"
      ? await contactNames(
          ctx,
          [...acts.map((x) => x.contactId), ...ticketRows.map((x) => x.contactId)].filter((id): id is string => Boolean(id)),
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
      activity: toActivity(r, attendees.get(r.id) ?? []),
      about: r.contactId && subject.object !== "contact" ? (names.get(r.contactId) ?? null) : null,
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
      refs: refsOf(h, refs),
      sortId: h.id,
      sortAt: h.at,
    })),
    ...submissions,
    ...ticketRows.map(({ contactId, createdAt, ...ticket }) => ({
      kind: "ticket" as const,
      at: createdAt.toISOString(),
      ticket,
      about: contactId && subject.object !== "contact" ? (names.get(contactId) ?? null) : null,
      sortId: ticket.id,
      sortAt: createdAt,
    })),
  ].sort((x, y) => y.sortAt.getTime() - x.sortAt.getTime() || (y.sortId < x.sortId ? -1 : y.sortId > x.sortId ? 1 : 0));
  const page = merged.slice(0, limit);
  const last = page[page.length - 1];
  return {
    data: page.map(({ sortId: _i, sortAt: _a, ...entry }) => entry as TimelineEntry),
    nextCursor: merged.length > limit && last ? Buffer.from(`${last.sortAt.toISOString()}|${last.sortId}`).toString("base64url") : null,
  };
}
