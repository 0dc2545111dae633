import { and, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Quota, QuotaListQuery, SetQuotasBody } from "../../contract/forecast.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, invalidField } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { cachedConfig, forgetConfig, frozen } from "../../db/workspace-cache.js";
import { diff, recordChanges } from "../history/service.js";
import { listTeams, listUsers } from "../users/service.js";
import { fallbackCurrency, workspaceSettings } from "../workspaces/service.js";
import { parsePeriod } from "./periods.js";
import { type QuotaSubject, quotas } from "./table.js";

type Row = typeof quotas.$inferSelect;
const OBJECT = "quota";
const HISTORY_FIELDS = ["subjectType", "subjectId", "period", "amount", "currency"] as const;

/**
 * Whose numbers an actor may see and whose quotas they may set. Admins: everyone. Managers: the
 * members of the teams they belong to (and those teams). Everyone else: themselves and their teams'
 * team-level figures, nobody else's.
 */
export interface Scope {
  all: boolean;
  /** Users visible (when not all). */
  userIds: Set<string>;
  /** Teams the actor belongs to (all teams when all). */
  teamIds: Set<string>;
  /** Users whose quotas the actor may set (when not all). */
  managedUserIds: Set<string>;
  canSetQuotas: boolean;
  /** Team-level views are for admins and managers. */
  canSeeTeams: boolean;
  teams: readonly { id: string; name: string; memberIds: readonly string[] }[];
}

export async function actorScope(ctx: Ctx): Promise<Scope> {
  const teams = await listTeams(ctx);
  const me = ctx.actor.userId;
  const role = ctx.actor.role;
  if (role === "admin") {
    return {
      all: true,
      userIds: new Set(),
      teamIds: new Set(teams.map((t) => t.id)),
      managedUserIds: new Set(),
      canSetQuotas: true,
      canSeeTeams: true,
      teams,
    };
  }
  const mine = teams.filter((t) => me !== null && t.memberIds.includes(me));
  const members = new Set(mine.flatMap((t) => t.memberIds));
  if (role === "manager") {
    const managed = new Set([...members].filter((id) => id !== me));
    return {
      all: false,
      userIds: new Set([...members, ...(me ? [me] : [])]),
      teamIds: new Set(mine.map((t) => t.id)),
      managedUserIds: managed,
      canSetQuotas: true,
      canSeeTeams: true,
      teams: mine,
    };
  }
  return {
    all: false,
    userIds: new Set(me ? [me] : []),
    teamIds: new Set(mine.map((t) => t.id)),
    managedUserIds: new Set(),
    canSetQuotas: false,
    canSeeTeams: false,
    teams: mine,
  };
}

const encodeCursor = (r: Pick<Row, "periodStart" | "subjectType" | "subjectId">) =>
  Buffer.from(JSON.stringify([r.periodStart, r.subjectType, r.subjectId])).toString("base64url");
function decodeCursor(cursor: string): [string, string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === "string") && /^\d{4}-\d{2}-\d{2}$/.test(v[0] as string))
      return v as [string, string, string];
  } catch {
    // fall through to the validation error
  }
  throw invalidField("cursor", "Not a cursor from this list");
}

async function subjectNames(ctx: Ctx, scope: Scope): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const t of scope.teams) names.set(`team:${t.id}`, t.name);
  for (const u of await listUsers(ctx)) names.set(`user:${u.id}`, u.name);
  return names;
}

const toQuota = (r: Row, names: Map<string, string>): Quota => ({
  id: r.id,
  subjectType: r.subjectType,
  subjectId: r.subjectId,
  subjectName: names.get(`${r.subjectType}:${r.subjectId}`) ?? "(removed)",
  period: r.period,
  periodKind: r.periodKind,
  periodStart: r.periodStart,
  periodEnd: r.periodEnd,
  amount: r.amount,
  currency: r.currency,
  updatedAt: r.updatedAt.toISOString(),
});

/** The SQL condition limiting quota rows to what the scope may see. */
function visibleQuotas(scope: Scope): SQL | undefined {
  if (scope.all) return undefined;
  const users = [...scope.userIds];
  const teams = [...scope.teamIds];
  const parts: SQL[] = [];
  if (users.length) parts.push(sql`(${quotas.subjectType} = 'user' and ${inArray(quotas.subjectId, users)})`);
  if (teams.length) parts.push(sql`(${quotas.subjectType} = 'team' and ${inArray(quotas.subjectId, teams)})`);
  return parts.length ? sql`(${sql.join(parts, sql` or `)})` : sql`false`;
}

export async function listQuotas(ctx: Ctx, query: z.infer<typeof QuotaListQuery>): Promise<{ data: Quota[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const scope = await actorScope(ctx);
  const from = `${query.year}-01-01`;
  const to = `${query.year + 1}-01-01`;
  const after = query.cursor ? decodeCursor(query.cursor) : null;
  const rows = await ctx.db
    .select()
    .from(quotas)
    .where(
      and(
        eq(quotas.workspaceId, ctx.workspaceId),
        sql`${quotas.periodStart} >= ${from} and ${quotas.periodStart} < ${to}`,
        query.periodKind ? eq(quotas.periodKind, query.periodKind) : undefined,
        query.subjectType ? eq(quotas.subjectType, query.subjectType) : undefined,
        query.subjectId ? eq(quotas.subjectId, query.subjectId) : undefined,
        visibleQuotas(scope),
        after ? sql`(${quotas.periodStart}, ${quotas.subjectType}, ${quotas.subjectId}) > (${after[0]}::date, ${after[1]}, ${after[2]}::uuid)` : undefined,
      ),
    )
    .orderBy(quotas.periodStart, quotas.subjectType, quotas.subjectId)
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const names = await subjectNames(ctx, scope);
  const last = page.at(-1);
  return { data: page.map((r) => toQuota(r, names)), nextCursor: rows.length > query.limit && last ? encodeCursor(last) : null };
}

/**
 * Sets, changes or removes (amount null) many quotas in one transaction, each with its history row.
 * Admins set anyone's; managers only their teams' members' and their teams'; other roles none.
 */
export async function setQuotas(ctx: Ctx, input: z.infer<typeof SetQuotasBody>): Promise<{ data: Quota[]; removed: number }> {
  assertCan(ctx.actor, "write");
  const scope = await actorScope(ctx);
  if (!scope.canSetQuotas) throw new AppError("forbidden", "Only admins and managers set quotas.");
  const users = new Map((await listUsers(ctx)).map((u) => [u.id, u]));
  const allTeams = scope.all ? scope.teams : await listTeams(ctx);
  const teamIds = new Set(allTeams.map((t) => t.id));
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  const defaultCurrency = (await workspaceSettings(ctx)).defaultCurrency ?? fallbackCurrency;
  const cells = input.quotas.map((q, i) => {
    const p = parsePeriod(q.period, `quotas.${i}.period`);
    const key = `${q.subjectType}:${q.subjectId}:${p.period}`;
    if (seen.has(key)) errors.push({ path: `quotas.${i}`, message: "This person or team and period is listed twice" });
    seen.add(key);
    const exists = q.subjectType === "user" ? users.has(q.subjectId) : teamIds.has(q.subjectId);
    if (!exists) errors.push({ path: `quotas.${i}.subjectId`, message: q.subjectType === "user" ? "No such user" : "No such team" });
    else if (!scope.all) {
      const allowed = q.subjectType === "user" ? scope.managedUserIds.has(q.subjectId) : scope.teamIds.has(q.subjectId);
      if (!allowed) {
        throw new AppError(
          "forbidden",
          q.subjectType === "user" ? "Managers set quotas only for the members of their own teams." : "Managers set quotas only for their own teams.",
          [{ path: `quotas.${i}.subjectId`, message: "Not one of your teams' members" }],
        );
      }
    }
    return { ...q, p, currency: q.currency ?? defaultCurrency };
  });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);

  const names = await subjectNames(ctx, scope.all ? scope : { ...scope, teams: allTeams });
  const result = await ctx.db.transaction(async (tx) => {
    const out: Quota[] = [];
    let removed = 0;
    for (const c of cells) {
      const where = and(
        eq(quotas.workspaceId, ctx.workspaceId),
        eq(quotas.subjectType, c.subjectType as QuotaSubject),
        eq(quotas.subjectId, c.subjectId),
        eq(quotas.period, c.p.period),
      );
      const [before] = await tx.select().from(quotas).where(where).for("update");
      if (c.amount === null) {
        if (!before) continue;
        await tx.delete(quotas).where(where);
        removed++;
        await recordChanges(tx, ctx, [
          {
            object: OBJECT,
            recordId: before.id,
            action: "delete",
            changes: diff(toQuota(before, names), null, HISTORY_FIELDS),
            payload: toQuota(before, names),
          },
        ]);
        continue;
      }
      const now = new Date();
      const [after] = before
        ? await tx.update(quotas).set({ amount: c.amount, currency: c.currency, updatedBy: ctx.actor.userId, updatedAt: now }).where(where).returning()
        : await tx
            .insert(quotas)
            .values({
              workspaceId: ctx.workspaceId,
              id: newId(),
              subjectType: c.subjectType,
              subjectId: c.subjectId,
              period: c.p.period,
              periodKind: c.p.kind,
              periodStart: c.p.start,
              periodEnd: c.p.end,
              amount: c.amount,
              currency: c.currency,
              updatedBy: ctx.actor.userId,
              createdAt: now,
              updatedAt: now,
            })
            .returning();
      const quota = toQuota(after as Row, names);
      out.push(quota);
      await recordChanges(tx, ctx, [
        {
          object: OBJECT,
          recordId: quota.id,
          action: before ? "update" : "create",
          changes: diff(before ? toQuota(before, names) : null, quota, HISTORY_FIELDS),
          payload: quota,
        },
      ]);
    }
    return { data: out, removed };
  });
  forgetConfig(ctx);
  return result;
}

/**
 * Every quota of the workspace, through the configuration cache (migration 0016 announces changes): one entry per
 * workspace, whatever periods and currencies are asked for, so requests cannot grow it. A workspace holds a few
 * thousand at most (every user and team by month or quarter, over years).
 */
function workspaceQuotas(ctx: Ctx) {
  return cachedConfig(ctx, "quotas", async () =>
    frozen(
      await ctx.db
        .select({
          subjectType: quotas.subjectType,
          subjectId: quotas.subjectId,
          period: quotas.period,
          periodStart: quotas.periodStart,
          periodEnd: quotas.periodEnd,
          amount: quotas.amount,
          currency: quotas.currency,
        })
        .from(quotas)
        .where(eq(quotas.workspaceId, ctx.workspaceId)),
    ),
  );
}

/**
 * Quotas for one period in one currency: the quota set for exactly that period, else (for a quarter)
 * the sum of the monthly quotas inside it.
 */
export async function quotasForPeriod(ctx: Ctx, period: string, currency: string): Promise<Map<string, number>> {
  const p = parsePeriod(period);
  const exact = new Map<string, number>();
  const parts = new Map<string, number>();
  for (const r of await workspaceQuotas(ctx)) {
    // Dates are YYYY-MM-DD text: comparing the strings compares the days.
    if (r.currency !== currency || r.periodStart < p.start || r.periodStart >= p.end || r.periodEnd > p.end) continue;
    const key = `${r.subjectType}:${r.subjectId}`;
    if (r.period === p.period) exact.set(key, Number(r.amount));
    else parts.set(key, (parts.get(key) ?? 0) + Number(r.amount));
  }
  for (const [k, v] of exact) parts.set(k, v);
  return parts;
}
