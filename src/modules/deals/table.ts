import { type SQL, sql } from "drizzle-orm";
import {
  boolean,
  date,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { AmountSource, DealStatus, StageType, TaskTemplate } from "../../contract/deals.js";
import { createdAt, deletedAt, emptyArray, emptyObject, emptyTextArray, recordId, reference, updatedAt, workspaceId } from "../../db/columns.js";
import { companies, tsvector } from "../companies/table.js";
import { contacts } from "../contacts/table.js";
import { priceLists, products } from "../products/table.js";
import { users } from "../users/table.js";

export const pipelines = pgTable(
  "pipelines",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    isDefault: boolean("is_default").notNull().default(false),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // At most one default per workspace; also what makes lazy creation of the default race-free.
    uniqueIndex("pipelines_default_key").on(t.workspaceId).where(sql`${t.isDefault}`),
  ],
);

export const pipelineStages = pgTable(
  "pipeline_stages",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    pipelineId: uuid("pipeline_id").notNull(),
    name: text("name").notNull(),
    position: integer("position").notNull(),
    /** Win probability 0–100, for weighted pipeline and forecasts. */
    probability: integer("probability").notNull(),
    type: text("type").$type<StageType>().notNull().default("open"),
    /** Task templates created on a deal when it enters the stage. */
    playbook: jsonb("playbook").$type<TaskTemplate[]>().notNull().default(emptyArray),
    createdAt: createdAt(),
  },
  (t) => [
    reference("pipeline_stages_pipeline_fk", [t.workspaceId, t.pipelineId], [pipelines.workspaceId, pipelines.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("pipeline_stages_pipeline_idx").on(t.workspaceId, t.pipelineId, t.position),
  ],
);

export const lostReasons = pgTable(
  "lost_reasons",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("lost_reasons_name_key").on(t.workspaceId, sql`lower(${t.name})`)],
);

export const deals = pgTable(
  "deals",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    name: text("name").notNull(),
    pipelineId: uuid("pipeline_id").notNull(),
    stageId: uuid("stage_id").notNull(),
    /** Mirrors the stage's type so won/lost queries (purchases, forecasts) need no join. */
    status: text("status").$type<DealStatus>().notNull().default("open"),
    amount: numeric("amount", { precision: 18, scale: 2 }),
    currency: text("currency").notNull(),
    amountSource: text("amount_source").$type<AmountSource>().notNull().default("manual"),
    priceListId: uuid("price_list_id"),
    expectedCloseDate: date("expected_close_date", { mode: "string" }),
    ownerId: uuid("owner_id"),
    companyId: uuid("company_id"),
    nextStep: text("next_step"),
    lostReason: text("lost_reason"),
    source: text("source"),
    tags: text("tags").array().notNull().default(emptyTextArray),
    custom: jsonb("custom").$type<Record<string, unknown>>().notNull().default(emptyObject),
    stageEnteredAt: timestamp("stage_entered_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    closedAt: timestamp("closed_at", { withTimezone: true, mode: "date" }),
    searchText: text("search_text").notNull().default(""),
    searchVector: tsvector("search_vector").generatedAlwaysAs((): SQL => sql`to_tsvector('simple', ${deals.searchText})`),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: deletedAt(),
  },
  (t) => [
    reference("deals_pipeline_fk", [t.workspaceId, t.pipelineId], [pipelines.workspaceId, pipelines.id], "no action"),
    reference("deals_stage_fk", [t.workspaceId, t.stageId], [pipelineStages.workspaceId, pipelineStages.id], "no action"),
    reference("deals_price_list_fk", [t.workspaceId, t.priceListId], [priceLists.workspaceId, priceLists.id], "no action"),
    reference("deals_owner_fk", [t.workspaceId, t.ownerId], [users.workspaceId, users.id], "set null"),
    reference("deals_company_fk", [t.workspaceId, t.companyId], [companies.workspaceId, companies.id], "set null"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    // The board: one column = one stage, newest cards first, keyset on (created_at, id).
    index("deals_stage_idx").on(t.workspaceId, t.stageId, t.createdAt, t.id),
    index("deals_pipeline_idx").on(t.workspaceId, t.pipelineId, t.createdAt, t.id),
    index("deals_created_idx").on(t.workspaceId, t.createdAt, t.id),
    index("deals_owner_idx").on(t.workspaceId, t.ownerId),
    index("deals_company_idx").on(t.workspaceId, t.companyId, t.status),
    index("deals_close_date_idx").on(t.workspaceId, t.expectedCloseDate, t.id),
    // The stalled-deal workflow trigger (inactivity by stage change) reads the deals that entered a stage in a window.
    index("deals_stage_entered_idx").on(t.workspaceId, t.stageEnteredAt),
    index("deals_amount_idx").on(t.workspaceId, t.amount, t.id),
    index("deals_closed_idx").on(t.workspaceId, t.status, t.closedAt),
    index("deals_name_idx").on(t.workspaceId, t.name, t.id),
    // Covering indexes for the reports (bench/results/NOTES.md has the plans): every column the query reads is in
    // the index, so at a million deals they are index-only scans instead of random heap reads. Drizzle has no
    // INCLUDE, so the carried columns trail the key.
    // The board's column totals and the pipeline report's open deals: one pipeline, by status, stage and currency.
    index("deals_pipeline_totals_idx").on(t.workspaceId, t.pipelineId, t.status, t.stageId, t.currency, t.amount).where(sql`deleted_at is null`),
    // Won/lost deals closed in a period (the pipeline report's closed deals).
    index("deals_closed_cover_idx")
      .on(t.workspaceId, t.status, t.closedAt, t.pipelineId, t.stageId, t.ownerId, t.currency, t.amount)
      .where(sql`deleted_at is null`),
    index("deals_search_trgm_idx").using("gin", t.searchText.op("gin_trgm_ops")),
    index("deals_search_vector_idx").using("gin", t.searchVector),
  ],
);

export const dealContacts = pgTable(
  "deal_contacts",
  {
    workspaceId: workspaceId(),
    dealId: uuid("deal_id").notNull(),
    contactId: uuid("contact_id").notNull(),
    role: text("role").notNull().default("other"),
    createdAt: createdAt(),
  },
  (t) => [
    reference("deal_contacts_deal_fk", [t.workspaceId, t.dealId], [deals.workspaceId, deals.id], "cascade"),
    reference("deal_contacts_contact_fk", [t.workspaceId, t.contactId], [contacts.workspaceId, contacts.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.dealId, t.contactId] }),
    index("deal_contacts_contact_idx").on(t.workspaceId, t.contactId),
  ],
);

export const dealStageChanges = pgTable(
  "deal_stage_changes",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    dealId: uuid("deal_id").notNull(),
    pipelineId: uuid("pipeline_id").notNull(),
    /** Null for the deal's first stage (creation). */
    fromStageId: uuid("from_stage_id"),
    toStageId: uuid("to_stage_id").notNull(),
    at: timestamp("at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
    actorId: uuid("actor_id"),
    /**
     * When the deal left to_stage and where it went: the deal's next change. Kept by the trigger in migration
     * 0004 (any writer of changes gets it right), so the pipeline report's stage flow reads one row per change
     * instead of a window over every later change of the pipeline.
     */
    leftAt: timestamp("left_at", { withTimezone: true, mode: "date" }),
    nextStageId: uuid("next_stage_id"),
  },
  (t) => [
    reference("deal_stage_changes_deal_fk", [t.workspaceId, t.dealId], [deals.workspaceId, deals.id], "cascade"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("deal_stage_changes_deal_idx").on(t.workspaceId, t.dealId, t.at),
    index("deal_stage_changes_stage_idx").on(t.workspaceId, t.pipelineId, t.toStageId, t.at),
    // The pipeline report's stage flow: a pipeline's changes within a period, index-only with what it counts.
    index("deal_stage_changes_flow_idx").on(t.workspaceId, t.pipelineId, t.at, t.toStageId, t.dealId, t.nextStageId, t.leftAt),
  ],
);

/**
 * Count and amount of the live (not trashed) deals per stage and currency: what the unfiltered board shows on
 * each column. Derived data, kept exact by the statement triggers on deals in migration 0004, so every writer
 * (service, import, merge, stage deletion, SQL by hand) keeps it right; the board reads a dozen rows instead
 * of aggregating every deal of the pipeline (750k index entries at 1m).
 */
export const dealStageTotals = pgTable(
  "deal_stage_totals",
  {
    workspaceId: workspaceId(),
    stageId: uuid("stage_id").notNull(),
    currency: text("currency").notNull(),
    pipelineId: uuid("pipeline_id").notNull(),
    dealCount: integer("deal_count").notNull().default(0),
    amount: numeric("amount", { precision: 20, scale: 2 }).notNull().default("0"),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.stageId, t.currency] })],
);

/**
 * The stage-change log rolled up per UTC day, stage and next stage (null: the deal is still there): entries, how
 * many left and the seconds they spent. Kept by the triggers on deal_stage_changes in migration 0004, so the
 * pipeline report's stage flow over a quarter sums a few thousand rows instead of every change in it (164k per
 * quarter at 1m). Conversion is read from the (stage, next stage) pairs against the stages' current order.
 */
export const dealStageFlow = pgTable(
  "deal_stage_flow",
  {
    workspaceId: workspaceId(),
    pipelineId: uuid("pipeline_id").notNull(),
    day: date("day", { mode: "string" }).notNull(),
    toStageId: uuid("to_stage_id").notNull(),
    nextStageId: uuid("next_stage_id"),
    entries: integer("entries").notNull().default(0),
    leftCount: integer("left_count").notNull().default(0),
    secondsInStage: doublePrecision("seconds_in_stage").notNull().default(0),
  },
  (t) => [unique("deal_stage_flow_key").on(t.workspaceId, t.pipelineId, t.day, t.toStageId, t.nextStageId).nullsNotDistinct()],
);

/**
 * Deals a forecast counts, rolled up per month: won deals by the UTC month they closed in, open deals by the
 * month they are expected to close in, per pipeline, stage, owner and currency. Kept by the triggers on deals in
 * migration 0011, so a quarter's forecast sums a few thousand rows instead of every deal in it (about 60,000 at
 * 1m). Periods are whole months, so every period is a range of these rows; weighted and commit figures join
 * the stage's current probability at read time.
 */
export const dealForecastMonths = pgTable(
  "deal_forecast_months",
  {
    workspaceId: workspaceId(),
    month: date("month", { mode: "string" }).notNull(),
    status: text("status").$type<"open" | "won">().notNull(),
    pipelineId: uuid("pipeline_id").notNull(),
    stageId: uuid("stage_id").notNull(),
    ownerId: uuid("owner_id"),
    currency: text("currency").notNull(),
    dealCount: integer("deal_count").notNull().default(0),
    amount: numeric("amount", { precision: 20, scale: 2 }).notNull().default("0"),
  },
  (t) => [unique("deal_forecast_months_key").on(t.workspaceId, t.month, t.status, t.pipelineId, t.stageId, t.ownerId, t.currency).nullsNotDistinct()],
);

export const dealLineItems = pgTable(
  "deal_line_items",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    dealId: uuid("deal_id").notNull(),
    productId: uuid("product_id"),
    name: text("name").notNull(),
    quantity: numeric("quantity", { precision: 18, scale: 4 }).notNull(),
    unitPrice: numeric("unit_price", { precision: 18, scale: 2 }).notNull(),
    discountPercent: numeric("discount_percent", { precision: 5, scale: 2 }).notNull().default("0"),
    /** quantity × unit price × (1 − discount), rounded to cents; stored so sums are set-based. */
    total: numeric("total", { precision: 18, scale: 2 }).notNull(),
    position: integer("position").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    reference("deal_line_items_deal_fk", [t.workspaceId, t.dealId], [deals.workspaceId, deals.id], "cascade"),
    reference("deal_line_items_product_fk", [t.workspaceId, t.productId], [products.workspaceId, products.id], "no action"),
    primaryKey({ columns: [t.workspaceId, t.id] }),
    index("deal_line_items_deal_idx").on(t.workspaceId, t.dealId, t.position),
    index("deal_line_items_product_idx").on(t.workspaceId, t.productId),
  ],
);
