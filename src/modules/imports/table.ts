import { customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { createdAt, emptyObject, recordId, updatedAt, workspaceId } from "../../db/columns.js";

/** One import job: the uploaded file, how it was read, the chosen mapping and options, and its progress. */
export const imports = pgTable(
  "imports",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<"contact" | "company" | "deal" | "activity" | "ticket">().notNull(),
    fileName: text("file_name").notNull(),
    fileSize: integer("file_size").notNull(),
    format: text("format").$type<"csv" | "xlsx">().notNull(),
    encoding: text("encoding"),
    delimiter: text("delimiter"),
    headers: jsonb("headers").$type<string[]>().notNull(),
    /** Mapping, duplicate policy, formats: what the last preview or run used. */
    options: jsonb("options").$type<Record<string, unknown>>().notNull().default(emptyObject),
    status: text("status").$type<"uploaded" | "running" | "interrupted" | "completed" | "failed" | "undone">().notNull(),
    /** Data rows (header excluded) whose outcome is committed: a resumed run starts after it. */
    lastRow: integer("last_row").notNull().default(0),
    totalRows: integer("total_rows"),
    counts: jsonb("counts").$type<{ created: number; updated: number; unchanged?: number; skipped: number; rejected: number }>().notNull(),
    error: text("error"),
    createdBy: uuid("created_by"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true, mode: "date" }),
    finishedAt: timestamp("finished_at", { withTimezone: true, mode: "date" }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), index("imports_created_idx").on(t.workspaceId, t.createdAt)],
);

/** node-postgres returns a Buffer, PGlite a Uint8Array: both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (v) => (Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength)),
});

/**
 * The uploaded file's bytes, in order, in chunks of about a megabyte. In the database rather than on a disk so that
 * a worker on another machine reads the same upload, and a crash or a reboot loses nothing (the OS temp folder is
 * cleaned on reboot). Deleted when the import completes, is undone or discarded; `imports.prune` removes abandoned ones.
 */
export const importFiles = pgTable(
  "import_files",
  {
    workspaceId: workspaceId(),
    importId: uuid("import_id").notNull(),
    chunkNo: integer("chunk_no").notNull(),
    bytes: bytea("bytes").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.importId, t.chunkNo] })],
);

/** What an import did to each record: created (undo deletes it) or updated (undo restores `previous`). */
export const importChanges = pgTable(
  "import_changes",
  {
    workspaceId: workspaceId(),
    importId: uuid("import_id").notNull(),
    /** "task" for activity rows that became tasks. */
    object: text("object").$type<"contact" | "company" | "deal" | "activity" | "task" | "ticket">().notNull(),
    recordId: uuid("record_id").notNull(),
    action: text("action").$type<"created" | "updated">().notNull(),
    rowNumber: integer("row_number").notNull(),
    previous: jsonb("previous").$type<Record<string, unknown>>(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.importId, t.object, t.recordId] })],
);

/** Rows an import rejected, with the reason and the original values: the downloadable error report. */
export const importErrors = pgTable(
  "import_errors",
  {
    workspaceId: workspaceId(),
    importId: uuid("import_id").notNull(),
    rowNumber: integer("row_number").notNull(),
    line: integer("line"),
    reason: text("reason").notNull(),
    values: jsonb("values").$type<string[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.importId, t.rowNumber] })],
);

/** External ids from source systems (Salesforce Id, HubSpot Record ID…) → our records, for matching and relations. */
export const importExternalIds = pgTable(
  "import_external_ids",
  {
    workspaceId: workspaceId(),
    object: text("object").$type<"contact" | "company" | "deal" | "activity" | "ticket">().notNull(),
    externalId: text("external_id").notNull(),
    recordId: uuid("record_id").notNull(),
    importId: uuid("import_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.object, t.externalId] }), index("import_external_ids_import_idx").on(t.workspaceId, t.importId)],
);

/** Column mappings saved by name, per workspace and object, to reuse on the next export from the same system. */
export const importMappings = pgTable(
  "import_mappings",
  {
    workspaceId: workspaceId(),
    id: recordId(),
    object: text("object").$type<"contact" | "company" | "deal" | "activity" | "ticket">().notNull(),
    name: text("name").notNull(),
    /** Columns in order, `primary` on the primary email and phone column; older rows hold a header → target object. */
    mapping: jsonb("mapping").$type<{ header: string; target: string; primary?: true }[] | Record<string, string>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.workspaceId, t.id] }), uniqueIndex("import_mappings_name_idx").on(t.workspaceId, t.object, t.name)],
);
