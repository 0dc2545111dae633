import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Board, BoardCard, BoardQuery, PurchaseSummary, StageCardsQuery } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { notFound } from "../../core/errors.js";
import { assertCan } from "../../core/roles.js";
import { jsonRowSets, queryRows } from "../../db/client.js";
import { encodeCursor, keyset } from "../../db/list-query.js";
import { withTypoTolerance } from "../../db/record-filters.js";
import { assertAccess, visibleWhere } from "../../db/visibility.js";
import { companyNames } from "../companies/service.js";
import { userNames } from "../users/service.js";
import { getPipeline } from "./pipelines.js";
import { dealFilters } from "./service.js";
import { dealContacts, dealLineItems, dealStageChanges, dealStageTotals, deals, pipelineStages } from "./table.js";

interface CardRow {
  id: string;
  name: string;
  stage_id: string;
  amount: string | null;
  currency: string;
  expected_close_date: string | null;
  owner_id: string | null;
  company_id: string | null;
  status: "open" | "won" | "lost";
  stage_entered_ms: number;
  created_ms: number;
  sort_value: string;
}

const cardColumns = sql`${deals.id} as id, ${deals.name} as name, ${deals.stageId} as stage_id, ${deals.amount}::text as amount, ${deals.currency} as currency,
  ${deals.expectedCloseDate}::text as expected_close_date, ${deals.ownerId} as owner_id, ${deals.companyId} as company_id, ${deals.status} as status,
  (extract(epoch from ${deals.stageEnteredAt}) * 1000)::float8 as stage_entered_ms, (extract(epoch from ${deals.createdAt}) * 1000)::float8 as created_ms,
  ${deals.createdAt}::text as sort_value`;

async function toCards(ctx: Ctx, rows: CardRow[]): Promise<BoardCard[]> {
  const [owners, companyMap] = await Promise.all([
    userNames(
      ctx,
      rows.map((r) => r.owner_id).filter((x): x is string => Boolean(x)),
    ),
    companyNames(
      ctx,
      rows.map((r) => r.company_id).filter((x): x is string => Boolean(x)),
    ),
  ]);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    stageId: r.stage_id,
    amount: r.amount,
    currency: r.currency,
    expectedCloseDate: r.expected_close_date,
    ownerId: r.owner_id,
    ownerName: r.owner_id ? (owners.get(r.owner_id) ?? null) : null,
    companyName: r.company_id ? (companyMap.get(r.company_id) ?? null) : null,
    status: r.status,
    stageEnteredAt: new Date(Number(r.stage_entered_ms)).toISOString(),
    createdAt: new Date(Number(r.created_ms)).toISOString(),
  }));
}

/**
 * The kanban board: every column's first cards in one query (a LATERAL join per stage that walks the
 * (workspace_id, stage_id, created_at, id) index and stops after `limit`), and every column's count and
 * totals in one GROUP BY — so a pipeline of a million deals loads in two queries of bounded work for the
 * cards, whatever its size. Unfiltered, the counts and totals come from deal_stage_totals (kept by triggers);
 * filtered, they are summed from the deals that match.
 */
export async function getBoard(ctx: Ctx, pipelineId: string, query: z.infer<typeof BoardQuery>): Promise<Board> {
  assertCan(ctx.actor, "read");
  const pipeline = await getPipeline(ctx, pipelineId);
  const filters = (await dealFilters(ctx, query)).filter((f): f is SQL => f !== undefined);
  const where = (extra: SQL[]) => sql.join([sql`${deals.workspaceId} = ${ctx.workspaceId}`, sql`${deals.deletedAt} is null`, ...filters, ...extra], sql` and `);
  const stageIds = pipeline.stages.map((s) => s.id);
  if (stageIds.length === 0) return { pipeline, columns: [] };
  const idArray = sql`array[${sql.join(
    stageIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  )}]`;
  // Cards and totals in one statement (one round trip, one plan), each set as one JSON value.
  const { cards, totals } = await withTypoTolerance(
    ctx.db,
    (tx) =>
      jsonRowSets<{ cards: CardRow[]; totals: { stage_id: string; currency: string; n: number; amount: string; weighted: string }[] }>(tx, {
        cards: sql`select c.* from unnest(${idArray}) as s(stage_id) cross join lateral (
          select ${cardColumns} from ${deals} where ${where([sql`${deals.stageId} = s.stage_id`])}
          order by ${deals.createdAt} desc, ${deals.id} desc limit ${query.limit + 1}) c`,
        totals:
          filters.length === 0
            ? // Unfiltered (the usual board): the totals the deal triggers keep, a dozen rows whatever the pipeline's size.
              sql`select t.stage_id, t.currency, t.deal_count as n, t.amount::numeric(18,2)::text as amount,
                round(t.amount * s.probability / 100.0, 2)::numeric(18,2)::text as weighted
              from ${dealStageTotals} t
              join ${pipelineStages} s on s.workspace_id = t.workspace_id and s.id = t.stage_id
             where t.workspace_id = ${ctx.workspaceId} and t.pipeline_id = ${pipelineId} and t.deal_count <> 0
             order by 2`
            : // Filtered: sum per stage and currency first (index-only on deals_pipeline_totals_idx), then join the few stages.
              sql`select a.stage_id, a.currency, a.n::int as n, coalesce(a.amount, 0)::numeric(18,2)::text as amount,
            round(coalesce(a.amount, 0) * s.probability / 100.0, 2)::numeric(18,2)::text as weighted
          from (select ${deals.stageId} as stage_id, ${deals.currency} as currency, count(*) as n, sum(${deals.amount}) as amount
                  from ${deals} where ${where([sql`${deals.pipelineId} = ${pipelineId}`])}
                 group by ${deals.stageId}, ${deals.currency}) a
          join ${pipelineStages} s on s.workspace_id = ${ctx.workspaceId} and s.id = a.stage_id
          order by 2`,
      }),
    { q: query.q },
  );
  const named = await toCards(ctx, cards);
  return {
    pipeline,
    columns: pipeline.stages.map((stage) => {
      const mine = named.filter((c) => c.stageId === stage.id);
      const raw = cards.filter((c) => c.stage_id === stage.id);
      const last = raw[query.limit - 1];
      const sums = totals.filter((t) => t.stage_id === stage.id);
      return {
        stage,
        count: sums.reduce((n, t) => n + Number(t.n), 0),
        totals: sums.map((t) => ({ currency: t.currency, amount: t.amount, weighted: t.weighted })),
        cards: mine.slice(0, query.limit),
        nextCursor: raw.length > query.limit && last ? encodeCursor({ v: last.sort_value, id: last.id }) : null,
      };
    }),
  };
}

/** "Load more" for one column: keyset on (created_at, id), same filters as the board. */
export async function getStageCards(ctx: Ctx, pipelineId: string, stageId: string, query: z.infer<typeof StageCardsQuery>) {
  assertCan(ctx.actor, "read");
  const pipeline = await getPipeline(ctx, pipelineId);
  if (!pipeline.stages.some((s) => s.id === stageId)) throw notFound("Stage");
  const ks = keyset({ expr: deals.createdAt, kind: "timestamp", sortable: true }, true, deals.id, query.cursor);
  const filters = (await dealFilters(ctx, query)).filter((f): f is SQL => f !== undefined);
  const rows = await withTypoTolerance(
    ctx.db,
    (tx) =>
      queryRows<CardRow>(
        tx,
        sql`select ${cardColumns} from ${deals} where ${sql.join(
          [
            sql`${deals.workspaceId} = ${ctx.workspaceId}`,
            sql`${deals.stageId} = ${stageId}`,
            sql`${deals.deletedAt} is null`,
            ...filters,
            ...(ks.where ? [ks.where] : []),
          ],
          sql` and `,
        )} order by ${sql.join(ks.orderBy, sql`, `)} limit ${query.limit + 1}`,
      ),
    { q: query.q },
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { data: await toCards(ctx, page), nextCursor: rows.length > query.limit && last ? encodeCursor({ v: last.sort_value, id: last.id }) : null };
}

/** Every stage change of a deal with the time spent after it, and the total time per stage. */
export async function getStageHistory(ctx: Ctx, dealId: string) {
  assertCan(ctx.actor, "read");
  const [deal] = await ctx.db
    .select({ id: deals.id, ownerId: deals.ownerId })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.id, dealId)));
  if (!deal) throw notFound("Deal");
  await assertAccess(ctx, "deal", "read", deal);
  const changes = await ctx.db
    .select()
    .from(dealStageChanges)
    .where(and(eq(dealStageChanges.workspaceId, ctx.workspaceId), eq(dealStageChanges.dealId, dealId)))
    .orderBy(asc(dealStageChanges.at), asc(dealStageChanges.id))
    .limit(1000);
  const stageIds = [...new Set(changes.flatMap((c) => [c.toStageId, c.fromStageId]).filter((x): x is string => Boolean(x)))];
  const [stages, actors] = await Promise.all([
    stageIds.length
      ? ctx.db
          .select({ id: pipelineStages.id, name: pipelineStages.name })
          .from(pipelineStages)
          .where(and(eq(pipelineStages.workspaceId, ctx.workspaceId), inArray(pipelineStages.id, stageIds)))
      : Promise.resolve([]),
    userNames(
      ctx,
      changes.map((c) => c.actorId).filter((x): x is string => Boolean(x)),
    ),
  ]);
  const stageName = (id: string | null) => (id ? (stages.find((s) => s.id === id)?.name ?? "(deleted stage)") : null);
  const now = Date.now();
  const data = changes.map((c, i) => {
    const next = changes[i + 1];
    return {
      id: c.id,
      fromStageId: c.fromStageId,
      fromStageName: stageName(c.fromStageId),
      toStageId: c.toStageId,
      toStageName: stageName(c.toStageId) as string,
      at: c.at.toISOString(),
      actorId: c.actorId,
      actorName: c.actorId ? (actors.get(c.actorId) ?? null) : null,
      durationMs: (next ? next.at.getTime() : now) - c.at.getTime(),
    };
  });
  const totals = new Map<string, number>();
  for (const c of data) totals.set(c.toStageId, (totals.get(c.toStageId) ?? 0) + c.durationMs);
  return {
    data: data.reverse(),
    timeInStage: [...totals].map(([stageId, durationMs]) => ({ stageId, stageName: stageName(stageId) as string, durationMs })),
  };
}

/**
 * Purchases are the line items of won deals (a won deal without line items counts as one purchase of its
 * amount). A contact's purchases are the won deals they are on; a company's, the won deals of the company.
 */
export async function purchaseSummary(ctx: Ctx, target: { object: "contact" | "company"; id: string }): Promise<PurchaseSummary> {
  assertCan(ctx.actor, "read");
  const whose =
    target.object === "company"
      ? sql`${deals.companyId} = ${target.id}`
      : sql`exists (select 1 from ${dealContacts} where ${dealContacts.workspaceId} = ${deals.workspaceId} and ${dealContacts.dealId} = ${deals.id} and ${dealContacts.contactId} = ${target.id})`;
  const visible = visibleWhere(ctx, "deal", "read", deals.ownerId, deals.id);
  const won = sql`${deals.workspaceId} = ${ctx.workspaceId} and ${deals.status} = 'won' and ${deals.deletedAt} is null and ${whose}${visible ? sql` and ${visible}` : sql``}`;
  const [stats, ltv, purchases] = await Promise.all([
    queryRows<{ n: number; first_ms: number | null; last_ms: number | null }>(
      ctx.db,
      sql`select count(*)::int as n, (extract(epoch from min(${deals.closedAt})) * 1000)::float8 as first_ms,
            (extract(epoch from max(${deals.closedAt})) * 1000)::float8 as last_ms from ${deals} where ${won}`,
    ),
    queryRows<{ currency: string; amount: string }>(
      ctx.db,
      sql`select ${deals.currency} as currency, coalesce(sum(${deals.amount}), 0)::numeric(18,2)::text as amount from ${deals} where ${won} group by 1 order by 1`,
    ),
    queryRows<{
      deal_id: string;
      line_item_id: string | null;
      deal_name: string;
      closed_ms: number;
      product_id: string | null;
      name: string;
      quantity: string | null;
      total: string;
      currency: string;
    }>(
      ctx.db,
      sql`select d.id as deal_id, d.name as deal_name, (extract(epoch from d.closed_at) * 1000)::float8 as closed_ms,
            li.id as line_item_id, li.product_id, coalesce(li.name, d.name) as name, li.quantity::text as quantity,
            coalesce(li.total, d.amount, 0)::numeric(18,2)::text as total, d.currency
          from (select ${deals.id} as id, ${deals.name} as name, ${deals.closedAt} as closed_at, ${deals.amount} as amount, ${deals.currency} as currency, ${deals.workspaceId} as workspace_id
                from ${deals} where ${won} order by ${deals.closedAt} desc limit 200) d
          left join ${dealLineItems} li on li.workspace_id = d.workspace_id and li.deal_id = d.id
          order by d.closed_at desc, d.id, li.position`,
    ),
  ]);
  const s = stats[0] ?? { n: 0, first_ms: null, last_ms: null };
  return {
    lifetimeValue: ltv,
    firstPurchaseAt: s.first_ms == null ? null : new Date(Number(s.first_ms)).toISOString(),
    lastPurchaseAt: s.last_ms == null ? null : new Date(Number(s.last_ms)).toISOString(),
    purchaseCount: Number(s.n),
    purchases: purchases.map((p) => ({
      dealId: p.deal_id,
      dealName: p.deal_name,
      lineItemId: p.line_item_id,
      closedAt: new Date(Number(p.closed_ms)).toISOString(),
      productId: p.product_id,
      name: p.name,
      quantity: p.quantity,
      total: p.total,
      currency: p.currency,
    })),
  };
}
