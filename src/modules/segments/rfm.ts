import { type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import { type RfmGroup, type RfmContactsQuery as RfmQuery, type RfmReport, rfmGroupOf, rfmGroups } from "../../contract/segments.js";
import type { Ctx } from "../../core/context.js";
import { queryRows } from "../../db/client.js";
import { visibleWhere } from "../../db/visibility.js";
import { tableOf } from "../conditions/sources.js";
import { contactPurchaseTotals } from "../deals/purchase-totals.js";
import { assertAudienceRead } from "./access.js";

const contacts = tableOf.contact;

/** The group of each grid cell as a SQL CASE, from the same map the contract (and the grid) use. */
function groupCase(r: SQL, fm: SQL): SQL {
  const whens: SQL[] = [];
  for (let ri = 1; ri <= 5; ri++)
    for (let fi = 1; fi <= 5; fi++) whens.push(sql`when ${r} = ${sql.raw(String(ri))} and ${fm} = ${sql.raw(String(fi))} then ${rfmGroupOf(ri, fi)}`);
  return sql`(case ${sql.join(whens, sql` `)} end)`;
}

/**
 * Every customer's recency, frequency and monetary quintile (ntile(5): 5 is the most recent, most frequent, biggest
 * spender) and their group, computed in one pass over the purchases; ties are broken by contact id so a run is stable.
 */
function scored(ctx: Ctx): SQL {
  const visible = visibleWhere(ctx, "contact", "read", contacts.ownerId, contacts.id);
  return sql`select s.*, ((s.f + s.m + 1) / 2) as fm from (
      select p.contact_id, p.last_at, p.purchases, p.revenue,
        ntile(5) over (order by p.last_at, p.contact_id)::int as r,
        ntile(5) over (order by p.purchases, p.last_at, p.contact_id)::int as f,
        ntile(5) over (order by p.revenue, p.contact_id)::int as m
      from (${contactPurchaseTotals(ctx.workspaceId)}) p
      join ${contacts} on ${contacts.workspaceId} = ${ctx.workspaceId}::uuid and ${contacts.id} = p.contact_id and ${contacts.deletedAt} is null${visible ? sql` and ${visible}` : sql``}
    ) s`;
}

export async function rfmReport(ctx: Ctx): Promise<RfmReport> {
  assertAudienceRead(ctx);
  const rows = await queryRows<{ r: number; fm: number; n: number }>(
    ctx.db,
    sql`select q.r, q.fm, count(*)::int as n from (${scored(ctx)}) q group by 1, 2 order by 1, 2`,
  );
  const cells = rows.map((x) => ({ recency: Number(x.r), frequencyMonetary: Number(x.fm), group: rfmGroupOf(Number(x.r), Number(x.fm)), count: Number(x.n) }));
  const byGroup = new Map<RfmGroup, number>(rfmGroups.map((g) => [g, 0]));
  for (const c of cells) byGroup.set(c.group, (byGroup.get(c.group) ?? 0) + c.count);
  return {
    customers: cells.reduce((a, c) => a + c.count, 0),
    cells,
    groups: rfmGroups.map((group) => ({ group, count: byGroup.get(group) ?? 0 })),
  };
}

/** The contacts of one grid cell or group, biggest spenders first. */
export async function rfmContacts(ctx: Ctx, q: z.infer<typeof RfmQuery>) {
  assertAudienceRead(ctx);
  const filters: SQL[] = [sql`true`];
  if (q.recency) filters.push(sql`q.r = ${q.recency}`);
  if (q.frequencyMonetary) filters.push(sql`q.fm = ${q.frequencyMonetary}`);
  if (q.group) filters.push(sql`${groupCase(sql`q.r`, sql`q.fm`)} = ${q.group}`);
  const where = sql.join(filters, sql` and `);
  const rows = await queryRows<{
    id: string;
    first_name: string | null;
    last_name: string | null;
    email: string | null;
    r: number;
    f: number;
    m: number;
    fm: number;
    last_at: Date | string;
    purchases: number;
    revenue: string;
    total: number;
  }>(
    ctx.db,
    sql`select q.contact_id as id, c.first_name, c.last_name, c.primary_email as email, q.r, q.f, q.m, q.fm, q.last_at, q.purchases,
          q.revenue::numeric(18,2)::text as revenue, count(*) over ()::int as total
        from (${scored(ctx)}) q join ${contacts} c on c.workspace_id = ${ctx.workspaceId}::uuid and c.id = q.contact_id
        where ${where} order by q.revenue desc, q.contact_id limit ${q.limit}`,
  );
  return {
    data: rows.map((x) => ({
      id: x.id,
      name: [x.first_name, x.last_name].filter(Boolean).join(" ") || (x.email ?? "Unnamed contact"),
      email: x.email,
      recency: Number(x.r),
      frequency: Number(x.f),
      monetary: Number(x.m),
      group: rfmGroupOf(Number(x.r), Number(x.fm)),
      lastPurchaseAt: new Date(x.last_at).toISOString(),
      purchases: Number(x.purchases),
      revenue: x.revenue,
    })),
    total: Number(rows[0]?.total ?? 0),
  };
}
