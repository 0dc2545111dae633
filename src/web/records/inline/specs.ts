import { type Company, type Contact, type CustomField, type Deal, leadSources, leadStatuses, lifecycleStages } from "../../../contract/index.js";
import { validateCustom } from "../../components/CustomFieldInput.js";
import { leadStatusLabels } from "../../leads/labels.js";
import { leadSourceLabels, lifecycleLabels } from "../../lib/format.js";
import type { EditSpec, MultiDraft, Option } from "./types.js";

/**
 * The fields people edit in place on each object, and what each one sends: the same PATCH bodies the edit
 * forms send, so server validation, validation rules and history treat them alike.
 */

const options = (values: readonly string[], labels: Record<string, string>): Option[] => values.map((value) => ({ value, label: labels[value] ?? value }));

const trimmedOrNull = (v: string) => v.trim() || null;

function text<T>(label: string, key: keyof T & string, nullable = true): EditSpec<T> {
  return {
    label,
    path: key,
    type: "text",
    value: (r) => (r[key] as string | null) ?? "",
    body: (v) => ({ [key]: nullable ? trimmedOrNull(v) : v.trim() }),
  };
}

function longText<T>(label: string, key: keyof T & string): EditSpec<T> {
  return { label, path: key, type: "long_text", value: (r) => (r[key] as string | null) ?? "", body: (v) => ({ [key]: trimmedOrNull(v) }) };
}

function owner<T extends { ownerId: string | null }>(): EditSpec<T> {
  return { label: "Owner", path: "ownerId", type: "user", value: (r) => r.ownerId, body: (v) => ({ ownerId: v }) };
}

function tags<T extends { tags: string[] }>(): EditSpec<T> {
  return { label: "Tags", path: "tags", type: "tags", value: (r) => r.tags, body: (v) => ({ tags: v }) };
}

function multiValue<K extends "emails" | "phones">(kind: K): EditSpec<Contact> {
  const field = kind === "emails" ? "email" : "phone";
  const rowsOf = (c: Contact) =>
    kind === "emails"
      ? c.emails.map((e) => ({ value: e.email, label: e.label ?? "", primary: e.primary }))
      : c.phones.map((p) => ({ value: p.phone, label: p.label ?? "", primary: p.primary }));
  return {
    label: kind === "emails" ? "Emails" : "Phones",
    path: kind,
    type: kind,
    normalize: compactRows,
    value: (c): MultiDraft => {
      const rows = rowsOf(c);
      return {
        rows: rows.length ? rows.map(({ value, label }) => ({ value, label })) : [{ value: "", label: "" }],
        primary: Math.max(
          0,
          rows.findIndex((r) => r.primary),
        ),
      };
    },
    // The draft is compacted first (normalize), so the body's indexes, and the server's error paths, match the rows shown.
    body: (d) => ({
      [kind]: d.rows
        .filter((r) => r.value.trim())
        .map((r, i) => ({ [field]: r.value.trim(), ...(r.label.trim() ? { label: r.label.trim() } : {}), primary: i === d.primary })),
    }),
  };
}

/** Drops blank rows before the draft is checked, keeping the primary on the same row. */
export function compactRows(d: MultiDraft): MultiDraft {
  const keep = d.rows.map((r, i) => ({ r, i })).filter(({ r }) => r.value.trim());
  if (!keep.length) return { rows: [{ value: "", label: "" }], primary: 0 };
  const primary = Math.max(
    0,
    keep.findIndex(({ i }) => i === d.primary),
  );
  return { rows: keep.map(({ r }) => r), primary };
}

export const contactSpecs = {
  firstName: text<Contact>("First name", "firstName", false),
  lastName: text<Contact>("Last name", "lastName", false),
  jobTitle: text<Contact>("Job title", "jobTitle"),
  emails: multiValue("emails"),
  phones: multiValue("phones"),
  company: {
    label: "Company",
    path: "companyId",
    type: "company",
    value: (c) => ({ id: c.companyId, name: c.companyName }),
    body: (v) => ({ companyId: v.id }),
  } satisfies EditSpec<Contact>,
  owner: owner<Contact>(),
  lifecycleStage: {
    label: "Lifecycle stage",
    path: "lifecycleStage",
    type: "select",
    options: options(lifecycleStages, lifecycleLabels),
    clearable: false,
    value: (c) => c.lifecycleStage,
    body: (v) => ({ lifecycleStage: v }),
  } satisfies EditSpec<Contact>,
  leadSource: {
    label: "Lead source",
    path: "leadSource",
    type: "select",
    options: options(leadSources, leadSourceLabels),
    clearable: true,
    value: (c) => c.leadSource,
    body: (v) => ({ leadSource: v }),
  } satisfies EditSpec<Contact>,
  leadStatus: {
    label: "Lead status",
    path: "leadStatus",
    type: "select",
    options: options(leadStatuses, leadStatusLabels),
    clearable: true,
    value: (c) => c.leadStatus,
    body: (v) => ({ leadStatus: v }),
  } satisfies EditSpec<Contact>,
  tags: tags<Contact>(),
  doNotContact: {
    label: "Do not contact",
    path: "doNotContact",
    type: "boolean",
    value: (c) => c.doNotContact,
    body: (v) => ({ doNotContact: v }),
  } satisfies EditSpec<Contact>,
  emailConsent: {
    label: "Email consent",
    path: "emailConsent",
    type: "boolean",
    value: (c) => c.emailConsent,
    body: (v) => ({ emailConsent: v }),
  } satisfies EditSpec<Contact>,
};

export const companySpecs = {
  name: text<Company>("Name", "name", false),
  domain: text<Company>("Domain", "domain"),
  industry: text<Company>("Industry", "industry"),
  employees: {
    label: "Employees",
    path: "employees",
    type: "number",
    decimals: 0,
    min: 0,
    value: (c) => c.employees ?? "",
    body: (v) => ({ employees: v === "" ? null : v }),
  } satisfies EditSpec<Company>,
  annualRevenue: {
    label: "Annual revenue",
    path: "annualRevenue",
    type: "money",
    currencyEditable: true,
    value: (c) => ({ amount: c.annualRevenue === null ? "" : Number(c.annualRevenue), currency: c.currency }),
    body: (v) => ({ annualRevenue: v.amount === "" ? null : String(v.amount), ...(v.currency ? { currency: v.currency.trim().toUpperCase() } : {}) }),
  } satisfies EditSpec<Company>,
  phone: text<Company>("Phone", "phone"),
  owner: owner<Company>(),
  description: longText<Company>("Description", "description"),
  tags: tags<Company>(),
};

/** The parent company picker; its name comes from the page (the record only holds the id). */
export function parentSpec(self: Company, parentName: string | null): EditSpec<Company> {
  return {
    label: "Parent company",
    path: "parentId",
    type: "company",
    excludeId: self.id,
    value: (c) => ({ id: c.parentId, name: c.parentId ? parentName : null }),
    body: (v) => ({ parentId: v.id }),
  };
}

export const dealSpecs = {
  name: text<Deal>("Deal name", "name", false),
  amount: {
    label: "Amount",
    path: "amount",
    type: "money",
    currencyEditable: true,
    value: (d) => ({ amount: d.amount === null ? "" : Number(d.amount), currency: d.currency }),
    body: (v) => ({ amount: v.amount === "" ? null : String(v.amount), ...(v.currency ? { currency: v.currency } : {}) }),
    locked: (d) => (d.amountSource === "line_items" ? "The amount follows the line items: change them to change it." : null),
  } satisfies EditSpec<Deal>,
  closeDate: {
    label: "Close date",
    path: "expectedCloseDate",
    type: "date",
    value: (d) => d.expectedCloseDate ?? "",
    body: (v) => ({ expectedCloseDate: v || null }),
  } satisfies EditSpec<Deal>,
  owner: owner<Deal>(),
  company: {
    label: "Company",
    path: "companyId",
    type: "company",
    value: (d) => ({ id: d.companyId, name: d.companyName }),
    body: (v) => ({ companyId: v.id }),
  } satisfies EditSpec<Deal>,
  nextStep: longText<Deal>("Next step", "nextStep"),
  source: text<Deal>("Source", "source"),
  tags: tags<Deal>(),
};

/** Any custom field, of any type; values are what the API stores in `custom`, checked as the form checks them. */
export function customSpec<T extends { custom: Record<string, unknown> }>(f: CustomField): EditSpec<T> {
  const path = `custom.${f.key}`;
  const raw = (r: T) => r.custom[f.key];
  const str = (r: T) => {
    const v = raw(r);
    return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
  };
  const check = (v: unknown) => validateCustom([f], { [f.key]: typeof v === "string" ? v.trim() : v });
  const body = (v: unknown) => ({ custom: { [f.key]: typeof v === "string" ? v.trim() || null : Array.isArray(v) && v.length === 0 ? null : v } });
  const base = { label: f.label, path };
  switch (f.type) {
    case "long_text":
      return { ...base, type: "long_text", value: str, body, check };
    case "url":
    case "email":
    case "phone":
    case "text":
      return { ...base, type: f.type, value: str, body, check };
    case "date":
      return { ...base, type: "date", value: (r) => str(r).slice(0, 10), body, check };
    case "number":
    case "currency":
      return {
        ...base,
        type: "number",
        decimals: f.type === "currency" ? 2 : undefined,
        value: (r) => {
          const v = raw(r);
          return typeof v === "number" ? v : typeof v === "string" && v !== "" && Number.isFinite(Number(v)) ? Number(v) : "";
        },
        body: (v) => ({ custom: { [f.key]: v === "" ? null : v } }),
        check: (v) => validateCustom([f], { [f.key]: v === "" ? null : v }),
      };
    case "boolean":
      return { ...base, type: "boolean", value: (r) => raw(r) === true, body: (v) => ({ custom: { [f.key]: v } }), check };
    case "select":
      return {
        ...base,
        type: "select",
        options: f.options.map((o) => ({ value: o, label: o })),
        clearable: !f.required,
        value: (r) => (typeof raw(r) === "string" ? (raw(r) as string) : null),
        body,
        check,
      };
    case "multi_select":
      return {
        ...base,
        type: "multi",
        options: f.options.map((o) => ({ value: o, label: o })),
        value: (r) => {
          const v = raw(r);
          return Array.isArray(v) ? v.map(String) : [];
        },
        body,
        check,
      };
  }
}
