import { sql } from "drizzle-orm";
import { boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Factor, ModelConfig, ModelKind, ModelMetrics, ModelObject, ModelProgress, ModelStatus } from "../../contract/insights.js";
import { createdAt, emptyObject, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * One predictive model per workspace and kind: its configuration, and once trained the fitted parameters (encoding,
 * regression weights, trees), the held-out measurements and the features it learned from.
 */
export const insightModels = pgTable(
  "insight_models",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    kind: text("kind").$type<ModelKind>().notNull(),
    object: text("object").$type<ModelObject>().notNull(),
    name: text("name").notNull(),
    config: jsonb("config").$type<ModelConfig>().notNull().default(emptyObject),
    status: text("status").$type<ModelStatus>().notNull().default("untrained"),
    problem: text("problem"),
    progress: jsonb("progress").$type<ModelProgress>(),
    /** The feature definitions the parameters were fitted on. */
    features: jsonb("features").$type<unknown[]>(),
    /** The fitted predictor (src/modules/insights/ml/model.ts `Predictor`). */
    parameters: jsonb("parameters").$type<unknown>(),
    metrics: jsonb("metrics").$type<ModelMetrics>(),
    usedForForecast: boolean("used_for_forecast").notNull().default(false),
    trainedAt: at("trained_at"),
    sizeBytes: integer("size_bytes"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("insight_models_kind_key").on(t.workspaceId, t.kind)],
);

/** The latest score of each record under each model, with its top factors. */
export const insightScores = pgTable(
  "insight_scores",
  {
    workspaceId: workspaceId(),
    modelId: uuid("model_id").notNull(),
    recordId: uuid("record_id").notNull(),
    probability: doublePrecision("probability").notNull(),
    factors: jsonb("factors").$type<Factor[]>().notNull(),
    /** Scored by a model that was measured on it (a held-out record): what the quality figures are computed from. */
    heldOut: boolean("held_out").notNull().default(false),
    scoredAt: at("scored_at").notNull().defaultNow(),
  },
  (t) => [
    reference("insight_scores_model_fk", [t.workspaceId, t.modelId], [insightModels.workspaceId, insightModels.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.modelId, t.recordId] }),
    // The "at risk" list and sorting by score: highest first within a model.
    index("insight_scores_rank_idx").on(t.workspaceId, t.modelId, sql`${t.probability} desc`, t.recordId),
    index("insight_scores_record_idx").on(t.workspaceId, t.recordId),
  ],
);
