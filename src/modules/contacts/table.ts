import { type SQL, sql } from "drizzle-orm";
import { boolean, check, index, jsonb, pgTable, primaryKey, smallint, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { type LeadStatus, type LifecycleStage, leadSources, leadStatuses, type ScoreItem } from "../../contract/contacts.js";
import { createdAt, deletedAt, emptyArray, emptyObject, emptyTextArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { companies, tsvector } from "../companies/table.js";
import { users } from "../users/table.js";

export interface StoredEmail {
  email: string;
  label?: string;
  primary: boolean;
}
export interface StoredPhone {
  /** E.164 */
  phone: string;
  extension?: string;
  label?: string;
  primary: boolean;
}

export const contacts = pgTable(
  "contacts",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    firstName: text("first_name").notNull().default(""),
    lastName: text("last_name").notNull().default(""),
    emails: jsonb("emails").$type<StoredEmail[]>().notNull().default(emptyArray),
    phones: jsonb("phones").$type<StoredPhone[]>().notNull().default(emptyArray),
    /** Every email and phone as plain arrays: what exact-match lookups and duplicate checks index. */
    emailList: text("email_list").array().notNull().default(emptyTextArray),
    phoneList: text("phone_list").array().notNull().default(emptyTextArray),
    primaryEmail: text("primary_email"),
    primaryPhone: text("primary_phone"),
    jobTitle: text("job_title"),
    companyId: uuid("company_id"),
    ownerId: uuid("owner_id"),
    lifecycleStage: text("lifecycle_stage").$type<LifecycleStage>().notNull().default("lead"),
    leadSource: text("lead_source"),
    leadStatus: text("lead_status").$type<LeadStatus>(),
    /** 0–100, derived from the workspace's scoring rules; score_breakdown says why. */
    leadScore: smallint("lead_score").notNull().default(0),
    scoreBreakdown: jsonb("score_breakdown").$type<ScoreItem[]>().notNull().default(emptyArray),
    scoredAt: timestamp("scored_at", { withTimezone: true, mode: "date" }),
    /** When decaying engagement points next change the score; the periodic rescore picks these up. */
    scoreChangesAt: timestamp("score_changes_at", { withTimezone: true, mode: "date" }),
    assignmentReason: text("assignment_reason"),
    sourceDetails: jsonb("source_details").$type<Record<string, unknown>>().notNull().default(emptyObject),
    tags: text("tags").array().notNull().default(emptyTextArray),
    address: jsonb("address").$type<Record<string, string>>(),
    socialProfiles: jsonb("social_profiles").$type<Record<string, string>>().notNull().default(emptyObject),
    doNotContact: boolean("do_not_contact").notNull().default(false),
    emailConsent: boolean("email_consent").notNull().default(false),
    custom: jsonb("custom").$type<Record<string, unknown>>().notNull().default(emptyObject),
    /**
     * The newest of the contact's activities logged under another company than its current one (or none):
     * the only ones a company timeline must look for beyond its own. Null for almost every contact; kept by
     * triggers (migration 0010), never written by the application.
     */
    strayActivityAt: timestamp("stray_activity_at", { withTimezone: true, mode: "date" }),
    searchText: text("search_text").notNull().default(""),
    searchVector: tsvector("search_vector").generatedAlwaysAs((): SQL => sql`to_tsvector('simple', ${contacts.searchText})`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    reference("contacts_company_fk", [t.workspaceId, t.companyId], [companies.workspaceId, companies.id], "set null"),
    reference("contacts_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("contacts_created_idx").on(t.workspaceId, t.createdAt, t.id),
    index("contacts_last_name_idx").on(t.workspaceId, t.lastName, t.id),
    index("contacts_first_name_idx").on(t.workspaceId, t.firstName, t.id),
    index("contacts_primary_email_idx").on(t.workspaceId, t.primaryEmail),
    // With id, listing a company's contacts (the record page's timeline) is index-only: no heap read per contact.
    index("contacts_company_idx").on(t.workspaceId, t.companyId, t.id),
    index("contacts_stray_activity_idx").on(t.workspaceId, t.companyId, t.strayActivityAt).where(sql`stray_activity_at is not null`),
    // Owner and stage lists page newest first: with created_at in the key they walk the index in list order
    // and stop after a page (owner + stage at 1m took 0.5 s sorting the owner's or the stage's contacts).
    index("contacts_owner_idx").on(t.workspaceId, t.ownerId, t.createdAt, t.id),
    index("contacts_stage_idx").on(t.workspaceId, t.lifecycleStage, t.createdAt, t.id),
    index("contacts_lead_status_idx").on(t.workspaceId, t.leadStatus),
    index("contacts_lead_score_idx").on(t.workspaceId, t.leadScore, t.id),
    index("contacts_score_changes_idx").on(t.scoreChangesAt).where(sql`score_changes_at is not null`),
    check("contacts_lead_source_check", sql.raw(`lead_source is null or lead_source in (${leadSources.map((s) => `'${s}'`).join(", ")})`)),
    check("contacts_lead_status_check", sql.raw(`lead_status is null or lead_status in (${leadStatuses.map((s) => `'${s}'`).join(", ")})`)),
    index("contacts_email_list_idx").using("gin", t.emailList),
    index("contacts_phone_list_idx").using("gin", t.phoneList),
    index("contacts_tags_idx").using("gin", t.tags),
    index("contacts_custom_idx").using("gin", t.custom.op("jsonb_path_ops")),
    index("contacts_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
    index("contacts_search_vector_idx").using("gin", t.searchVector),
  ],
);
