import { and, asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { AssignmentRule, AssignmentRuleInput, AssignmentTarget, UpdateAssignmentRuleBody } from "../../contract/leads.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import type { ConditionContext } from "../conditions/service.js";
import { diff, recordChanges } from "../history/service.js";
import { assertUsersExist, listTeams, listUsers } from "../users/service.js";
import { assertRuleCondition, describeRule as describeCondition, hasConditions, type LeadRecord, leadConditionContext, ruleMatches } from "./conditions.js";
import { assignmentRules, leadSettings } from "./table.js";

type Row = typeof assignmentRules.$inferSelect;

export interface Assignment {
  ownerId: string;
  reason: string;
}

function describeRule(r: Pick<Row, "name" | "conditions">, context: Pick<ConditionContext, "registry">): string {
  return hasConditions(r.conditions) ? `Rule '${r.name}': ${describeCondition(r.conditions, context)}` : `Rule '${r.name}'`;
}

const toRule = (r: Row, context: Pick<ConditionContext, "registry">): AssignmentRule => ({
  id: r.id,
  name: r.name,
  position: r.position,
  enabled: r.enabled,
  conditions: r.conditions,
  target: r.target,
  description: describeRule(r, context),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const scoped = (ctx: Ctx, id: string) => and(eq(assignmentRules.workspaceId, ctx.workspaceId), eq(assignmentRules.id, id));

export async function listAssignmentRules(ctx: Ctx): Promise<AssignmentRule[]> {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select()
    .from(assignmentRules)
    .where(eq(assignmentRules.workspaceId, ctx.workspaceId))
    .orderBy(asc(assignmentRules.position), asc(assignmentRules.id));
  const context = await leadConditionContext(ctx);
  return rows.map((r) => toRule(r, context));
}

async function checkTarget(ctx: Ctx, target: AssignmentTarget): Promise<void> {
  if (target.kind === "user") return assertUsersExist(ctx, [target.userId], "target.userId");
  if (!(await listTeams(ctx)).some((t) => t.id === target.teamId)) {
    throw new AppError("validation_failed", "target.teamId: no such team in this workspace", [{ path: "target.teamId", message: "No such team" }]);
  }
}

export async function createAssignmentRule(ctx: Ctx, input: z.infer<typeof AssignmentRuleInput>): Promise<AssignmentRule> {
  assertCan(ctx.actor, "admin");
  const context = await leadConditionContext(ctx);
  const conditions = input.conditions ?? { all: [] };
  assertRuleCondition(conditions, context);
  await checkTarget(ctx, input.target);
  const row = await ctx.db.transaction(async (tx) => {
    const [max] = await tx
      .select({ p: sql<number>`coalesce(max(${assignmentRules.position}), -1)::int` })
      .from(assignmentRules)
      .where(eq(assignmentRules.workspaceId, ctx.workspaceId));
    const [r] = await tx
      .insert(assignmentRules)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        name: input.name,
        position: (max?.p ?? -1) + 1,
        enabled: input.enabled ?? true,
        conditions,
        target: input.target,
      })
      .returning();
    await recordChanges(tx, ctx, [{ object: "assignment_rule", recordId: (r as Row).id, action: "create", changes: [], payload: r as Row }]);
    return r as Row;
  });
  forgetConfig(ctx);
  return toRule(row, context);
}

export async function updateAssignmentRule(ctx: Ctx, id: string, input: z.infer<typeof UpdateAssignmentRuleBody>): Promise<AssignmentRule> {
  assertCan(ctx.actor, "admin");
  const [current] = await ctx.db.select().from(assignmentRules).where(scoped(ctx, id));
  if (!current) throw notFound("Assignment rule");
  const context = await leadConditionContext(ctx);
  if (input.conditions) assertRuleCondition(input.conditions, context);
  if (input.target) await checkTarget(ctx, input.target);
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(assignmentRules)
      .set({ ...input, updatedAt: new Date() })
      .where(scoped(ctx, id))
      .returning();
    const changes = (["name", "enabled", "conditions", "target"] as const)
      .filter((k) => input[k] !== undefined && JSON.stringify(input[k]) !== JSON.stringify(current[k]))
      .map((k) => ({ field: k, from: current[k], to: input[k] }));
    await recordChanges(tx, ctx, [{ object: "assignment_rule", recordId: id, action: "update", changes, payload: r as Row }]);
    return r as Row;
  });
  forgetConfig(ctx);
  return toRule(row, context);
}

export async function deleteAssignmentRule(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const [r] = await tx.delete(assignmentRules).where(scoped(ctx, id)).returning();
    if (!r) throw notFound("Assignment rule");
    await recordChanges(tx, ctx, [{ object: "assignment_rule", recordId: id, action: "delete", changes: [], payload: r }]);
  });
  forgetConfig(ctx);
}

export async function reorderAssignmentRules(ctx: Ctx, ids: string[]): Promise<AssignmentRule[]> {
  assertCan(ctx.actor, "admin");
  const existing = await listAssignmentRules(ctx);
  const wanted = new Set(ids);
  if (wanted.size !== ids.length || existing.length !== ids.length || existing.some((r) => !wanted.has(r.id))) {
    throw new AppError("validation_failed", "ids must list every assignment rule exactly once", [{ path: "ids", message: "List every rule once" }]);
  }
  await ctx.db.transaction(async (tx) => {
    for (const [position, id] of ids.entries()) {
      await tx.update(assignmentRules).set({ position, updatedAt: new Date() }).where(scoped(ctx, id));
    }
  });
  forgetConfig(ctx);
  return listAssignmentRules(ctx);
}

export async function getAssignmentSettings(ctx: Ctx): Promise<{ fallbackOwnerId: string | null }> {
  assertCan(ctx.actor, "read");
  const [s] = await ctx.db.select().from(leadSettings).where(eq(leadSettings.workspaceId, ctx.workspaceId));
  return { fallbackOwnerId: s?.fallbackOwnerId ?? null };
}

export async function setAssignmentSettings(ctx: Ctx, input: { fallbackOwnerId: string | null }): Promise<{ fallbackOwnerId: string | null }> {
  assertCan(ctx.actor, "admin");
  await assertUsersExist(ctx, [input.fallbackOwnerId], "fallbackOwnerId");
  const before = await getAssignmentSettings(ctx);
  await ctx.db.transaction(async (tx) => {
    await tx
      .insert(leadSettings)
      .values({ workspaceId: ctx.workspaceId, fallbackOwnerId: input.fallbackOwnerId })
      .onConflictDoUpdate({ target: leadSettings.workspaceId, set: { fallbackOwnerId: input.fallbackOwnerId, updatedAt: new Date() } });
    await recordChanges(tx, ctx, [
      { object: "lead_settings", recordId: ctx.workspaceId, action: "update", changes: diff(before, input, ["fallbackOwnerId"]), payload: { ...input } },
    ]);
  });
  forgetConfig(ctx);
  return { fallbackOwnerId: input.fallbackOwnerId };
}

export interface AssignmentConfig {
  rules: readonly Row[];
  fallbackOwnerId: string | null;
  /** The fields, time zone and clock the rules' conditions are evaluated with. */
  context: ConditionContext;
}

/**
 * The enabled rules in order and the fallback owner, through the workspace cache (migration 0015 announces their
 * changes, but not a rule's round-robin cursor moving: the cursor is read by the UPDATE that advances it).
 */
export async function assignmentConfig(ctx: Ctx): Promise<AssignmentConfig> {
  const cached = await cachedConfig(ctx, "assignment", async () => {
    const rules = await ctx.db
      .select()
      .from(assignmentRules)
      .where(and(eq(assignmentRules.workspaceId, ctx.workspaceId), eq(assignmentRules.enabled, true)))
      .orderBy(asc(assignmentRules.position), asc(assignmentRules.id));
    const [settings] = await ctx.db
      .select({ fallbackOwnerId: leadSettings.fallbackOwnerId })
      .from(leadSettings)
      .where(eq(leadSettings.workspaceId, ctx.workspaceId));
    return Object.freeze({ rules: frozen(rules), fallbackOwnerId: settings?.fallbackOwnerId ?? null });
  });
  return { ...cached, context: await leadConditionContext(ctx) };
}

/**
 * Owners for new contacts created without one, in order: the first enabled rule whose conditions all
 * match wins; a team target deals round-robin; no match takes the fallback owner; null when there is none.
 * Runs in the caller's transaction (ctx.db): the round-robin cursor advances by one atomic
 * UPDATE … RETURNING per rule and batch, so concurrent creates never hand out the same turn twice
 * and the rotation survives restarts. A caller inside a transaction passes the `config` it read before opening
 * it, as for scoring: a transaction's reads never go through the cache.
 */
export async function assignOwners(ctx: Ctx, facts: LeadRecord[], config?: AssignmentConfig): Promise<(Assignment | null)[]> {
  const out: (Assignment | null)[] = facts.map(() => null);
  if (facts.length === 0) return out;
  const { rules, fallbackOwnerId, context } = config ?? (await assignmentConfig(ctx));
  if (rules.length === 0 && !fallbackOwnerId) return out;
  const system = { ...ctx, actor: { ...ctx.actor, role: "admin" as const } };
  const users = await listUsers(system);
  const active = new Set(users.filter((u) => u.active).map((u) => u.id));
  const teams = rules.some((r) => r.target.kind === "team") ? await listTeams(system) : [];
  // A rule that cannot assign (inactive user, empty team) is passed over, as if it did not match.
  const membersOf = new Map<string, string[]>();
  for (const t of teams) membersOf.set(t.id, t.memberIds.filter((id) => active.has(id)).sort());
  const usable = rules.filter((r) => (r.target.kind === "user" ? active.has(r.target.userId) : (membersOf.get(r.target.teamId)?.length ?? 0) > 0));

  const turns = new Map<string, number[]>();
  facts.forEach((f, i) => {
    const rule = usable.find((r) => ruleMatches(r.conditions, f, context));
    if (!rule) {
      if (fallbackOwnerId && active.has(fallbackOwnerId)) out[i] = { ownerId: fallbackOwnerId, reason: "Fallback owner" };
      return;
    }
    if (rule.target.kind === "user") out[i] = { ownerId: rule.target.userId, reason: describeRule(rule, context) };
    else turns.set(rule.id, [...(turns.get(rule.id) ?? []), i]);
  });
  for (const [ruleId, indexes] of turns) {
    const rule = usable.find((r) => r.id === ruleId) as Row;
    const target = rule.target as Extract<AssignmentTarget, { kind: "team" }>;
    const members = membersOf.get(target.teamId) as string[];
    const team = teams.find((t) => t.id === target.teamId);
    const [advanced] = await ctx.db
      .update(assignmentRules)
      .set({ rrCursor: sql`${assignmentRules.rrCursor} + ${indexes.length}` })
      .where(scoped(ctx, ruleId))
      .returning({ cursor: assignmentRules.rrCursor });
    const start = (advanced?.cursor ?? indexes.length) - indexes.length;
    const where = hasConditions(rule.conditions) ? `${describeRule(rule, context)} → round-robin in team ${team?.name}` : `Round-robin in team ${team?.name}`;
    indexes.forEach((i, k) => {
      out[i] = { ownerId: members[(start + k) % members.length] as string, reason: where };
    });
  }
  return out;
}
