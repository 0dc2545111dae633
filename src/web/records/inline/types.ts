/** What inline editing knows about a field: how to edit it, where its value comes from and what PATCH it sends. */

export type EditableObject = "contact" | "company" | "deal";

/** Every record that can be edited in place: trashed ones never are. */
export interface EditableRecord {
  id: string;
  deletedAt: string | null;
}

export interface Option {
  value: string;
  label: string;
}

/** A row of a multi-value field (emails, phones) while it is edited. */
export interface MultiRow {
  value: string;
  label: string;
}

export interface MultiDraft {
  rows: MultiRow[];
  primary: number;
}

export interface MoneyDraft {
  amount: number | "";
  currency: string;
}

export interface CompanyDraft {
  id: string | null;
  name: string | null;
}

/** The editor a field gets, each with the draft value type it edits (see DraftOf). */
export type EditorKind =
  | { type: "text"; placeholder?: string }
  | { type: "long_text" }
  | { type: "email" }
  | { type: "phone" }
  | { type: "url" }
  | { type: "number"; decimals?: number; min?: number }
  | { type: "money"; currencyEditable: boolean }
  | { type: "date" }
  | { type: "select"; options: Option[]; clearable: boolean }
  | { type: "multi"; options: Option[] }
  | { type: "tags" }
  | { type: "boolean" }
  | { type: "user" }
  | { type: "company"; excludeId?: string }
  | { type: "emails" }
  | { type: "phones" };

export type KindType = EditorKind["type"];

export type DraftOf<K extends KindType> = K extends "text" | "long_text" | "email" | "phone" | "url" | "date"
  ? string
  : K extends "number"
    ? number | ""
    : K extends "money"
      ? MoneyDraft
      : K extends "select" | "user"
        ? string | null
        : K extends "multi" | "tags"
          ? string[]
          : K extends "boolean"
            ? boolean
            : K extends "company"
              ? CompanyDraft
              : MultiDraft;

type SpecOf<T, K extends KindType> = Extract<EditorKind, { type: K }> & {
  /** The field's name as people read it: "Job title" (buttons are named "Edit Job title"). */
  label: string;
  /** Where the field's errors are in the PATCH body's problem: "jobTitle", "custom.size", "emails". */
  path: string;
  /** The draft the editor starts from. */
  value: (row: T) => DraftOf<K>;
  /** The PATCH body for a draft. */
  body: (draft: DraftOf<K>, row: T) => Record<string, unknown>;
  /** Tidies a draft before it is compared and checked (blank email rows dropped). */
  normalize?: (draft: DraftOf<K>) => DraftOf<K>;
  /** Checks beyond the object's update schema (custom fields), keyed like the problem's paths. */
  check?: (draft: DraftOf<K>) => Record<string, string>;
  /** Why this row's value can't be changed here (e.g. a deal amount that follows its line items). */
  locked?: (row: T) => string | null;
};

/** One editable field of records of type T: its editor kind (`type` and the kind's settings) and how it reads and writes. */
export type EditSpec<T> = { [K in KindType]: SpecOf<T, K> }[KindType];

/** Kinds whose editor is bigger than the value it replaces: they open in a popover. */
export const popoverKinds: ReadonlySet<KindType> = new Set(["emails", "phones"]);

/** Kinds that save as soon as a value is picked (no typing to finish). */
export const commitOnChange: ReadonlySet<KindType> = new Set(["select", "boolean", "user", "company"]);
