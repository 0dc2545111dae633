import { and, asc, eq, inArray, type SQL, sql } from "drizzle-orm";
import type { z } from "zod";
import type { Deal, DealListQuery, MoveDealBody, Stage, UpdateDealBody } from "../../contract/deals.js";
import { CreateDealBody } from "../../contract/deals.js";
import { codeFor, dealContactRoleLabels, dealSourceLabels, labelOf } from "../../contract/labels.js";
import { visibleCustom } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan, assertMayCreate } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { allOf, encodeCursor, keyset, type ListField, parseSort, resolveField, sortValueOf } from "../../db/list-query.js";
import { param, prepared } from "../../db/prepared.js";
import { ownerFilter, searchText, textSearch, trashFilter, withTypoTolerance } from "../../db/record-filters.js";
import { assertAccess, visibleWhere } from "../../db/visibility.js";
import { assertCompanyExists, companyNames } from "../companies/service.js";
import { filterPredicate } from "../conditions/service.js";
import { contactNames } from "../contacts/service.js";
import { listCustomFields, validateCustomValues } from "../custom-fields/service.js";
import { diff, recordChanges } from "../history/service.js";
import { getPriceListCurrency } from "../products/service.js";
import { createTask, listTasks, updateTask } from "../tasks/service.js";
import { assertUsersExist, teammateIds, userNames } from "../users/service.js";
import { enforceRules } from "../validation-rules/service.js";
import { fallbackCurrency, workspaceSettings } from "../workspaces/service.js";

import { ensureDefaultPipeline, findStage, firstOpenStage, getPipeline, workspaceStages } from "./pipelines.js";
import { dealContacts, dealLineItems, dealStageChanges, deals, pipelineStages } from "./table.js";

export type DealRow = typeof deals.$inferSelect;
type Tx = Db;
export const OBJECT = "deal" as const;

/** A deal as this actor may see it: without the custom fields their role hides. */
const shown = (ctx: Ctx, d: Deal): Deal => ({ ...d, custom: visibleCustom(ctx.actor, OBJECT, d.custom) });
export const HISTORY_FIELDS = [
  "name",
  "pipelineId",
  "stage",
  "status",
  "amount",
  "currency",
  "amountSource",
  "priceListId",
  "expectedCloseDate",
  "ownerId",
  "company",
  "contacts",
  "nextStep",
  "lostReason",
  "source",
  "tags",
  "custom",
  "closedAt",
] as const;

export const dealFields: Record<string, ListField> = {
  name: { expr: deals.name, kind: "text", sortable: true },
  amount: { expr: deals.amount, kind: "number", sortable: true },
  currency: { expr: deals.currency, kind: "text" },
  expectedCloseDate: { expr: sql`(${deals.expectedCloseDate})::timestamptz`, kind: "timestamp" },
  ownerId: { expr: deals.ownerId, kind: "uuid" },
  companyId: { expr: deals.companyId, kind: "uuid" },
  stageId: { expr: deals.stageId, kind: "uuid" },
  pipelineId: { expr: deals.pipelineId, kind: "uuid" },
  status: { expr: deals.status, kind: "text" },
  source: { expr: deals.source, kind: "text", sortable: true },
  tags: { expr: deals.tags, kind: "text_array" },
  createdAt: { expr: deals.createdAt, kind: "timestamp", sortable: true },
  updatedAt: { expr: deals.updatedAt, kind: "timestamp", sortable: true },
  stageEnteredAt: { expr: deals.stageEnteredAt, kind: "timestamp", sortable: true },
};
// Sorting by close date uses the plain date column so the (workspace_id, expected_close_date, id) index serves it.
const sortFields: Record<string, ListField> = { ...dealFields, expectedCloseDate: { expr: deals.expectedCloseDate, kind: "timestamp", sortable: true } };

const scoped = (ctx: Ctx, id: string) => and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.id, id));

async function findRow(ctx: Ctx, id: string, db: Db = ctx.db, lock = false): Promise<DealRow> {
  const [row] = await prepared(db, lock ? "deal_by_id_for_update" : "deal_by_id", (d, name) => {
    const q = d
      .select()
      .from(deals)
      .where(and(eq(deals.workspaceId, param("workspaceId")), eq(deals.id, param("id"))));
    return (lock ? q.for("update") : q).prepare(name);
  }).execute({ workspaceId: ctx.workspaceId, id });
  if (!row) throw notFound("Deal");
  return row;
}

/**
 * Deals with names of their stage, owner, company and contacts: a fixed number of queries for any number of rows.
 * Stages come from the configuration cache outside a transaction; inside one (`db` given), from `known` (read
 * before it opened) for those it has, and from the transaction for the rest.
 */
export async function toDeals(ctx: Ctx, rows: DealRow[], db: Db = ctx.db, known?: ReadonlyMap<string, Stage>): Promise<Deal[]> {
  if (rows.length === 0) return [];
  const c = { ...ctx, db };
  const cachedStages = known ?? (db === ctx.db ? await workspaceStages(ctx) : undefined);
  const stageIds = [...new Set(rows.map((r) => r.stageId))].filter((id) => !cachedStages?.has(id));
  const dealIds = rows.map((r) => r.id);
  // One after another, not Promise.all: inside a transaction the queries share one connection.
  const read = stageIds.length
    ? await db
        .select({ id: pipelineStages.id, name: pipelineStages.name, probability: pipelineStages.probability })
        .from(pipelineStages)
        .where(and(eq(pipelineStages.workspaceId, ctx.workspaceId), inArray(pipelineStages.id, stageIds)))
    : [];
  const owners = await userNames(
    c,
    rows.map((r) => r.ownerId).filter((x): x is string => Boolean(x)),
  );
  const companyMap = await companyNames(
    c,
    rows.map((r) => r.companyId).filter((x): x is string => Boolean(x)),
  );
  const links = await db
    .select()
    .from(dealContacts)
    .where(and(eq(dealContacts.workspaceId, ctx.workspaceId), inArray(dealContacts.dealId, dealIds)))
    .orderBy(asc(dealContacts.createdAt));
  const names = await contactNames(
    c,
    links.map((l) => l.contactId),
  );
  const stageMap = new Map<string, { name: string; probability: number }>(read.map((s) => [s.id, s]));
  return rows.map((r) => {
    const stage = stageMap.get(r.stageId) ?? cachedStages?.get(r.stageId);
    return {
      id: r.id,
      name: r.name,
      pipelineId: r.pipelineId,
      stageId: r.stageId,
      stageName: stage?.name ?? "",
      stageProbability: stage?.probability ?? 0,
      status: r.status,
      amount: r.amount,
      currency: r.currency,
      amountSource: r.amountSource,
      priceListId: r.priceListId,
      expectedCloseDate: r.expectedCloseDate,
      ownerId: r.ownerId,
      ownerName: r.ownerId ? (owners.get(r.ownerId) ?? null) : null,
      companyId: r.companyId,
      companyName: r.companyId ? (companyMap.get(r.companyId) ?? null) : null,
      contacts: links
        .filter((l) => l.dealId === r.id)
        .map((l) => ({ contactId: l.contactId, role: l.role, name: names.get(l.contactId) ?? "(deleted contact)" })),
      nextStep: r.nextStep,
      lostReason: r.lostReason,
      source: r.source,
      tags: r.tags,
      custom: r.custom,
      stageEnteredAt: r.stageEnteredAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
      deletedAt: r.deletedAt?.toISOString() ?? null,
    };
  });
}

/** History snapshot, as a timeline reader wants it: the stage and company by name, contacts as "Name (role)" so role changes show. */
export const snapshot = (d: Deal) => ({
  ...d,
  stage: d.stageName,
  company: d.companyName,
  contacts: d.contacts.map((c) => `${c.name} (${labelOf(dealContactRoleLabels, c.role)})`),
});

export async function getDeal(ctx: Ctx, id: string): Promise<Deal> {
  const row = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "read", row);
  return shown(ctx, (await toDeals(ctx, [row]))[0] as Deal);
}

/** Live deals by id (an import compares them with its rows); ids outside the workspace or in the trash are absent. */
export async function dealsByIds(ctx: Ctx, ids: string[]): Promise<Deal[]> {
  assertCan(ctx.actor, "read");
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const rows = await ctx.db
    .select()
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), inArray(deals.id, unique), sql`${deals.deletedAt} is null`));
  return toDeals(ctx, rows);
}

const lostReasonRequired = () =>
  new AppError("validation_failed", "lostReason: say why the deal was lost before moving it to a lost stage", [
    { path: "lostReason", message: "Choose why the deal was lost" },
  ]);

async function assertContactsExist(ctx: Ctx, contacts: { contactId: string }[] | undefined): Promise<void> {
  if (!contacts?.length) return;
  const errors: FieldError[] = [];
  const found = await contactNames(
    ctx,
    contacts.map((c) => c.contactId),
  );
  const seen = new Set<string>();
  contacts.forEach((c, i) => {
    if (!found.has(c.contactId)) errors.push({ path: `contacts.${i}.contactId`, message: "No such contact in this workspace" });
    if (seen.has(c.contactId)) errors.push({ path: `contacts.${i}.contactId`, message: "Listed twice" });
    seen.add(c.contactId);
  });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

async function assertPriceListFits(ctx: Ctx, priceListId: string | null | undefined, currency: string): Promise<void> {
  if (!priceListId) return;
  const plCurrency = await getPriceListCurrency(ctx, priceListId);
  if (!plCurrency) throw new AppError("validation_failed", "priceListId: no such price list", [{ path: "priceListId", message: "No such price list" }]);
  if (plCurrency !== currency)
    throw new AppError("validation_failed", `priceListId: the price list is in ${plCurrency}, the deal in ${currency}`, [
      { path: "priceListId", message: `The price list is in ${plCurrency}; the deal is in ${currency}` },
    ]);
}

export const searchOf = (name: string, source: string | null | undefined, nextStep: string | null | undefined) => searchText([name, source, nextStep]);

/** Creates a deal's playbook tasks for the stage it just entered, inside the caller's transaction. */
async function runPlaybook(tx: Tx, ctx: Ctx, deal: Pick<DealRow, "id" | "ownerId">, stage: Stage, enteredAt: Date): Promise<void> {
  const assigneeId = deal.ownerId ?? ctx.actor.userId;
  // No owner and no acting user (a system job): nobody to give the tasks to, so the playbook waits for a person.
  if (!assigneeId || stage.playbook.length === 0) return;
  for (const t of stage.playbook) {
    const due = new Date(enteredAt.getTime() + t.dueInDays * 86_400_000);
    await createTask(
      { ...ctx, db: tx },
      {
        title: t.title,
        ...(t.description ? { description: t.description } : {}),
        dueAt: due.toISOString(),
        priority: t.priority,
        assigneeId,
        related: { object: "deal", id: deal.id },
      },
    );
  }
}

async function setContacts(tx: Tx, ctx: Ctx, dealId: string, contacts: { contactId: string; role: string }[]): Promise<void> {
  await tx.delete(dealContacts).where(and(eq(dealContacts.workspaceId, ctx.workspaceId), eq(dealContacts.dealId, dealId)));
  if (contacts.length) {
    const now = Date.now();
    await tx.insert(dealContacts).values(
      // Distinct created_at keeps the listed order when read back.
      contacts.map((c, i) => ({ workspaceId: ctx.workspaceId, dealId, contactId: c.contactId, role: c.role, createdAt: new Date(now + i) })),
    );
  }
}

export async function createDeal(ctx: Ctx, rawInput: z.input<typeof CreateDealBody>): Promise<Deal> {
  assertMayCreate(ctx.actor, OBJECT);
  // Other modules (lead conversion) call this directly, so their input is parsed here as the route would.
  const parsed = CreateDealBody.safeParse(rawInput);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  }
  const input = { ...parsed.data, ...sourceCode(parsed.data.source) };
  const pipeline = input.pipelineId ? await getPipeline(ctx, input.pipelineId).catch(noSuch("pipelineId", "pipeline")) : await ensureDefaultPipeline(ctx);
  let stage: Stage;
  if (input.stageId) {
    stage = await findStage(ctx, input.stageId);
    if (stage.pipelineId !== pipeline.id)
      throw new AppError("validation_failed", "stageId: not a stage of this pipeline", [{ path: "stageId", message: "Not a stage of this pipeline" }]);
  } else stage = firstOpenStage(pipeline);
  if (stage.type === "lost" && !input.lostReason) throw lostReasonRequired();
  const currency = input.currency ?? (await workspaceSettings(ctx)).defaultCurrency ?? fallbackCurrency;
  const ownerId = input.ownerId === undefined ? ctx.actor.userId : input.ownerId;
  await assertUsersExist(ctx, [ownerId]);
  await assertCompanyExists(ctx, input.companyId, "companyId");
  await assertContactsExist(ctx, input.contacts);
  await assertPriceListFits(ctx, input.priceListId, currency);
  const amountSource = input.amountSource ?? "manual";
  if (amountSource === "line_items" && input.amount != null)
    throw new AppError("validation_failed", "amount: follows the line items; leave it out or set amountSource to manual", [
      { path: "amount", message: "The amount follows the line items" },
    ]);
  const custom = await validateCustomValues(ctx, "deal", input.custom);
  await enforceRules(ctx, "deal", { ...input, currency, ownerId, custom });
  const now = new Date();
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    await tx.insert(deals).values({
      workspaceId: ctx.workspaceId,
      id,
      name: input.name,
      pipelineId: pipeline.id,
      stageId: stage.id,
      status: stage.type,
      amount: amountSource === "line_items" ? "0" : (input.amount ?? null),
      currency,
      amountSource,
      priceListId: input.priceListId ?? null,
      expectedCloseDate: input.expectedCloseDate ?? null,
      ownerId,
      companyId: input.companyId ?? null,
      nextStep: input.nextStep ?? null,
      lostReason: stage.type === "lost" ? (input.lostReason ?? null) : null,
      source: input.source ?? null,
      tags: [...new Set(input.tags ?? [])],
      custom,
      stageEnteredAt: now,
      closedAt: stage.type === "open" ? null : now,
      searchText: searchOf(input.name, input.source, input.nextStep),
      createdAt: now,
      updatedAt: now,
    });
    await setContacts(tx, ctx, id, input.contacts ?? []);
    await tx.insert(dealStageChanges).values({
      workspaceId: ctx.workspaceId,
      id: newId(),
      dealId: id,
      pipelineId: pipeline.id,
      fromStageId: null,
      toStageId: stage.id,
      at: now,
      actorId: ctx.actor.userId,
    });
    const [created] = await toDeals(ctx, [await findRow(ctx, id, tx)], tx);
    await recordChanges(tx, ctx, [
      { object: OBJECT, recordId: id, action: "create", changes: diff(null, snapshot(created as Deal), HISTORY_FIELDS), payload: created as Deal },
    ]);
    await runPlaybook(tx, ctx, { id, ownerId }, stage, now);
  });
  return getDeal(ctx, id);
}

const noSuch = (path: string, what: string) => (e: unknown) => {
  if (e instanceof AppError && e.code === "not_found")
    throw new AppError("validation_failed", `${path}: no such ${what}`, [{ path, message: `No such ${what}` }]);
  throw e;
};

/** A move's new deal columns and its stage-change row: what applyStageChange writes. */
function stageChangeOf(
  ctx: Ctx,
  current: DealRow,
  target: Stage,
  lostReason: string | null | undefined,
  now: Date,
): { set: Partial<DealRow>; change: typeof dealStageChanges.$inferInsert } {
  if (target.type === "lost" && !lostReason) throw lostReasonRequired();
  return {
    set: {
      pipelineId: target.pipelineId,
      stageId: target.id,
      status: target.type,
      stageEnteredAt: now,
      closedAt: target.type === "open" ? null : now,
      lostReason: target.type === "lost" ? (lostReason as string) : null,
    },
    change: {
      workspaceId: ctx.workspaceId,
      id: newId(),
      dealId: current.id,
      pipelineId: target.pipelineId,
      fromStageId: current.stageId,
      toStageId: target.id,
      at: now,
      actorId: ctx.actor.userId,
    },
  };
}

/**
 * A stage change within an update (stageChangeOf says what changes: lost needs a reason, won/lost set closed_at,
 * reopening clears it and the lost reason, every change is kept in deal_stage_changes), in the caller's
 * transaction. A move (the move route, the board) writes the same rows itself, last in its transaction.
 */
async function applyStageChange(
  tx: Tx,
  ctx: Ctx,
  current: DealRow,
  target: Stage,
  lostReason: string | null | undefined,
  now: Date,
): Promise<Partial<DealRow>> {
  if (target.id === current.stageId) return {};
  const { set, change } = stageChangeOf(ctx, current, target, lostReason, now);
  await tx.insert(dealStageChanges).values(change);
  return set;
}

/**
 * Sources are free text (imports bring their own), but one typed as a known source's label or spelling
 * ("Web form") is stored as its code, so filters, reports and labels treat it as that source.
 */
function sourceCode(source: string | null | undefined): { source?: string | null } {
  if (source === undefined) return {};
  if (source === null || source === "") return { source: null };
  return { source: codeFor(dealSourceLabels, source) ?? source };
}

export async function updateDeal(ctx: Ctx, id: string, rawInput: z.infer<typeof UpdateDealBody>): Promise<Deal> {
  const input = { ...rawInput, ...sourceCode(rawInput.source) };
  const existing = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "edit", existing);
  if (existing.deletedAt) throw new AppError("conflict", "This deal is in the trash; restore it first.");
  let target: Stage | undefined;
  if (input.pipelineId && input.pipelineId !== existing.pipelineId && !input.stageId) {
    target = firstOpenStage(await getPipeline(ctx, input.pipelineId).catch(noSuch("pipelineId", "pipeline")));
  } else if (input.stageId) {
    target = await findStage(ctx, input.stageId);
    if (input.pipelineId && target.pipelineId !== input.pipelineId)
      throw new AppError("validation_failed", "stageId: not a stage of this pipeline", [{ path: "stageId", message: "Not a stage of this pipeline" }]);
  }
  await assertUsersExist(ctx, [input.ownerId]);
  await assertCompanyExists(ctx, input.companyId, "companyId");
  await assertContactsExist(ctx, input.contacts);
  const currency = input.currency ?? existing.currency;
  const priceListId = input.priceListId === undefined ? existing.priceListId : input.priceListId;
  if (input.priceListId !== undefined || input.currency !== undefined) await assertPriceListFits(ctx, priceListId, currency);
  const amountSource = input.amountSource ?? existing.amountSource;
  if (amountSource === "line_items" && input.amount !== undefined)
    throw new AppError("validation_failed", "amount: follows the line items; set amountSource to manual to type it", [
      { path: "amount", message: "The amount follows the line items" },
    ]);
  const custom = input.custom === undefined ? undefined : await validateCustomValues(ctx, "deal", input.custom, existing.custom);
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  await enforceRules(ctx, "deal", { ...existing, ...defined, custom: custom ?? existing.custom }, input);
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    const current = await findRow(ctx, id, tx, true);
    const before = (await toDeals(ctx, [current], tx))[0] as Deal;
    const set: Partial<DealRow> = { updatedAt: now };
    for (const k of ["name", "amount", "currency", "amountSource", "priceListId", "expectedCloseDate", "ownerId", "companyId", "nextStep", "source"] as const) {
      if (input[k] !== undefined) (set as Record<string, unknown>)[k] = input[k];
    }
    if (input.tags) set.tags = [...new Set(input.tags)];
    if (custom) set.custom = custom;
    if (input.lostReason !== undefined) {
      if (current.status !== "lost" && !(target?.type === "lost"))
        throw new AppError("validation_failed", "lostReason: only a lost deal has a lost reason", [
          { path: "lostReason", message: "Only a lost deal has a lost reason" },
        ]);
      if (current.status === "lost" && !target && !input.lostReason) throw lostReasonRequired();
      set.lostReason = input.lostReason;
    }
    if (target) Object.assign(set, await applyStageChange(tx, ctx, current, target, input.lostReason ?? null, now));
    if (amountSource === "line_items" && current.amountSource !== "line_items") set.amount = sql`(${lineItemsTotal(ctx, id)})` as unknown as string;
    const next = { ...current, ...set };
    set.searchText = searchOf(next.name, next.source, next.nextStep);
    await tx.update(deals).set(set).where(scoped(ctx, id));
    if (input.contacts) await setContacts(tx, ctx, id, input.contacts);
    const after = (await toDeals(ctx, [await findRow(ctx, id, tx)], tx))[0] as Deal;
    await recordChanges(tx, ctx, [
      { object: OBJECT, recordId: id, action: "update", changes: diff(snapshot(before), snapshot(after), HISTORY_FIELDS), payload: after },
    ]);
    if (target && target.id !== current.stageId) await runPlaybook(tx, ctx, { id, ownerId: after.ownerId }, target, now);
  });
  return getDeal(ctx, id);
}

export async function moveDeal(ctx: Ctx, id: string, input: z.infer<typeof MoveDealBody>): Promise<Deal> {
  await assertAccess(ctx, OBJECT, "edit", await findRow(ctx, id));
  const target = await findStage(ctx, input.stageId);
  if (target.type === "lost" && !input.lostReason) throw lostReasonRequired();
  const stages = await workspaceStages(ctx);
  const now = new Date();
  // The deal is read once, locked, inside the transaction: a refusal there rolls back a transaction that wrote nothing.
  const moved = await ctx.db.transaction(async (tx) => {
    const current = await findRow(ctx, id, tx, true);
    if (current.deletedAt) throw new AppError("conflict", "This deal is in the trash; restore it first.");
    if (current.stageId === target.id) return undefined;
    const { set, change } = stageChangeOf(ctx, current, target, input.lostReason, now);
    // No trigger rewrites a deal's row (theirs are AFTER … FOR EACH STATEMENT), so the moved deal is known here.
    const [before, after] = (await toDeals(ctx, [current, { ...current, ...set, updatedAt: now }], tx, stages)) as [Deal, Deal];
    await recordChanges(tx, ctx, [
      { object: OBJECT, recordId: id, action: "update", changes: diff(snapshot(before), snapshot(after), HISTORY_FIELDS), payload: after },
    ]);
    await runPlaybook(tx, ctx, current, target, now);
    // Last, just before the commit, as one statement: the two writes whose triggers take the workspace's roll-up
    // lock (migrations 0004 and 0011), held until the commit. Moves in a workspace queue on it, so it is held for
    // one statement and the commit, with no round trip through this busy process in between. The stage change is
    // the main statement, so its triggers run first: the link to the previous change, which needs no lock (0013),
    // runs before the first trigger that takes it.
    const updateDeal = tx
      .update(deals)
      .set({ ...set, updatedAt: now })
      .where(scoped(ctx, id))
      .getSQL();
    const insertChange = tx.insert(dealStageChanges).values(change).getSQL();
    await tx.execute(sql`with deal_update as (${updateDeal}) ${insertChange}`);
    return after;
  });
  return moved ? shown(ctx, moved) : getDeal(ctx, id);
}

/** The deal's line-item sum as a scalar subquery, so the amount is recomputed inside the writing statement. */
export const lineItemsTotal = (ctx: Ctx, dealId: string): SQL =>
  sql`select coalesce(sum(${dealLineItems.total}), 0) from ${dealLineItems} where ${dealLineItems.workspaceId} = ${ctx.workspaceId} and ${dealLineItems.dealId} = ${dealId}`;

export async function deleteDeal(ctx: Ctx, id: string): Promise<void> {
  await setTrashed(ctx, id, true);
}

export async function restoreDeal(ctx: Ctx, id: string): Promise<Deal> {
  await setTrashed(ctx, id, false);
  return getDeal(ctx, id);
}

async function setTrashed(ctx: Ctx, id: string, trashed: boolean): Promise<void> {
  const current = await findRow(ctx, id);
  await assertAccess(ctx, OBJECT, "delete", current);
  if (Boolean(current.deletedAt) === trashed) return;
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    await tx
      .update(deals)
      .set({ deletedAt: trashed ? now : null, updatedAt: now })
      .where(scoped(ctx, id));
    await recordChanges(tx, ctx, [{ object: OBJECT, recordId: id, action: trashed ? "delete" : "restore", changes: [] }]);
  });
}

/** The filters shared by the list, the board and "load more": every one is a column of an index. */
export async function dealFilters(
  ctx: Ctx,
  q: { ownerId?: string; amountMin?: string; amountMax?: string; closeFrom?: string; closeTo?: string; q?: string },
): Promise<(SQL | undefined)[]> {
  if (q.amountMin && q.amountMax && Number(q.amountMin) > Number(q.amountMax))
    throw new AppError("validation_failed", "amountMax: below amountMin", [{ path: "amountMax", message: "Below the minimum" }]);
  if (q.closeFrom && q.closeTo && q.closeFrom > q.closeTo)
    throw new AppError("validation_failed", "closeTo: before closeFrom", [{ path: "closeTo", message: "Before the start date" }]);
  return [
    visibleWhere(ctx, OBJECT, "read", deals.ownerId, deals.id),
    await ownerFilter(ctx, deals.ownerId, q.ownerId, teammateIds),
    q.amountMin ? sql`${deals.amount} >= ${q.amountMin}::numeric` : undefined,
    q.amountMax ? sql`${deals.amount} <= ${q.amountMax}::numeric` : undefined,
    q.closeFrom ? sql`${deals.expectedCloseDate} >= ${q.closeFrom}::date` : undefined,
    q.closeTo ? sql`${deals.expectedCloseDate} <= ${q.closeTo}::date` : undefined,
    textSearch(deals.searchText, q.q),
  ];
}

export async function listDeals(ctx: Ctx, query: z.infer<typeof DealListQuery>): Promise<{ data: Deal[]; nextCursor: string | null }> {
  const defs = await listCustomFields(ctx, "deal");
  const conditions = [await filterPredicate(ctx, "deal", query.filter)];
  const sort = parseSort(query.sort, "-createdAt");
  const sortField =
    Object.hasOwn(sortFields, sort.name) || sort.name.startsWith("custom.") ? resolveField(sortFields, sort.name, deals.custom, defs) : { sortable: false };
  if (!sortField.sortable || !("expr" in sortField))
    throw new AppError("validation_failed", `Cannot sort by ${sort.name}`, [{ path: "sort", message: `Cannot sort by ${sort.name}` }]);
  const ks = keyset(sortField, sort.descending, deals.id, query.cursor);
  const filters = await dealFilters(ctx, query);
  const rows = await withTypoTolerance(
    ctx.db,
    (tx) =>
      tx
        .select({ row: deals, sortValue: sortValueOf(ks) })
        .from(deals)
        .where(
          allOf([
            eq(deals.workspaceId, ctx.workspaceId),
            trashFilter(deals.deletedAt, query.trashed),
            query.pipelineId ? eq(deals.pipelineId, query.pipelineId) : undefined,
            query.stageId ? eq(deals.stageId, query.stageId) : undefined,
            query.status ? eq(deals.status, query.status) : undefined,
            query.companyId ? eq(deals.companyId, query.companyId) : undefined,
            query.contactId
              ? sql`exists (select 1 from ${dealContacts} where ${dealContacts.workspaceId} = ${deals.workspaceId} and ${dealContacts.dealId} = ${deals.id} and ${dealContacts.contactId} = ${query.contactId})`
              : undefined,
            ...filters,
            ...conditions,
            ks.where,
          ]),
        )
        .orderBy(...ks.orderBy)
        .limit(query.limit + 1),
    { q: query.q },
  );
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    data: (
      await toDeals(
        ctx,
        page.map((r) => r.row),
      )
    ).map((d) => shown(ctx, d)),
    nextCursor: rows.length > query.limit && last ? encodeCursor({ v: last.sortValue, id: last.row.id }) : null,
  };
}

/**
 * The deal's open tasks that its pipeline's stage playbooks created (matched by title, as playbooks
 * name them): what is left to close once the deal is won or lost.
 */
export async function openPlaybookTasks(ctx: Ctx, id: string): Promise<{ id: string; title: string }[]> {
  const deal = await getDeal(ctx, id);
  const pipeline = await getPipeline(ctx, deal.pipelineId);
  const titles = new Set(pipeline.stages.flatMap((st) => st.playbook.map((t) => t.title)));
  if (titles.size === 0) return [];
  const out: { id: string; title: string }[] = [];
  let cursor: string | undefined;
  do {
    const page = await listTasks(ctx, { assignee: "all", status: "open", relatedObject: "deal", relatedId: id, limit: 200, ...(cursor ? { cursor } : {}) });
    for (const t of page.data) if (titles.has(t.title)) out.push({ id: t.id, title: t.title });
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return out;
}

/** Marks a won or lost deal's open playbook tasks done, all or none. */
export async function closePlaybookTasks(ctx: Ctx, id: string): Promise<{ closed: number }> {
  assertCan(ctx.actor, "write");
  const deal = await getDeal(ctx, id);
  if (deal.status === "open") throw new AppError("conflict", "The deal is still open: its playbook tasks close once it is won or lost.");
  const open = await openPlaybookTasks(ctx, id);
  await ctx.db.transaction(async (tx) => {
    for (const t of open) await updateTask({ ...ctx, db: tx }, t.id, { status: "done" });
  });
  return { closed: open.length };
}
