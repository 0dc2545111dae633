import { sql } from "drizzle-orm";
import { boolean, foreignKey, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { RunState, WorkflowDefinition } from "../../contract/workflows.js";
import { createdAt, emptyObject, recordId, updatedAt, workspaceId } from "../../db/columns.js";

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** A workflow: its name, whether it runs (status), and its health as the engine last judged it. */
export const workflows = pgTable(
  "workflows",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    status: text("status").$type<"draft" | "active" | "paused">().notNull().default("draft"),
    /** The team whose managers may edit it; null: admins only. */
    teamId: uuid("team_id"),
    publishedVersion: integer("published_version"),
    healthState: text("health_state").$type<"ok" | "failing" | "not_running" | "loop_limited">().notNull().default("ok"),
    healthMessage: text("health_message"),
    healthSince: ts("health_since"),
    createdBy: uuid("created_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] })],
);

/**
 * Versions of a workflow's definition. At most one draft (edited in place) and one published version; publishing
 * archives the previous one, which stays readable because runs keep the version they started on.
 */
export const workflowVersions = pgTable(
  "workflow_versions",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    workflowId: uuid("workflow_id").notNull(),
    version: integer("version").notNull(),
    state: text("state").$type<"draft" | "published" | "archived">().notNull(),
    definition: jsonb("definition").$type<WorkflowDefinition>().notNull(),
    /** Copied from the definition so the consumer finds the workflows an event can trigger by index. */
    triggerType: text("trigger_type").notNull(),
    triggerObject: text("trigger_object"),
    publishedAt: ts("published_at"),
    publishedBy: uuid("published_by"),
    /**
     * Time triggers (date reached, inactivity, schedule): the moment up to which this version has looked for records
     * to enroll; the next pass covers (this, now]. Null until its first pass, which starts at published_at.
     */
    triggerCheckedAt: ts("trigger_checked_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.workflowId], foreignColumns: [workflows.workspaceId, workflows.id] }).onDelete("cascade"),
    uniqueIndex("workflow_versions_number_key").on(t.workspaceId, t.workflowId, t.version),
    // One draft and one published version per workflow: a concurrent publish cannot leave two live.
    uniqueIndex("workflow_versions_one_draft").on(t.workspaceId, t.workflowId).where(sql`state = 'draft'`),
    uniqueIndex("workflow_versions_one_published").on(t.workspaceId, t.workflowId).where(sql`state = 'published'`),
    index("workflow_versions_live_idx").on(t.workspaceId, t.triggerType).where(sql`state = 'published'`),
  ],
);

/**
 * One run of a version on one record. `trigger_key` names what started it (the event's id, a date reached on a
 * record, a schedule tick, a manual start); unique per version, so a retried or replayed event never runs a
 * workflow twice.
 */
export const workflowRuns = pgTable(
  "workflow_runs",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    workflowId: uuid("workflow_id").notNull(),
    versionId: uuid("version_id").notNull(),
    version: integer("version").notNull(),
    state: text("state").$type<RunState>().notNull().default("running"),
    object: text("object"),
    recordId: uuid("record_id"),
    recordLabel: text("record_label"),
    triggerType: text("trigger_type").notNull(),
    triggerKey: text("trigger_key").notNull(),
    triggerEventId: uuid("trigger_event_id"),
    triggerData: jsonb("trigger_data").$type<Record<string, unknown>>().notNull().default(emptyObject),
    /** The step to run next (or running, or waiting); null once finished. */
    currentStepId: text("current_step_id"),
    /** Outputs of the steps so far, by step id: merge fields of later steps read them. */
    outputs: jsonb("outputs").$type<Record<string, unknown>>().notNull().default(emptyObject),
    waitingUntil: ts("waiting_until"),
    /** "time": resume at waiting_until; "condition": resume when the condition holds, or take the timeout branch then. */
    waitKind: text("wait_kind").$type<"time" | "condition">(),
    error: text("error"),
    /** Retried by a user since it failed (bulk retry skips those already retried). */
    retries: integer("retries").notNull().default(0),
    startedBy: uuid("started_by"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.workflowId], foreignColumns: [workflows.workspaceId, workflows.id] }).onDelete("cascade"),
    uniqueIndex("workflow_runs_trigger_key").on(t.workspaceId, t.versionId, t.triggerKey),
    index("workflow_runs_workflow_idx").on(t.workspaceId, t.workflowId, t.createdAt, t.id),
    index("workflow_runs_record_idx").on(t.workspaceId, t.recordId, t.createdAt),
    index("workflow_runs_waiting_idx").on(t.waitingUntil).where(sql`state = 'waiting'`),
    index("workflow_runs_open_idx").on(t.workspaceId, t.state).where(sql`state in ('running', 'waiting', 'failed')`),
  ],
);

/** Each step a run took: what went in, what came out, how long it took, and why it failed. */
export const workflowStepRuns = pgTable(
  "workflow_step_runs",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    runId: uuid("run_id").notNull(),
    stepId: text("step_id").notNull(),
    stepType: text("step_type").notNull(),
    stepName: text("step_name").notNull(),
    attempt: integer("attempt").notNull().default(1),
    state: text("state").$type<"running" | "waiting" | "done" | "failed" | "skipped">().notNull(),
    input: jsonb("input"),
    output: jsonb("output"),
    error: text("error"),
    summary: text("summary"),
    branch: text("branch"),
    startedAt: ts("started_at").notNull(),
    finishedAt: ts("finished_at"),
    durationMs: integer("duration_ms"),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.runId], foreignColumns: [workflowRuns.workspaceId, workflowRuns.id] }).onDelete("cascade"),
    index("workflow_step_runs_run_idx").on(t.workspaceId, t.runId, t.startedAt),
  ],
);

/**
 * Which records a workflow has enrolled, for re-enrollment rules (never / after leaving the condition) and for
 * triggers that fire on a state rather than an event (date reached, inactivity, schedule): `matching` is whether
 * the record matched the trigger when last looked at.
 */
export const workflowEnrollments = pgTable(
  "workflow_enrollments",
  {
    workspaceId: workspaceId(),
    workflowId: uuid("workflow_id").notNull(),
    recordId: uuid("record_id").notNull(),
    runs: integer("runs").notNull().default(0),
    matching: boolean("matching").notNull().default(true),
    lastEnrolledAt: ts("last_enrolled_at"),
    /** The record was last created or changed by an import: time triggers leave it out unless they enroll imports. */
    heldByImport: boolean("held_by_import").notNull().default(false),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.workflowId, t.recordId] }),
    foreignKey({ columns: [t.workspaceId, t.workflowId], foreignColumns: [workflows.workspaceId, workflows.id] }).onDelete("cascade"),
  ],
);

/** Round-robin turns of assign-owner steps, advanced by one atomic UPDATE so concurrent runs never share a turn. */
export const workflowCounters = pgTable(
  "workflow_counters",
  {
    workspaceId: workspaceId(),
    workflowId: uuid("workflow_id").notNull(),
    key: text("key").notNull(),
    value: integer("value").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.workflowId, t.key] }),
    foreignKey({ columns: [t.workspaceId, t.workflowId], foreignColumns: [workflows.workspaceId, workflows.id] }).onDelete("cascade"),
  ],
);

/** Health counters since the last check: trigger matches that produced no run, and why. */
export const workflowMisses = pgTable(
  "workflow_misses",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    workflowId: uuid("workflow_id").notNull(),
    recordId: uuid("record_id"),
    reason: text("reason").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    foreignKey({ columns: [t.workspaceId, t.workflowId], foreignColumns: [workflows.workspaceId, workflows.id] }).onDelete("cascade"),
    index("workflow_misses_idx").on(t.workspaceId, t.workflowId, t.createdAt),
  ],
);
