import type { Contact } from "../../contract/contacts.js";
import type { CustomField } from "../../contract/custom-fields.js";
import { codeFor, conditionEnumLabels, conditionFieldLabels, type LabelMap, labelOf } from "../../contract/labels.js";
import type { RuleCondition } from "../../contract/leads.js";
import { AppError, type FieldError } from "../../core/errors.js";

/** What assignment and scoring rules look at: the contact's own fields plus its company's size and industry. */
export interface LeadFacts {
  country: string | null;
  region: string | null;
  city: string | null;
  jobTitle: string | null;
  leadSource: string | null;
  lifecycleStage: string | null;
  companySize: number | null;
  companyIndustry: string | null;
  emailDomain: string | null;
  tags: string[];
  custom: Record<string, unknown>;
}

export interface CompanyProfile {
  employees: number | null;
  industry: string | null;
}

type FactSource = Pick<Contact, "address" | "jobTitle" | "leadSource" | "lifecycleStage" | "primaryEmail" | "tags" | "custom">;

export function factsOf(c: FactSource, company: CompanyProfile | null | undefined): LeadFacts {
  return {
    country: c.address?.country ?? null,
    region: c.address?.region ?? null,
    city: c.address?.city ?? null,
    jobTitle: c.jobTitle,
    leadSource: c.leadSource,
    lifecycleStage: c.lifecycleStage,
    companySize: company?.employees ?? null,
    companyIndustry: company?.industry ?? null,
    emailDomain: c.primaryEmail?.split("@")[1] ?? null,
    tags: c.tags,
    custom: c.custom,
  };
}

const labels: Record<string, string> = {
  country: "country",
  region: "region",
  city: "city",
  jobTitle: "title",
  leadSource: "source",
  lifecycleStage: "stage",
  companySize: "company size",
  companyIndustry: "industry",
  emailDomain: "email domain",
  tags: "tags",
};

const opText: Record<string, string> = { eq: "=", neq: "≠", gt: ">", gte: "≥", lt: "<", lte: "≤" };

/** "country in DE, FR", "title contains VP", "company size > 200": what reasons and breakdowns show. */
export function describeCondition(c: RuleCondition, customLabels: Map<string, string> = new Map()): string {
  const name = c.field.startsWith("custom.") ? (customLabels.get(c.field.slice(7)) ?? c.field.slice(7)) : (labels[c.field] ?? c.field);
  const values = conditionEnumLabels[c.field];
  const show = (v: unknown) => (values && typeof v === "string" ? labelOf(values, v) : String(v));
  const list = (v: unknown) => (Array.isArray(v) ? v.map(show).join(", ") : show(v));
  switch (c.op) {
    case "in":
      return `${name} in ${list(c.value)}`;
    case "contains":
      return `${name} contains ${show(c.value)}`;
    case "between": {
      const [a, b] = Array.isArray(c.value) ? c.value : [];
      return `${name} ${a}–${b}`;
    }
    case "empty":
      return `${name} is empty`;
    case "notEmpty":
      return `${name} is set`;
    default:
      return `${name} ${opText[c.op]} ${list(c.value)}`;
  }
}

export const describeConditions = (cs: RuleCondition[], customLabels?: Map<string, string>) => cs.map((c) => describeCondition(c, customLabels)).join("; ");

function fieldValue(facts: LeadFacts, field: string): unknown {
  if (field.startsWith("custom.")) return facts.custom[field.slice(7)];
  return facts[field as keyof LeadFacts];
}

const isBlank = (v: unknown) => v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
const norm = (v: unknown) => String(v).trim().toLowerCase();
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : Number.NaN);

function equals(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual)) return actual.some((a) => equals(a, expected));
  if (typeof expected === "number" || typeof actual === "number") return num(actual) === num(expected);
  if (typeof actual === "boolean") return String(actual) === norm(expected);
  return norm(actual) === norm(expected);
}

export function matches(facts: LeadFacts, c: RuleCondition): boolean {
  const v = fieldValue(facts, c.field);
  switch (c.op) {
    case "empty":
      return isBlank(v);
    case "notEmpty":
      return !isBlank(v);
    case "eq":
      return !isBlank(v) && equals(v, c.value);
    case "neq":
      return isBlank(v) || !equals(v, c.value);
    case "in":
      return !isBlank(v) && (Array.isArray(c.value) ? c.value : [c.value]).some((x) => equals(v, x));
    case "contains":
      if (isBlank(v)) return false;
      return Array.isArray(v) ? v.some((x) => norm(x).includes(norm(c.value))) : norm(v).includes(norm(c.value));
    case "between": {
      const [lo, hi] = (c.value as (string | number)[]).map(num);
      const n = num(v);
      return !Number.isNaN(n) && n >= (lo as number) && n <= (hi as number);
    }
    default: {
      const n = num(v);
      const x = num(c.value);
      if (isBlank(v) || Number.isNaN(n)) return false;
      return c.op === "gt" ? n > x : c.op === "gte" ? n >= x : c.op === "lt" ? n < x : n <= x;
    }
  }
}

export const matchesAll = (facts: LeadFacts, cs: RuleCondition[]) => cs.every((c) => matches(facts, c));

/**
 * The values an enumerated field can hold, as code → label: the contract's lists for lead source and
 * lifecycle stage, a select custom field's options (stored as written, so each is its own label).
 */
function allowedValues(field: string, defs: CustomField[]): { name: string; labels: LabelMap } | null {
  const builtIn = conditionEnumLabels[field];
  if (builtIn) return { name: conditionFieldLabels[field] ?? field, labels: builtIn };
  const def = field.startsWith("custom.") ? defs.find((d) => d.key === field.slice(7)) : undefined;
  if (def && (def.type === "select" || def.type === "multi_select") && def.options.length)
    return { name: def.label, labels: Object.fromEntries(def.options.map((o) => [o, o])) };
  return null;
}

/**
 * A value an enumerated field never holds makes a rule that never matches: refuse it, naming the code
 * meant when a label was typed ("Web form" → web_form) and the codes there are.
 */
function unknownValue(field: { name: string; labels: LabelMap }, value: unknown): string | null {
  if (typeof value !== "string" || Object.hasOwn(field.labels, value)) return null;
  const meant = codeFor(field.labels, value);
  // Matching ignores case, so "gold" for an option "Gold" matches as it is.
  if (meant && field.labels[meant] === meant) return null;
  if (meant) return `${field.name} "${value}" is a label, not a value: use ${meant}`;
  const codes = Object.entries(field.labels)
    .map(([code, label]) => (code === label ? code : `${code} (${label})`))
    .join(", ");
  return `${field.name} has no value "${value}": use one of ${codes}`;
}

/** Checks what the schema cannot: values fit the operator and the field, and custom fields exist. */
export function validateConditions(conditions: RuleCondition[], defs: CustomField[], base = "conditions"): void {
  const errors: FieldError[] = [];
  conditions.forEach((c, i) => {
    const path = `${base}.${i}`;
    if (c.field.startsWith("custom.") && !defs.some((d) => d.key === c.field.slice(7))) {
      errors.push({ path: `${path}.field`, message: `No contact custom field "${c.field.slice(7)}"` });
    }
    const v = c.value;
    if (c.op === "empty" || c.op === "notEmpty") return;
    const enumerated = c.op === "contains" ? null : allowedValues(c.field, defs);
    if (enumerated) {
      const wrong = (Array.isArray(v) ? v : [v]).map((x) => unknownValue(enumerated, x)).find(Boolean);
      if (wrong) {
        errors.push({ path: `${path}.value`, message: wrong });
        return;
      }
    }
    if (v === undefined || v === "") errors.push({ path: `${path}.value`, message: `${c.op} needs a value` });
    else if (c.op === "between") {
      if (!Array.isArray(v) || v.length !== 2 || v.some((x) => Number.isNaN(num(x))) || num(v[0]) > num(v[1]))
        errors.push({ path: `${path}.value`, message: "between needs [min, max] numbers" });
    } else if (c.op === "in") {
      if (!Array.isArray(v) || v.length === 0) errors.push({ path: `${path}.value`, message: "in needs a list of values" });
    } else if (Array.isArray(v)) errors.push({ path: `${path}.value`, message: `${c.op} needs a single value` });
    else if (["gt", "gte", "lt", "lte"].includes(c.op) && Number.isNaN(num(v))) errors.push({ path: `${path}.value`, message: `${c.op} needs a number` });
  });
  if (errors.length) throw new AppError("validation_failed", errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors);
}
