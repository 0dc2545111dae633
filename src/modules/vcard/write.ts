import type { Contact } from "../../contract/contacts.js";

/** vCard 4.0 (RFC 6350) text of contacts, as an address book or another CRM reads it back. */

const escapeText = (s: string) =>
  s
    .replace(/\\/g, "\\\\")
    .replace(/\r\n|\n|\r/g, "\\n")
    .replace(/,/g, "\\,")
    .replace(/;/g, "\\;");
/** Components of a structured value: commas stay literal only when escaped, as with text. */
const structured = (parts: (string | undefined | null)[]) => parts.map((p) => escapeText(p ?? "")).join(";");

function param(name: string, value: string | undefined): string {
  if (!value) return "";
  const v = value.replace(/["\r\n]/g, "");
  return /[;:,\s^]/.test(v) ? `;${name}="${v}"` : `;${name}=${v}`;
}

/** Labels as TYPE values: our "mobile" is vCard's "cell". */
const typeOf = (label: string | undefined) => (label === "mobile" ? "cell" : label?.toLowerCase());

/** Lines are folded at 75 octets without splitting a UTF-8 character (RFC 6350 §3.2). */
export function foldLine(line: string): string {
  const bytes = Buffer.from(line, "utf8");
  if (bytes.length <= 75) return line;
  const out: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(bytes.length, start + limit);
    // Step back over continuation bytes (10xxxxxx) so a character stays whole.
    while (end < bytes.length && end > start && ((bytes[end] as number) & 0xc0) === 0x80) end--;
    out.push(bytes.subarray(start, end).toString("utf8"));
    start = end;
    limit = 74; // the leading space of a continuation line counts
  }
  return out.join("\r\n ");
}

export function contactToVcard(c: Contact): string {
  const lines: string[] = ["BEGIN:VCARD", "VERSION:4.0", `UID:urn:uuid:${c.id}`];
  lines.push(`FN:${escapeText(c.fullName)}`);
  lines.push(`N:${structured([c.lastName, c.firstName, "", "", ""])}`);
  for (const e of c.emails) lines.push(`EMAIL${param("TYPE", typeOf(e.label))}${e.primary ? ";PREF=1" : ""}:${e.email}`);
  for (const p of c.phones)
    lines.push(`TEL;VALUE=uri${param("TYPE", typeOf(p.label))}${p.primary ? ";PREF=1" : ""}:tel:${p.phone}${p.extension ? `;ext=${p.extension}` : ""}`);
  if (c.companyName) lines.push(`ORG:${escapeText(c.companyName)}`);
  if (c.jobTitle) lines.push(`TITLE:${escapeText(c.jobTitle)}`);
  const a = c.address;
  if (a && Object.values(a).some(Boolean)) lines.push(`ADR:${structured(["", "", a.street, a.city, a.region, a.postalCode, a.country])}`);
  for (const [key, url] of Object.entries(c.socialProfiles)) lines.push(`URL${param("TYPE", key.toLowerCase())}:${url}`);
  if (c.tags.length) lines.push(`CATEGORIES:${c.tags.map(escapeText).join(",")}`);
  const bday = c.custom.birthday;
  if (typeof bday === "string" && /^\d{4}-\d{2}-\d{2}$/.test(bday)) lines.push(`BDAY:${bday.replace(/-/g, "")}`);
  lines.push(`REV:${c.updatedAt.replace(/[-:]/g, "").replace(/\.\d+/, "")}`);
  lines.push("END:VCARD");
  return `${lines.map(foldLine).join("\r\n")}\r\n`;
}
