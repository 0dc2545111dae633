/** What a file row becomes (the plan's types) and the readers plan.ts and plan-records.ts share. */
import type { z } from "zod";
import type { CreateCompanyBody } from "../../contract/companies.js";
import type { CreateContactBody } from "../../contract/contacts.js";
import type { CustomField } from "../../contract/custom-fields.js";
import type { ImportOptions } from "../../contract/imports.js";
import { type DateFormat, type NumberFormat, notADate, parseBoolean, parseDate, parseNumber } from "./values.js";

export type ContactInput = z.infer<typeof CreateContactBody>;
export type CompanyInput = z.infer<typeof CreateCompanyBody>;

export interface Refs {
  externalId?: string;
  ownerEmail?: string;
  companyName?: string;
  companyDomain?: string;
  companyExternalId?: string;
  contactEmail?: string;
  contactExternalId?: string;
  dealName?: string;
  dealExternalId?: string;
  /** Salesforce's WhatId and the like: the external id of a deal, a company or a contact. */
  relatedExternalId?: string;
  pipelineName?: string;
  stageName?: string;
  /** 0–100, for stages the import adds. */
  probability?: number;
}

/** A deal row, checked: what importDeals needs once stage, owner, company and contact are resolved. */
export interface DealRowInput {
  name: string;
  amount: string | null;
  currency: string | null;
  expectedCloseDate: string | null;
  nextStep: string | null;
  lostReason: string | null;
  source: string | null;
  tags: string[];
  custom?: Record<string, unknown>;
  createdAt?: Date;
  ownerId?: string;
}

/** An activity row, checked: a timeline entry or (type "task") a task, once its relations are resolved. */
export interface ActivityRowInput {
  type: "note" | "call" | "email" | "meeting" | "task";
  subject: string | null;
  body: string | null;
  /** When it happened, or a task's due time. */
  at: Date | null;
  createdAt: Date | null;
  status: "open" | "done" | "cancelled" | null;
  priority: "low" | "normal" | "high" | "urgent" | null;
  details: Record<string, unknown>;
  ownerId?: string;
}

/** A ticket row, checked: its status still as written (the run resolves it against the workspace's statuses). */
export interface TicketRowInput {
  subject: string;
  body: string | null;
  status: string | null;
  priority: "low" | "normal" | "high" | "urgent";
  type: string | null;
  channel: "email" | "web" | "portal" | "phone" | "chat" | "social" | "api" | "import";
  contactName: string | null;
  tags: string[];
  satisfaction: number | null;
  createdAt: Date | null;
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  /** Durations after opening, when the file gives them instead of moments. */
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
  ownerId?: string;
}

export interface Built {
  input?: ContactInput | CompanyInput | DealRowInput | ActivityRowInput | TicketRowInput;
  /** Which fields the row actually gives (an update touches only these). */
  given: Set<string>;
  refs: Refs;
  errors: string[];
}

export interface Plan {
  object: "contact" | "company" | "deal" | "activity" | "ticket";
  /** column index → target, in file order (emails and phones keep it; the first one is primary unless `primary` says) */
  columns: { index: number; header: string; target: string }[];
  options: ImportOptions & { match: NonNullable<ImportOptions["match"]> };
  defs: Map<string, CustomField>;
  /** Column index → the order its slash dates are read in, decided once for the whole column. */
  dates: Map<number, Exclude<DateFormat, "auto">>;
  /** Column indexes of the primary email and phone, when the mapping names them. */
  primary: { email?: number; phone?: number };
}

/** How a column's dates are read: its own decided order, else the import's date format. */
export const dateFormatAt = (plan: Plan, index: number): DateFormat => plan.dates.get(index) ?? plan.options.dateFormat;

export const splitList = (v: string) =>
  v
    .split(/[;,|\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

function customValue(def: CustomField, raw: string, dateFormat: DateFormat, numberFormat: NumberFormat): { value?: unknown; error?: string } {
  switch (def.type) {
    case "number":
    case "currency": {
      const n = parseNumber(raw, numberFormat);
      return n === null ? { error: `"${raw}" is not a number` } : { value: n };
    }
    case "date": {
      const d = parseDate(raw, dateFormat);
      return d === null ? { error: notADate(raw, dateFormat) } : { value: d };
    }
    case "boolean": {
      const b = parseBoolean(raw);
      return b === null ? { error: `"${raw}" is not yes/no` } : { value: b };
    }
    case "multi_select":
      return { value: splitList(raw) };
    default:
      return { value: raw };
  }
}

/** A custom-field column's value into `custom`; true when the target was a custom field (known or not). */
export function readCustom(
  plan: Plan,
  column: { index: number; target: string },
  raw: string,
  custom: Record<string, unknown>,
  fail: (m: string) => void,
): boolean {
  const { target } = column;
  if (!target.startsWith("custom.")) return false;
  const def = plan.defs.get(target.slice(7));
  if (!def) return true;
  const r = customValue(def, raw, dateFormatAt(plan, column.index), plan.options.numberFormat);
  if (r.error) fail(r.error);
  else custom[def.key] = r.value;
  return true;
}
