import { and, asc, eq, gte, inArray, isNotNull } from "drizzle-orm";
import type { ScoreItem } from "../../contract/contacts.js";
import type { EngagementEvent, RescoreStatus, ScoringRule, ScoringRuleInput } from "../../contract/leads.js";
import { type Actor, type Ctx, systemActor } from "../../core/context.js";
import { notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import { engagementActivities } from "../activities/service.js";
import { companyProfiles } from "../companies/service.js";
import { liveContactCount } from "../contacts/dedupe.js";
import { contactIdsAfter, contactsForScoring, contactsWithScoreDue, storeLeadScores } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { recordChanges } from "../history/service.js";
import { describeConditions, factsOf, type LeadFacts, matchesAll, validateConditions } from "./conditions.js";
import { formSubmissions, leadSettings, scoringRules } from "./table.js";

type Row = typeof scoringRules.$inferSelect;
const DAY = 86_400_000;
export const RESCORE_BATCH = 500;

const eventLabels: Record<EngagementEvent, [string, string]> = {
  note: ["note", "notes"],
  call: ["call", "calls"],
  email: ["email", "emails"],
  meeting: ["meeting", "meetings"],
  form_submitted: ["form submission", "form submissions"],
};

function describeRule(r: Row, labels: Map<string, string>): string {
  if (r.kind === "field") return describeConditions(r.conditions, labels);
  const [one] = eventLabels[r.event as EngagementEvent];
  const parts = [`${r.points >= 0 ? "+" : ""}${r.points} per ${one}`];
  if (r.withinDays) parts.push(`in the last ${r.withinDays} days`);
  if (r.maxPoints) parts.push(`up to ${r.maxPoints}`);
  if (r.decay.kind === "halve") parts.push(`halving every ${r.decay.everyDays} days`);
  if (r.decay.kind === "expire") parts.push(`expiring after ${r.decay.afterDays} days`);
  return parts.join(", ");
}

const toRule = (r: Row, labels: Map<string, string>): ScoringRule => ({
  id: r.id,
  kind: r.kind,
  name: r.name,
  enabled: r.enabled,
  points: r.points,
  conditions: r.conditions,
  event: r.event,
  withinDays: r.withinDays,
  maxPoints: r.maxPoints,
  decay: r.decay,
  description: describeRule(r, labels),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const customLabels = async (ctx: Ctx) => new Map((await listCustomFields(ctx, "contact")).map((f) => [f.key, f.label]));

async function loadRules(ctx: Ctx, enabledOnly: boolean): Promise<Row[]> {
  return cachedConfig(ctx, `scoringRules:${enabledOnly}`, async () =>
    frozen(
      await ctx.db
        .select()
        .from(scoringRules)
        .where(and(eq(scoringRules.workspaceId, ctx.workspaceId), enabledOnly ? eq(scoringRules.enabled, true) : undefined))
        .orderBy(asc(scoringRules.createdAt), asc(scoringRules.id)),
    ),
  );
}

export async function listScoringRules(ctx: Ctx): Promise<ScoringRule[]> {
  assertCan(ctx.actor, "read");
  const labels = await customLabels(ctx);
  return (await loadRules(ctx, false)).map((r) => toRule(r, labels));
}

function columnsOf(input: ScoringRuleInput) {
  return input.kind === "field"
    ? {
        kind: input.kind,
        name: input.name,
        enabled: input.enabled ?? true,
        points: input.points,
        conditions: input.conditions,
        event: null,
        withinDays: null,
        maxPoints: null,
        decay: { kind: "none" as const },
      }
    : {
        kind: input.kind,
        name: input.name,
        enabled: input.enabled ?? true,
        points: input.points,
        conditions: [],
        event: input.event,
        withinDays: input.withinDays ?? null,
        maxPoints: input.maxPoints ?? null,
        decay: input.decay ?? { kind: "none" as const },
      };
}

export async function createScoringRule(ctx: Ctx, input: ScoringRuleInput): Promise<ScoringRule> {
  assertCan(ctx.actor, "admin");
  if (input.kind === "field") validateConditions(input.conditions, await listCustomFields(ctx, "contact"));
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(scoringRules)
      .values({ workspaceId: ctx.workspaceId, id: newId(), ...columnsOf(input) })
      .returning();
    await recordChanges(tx, ctx, [{ object: "scoring_rule", recordId: (r as Row).id, action: "create", changes: [], payload: r as Row }]);
    return r as Row;
  });
  forgetConfig(ctx);
  return toRule(row, await customLabels(ctx));
}

/** A rule is replaced whole (its kind decides which fields apply). */
export async function updateScoringRule(ctx: Ctx, id: string, input: ScoringRuleInput): Promise<ScoringRule> {
  assertCan(ctx.actor, "admin");
  const [current] = await ctx.db
    .select()
    .from(scoringRules)
    .where(and(eq(scoringRules.workspaceId, ctx.workspaceId), eq(scoringRules.id, id)));
  if (!current) throw notFound("Scoring rule");
  if (input.kind === "field") validateConditions(input.conditions, await listCustomFields(ctx, "contact"));
  const next = columnsOf(input);
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(scoringRules)
      .set({ ...next, updatedAt: new Date() })
      .where(and(eq(scoringRules.workspaceId, ctx.workspaceId), eq(scoringRules.id, id)))
      .returning();
    const changes = (Object.keys(next) as (keyof typeof next)[])
      .filter((k) => JSON.stringify(next[k]) !== JSON.stringify(current[k]))
      .map((k) => ({ field: k, from: current[k], to: next[k] }));
    await recordChanges(tx, ctx, [{ object: "scoring_rule", recordId: id, action: "update", changes, payload: r as Row }]);
    return r as Row;
  });
  forgetConfig(ctx);
  return toRule(row, await customLabels(ctx));
}

export async function deleteScoringRule(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .delete(scoringRules)
      .where(and(eq(scoringRules.workspaceId, ctx.workspaceId), eq(scoringRules.id, id)))
      .returning();
    if (!r) throw notFound("Scoring rule");
    await recordChanges(tx, ctx, [{ object: "scoring_rule", recordId: id, action: "delete", changes: [], payload: r }]);
  });
  forgetConfig(ctx);
}

// ---- the score ----

export interface ScoreResult {
  score: number;
  breakdown: ScoreItem[];
  /** When decay or a window edge will next change this score; null when it is stable. */
  changesAt: Date | null;
}

interface EventAt {
  event: EngagementEvent;
  at: Date;
}

/** One event's points at `now` under a rule's decay, and when that value next changes. */
function eventPoints(rule: Row, at: Date, now: Date): { points: number; changesAt: Date | null } {
  const age = now.getTime() - at.getTime();
  if (age < 0) return { points: 0, changesAt: at };
  const edges: number[] = [];
  if (rule.withinDays) {
    const end = at.getTime() + rule.withinDays * DAY;
    if (now.getTime() >= end) return { points: 0, changesAt: null };
    edges.push(end);
  }
  let points = rule.points;
  if (rule.decay.kind === "expire") {
    const end = at.getTime() + rule.decay.afterDays * DAY;
    if (now.getTime() >= end) return { points: 0, changesAt: null };
    edges.push(end);
  } else if (rule.decay.kind === "halve") {
    const step = rule.decay.everyDays * DAY;
    const halvings = Math.floor(age / step);
    points = rule.points / 2 ** halvings;
    // Below half a point an event rounds to nothing; stop scheduling rescoring for it.
    if (Math.abs(points) >= 0.5) edges.push(at.getTime() + (halvings + 1) * step);
  }
  return { points, changesAt: edges.length ? new Date(Math.min(...edges)) : null };
}

/** The 0–100 score of one contact: matching field rules plus engagement, clamped, with its reasons. */
export function computeScore(rules: Row[], facts: LeadFacts, events: EventAt[], now: Date, labels: Map<string, string>): ScoreResult {
  const breakdown: ScoreItem[] = [];
  let changesAt: number | null = null;
  for (const rule of rules) {
    if (rule.kind === "field") {
      if (matchesAll(facts, rule.conditions)) breakdown.push({ ruleId: rule.id, label: describeConditions(rule.conditions, labels), points: rule.points });
      continue;
    }
    let total = 0;
    let n = 0;
    for (const e of events) {
      if (e.event !== rule.event) continue;
      const p = eventPoints(rule, e.at, now);
      if (p.changesAt) changesAt = Math.min(changesAt ?? Number.POSITIVE_INFINITY, p.changesAt.getTime());
      if (p.points !== 0) {
        total += p.points;
        n++;
      }
    }
    if (rule.maxPoints) total = Math.sign(total) * Math.min(Math.abs(total), rule.maxPoints);
    const points = Math.round(total);
    if (points === 0) continue;
    const [one, many] = eventLabels[rule.event as EngagementEvent];
    const window = rule.withinDays ? ` in ${rule.withinDays} days` : "";
    const decayed = rule.decay.kind === "halve" ? " (decaying)" : "";
    breakdown.push({ ruleId: rule.id, label: `${n} ${n === 1 ? one : many}${window}${decayed}`, points });
  }
  const raw = breakdown.reduce((s, b) => s + b.points, 0);
  return { score: Math.max(0, Math.min(100, raw)), breakdown, changesAt: changesAt === null ? null : new Date(changesAt) };
}

/** The earliest event time any enabled event rule can still count (null: some rule counts all history). */
function eventHorizon(rules: Row[], now: Date): Date | null {
  let days = 0;
  for (const r of rules) {
    if (r.kind !== "event") continue;
    const limit = Math.min(r.withinDays ?? Number.POSITIVE_INFINITY, r.decay.kind === "expire" ? r.decay.afterDays : Number.POSITIVE_INFINITY);
    if (!Number.isFinite(limit)) return null;
    days = Math.max(days, limit);
  }
  return new Date(now.getTime() - days * DAY);
}

async function eventsOf(ctx: Ctx, rules: Row[], ids: string[], now: Date): Promise<Map<string, EventAt[]>> {
  const map = new Map<string, EventAt[]>();
  const kinds = new Set(rules.filter((r) => r.kind === "event").map((r) => r.event as EngagementEvent));
  if (kinds.size === 0 || ids.length === 0) return map;
  const since = eventHorizon(rules, now);
  const add = (id: string, e: EventAt) => map.set(id, [...(map.get(id) ?? []), e]);
  const activityTypes = [...kinds].filter((k): k is Exclude<EngagementEvent, "form_submitted"> => k !== "form_submitted");
  for (const a of await engagementActivities(ctx, ids, activityTypes, since)) add(a.contactId, { event: a.type, at: a.at });
  if (kinds.has("form_submitted")) {
    const subs = await ctx.db
      .select({ contactId: formSubmissions.contactId, at: formSubmissions.createdAt })
      .from(formSubmissions)
      .where(
        and(
          eq(formSubmissions.workspaceId, ctx.workspaceId),
          inArray(formSubmissions.contactId, ids),
          isNotNull(formSubmissions.contactId),
          since ? gte(formSubmissions.createdAt, since) : undefined,
        ),
      );
    for (const s of subs) if (s.contactId) add(s.contactId, { event: "form_submitted", at: s.at });
  }
  return map;
}

/** Scores for contacts described by their facts (new ones included: they simply have no events yet). */
export interface ScoringConfig {
  rules: Row[];
  labels: Map<string, string>;
}

/** The enabled rules and the custom-field labels their explanations use: read once, before a write's transaction. */
export async function scoringConfig(ctx: Ctx): Promise<ScoringConfig> {
  const rules = await loadRules(ctx, true);
  const labels = rules.some((r) => r.conditions.some((c) => c.field.startsWith("custom."))) ? await customLabels(ctx) : new Map<string, string>();
  return { rules, labels };
}

/**
 * Scores contacts. A caller inside a transaction passes the `config` it read before opening it: those reads go
 * through the workspace cache, which a transaction's never do (and on PGlite a read outside the open transaction
 * would wait for it to end).
 */
export async function scoreContacts(
  ctx: Ctx,
  items: { id: string; facts: LeadFacts }[],
  now = new Date(),
  config?: ScoringConfig,
): Promise<Map<string, ScoreResult>> {
  const out = new Map<string, ScoreResult>();
  if (items.length === 0) return out;
  const { rules, labels } = config ?? (await scoringConfig(ctx));
  const events = await eventsOf(
    ctx,
    rules,
    items.map((i) => i.id),
    now,
  );
  for (const i of items) out.set(i.id, computeScore(rules, i.facts, events.get(i.id) ?? [], now, labels));
  return out;
}

/** Recomputes and stores the scores of these contacts (after an update, an activity, a form submission). */
export async function rescoreContacts(ctx: Ctx, ids: string[], now = new Date()): Promise<void> {
  const contacts = await contactsForScoring(ctx, ids);
  if (contacts.length === 0) return;
  const companies = await companyProfiles(
    ctx,
    contacts.map((c) => c.companyId).filter((id): id is string => Boolean(id)),
  );
  const scores = await scoreContacts(
    ctx,
    contacts.map((c) => ({ id: c.id, facts: factsOf(c, c.companyId ? companies.get(c.companyId) : null) })),
    now,
  );
  await storeLeadScores(
    ctx,
    [...scores].map(([id, s]) => ({ id, ...s })),
    now,
  );
}

// ---- workspace rescoring (rule changes) and decay ----

async function saveStatus(db: Db, workspaceId: string, status: RescoreStatus): Promise<void> {
  await db
    .insert(leadSettings)
    .values({ workspaceId, rescore: status })
    .onConflictDoUpdate({ target: leadSettings.workspaceId, set: { rescore: status } });
}

/**
 * Rescores every live contact of the workspace in batches of RESCORE_BATCH, with progress in lead_settings.rescore.
 * Runs as the scoring.rescore_workspace job (after a scoring_rule or custom_field event, or on request), which
 * retries it on failure: the pass is idempotent, a rerun recomputes the same scores.
 */
export async function runWorkspaceRescore(ctx: Ctx, now?: Date): Promise<void> {
  const sys: Ctx = { db: ctx.db, workspaceId: ctx.workspaceId, actor: systemActor };
  const startedAt = new Date().toISOString();
  const total = await liveContactCount(sys);
  const status: RescoreStatus = { state: "running", total, done: 0, startedAt, finishedAt: null, error: null };
  await saveStatus(sys.db, sys.workspaceId, status);
  try {
    let after: string | null = null;
    for (;;) {
      const ids = await contactIdsAfter(sys, after, RESCORE_BATCH);
      if (ids.length === 0) break;
      await rescoreContacts(sys, ids, now);
      after = ids[ids.length - 1] as string;
      status.done = Math.min(total, status.done + ids.length);
      await saveStatus(sys.db, sys.workspaceId, status);
    }
    await saveStatus(sys.db, sys.workspaceId, { ...status, done: total, state: "done", finishedAt: new Date().toISOString() });
  } catch (err) {
    await saveStatus(sys.db, sys.workspaceId, { ...status, state: "failed", finishedAt: new Date().toISOString(), error: String(err) });
    throw err;
  }
}

export async function rescoreStatus(ctx: Ctx): Promise<RescoreStatus> {
  assertCan(ctx.actor, "read");
  const [s] = await ctx.db.select({ rescore: leadSettings.rescore }).from(leadSettings).where(eq(leadSettings.workspaceId, ctx.workspaceId));
  return s?.rescore ?? { state: "idle", total: 0, done: 0, startedAt: null, finishedAt: null, error: null };
}

/** What a rescore request answers before its job runs: queued work shows as running, with the size it will cover. */
export async function pendingRescoreStatus(ctx: Ctx): Promise<RescoreStatus> {
  assertCan(ctx.actor, "admin");
  return { state: "running", total: await liveContactCount(ctx), done: 0, startedAt: new Date().toISOString(), finishedAt: null, error: null };
}

/**
 * Decay is applied by rescoring, not at read time: every stored score carries score_changes_at, the
 * moment a halving step, a window edge or an expiry next changes it, and this pass (run every ten
 * minutes by the scoring.decay job) rescores the contacts whose moment has come. Stored scores therefore stay
 * sortable and filterable by index, and are at most one pass interval stale.
 */
export async function rescoreDue(db: Db, now = new Date(), limit = 2000): Promise<number> {
  const due = await contactsWithScoreDue(db, now, limit);
  const byWorkspace = new Map<string, string[]>();
  for (const d of due) byWorkspace.set(d.workspaceId, [...(byWorkspace.get(d.workspaceId) ?? []), d.id]);
  const actor: Actor = systemActor;
  for (const [workspaceId, ids] of byWorkspace) {
    for (let i = 0; i < ids.length; i += RESCORE_BATCH) await rescoreContacts({ db, workspaceId, actor }, ids.slice(i, i + RESCORE_BATCH), now);
  }
  return due.length;
}
