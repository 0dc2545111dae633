import type { AnyColumn, SQL } from "drizzle-orm";

/**
 * Where a registry field's value comes from: its SQL expression on the object's table (or an alias of it, for a
 * related record) and, where the API shape differs from the registry path, how to read it from a record in memory.
 * How values compare follows from the storage kind. Each module declares its own fields' sources beside its table
 * (`condition-fields.ts`), so the conditions module never reaches into another module's table.
 */
export type StorageKind = "text" | "number" | "boolean" | "uuid" | "datetime" | "date" | "datetext" | "array" | "jsonarray";

// biome-ignore lint/suspicious/noExplicitAny: the columns of whichever table (or alias) the field is read from
export type AnyTable = any;

export interface FieldSource {
  sql: (t: AnyTable) => SQL | AnyColumn;
  kind: StorageKind;
  /** Reads the value from a record as the API returns it; the registry path when omitted. */
  js?: (record: Record<string, unknown>) => unknown;
}

export const col = (name: string, kind: StorageKind): FieldSource => ({ sql: (t) => t[name] as AnyColumn, kind });
export const stamps = { createdAt: col("createdAt", "datetime"), updatedAt: col("updatedAt", "datetime") };
