/**
 * Deals from an import: historical records, so a closed deal keeps the date it closed, its single stage-history
 * row is dated then, and no stage playbook runs (its tasks would be about the past).
 */
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { Deal, Stage } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { AppError } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { insertMany } from "../../db/insert-many.js";
import { listCustomFields, validateCustomValues } from "../custom-fields/service.js";
import { diff, recordChanges } from "../history/service.js";
import { checkRecord, loadRules } from "../validation-rules/service.js";
import { fallbackCurrency, workspaceSettings } from "../workspaces/service.js";
import { HISTORY_FIELDS, OBJECT, searchOf, snapshot, toDeals } from "./service.js";
import { dealContacts, dealStageChanges, deals } from "./table.js";

export interface DealImport {
  name: string;
  stage: Stage;
  amount: string | null;
  currency: string | null;
  expectedCloseDate: string | null;
  /** undefined: the importing user. */
  ownerId: string | null | undefined;
  companyId: string | null;
  contacts: { contactId: string; role: string }[];
  nextStep: string | null;
  lostReason: string | null;
  source: string | null;
  tags: string[];
  custom?: Record<string, unknown>;
  createdAt?: Date;
  /** When a won or lost deal closed (default: its close date, else its creation). */
  closedAt?: Date;
}

/** Inserts the deals in the caller's transaction; a row that fails validation gets an error instead of an id. */
export async function importDeals(ctx: Ctx, inputs: DealImport[]): Promise<{ ids: (string | null)[]; errors: Map<number, string> }> {
  assertCan(ctx.actor, "write");
  const ids: (string | null)[] = inputs.map(() => null);
  const errors = new Map<number, string>();
  if (inputs.length === 0) return { ids, errors };
  const defaultCurrency = (await workspaceSettings(ctx)).defaultCurrency ?? fallbackCurrency;
  const defs = await listCustomFields(ctx, "deal");
  const rules = await loadRules(ctx, "deal");
  const now = new Date();
  const rows: (typeof deals.$inferInsert)[] = [];
  const links: (typeof dealContacts.$inferInsert)[] = [];
  const changes: (typeof dealStageChanges.$inferInsert)[] = [];
  for (const [i, input] of inputs.entries()) {
    if (input.stage.type === "lost" && !input.lostReason) {
      errors.set(i, `A deal in the lost stage "${input.stage.name}" needs a lost reason`);
      continue;
    }
    let custom: Record<string, unknown> = {};
    try {
      custom = await validateCustomValues(ctx, "deal", input.custom, undefined, defs);
    } catch (err) {
      errors.set(i, err instanceof AppError ? (err.detail ?? err.message) : String(err));
      continue;
    }
    const ownerId = input.ownerId === undefined ? ctx.actor.userId : input.ownerId;
    const ruleErrors = checkRecord(rules, { ...input, currency: input.currency ?? defaultCurrency, ownerId, custom });
    if (ruleErrors.length) {
      errors.set(i, ruleErrors.map((e) => `${e.path}: ${e.message}`).join("; "));
      continue;
    }
    const createdAt = input.createdAt ?? now;
    const closedAt =
      input.stage.type === "open" ? null : (input.closedAt ?? (input.expectedCloseDate ? new Date(`${input.expectedCloseDate}T12:00:00Z`) : createdAt));
    const stageEnteredAt = closedAt ?? createdAt;
    const id = newId();
    rows.push({
      workspaceId: ctx.workspaceId,
      id,
      name: input.name,
      pipelineId: input.stage.pipelineId,
      stageId: input.stage.id,
      status: input.stage.type,
      amount: input.amount,
      currency: input.currency ?? defaultCurrency,
      amountSource: "manual",
      expectedCloseDate: input.expectedCloseDate,
      ownerId,
      companyId: input.companyId,
      nextStep: input.nextStep,
      lostReason: input.stage.type === "lost" ? input.lostReason : null,
      source: input.source,
      tags: [...new Set(input.tags)],
      custom,
      stageEnteredAt,
      closedAt,
      searchText: searchOf(input.name, input.source, input.nextStep),
      createdAt,
      updatedAt: now,
    });
    input.contacts.forEach((c, k) => {
      links.push({ workspaceId: ctx.workspaceId, dealId: id, contactId: c.contactId, role: c.role, createdAt: new Date(now.getTime() + k) });
    });
    changes.push({
      workspaceId: ctx.workspaceId,
      id: newId(),
      dealId: id,
      pipelineId: input.stage.pipelineId,
      fromStageId: null,
      toStageId: input.stage.id,
      at: stageEnteredAt,
      actorId: ctx.actor.userId,
    });
    ids[i] = id;
  }
  if (rows.length === 0) return { ids, errors };
  const inserted = await insertMany(ctx.db, deals, rows, true);
  if (links.length) await ctx.db.insert(dealContacts).values(links).onConflictDoNothing();
  await insertMany(ctx.db, dealStageChanges, changes);
  const created = await toDeals(ctx, inserted);
  await recordChanges(
    ctx.db,
    ctx,
    created.map((d: Deal) => ({ object: OBJECT, recordId: d.id, action: "create" as const, changes: diff(null, snapshot(d), HISTORY_FIELDS), payload: d })),
    { source: "import" },
  );
  return { ids, errors };
}

/** Moves imported deals to the trash (an import's undo), with a history row each. */
export async function trashImportedDeals(ctx: Ctx, ids: string[]): Promise<number> {
  assertCan(ctx.actor, "write");
  if (ids.length === 0) return 0;
  return ctx.db.transaction(async (tx) => {
    const now = new Date();
    const gone = await tx
      .update(deals)
      .set({ deletedAt: now, updatedAt: now })
      .where(and(eq(deals.workspaceId, ctx.workspaceId), inArray(deals.id, ids), isNull(deals.deletedAt)))
      .returning({ id: deals.id });
    await recordChanges(
      tx,
      { ...ctx, db: tx },
      gone.map((g) => ({ object: OBJECT, recordId: g.id, action: "delete" as const, changes: [] })),
    );
    return gone.length;
  });
}

/**
 * Live deals by exact name → ids (exact, so the (workspace, name) index answers); a name two deals share maps
 * to both, so callers can refuse to guess.
 */
export async function dealIdsByName(ctx: Ctx, names: string[]): Promise<Map<string, string[]>> {
  const wanted = [...new Set(names.map((n) => n.trim()).filter(Boolean))];
  const map = new Map<string, string[]>();
  if (wanted.length === 0) return map;
  const rows = await ctx.db
    .select({ id: deals.id, name: deals.name })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), isNull(deals.deletedAt), inArray(deals.name, wanted)));
  for (const r of rows) {
    const k = r.name;
    map.set(k, [...(map.get(k) ?? []), r.id]);
  }
  return map;
}

/** Live deals by id → their company (null when none). */
export async function dealCompanyIds(ctx: Ctx, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db
    .select({ id: deals.id, companyId: deals.companyId })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), inArray(deals.id, [...new Set(ids)]), isNull(deals.deletedAt)));
  return new Map(rows.map((r) => [r.id, r.companyId]));
}
