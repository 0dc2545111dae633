import { and, asc, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { LineItem, ReplaceLineItemsBody } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { diff, recordChanges } from "../history/service.js";
import { getPriceListCurrency, priceListPrices, productsByIds } from "../products/service.js";
import { lineItemsTotal } from "./service.js";
import { dealLineItems, deals } from "./table.js";

type ItemRow = typeof dealLineItems.$inferSelect;

async function toItems(ctx: Ctx, rows: ItemRow[]): Promise<LineItem[]> {
  const prods = await productsByIds(
    ctx,
    rows.map((r) => r.productId).filter((x): x is string => Boolean(x)),
  );
  return rows.map((r) => ({
    id: r.id,
    productId: r.productId,
    sku: r.productId ? (prods.get(r.productId)?.sku ?? null) : null,
    name: r.name,
    quantity: r.quantity,
    unitPrice: r.unitPrice,
    discountPercent: r.discountPercent,
    total: r.total,
    position: r.position,
  }));
}

async function dealOf(ctx: Ctx, dealId: string, db: Db = ctx.db) {
  const [row] = await db
    .select()
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.id, dealId)));
  if (!row) throw notFound("Deal");
  return row;
}

async function itemsOf(ctx: Ctx, dealId: string, db: Db = ctx.db): Promise<ItemRow[]> {
  return db
    .select()
    .from(dealLineItems)
    .where(and(eq(dealLineItems.workspaceId, ctx.workspaceId), eq(dealLineItems.dealId, dealId)))
    .orderBy(asc(dealLineItems.position), asc(dealLineItems.id));
}

export async function listLineItems(ctx: Ctx, dealId: string) {
  assertCan(ctx.actor, "read");
  const deal = await dealOf(ctx, dealId);
  const rows = await itemsOf(ctx, dealId);
  const [{ total } = { total: "0" }] = await ctx.db
    .execute<{ total: string }>(sql`select (${lineItemsTotal(ctx, dealId)})::text as total`)
    .then((r) => (r as unknown as { rows: { total: string }[] }).rows);
  return { data: await toItems(ctx, rows), total: Number(total).toFixed(2), currency: deal.currency, amount: deal.amount };
}

const itemSnapshot = (rows: { productId: string | null; name: string; quantity: string; unitPrice: string; discountPercent: string }[]) =>
  rows.map((r) => `${Number(r.quantity)} × ${r.name} @ ${r.unitPrice}${Number(r.discountPercent) ? ` −${Number(r.discountPercent)}%` : ""}`);

/**
 * Replaces a deal's line items with the given list (the editor saves the whole list). Prices default
 * from the deal's price list, else the product; totals are computed by the database in numeric, and a
 * deal whose amount follows its line items gets the new sum in the same transaction.
 */
export async function replaceLineItems(ctx: Ctx, dealId: string, input: z.infer<typeof ReplaceLineItemsBody>) {
  assertCan(ctx.actor, "write");
  const deal = await dealOf(ctx, dealId);
  if (deal.deletedAt) throw new AppError("conflict", "This deal is in the trash; restore it first.");
  const priceListId = input.priceListId === undefined ? deal.priceListId : input.priceListId;
  if (priceListId) {
    const currency = await getPriceListCurrency(ctx, priceListId);
    if (!currency) throw new AppError("validation_failed", "priceListId: no such price list", [{ path: "priceListId", message: "No such price list" }]);
    if (currency !== deal.currency)
      throw new AppError("validation_failed", `priceListId: the price list is in ${currency}, the deal in ${deal.currency}`, [
        { path: "priceListId", message: `The price list is in ${currency}; the deal is in ${deal.currency}` },
      ]);
  }
  const productIds = input.items.map((i) => i.productId).filter((x): x is string => Boolean(x));
  // Sequential: this runs inside the caller's transaction, on one connection.
  const prods = await productsByIds(ctx, productIds);
  const listed = priceListId ? await priceListPrices(ctx, priceListId, productIds) : new Map<string, string>();
  const existing = await itemsOf(ctx, dealId);
  const errors: FieldError[] = [];
  const seenIds = new Set<string>();
  const rows = input.items.map((item, position) => {
    const path = `items.${position}`;
    if (item.id && (!existing.some((e) => e.id === item.id) || seenIds.has(item.id)))
      errors.push({ path: `${path}.id`, message: "Not a line item of this deal" });
    if (item.id) seenIds.add(item.id);
    const product = item.productId ? prods.get(item.productId) : undefined;
    if (item.productId && !product) errors.push({ path: `${path}.productId`, message: "No such product" });
    const wasThere = existing.find((e) => e.id === item.id);
    if (product && !product.active && wasThere?.productId !== product.id) errors.push({ path: `${path}.productId`, message: "This product is inactive" });
    let unitPrice = item.unitPrice;
    if (unitPrice === undefined && product) {
      unitPrice = listed.get(product.id);
      if (unitPrice === undefined && product.currency === deal.currency) unitPrice = product.unitPrice;
      if (unitPrice === undefined)
        errors.push({
          path: `${path}.unitPrice`,
          message: `${product.name} is priced in ${product.currency}; give a ${deal.currency} price or use a price list`,
        });
    }
    if (unitPrice === undefined && !product) errors.push({ path: `${path}.unitPrice`, message: "Give a unit price or choose a product" });
    const name = item.name ?? product?.name;
    if (!name) errors.push({ path: `${path}.name`, message: "Give the line a name or choose a product" });
    const discount = String(item.discountPercent ?? 0);
    return {
      workspaceId: ctx.workspaceId,
      id: item.id ?? newId(),
      dealId,
      productId: item.productId ?? null,
      name: name ?? "",
      quantity: item.quantity,
      unitPrice: unitPrice ?? "0",
      discountPercent: discount,
      // numeric arithmetic in the database: no binary floating point on money.
      total: sql`round(${item.quantity}::numeric * ${unitPrice ?? "0"}::numeric * (1 - ${discount}::numeric / 100), 2)` as unknown as string,
      position,
    };
  });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  const amountSource = input.amountSource ?? deal.amountSource;
  await ctx.db.transaction(async (tx) => {
    await tx.delete(dealLineItems).where(and(eq(dealLineItems.workspaceId, ctx.workspaceId), eq(dealLineItems.dealId, dealId)));
    if (rows.length) await tx.insert(dealLineItems).values(rows);
    await tx
      .update(deals)
      .set({
        amountSource,
        priceListId,
        ...(amountSource === "line_items" ? { amount: sql`(${lineItemsTotal(ctx, dealId)})` as unknown as string } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.id, dealId)));
    const after = await dealOf(ctx, dealId, tx);
    const afterItems = await itemsOf(ctx, dealId, tx);
    await recordChanges(tx, ctx, [
      {
        object: "deal",
        recordId: dealId,
        action: "update",
        changes: diff(
          { lineItems: itemSnapshot(existing), amount: deal.amount, amountSource: deal.amountSource, priceListId: deal.priceListId },
          { lineItems: itemSnapshot(afterItems), amount: after.amount, amountSource: after.amountSource, priceListId: after.priceListId },
          ["lineItems", "amount", "amountSource", "priceListId"],
        ),
      },
    ]);
  });
  return listLineItems(ctx, dealId);
}

/** Adds one line to the end of the list (the API's convenience; the editor replaces the whole list). */
export async function addLineItem(ctx: Ctx, dealId: string, item: z.infer<typeof ReplaceLineItemsBody>["items"][number]) {
  const current = await listLineItems(ctx, dealId);
  return replaceLineItems(ctx, dealId, {
    items: [
      ...current.data.map((i) => ({
        id: i.id,
        productId: i.productId,
        name: i.name,
        quantity: i.quantity,
        unitPrice: i.unitPrice,
        discountPercent: Number(i.discountPercent),
      })),
      { ...item, id: undefined },
    ],
  });
}

export async function removeLineItem(ctx: Ctx, dealId: string, itemId: string) {
  const current = await listLineItems(ctx, dealId);
  if (!current.data.some((i) => i.id === itemId)) throw notFound("Line item");
  return replaceLineItems(ctx, dealId, {
    items: current.data
      .filter((i) => i.id !== itemId)
      .map((i) => ({
        id: i.id,
        productId: i.productId,
        name: i.name,
        quantity: i.quantity,
        unitPrice: i.unitPrice,
        discountPercent: Number(i.discountPercent),
      })),
  });
}

export async function productInUse(ctx: Ctx, productId: string): Promise<boolean> {
  const rows = await ctx.db
    .select({ id: dealLineItems.id })
    .from(dealLineItems)
    .where(and(eq(dealLineItems.workspaceId, ctx.workspaceId), eq(dealLineItems.productId, productId)))
    .limit(1);
  return rows.length > 0;
}

export async function priceListInUse(ctx: Ctx, priceListId: string): Promise<boolean> {
  const rows = await ctx.db
    .select({ id: deals.id })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.priceListId, priceListId)))
    .limit(1);
  return rows.length > 0;
}
