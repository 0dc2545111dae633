import { and, eq, sql } from "drizzle-orm";
import {
  type AtRiskList,
  type CreateModelBody,
  type Factor,
  type InsightModel,
  type ModelConfig,
  type ModelKind,
  type ModelMetrics,
  type ModelObject,
  modelKindLabels,
  type Quality,
  type RecordScore,
  type UpdateModelBody,
} from "../../contract/insights.js";
import type { Ctx } from "../../core/context.js";
import { AppError, notFound } from "../../core/errors.js";
import { newId } from "../../core/ids.js";
import { assertCan } from "../../core/roles.js";
import { jsonRows, pgUuids, queryRows } from "../../db/client.js";
import { insertMany } from "../../db/insert-many.js";
import { visibleWhere } from "../../db/visibility.js";
import { getCompany } from "../companies/service.js";
import { getContact } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { getDeal } from "../deals/service.js";
import { baselineLabels, type FeatureRecord, featureDefs, featureRecords, WinHistory } from "./features.js";
import type { FeatureDef } from "./ml/encode.js";
import { measure } from "./ml/metrics.js";
import { checkTrainable, explain, FeatureProblem, importance, type Predictor, trainPredictor } from "./ml/model.js";
import { shuffledIndices } from "./ml/random.js";
import { insightModels, insightScores } from "./table.js";

type ModelRow = typeof insightModels.$inferSelect;

const defaultObject: Record<ModelKind, ModelObject> = { deal_win: "deal", churn: "contact", lead_conversion: "contact" };
const allowedObjects: Record<ModelKind, ModelObject[]> = { deal_win: ["deal"], churn: ["contact", "company"], lead_conversion: ["contact"] };
const defaultConfig = (kind: ModelKind): ModelConfig => ({
  fields: [],
  holdout: 0.2,
  seed: 1,
  schedule: "weekly",
  split: kind === "deal_win" ? "time" : "random",
});
/** Records read per query while training or scoring: bounded memory on a million records. */
const pageSize = 2000;
/** Beyond this many labelled records a seeded sample trains the model (the rest are still scored). */
const maxTraining = 200_000;
const factorsKept = 5;

const objectLabels: Record<ModelObject, string> = { deal: "Deal", contact: "Contact", company: "Company" };

async function scoredCount(ctx: Ctx, modelId: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    ctx.db,
    sql`select count(*)::int as n from insight_scores where workspace_id = ${ctx.workspaceId}::uuid and model_id = ${modelId}::uuid`,
  );
  return Number(row?.n ?? 0);
}

const toModel = (row: ModelRow, scored: number): InsightModel => ({
  id: row.id,
  kind: row.kind,
  kindLabel: modelKindLabels[row.kind],
  object: row.object,
  name: row.name,
  config: { ...defaultConfig(row.kind), ...row.config },
  status: row.status,
  problem: row.problem,
  progress: row.progress ?? null,
  metrics: row.metrics ?? null,
  usedForForecast: row.usedForForecast,
  trainedAt: row.trainedAt?.toISOString() ?? null,
  sizeBytes: row.sizeBytes,
  scoredCount: scored,
  createdAt: row.createdAt.toISOString(),
});

async function findModel(ctx: Ctx, id: string): Promise<ModelRow> {
  const [row] = await ctx.db
    .select()
    .from(insightModels)
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
  if (!row) throw notFound("Model");
  return row;
}

export async function listModels(ctx: Ctx): Promise<InsightModel[]> {
  const rows = await ctx.db.select().from(insightModels).where(eq(insightModels.workspaceId, ctx.workspaceId)).orderBy(insightModels.createdAt);
  const counts = await queryRows<{ model_id: string; n: number }>(
    ctx.db,
    sql`select model_id, count(*)::int as n from insight_scores where workspace_id = ${ctx.workspaceId}::uuid group by model_id`,
  );
  const byModel = new Map(counts.map((c) => [c.model_id, Number(c.n)]));
  return rows.map((r) => toModel(r, byModel.get(r.id) ?? 0));
}

export async function getModel(ctx: Ctx, id: string): Promise<InsightModel> {
  return toModel(await findModel(ctx, id), await scoredCount(ctx, id));
}

async function checkConfig(ctx: Ctx, kind: ModelKind, object: ModelObject, config: ModelConfig): Promise<void> {
  if (!allowedObjects[kind].includes(object))
    throw new AppError(
      "validation_failed",
      `A ${modelKindLabels[kind].toLowerCase()} model predicts for ${allowedObjects[kind].map((o) => `${objectLabels[o].toLowerCase()}s`).join(" or ")}.`,
      [{ path: "object", message: "Not available for this kind of model" }],
    );
  const custom = await listCustomFields(ctx, object);
  const known = (name: string) =>
    name.startsWith("custom.")
      ? custom.some((f) => f.key === name.slice(7))
      : featureDefs(kind, object, [name], custom).length > featureDefs(kind, object, [], custom).length;
  const unknown = config.fields.filter((f) => !known(f));
  if (unknown.length)
    throw new AppError(
      "validation_failed",
      `Unknown field${unknown.length > 1 ? "s" : ""} for ${objectLabels[object].toLowerCase()}s: ${unknown.join(", ")}.`,
      [{ path: "config.fields", message: "Pick fields of the record the model scores" }],
    );
  if (config.label) {
    const f = config.label.field;
    const ok = f.startsWith("custom.")
      ? custom.some((c) => c.key === f.slice(7))
      : featureDefs(kind, object, [f], custom).length > featureDefs(kind, object, [], custom).length;
    if (!ok)
      throw new AppError("validation_failed", `The label field ${f} is not a field of ${objectLabels[object].toLowerCase()}s.`, [
        { path: "config.label.field", message: "Unknown field" },
      ]);
  }
}

export async function createModel(ctx: Ctx, body: CreateModelBody): Promise<InsightModel> {
  assertCan(ctx.actor, "admin");
  const object = body.object ?? defaultObject[body.kind];
  const config: ModelConfig = { ...defaultConfig(body.kind), ...body.config };
  await checkConfig(ctx, body.kind, object, config);
  const [existing] = await ctx.db
    .select({ id: insightModels.id })
    .from(insightModels)
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.kind, body.kind)));
  if (existing) throw new AppError("conflict", `This workspace already has a ${modelKindLabels[body.kind].toLowerCase()} model: change that one.`);
  const [row] = await ctx.db
    .insert(insightModels)
    .values({ workspaceId: ctx.workspaceId, id: newId(), kind: body.kind, object, name: body.name ?? modelKindLabels[body.kind], config })
    .returning();
  return toModel(row as ModelRow, 0);
}

export async function updateModel(ctx: Ctx, id: string, body: UpdateModelBody): Promise<InsightModel> {
  assertCan(ctx.actor, "admin");
  const row = await findModel(ctx, id);
  const config: ModelConfig = { ...defaultConfig(row.kind), ...row.config, ...(body.config ?? {}) };
  await checkConfig(ctx, row.kind, row.object, config);
  await ctx.db
    .update(insightModels)
    .set({ name: body.name ?? row.name, config, updatedAt: new Date() })
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
  return getModel(ctx, id);
}

export async function deleteModel(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await findModel(ctx, id);
  await ctx.db.delete(insightModels).where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
}

/** Marks the model as training; the caller queues the job (in the same request, so the page shows progress at once). */
export async function markTraining(ctx: Ctx, id: string): Promise<void> {
  assertCan(ctx.actor, "admin");
  await findModel(ctx, id);
  await ctx.db
    .update(insightModels)
    .set({ status: "training", problem: null, progress: { step: "Waiting for a worker", done: 0, total: 1 } })
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
}

async function setProgress(ctx: Ctx, id: string, step: string, done: number, total: number): Promise<void> {
  await ctx.db
    .update(insightModels)
    .set({ progress: { step, done, total } })
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
}

interface ModelSpec {
  kind: ModelKind;
  object: ModelObject;
  fields: string[];
  label?: ModelConfig["label"];
}
const specOf = (row: ModelRow, config: ModelConfig): ModelSpec => ({ kind: row.kind, object: row.object, fields: config.fields, label: config.label });

/** Every record of the model's object, page by page (keyset on id). */
async function* allRecords(ctx: Ctx, spec: ModelSpec, defs: FeatureDef[], now: Date): AsyncGenerator<FeatureRecord[]> {
  let after: string | null = null;
  // The owners' and teams' closed deals, read once for all pages.
  const history = new WinHistory();
  for (;;) {
    const page = await featureRecords(ctx, spec, defs, { after, limit: pageSize }, now, { history });
    if (page.length === 0) return;
    yield page;
    after = page[page.length - 1]!.id;
    if (page.length < pageSize) return;
  }
}

const quality = (m: ReturnType<typeof measure>): Quality => ({ ...m, auc: Number.isFinite(m.auc) ? m.auc : null });

export interface TrainResult {
  status: "ready" | "failed";
  problem?: string;
  metrics?: ModelMetrics;
  scored?: number;
}

/**
 * Trains a model on the workspace's labelled records and scores every record (the training job). Held-out records
 * (the newest share when records carry an outcome time, else a seeded random share) measure the model and its
 * baseline; the stored model is the one measured. Data that cannot give an honest model fails with the reason and
 * leaves the previous model in place.
 */
export async function trainModel(ctx: Ctx, id: string, now: Date = new Date()): Promise<TrainResult> {
  const row = await findModel(ctx, id);
  const config: ModelConfig = { ...defaultConfig(row.kind), ...row.config };
  const spec = specOf(row, config);
  // Nothing is saved from a failed training: a previous model stays in use (status ready), the problem says why
  // it was not replaced.
  const fail = async (problem: string): Promise<TrainResult> => {
    await ctx.db
      .update(insightModels)
      .set({ status: row.parameters ? "ready" : "failed", problem, progress: null })
      .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
    return { status: "failed", problem };
  };
  if (row.kind === "churn" && !config.label)
    return fail("Choose the field that says a customer churned (and which of its values mean churned) before training.");
  const custom = await listCustomFields(ctx, row.object);
  const defs = featureDefs(row.kind, row.object, config.fields, custom, config.label);
  await setProgress(ctx, id, "Reading records", 0, 1);
  let labelled: FeatureRecord[] = [];
  let seen = 0;
  for await (const page of allRecords(ctx, spec, defs, now)) {
    seen += page.length;
    for (const r of page) if (r.label !== null) labelled.push(r);
    await setProgress(ctx, id, `Reading records (${seen.toLocaleString("en")})`, 0, 1);
  }
  if (labelled.length > maxTraining) {
    const keep = new Set(shuffledIndices(labelled.length, config.seed).slice(0, maxTraining));
    labelled = labelled.filter((_, i) => keep.has(i));
  }
  const split = config.split ?? (row.kind === "deal_win" ? "time" : "random");
  const timed = split === "time" && labelled.every((r) => r.time !== null);
  let ordered: FeatureRecord[];
  if (timed) ordered = [...labelled].sort((a, b) => (a.time as string).localeCompare(b.time as string) || a.id.localeCompare(b.id));
  else {
    const sorted = [...labelled].sort((a, b) => a.id.localeCompare(b.id));
    ordered = shuffledIndices(sorted.length, config.seed).map((i) => sorted[i]!);
  }
  // Random split: the first share is held out. Time split: the newest share is.
  const testCount = Math.floor(ordered.length * config.holdout);
  const test = timed ? ordered.slice(ordered.length - testCount) : ordered.slice(0, testCount);
  const train = timed ? ordered.slice(0, ordered.length - testCount) : ordered.slice(testCount);
  await setProgress(ctx, id, `Training on ${train.length.toLocaleString("en")} records`, 0, 1);
  let predictor: Predictor;
  let dropped: ModelMetrics["dropped"];
  try {
    checkTrainable(labelled.map((r) => r.label as number));
    if (test.length < 10 || new Set(test.map((r) => r.label)).size < 2)
      throw new FeatureProblem(
        `Only ${labelled.length} labelled records${labelled.length ? `, and the held-out share has ${new Set(test.map((r) => r.label)).size < 2 ? "only one outcome" : "too few records"}` : ""}: at least 50 with both outcomes are needed.`,
      );
    const trained = trainPredictor(
      defs,
      train.map((r) => r.values),
      train.map((r) => r.label as number),
      { seed: config.seed, timeOrdered: timed },
    );
    predictor = trained.predictor;
    dropped = trained.dropped;
  } catch (err) {
    if (err instanceof FeatureProblem) return fail(err.message);
    throw err;
  }
  const y = test.map((r) => r.label as number);
  const p = test.map((r) => explain(predictor, r.values, 0).probability);
  const trainRate = train.reduce((s, r) => s + (r.label as number), 0) / train.length;
  const baselineP = test.map((r) => (r.baseline === null ? trainRate : Math.min(Math.max(r.baseline, 0), 1)));
  const modelQuality = quality(measure(y, p));
  const baselineQuality = quality(measure(y, baselineP));
  const beatsBaseline = modelQuality.brier < baselineQuality.brier && (baselineQuality.auc === null || (modelQuality.auc ?? 0) >= baselineQuality.auc);
  const metrics: ModelMetrics = {
    model: modelQuality,
    baseline: baselineQuality,
    baselineLabel: baselineLabels[row.kind],
    beatsBaseline,
    trainCount: train.length,
    testCount: test.length,
    split: timed ? "time" : "random",
    importance: importance(
      predictor,
      test.slice(0, 2000).map((r) => r.values),
    ),
    dropped,
    method:
      predictor.blend === 1
        ? "Logistic regression (L2)"
        : predictor.blend === 0
          ? `Gradient-boosted trees (${predictor.chosen.rounds} trees)`
          : `Blend of logistic regression (${Math.round(predictor.blend * 100)} %) and gradient-boosted trees (${predictor.chosen.rounds} trees)`,
  };
  const parameters = { predictor, features: defs };
  const json = JSON.stringify(parameters);
  await ctx.db
    .update(insightModels)
    .set({
      // Still "training" until every record is scored: the model is ready when its scores are.
      status: "training",
      problem: null,
      features: defs,
      parameters,
      metrics,
      usedForForecast: beatsBaseline,
      trainedAt: now,
      sizeBytes: Buffer.byteLength(json),
      progress: { step: "Scoring records", done: 0, total: seen },
      updatedAt: new Date(),
    })
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
  const heldOut = new Set(test.map((r) => r.id));
  await ctx.db.delete(insightScores).where(and(eq(insightScores.workspaceId, ctx.workspaceId), eq(insightScores.modelId, id)));
  let scored = 0;
  for await (const page of allRecords(ctx, spec, defs, now)) {
    await writeScores(ctx, id, predictor, page, heldOut, now);
    scored += page.length;
    await setProgress(ctx, id, "Scoring records", scored, seen);
  }
  await ctx.db
    .update(insightModels)
    .set({ status: "ready", progress: null })
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
  return { status: "ready", metrics, scored };
}

async function writeScores(ctx: Ctx, modelId: string, predictor: Predictor, page: FeatureRecord[], heldOut: Set<string>, now: Date): Promise<void> {
  if (page.length === 0) return;
  const rows = page.map((r) => {
    const e = explain(predictor, r.values, factorsKept);
    return {
      workspaceId: ctx.workspaceId,
      modelId,
      recordId: r.id,
      probability: e.probability,
      factors: e.factors as Factor[],
      heldOut: heldOut.has(r.id),
      scoredAt: now,
    };
  });
  await insertMany(ctx.db, insightScores, rows, { onConflict: "doNothing" });
}

/**
 * Rescores the given records of every trained model of their object (the event stream's reaction to changed
 * records): new records get a score, changed ones a fresh one, deleted ones lose theirs.
 */
export async function rescoreRecords(ctx: Ctx, object: ModelObject, ids: string[], now: Date = new Date()): Promise<number> {
  if (ids.length === 0) return 0;
  const models = await ctx.db
    .select()
    .from(insightModels)
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.object, object)));
  let n = 0;
  for (const row of models) {
    if (!row.parameters) continue;
    const { predictor, features } = row.parameters as { predictor: Predictor; features: FeatureDef[] };
    const config: ModelConfig = { ...defaultConfig(row.kind), ...row.config };
    const page = await featureRecords(ctx, specOf(row, config), features, { ids }, now);
    const held = await queryRows<{ record_id: string }>(
      ctx.db,
      sql`select record_id from insight_scores where workspace_id = ${ctx.workspaceId}::uuid and model_id = ${row.id}::uuid
          and record_id = any(${pgUuids(ids)}::uuid[]) and held_out`,
    );
    await ctx.db.execute(
      sql`delete from insight_scores where workspace_id = ${ctx.workspaceId}::uuid and model_id = ${row.id}::uuid and record_id = any(${pgUuids(ids)}::uuid[])`,
    );
    await writeScores(ctx, row.id, predictor, page, new Set(held.map((h) => h.record_id)), now);
    n += page.length;
  }
  return n;
}

/** The scores of one record, for whoever may read it (404 otherwise, as the record itself). */
export async function recordScores(ctx: Ctx, object: ModelObject, id: string): Promise<RecordScore[]> {
  let baseline: number | null = null;
  if (object === "deal") {
    const deal = await getDeal(ctx, id);
    const [stage] = await queryRows<{ probability: number }>(
      ctx.db,
      sql`select probability from pipeline_stages where workspace_id = ${ctx.workspaceId}::uuid and id = ${deal.stageId}::uuid`,
    );
    baseline = deal.status === "open" && stage ? stage.probability / 100 : null;
  } else if (object === "contact") {
    const contact = await getContact(ctx, id);
    baseline = contact.leadScore / 100;
  } else await getCompany(ctx, id);
  const rows = await jsonRows<{ model_id: string; kind: ModelKind; probability: number; factors: Factor[]; scored_at: string; used: boolean }>(
    ctx.db,
    sql`select s.model_id, m.kind, s.probability, s.factors, s.scored_at, m.used_for_forecast as used
        from insight_scores s join insight_models m on m.workspace_id = s.workspace_id and m.id = s.model_id
        where s.workspace_id = ${ctx.workspaceId}::uuid and s.record_id = ${id}::uuid and m.object = ${object}
        order by m.kind`,
  );
  return rows.map((r) => ({
    modelId: r.model_id,
    kind: r.kind,
    kindLabel: modelKindLabels[r.kind],
    probability: r.probability,
    factors: r.factors,
    scoredAt: new Date(r.scored_at).toISOString(),
    baseline: r.kind === "churn" ? null : baseline,
    baselineLabel: baselineLabels[r.kind],
    usedForForecast: r.used,
  }));
}

/** Records of the model's object by score, highest first, among those the actor may see ("at risk", "likely to win"). */
export async function rankedRecords(ctx: Ctx, kind: ModelKind, options: { limit: number; min: number }): Promise<AtRiskList> {
  const [model] = await ctx.db
    .select()
    .from(insightModels)
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.kind, kind)));
  const object = model?.object ?? defaultObject[kind];
  if (!model) return { modelId: null, object, data: [] };
  const table = object === "deal" ? sql.raw("deals") : object === "contact" ? sql.raw("contacts") : sql.raw("companies");
  const name = object === "contact" ? sql.raw("trim(r.first_name || ' ' || r.last_name)") : sql.raw("r.name");
  const visible = visibleWhere(ctx, object, "read", sql.raw("r.owner_id"), sql.raw("r.id"));
  const open = object === "deal" ? sql`and r.status = 'open'` : sql``;
  const rows = await jsonRows<{ id: string; name: string; probability: number; factors: Factor[]; owner_id: string | null }>(
    ctx.db,
    sql`select r.id, ${name} as name, s.probability, s.factors, r.owner_id
        from insight_scores s join ${table} r on r.workspace_id = s.workspace_id and r.id = s.record_id
        where s.workspace_id = ${ctx.workspaceId}::uuid and s.model_id = ${model.id}::uuid and s.probability >= ${options.min}
          and r.deleted_at is null ${open} ${visible ? sql`and ${visible}` : sql``}
        order by s.probability desc, s.record_id limit ${options.limit}`,
  );
  return {
    modelId: model.id,
    object,
    data: rows.map((r) => ({ id: r.id, name: r.name, probability: r.probability, factors: r.factors, ownerId: r.owner_id })),
  };
}

/** Workspaces' models due for retraining by their schedule (the nightly job). */
export async function dueModels(db: Ctx["db"], now: Date): Promise<{ workspaceId: string; modelId: string }[]> {
  const rows = await queryRows<{ workspace_id: string; id: string }>(
    db,
    sql`select workspace_id, id from insight_models
        where status <> 'training' and coalesce(config->>'schedule', 'weekly') <> 'off'
          and (trained_at is null and status = 'ready'
            or trained_at < ${now.toISOString()}::timestamptz - case when config->>'schedule' = 'daily' then interval '23 hours' else interval '6 days 23 hours' end)`,
  );
  return rows.map((r) => ({ workspaceId: r.workspace_id, modelId: r.id }));
}

/** Leaves a training that stopped on an error: the previous model (if any) stays in use. */
export async function failTraining(ctx: Ctx, id: string, problem: string): Promise<void> {
  await ctx.db
    .update(insightModels)
    .set({ status: sql`case when parameters is null then 'failed' else 'ready' end`, problem, progress: null })
    .where(and(eq(insightModels.workspaceId, ctx.workspaceId), eq(insightModels.id, id)));
}
