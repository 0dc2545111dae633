import { doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { CandidateStatus, RuleObject } from "../../contract/data-quality.js";
import { createdAt, emptyArray, emptyObject, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { users } from "../users/table.js";

/**
 * The duplicate review queue: one row per unordered pair (record_a < record_b), so a re-run of the
 * scan updates the open row instead of adding another.
 */
export const duplicateCandidates = pgTable(
  "duplicate_candidates",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<RuleObject>().notNull(),
    recordA: uuid("record_a").notNull(),
    recordB: uuid("record_b").notNull(),
    score: doublePrecision("score").notNull(),
    reasons: jsonb("reasons").$type<string[]>().notNull().default(emptyArray),
    status: text("status").$type<CandidateStatus>().notNull().default("open"),
    resolvedBy: uuid("resolved_by"),
    resolvedAt: timestamp("resolved_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("duplicate_candidates_resolved_by_fk", [t.workspaceId, t.resolvedBy], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    uniqueIndex("duplicate_candidates_pair_key").on(t.workspaceId, t.object, t.recordA, t.recordB),
    index("duplicate_candidates_queue_idx").on(t.workspaceId, t.status, t.score),
    index("duplicate_candidates_b_idx").on(t.workspaceId, t.object, t.recordB),
  ],
);

/** Every merge: who kept which record, which one went to the trash, and the values chosen. */
export const recordMerges = pgTable(
  "record_merges",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<RuleObject>().notNull(),
    survivorId: uuid("survivor_id").notNull(),
    loserId: uuid("loser_id").notNull(),
    choices: jsonb("choices").$type<Record<string, string>>().notNull().default(emptyObject),
    moved: jsonb("moved").$type<Record<string, number>>().notNull().default(emptyObject),
    actorId: uuid("actor_id"),
    at: createdAt(),
  },
  (t) => [
    reference("record_merges_actor_fk", [t.workspaceId, t.actorId], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("record_merges_loser_idx").on(t.workspaceId, t.object, t.loserId),
  ],
);
