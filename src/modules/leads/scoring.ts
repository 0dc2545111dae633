import { and, eq } from "drizzle-orm";
import type { EngagementEvent, RescoreStatus, ScoringRule, ScoringRuleInput } from "../../contract/leads.js";
import { type Actor, type Ctx, systemActor } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { forgetConfig } from "../../db/workspace-cache.js";
import { companyProfiles } from "../companies/service.js";
import type { ConditionContext } from "../conditions/service.js";
import { liveContactCount } from "../contacts/dedupe.js";
import { contactIdPagesOfCompany, contactIdsAfter, contactsForScoring, contactsWithScoreDue, storeLeadScores } from "../contacts/service.js";
import { recordChanges } from "../history/service.js";
import { assertRuleCondition, describeRule as describeCondition, hasConditions, leadConditionContext, leadRecordOf } from "./conditions.js";
import { eventLabels, loadRules, type Row, scoreContacts } from "./score.js";
import { leadSettings, scoringRules } from "./table.js";

export const RESCORE_BATCH = 500;

function describeRule(r: Row, context: Pick<ConditionContext, "registry">): string {
  if (r.kind === "field") return describeCondition(r.conditions, context);
  const [one] = eventLabels[r.event as EngagementEvent];
  const parts = [`${r.points >= 0 ? "+" : ""}${r.points} per ${one}`];
  if (r.withinDays) parts.push(`in the last ${r.withinDays} days`);
  if (r.maxPoints) parts.push(`up to ${r.maxPoints}`);
  if (r.decay.kind === "halve") parts.push(`halving every ${r.decay.everyDays} days`);
  if (r.decay.kind === "expire") parts.push(`expiring after ${r.decay.afterDays} days`);
  return parts.join(", ");
}

const toRule = (r: Row, context: Pick<ConditionContext, "registry">): ScoringRule => ({
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
  description: describeRule(r, context),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

export async function listScoringRules(ctx: Ctx): Promise<ScoringRule[]> {
  assertCan(ctx.actor, "read");
  const context = await leadConditionContext(ctx);
  return (await loadRules(ctx, false)).map((r) => toRule(r, context));
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
        conditions: { all: [] },
        event: input.event,
        withinDays: input.withinDays ?? null,
        maxPoints: input.maxPoints ?? null,
        decay: input.decay ?? { kind: "none" as const },
      };
}

/** The condition context, once a field rule's condition is checked: it must fit the contact and test something. */
async function checkedContext(ctx: Ctx, input: ScoringRuleInput): Promise<ConditionContext> {
  const context = await leadConditionContext(ctx);
  if (input.kind !== "field") return context;
  if (!hasConditions(input.conditions))
    throw new AppError("validation_failed", "conditions: a field rule tests at least one field", [
      { path: "conditions", message: "Add at least one condition" },
    ]);
  assertRuleCondition(input.conditions, context);
  return context;
}

export async function createScoringRule(ctx: Ctx, input: ScoringRuleInput): Promise<ScoringRule> {
  assertCan(ctx.actor, "admin");
  const context = await checkedContext(ctx, input);
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(scoringRules)
      .values({ workspaceId: ctx.workspaceId, id: newId(), ...columnsOf(input) })
      .returning();
    await recordChanges(tx, ctx, [{ object: "scoring_rule", recordId: (r as Row).id, action: "create", changes: [], payload: r as Row }]);
    return r as Row;
  });
  forgetConfig(ctx);
  return toRule(row, context);
}

/** A rule is replaced whole (its kind decides which fields apply). */
export async function updateScoringRule(ctx: Ctx, id: string, input: ScoringRuleInput): Promise<ScoringRule> {
  assertCan(ctx.actor, "admin");
  const [current] = await ctx.db
    .select()
    .from(scoringRules)
    .where(and(eq(scoringRules.workspaceId, ctx.workspaceId), eq(scoringRules.id, id)));
  if (!current) throw notFound("Scoring rule");
  const context = await checkedContext(ctx, input);
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
  return toRule(row, context);
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

export async function rescoreContacts(ctx: Ctx, ids: string[], now = new Date()): Promise<void> {
  const contacts = await contactsForScoring(ctx, ids);
  if (contacts.length === 0) return;
  const companies = await companyProfiles(
    ctx,
    contacts.map((c) => c.companyId).filter((id): id is string => Boolean(id)),
  );
  const scores = await scoreContacts(
    ctx,
    contacts.map((c) => ({ id: c.id, facts: leadRecordOf(c, c.companyId ? companies.get(c.companyId) : null) })),
    now,
  );
  await storeLeadScores(
    ctx,
    [...scores].map(([id, s]) => ({ id, ...s })),
    now,
  );
}

/**
 * Rescores every contact of a company, page by page (a company can have tens of thousands): the
 * scoring.rescore_company job, queued by the event consumer when the company's size or industry changed.
 */
export async function rescoreCompanyContacts(ctx: Ctx, companyId: string, now?: Date): Promise<number> {
  let n = 0;
  for await (const ids of contactIdPagesOfCompany(ctx, companyId, RESCORE_BATCH)) {
    await rescoreContacts(ctx, ids, now);
    n += ids.length;
  }
  return n;
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
