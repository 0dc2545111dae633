import { z } from "zod";
import { CountryCode, Id, Timestamp } from "./common.js";

export const ImportObject = z.enum(["contact", "company", "deal", "activity", "ticket"]);
/** What an activity row becomes when its type column is empty or absent: a timeline entry, or a task ("task"). */
export const importActivityTypes = ["note", "call", "email", "meeting", "task"] as const;
export const ImportActivityType = z.enum(importActivityTypes);
export const importStatuses = ["uploaded", "running", "interrupted", "completed", "failed", "undone"] as const;
export const ImportStatus = z.enum(importStatuses);
export const MatchOn = z.enum(["email", "domain", "name", "externalId", "none"]);
export const OnDuplicate = z.enum(["skip", "update", "create"]);
export const DateFormat = z.enum(["auto", "ymd", "mdy", "dmy"]);
export const NumberFormat = z.enum(["auto", "en", "eu"]);

/**
 * Column header → target: a field ("email", "companyName"…), "custom.<key>" for an existing custom field,
 * "new_custom" to create a text custom field named after the column (the user's consent), or null to leave it out.
 */
export const ImportMapping = z.record(z.string().max(300), z.string().max(100).nullable());

/** A column's date order, when the whole-file choice (dateFormat) should not decide it. */
export const ColumnDateOrder = z.enum(["ymd", "mdy", "dmy"]);
/** Which mapped column holds the primary email and the primary phone (header names). */
export const ImportPrimary = z
  .object({
    email: z.string().max(300).optional().describe("The column whose email becomes primary (default: the first email column, in file order)"),
    phone: z.string().max(300).optional().describe("The column whose phone becomes primary (default: the first phone column, in file order)"),
  })
  .strict();
export type ImportPrimary = z.infer<typeof ImportPrimary>;

export const ImportOptions = z
  .object({
    mapping: ImportMapping,
    primary: ImportPrimary.optional().describe(
      "Contacts: which email and phone column is primary; a row without a value there uses the next one in file order",
    ),
    columnDateFormats: z
      .record(z.string().max(300), ColumnDateOrder)
      .optional()
      .describe("Column header → date order, for columns whose dates fit both orders (each column is otherwise read in the order its own values show)"),
    match: MatchOn.optional().describe("Defaults to email for contacts, domain for companies, externalId (or none) for deals and activities"),
    onDuplicate: OnDuplicate.default("skip"),
    dateFormat: DateFormat.default("auto").describe(
      "How to read slash dates such as 03/04/2025: auto decides each column from all its values and asks (preview) when they fit both orders",
    ),
    numberFormat: NumberFormat.default("auto").describe("en: 1,234.56 — eu: 1.234,56"),
    createMissingCompanies: z.boolean().default(false).describe("Create companies named in the file that do not exist (off: such rows are rejected)"),
    defaultCountry: CountryCode.optional().describe(
      "Country for phone numbers written without a country code, on rows without a country (default: the workspace's)",
    ),
    pipelineId: Id.optional().describe("Deals: the pipeline for rows without a pipeline column (default: the workspace's default pipeline)"),
    createMissingStages: z
      .boolean()
      .default(false)
      .describe("Deals: add stages the file names that the pipeline lacks, as open stages before won and lost (off: such rows are rejected)"),
    defaultLostReason: z
      .string()
      .trim()
      .min(1)
      .max(300)
      .optional()
      .describe("Deals: the lost reason for rows in a lost stage that give none (without it, such rows are rejected)"),
    activityType: ImportActivityType.default("note").describe("Activities: the type of rows whose type column is empty or unmapped"),
  })
  .strict();
export type ImportOptions = z.infer<typeof ImportOptions>;

export const ImportCounts = z.object({
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int().describe("Rows matching a record that already holds every value they give (update on duplicate)"),
  skipped: z.number().int(),
  rejected: z.number().int(),
});

export const ImportJob = z.object({
  id: Id,
  object: ImportObject,
  fileName: z.string(),
  fileSize: z.number().int(),
  format: z.enum(["csv", "xlsx"]),
  encoding: z.string().nullable(),
  delimiter: z.string().nullable(),
  headers: z.array(z.string()),
  status: ImportStatus,
  lastRow: z.number().int().describe("Rows whose outcome is committed; a resumed run continues after it"),
  totalRows: z.number().int().nullable().describe("Data rows in the file: known once a run has counted them, or when it ends"),
  counts: ImportCounts,
  companiesCreated: z.number().int(),
  error: z.string().nullable(),
  options: z.record(z.string(), z.unknown()),
  canResume: z.boolean(),
  canUndo: z.boolean(),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export type ImportJob = z.infer<typeof ImportJob>;

/** The record of the import.finished and import.failed events: what a webhook needs to report an import's outcome. */
export const ImportEventRecord = z.object({
  id: Id.describe("The import's id (GET /api/v1/imports/{id})"),
  object: ImportObject.describe("What the file's rows became"),
  fileName: z.string().describe("The uploaded file's name"),
  status: z.enum(["completed", "failed"]),
  counts: z
    .object({
      created: z.number().int(),
      updated: z.number().int(),
      unchanged: z.number().int(),
      skipped: z.number().int(),
      failed: z.number().int().describe("Rows rejected (listed with their reason in GET /api/v1/imports/{id}/errors.csv)"),
    })
    .describe("Rows by outcome"),
  rows: z.number().int().describe("Data rows whose outcome is committed"),
  error: z.string().nullable().describe("Why a failed import stopped (it can be resumed)"),
  startedBy: Id.nullable().describe("The user who started it; null from the command line without --as"),
  createdAt: Timestamp,
  finishedAt: Timestamp.nullable(),
});
export const ImportList = z.object({ data: z.array(ImportJob) });

export const ImportTarget = z.object({ value: z.string(), label: z.string() });
export const ImportAnalysis = z.object({
  import: ImportJob,
  sample: z.array(z.array(z.string())).describe("The first rows, for the mapping screen"),
  suggestion: z.object({ mapping: ImportMapping, preset: z.string().nullable() }),
  targets: z.array(ImportTarget),
  presets: z.array(z.object({ id: z.string(), label: z.string() })),
  savedMappings: z.array(z.object({ id: Id, name: z.string(), mapping: ImportMapping, primary: ImportPrimary })),
});
export const AnalysisQuery = z.object({ preset: z.string().max(40).optional() }).strict();

export const RejectedRow = z.object({ row: z.number().int(), line: z.number().int().nullable(), reason: z.string(), values: z.array(z.string()) });
export const ImportPreview = z.object({
  totalRows: z.number().int(),
  counts: z.object({
    create: z.number().int(),
    update: z.number().int(),
    unchanged: z.number().int().describe("Rows matching a record that already holds every value they give"),
    skip: z.number().int(),
    reject: z.number().int(),
  }),
  companiesToCreate: z.number().int(),
  ignoredColumns: z.array(z.string()).describe("Columns of the file the mapping leaves out: their values are not imported"),
  stagesToCreate: z.array(z.string()).describe("Deals: stages the run would add to the pipeline"),
  rejected: z.array(RejectedRow).describe("The first rejected rows, with reasons"),
  warnings: z.array(z.string()),
  dateOrder: z.enum(["none", "mdy", "dmy", "ambiguous", "conflict"]),
  dateColumns: z
    .array(
      z.object({
        header: z.string(),
        detected: z.enum(["none", "mdy", "dmy", "ambiguous", "conflict"]).describe("What the column's own values allow"),
        order: ColumnDateOrder.nullable().describe("How the run reads the column; null: the values fit both orders and nothing chose one"),
        example: z.string().nullable().describe("A value that needs the decision, such as 03/04/2025"),
      }),
    )
    .describe("Mapped date columns with slash dates, and the order each is read in"),
});
export type ImportPreview = z.infer<typeof ImportPreview>;

export const SavedMapping = z.object({
  id: Id,
  object: ImportObject,
  name: z.string(),
  mapping: ImportMapping,
  primary: ImportPrimary,
  createdAt: Timestamp,
});
export const SaveMappingBody = z
  .object({ object: ImportObject, name: z.string().trim().min(1).max(100), mapping: ImportMapping, primary: ImportPrimary.optional() })
  .strict();
export const MappingListQuery = z.object({ object: ImportObject.optional() }).strict();
export const MappingList = z.object({ data: z.array(SavedMapping) });
