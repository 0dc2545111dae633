import { and, asc, count, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import type { CreatePipelineBody, LostReason, Pipeline, Stage, StageInput, UpdatePipelineBody } from "../../contract/deals.js";
import type { Ctx } from "../../core/context.js";
import { AppError, type FieldError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import type { Db } from "../../db/client.js";
import { cachedConfig, forgetConfig } from "../../db/workspace-cache.js";
import { diff, recordChanges } from "../history/service.js";
import { dealStageChanges, deals, lostReasons, pipelineStages, pipelines } from "./table.js";

type PipelineRow = typeof pipelines.$inferSelect;
type StageRow = typeof pipelineStages.$inferSelect;

/** What every new workspace starts with: a common B2B sales process. */
export const DEFAULT_PIPELINE: z.input<typeof CreatePipelineBody> = {
  name: "Sales",
  stages: [
    {
      name: "Qualification",
      probability: 10,
      playbook: [{ title: "Confirm budget, authority, need and timing", dueInDays: 2, priority: "normal" }],
    },
    { name: "Discovery", probability: 25, playbook: [{ title: "Hold the discovery call", dueInDays: 3, priority: "normal" }] },
    { name: "Proposal", probability: 50, playbook: [{ title: "Send the proposal", dueInDays: 1, priority: "high" }] },
    { name: "Negotiation", probability: 75, playbook: [] },
    { name: "Won", probability: 100, type: "won", playbook: [{ title: "Hand over to onboarding", dueInDays: 1, priority: "normal" }] },
    { name: "Lost", probability: 0, type: "lost", playbook: [] },
  ],
};
export const DEFAULT_LOST_REASONS = ["Price", "Chose a competitor", "No budget", "No decision", "Timing", "Other"];

export const toStage = (s: StageRow): Stage => ({
  id: s.id,
  pipelineId: s.pipelineId,
  name: s.name,
  position: s.position,
  probability: s.probability,
  type: s.type,
  playbook: s.playbook.map((t) => ({ title: t.title, dueInDays: t.dueInDays, priority: t.priority, ...(t.description ? { description: t.description } : {}) })),
});

const toPipeline = (p: PipelineRow, stages: StageRow[]): Pipeline => ({
  id: p.id,
  name: p.name,
  isDefault: p.isDefault,
  position: p.position,
  stages: stages
    .filter((s) => s.pipelineId === p.id)
    .sort((a, b) => a.position - b.position)
    .map(toStage),
  createdAt: p.createdAt.toISOString(),
  updatedAt: p.updatedAt.toISOString(),
});

async function stagesOf(db: Db, ctx: Ctx, pipelineIds: string[]): Promise<StageRow[]> {
  if (pipelineIds.length === 0) return [];
  return db
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, ctx.workspaceId), inArray(pipelineStages.pipelineId, pipelineIds)))
    .orderBy(asc(pipelineStages.position));
}

/**
 * The workspace's default pipeline, created on first use (with the default lost reasons) so every
 * workspace, old or new, has one. The partial unique index on is_default makes concurrent first uses
 * insert exactly one.
 */
export async function ensureDefaultPipeline(ctx: Ctx): Promise<Pipeline> {
  const cached = (await cachedPipelines(ctx)).find((p) => p.isDefault);
  if (cached) return cached;
  const [existing] = await ctx.db
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.workspaceId, ctx.workspaceId), eq(pipelines.isDefault, true)));
  if (existing) return toPipeline(existing, await stagesOf(ctx.db, ctx, [existing.id]));
  await ctx.db.transaction(async (tx) => {
    const id = newId();
    const inserted = await tx
      .insert(pipelines)
      .values({ workspaceId: ctx.workspaceId, id, name: DEFAULT_PIPELINE.name, isDefault: true })
      .onConflictDoNothing()
      .returning({ id: pipelines.id });
    if (inserted.length === 0) return;
    await tx.insert(pipelineStages).values(stageRows(ctx, id, DEFAULT_PIPELINE.stages as z.input<typeof StageInput>[]));
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(lostReasons).where(eq(lostReasons.workspaceId, ctx.workspaceId));
    if (n === 0)
      await tx
        .insert(lostReasons)
        .values(DEFAULT_LOST_REASONS.map((name, position) => ({ workspaceId: ctx.workspaceId, id: newId(), name, position })))
        .onConflictDoNothing();
  });
  forgetConfig(ctx);
  return ensureDefaultPipeline(ctx);
}

function stageRows(ctx: Ctx, pipelineId: string, stages: z.input<typeof StageInput>[]) {
  return stages.map((s, position) => ({
    workspaceId: ctx.workspaceId,
    id: s.id ?? newId(),
    pipelineId,
    name: s.name,
    position,
    probability: s.probability,
    type: s.type ?? "open",
    playbook: (s.playbook ?? []).map((t) => ({ ...t, dueInDays: t.dueInDays ?? 0, priority: t.priority ?? "normal" })),
  }));
}

export async function listPipelines(ctx: Ctx): Promise<Pipeline[]> {
  assertCan(ctx.actor, "read");
  await ensureDefaultPipeline(ctx);
  const rows = await ctx.db
    .select()
    .from(pipelines)
    .where(eq(pipelines.workspaceId, ctx.workspaceId))
    .orderBy(asc(pipelines.position), asc(pipelines.createdAt));
  const stages = await stagesOf(
    ctx.db,
    ctx,
    rows.map((r) => r.id),
  );
  return rows.map((r) => toPipeline(r, stages));
}

/**
 * Every pipeline of the workspace with its stages, through the process's configuration cache: the board, each move
 * and each deal create read them, and they change rarely (migration 0014 announces the changes). Frozen: shared by
 * every request of the process.
 */
function cachedPipelines(ctx: Ctx): Promise<readonly Pipeline[]> {
  return cachedConfig(ctx, "pipelines", async () => {
    const rows = await ctx.db.select().from(pipelines).where(eq(pipelines.workspaceId, ctx.workspaceId));
    const stages = await stagesOf(
      ctx.db,
      ctx,
      rows.map((r) => r.id),
    );
    return Object.freeze(
      rows.map((r) => {
        const p = toPipeline(r, stages);
        for (const stage of p.stages) {
          for (const task of stage.playbook) Object.freeze(task);
          Object.freeze(stage.playbook);
          Object.freeze(stage);
        }
        Object.freeze(p.stages);
        return Object.freeze(p);
      }),
    );
  });
}

const stageMaps = new WeakMap<readonly Pipeline[], ReadonlyMap<string, Stage>>();

/**
 * Every stage of the workspace by id, from the configuration cache. A caller that will need stage names inside a
 * transaction reads this before opening it (a transaction's reads never use the cache, and on PGlite a read outside
 * an open transaction waits for it to end).
 */
export async function workspaceStages(ctx: Ctx): Promise<ReadonlyMap<string, Stage>> {
  const all = await cachedPipelines(ctx);
  let map = stageMaps.get(all);
  if (!map) {
    map = new Map(all.flatMap((p) => p.stages.map((s) => [s.id, s] as const)));
    stageMaps.set(all, map);
  }
  return map;
}

async function readPipeline(db: Db, ctx: Ctx, id: string): Promise<Pipeline | undefined> {
  const [row] = await db
    .select()
    .from(pipelines)
    .where(and(eq(pipelines.workspaceId, ctx.workspaceId), eq(pipelines.id, id)));
  return row ? toPipeline(row, await stagesOf(db, ctx, [id])) : undefined;
}

/**
 * A pipeline with its stages. Without `db`, from the configuration cache (one another process created a moment ago
 * may not be announced yet, so a miss reads the database); with it, from that connection or transaction, as a
 * writer needs.
 */
export async function getPipeline(ctx: Ctx, id: string, db?: Db): Promise<Pipeline> {
  assertCan(ctx.actor, "read");
  const found = (!db && (await cachedPipelines(ctx)).find((p) => p.id === id)) || (await readPipeline(db ?? ctx.db, ctx, id));
  if (!found) throw notFound("Pipeline");
  return found;
}

/**
 * The given pipeline, or without an id the workspace's default (else its first by position); null when there is none.
 * From the configuration cache, as getPipeline; reports use it.
 */
export async function pipelineOrDefault(ctx: Ctx, id?: string): Promise<Pipeline | null> {
  const all = await cachedPipelines(ctx);
  if (id) return all.find((p) => p.id === id) ?? (await readPipeline(ctx.db, ctx, id)) ?? null;
  // The default, else the first by position (then id, so the pick is stable).
  const before = (a: Pipeline, b: Pipeline) => (a.isDefault !== b.isDefault ? a.isDefault : a.position !== b.position ? a.position < b.position : a.id < b.id);
  return all.reduce<Pipeline | null>((first, p) => (!first || before(p, first) ? p : first), null);
}

/** A stage with its pipeline, or a field error naming `path`. Without `db`, from the configuration cache, as getPipeline. */
export async function findStage(ctx: Ctx, stageId: string, path = "stageId", db?: Db): Promise<Stage> {
  if (!db) {
    for (const p of await cachedPipelines(ctx)) {
      const cached = p.stages.find((s) => s.id === stageId);
      if (cached) return cached;
    }
  }
  const [row] = await (db ?? ctx.db)
    .select()
    .from(pipelineStages)
    .where(and(eq(pipelineStages.workspaceId, ctx.workspaceId), eq(pipelineStages.id, stageId)));
  if (!row) throw new AppError("validation_failed", `${path}: no such stage`, [{ path, message: "No such stage" }]);
  return toStage(row);
}

/** The first open stage of a pipeline: where new deals land unless told otherwise. */
export function firstOpenStage(p: Pipeline): Stage {
  const stage = p.stages.find((s) => s.type === "open") ?? p.stages[0];
  if (!stage) throw new AppError("conflict", `Pipeline "${p.name}" has no stages`);
  return stage;
}

function checkStages(stages: z.input<typeof StageInput>[]): void {
  const errors: FieldError[] = [];
  const names = new Set<string>();
  const ids = new Set<string>();
  stages.forEach((s, i) => {
    const key = s.name.trim().toLowerCase();
    if (names.has(key)) errors.push({ path: `stages.${i}.name`, message: "Two stages have this name" });
    names.add(key);
    if (s.id && ids.has(s.id)) errors.push({ path: `stages.${i}.id`, message: "Listed twice" });
    if (s.id) ids.add(s.id);
  });
  if (!stages.some((s) => (s.type ?? "open") === "open")) errors.push({ path: "stages", message: "Keep at least one open stage: new deals start there" });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}

export async function createPipeline(ctx: Ctx, input: z.infer<typeof CreatePipelineBody>): Promise<Pipeline> {
  assertCan(ctx.actor, "admin");
  await ensureDefaultPipeline(ctx);
  checkStages(input.stages.map((s) => ({ ...s, id: undefined })));
  const id = newId();
  await ctx.db.transaction(async (tx) => {
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(pipelines).where(eq(pipelines.workspaceId, ctx.workspaceId));
    if (input.isDefault) await tx.update(pipelines).set({ isDefault: false }).where(eq(pipelines.workspaceId, ctx.workspaceId));
    await tx.insert(pipelines).values({ workspaceId: ctx.workspaceId, id, name: input.name, isDefault: input.isDefault ?? false, position: n });
    await tx.insert(pipelineStages).values(
      stageRows(
        ctx,
        id,
        input.stages.map((s) => ({ ...s, id: undefined })),
      ),
    );
    const created = await getPipeline(ctx, id, tx);
    await recordChanges(tx, ctx, [
      { object: "pipeline", recordId: id, action: "create", changes: diff(null, created, ["name", "isDefault", "stages"]), payload: created },
    ]);
  });
  forgetConfig(ctx);
  return getPipeline(ctx, id);
}

export async function updatePipeline(ctx: Ctx, id: string, input: z.infer<typeof UpdatePipelineBody>): Promise<Pipeline> {
  assertCan(ctx.actor, "admin");
  const before = await getPipeline(ctx, id, ctx.db);
  await ctx.db.transaction(async (tx) => {
    if (input.name !== undefined || input.isDefault) {
      if (input.isDefault) await tx.update(pipelines).set({ isDefault: false }).where(eq(pipelines.workspaceId, ctx.workspaceId));
      await tx
        .update(pipelines)
        .set({ ...(input.name !== undefined ? { name: input.name } : {}), ...(input.isDefault ? { isDefault: true } : {}), updatedAt: new Date() })
        .where(and(eq(pipelines.workspaceId, ctx.workspaceId), eq(pipelines.id, id)));
    }
    if (input.stages) await replaceStages(tx, ctx, before, input.stages, input.moveDeals ?? {});
    const after = await getPipeline(ctx, id, tx);
    await recordChanges(tx, ctx, [
      { object: "pipeline", recordId: id, action: "update", changes: diff(before, after, ["name", "isDefault", "stages"]), payload: after },
    ]);
  });
  forgetConfig(ctx);
  return getPipeline(ctx, id);
}

/**
 * Applies the full ordered stage list: updates kept stages, adds new ones, deletes the rest. A deleted
 * stage that still holds deals is refused unless `moveDeals` names where its deals go.
 */
async function replaceStages(tx: Db, ctx: Ctx, before: Pipeline, stages: z.infer<typeof StageInput>[], moveDeals: Record<string, string>): Promise<void> {
  const errors: FieldError[] = [];
  stages.forEach((s, i) => {
    if (s.id && !before.stages.some((b) => b.id === s.id)) errors.push({ path: `stages.${i}.id`, message: "Not a stage of this pipeline" });
  });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
  checkStages(stages);
  const keptIds = new Set(stages.map((s) => s.id).filter((x): x is string => Boolean(x)));
  const removed = before.stages.filter((s) => !keptIds.has(s.id));
  const held = removed.length
    ? await tx
        .select({ stageId: deals.stageId, n: count() })
        .from(deals)
        .where(
          and(
            eq(deals.workspaceId, ctx.workspaceId),
            inArray(
              deals.stageId,
              removed.map((s) => s.id),
            ),
          ),
        )
        .groupBy(deals.stageId)
    : [];
  const now = new Date();
  const rows = stageRows(ctx, before.id, stages);
  // Stages are written before deals move, so a deal can move into a stage whose type this same edit changes.
  for (const row of rows) {
    await tx
      .insert(pipelineStages)
      .values(row)
      .onConflictDoUpdate({
        target: [pipelineStages.workspaceId, pipelineStages.id],
        set: { name: row.name, position: row.position, probability: row.probability, type: row.type, playbook: row.playbook },
      });
  }
  for (const { stageId, n } of held) {
    const stage = removed.find((s) => s.id === stageId) as Stage;
    const target = moveDeals[stageId];
    const targetRow = target ? rows.find((r) => r.id === target) : undefined;
    if (!target)
      throw new AppError("conflict", `Stage "${stage.name}" holds ${n} deal${n === 1 ? "" : "s"}: choose a stage to move them to`, [
        { path: `moveDeals.${stageId}`, message: `Choose where the ${n} deal${n === 1 ? "" : "s"} in "${stage.name}" move` },
      ]);
    if (!targetRow || removed.some((s) => s.id === target))
      throw new AppError("validation_failed", `moveDeals.${stageId}: choose a stage this pipeline keeps`, [
        { path: `moveDeals.${stageId}`, message: "Choose a stage this pipeline keeps" },
      ]);
    if (targetRow.type === "lost")
      throw new AppError("validation_failed", `moveDeals.${stageId}: deals cannot be moved to a lost stage without their lost reasons`, [
        { path: `moveDeals.${stageId}`, message: "Choose an open or won stage" },
      ]);
    await moveAllDeals(tx, ctx, before.id, { id: stageId, name: stage.name }, { id: target, name: targetRow.name }, targetRow.type, now);
  }
  // Stage type changes carry over to the deals already in the stage.
  for (const row of rows) {
    const old = before.stages.find((s) => s.id === row.id);
    if (old && old.type !== row.type) {
      await tx
        .update(deals)
        .set({ status: row.type, closedAt: row.type === "open" ? null : sql`coalesce(${deals.closedAt}, ${now})`, updatedAt: now })
        .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.stageId, row.id)));
    }
  }
  if (removed.length)
    await tx.delete(pipelineStages).where(
      and(
        eq(pipelineStages.workspaceId, ctx.workspaceId),
        inArray(
          pipelineStages.id,
          removed.map((s) => s.id),
        ),
      ),
    );
}

/** Set-based: a deleted stage's deals (any number) move with one UPDATE; their stage changes and history go in chunks. */
async function moveAllDeals(
  tx: Db,
  ctx: Ctx,
  pipelineId: string,
  fromStage: { id: string; name: string },
  toStage: { id: string; name: string },
  type: Stage["type"],
  now: Date,
): Promise<void> {
  const from = fromStage.id;
  const to = toStage.id;
  const moved = await tx
    .update(deals)
    .set({ stageId: to, status: type, stageEnteredAt: now, closedAt: type === "open" ? null : sql`coalesce(${deals.closedAt}, ${now})`, updatedAt: now })
    .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.stageId, from)))
    .returning({ id: deals.id });
  for (let i = 0; i < moved.length; i += 1000) {
    const chunk = moved.slice(i, i + 1000);
    await tx.insert(dealStageChanges).values(
      chunk.map((m) => ({
        workspaceId: ctx.workspaceId,
        id: newId(),
        dealId: m.id,
        pipelineId,
        fromStageId: from,
        toStageId: to,
        at: now,
        actorId: ctx.actor.userId,
      })),
    );
    await recordChanges(
      tx,
      ctx,
      chunk.map((m) => ({ object: "deal", recordId: m.id, action: "update" as const, changes: [{ field: "stage", from: fromStage.name, to: toStage.name }] })),
    );
  }
}

export async function deletePipeline(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  const p = await getPipeline(ctx, id, ctx.db);
  if (p.isDefault) throw new AppError("conflict", "This is the default pipeline: make another pipeline the default first");
  const [{ n } = { n: 0 }] = await ctx.db
    .select({ n: count() })
    .from(deals)
    .where(and(eq(deals.workspaceId, ctx.workspaceId), eq(deals.pipelineId, id)));
  if (n > 0) throw new AppError("conflict", `This pipeline holds ${n} deal${n === 1 ? "" : "s"}: move them to another pipeline first`);
  await ctx.db.transaction(async (tx) => {
    await tx.delete(pipelineStages).where(and(eq(pipelineStages.workspaceId, ctx.workspaceId), eq(pipelineStages.pipelineId, id)));
    await tx.delete(pipelines).where(and(eq(pipelines.workspaceId, ctx.workspaceId), eq(pipelines.id, id)));
    await recordChanges(tx, ctx, [{ object: "pipeline", recordId: id, action: "delete", changes: [], payload: p }]);
  });
  forgetConfig(ctx);
}

// ---- lost reasons ----

const toLostReason = (r: typeof lostReasons.$inferSelect): LostReason => ({ id: r.id, name: r.name, position: r.position });

export async function listLostReasons(ctx: Ctx): Promise<LostReason[]> {
  assertCan(ctx.actor, "read");
  await ensureDefaultPipeline(ctx);
  const rows = await ctx.db
    .select()
    .from(lostReasons)
    .where(eq(lostReasons.workspaceId, ctx.workspaceId))
    .orderBy(asc(lostReasons.position), asc(lostReasons.name));
  return rows.map(toLostReason);
}

const duplicateReason = () => new AppError("conflict", "That lost reason already exists", [{ path: "name", message: "Already in the list" }]);

async function reasonNameTaken(ctx: Ctx, name: string, exceptId?: string): Promise<boolean> {
  const rows = await ctx.db
    .select({ id: lostReasons.id })
    .from(lostReasons)
    .where(and(eq(lostReasons.workspaceId, ctx.workspaceId), sql`lower(${lostReasons.name}) = lower(${name})`));
  return rows.some((r) => r.id !== exceptId);
}

export async function createLostReason(ctx: Ctx, name: string): Promise<LostReason> {
  assertCan(ctx.actor, "admin");
  await ensureDefaultPipeline(ctx);
  if (await reasonNameTaken(ctx, name)) throw duplicateReason();
  const [{ n } = { n: 0 }] = await ctx.db.select({ n: count() }).from(lostReasons).where(eq(lostReasons.workspaceId, ctx.workspaceId));
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(lostReasons).values({ workspaceId: ctx.workspaceId, id: newId(), name, position: n }).returning();
    const reason = toLostReason(row as typeof lostReasons.$inferSelect);
    await recordChanges(tx, ctx, [{ object: "lost_reason", recordId: reason.id, action: "create", changes: [], payload: reason }]);
    return reason;
  });
}

export async function renameLostReason(ctx: Ctx, id: string, name: string): Promise<LostReason> {
  assertCan(ctx.actor, "admin");
  if (await reasonNameTaken(ctx, name, id)) throw duplicateReason();
  return ctx.db.transaction(async (tx) => {
    const [was] = await tx
      .select({ name: lostReasons.name })
      .from(lostReasons)
      .where(and(eq(lostReasons.workspaceId, ctx.workspaceId), eq(lostReasons.id, id)));
    const [row] = await tx
      .update(lostReasons)
      .set({ name })
      .where(and(eq(lostReasons.workspaceId, ctx.workspaceId), eq(lostReasons.id, id)))
      .returning();
    if (!row || !was) throw notFound("Lost reason");
    const reason = toLostReason(row);
    if (was.name !== name)
      await recordChanges(tx, ctx, [
        { object: "lost_reason", recordId: id, action: "update", changes: [{ field: "name", from: was.name, to: name }], payload: reason },
      ]);
    return reason;
  });
}

/** Deals keep the reason text they were lost with, so deleting a reason rewrites no history. */
export async function deleteLostReason(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .delete(lostReasons)
      .where(and(eq(lostReasons.workspaceId, ctx.workspaceId), eq(lostReasons.id, id)))
      .returning();
    if (!row) throw notFound("Lost reason");
    await recordChanges(tx, ctx, [{ object: "lost_reason", recordId: id, action: "delete", changes: [], payload: toLostReason(row) }]);
  });
}

export async function reorderLostReasons(ctx: Ctx, ids: string[]): Promise<LostReason[]> {
  assertCan(ctx.actor, "admin");
  const current = await listLostReasons(ctx);
  if (ids.length !== current.length || new Set(ids).size !== ids.length || !current.every((r) => ids.includes(r.id)))
    throw new AppError("validation_failed", "ids: list every lost reason exactly once", [{ path: "ids", message: "List every lost reason exactly once" }]);
  await ctx.db.transaction(async (tx) => {
    for (const [position, id] of ids.entries())
      await tx
        .update(lostReasons)
        .set({ position })
        .where(and(eq(lostReasons.workspaceId, ctx.workspaceId), eq(lostReasons.id, id)));
  });
  return listLostReasons(ctx);
}
