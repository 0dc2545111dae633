import { and, eq, inArray, ne, type SQL, sql } from "drizzle-orm";
import type { Ctx } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { diff, recordChanges } from "../history/service.js";
import { companies } from "./table.js";

/**
 * Duplicate detection and merge support for companies, kept in the companies module because it reads
 * the companies table; the duplicates module calls these.
 */

/** Legal forms and punctuation say nothing about which company it is. */
const LEGAL = "\\m(inc|incorporated|llc|ltd|limited|gmbh|ag|sa|sas|sarl|srl|spa|bv|nv|plc|corp|corporation|co|company|group|holding|the)\\M";
const normName = (col: SQL | string) => sql`btrim(regexp_replace(regexp_replace(lower(${col}), '[^[:alnum:] ]+', ' ', 'g'), ${LEGAL}, ' ', 'g'))`;
export const COMPANY_NAME_SIMILARITY = 0.6;
const MAX_GROUP = 50;

/**
 * Candidate pairs (a < b): equal domains, and trigram-similar normalised names blocked on the name's
 * first four letters, so no query compares every company with every other.
 */
export function companyDuplicatePairsSql(ctx: Ctx): SQL {
  const ws = ctx.workspaceId;
  return sql`
    with live as materialized (
      select id, domain, regexp_replace(${normName(sql.raw("name"))}, '\\s+', ' ', 'g') as name
      from companies where workspace_id = ${ws} and deleted_at is null
    ),
    d as materialized (
      select id, domain, count(*) over (partition by domain) as n from live where domain is not null
    ),
    nm as materialized (
      select id, name, left(replace(name, ' ', ''), 4) as block from live where length(name) >= 2
    )
    select a.id as a, b.id as b, 'same domain' as reason, 0.9::float8 as score
      from d a join d b on a.domain = b.domain and a.id < b.id where a.n <= ${MAX_GROUP}
    union all
    select a.id, b.id, case when a.name = b.name then 'same name' else 'similar name' end,
           (0.3 + 0.6 * similarity(a.name, b.name))::float8
      from nm a join nm b on a.block = b.block and a.id < b.id
      where similarity(a.name, b.name) >= ${COMPANY_NAME_SIMILARITY}`;
}

export interface CompanyHit {
  id: string;
  name: string;
  domain: string | null;
  sameDomain: boolean;
  nameSimilarity: number;
}

export async function findCompanyDuplicates(ctx: Ctx, probe: { excludeId?: string; name?: string; domain?: string | null }): Promise<CompanyHit[]> {
  const domain = probe.domain || null;
  const raw = probe.name?.trim() ?? "";
  const ors: SQL[] = [];
  if (domain) ors.push(sql`domain = ${domain}`);
  if (raw.length >= 3)
    ors.push(
      sql`(${raw.toLowerCase()} <% search_text and similarity(${normName(sql.raw("name"))}, ${normName(sql`${raw}::text`)}) >= ${COMPANY_NAME_SIMILARITY})`,
    );
  if (ors.length === 0) return [];
  return queryRows<CompanyHit>(
    ctx.db,
    sql`select id, name, domain,
        coalesce(${domain}::text is not null and domain = ${domain}, false) as "sameDomain",
        similarity(${normName(sql.raw("name"))}, ${normName(sql`${raw}::text`)})::float8 as "nameSimilarity"
      from companies
      where workspace_id = ${ctx.workspaceId} and deleted_at is null
        ${probe.excludeId ? sql`and id <> ${probe.excludeId}` : sql``}
        and (${sql.join(ors, sql` or `)})
      limit 20`,
  );
}

export async function companySummaries(
  ctx: Ctx,
  ids: string[],
): Promise<Map<string, { id: string; label: string; detail: string | null; deletedAt: string | null }>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: companies.id, name: companies.name, domain: companies.domain, deletedAt: companies.deletedAt })
    .from(companies)
    .where(and(eq(companies.workspaceId, ctx.workspaceId), inArray(companies.id, unique)));
  return new Map(rows.map((r) => [r.id, { id: r.id, label: r.name, detail: r.domain, deletedAt: r.deletedAt?.toISOString() ?? null }]));
}

/** Company merge: the loser's child companies (trashed ones too) get the survivor as parent, with history. */
export async function reparentChildCompanies(ctx: Ctx, fromId: string, toId: string): Promise<number> {
  const moved = await ctx.db
    .update(companies)
    .set({ parentId: toId, updatedAt: new Date() })
    .where(and(eq(companies.workspaceId, ctx.workspaceId), eq(companies.parentId, fromId), ne(companies.id, toId)))
    .returning({ id: companies.id });
  await recordChanges(
    ctx.db,
    ctx,
    moved.map((m) => ({
      object: "company",
      recordId: m.id,
      action: "update" as const,
      changes: diff({ parentId: fromId }, { parentId: toId }, ["parentId"]),
      payload: { id: m.id, parentId: toId, reason: "company merge" },
    })),
  );
  return moved.length;
}
