/**
 * Insights (issue #22): predictive scores trained in the server on the workspace's own records — deal win
 * probability, customer churn risk, lead conversion — each with its measured quality and per-record factors.
 */
import { z } from "zod";
import { Id, Timestamp } from "./common.js";

export const modelKinds = ["deal_win", "churn", "lead_conversion"] as const;
export const ModelKind = z.enum(modelKinds);
export type ModelKind = z.infer<typeof ModelKind>;
export const modelKindLabels: Record<ModelKind, string> = {
  deal_win: "Deal win probability",
  churn: "Churn risk",
  lead_conversion: "Lead conversion",
};

export const ModelObject = z.enum(["deal", "contact", "company"]);
export type ModelObject = z.infer<typeof ModelObject>;

export const ModelStatus = z.enum(["untrained", "training", "ready", "failed"]);
export type ModelStatus = z.infer<typeof ModelStatus>;

export const SplitKind = z.enum(["time", "random"]);

/** Which field says a record is positive (churned, converted): a standard field name or `custom.KEY`. */
export const LabelSpec = z
  .object({
    field: z.string().trim().min(1).max(100),
    positive: z.array(z.string().trim().min(1).max(200)).min(1).max(50),
  })
  .strict();
export type LabelSpec = z.infer<typeof LabelSpec>;

export const ModelConfig = z
  .object({
    /** Custom fields (keys) and standard fields included as features beyond the kind's built-in ones. */
    fields: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    label: LabelSpec.optional(),
    /** Share of labelled records held out to measure the model (0.1–0.5). */
    holdout: z.number().min(0.1).max(0.5).default(0.2),
    split: SplitKind.optional(),
    seed: z.number().int().min(0).max(2_147_483_647).default(1),
    schedule: z.enum(["off", "daily", "weekly"]).default("weekly"),
  })
  .strict();
export type ModelConfig = z.infer<typeof ModelConfig>;

export const CreateModelBody = z
  .object({
    kind: ModelKind,
    object: ModelObject.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    config: ModelConfig.partial().default({}),
  })
  .strict();
export type CreateModelBody = z.infer<typeof CreateModelBody>;

/** A change names only what changes: no defaults here, or a PATCH of the seed would reset the chosen fields. */
export const ModelConfigPatch = z
  .object({
    fields: z.array(z.string().trim().min(1).max(100)).max(100).optional(),
    label: LabelSpec.optional(),
    holdout: z.number().min(0.1).max(0.5).optional(),
    split: SplitKind.optional(),
    seed: z.number().int().min(0).max(2_147_483_647).optional(),
    schedule: z.enum(["off", "daily", "weekly"]).optional(),
  })
  .strict();
export const UpdateModelBody = z.object({ name: z.string().trim().min(1).max(200).optional(), config: ModelConfigPatch.optional() }).strict();
export type UpdateModelBody = z.infer<typeof UpdateModelBody>;

export const CalibrationBin = z.object({ from: z.number(), to: z.number(), count: z.number(), meanPredicted: z.number(), observedRate: z.number() });
export const LiftDecile = z.object({ decile: z.number(), count: z.number(), rate: z.number(), lift: z.number() });
export const Quality = z.object({
  count: z.number(),
  positives: z.number(),
  auc: z.number().nullable(),
  brier: z.number(),
  logLoss: z.number(),
  calibration: z.array(CalibrationBin),
  lift: z.array(LiftDecile),
});
export type Quality = z.infer<typeof Quality>;

export const ModelMetrics = z.object({
  /** The model on the held-out records. */
  model: Quality,
  /** The simple baseline on the same records: stage probability, rule score, or the average rate. */
  baseline: Quality,
  baselineLabel: z.string(),
  beatsBaseline: z.boolean(),
  trainCount: z.number(),
  testCount: z.number(),
  split: SplitKind,
  /** Mean absolute contribution per feature on the held-out records (log-odds). */
  importance: z.array(z.object({ feature: z.string(), label: z.string(), weight: z.number() })),
  dropped: z.array(z.object({ key: z.string(), label: z.string(), reason: z.string() })),
  method: z.string(),
});
export type ModelMetrics = z.infer<typeof ModelMetrics>;

export const ModelProgress = z.object({ step: z.string(), done: z.number(), total: z.number() });
export type ModelProgress = z.infer<typeof ModelProgress>;

export const InsightModel = z.object({
  id: Id,
  kind: ModelKind,
  kindLabel: z.string(),
  object: ModelObject,
  name: z.string(),
  config: ModelConfig,
  status: ModelStatus,
  problem: z.string().nullable(),
  progress: ModelProgress.nullable(),
  metrics: ModelMetrics.nullable(),
  /** A model that does not beat its baseline is shown but never used for forecasting. */
  usedForForecast: z.boolean(),
  trainedAt: Timestamp.nullable(),
  sizeBytes: z.number().nullable(),
  scoredCount: z.number(),
  createdAt: Timestamp,
});
export type InsightModel = z.infer<typeof InsightModel>;
export const ModelList = z.object({ data: z.array(InsightModel) });

export const Factor = z.object({
  feature: z.string(),
  label: z.string(),
  value: z.string(),
  /** Log-odds: the factors plus the baseline add up to the score. */
  contribution: z.number(),
  /** Probability points the factor moves the score by (0.12 = +12 %). */
  effect: z.number(),
});
export type Factor = z.infer<typeof Factor>;

export const RecordScore = z.object({
  modelId: Id,
  kind: ModelKind,
  kindLabel: z.string(),
  probability: z.number(),
  factors: z.array(Factor),
  scoredAt: Timestamp,
  /** What the model replaces (stage probability, rule score), for comparison; null when there is none. */
  baseline: z.number().nullable(),
  baselineLabel: z.string(),
  usedForForecast: z.boolean(),
});
export type RecordScore = z.infer<typeof RecordScore>;
export const RecordScores = z.object({ data: z.array(RecordScore) });

export const ScoreObjectParams = z.object({ object: ModelObject, id: Id }).strict();

export const AtRiskQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50), min: z.coerce.number().min(0).max(1).default(0) }).strict();
export const AtRiskItem = z.object({ id: Id, name: z.string(), probability: z.number(), factors: z.array(Factor), ownerId: Id.nullable() });
export const AtRiskList = z.object({ modelId: Id.nullable(), object: ModelObject, data: z.array(AtRiskItem) });
export type AtRiskList = z.infer<typeof AtRiskList>;

export const TrainAccepted = z.object({ id: Id, status: ModelStatus });

/** The features a kind offers by itself (custom fields come on top). */
export const builtInFeatureLabels: Record<ModelKind, string[]> = {
  deal_win: [
    "Pipeline",
    "Stage",
    "Days in stage",
    "Deal age (days)",
    "Amount (log)",
    "Owner's win rate",
    "Team's win rate",
    "Product",
    "Source",
    "Company size",
    "Industry",
    "Activities in the last 30 days",
    "Days since last activity",
    "Contacts on the deal",
  ],
  churn: ["Lifecycle stage", "Lead source", "Days since purchase", "Purchases", "Amount bought", "Activities in 90 days", "Tickets in 90 days"],
  lead_conversion: ["Lead source", "Lead score (rules)", "Job title given", "Company size", "Industry", "Activities in 30 days", "Days since created"],
};
