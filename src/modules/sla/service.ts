import { and, asc, eq, ne } from "drizzle-orm";
import ICAL from "ical.js";
import type { z } from "zod";
import type { Condition } from "../../contract/conditions.js";
import type {
  BusinessCalendar,
  CreateCalendarBody,
  CreatePolicyBody,
  Holiday,
  ImportHolidaysBody,
  SlaPolicy,
  UpdateCalendarBody,
  UpdatePolicyBody,
} from "../../contract/sla.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { dayInZone } from "../../core/time-zone.js";
import type { Db } from "../../db/client.js";
import { recordChanges } from "../history/service.js";
import { calendarProblems } from "./business-hours.js";
import { policyConditionProblems } from "./policy-conditions.js";
import { slaCalendars, slaPolicies } from "./table.js";

type CalendarRow = typeof slaCalendars.$inferSelect;
type PolicyRow = typeof slaPolicies.$inferSelect;

const sortBlocks = (blocks: CalendarRow["blocks"]) => [...blocks].sort((a, b) => a.day - b.day || a.start.localeCompare(b.start));
const sortHolidays = (holidays: Holiday[]) => [...holidays].sort((a, b) => a.date.localeCompare(b.date));

export const toCalendar = (r: CalendarRow): BusinessCalendar => ({
  id: r.id,
  name: r.name,
  timeZone: r.timeZone,
  blocks: r.blocks,
  holidays: r.holidays,
  isDefault: r.isDefault,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export const toPolicy = (r: PolicyRow): SlaPolicy => ({
  id: r.id,
  name: r.name,
  position: r.position,
  condition: r.condition,
  firstResponseMinutes: r.firstResponseMinutes,
  nextResponseMinutes: r.nextResponseMinutes,
  resolutionMinutes: r.resolutionMinutes,
  calendarId: r.calendarId,
  warnPercent: r.warnPercent,
  active: r.active,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

function fail(errors: FieldError[]): never {
  throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

function checkCalendar(c: { blocks: CalendarRow["blocks"]; holidays: Holiday[] }) {
  const errors: FieldError[] = calendarProblems(c);
  const seen = new Set<string>();
  c.holidays.forEach((h, i) => {
    if (Number.isNaN(Date.parse(`${h.date}T00:00:00Z`))) errors.push({ path: `holidays.${i}.date`, message: "Not a date" });
    if (seen.has(h.date)) errors.push({ path: `holidays.${i}.date`, message: `${h.date} is listed twice` });
    seen.add(h.date);
  });
  if (errors.length) fail(errors);
}

// ---- calendars ----

export async function listCalendars(ctx: Ctx): Promise<BusinessCalendar[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db.select().from(slaCalendars).where(eq(slaCalendars.workspaceId, ctx.workspaceId)).orderBy(asc(slaCalendars.name));
  return rows.map(toCalendar);
}

async function findCalendar(db: Db, ctx: Ctx, id: string): Promise<CalendarRow> {
  const [row] = await db
    .select()
    .from(slaCalendars)
    .where(and(eq(slaCalendars.workspaceId, ctx.workspaceId), eq(slaCalendars.id, id)));
  if (!row) throw notFound("Calendar");
  return row;
}

export async function getCalendar(ctx: Ctx, id: string): Promise<BusinessCalendar> {
  assertCan(ctx.actor, "read");
  return toCalendar(await findCalendar(ctx.db, ctx, id));
}

/** Making one calendar the default takes the flag from the one that had it, in the same transaction. */
async function clearDefault(tx: Db, ctx: Ctx, except: string) {
  await tx
    .update(slaCalendars)
    .set({ isDefault: false })
    .where(and(eq(slaCalendars.workspaceId, ctx.workspaceId), eq(slaCalendars.isDefault, true), ne(slaCalendars.id, except)));
}

export async function createCalendar(ctx: Ctx, input: CreateCalendarBody): Promise<BusinessCalendar> {
  assertCan(ctx.actor, "admin");
  const blocks = sortBlocks(input.blocks ?? []);
  const holidays = sortHolidays(input.holidays ?? []);
  checkCalendar({ blocks, holidays });
  const id = newId();
  const now = new Date();
  return ctx.db.transaction(async (tx) => {
    // The workspace's first calendar is its default: policies without one need somewhere to fall back to.
    const [any] = await tx.select({ id: slaCalendars.id }).from(slaCalendars).where(eq(slaCalendars.workspaceId, ctx.workspaceId)).limit(1);
    const isDefault = input.isDefault ?? !any;
    if (isDefault) await clearDefault(tx, ctx, id);
    const [row] = await tx
      .insert(slaCalendars)
      .values({ workspaceId: ctx.workspaceId, id, name: input.name, timeZone: input.timeZone, blocks, holidays, isDefault, createdAt: now, updatedAt: now })
      .returning();
    const c = toCalendar(row as CalendarRow);
    await recordChanges(tx, ctx, [{ object: "sla_calendar", recordId: id, action: "create", changes: [], payload: c }]);
    return c;
  });
}

export async function updateCalendar(ctx: Ctx, id: string, input: UpdateCalendarBody): Promise<BusinessCalendar> {
  assertCan(ctx.actor, "admin");
  return ctx.db.transaction(async (tx) => {
    const current = toCalendar(await findCalendar(tx, ctx, id));
    if (input.isDefault === false && current.isDefault)
      fail([{ path: "isDefault", message: "Make another calendar the default instead; the workspace keeps one" }]);
    const next = {
      name: input.name ?? current.name,
      timeZone: input.timeZone ?? current.timeZone,
      blocks: input.blocks ? sortBlocks(input.blocks) : current.blocks,
      holidays: input.holidays ? sortHolidays(input.holidays) : current.holidays,
      isDefault: input.isDefault ?? current.isDefault,
    };
    checkCalendar(next);
    if (next.isDefault && !current.isDefault) await clearDefault(tx, ctx, id);
    const [row] = await tx
      .update(slaCalendars)
      .set({ ...next, updatedAt: new Date() })
      .where(and(eq(slaCalendars.workspaceId, ctx.workspaceId), eq(slaCalendars.id, id)))
      .returning();
    const c = toCalendar(row as CalendarRow);
    const changes = (Object.keys(next) as (keyof typeof next)[])
      .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]))
      .map((k) => ({ field: k, from: current[k], to: next[k] }));
    if (changes.length) await recordChanges(tx, ctx, [{ object: "sla_calendar", recordId: id, action: "update", changes, payload: c }]);
    return c;
  });
}

export async function deleteCalendar(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const before = toCalendar(await findCalendar(tx, ctx, id));
    const users = await tx
      .select({ name: slaPolicies.name })
      .from(slaPolicies)
      .where(and(eq(slaPolicies.workspaceId, ctx.workspaceId), eq(slaPolicies.calendarId, id)));
    if (users.length)
      throw new AppError("conflict", `The calendar is used by ${users.map((u) => u.name).join(", ")}; give those policies another calendar first.`);
    await tx.delete(slaCalendars).where(and(eq(slaCalendars.workspaceId, ctx.workspaceId), eq(slaCalendars.id, id)));
    // A deleted default hands the flag to the oldest remaining calendar, so policies without one keep business hours.
    if (before.isDefault) {
      const [next] = await tx
        .select({ id: slaCalendars.id })
        .from(slaCalendars)
        .where(eq(slaCalendars.workspaceId, ctx.workspaceId))
        .orderBy(asc(slaCalendars.createdAt))
        .limit(1);
      if (next)
        await tx
          .update(slaCalendars)
          .set({ isDefault: true })
          .where(and(eq(slaCalendars.workspaceId, ctx.workspaceId), eq(slaCalendars.id, next.id)));
    }
    await recordChanges(tx, ctx, [{ object: "sla_calendar", recordId: id, action: "delete", changes: [], payload: before }]);
  });
}

/**
 * Holidays from an iCalendar file (a country's public holidays as published by calendar apps): every day an event
 * covers becomes a holiday; recurring events are expanded over `years` years from `from`. Days already listed stay.
 */
export function holidaysFromIcs(ics: string, from: string, years: number): Holiday[] {
  let component: ICAL.Component;
  try {
    component = new ICAL.Component(ICAL.parse(ics));
  } catch (err) {
    throw new AppError("validation_failed", `ics: not an iCalendar file (${(err as Error).message})`, [{ path: "ics", message: "Not an iCalendar file" }]);
  }
  const until = `${Number(from.slice(0, 4)) + years}${from.slice(4)}`;
  const out: Holiday[] = [];
  const day = (t: ICAL.Time) => `${String(t.year).padStart(4, "0")}-${String(t.month).padStart(2, "0")}-${String(t.day).padStart(2, "0")}`;
  const addSpan = (start: ICAL.Time, end: ICAL.Time | null, name: string) => {
    const cursor = start.clone();
    // DTEND of an all-day event is the day after its last; a timed event counts on the day it starts.
    const last = end && start.isDate ? end.clone() : null;
    if (last) last.adjust(-1, 0, 0, 0);
    for (let i = 0; i < 31; i++) {
      out.push({ date: day(cursor), name });
      if (!last || cursor.compare(last) >= 0) break;
      cursor.adjust(1, 0, 0, 0);
    }
  };
  for (const ve of component.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(ve);
    if (!event.startDate) continue;
    const name = (event.summary || "Holiday").slice(0, 200);
    if (!event.isRecurring()) {
      addSpan(event.startDate, event.endDate ?? null, name);
      continue;
    }
    const it = event.iterator();
    // A weekly or daily rule over ten years is thousands of days; a holiday calendar has a few per year.
    for (let n = 0, next = it.next(); next && n < 2000; n++, next = it.next()) {
      const d = day(next);
      if (d >= until) break;
      if (d < from) continue;
      const occurrence = event.getOccurrenceDetails(next);
      addSpan(occurrence.startDate, occurrence.endDate ?? null, name);
    }
  }
  return out;
}

export async function importHolidays(
  ctx: Ctx,
  id: string,
  input: z.infer<typeof ImportHolidaysBody>,
): Promise<{ calendar: BusinessCalendar; added: number; skipped: number }> {
  assertCan(ctx.actor, "admin");
  const current = toCalendar(await findCalendar(ctx.db, ctx, id));
  const found = holidaysFromIcs(input.ics, input.from ?? dayInZone(new Date(), current.timeZone), input.years);
  const have = new Set(current.holidays.map((h) => h.date));
  const added: Holiday[] = [];
  for (const h of found) {
    if (have.has(h.date)) continue;
    have.add(h.date);
    added.push(h);
  }
  if (current.holidays.length + added.length > 1000) fail([{ path: "ics", message: "A calendar holds at most 1000 holidays" }]);
  const calendar = added.length ? await updateCalendar(ctx, id, { holidays: [...current.holidays, ...added] }) : current;
  return { calendar, added: added.length, skipped: found.length - added.length };
}

// ---- policies ----

export async function listPolicies(ctx: Ctx): Promise<SlaPolicy[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(slaPolicies)
    .where(eq(slaPolicies.workspaceId, ctx.workspaceId))
    .orderBy(asc(slaPolicies.position), asc(slaPolicies.createdAt));
  return rows.map(toPolicy);
}

async function findPolicy(db: Db, ctx: Ctx, id: string): Promise<PolicyRow> {
  const [row] = await db
    .select()
    .from(slaPolicies)
    .where(and(eq(slaPolicies.workspaceId, ctx.workspaceId), eq(slaPolicies.id, id)));
  if (!row) throw notFound("SLA policy");
  return row;
}

export async function getPolicy(ctx: Ctx, id: string): Promise<SlaPolicy> {
  assertCan(ctx.actor, "read");
  return toPolicy(await findPolicy(ctx.db, ctx, id));
}

async function checkPolicy(ctx: Ctx, p: Omit<SlaPolicy, "id" | "createdAt" | "updatedAt">) {
  const errors: FieldError[] = [];
  if (p.firstResponseMinutes === null && p.nextResponseMinutes === null && p.resolutionMinutes === null)
    errors.push({ path: "firstResponseMinutes", message: "Give the policy at least one target" });
  if (p.calendarId) {
    const [c] = await ctx.db
      .select({ id: slaCalendars.id })
      .from(slaCalendars)
      .where(and(eq(slaCalendars.workspaceId, ctx.workspaceId), eq(slaCalendars.id, p.calendarId)));
    if (!c) errors.push({ path: "calendarId", message: "No such calendar" });
  }
  errors.push(...(await policyConditionProblems(ctx, p.condition)));
  if (errors.length) fail(errors);
}

export async function createPolicy(ctx: Ctx, input: CreatePolicyBody): Promise<SlaPolicy> {
  assertCan(ctx.actor, "admin");
  const now = new Date();
  const id = newId();
  return ctx.db.transaction(async (tx) => {
    const existing = await tx.select({ position: slaPolicies.position }).from(slaPolicies).where(eq(slaPolicies.workspaceId, ctx.workspaceId));
    const values = {
      name: input.name,
      position: input.position ?? (existing.length ? Math.max(...existing.map((e) => e.position)) + 1 : 0),
      condition: input.condition ?? ({ all: [] } as Condition),
      firstResponseMinutes: input.firstResponseMinutes ?? null,
      nextResponseMinutes: input.nextResponseMinutes ?? null,
      resolutionMinutes: input.resolutionMinutes ?? null,
      calendarId: input.calendarId ?? null,
      warnPercent: input.warnPercent ?? 80,
      active: input.active ?? true,
    };
    await checkPolicy({ ...ctx, db: tx }, values);
    const [row] = await tx
      .insert(slaPolicies)
      .values({ workspaceId: ctx.workspaceId, id, ...values, createdAt: now, updatedAt: now })
      .returning();
    const p = toPolicy(row as PolicyRow);
    await recordChanges(tx, ctx, [{ object: "sla_policy", recordId: id, action: "create", changes: [], payload: p }]);
    return p;
  });
}

export async function updatePolicy(ctx: Ctx, id: string, input: UpdatePolicyBody): Promise<SlaPolicy> {
  assertCan(ctx.actor, "admin");
  return ctx.db.transaction(async (tx) => {
    const current = toPolicy(await findPolicy(tx, ctx, id));
    const next = {
      name: input.name ?? current.name,
      position: input.position ?? current.position,
      condition: input.condition ?? current.condition,
      firstResponseMinutes: input.firstResponseMinutes === undefined ? current.firstResponseMinutes : input.firstResponseMinutes,
      nextResponseMinutes: input.nextResponseMinutes === undefined ? current.nextResponseMinutes : input.nextResponseMinutes,
      resolutionMinutes: input.resolutionMinutes === undefined ? current.resolutionMinutes : input.resolutionMinutes,
      calendarId: input.calendarId === undefined ? current.calendarId : input.calendarId,
      warnPercent: input.warnPercent ?? current.warnPercent,
      active: input.active ?? current.active,
    };
    await checkPolicy({ ...ctx, db: tx }, next);
    const [row] = await tx
      .update(slaPolicies)
      .set({ ...next, updatedAt: new Date() })
      .where(and(eq(slaPolicies.workspaceId, ctx.workspaceId), eq(slaPolicies.id, id)))
      .returning();
    const p = toPolicy(row as PolicyRow);
    const changes = (Object.keys(next) as (keyof typeof next)[])
      .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]))
      .map((k) => ({ field: k, from: current[k], to: next[k] }));
    if (changes.length) await recordChanges(tx, ctx, [{ object: "sla_policy", recordId: id, action: "update", changes, payload: p }]);
    return p;
  });
}

export async function deletePolicy(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const before = toPolicy(await findPolicy(tx, ctx, id));
    // Its clocks go with it (cascade); the recompute the event asks for gives those tickets the next matching policy.
    await tx.delete(slaPolicies).where(and(eq(slaPolicies.workspaceId, ctx.workspaceId), eq(slaPolicies.id, id)));
    await recordChanges(tx, ctx, [{ object: "sla_policy", recordId: id, action: "delete", changes: [], payload: before }]);
  });
}

/** The calendar a policy runs on: its own, else the workspace default, else none (24/7 in UTC). */
export async function calendarsById(ctx: Ctx): Promise<{ byId: Map<string, CalendarRow>; fallback: CalendarRow | null }> {
  const rows = await ctx.db.select().from(slaCalendars).where(eq(slaCalendars.workspaceId, ctx.workspaceId));
  return { byId: new Map(rows.map((r) => [r.id, r])), fallback: rows.find((r) => r.isDefault) ?? null };
}
