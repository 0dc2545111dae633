import { eq } from "drizzle-orm";
import type { z } from "zod";
import type {
  ForecastBacktest,
  ForecastBacktestQuery,
  ForecastQuery,
  ForecastReport,
  ForecastRow,
  PipelineReport,
  PipelineReportQuery,
} from "../../contract/forecast.js";
import { accessOf, scopeOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, invalidField, notFound } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { dayInZone } from "../../core/time-zone.js";
import { cachedConfig, forgetConfig } from "../../db/workspace-cache.js";
import { backtestByPeriod, forecastByOwner, stageFlow, stageSnapshot } from "../deals/forecast-queries.js";
import { pipelineOrDefault, workspaceStages } from "../deals/pipelines.js";
import { recordChanges } from "../history/service.js";
import { type ParsedPeriod, parsePeriod, periodOf } from "../quotas/periods.js";
import { actorScope, quotasForPeriod, type Scope } from "../quotas/service.js";
import { userDirectory } from "../users/service.js";
import { fallbackCurrency, workspaceSettings, workspaceTimeZone } from "../workspaces/service.js";
import { forecastSettings } from "./table.js";

export const DEFAULT_COMMIT_THRESHOLD = 70;

/** Through the configuration cache (migration 0016 announces changes): every forecast reads it. */
export async function getForecastSettings(ctx: Ctx): Promise<{ commitThreshold: number }> {
  assertCan(ctx.actor, "read");
  const { commitThreshold } = await cachedConfig(ctx, "forecastSettings", async () => {
    const [row] = await ctx.db.select().from(forecastSettings).where(eq(forecastSettings.workspaceId, ctx.workspaceId));
    return Object.freeze({ commitThreshold: row ? Number(row.commitThreshold) : DEFAULT_COMMIT_THRESHOLD });
  });
  return { commitThreshold };
}

export async function updateForecastSettings(ctx: Ctx, input: { commitThreshold: number }): Promise<{ commitThreshold: number }> {
  assertCan(ctx.actor, "admin");
  const before = await getForecastSettings(ctx);
  const value = String(input.commitThreshold);
  await ctx.db.transaction(async (tx) => {
    await tx
      .insert(forecastSettings)
      .values({ workspaceId: ctx.workspaceId, commitThreshold: value, updatedAt: new Date() })
      .onConflictDoUpdate({ target: forecastSettings.workspaceId, set: { commitThreshold: value, updatedAt: new Date() } });
    await recordChanges(tx, ctx, [
      {
        object: "forecast_settings",
        recordId: ctx.workspaceId,
        action: "update",
        changes:
          before.commitThreshold === input.commitThreshold ? [] : [{ field: "commitThreshold", from: before.commitThreshold, to: input.commitThreshold }],
        payload: { commitThreshold: input.commitThreshold },
      },
    ]);
  });
  forgetConfig(ctx);
  return { commitThreshold: input.commitThreshold };
}

/** Cents as integers, so sums of many decimal amounts stay exact. */
const cents = (v: string | number) => Math.round(Number(v) * 100);
const money = (c: number) => (c / 100).toFixed(2);

interface Acc {
  won: number;
  commit: number;
  bestCase: number;
  weighted: number;
  wonCount: number;
  openCount: number;
}
const zero = (): Acc => ({ won: 0, commit: 0, bestCase: 0, weighted: 0, wonCount: 0, openCount: 0 });
function add(a: Acc, b: Acc): void {
  a.won += b.won;
  a.commit += b.commit;
  a.bestCase += b.bestCase;
  a.weighted += b.weighted;
  a.wonCount += b.wonCount;
  a.openCount += b.openCount;
}
function row(id: string | null, name: string, acc: Acc, quotaCents: number | null): ForecastRow {
  return {
    id,
    name,
    quota: quotaCents === null ? null : money(quotaCents),
    won: money(acc.won),
    commit: money(acc.commit),
    bestCase: money(acc.bestCase),
    weighted: money(acc.weighted),
    wonCount: acc.wonCount,
    openCount: acc.openCount,
    attainment: quotaCents ? Math.round((acc.won / quotaCents) * 1000) / 10 : null,
    gap: quotaCents === null ? null : money(quotaCents - acc.won),
  };
}

/**
 * Owners whose deals the role's matrix lets the actor read: undefined for all. Reports sum the per-owner roll-ups,
 * so their visibility is by owner; a deal shared with the actor beyond the rule shows on its page, not in the sums.
 */
function visibleOwners(ctx: Ctx, owners: string[] | undefined): string[] | undefined {
  const scope = scopeOf(ctx.actor, "deal", "read");
  if (scope === "all") return owners;
  const allowed = scope === "none" ? [] : scope === "own" ? (ctx.actor.userId ? [ctx.actor.userId] : []) : [...accessOf(ctx.actor).teammateIds];
  return owners ? owners.filter((id) => allowed.includes(id)) : allowed;
}

/** Which owners' deals a request covers, within what the actor may see. */
async function ownersFor(ctx: Ctx, scope: Scope, q: { teamId?: string; ownerId?: string }): Promise<string[] | undefined> {
  let owners: string[] | undefined = scope.all ? undefined : [...scope.userIds];
  if (q.teamId) {
    const team = scope.teams.find((t) => t.id === q.teamId);
    if (!team) {
      if (scope.all) throw notFound("Team");
      throw new AppError("forbidden", "You can see the forecast of your own teams only.");
    }
    owners = owners ? team.memberIds.filter((id) => owners?.includes(id)) : [...team.memberIds];
  }
  if (q.ownerId) {
    const id = q.ownerId === "me" ? ctx.actor.userId : q.ownerId;
    if (!id) throw new AppError("bad_request", "ownerId=me needs a signed-in user");
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw invalidField("ownerId", "Use a user id or me");
    if (owners && !owners.includes(id)) {
      if (!scope.all && !scope.userIds.has(id)) throw new AppError("forbidden", "You can see your own forecast and, as a manager, your teams' members'.");
      owners = [];
    } else owners = [id];
  }
  return visibleOwners(ctx, owners);
}

export async function forecast(ctx: Ctx, q: z.infer<typeof ForecastQuery>): Promise<ForecastReport> {
  assertCan(ctx.actor, "read");
  const p = parsePeriod(q.period);
  const scope = await actorScope(ctx);
  if (q.groupBy === "team" && !scope.canSeeTeams) throw new AppError("forbidden", "Team forecasts are for managers and admins.");
  const [settings, ws, users] = await Promise.all([getForecastSettings(ctx), workspaceSettings(ctx), userDirectory(ctx)]);
  const pipeline = q.pipelineId ? await pipelineOrDefault(ctx, q.pipelineId) : undefined;
  if (pipeline === null) throw notFound("Pipeline");
  const currency = q.currency ?? ws.defaultCurrency ?? fallbackCurrency;
  const owners = await ownersFor(ctx, scope, q);
  const sums = await forecastByOwner(ctx.db, {
    workspaceId: ctx.workspaceId,
    start: p.start,
    end: p.end,
    pipelineId: q.pipelineId,
    ownerIds: owners,
    commitThreshold: settings.commitThreshold,
    stages: pipeline ? pipeline.stages : [...(await workspaceStages(ctx)).values()],
  });
  const quotas = await quotasForPeriod(ctx, p.period, currency);

  const byOwner = new Map<string | null, Acc>();
  const other = new Map<string, { won: number; bestCase: number; deals: number }>();
  for (const s of sums) {
    const acc: Acc = {
      won: cents(s.won),
      commit: cents(s.commit),
      bestCase: cents(s.bestCase),
      weighted: cents(s.weighted),
      wonCount: Number(s.wonCount),
      openCount: Number(s.openCount),
    };
    if (s.currency !== currency) {
      const o = other.get(s.currency) ?? { won: 0, bestCase: 0, deals: 0 };
      o.won += acc.won;
      o.bestCase += acc.bestCase;
      o.deals += acc.wonCount + acc.openCount;
      other.set(s.currency, o);
      continue;
    }
    const cur = byOwner.get(s.ownerId) ?? zero();
    add(cur, acc);
    byOwner.set(s.ownerId, cur);
  }

  const rows: ForecastRow[] = [];
  const total = zero();
  let totalQuota: number | null = null;
  const quotaOf = (key: string) => {
    const v = quotas.get(key);
    return v === undefined ? null : cents(v);
  };

  if (q.groupBy === "owner") {
    // Everyone in view who has a quota or a deal: a rep with a quota and no deals still needs a row.
    const visible = owners ? new Set(owners) : new Set([...users].filter(([, u]) => u.active).map(([id]) => id));
    const ids = new Set<string | null>([...byOwner.keys()]);
    for (const key of quotas.keys()) {
      const [kind, id] = key.split(":");
      if (kind === "user" && id && visible.has(id)) ids.add(id);
    }
    for (const id of ids) {
      const acc = byOwner.get(id) ?? zero();
      const quota = id ? quotaOf(`user:${id}`) : null;
      rows.push(row(id, id ? (users.get(id)?.name ?? "(removed user)") : "No owner", acc, quota));
      add(total, acc);
      if (quota !== null) totalQuota = (totalQuota ?? 0) + quota;
    }
    if (q.teamId) {
      const teamQuota = quotaOf(`team:${q.teamId}`);
      if (teamQuota !== null) totalQuota = teamQuota;
    }
  } else {
    const teams = q.teamId ? scope.teams.filter((t) => t.id === q.teamId) : scope.teams;
    for (const t of teams) {
      const acc = zero();
      let memberQuota: number | null = null;
      for (const m of t.memberIds) {
        const a = byOwner.get(m);
        if (a) add(acc, a);
        const mq = quotaOf(`user:${m}`);
        if (mq !== null) memberQuota = (memberQuota ?? 0) + mq;
      }
      // A quota set on the team wins; otherwise the team's target is the sum of its members'.
      const quota = quotaOf(`team:${t.id}`) ?? memberQuota;
      const members = t.memberIds.map((id) => {
        const { wonCount: _w, openCount: _o, ...figures } = row(id, users.get(id)?.name ?? "(removed user)", byOwner.get(id) ?? zero(), quotaOf(`user:${id}`));
        return { ...figures, id };
      });
      rows.push({ ...row(t.id, t.name, acc, quota), members });
    }
    // Totals count each deal once even when its owner sits in two teams.
    const inTeams = new Set(teams.flatMap((t) => t.memberIds));
    for (const [id, acc] of byOwner) if (id && inTeams.has(id)) add(total, acc);
    for (const r of rows) if (r.quota !== null) totalQuota = (totalQuota ?? 0) + cents(r.quota);
  }
  rows.sort((a, b) => Number(b.won) - Number(a.won) || Number(b.bestCase) - Number(a.bestCase) || a.name.localeCompare(b.name));
  const { id: _id, ...totals } = row(null, "Total", total, totalQuota);
  return {
    period: p.period,
    periodStart: p.start,
    periodEnd: p.end,
    groupBy: q.groupBy,
    currency,
    commitThreshold: settings.commitThreshold,
    rows,
    totals,
    otherCurrencies: [...other].map(([c, o]) => ({ currency: c, won: money(o.won), bestCase: money(o.bestCase), deals: o.deals })),
  };
}

export async function pipelineReport(ctx: Ctx, q: z.infer<typeof PipelineReportQuery>): Promise<PipelineReport> {
  assertCan(ctx.actor, "read");
  const now = new Date();
  // The default window ends with the workspace's today, not UTC's.
  const tz = await workspaceTimeZone(ctx);
  const isoDay = (d: Date) => dayInZone(d, tz);
  // A quarter by default: the stage-history part sorts every change in the window, so the window bounds the cost.
  const from = q.from ?? isoDay(new Date(now.getTime() - 90 * 86_400_000));
  const to = q.to ?? isoDay(new Date(now.getTime() + 86_400_000));
  if (from >= to) throw invalidField("to", "Must be after from");
  const pipeline = await pipelineOrDefault(ctx, q.pipelineId);
  if (!pipeline) {
    if (q.pipelineId) throw notFound("Pipeline");
    throw new AppError("not_found", "This workspace has no pipeline yet; create one under Deals.");
  }
  const scope = await actorScope(ctx);
  const ownerIds = visibleOwners(ctx, scope.all ? undefined : [...scope.userIds]);
  const f = { workspaceId: ctx.workspaceId, pipelineId: pipeline.id, from, to, ownerIds, stages: pipeline.stages };
  const snapshot = await stageSnapshot(ctx.db, f);
  const flow = new Map((await stageFlow(ctx.db, f)).map((r) => [r.stageId, r]));
  return {
    pipelineId: pipeline.id,
    pipelineName: pipeline.name,
    from,
    to,
    stages: pipeline.stages.map((s) => {
      const sums = snapshot.filter((x) => x.stageId === s.id);
      const fl = flow.get(s.id);
      const entered = fl ? Number(fl.entered) : 0;
      const advanced = fl ? Number(fl.advanced) : 0;
      return {
        stageId: s.id,
        name: s.name,
        position: Number(s.position),
        type: s.type,
        probability: Number(s.probability),
        count: sums.reduce((n, x) => n + Number(x.count), 0),
        totals: sums.map((x) => ({ currency: x.currency, amount: x.amount, weighted: x.weighted })).sort((a, b) => Number(b.amount) - Number(a.amount)),
        entered,
        advanced,
        // Won and lost stages end the journey: conversion is about leaving open stages forward.
        conversionRate: s.type === "open" && entered > 0 ? Math.round((advanced / entered) * 1000) / 10 : null,
        avgDaysInStage: fl?.avgDays === null || fl?.avgDays === undefined ? null : Number(fl.avgDays),
      };
    }),
  };
}

/** The periods from one to another, both included, of one kind (at most 24). */
function periodRange(from: ParsedPeriod, to: ParsedPeriod): ParsedPeriod[] {
  if (from.kind !== to.kind) throw invalidField("to", "Use the same kind of period as from (both months or both quarters)");
  if (from.start > to.start) throw invalidField("to", "Must not be before from");
  const out: ParsedPeriod[] = [];
  for (let p = from; p.start <= to.start; p = parsePeriod(periodOf(new Date(`${p.end}T00:00:00Z`), p.kind))) {
    out.push(p);
    if (out.length > 24) throw invalidField("to", "At most 24 periods at a time");
  }
  return out;
}

/**
 * What the stage-weighted forecast said at the start of each past period against what was won in it, for the deals
 * the actor may see (by owner, as the forecast). The win-probability model's forecast is not back-tested: its scores
 * are today's, and scoring a past start would need the deals' features and a model as of then.
 */
export async function forecastBacktest(ctx: Ctx, q: z.infer<typeof ForecastBacktestQuery>): Promise<ForecastBacktest> {
  assertCan(ctx.actor, "read");
  if (Boolean(q.from) !== Boolean(q.to)) throw invalidField(q.from ? "to" : "from", "Give both from and to, or neither");
  const lastComplete = parsePeriod(periodOf(new Date(Date.now() - 92 * 86_400_000), "quarter"));
  const periods =
    q.from && q.to
      ? periodRange(parsePeriod(q.from, "from"), parsePeriod(q.to, "to"))
      : periodRange(parsePeriod(periodOf(new Date(Date.now() - 365 * 86_400_000), "quarter")), lastComplete);
  const ws = await workspaceSettings(ctx);
  const pipeline = q.pipelineId ? await pipelineOrDefault(ctx, q.pipelineId) : undefined;
  if (pipeline === null) throw notFound("Pipeline");
  const currency = q.currency ?? ws.defaultCurrency ?? fallbackCurrency;
  const scope = await actorScope(ctx);
  const owners = visibleOwners(ctx, scope.all ? undefined : [...scope.userIds]);
  const sums = await backtestByPeriod(ctx.db, {
    workspaceId: ctx.workspaceId,
    periods: periods.map((p) => ({ period: p.period, start: p.start, end: p.end })),
    currency,
    pipelineId: q.pipelineId,
    ownerIds: owners,
    stages: pipeline ? pipeline.stages : [...(await workspaceStages(ctx)).values()],
  });
  const byPeriod = new Map(sums.map((s) => [s.period, s]));
  const rows = periods.map((p) => {
    const s = byPeriod.get(p.period);
    const weighted = cents(s?.weighted ?? 0);
    const won = cents(s?.won ?? 0);
    return {
      period: p.period,
      periodStart: p.start,
      periodEnd: p.end,
      openCount: s?.openCount ?? 0,
      pipeline: money(cents(s?.pipeline ?? 0)),
      weighted: money(weighted),
      won: money(won),
      wonCount: s?.wonCount ?? 0,
      wonFromPipeline: money(cents(s?.wonFromPipeline ?? 0)),
      error: money(weighted - won),
      errorPercent: won > 0 ? Math.round(((weighted - won) / won) * 1000) / 10 : null,
    };
  });
  const pcts = rows.flatMap((r) => (r.errorPercent === null ? [] : [Math.abs(r.errorPercent)]));
  return {
    currency,
    rows,
    meanAbsolutePercentError: pcts.length ? Math.round((pcts.reduce((a, b) => a + b, 0) / pcts.length) * 10) / 10 : null,
  };
}
