import type { CustomField } from "../../contract/index.js";
import { formatDate } from "./dates.js";

// The label maps live in the contract, shared with the server; re-exported under the names pages use.
export { customFieldTypeLabels, leadSourceLabels, lifecycleStageLabels as lifecycleLabels, roleLabels } from "../../contract/index.js";
// Dates are shown in the workspace's time zone: the helpers live in dates.ts, re-exported for existing imports.
export { formatDate, formatDateTime } from "./dates.js";

const rel = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatRelative(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso).getTime();
  if (Number.isNaN(d)) return iso;
  const diff = (d - Date.now()) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return "just now";
  if (abs < 3600) return rel.format(Math.round(diff / 60), "minute");
  if (abs < 86400) return rel.format(Math.round(diff / 3600), "hour");
  if (abs < 86400 * 7) return rel.format(Math.round(diff / 86400), "day");
  return formatDate(iso);
}

export function formatNumber(n: number | string | null | undefined): string {
  if (n === null || n === undefined || n === "") return "—";
  const v = typeof n === "number" ? n : Number(n);
  return Number.isFinite(v) ? new Intl.NumberFormat().format(v) : String(n);
}

export function formatMoney(amount: number | string | null | undefined, currency = "EUR"): string {
  if (amount === null || amount === undefined || amount === "") return "—";
  const v = typeof amount === "number" ? amount : Number(amount);
  if (!Number.isFinite(v)) return String(amount);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency, maximumFractionDigits: 0 }).format(v);
  } catch {
    return `${formatNumber(v)} ${currency}`;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return "0 min";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.round(seconds % 60);
  if (h) return `${h} h ${m} min`;
  if (m) return s ? `${m} min ${s} s` : `${m} min`;
  return `${s} s`;
}

export function humanize(value: string): string {
  const s = value
    .replace(/_/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const lifecycleColors: Record<string, string> = {
  subscriber: "gray",
  lead: "blue",
  marketing_qualified: "cyan",
  sales_qualified: "teal",
  opportunity: "orange",
  customer: "green",
  evangelist: "grape",
  other: "gray",
};
export const roleDescriptions: Record<string, string> = {
  admin: "Everything, including users, custom fields and API keys",
  manager: "All records, and their team's work",
  sales: "Contacts, companies and activities",
  support: "Contacts, companies and activities",
  marketing: "Contacts, companies and activities",
  read_only: "Can look, cannot change anything",
};

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  if (!parts.length) return "?";
  const first = parts[0]?.[0] ?? "";
  const last = parts.length > 1 ? (parts[parts.length - 1]?.[0] ?? "") : "";
  return (first + last).toUpperCase();
}

/** Display a custom field value as text. */
export function formatCustomValue(field: CustomField, value: unknown): string {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && value.length === 0)) return "—";
  switch (field.type) {
    case "boolean":
      return value ? "Yes" : "No";
    case "number":
      return formatNumber(value as number);
    case "currency":
      return typeof value === "object" && value && "amount" in value
        ? formatMoney((value as { amount: number }).amount, (value as { currency?: string }).currency)
        : formatNumber(value as number);
    case "date":
      return formatDate(String(value));
    case "multi_select":
      return Array.isArray(value) ? value.join(", ") : String(value);
    default:
      return typeof value === "object" ? JSON.stringify(value) : String(value);
  }
}

export function isMac(): boolean {
  return typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
}

/** A stored number with its extension, as people read and type it: "+13657569410 ext. 4781" (the server reads it back). */
export const phoneWithExtension = (phone: string, extension?: string | null) => (extension ? `${phone} ext. ${extension}` : phone);

/** A tel: link that dials the extension too (RFC 3966). */
export const telHref = (phone: string, extension?: string | null) => `tel:${phone}${extension ? `;ext=${extension}` : ""}`;

/** "1 submission", "4 submissions": a count and its noun, so one thing never reads as "1 submissions". */
export const countOf = (n: number, singular: string, pluralForm = `${singular}s`) => `${formatNumber(n)} ${n === 1 ? singular : pluralForm}`;
