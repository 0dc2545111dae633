/** Turning one file row into a contact or company input, or into reasons to reject it. */
import { CreateCompanyBody } from "../../contract/companies.js";
import { CreateContactBody, type LeadStatus, type LifecycleStage, leadSources, leadStatuses, lifecycleStages } from "../../contract/contacts.js";
import { normHeader } from "./mapping.js";
import { type Built, type CompanyInput, type ContactInput, type Plan, type Refs, readCustom, splitList } from "./plan-base.js";
import { buildActivityRow, buildDealRow, buildTicketRow } from "./plan-records.js";
import { domainOf, parseBoolean, parseNumber } from "./values.js";

export type { ActivityRowInput, Built, CompanyInput, ContactInput, DealRowInput, Plan, Refs } from "./plan-base.js";
export { dateFormatAt, readCustom, splitList } from "./plan-base.js";

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

function splitName(full: string): { firstName: string; lastName: string } {
  const s = full.trim().replace(/\s+/g, " ");
  if (s.includes(",")) {
    const [last, first] = s.split(",", 2).map((x) => x.trim());
    return { firstName: first ?? "", lastName: last ?? "" };
  }
  const i = s.lastIndexOf(" ");
  return i < 0 ? { firstName: s, lastName: "" } : { firstName: s.slice(0, i), lastName: s.slice(i + 1) };
}

/** One row → a create input (validated by the same zod schema as the API) plus references to resolve. */
export function buildRow(plan: Plan, values: string[]): Built {
  if (plan.object === "deal") return buildDealRow(plan, values);
  if (plan.object === "activity") return buildActivityRow(plan, values);
  if (plan.object === "ticket") return buildTicketRow(plan, values);
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
