import { type SQL, sql } from "drizzle-orm";
import type { NextAction } from "../../contract/next-actions.js";
import type { Ctx } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { visibleWhere } from "../../db/visibility.js";

/**
 * The rule-based sources of next best actions. Each rule is one set-based query over the records it reads (deals and
 * their stage history, contacts and their activities, tasks, won deals' line items): the suggestions span several
 * modules' tables, and asking each module for rows to join in Node would load far more than the few dozen
 * suggestions a page shows. Read-only; acting on a suggestion goes through the owning module's service.
 */

/** Whose suggestions: the signed-in user's own records (home), or the ones on one record (its page). */
export type ActionScope = { kind: "mine"; userId: string } | { kind: "record"; object: "contact" | "company" | "deal"; id: string };

export interface RuleInput {
  ctx: Ctx;
  scope: ActionScope;
  now: Date;
  limit: number;
}

/** A lead at or above this score is hot. */
export const HOT_LEAD_SCORE = 70;
/** A customer without a call, email or meeting for this many days has gone quiet. */
export const QUIET_CUSTOMER_DAYS = 90;
/** A stage's usual time needs at least this many finished stays to be worth comparing against. */
export const MIN_STAGE_SAMPLES = 3;
/** Stays in a stage that began within this many days make its usual time: old habits fade out. */
export const STAGE_HISTORY_DAYS = 365;
/** A cross-sell rule needs this many customers who bought both products, and this confidence. */
export const MIN_PAIR_CUSTOMERS = 2;
export const MIN_CONFIDENCE = 0.3;

const DAY_S = 86_400;
const ts = (d: Date) => sql`${d.toISOString()}::timestamptz`;
const and = (parts: (SQL | undefined)[]): SQL => {
  const kept = parts.filter((p): p is SQL => Boolean(p));
  return kept.length ? sql.join(kept, sql` and `) : sql`true`;
};
const days = (seconds: number) => Math.round((seconds / DAY_S) * 10) / 10;
const wholeDays = (seconds: number) => Math.floor(seconds / DAY_S);
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const contactName = sql`nullif(trim(c.first_name || ' ' || c.last_name), '')`;

// ---- deals stalled beyond their stage's usual time ----

interface StalledRow {
  id: string;
  name: string;
  stage_name: string;
  entered_ms: number;
  in_stage_s: number;
  median_s: number;
  samples: number;
}

export async function stalledDeals({ ctx, scope, now, limit }: RuleInput): Promise<NextAction[]> {
  const ws = ctx.workspaceId;
  const whose =
    scope.kind === "mine"
      ? sql`d.owner_id = ${scope.userId}::uuid`
      : scope.object === "deal"
        ? sql`d.id = ${scope.id}::uuid`
        : scope.object === "company"
          ? sql`d.company_id = ${scope.id}::uuid`
          : sql`exists (select 1 from deal_contacts dc where dc.workspace_id = d.workspace_id and dc.deal_id = d.id and dc.contact_id = ${scope.id}::uuid)`;
  const rows = await queryRows<StalledRow>(
    ctx.db,
    sql`with mine as (
          select d.id, d.name, d.pipeline_id, d.stage_id, d.stage_entered_at from deals d
          where ${and([
            sql`d.workspace_id = ${ws}::uuid and d.status = 'open' and d.deleted_at is null`,
            whose,
            visibleWhere(ctx, "deal", "read", sql`d.owner_id`, sql`d.id`),
          ])}
        ),
        -- The usual time in a stage: the median of the finished stays in it (entered, then left), per pipeline and
        -- stage, over the stages the deals in view sit in only.
        typical as (
          select h.pipeline_id, h.to_stage_id as stage_id, count(*)::int as samples,
                 percentile_cont(0.5) within group (order by extract(epoch from h.left_at - h.at))::float8 as median_s
          from deal_stage_changes h
          where h.workspace_id = ${ws}::uuid and h.left_at is not null
            and h.at >= ${ts(now)} - make_interval(days => ${STAGE_HISTORY_DAYS})
            and (h.pipeline_id, h.to_stage_id) in (select pipeline_id, stage_id from mine)
          group by 1, 2
          having count(*) >= ${MIN_STAGE_SAMPLES}
        )
        select m.id, m.name, s.name as stage_name, (extract(epoch from m.stage_entered_at) * 1000)::float8 as entered_ms,
               extract(epoch from ${ts(now)} - m.stage_entered_at)::float8 as in_stage_s, t.median_s, t.samples
        from mine m
        join typical t on t.pipeline_id = m.pipeline_id and t.stage_id = m.stage_id
        join pipeline_stages s on s.workspace_id = ${ws}::uuid and s.id = m.stage_id
        where extract(epoch from ${ts(now)} - m.stage_entered_at) > t.median_s
          -- A follow-up already planned (an open task not yet due) answers the suggestion.
          and not exists (select 1 from tasks k where k.workspace_id = ${ws}::uuid and k.related_object = 'deal' and k.related_id = m.id
                            and k.status = 'open' and (k.due_at is null or k.due_at >= ${ts(now)}))
        order by extract(epoch from ${ts(now)} - m.stage_entered_at) / greatest(t.median_s, 1) desc, m.id
        limit ${limit}`,
  );
  return rows.map((r) => {
    const inStage = days(Number(r.in_stage_s));
    const typical = days(Number(r.median_s));
    return {
      key: `stalled_deal:${r.id}`,
      kind: "stalled_deal",
      source: "rules",
      title: `${r.name} is stalled in ${r.stage_name}`,
      reason: `${plural(wholeDays(Number(r.in_stage_s)), "day")} in ${r.stage_name}, usually ${plural(Math.max(1, Math.round(typical)), "day")} (median of ${r.samples} deals)`,
      record: { object: "deal", id: r.id, name: r.name },
      related: null,
      verbs: [{ verb: "create_task", label: "Create follow-up task" }],
      priority: 50 + Math.min(40, Math.round((Number(r.in_stage_s) / Math.max(Number(r.median_s), 1)) * 5)),
      at: new Date(Number(r.entered_ms)).toISOString(),
      metrics: { daysInStage: inStage, typicalDays: typical },
    };
  });
}

// ---- contacts: hot leads nobody has reached, customers gone quiet ----

/** The contacts a scope covers, as a condition on `c` (contacts). */
function contactScope(scope: ActionScope): SQL {
  if (scope.kind === "mine") return sql`c.owner_id = ${scope.userId}::uuid`;
  if (scope.object === "contact") return sql`c.id = ${scope.id}::uuid`;
  if (scope.object === "company") return sql`c.company_id = ${scope.id}::uuid`;
  return sql`c.id in (select dc.contact_id from deal_contacts dc where dc.workspace_id = c.workspace_id and dc.deal_id = ${scope.id}::uuid)`;
}

const reached = sql`a.type in ('call', 'email', 'meeting') and a.deleted_at is null`;
const plannedTask = (now: Date) =>
  sql`exists (select 1 from tasks k where k.workspace_id = c.workspace_id and k.related_object = 'contact' and k.related_id = c.id
              and k.status = 'open' and (k.due_at is null or k.due_at >= ${ts(now)}))`;

export async function hotLeads({ ctx, scope, now, limit }: RuleInput): Promise<NextAction[]> {
  const rows = await queryRows<{ id: string; name: string | null; score: number; created_ms: number }>(
    ctx.db,
    sql`select c.id, ${contactName} as name, c.lead_score as score, (extract(epoch from c.created_at) * 1000)::float8 as created_ms from contacts c
        where ${and([
          sql`c.workspace_id = ${ctx.workspaceId}::uuid and c.deleted_at is null and not c.do_not_contact`,
          sql`c.lifecycle_stage in ('lead', 'marketing_qualified', 'sales_qualified') and c.lead_score >= ${HOT_LEAD_SCORE}`,
          contactScope(scope),
          visibleWhere(ctx, "contact", "read", sql`c.owner_id`, sql`c.id`),
          sql`not exists (select 1 from activities a where a.workspace_id = c.workspace_id and a.contact_id = c.id and ${reached})`,
          sql`not ${plannedTask(now)}`,
        ])}
        order by c.lead_score desc, c.created_at, c.id
        limit ${limit}`,
  );
  return rows.map((r) => {
    const name = r.name ?? "Unnamed contact";
    return {
      key: `hot_lead:${r.id}`,
      kind: "hot_lead",
      source: "rules",
      title: `Call ${name}`,
      reason: `Lead score ${r.score} (hot from ${HOT_LEAD_SCORE}) and no call, email or meeting yet`,
      record: { object: "contact", id: r.id, name },
      related: null,
      verbs: [
        { verb: "log_call", label: "Log a call" },
        { verb: "create_task", label: "Create call task" },
      ],
      priority: 60 + Math.round(Number(r.score) / 5),
      at: new Date(Number(r.created_ms)).toISOString(),
      metrics: { leadScore: Number(r.score) },
    };
  });
}

export async function quietCustomers({ ctx, scope, now, limit }: RuleInput): Promise<NextAction[]> {
  const rows = await queryRows<{ id: string; name: string | null; last_ms: number | null; since_s: number }>(
    ctx.db,
    sql`select c.id, ${contactName} as name, (extract(epoch from last.at) * 1000)::float8 as last_ms,
               extract(epoch from ${ts(now)} - coalesce(last.at, c.created_at))::float8 as since_s
        from contacts c
        cross join lateral (select max(a.occurred_at) as at from activities a
                            where a.workspace_id = c.workspace_id and a.contact_id = c.id and ${reached} and a.occurred_at <= ${ts(now)}) last
        where ${and([
          sql`c.workspace_id = ${ctx.workspaceId}::uuid and c.deleted_at is null and not c.do_not_contact and c.lifecycle_stage = 'customer'`,
          contactScope(scope),
          visibleWhere(ctx, "contact", "read", sql`c.owner_id`, sql`c.id`),
          sql`coalesce(last.at, c.created_at) < ${ts(now)} - make_interval(days => ${QUIET_CUSTOMER_DAYS})`,
          sql`not ${plannedTask(now)}`,
        ])}
        order by coalesce(last.at, c.created_at), c.id
        limit ${limit}`,
  );
  return rows.map((r) => {
    const name = r.name ?? "Unnamed contact";
    const since = wholeDays(Number(r.since_s));
    return {
      key: `no_recent_contact:${r.id}`,
      kind: "no_recent_contact",
      source: "rules",
      title: `Check in with ${name}`,
      reason:
        r.last_ms != null
          ? `Customer with no call, email or meeting for ${plural(since, "day")} (quiet after ${QUIET_CUSTOMER_DAYS})`
          : `Customer never called, emailed or met in ${plural(since, "day")} on record`,
      record: { object: "contact", id: r.id, name },
      related: null,
      verbs: [
        { verb: "log_call", label: "Log a call" },
        { verb: "create_task", label: "Create check-in task" },
      ],
      priority: 40 + Math.min(30, Math.round(since / 30)),
      at: r.last_ms != null ? new Date(Number(r.last_ms)).toISOString() : null,
      metrics: { daysSinceContact: r.last_ms != null ? since : null },
    };
  });
}

// ---- overdue follow-ups ----

export async function overdueTasks({ ctx, scope, now, limit }: RuleInput): Promise<NextAction[]> {
  const whose =
    scope.kind === "mine" ? sql`k.assignee_id = ${scope.userId}::uuid` : sql`k.related_object = ${scope.object} and k.related_id = ${scope.id}::uuid`;
  const visible = visibleWhere(ctx, "task", "read", sql`k.assignee_id`);
  const me = ctx.actor.userId;
  const rows = await queryRows<{
    id: string;
    title: string;
    due_ms: number;
    overdue_s: number;
    related_object: string | null;
    related_id: string | null;
    related_name: string | null;
  }>(
    ctx.db,
    sql`select k.id, k.title, (extract(epoch from k.due_at) * 1000)::float8 as due_ms, extract(epoch from ${ts(now)} - k.due_at)::float8 as overdue_s, k.related_object, k.related_id,
               case k.related_object
                 when 'deal' then (select x.name from deals x where x.workspace_id = k.workspace_id and x.id = k.related_id)
                 when 'company' then (select x.name from companies x where x.workspace_id = k.workspace_id and x.id = k.related_id)
                 when 'contact' then (select nullif(trim(x.first_name || ' ' || x.last_name), '') from contacts x where x.workspace_id = k.workspace_id and x.id = k.related_id)
               end as related_name
        from tasks k
        where ${and([
          sql`k.workspace_id = ${ctx.workspaceId}::uuid and k.status = 'open' and k.due_at < ${ts(now)}`,
          whose,
          visible && me ? sql`(${visible} or k.created_by_id = ${me}::uuid)` : visible,
        ])}
        order by k.due_at, k.id
        limit ${limit}`,
  );
  return rows.map((r) => {
    const overdue = Number(r.overdue_s);
    const d = wholeDays(overdue);
    return {
      key: `overdue_task:${r.id}`,
      kind: "overdue_task",
      source: "rules",
      title: r.title,
      reason: d >= 1 ? `Follow-up overdue by ${plural(d, "day")}` : `Follow-up overdue by ${plural(Math.max(1, Math.floor(overdue / 3600)), "hour")}`,
      record: { object: "task", id: r.id, name: r.title },
      related:
        r.related_object && r.related_id
          ? { object: r.related_object as "contact" | "company" | "deal", id: r.related_id, name: r.related_name ?? "Unnamed" }
          : null,
      verbs: [
        { verb: "complete_task", label: "Complete" },
        { verb: "reschedule_task", label: "Move to tomorrow" },
      ],
      priority: 70 + Math.min(25, d),
      at: new Date(Number(r.due_ms)).toISOString(),
      metrics: { daysOverdue: days(overdue) },
    };
  });
}

// ---- cross-sell from association rules over purchase history ----

/**
 * Who bought what: the products on won deals' line items, per customer. A deal's customer is its company; a deal
 * without one belongs to its contacts. Distinct pairs, so a product bought twice counts once per customer.
 */
const purchases = (ws: string, status: SQL) => sql`
  select distinct cu.customer, li.product_id
  from deals d
  join deal_line_items li on li.workspace_id = d.workspace_id and li.deal_id = d.id and li.product_id is not null
  cross join lateral (
    select 'company:' || d.company_id::text as customer where d.company_id is not null
    union all
    select 'contact:' || dc.contact_id::text from deal_contacts dc
    where d.company_id is null and dc.workspace_id = d.workspace_id and dc.deal_id = d.id
  ) cu
  where d.workspace_id = ${ws}::uuid and d.deleted_at is null and ${status}`;

export interface AssociationRule {
  fromProductId: string;
  toProductId: string;
  /** Customers who bought both. */
  both: number;
  /** Customers who bought the first. */
  fromBuyers: number;
  customers: number;
  support: number;
  confidence: number;
  lift: number;
}

/** The rules "customers who bought X also bought Y" of the workspace, with support, confidence and lift. */
function rulesSql(ws: string): SQL {
  return sql`
    purchases as (${purchases(ws, sql`d.status = 'won'`)}),
    n as (select count(distinct customer)::int as customers from purchases),
    item as (select product_id, count(*)::int as buyers from purchases group by 1),
    pair as (
      select a.product_id as x, b.product_id as y, count(*)::int as both_n
      from purchases a join purchases b on b.customer = a.customer and b.product_id <> a.product_id
      group by 1, 2
    ),
    rules as (
      select pair.x, pair.y, pair.both_n, ix.buyers as x_buyers, n.customers,
             pair.both_n::float8 / n.customers as support,
             pair.both_n::float8 / ix.buyers as confidence,
             (pair.both_n::float8 / ix.buyers) / (iy.buyers::float8 / n.customers) as lift
      from pair join item ix on ix.product_id = pair.x join item iy on iy.product_id = pair.y cross join n
      where pair.both_n >= ${MIN_PAIR_CUSTOMERS} and pair.both_n::float8 / ix.buyers >= ${MIN_CONFIDENCE}
    )`;
}

export async function associationRules(ctx: Ctx): Promise<AssociationRule[]> {
  const rows = await queryRows<{
    x: string;
    y: string;
    both_n: number;
    x_buyers: number;
    customers: number;
    support: number;
    confidence: number;
    lift: number;
  }>(ctx.db, sql`with ${rulesSql(ctx.workspaceId)} select * from rules order by confidence desc, support desc, x, y`);
  return rows.map((r) => ({
    fromProductId: r.x,
    toProductId: r.y,
    both: Number(r.both_n),
    fromBuyers: Number(r.x_buyers),
    customers: Number(r.customers),
    support: Number(r.support),
    confidence: Number(r.confidence),
    lift: Number(r.lift),
  }));
}

/** The customers (company:… / contact:… keys) a scope covers, with their names, within the actor's visibility. */
function targetCustomers(ctx: Ctx, scope: ActionScope): SQL {
  const ws = ctx.workspaceId;
  const companyVisible = visibleWhere(ctx, "company", "read", sql`co.owner_id`, sql`co.id`);
  const contactVisible = visibleWhere(ctx, "contact", "read", sql`c.owner_id`, sql`c.id`);
  const companies = (where: SQL) =>
    sql`select 'company:' || co.id::text as customer, 'company' as object, co.id, co.name from companies co
        where ${and([sql`co.workspace_id = ${ws}::uuid and co.deleted_at is null`, where, companyVisible])}`;
  const contacts = (where: SQL) =>
    sql`select 'contact:' || c.id::text as customer, 'contact' as object, c.id, coalesce(${contactName}, 'Unnamed contact') as name from contacts c
        where ${and([sql`c.workspace_id = ${ws}::uuid and c.deleted_at is null and c.company_id is null`, where, contactVisible])}`;
  if (scope.kind === "mine") return sql`${companies(sql`co.owner_id = ${scope.userId}::uuid`)} union all ${contacts(sql`c.owner_id = ${scope.userId}::uuid`)}`;
  if (scope.object === "company") return companies(sql`co.id = ${scope.id}::uuid`);
  if (scope.object === "contact")
    return sql`${companies(sql`co.id = (select company_id from contacts where workspace_id = ${ws}::uuid and id = ${scope.id}::uuid)`)}
               union all ${contacts(sql`c.id = ${scope.id}::uuid`)}`;
  return sql`${companies(sql`co.id = (select company_id from deals where workspace_id = ${ws}::uuid and id = ${scope.id}::uuid)`)}
             union all ${contacts(
               sql`c.id in (select contact_id from deal_contacts where workspace_id = ${ws}::uuid and deal_id = ${scope.id}::uuid)
                   and not exists (select 1 from deals where workspace_id = ${ws}::uuid and id = ${scope.id}::uuid and company_id is not null)`,
             )}`;
}

/** The most rules kept per workspace: the strongest, by confidence then support. */
const MAX_RULES = 2_000;
/** How long a workspace's rules are reused at most, even when its won deals look unchanged. */
const RULES_TTL_MS = 15 * 60_000;
const ruleCache = new Map<string, { fingerprint: string; at: number; rules: AssociationRule[] }>();

/**
 * The workspace's rules, computed over every purchase only when its won deals changed (their count or latest close,
 * an index-only read) or after RULES_TTL_MS: the full computation reads every won deal's line items, too much for each
 * home page at a million deals, and the statistics of thousands of customers barely move between two page loads.
 */
export async function cachedAssociationRules(ctx: Ctx, now: Date): Promise<AssociationRule[]> {
  const [f] = await queryRows<{ n: number; last: string | null }>(
    ctx.db,
    sql`select count(*)::int as n, max(closed_at)::text as last from deals
        where workspace_id = ${ctx.workspaceId}::uuid and status = 'won' and deleted_at is null`,
  );
  const fingerprint = `${f?.n ?? 0}:${f?.last ?? ""}`;
  const hit = ruleCache.get(ctx.workspaceId);
  if (hit && hit.fingerprint === fingerprint && now.getTime() - hit.at < RULES_TTL_MS && now.getTime() >= hit.at) return hit.rules;
  const rules = (await associationRules(ctx)).slice(0, MAX_RULES);
  if (ruleCache.size >= 1_000) ruleCache.delete(ruleCache.keys().next().value as string);
  ruleCache.set(ctx.workspaceId, { fingerprint, at: now.getTime(), rules });
  return rules;
}

const pgArray = (values: (string | number)[]) => `{${values.join(",")}}`;

export async function crossSell({ ctx, scope, now, limit }: RuleInput): Promise<NextAction[]> {
  const ws = ctx.workspaceId;
  const known = await cachedAssociationRules(ctx, now);
  if (known.length === 0) return [];
  const rows = await queryRows<{
    object: "company" | "contact";
    id: string;
    name: string;
    x: string;
    x_name: string;
    y: string;
    y_name: string;
    both_n: number;
    support: number;
    confidence: number;
    lift: number;
  }>(
    ctx.db,
    sql`with rules as (
          select * from unnest(${pgArray(known.map((r) => r.fromProductId))}::uuid[], ${pgArray(known.map((r) => r.toProductId))}::uuid[],
                               ${pgArray(known.map((r) => r.both))}::int[], ${pgArray(known.map((r) => r.support))}::float8[],
                               ${pgArray(known.map((r) => r.confidence))}::float8[], ${pgArray(known.map((r) => r.lift))}::float8[])
                 as r(x, y, both_n, support, confidence, lift)
        ),
        targets as (${targetCustomers(ctx, scope)}),
        -- The targets' own won and open deals' products only, through the company and contact indexes.
        theirs as (
          select t.object, t.id, t.name, d.status, li.product_id from targets t
          join deals d on d.workspace_id = ${ws}::uuid and d.company_id = t.id and d.deleted_at is null and d.status in ('won', 'open')
          join deal_line_items li on li.workspace_id = d.workspace_id and li.deal_id = d.id and li.product_id is not null
          where t.object = 'company'
          union all
          select t.object, t.id, t.name, d.status, li.product_id from targets t
          join deal_contacts dc on dc.workspace_id = ${ws}::uuid and dc.contact_id = t.id
          join deals d on d.workspace_id = dc.workspace_id and d.id = dc.deal_id and d.company_id is null and d.deleted_at is null and d.status in ('won', 'open')
          join deal_line_items li on li.workspace_id = d.workspace_id and li.deal_id = d.id and li.product_id is not null
          where t.object = 'contact'
        ),
        -- One row per customer with what they bought and what they have (bought, or on an open deal) as arrays: the
        -- checks below are per row, never a join the planner could misjudge.
        have as (
          select object, id, name, array_agg(distinct product_id) as products,
                 array_agg(distinct product_id) filter (where status = 'won') as bought
          from theirs group by object, id, name
        ),
        cand as (
          select h.object, h.id, h.name, r.x, r.y, r.both_n, r.support, r.confidence, r.lift,
                 row_number() over (partition by h.id, r.y order by r.confidence desc, r.support desc, r.x) as rn
          from have h
          cross join lateral unnest(h.bought) as b(product_id)
          join rules r on r.x = b.product_id
          -- Already bought, or already offered in an open deal: nothing to suggest.
          where h.bought is not null and not (r.y = any(h.products))
        ),
        best as (select * from cand where rn = 1 order by confidence desc, support desc, id, y limit ${limit})
        select best.object, best.id, best.name, best.x, px.name as x_name, best.y, py.name as y_name, best.both_n, best.support, best.confidence, best.lift
        from best
        join products px on px.workspace_id = ${ws}::uuid and px.id = best.x
        join products py on py.workspace_id = ${ws}::uuid and py.id = best.y
        order by best.confidence desc, best.support desc, best.id, best.y
        limit ${limit}`,
  );
  return rows.map((r) => {
    const confidence = Number(r.confidence);
    const support = Number(r.support);
    return {
      key: `cross_sell:${r.id}:${r.y}`,
      kind: "cross_sell",
      source: "rules",
      title: `Offer ${r.y_name} to ${r.name}`,
      reason: `${Math.round(confidence * 100)} % of customers who bought ${r.x_name} also bought ${r.y_name} (confidence ${confidence.toFixed(2)}, support ${support.toFixed(2)}: ${plural(Number(r.both_n), "customer")} bought both)`,
      record: { object: r.object, id: r.id, name: r.name },
      related: { object: "product", id: r.y, name: r.y_name },
      verbs: [
        { verb: "create_deal", label: `Create deal for ${r.y_name}` },
        { verb: "create_task", label: "Create task" },
      ],
      priority: 30 + Math.round(confidence * 20),
      at: null,
      metrics: { support, confidence, lift: Number(r.lift), pairCustomers: Number(r.both_n) },
    };
  });
}

/** Every source of suggestions; a new one (a model's at-risk list) is one more entry here. */
export const rules: ((input: RuleInput) => Promise<NextAction[]>)[] = [overdueTasks, stalledDeals, hotLeads, quietCustomers, crossSell];
