import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import type {
  CreatePriceListBody,
  CreateProductBody,
  PriceList,
  Product,
  ProductListQuery,
  UpdatePriceListBody,
  UpdateProductBody,
} from "../../contract/products.js";
import { scopeOf } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { encodeCursor, keyset } from "../../db/list-query.js";
import { searchTerm } from "../../db/record-filters.js";
import { diff, recordChanges } from "../history/service.js";
import { priceListEntries, priceLists, products } from "./table.js";

type ProductRow = typeof products.$inferSelect;
const PRODUCT_FIELDS = ["name", "sku", "unitPrice", "currency", "active", "description"] as const;

/**
 * The catalogue is shared configuration, kept by roles whose matrix lets them edit products (admins and managers by
 * default); products have no owner, so any scope but none means the whole catalogue.
 */
function assertCatalogueEditor(ctx: Ctx): void {
  if (scopeOf(ctx.actor, "product", "edit") === "none")
    throw new AppError("forbidden", `Products and price lists are kept by admins and managers; you are ${ctx.actor.role.replaceAll("_", "-")}.`);
}

export const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  name: r.name,
  sku: r.sku,
  unitPrice: r.unitPrice,
  currency: r.currency,
  active: r.active,
  description: r.description,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const productScope = (ctx: Ctx, id: string) => and(eq(products.workspaceId, ctx.workspaceId), eq(products.id, id));

export async function getProduct(ctx: Ctx, id: string): Promise<Product> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db.select().from(products).where(productScope(ctx, id));
  if (!row) throw notFound("Product");
  return toProduct(row);
}

/** Products by id, for line items; ids outside the workspace are absent. */
export async function productsByIds(ctx: Ctx, ids: string[]): Promise<Map<string, Product>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Map();
  const rows = await ctx.db
    .select()
    .from(products)
    .where(and(eq(products.workspaceId, ctx.workspaceId), inArray(products.id, unique)));
  return new Map(rows.map((r) => [r.id, toProduct(r)]));
}

async function assertSkuFree(ctx: Ctx, sku: string, exceptId?: string): Promise<void> {
  const rows = await ctx.db
    .select({ id: products.id })
    .from(products)
    .where(and(eq(products.workspaceId, ctx.workspaceId), sql`lower(${products.sku}) = lower(${sku})`));
  if (rows.some((r) => r.id !== exceptId))
    throw new AppError("conflict", `SKU ${sku} is already used by another product`, [{ path: "sku", message: "Already used by another product" }]);
}

export async function createProduct(ctx: Ctx, input: z.infer<typeof CreateProductBody>): Promise<Product> {
  assertCatalogueEditor(ctx);
  await assertSkuFree(ctx, input.sku);
  const now = new Date();
  const row = await ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .insert(products)
      .values({
        workspaceId: ctx.workspaceId,
        id: newId(),
        name: input.name,
        sku: input.sku,
        unitPrice: input.unitPrice,
        currency: input.currency,
        active: input.active ?? true,
        description: input.description ?? null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    const p = toProduct(r as ProductRow);
    await recordChanges(tx, ctx, [{ object: "product", recordId: p.id, action: "create", changes: diff(null, p, PRODUCT_FIELDS), payload: p }]);
    return p;
  });
  return row;
}

export async function updateProduct(ctx: Ctx, id: string, input: z.infer<typeof UpdateProductBody>): Promise<Product> {
  assertCatalogueEditor(ctx);
  const before = await getProduct(ctx, id);
  if (input.sku) await assertSkuFree(ctx, input.sku, id);
  return ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .update(products)
      .set({ ...input, updatedAt: new Date() })
      .where(productScope(ctx, id))
      .returning();
    const after = toProduct(r as ProductRow);
    await recordChanges(tx, ctx, [{ object: "product", recordId: id, action: "update", changes: diff(before, after, PRODUCT_FIELDS), payload: after }]);
    return after;
  });
}

/** Products already sold keep their line items; a product in use is deactivated instead of deleted. */
export async function deleteProduct(ctx: Ctx, id: string, inUse: (ctx: Ctx, productId: string) => Promise<boolean>): Promise<void> {
  assertCatalogueEditor(ctx);
  const before = await getProduct(ctx, id);
  if (await inUse(ctx, id))
    throw new AppError("conflict", "This product is on deals' line items: deactivate it instead, so those deals keep it", [
      { path: "id", message: "Used on deals" },
    ]);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(priceListEntries).where(and(eq(priceListEntries.workspaceId, ctx.workspaceId), eq(priceListEntries.productId, id)));
    await tx.delete(products).where(productScope(ctx, id));
    await recordChanges(tx, ctx, [{ object: "product", recordId: id, action: "delete", changes: [], payload: before }]);
  });
}

export async function listProducts(ctx: Ctx, query: z.infer<typeof ProductListQuery>): Promise<{ data: Product[]; nextCursor: string | null }> {
  assertCan(ctx.actor, "read");
  const ks = keyset({ expr: products.name, kind: "text", sortable: true }, false, products.id, query.cursor);
  const q = query.q?.trim() ? `%${searchTerm(query.q).replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await ctx.db
    .select()
    .from(products)
    .where(
      and(
        eq(products.workspaceId, ctx.workspaceId),
        query.active ? eq(products.active, query.active === "true") : undefined,
        q ? sql`(${products.name} || ' ' || ${products.sku}) ilike ${q}` : undefined,
        ks.where,
      ),
    )
    .orderBy(...ks.orderBy)
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { data: page.map(toProduct), nextCursor: rows.length > query.limit && last ? encodeCursor({ v: last.name, id: last.id }) : null };
}

// ---- price lists ----

const listScope = (ctx: Ctx, id: string) => and(eq(priceLists.workspaceId, ctx.workspaceId), eq(priceLists.id, id));

export async function getPriceListCurrency(ctx: Ctx, id: string): Promise<string | null> {
  const [row] = await ctx.db.select({ currency: priceLists.currency }).from(priceLists).where(listScope(ctx, id));
  return row?.currency ?? null;
}

/** A price list's prices for some products (products it does not list are absent). */
export async function priceListPrices(ctx: Ctx, priceListId: string, productIds: string[]): Promise<Map<string, string>> {
  if (productIds.length === 0) return new Map();
  const rows = await ctx.db
    .select({ productId: priceListEntries.productId, price: priceListEntries.price })
    .from(priceListEntries)
    .where(
      and(
        eq(priceListEntries.workspaceId, ctx.workspaceId),
        eq(priceListEntries.priceListId, priceListId),
        inArray(priceListEntries.productId, [...new Set(productIds)]),
      ),
    );
  return new Map(rows.map((r) => [r.productId, r.price]));
}

export async function getPriceList(ctx: Ctx, id: string): Promise<PriceList> {
  assertCan(ctx.actor, "read");
  const [row] = await ctx.db.select().from(priceLists).where(listScope(ctx, id));
  if (!row) throw notFound("Price list");
  const entries = await ctx.db
    .select({ productId: priceListEntries.productId, price: priceListEntries.price, productName: products.name, sku: products.sku })
    .from(priceListEntries)
    .innerJoin(products, and(eq(products.workspaceId, priceListEntries.workspaceId), eq(products.id, priceListEntries.productId)))
    .where(and(eq(priceListEntries.workspaceId, ctx.workspaceId), eq(priceListEntries.priceListId, id)))
    .orderBy(asc(products.name));
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    active: row.active,
    entries,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listPriceLists(ctx: Ctx) {
  assertCan(ctx.actor, "read");
  const rows = await ctx.db
    .select({
      row: priceLists,
      entryCount: sql<number>`(select count(*)::int from ${priceListEntries} e where e.workspace_id = ${priceLists.workspaceId} and e.price_list_id = ${priceLists.id})`,
    })
    .from(priceLists)
    .where(eq(priceLists.workspaceId, ctx.workspaceId))
    .orderBy(asc(priceLists.name))
    .limit(500);
  return rows.map(({ row, entryCount }) => ({
    id: row.id,
    name: row.name,
    currency: row.currency,
    active: row.active,
    entryCount: Number(entryCount),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  }));
}

async function assertListNameFree(ctx: Ctx, name: string, exceptId?: string) {
  const rows = await ctx.db
    .select({ id: priceLists.id })
    .from(priceLists)
    .where(and(eq(priceLists.workspaceId, ctx.workspaceId), sql`lower(${priceLists.name}) = lower(${name})`));
  if (rows.some((r) => r.id !== exceptId)) throw new AppError("conflict", "A price list with this name exists", [{ path: "name", message: "Already used" }]);
}

async function checkEntries(ctx: Ctx, entries: { productId: string; price: string }[]) {
  const found = await productsByIds(
    ctx,
    entries.map((e) => e.productId),
  );
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    if (!found.has(e.productId)) errors.push({ path: `entries.${i}.productId`, message: "No such product" });
    if (seen.has(e.productId)) errors.push({ path: `entries.${i}.productId`, message: "Listed twice" });
    seen.add(e.productId);
  });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

export async function createPriceList(ctx: Ctx, input: z.infer<typeof CreatePriceListBody>): Promise<PriceList> {
  assertCatalogueEditor(ctx);
  await assertListNameFree(ctx, input.name);
  await checkEntries(ctx, input.entries ?? []);
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(priceLists).values({ workspaceId: ctx.workspaceId, id, name: input.name, currency: input.currency, active: input.active ?? true });
    if (input.entries?.length)
      await tx
        .insert(priceListEntries)
        .values(input.entries.map((e) => ({ workspaceId: ctx.workspaceId, priceListId: id, productId: e.productId, price: e.price })));
    await recordChanges(tx, ctx, [
      {
        object: "price_list",
        recordId: id,
        action: "create",
        changes: diff(null, { ...input, entries: input.entries?.length ?? 0 }, ["name", "currency", "active", "entries"]),
      },
    ]);
  });
  return getPriceList(ctx, id);
}

export async function updatePriceList(ctx: Ctx, id: string, input: z.infer<typeof UpdatePriceListBody>): Promise<PriceList> {
  assertCatalogueEditor(ctx);
  const before = await getPriceList(ctx, id);
  if (input.name) await assertListNameFree(ctx, input.name, id);
  if (input.entries) await checkEntries(ctx, input.entries);
  await ctx.db.transaction(async (tx) => {
    const { entries, ...fields } = input;
    await tx
      .update(priceLists)
      .set({ ...fields, updatedAt: new Date() })
      .where(listScope(ctx, id));
    if (entries) {
      await tx.delete(priceListEntries).where(and(eq(priceListEntries.workspaceId, ctx.workspaceId), eq(priceListEntries.priceListId, id)));
      if (entries.length)
        await tx
          .insert(priceListEntries)
          .values(entries.map((e) => ({ workspaceId: ctx.workspaceId, priceListId: id, productId: e.productId, price: e.price })));
    }
    const beforeShape = { ...before, entries: before.entries.map((e) => `${e.productId}=${e.price}`) };
    const afterShape = { ...before, ...fields, entries: entries ? entries.map((e) => `${e.productId}=${e.price}`) : beforeShape.entries };
    await recordChanges(tx, ctx, [
      { object: "price_list", recordId: id, action: "update", changes: diff(beforeShape, afterShape, ["name", "currency", "active", "entries"]) },
    ]);
  });
  return getPriceList(ctx, id);
}

export async function deletePriceList(ctx: Ctx, id: string, inUse: (ctx: Ctx, priceListId: string) => Promise<boolean>): Promise<void> {
  assertCatalogueEditor(ctx);
  await getPriceList(ctx, id);
  if (await inUse(ctx, id)) throw new AppError("conflict", "Deals use this price list: deactivate it instead", [{ path: "id", message: "Used by deals" }]);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(priceListEntries).where(and(eq(priceListEntries.workspaceId, ctx.workspaceId), eq(priceListEntries.priceListId, id)));
    await tx.delete(priceLists).where(listScope(ctx, id));
    await recordChanges(tx, ctx, [{ object: "price_list", recordId: id, action: "delete", changes: [] }]);
  });
}
