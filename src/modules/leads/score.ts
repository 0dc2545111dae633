/**
 * The score itself: rules read through the workspace cache, engagement counted, points computed. Apart from
 * scoring.ts (rule administration, rescoring passes), because the contacts module scores with it on every write and
 * scoring.ts reads contacts: this file imports no module that imports it.
 */
import { and, asc, eq, gte, inArray, isNotNull } from "drizzle-orm";
import type { ScoreItem } from "../../contract/contacts.js";
import type { EngagementEvent } from "../../contract/leads.js";
import type { Ctx } from "../../core/context.js";
import { cachedConfig, frozen } from "../../db/workspace-cache.js";
import { engagementActivities } from "../activities/engagement.js";
import type { ConditionContext } from "../conditions/service.js";
import { describeRule, type LeadRecord, leadConditionContext, ruleMatches } from "./conditions.js";
import { formSubmissions, scoringRules } from "./table.js";

export type Row = typeof scoringRules.$inferSelect;
export const DAY = 86_400_000;
export const RESCORE_BATCH = 500;

export const eventLabels: Record<EngagementEvent, [string, string]> = {
  note: ["note", "notes"],
  call: ["call", "calls"],
  email: ["email", "emails"],
  meeting: ["meeting", "meetings"],
  form_submitted: ["form submission", "form submissions"],
};

export async function loadRules(ctx: Ctx, enabledOnly: boolean): Promise<Row[]> {
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
export function computeScore(rules: Row[], facts: LeadRecord, events: EventAt[], now: Date, context: ConditionContext): ScoreResult {
  const breakdown: ScoreItem[] = [];
  let changesAt: number | null = null;
  for (const rule of rules) {
    if (rule.kind === "field") {
      if (ruleMatches(rule.conditions, facts, context, now))
        breakdown.push({ ruleId: rule.id, label: describeRule(rule.conditions, context), points: rule.points });
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
  /** The fields and time zone field rules are evaluated with and described in. */
  context: ConditionContext;
}

/** The enabled rules and the custom-field labels their explanations use: read once, before a write's transaction. */
export async function scoringConfig(ctx: Ctx): Promise<ScoringConfig> {
  return { rules: await loadRules(ctx, true), context: await leadConditionContext(ctx) };
}

/**
 * Scores contacts. A caller inside a transaction passes the `config` it read before opening it: those reads go
 * through the workspace cache, which a transaction's never do (and on PGlite a read outside the open transaction
 * would wait for it to end).
 */
export async function scoreContacts(
  ctx: Ctx,
  items: { id: string; facts: LeadRecord }[],
  now = new Date(),
  config?: ScoringConfig,
): Promise<Map<string, ScoreResult>> {
  const out = new Map<string, ScoreResult>();
  if (items.length === 0) return out;
  const { rules, context } = config ?? (await scoringConfig(ctx));
  const events = await eventsOf(
    ctx,
    rules,
    items.map((i) => i.id),
    now,
  );
  for (const i of items) out.set(i.id, computeScore(rules, i.facts, events.get(i.id) ?? [], now, context));
  return out;
}

/** Recomputes and stores the scores of these contacts (after an update, an activity, a form submission). */
