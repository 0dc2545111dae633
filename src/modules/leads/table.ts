import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import type { Condition } from "../../contract/conditions.js";
import type { LeadSource } from "../../contract/contacts.js";
import type { AssignmentTarget, EngagementEvent, FormField, RescoreStatus, ScoreDecay } from "../../contract/leads.js";
import { createdAt, emptyObject, emptyTextArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { contacts } from "../contacts/table.js";
import { users } from "../users/table.js";

/** A condition every contact meets: the one language's empty "all" group. */
const matchAllDefault = sql`'{"all":[]}'::jsonb`;

/** Ordered owner-assignment rules: the first enabled rule whose conditions all match wins. */
export const assignmentRules = pgTable(
  "assignment_rules",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    position: integer("position").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    conditions: jsonb("conditions").$type<Condition>().notNull().default(matchAllDefault),
    target: jsonb("target").$type<AssignmentTarget>().notNull(),
    /**
     * How many leads this rule has handed out: the round-robin cursor. Advanced by an atomic
     * UPDATE … RETURNING inside the creating transaction, so concurrent creates and restarts stay fair.
     */
    rrCursor: integer("rr_cursor").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("assignment_rules_position_idx").on(t.workspaceId, t.position)],
);

/** Per-workspace lead settings: the fallback owner and the state of the last workspace rescore. */
export const leadSettings = pgTable("lead_settings", {
  workspaceId: uuid("workspace_id").primaryKey(),
  fallbackOwnerId: uuid("fallback_owner_id"),
  rescore: jsonb("rescore").$type<RescoreStatus>(),
  updatedAt: updatedAt(),
});

export const scoringRules = pgTable(
  "scoring_rules",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    kind: text("kind").$type<"field" | "event">().notNull(),
    name: text("name").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    points: integer("points").notNull(),
    conditions: jsonb("conditions").$type<Condition>().notNull().default(matchAllDefault),
    event: text("event").$type<EngagementEvent>(),
    withinDays: integer("within_days"),
    maxPoints: integer("max_points"),
    decay: jsonb("decay").$type<ScoreDecay>().notNull().default(sql`'{"kind":"none"}'::jsonb`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("scoring_rules_created_idx").on(t.workspaceId, t.createdAt)],
);

export const leadForms = pgTable(
  "lead_forms",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    fields: jsonb("fields").$type<Required<FormField>[]>().notNull(),
    submitLabel: text("submit_label").notNull().default("Submit"),
    thankYouMessage: text("thank_you_message").notNull().default(""),
    redirectUrl: text("redirect_url"),
    ownerId: uuid("owner_id"),
    leadSource: text("lead_source").$type<LeadSource>().notNull().default("web_form"),
    tags: text("tags").array().notNull().default(emptyTextArray),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    reference("lead_forms_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("lead_forms_created_idx").on(t.workspaceId, t.createdAt),
    // The public endpoints know only the form id.
    index("lead_forms_id_idx").on(t.id),
  ],
);

/** Every post to a form, spam included (kept for counting and review, never turned into contacts). */
export const formSubmissions = pgTable(
  "form_submissions",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    formId: uuid("form_id").notNull(),
    contactId: uuid("contact_id"),
    outcome: text("outcome").$type<"created" | "updated" | "spam">().notNull(),
    data: jsonb("data").$type<Record<string, string>>().notNull().default(emptyObject),
    utm: jsonb("utm").$type<Record<string, string>>().notNull().default(emptyObject),
    referrer: text("referrer"),
    ipHash: text("ip_hash"),
    createdAt: createdAt(),
  },
  (t) => [
    reference("form_submissions_form_fk", [t.workspaceId, t.formId], [leadForms.workspaceId, leadForms.id], "cascade"),
    reference("form_submissions_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("form_submissions_form_idx").on(t.workspaceId, t.formId, t.id),
    // Engagement scoring counts a contact's submissions by age.
    index("form_submissions_contact_idx").on(t.workspaceId, t.contactId, t.createdAt),
  ],
);
