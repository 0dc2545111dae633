/**
 * What each kind of model learns from, read set-wise from the workspace's records: one row per record with its
 * feature values as they stood when the outcome was still open (a closed deal is seen as of its last open stage, and
 * win rates count only deals closed before it), its label where known, and the baseline the model must beat.
 *
 * These are read-only feature views over the deals, contacts, companies, activities and tickets tables, by table
 * name in raw SQL (as db/visibility reads record_shares): a model needs joins and windows over several modules' rows
 * at once, which no single module's service offers set-wise.
 */
import { type SQL, sql } from "drizzle-orm";
import type { CustomField } from "../../contract/custom-fields.js";
import type { LabelSpec, ModelKind, ModelObject } from "../../contract/insights.js";
import type { Ctx } from "../../core/context.js";
import { jsonRows, pgUuids } from "../../db/client.js";
import type { FeatureDef, RawRow, RawValue } from "./ml/encode.js";

export interface FeatureRecord {
  id: string;
  name: string;
  ownerId: string | null;
  /** 1 positive, 0 negative, null unknown (an open deal, a contact without the label). */
  label: 0 | 1 | null;
  /** When the outcome became known (time-ordered validation); null when the records carry no such time. */
  time: string | null;
  /** The simple baseline's probability for this record (stage probability, rule score), if there is one. */
  baseline: number | null;
  values: RawRow;
}

export type Scope = { after: string | null; limit: number } | { ids: string[] };

/** Standard fields an admin may add as features, per object: column, label and kind. */
export const standardFields: Record<ModelObject, Record<string, { column: string; label: string; kind: FeatureDef["kind"] }>> = {
  deal: {
    expectedCloseDate: { column: "(d.expected_close_date - (d.as_of)::date)", label: "Days to expected close", kind: "numeric" },
    tags: { column: "array_to_string(d.tags, ',')", label: "Tags", kind: "categorical" },
  },
  contact: {
    lifecycleStage: { column: "c.lifecycle_stage", label: "Lifecycle stage", kind: "categorical" },
    leadSource: { column: "c.lead_source", label: "Lead source", kind: "categorical" },
    leadStatus: { column: "c.lead_status", label: "Lead status", kind: "categorical" },
    leadScore: { column: "c.lead_score", label: "Lead score", kind: "numeric" },
    jobTitle: { column: "c.job_title", label: "Job title", kind: "categorical" },
    doNotContact: { column: "c.do_not_contact::text", label: "Do not contact", kind: "categorical" },
    emailConsent: { column: "c.email_consent::text", label: "Email consent", kind: "categorical" },
    country: { column: "c.address->>'country'", label: "Country", kind: "categorical" },
  },
  company: {
    industry: { column: "c.industry", label: "Industry", kind: "categorical" },
    employees: { column: "c.employees", label: "Employees", kind: "numeric" },
    annualRevenue: { column: "c.annual_revenue::float8", label: "Annual revenue", kind: "numeric" },
    country: { column: "c.address->>'country'", label: "Country", kind: "categorical" },
  },
};

/** The features a kind always uses (their keys are the SQL output columns below). */
const builtIn: Record<ModelKind, FeatureDef[]> = {
  deal_win: [
    { key: "pipeline", label: "Pipeline", kind: "categorical" },
    { key: "stage", label: "Stage", kind: "categorical" },
    { key: "days_in_stage", label: "Days in stage", kind: "numeric" },
    { key: "age_days", label: "Deal age (days)", kind: "numeric" },
    { key: "log_amount", label: "Amount (log)", kind: "numeric" },
    { key: "owner_win_rate", label: "Owner's win rate", kind: "numeric" },
    { key: "team_win_rate", label: "Team's win rate", kind: "numeric" },
    { key: "product", label: "Product", kind: "categorical" },
    { key: "source", label: "Source", kind: "categorical" },
    { key: "company_size", label: "Company size", kind: "numeric" },
    { key: "industry", label: "Industry", kind: "categorical" },
    { key: "activities_30d", label: "Activities in the last 30 days", kind: "numeric" },
    { key: "days_since_activity", label: "Days since last activity", kind: "numeric" },
    { key: "contacts", label: "Contacts on the deal", kind: "numeric" },
  ],
  churn: [
    { key: "days_since_purchase", label: "Days since last purchase", kind: "numeric" },
    { key: "purchases", label: "Purchases", kind: "numeric" },
    { key: "log_monetary", label: "Amount bought (log)", kind: "numeric" },
    { key: "activities_90d", label: "Activities in the last 90 days", kind: "numeric" },
    { key: "tickets_90d", label: "Tickets in the last 90 days", kind: "numeric" },
  ],
  lead_conversion: [
    { key: "lead_source", label: "Lead source", kind: "categorical" },
    { key: "lead_score", label: "Lead score (rules)", kind: "numeric" },
    { key: "has_job_title", label: "Job title given", kind: "categorical" },
    { key: "company_size", label: "Company size", kind: "numeric" },
    { key: "industry", label: "Industry", kind: "categorical" },
    { key: "activities_30d", label: "Activities in the last 30 days", kind: "numeric" },
    { key: "age_days", label: "Days since created", kind: "numeric" },
  ],
};

export const baselineLabels: Record<ModelKind, string> = {
  deal_win: "Stage probability",
  churn: "Average churn rate",
  lead_conversion: "Lead score (rules)",
};

const customKind = (f: CustomField): FeatureDef["kind"] | null =>
  f.type === "number" || f.type === "currency" || f.type === "date" ? "numeric" : f.type === "long_text" ? null : "categorical";

/**
 * The feature definitions of a model: the kind's own, then the admin's chosen standard and custom fields. A field
 * the model labels by is never also a feature (it would predict itself).
 */
export function featureDefs(kind: ModelKind, object: ModelObject, fields: string[], custom: CustomField[], label?: LabelSpec): FeatureDef[] {
  const out = [...builtIn[kind]];
  for (const name of fields) {
    if (label && name === label.field) continue;
    if (name.startsWith("custom.")) {
      const def = custom.find((f) => f.key === name.slice(7));
      const k = def ? customKind(def) : null;
      if (def && k) out.push({ key: name, label: def.label, kind: k });
    } else {
      const std = standardFields[object][name];
      if (std) out.push({ key: name, label: std.label, kind: std.kind });
    }
  }
  return out;
}

interface RawRecord {
  id: string;
  name: string;
  owner_id: string | null;
  label: number | null;
  time: string | null;
  baseline: number | null;
  custom: Record<string, unknown> | null;
  label_value: string | null;
  [key: string]: unknown;
}

const scopeWhere = (alias: string, scope: Scope): SQL =>
  "ids" in scope
    ? sql`and ${sql.raw(alias)}.id = any(${pgUuids(scope.ids)}::uuid[])`
    : scope.after
      ? sql`and ${sql.raw(alias)}.id > ${scope.after}::uuid`
      : sql``;
const scopeLimit = (scope: Scope): SQL => ("ids" in scope ? sql`` : sql`limit ${scope.limit}`);

/** The extra standard-field columns, as SQL (names come from the fixed catalogue above, never from input). */
const standardColumns = (object: ModelObject, fields: string[]): SQL => {
  const parts = fields
    .filter((f) => !f.startsWith("custom.") && standardFields[object][f])
    .map((f) => sql`, ${sql.raw(standardFields[object][f]!.column)} as ${sql.identifier(`std_${f}`)}`);
  return sql.join(parts, sql``);
};

/** The label field's value as text: a standard field's column or a custom value. */
const labelColumn = (object: ModelObject, label: LabelSpec | undefined): SQL => {
  if (!label) return sql`null::text`;
  if (label.field.startsWith("custom.")) return sql`c.custom->>${label.field.slice(7)}`;
  const std = standardFields[object][label.field];
  return std ? sql.raw(`(${std.column})::text`) : sql`null::text`;
};

/**
 * Closed deals' outcomes in close order, per owner and per team: what the owner's and team's win rates are read from
 * (as of a time by binary search). Kept by the caller across the pages of one training run, each owner or team read
 * once: recomputing the rates per page with window functions over every closed deal cost O(deals²/page), and with
 * an embedded database's missing statistics the planner rescanned the window per row (12 minutes at 8,800 deals).
 */
export class WinHistory {
  private readonly owners = new Map<string, Outcomes>();
  private readonly teams = new Map<string, Outcomes>();

  /** Reads the outcomes of the owners and teams not read yet. */
  async load(ctx: Ctx, ownerIds: string[], teamIds: string[]): Promise<void> {
    const owners = [...new Set(ownerIds)].filter((id) => !this.owners.has(id));
    const teams = [...new Set(teamIds)].filter((id) => !this.teams.has(id));
    if (owners.length === 0 && teams.length === 0) return;
    // One row per owner: the closed deals' close times (epoch seconds) and outcomes in close order.
    const rows = await jsonRows<{ owner_id: string; team_id: string | null; times: number[]; wins: number[] }>(
      ctx.db,
      sql`with members as (
            select m.user_id, min(m.team_id::text)::uuid as team_id from team_members m
            where m.workspace_id = ${ctx.workspaceId}::uuid group by m.user_id
          ),
          wanted as (
            select u.id as owner_id, members.team_id from unnest(${pgUuids(owners)}::uuid[]) u(id) left join members on members.user_id = u.id
            union
            select members.user_id, members.team_id from members where members.team_id = any(${pgUuids(teams)}::uuid[])
          )
          select w.owner_id, w.team_id,
            coalesce(array_agg(extract(epoch from o.closed_at)::float8 order by o.closed_at) filter (where o.id is not null), '{}') as times,
            coalesce(array_agg((o.status = 'won')::int order by o.closed_at) filter (where o.id is not null), '{}') as wins
          from wanted w
          left join deals o on o.workspace_id = ${ctx.workspaceId}::uuid and o.owner_id = w.owner_id and o.deleted_at is null
            and o.status in ('won', 'lost') and o.closed_at is not null
          group by w.owner_id, w.team_id`,
    );
    const byTeam = new Map<string, { times: number[]; wins: number[] }[]>();
    for (const r of rows) {
      if (!this.owners.has(r.owner_id)) this.owners.set(r.owner_id, outcomes([r]));
      if (r.team_id) byTeam.set(r.team_id, [...(byTeam.get(r.team_id) ?? []), r]);
    }
    for (const id of owners) if (!this.owners.has(id)) this.owners.set(id, outcomes([]));
    for (const [id, parts] of byTeam) if (!this.teams.has(id)) this.teams.set(id, outcomes(parts));
    for (const id of teams) if (!this.teams.has(id)) this.teams.set(id, outcomes([]));
  }

  /** The smoothed win rate of the owner's (or team's) deals closed strictly before `before` (all when null). */
  rate(kind: "owner" | "team", id: string | null, before: number | null): number | null {
    if (!id) return null;
    const o = (kind === "owner" ? this.owners : this.teams).get(id);
    if (!o) return null;
    let n = o.times.length;
    if (before !== null) {
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (o.times[mid]! < before) lo = mid + 1;
        else hi = mid;
      }
      n = lo;
    }
    return n > 0 ? (o.cumulativeWins[n - 1]! + 1) / (n + 2) : null;
  }
}

interface Outcomes {
  times: Float64Array;
  cumulativeWins: Uint32Array;
}

function outcomes(parts: { times: number[]; wins: number[] }[]): Outcomes {
  const all: [number, number][] = [];
  for (const p of parts) for (let i = 0; i < p.times.length; i++) all.push([Number(p.times[i]), Number(p.wins[i])]);
  if (parts.length > 1) all.sort((a, b) => a[0] - b[0]);
  const times = new Float64Array(all.length);
  const cumulativeWins = new Uint32Array(all.length);
  let won = 0;
  all.forEach(([t, w], i) => {
    times[i] = t;
    won += w;
    cumulativeWins[i] = won;
  });
  return { times, cumulativeWins };
}

async function dealRows(ctx: Ctx, fields: string[], scope: Scope, now: Date, history: WinHistory): Promise<RawRecord[]> {
  const rows = await jsonRows<RawRecord & { team_id: string | null; closed_epoch: number | null; is_open: boolean }>(
    ctx.db,
    dealQuery(ctx, fields, scope, now),
  );
  await history.load(
    ctx,
    rows.flatMap((r) => (r.owner_id ? [r.owner_id] : [])),
    rows.flatMap((r) => (r.team_id ? [r.team_id] : [])),
  );
  // Open deals see every closed deal; a closed one only those closed strictly before it (none when it has no close time).
  for (const r of rows) {
    const before = r.is_open ? null : r.closed_epoch;
    const known = r.is_open || r.closed_epoch !== null;
    r.owner_win_rate = known ? history.rate("owner", r.owner_id, before) : null;
    r.team_win_rate = known ? history.rate("team", r.team_id, before) : null;
  }
  return rows;
}

/** One page of deals with their features but the win rates (read from the history above). */
export function dealQuery(ctx: Ctx, fields: string[], scope: Scope, now: Date): SQL {
  const ws = ctx.workspaceId;
  const at = now.toISOString();
  return sql`with page as (
        select d.*, case when d.status = 'open' then ${at}::timestamptz else coalesce(d.closed_at, d.updated_at) end as as_of
        from deals d
        where d.workspace_id = ${ws}::uuid and d.deleted_at is null ${scopeWhere("d", scope)}
        order by d.id ${scopeLimit(scope)}
      )
      select d.id, d.name, d.owner_id,
        case d.status when 'won' then 1 when 'lost' then 0 end as label,
        case when d.status = 'open' then null else d.as_of end as time,
        st.probability / 100.0 as baseline,
        d.custom, null as label_value,
        d.status = 'open' as is_open, extract(epoch from d.closed_at)::float8 as closed_epoch, tm.team_id,
        p.name as pipeline, st.name as stage,
        round((extract(epoch from d.as_of - stage_at.at) / 86400)::numeric, 1)::float8 as days_in_stage,
        round((extract(epoch from d.as_of - d.created_at) / 86400)::numeric, 1)::float8 as age_days,
        ln(1 + greatest(coalesce(d.amount, 0), 0))::float8 as log_amount,
        li.product, d.source, co.employees as company_size, co.industry,
        act.recent as activities_30d,
        round((extract(epoch from d.as_of - act.last_at) / 86400)::numeric, 1)::float8 as days_since_activity,
        (select count(*) from deal_contacts dc where dc.workspace_id = d.workspace_id and dc.deal_id = d.id)::int as contacts
        ${standardColumns("deal", fields)}
      from page d
      -- A closed deal is seen in the last open stage it was in; an open one in its stage now.
      left join lateral (
        select c.to_stage_id as stage_id, c.at from deal_stage_changes c
        join pipeline_stages s on s.workspace_id = c.workspace_id and s.id = c.to_stage_id and s.type = 'open'
        where c.workspace_id = d.workspace_id and c.deal_id = d.id and d.status <> 'open' and c.at <= d.as_of
        order by c.at desc limit 1
      ) last_open on true
      cross join lateral (
        select coalesce(last_open.stage_id, case when d.status = 'open' then d.stage_id end) as stage_id,
          coalesce(last_open.at, case when d.status = 'open' then d.stage_entered_at end, d.created_at) as at
      ) stage_at
      left join pipeline_stages st on st.workspace_id = d.workspace_id and st.id = stage_at.stage_id
      left join pipelines p on p.workspace_id = d.workspace_id and p.id = d.pipeline_id
      left join lateral (select co.employees, co.industry from companies co where co.workspace_id = d.workspace_id and co.id = d.company_id) co on true
      left join lateral (select min(m.team_id::text)::uuid as team_id from team_members m where m.workspace_id = d.workspace_id and m.user_id = d.owner_id) tm on true
      left join lateral (
        select coalesce(pr2.name, l.name) as product from deal_line_items l
        left join products pr2 on pr2.workspace_id = l.workspace_id and pr2.id = l.product_id
        where l.workspace_id = d.workspace_id and l.deal_id = d.id order by l.position, l.id limit 1
      ) li on true
      left join lateral (
        select count(*) filter (where a.occurred_at > d.as_of - interval '30 days')::int as recent, max(a.occurred_at) as last_at
        from activities a where a.workspace_id = d.workspace_id and a.deal_id = d.id and a.occurred_at <= d.as_of
      ) act on true
      order by d.id`;
}

async function contactRows(ctx: Ctx, kind: ModelKind, fields: string[], label: LabelSpec | undefined, scope: Scope, now: Date): Promise<RawRecord[]> {
  const ws = ctx.workspaceId;
  const at = now.toISOString();
  const conversion = kind === "lead_conversion";
  return jsonRows<RawRecord>(
    ctx.db,
    sql`with page as (
        select * from contacts c where c.workspace_id = ${ws}::uuid and c.deleted_at is null ${scopeWhere("c", scope)}
        order by c.id ${scopeLimit(scope)}
      )
      select c.id, trim(c.first_name || ' ' || c.last_name) as name, c.owner_id, null as time,
        ${conversion ? sql`c.lead_score / 100.0` : sql`null::float8`} as baseline,
        c.custom, ${labelColumn("contact", label)} as label_value,
        ${
          conversion
            ? sql`case when c.lifecycle_stage in ('opportunity', 'customer', 'evangelist') then 1
                when c.lead_status = 'unqualified' or c.created_at < ${at}::timestamptz - interval '90 days' then 0 end as label,`
            : sql`null as label,`
        }
        c.lead_source, c.lead_score, (coalesce(c.job_title, '') <> '')::text as has_job_title,
        co.employees as company_size, co.industry,
        round((extract(epoch from ${at}::timestamptz - c.created_at) / 86400)::numeric, 1)::float8 as age_days,
        round((extract(epoch from ${at}::timestamptz - buy.last_at) / 86400)::numeric, 1)::float8 as days_since_purchase,
        coalesce(buy.n, 0) as purchases, ln(1 + coalesce(buy.total, 0))::float8 as log_monetary,
        (select count(*) from activities a where a.workspace_id = c.workspace_id and a.contact_id = c.id and a.occurred_at > ${at}::timestamptz - interval '30 days')::int as activities_30d,
        (select count(*) from activities a where a.workspace_id = c.workspace_id and a.contact_id = c.id and a.occurred_at > ${at}::timestamptz - interval '90 days')::int as activities_90d,
        (select count(*) from tickets t where t.workspace_id = c.workspace_id and t.contact_id = c.id and t.created_at > ${at}::timestamptz - interval '90 days')::int as tickets_90d
        ${standardColumns("contact", fields)}
      from page c
      left join companies co on co.workspace_id = c.workspace_id and co.id = c.company_id
      left join lateral (
        select count(*)::int as n, sum(coalesce(d.amount, 0))::float8 as total, max(d.closed_at) as last_at
        from deal_contacts dc join deals d on d.workspace_id = dc.workspace_id and d.id = dc.deal_id and d.status = 'won' and d.deleted_at is null
        where dc.workspace_id = c.workspace_id and dc.contact_id = c.id
      ) buy on true
      order by c.id`,
  );
}

async function companyRows(ctx: Ctx, fields: string[], label: LabelSpec | undefined, scope: Scope, now: Date): Promise<RawRecord[]> {
  const ws = ctx.workspaceId;
  const at = now.toISOString();
  return jsonRows<RawRecord>(
    ctx.db,
    sql`with page as (
        select * from companies c where c.workspace_id = ${ws}::uuid and c.deleted_at is null ${scopeWhere("c", scope)}
        order by c.id ${scopeLimit(scope)}
      )
      select c.id, c.name, c.owner_id, null as time, null::float8 as baseline, null as label, c.custom, ${labelColumn("company", label)} as label_value,
        round((extract(epoch from ${at}::timestamptz - buy.last_at) / 86400)::numeric, 1)::float8 as days_since_purchase,
        coalesce(buy.n, 0) as purchases, ln(1 + coalesce(buy.total, 0))::float8 as log_monetary,
        (select count(*) from activities a where a.workspace_id = c.workspace_id and a.company_id = c.id and a.occurred_at > ${at}::timestamptz - interval '90 days')::int as activities_90d,
        (select count(*) from tickets t where t.workspace_id = c.workspace_id and t.company_id = c.id and t.created_at > ${at}::timestamptz - interval '90 days')::int as tickets_90d
        ${standardColumns("company", fields)}
      from page c
      left join lateral (
        select count(*)::int as n, sum(coalesce(d.amount, 0))::float8 as total, max(d.closed_at) as last_at
        from deals d where d.workspace_id = c.workspace_id and d.company_id = c.id and d.status = 'won' and d.deleted_at is null
      ) buy on true
      order by c.id`,
  );
}

/** A custom value as a feature: dates become days before now, lists their joined text. */
const customValue = (v: unknown, def: FeatureDef, now: Date): RawValue => {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(String).sort().join(", ");
  if (def.kind === "numeric" && typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v)) return Math.round((now.getTime() - Date.parse(v)) / 86_400_000);
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  return String(v);
};

/** One page of records with their features, label and baseline. */
export async function featureRecords(
  ctx: Ctx,
  model: { kind: ModelKind; object: ModelObject; fields: string[]; label?: LabelSpec },
  defs: FeatureDef[],
  scope: Scope,
  now: Date,
  options: { history?: WinHistory } = {},
): Promise<FeatureRecord[]> {
  const rows =
    model.object === "deal"
      ? await dealRows(ctx, model.fields, scope, now, options.history ?? new WinHistory())
      : model.object === "contact"
        ? await contactRows(ctx, model.kind, model.fields, model.label, scope, now)
        : await companyRows(ctx, model.fields, model.label, scope, now);
  const positives = new Set((model.label?.positive ?? []).map((p) => p.trim().toLowerCase()));
  return rows.map((r) => {
    const values: RawRow = {};
    for (const def of defs) {
      if (def.key.startsWith("custom.")) values[def.key] = customValue(r.custom?.[def.key.slice(7)], def, now);
      else if (r[`std_${def.key}`] !== undefined) values[def.key] = r[`std_${def.key}`] as RawValue;
      else values[def.key] = r[def.key] as RawValue;
    }
    let label: 0 | 1 | null = r.label === 1 ? 1 : r.label === 0 ? 0 : null;
    if (model.label && model.kind !== "deal_win") {
      const v = r.label_value;
      label = v === null || v === undefined || String(v).trim() === "" ? null : positives.has(String(v).trim().toLowerCase()) ? 1 : 0;
    }
    return { id: r.id, name: r.name, ownerId: r.owner_id, label, time: r.time, baseline: r.baseline, values };
  });
}
