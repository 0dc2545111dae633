import { sql } from "drizzle-orm";
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import type { Holiday, SlaMetric, WorkingBlock } from "../../contract/sla.js";
import { createdAt, emptyArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { tickets } from "../tickets/table.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/** Business hours: working blocks per weekday in one zone, and the days off. Read whole, hence jsonb. */
export const slaCalendars = pgTable(
  "sla_calendars",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    timeZone: text("time_zone").notNull(),
    blocks: jsonb("blocks").$type<WorkingBlock[]>().notNull().default(emptyArray),
    holidays: jsonb("holidays").$type<Holiday[]>().notNull().default(emptyArray),
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // At most one default per workspace, enforced by the database rather than by a read-then-write race.
    uniqueIndex("sla_calendars_default_key").on(t.workspaceId).where(sql`${t.isDefault}`),
  ],
);

/** Targets for the tickets a condition matches; the first active policy by position applies. */
export const slaPolicies = pgTable(
  "sla_policies",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    position: integer("position").notNull().default(0),
    condition: jsonb("condition").$type<Condition>().notNull().default(sql`'{"all":[]}'::jsonb`),
    firstResponseMinutes: integer("first_response_minutes"),
    nextResponseMinutes: integer("next_response_minutes"),
    resolutionMinutes: integer("resolution_minutes"),
    calendarId: uuid("calendar_id"),
    warnPercent: integer("warn_percent").notNull().default(80),
    active: boolean("active").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // A calendar in use cannot be deleted from under a policy (the service says which policies use it).
    reference("sla_policies_calendar_fk", [t.workspaceId, t.calendarId], [slaCalendars.workspaceId, slaCalendars.id], "no action"),
    index("sla_policies_position_idx").on(t.workspaceId, t.position),
  ],
);

/**
 * One clock per ticket and metric, recomputed from the ticket's facts on every relevant event. The times are what
 * the breach detector and the list's "time to breach" sort read; warned_at/breach_notified_at make each event once.
 */
export const ticketSlaClocks = pgTable(
  "ticket_sla_clocks",
  {
    workspaceId: workspaceId(),
    ticketId: uuid("ticket_id").notNull(),
    metric: text("metric").$type<SlaMetric>().notNull(),
    /** Copied from the ticket so breach events and lists name it without reading the tickets module's tables. */
    ticketNumber: integer("ticket_number"),
    policyId: uuid("policy_id").notNull(),
    startedAt: at("started_at").notNull(),
    targetMinutes: integer("target_minutes").notNull(),
    dueAt: at("due_at"),
    warnAt: at("warn_at"),
    metAt: at("met_at"),
    breachedAt: at("breached_at"),
    paused: boolean("paused").notNull().default(false),
    /** Business ms left (negative: breached by) when last computed; what a paused clock shows. */
    remainingMs: bigint("remaining_ms", { mode: "number" }).notNull(),
    elapsedMs: bigint("elapsed_ms", { mode: "number" }).notNull(),
    warnedAt: at("warned_at"),
    breachNotifiedAt: at("breach_notified_at"),
    computedAt: at("computed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.ticketId, t.metric] }),
    reference("ticket_sla_clocks_ticket_fk", [t.workspaceId, t.ticketId], [tickets.workspaceId, tickets.id], "cascade"),
    reference("ticket_sla_clocks_policy_fk", [t.workspaceId, t.policyId], [slaPolicies.workspaceId, slaPolicies.id], "cascade"),
    // The detector's only queries, across workspaces: open clocks whose warning or breach is still to be announced.
    index("ticket_sla_clocks_due_idx").on(t.dueAt).where(sql`${t.breachNotifiedAt} is null and ${t.metAt} is null and not ${t.paused}`),
    index("ticket_sla_clocks_warn_idx").on(t.warnAt).where(sql`${t.warnedAt} is null and ${t.metAt} is null and not ${t.paused}`),
    // Lists sort and filter tickets by their soonest due time.
    index("ticket_sla_clocks_ticket_due_idx").on(t.workspaceId, t.dueAt),
  ],
);
