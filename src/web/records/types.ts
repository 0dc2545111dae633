import type { ReactNode } from "react";
import type { Condition } from "../../contract/conditions.js";
import type { CustomField, User } from "../../contract/index.js";
import type { EditableObject, EditSpec } from "./inline/types.js";

/** How a field is filtered and which input edits its value. */
export type FieldKind = "text" | "number" | "date" | "boolean" | "enum" | "user" | "tags" | "multi";

export interface FieldDef {
  /** Name the API filters on: a record field ("jobTitle") or "custom.<key>". */
  id: string;
  label: string;
  kind: FieldKind;
  options?: { value: string; label: string }[];
  /** Built-in timestamp (createdAt): date conditions are widened to whole local days. */
  timestamp?: boolean;
}

export interface RenderCtx {
  users: Map<string, User>;
  customFields: CustomField[];
  /** Set when the list's cells may be edited in place (not in the trash): the object they PATCH. */
  editObject?: EditableObject;
}

export interface ColumnDef<T> {
  id: string;
  label: string;
  width: number;
  /** Value for `?sort=`; absent when the column can't be sorted. */
  sortKey?: string;
  align?: "left" | "right";
  /** Columns that can't be hidden (the record's name). */
  fixed?: boolean;
  render: (row: T, ctx: RenderCtx) => ReactNode;
  /** How the cell edits in place; absent for read-only columns. */
  edit?: EditSpec<T>;
}

export interface ListState {
  q: string;
  sort: string;
  /** All must match: leaves and groups of the condition language. */
  filters: Condition[];
  /** Visible column ids in order; empty = the object's defaults. */
  columns: string[];
  viewId: string | null;
}
