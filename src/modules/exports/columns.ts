import type { Company } from "../../contract/companies.js";
import type { Contact } from "../../contract/contacts.js";
import type { CustomField } from "../../contract/custom-fields.js";
import type { Deal } from "../../contract/deals.js";
import type { ExportColumn } from "../../contract/exports.js";
import { invalidField } from "../../core/errors.js";
import { phoneText } from "../../core/phones.js";

export type Cell = string | number | boolean | Date | null;

/** Names the rows cannot carry themselves (owners are user ids). */
export interface Lookups {
  userName(id: string | null): string | null;
}

export interface ColumnSpec<T> extends ExportColumn {
  value(record: T, lookups: Lookups): Cell;
}

const joinList = (items: readonly string[]) => (items.length ? items.join("; ") : null);
const labelled = (value: string, label?: string) => (label ? `${value} (${label})` : value);
const date = (iso: string | null) => (iso ? new Date(iso) : null);
const addressLine = (a: Record<string, string | undefined> | null) =>
  a ? [a.street, a.postalCode, a.city, a.region, a.country].filter(Boolean).join(", ") || null : null;

function customColumns<T extends { custom: Record<string, unknown> }>(defs: CustomField[]): ColumnSpec<T>[] {
  return defs.map((d) => ({
    id: `custom.${d.key}`,
    label: d.label,
    value: (r) => {
      const v = r.custom[d.key];
      if (v === undefined || v === null || v === "") return null;
      if (Array.isArray(v)) return joinList(v.map(String));
      if (typeof v === "number" || typeof v === "boolean") return v;
      return String(v);
    },
  }));
}

export function contactColumnSpecs(defs: CustomField[]): ColumnSpec<Contact>[] {
  return [
    { id: "id", label: "ID", value: (c) => c.id },
    { id: "name", label: "Name", value: (c) => c.fullName },
    { id: "firstName", label: "First name", value: (c) => c.firstName || null },
    { id: "lastName", label: "Last name", value: (c) => c.lastName || null },
    { id: "primaryEmail", label: "Email", value: (c) => c.primaryEmail },
    { id: "emails", label: "All emails", value: (c) => joinList(c.emails.map((e) => labelled(e.email, e.label))) },
    {
      id: "primaryPhone",
      label: "Phone",
      value: (c) => {
        const p = c.phones.find((x) => x.primary);
        return p ? phoneText(p.phone, p.extension) : c.primaryPhone;
      },
    },
    { id: "phones", label: "All phones", value: (c) => joinList(c.phones.map((p) => labelled(phoneText(p.phone, p.extension), p.label))) },
    { id: "company", label: "Company", value: (c) => c.companyName },
    { id: "jobTitle", label: "Job title", value: (c) => c.jobTitle },
    { id: "lifecycleStage", label: "Stage", value: (c) => c.lifecycleStage },
    { id: "leadSource", label: "Lead source", value: (c) => c.leadSource },
    { id: "owner", label: "Owner", value: (c, l) => l.userName(c.ownerId) },
    { id: "tags", label: "Tags", value: (c) => joinList(c.tags) },
    { id: "address", label: "Address", value: (c) => addressLine(c.address) },
    { id: "city", label: "City", value: (c) => c.address?.city ?? null },
    { id: "country", label: "Country", value: (c) => c.address?.country ?? null },
    {
      id: "socialProfiles",
      label: "Social profiles",
      value: (c) => joinList(Object.entries(c.socialProfiles).map(([k, v]) => `${k}: ${v}`)),
    },
    { id: "doNotContact", label: "Do not contact", value: (c) => c.doNotContact },
    { id: "emailConsent", label: "Email consent", value: (c) => c.emailConsent },
    ...customColumns<Contact>(defs),
    { id: "createdAt", label: "Created", value: (c) => date(c.createdAt) },
    { id: "updatedAt", label: "Updated", value: (c) => date(c.updatedAt) },
  ];
}

export function companyColumnSpecs(defs: CustomField[]): ColumnSpec<Company>[] {
  return [
    { id: "id", label: "ID", value: (c) => c.id },
    { id: "name", label: "Name", value: (c) => c.name },
    { id: "domain", label: "Domain", value: (c) => c.domain },
    { id: "industry", label: "Industry", value: (c) => c.industry },
    { id: "employees", label: "Employees", value: (c) => c.employees },
    { id: "annualRevenue", label: "Annual revenue", value: (c) => (c.annualRevenue === null ? null : Number(c.annualRevenue)) },
    { id: "currency", label: "Currency", value: (c) => c.currency },
    { id: "phone", label: "Phone", value: (c) => (c.phone ? phoneText(c.phone, c.phoneExtension) : null) },
    { id: "location", label: "Location", value: (c) => [c.address?.city, c.address?.country].filter(Boolean).join(", ") || null },
    { id: "address", label: "Address", value: (c) => addressLine(c.address) },
    { id: "owner", label: "Owner", value: (c, l) => l.userName(c.ownerId) },
    { id: "tags", label: "Tags", value: (c) => joinList(c.tags) },
    { id: "description", label: "Description", value: (c) => c.description },
    ...customColumns<Company>(defs),
    { id: "createdAt", label: "Created", value: (c) => date(c.createdAt) },
    { id: "updatedAt", label: "Updated", value: (c) => date(c.updatedAt) },
  ];
}

export function dealColumnSpecs(defs: CustomField[]): ColumnSpec<Deal>[] {
  return [
    { id: "id", label: "ID", value: (d) => d.id },
    { id: "name", label: "Name", value: (d) => d.name },
    { id: "stage", label: "Stage", value: (d) => d.stageName },
    { id: "status", label: "Status", value: (d) => d.status },
    { id: "probability", label: "Probability (%)", value: (d) => d.stageProbability },
    { id: "amount", label: "Amount", value: (d) => (d.amount === null ? null : Number(d.amount)) },
    { id: "currency", label: "Currency", value: (d) => d.currency },
    { id: "expectedCloseDate", label: "Expected close", value: (d) => d.expectedCloseDate },
    { id: "company", label: "Company", value: (d) => d.companyName },
    { id: "contacts", label: "Contacts", value: (d) => joinList(d.contacts.map((c) => labelled(c.name, c.role))) },
    { id: "owner", label: "Owner", value: (d) => d.ownerName },
    { id: "nextStep", label: "Next step", value: (d) => d.nextStep },
    { id: "lostReason", label: "Lost reason", value: (d) => d.lostReason },
    { id: "source", label: "Source", value: (d) => d.source },
    { id: "tags", label: "Tags", value: (d) => joinList(d.tags) },
    ...customColumns<Deal>(defs),
    { id: "closedAt", label: "Closed", value: (d) => date(d.closedAt) },
    { id: "createdAt", label: "Created", value: (d) => date(d.createdAt) },
    { id: "updatedAt", label: "Updated", value: (d) => date(d.updatedAt) },
  ];
}

/** Every column when none are chosen (except the combined "name" of contacts, which first/last name cover). */
export function pickColumns<T>(all: ColumnSpec<T>[], requested: string | undefined, defaultsOmit: string[] = []): ColumnSpec<T>[] {
  if (!requested?.trim()) return all.filter((c) => !defaultsOmit.includes(c.id));
  const byId = new Map(all.map((c) => [c.id, c]));
  const ids = [
    ...new Set(
      requested
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  return ids.map((id) => {
    const col = byId.get(id);
    if (!col) throw invalidField("columns", `Unknown column "${id}"; known: ${all.map((c) => c.id).join(", ")}`);
    return col;
  });
}

/**
 * OWASP CSV injection: a cell a spreadsheet would read as a formula (=, +, -, @, tab, CR first) gets a
 * leading apostrophe, so it shows as text. Numbers and booleans are real values and stay as they are.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}
