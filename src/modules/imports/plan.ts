/** Turning one file row into a contact or company input, or into reasons to reject it. */
import type { z } from "zod";
import { CreateCompanyBody } from "../../contract/companies.js";
import { CreateContactBody, type LeadStatus, type LifecycleStage, leadSources, leadStatuses, lifecycleStages } from "../../contract/contacts.js";
import type { CustomField } from "../../contract/custom-fields.js";
import type { ImportOptions } from "../../contract/imports.js";
import { normHeader } from "./mapping.js";
import { buildActivityRow, buildDealRow } from "./plan-records.js";
import { type DateFormat, domainOf, type NumberFormat, notADate, parseBoolean, parseDate, parseNumber } from "./values.js";

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

export interface Built {
  input?: ContactInput | CompanyInput | DealRowInput | ActivityRowInput;
  /** Which fields the row actually gives (an update touches only these). */
  given: Set<string>;
  refs: Refs;
  errors: string[];
}

export interface Plan {
  object: "contact" | "company" | "deal" | "activity";
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

let countryNames: Map<string, string> | undefined;
/** ISO 3166 alpha-2 code from a code, an English name, or a common alias. */
export function countryCode(raw: string): string | null {
  const s = raw.trim();
  if (!s) return null;
  if (!countryNames) {
    countryNames = new Map();
    const names = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = names.of(code);
        if (name && name !== code) countryNames.set(normHeader(name), code);
      }
    for (const [alias, code] of Object.entries({
      usa: "US",
      unitedstatesofamerica: "US",
      america: "US",
      uk: "GB",
      greatbritain: "GB",
      england: "GB",
      deutschland: "DE",
      holland: "NL",
      southkorea: "KR",
      russia: "RU",
      czechia: "CZ",
      uae: "AE",
    }))
      countryNames.set(alias, code);
  }
  if (/^[A-Za-z]{2}$/.test(s)) return s.toUpperCase() === "UK" ? "GB" : s.toUpperCase();
  return countryNames.get(normHeader(s)) ?? null;
}

const stageAliases: Record<string, LifecycleStage> = {
  mql: "marketing_qualified",
  marketingqualifiedlead: "marketing_qualified",
  sql: "sales_qualified",
  salesqualifiedlead: "sales_qualified",
  prospect: "lead",
};
function lifecycle(raw: string): LifecycleStage | null {
  const n = normHeader(raw);
  const hit = lifecycleStages.find((s) => normHeader(s) === n);
  return hit ?? stageAliases[n] ?? null;
}

const sourceAliases: Record<string, (typeof leadSources)[number]> = {
  web: "web_form",
  website: "web_form",
  webform: "web_form",
  onlineform: "web_form",
  partnerreferral: "referral",
  employeereferral: "referral",
  externalreferral: "referral",
  coldcall: "cold_call",
  phoneinquiry: "cold_call",
  tradeshow: "event",
  seminarpartner: "event",
  advertisement: "ad",
  ads: "ad",
  other: "other",
};
function leadSource(raw: string) {
  const n = normHeader(raw);
  return leadSources.find((s) => normHeader(s) === n) ?? sourceAliases[n] ?? null;
}

/** The label each email and phone target gives its entries. */
const listLabels: Record<string, string | undefined> = { email2: "home", email3: "other", mobilePhone: "mobile", phone2: "home", phone3: "other" };
/**
 * Lead statuses as Salesforce ("Open - Not Contacted", "Working - Contacted", "Closed - Converted") and HubSpot
 * ("ATTEMPTED_TO_CONTACT", "IN_PROGRESS", "BAD_TIMING") write them, onto Rapport's five.
 */
const statusAliases: Record<string, LeadStatus> = {
  open: "new",
  opennotcontacted: "new",
  notcontacted: "new",
  attemptedtocontact: "attempting_contact",
  attempting: "attempting_contact",
  working: "attempting_contact",
  contacting: "attempting_contact",
  workingcontacted: "connected",
  contacted: "connected",
  inprogress: "connected",
  nurturing: "connected",
  engaged: "connected",
  opendeal: "qualified",
  closedconverted: "qualified",
  converted: "qualified",
  closednotconverted: "unqualified",
  disqualified: "unqualified",
  badtiming: "unqualified",
  junk: "unqualified",
};
function leadStatus(raw: string): LeadStatus | null {
  const n = normHeader(raw);
  return leadStatuses.find((s) => normHeader(s) === n) ?? statusAliases[n] ?? null;
}

export const splitList = (v: string) =>
  v
    .split(/[;,|\n]/)
    .map((x) => x.trim())
    .filter(Boolean);

function splitName(full: string): { firstName: string; lastName: string } {
  const s = full.trim().replace(/\s+/g, " ");
  if (s.includes(",")) {
    const [last, first] = s.split(",", 2).map((x) => x.trim());
    return { firstName: first ?? "", lastName: last ?? "" };
  }
  const i = s.lastIndexOf(" ");
  return i < 0 ? { firstName: s, lastName: "" } : { firstName: s.slice(0, i), lastName: s.slice(i + 1) };
}

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

/** One row → a create input (validated by the same zod schema as the API) plus references to resolve. */
export function buildRow(plan: Plan, values: string[]): Built {
  if (plan.object === "deal") return buildDealRow(plan, values);
  if (plan.object === "activity") return buildActivityRow(plan, values);
  const errors: string[] = [];
  const refs: Refs = {};
  const given = new Set<string>();
  const o: Record<string, unknown> = {};
  const address: Record<string, string> = {};
  const emails: { email: string; label?: string; primary?: boolean }[] = [];
  const phones: { phone: string; label?: string; primary?: boolean }[] = [];
  // Where the primary email and phone come from: the mapping's primary column when the row has a value there.
  let primaryEmail = -1;
  let primaryPhone = -1;
  const custom: Record<string, unknown> = {};
  const { numberFormat } = plan.options;
  let fullName: string | undefined;
  for (const column of plan.columns) {
    const { index, header, target } = column;
    const raw = (values[index] ?? "").trim();
    if (!raw) continue;
    const fail = (msg: string) => errors.push(`${header}: ${msg}`);
    if (readCustom(plan, column, raw, custom, fail)) {
      given.add(target);
      continue;
    }
    switch (target) {
      case "externalId":
      case "ownerEmail":
      case "companyName":
      case "companyExternalId":
        refs[target] = target === "ownerEmail" ? raw.toLowerCase() : raw;
        break;
      case "companyDomain": {
        const d = domainOf(raw);
        if (d) refs.companyDomain = d;
        else fail(`"${raw}" is not a domain`);
        break;
      }
      case "fullName":
        fullName = raw;
        break;
      case "email":
      case "email2":
      case "email3":
        if (index === plan.primary.email) primaryEmail = emails.length;
        for (const e of splitList(raw)) {
          // The same address in two columns (work and other) is one email, not a row to reject as "listed twice".
          const same = emails.findIndex((x) => x.email.toLowerCase() === e.toLowerCase());
          if (same >= 0) {
            if (index === plan.primary.email && primaryEmail === emails.length) primaryEmail = same;
            continue;
          }
          emails.push({ email: e, ...(listLabels[target] ? { label: listLabels[target] } : {}) });
        }
        given.add("emails");
        break;
      case "phone":
      case "mobilePhone":
      case "phone2":
      case "phone3":
        // A company has one phone; a contact a list of them.
        if (plan.object === "company") {
          o.phone = raw;
          given.add("phone");
          break;
        }
        if (index === plan.primary.phone) primaryPhone = phones.length;
        phones.push({ phone: raw, ...(listLabels[target] ? { label: listLabels[target] } : {}) });
        given.add("phones");
        break;
      case "street":
      case "city":
      case "region":
      case "postalCode":
        address[target] = raw;
        given.add("address");
        break;
      case "country": {
        const c = countryCode(raw);
        if (c) address.country = c;
        else fail(`"${raw}" is not a country name or ISO code`);
        given.add("address");
        break;
      }
      case "tags":
        o.tags = splitList(raw);
        given.add("tags");
        break;
      case "lifecycleStage": {
        const s = lifecycle(raw);
        if (s) o.lifecycleStage = s;
        else fail(`"${raw}" is not a lifecycle stage (${lifecycleStages.join(", ")})`);
        given.add(target);
        break;
      }
      case "leadSource": {
        const s = leadSource(raw);
        if (s) o.leadSource = s;
        else fail(`"${raw}" is not a lead source (${leadSources.join(", ")})`);
        given.add(target);
        break;
      }
      case "leadStatus": {
        const s = leadStatus(raw);
        if (s) o.leadStatus = s;
        else fail(`"${raw}" is not a lead status (${leadStatuses.join(", ")})`);
        given.add(target);
        break;
      }
      case "linkedin":
        o.socialProfiles = { linkedin: /^https?:\/\//i.test(raw) ? raw : `https://${raw}` };
        given.add("socialProfiles");
        break;
      case "doNotContact":
      case "emailConsent": {
        const b = parseBoolean(raw);
        if (b === null) fail(`"${raw}" is not yes/no`);
        else o[target] = b;
        given.add(target);
        break;
      }
      case "employees": {
        const n = parseNumber(raw, numberFormat);
        if (n === null || !Number.isInteger(n)) fail(`"${raw}" is not a whole number`);
        else o.employees = n;
        given.add(target);
        break;
      }
      case "annualRevenue": {
        const n = parseNumber(raw, numberFormat);
        if (n === null) fail(`"${raw}" is not a number`);
        else o.annualRevenue = String(n);
        given.add(target);
        break;
      }
      case "domain": {
        const d = domainOf(raw);
        if (d) o.domain = d;
        else fail(`"${raw}" is not a domain or website`);
        given.add(target);
        break;
      }
      case "currency":
        o.currency = raw.toUpperCase();
        given.add(target);
        break;
      default:
        o[target] = raw;
        given.add(target);
    }
  }
  if (plan.object === "contact") {
    if (fullName && !o.firstName && !o.lastName) {
      Object.assign(o, splitName(fullName));
      given.add("firstName");
      given.add("lastName");
    }
    // Listed in file order; the primary one is flagged (else the first is), so the service keeps both the order and the choice.
    if (emails.length) o.emails = emails.map((e, i) => (i === primaryEmail ? { ...e, primary: true } : e));
    if (phones.length) o.phones = phones.map((p, i) => (i === primaryPhone ? { ...p, primary: true } : p));
    o.leadSource ??= "import";
  }
  if (Object.keys(address).length) o.address = address;
  if (Object.keys(custom).length) {
    o.custom = custom;
    given.add("custom");
  }
  if (errors.length) return { given, refs, errors };
  const schema = plan.object === "contact" ? CreateContactBody : CreateCompanyBody;
  const parsed = schema.safeParse(o);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors.push(`${issue.path.join(".") || "row"}: ${issue.message}`);
    return { given, refs, errors };
  }
  return { input: parsed.data as ContactInput | CompanyInput, given, refs, errors };
}
