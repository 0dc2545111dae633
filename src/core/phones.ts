import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

// Parsing with the full metadata costs ~15 µs a number, and an import parses each one twice (the raw value when the
// batch is checked, its E.164 form when the record is built), so answers are remembered, a bounded number of them.
const MEMO_LIMIT = 20_000;
const memo = new Map<string, ParsedPhone | null>();

function remember(key: string, value: ParsedPhone | null): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}

/** A phone number as stored: E.164, plus the extension written after it ("x4781", "ext. 12", ";ext=9"), if any. */
export interface ParsedPhone {
  number: string;
  extension?: string;
}

/**
 * E.164 form of a phone number and its extension, or null when it cannot be one.
 * "Possible" (the right length for its country's numbering plan) rather than "valid" (inside a range
 * the plan has assigned): real CRM exports are full of numbers in unassigned or test ranges, and
 * refusing them would drop whole records over a detail we cannot check anyway.
 */
export function parsePhone(raw: string, defaultCountry?: string): ParsedPhone | null {
  const text = raw.trim();
  // A number in international form is read the same whatever the default country.
  const key = text.startsWith("+") ? text : `${defaultCountry ?? ""} ${text}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: defaultCountry as CountryCode | undefined });
  const result = parsed?.isPossible() ? { number: parsed.number as string, ...(parsed.ext ? { extension: parsed.ext as string } : {}) } : null;
  remember(key, result);
  if (result && !result.extension && result.number !== key) remember(result.number, result);
  return result;
}

/** E.164 form of a phone number (its extension left out), or null when it cannot be one. */
export function normalisePhone(raw: string, defaultCountry?: string): string | null {
  return parsePhone(raw, defaultCountry)?.number ?? null;
}

/** How people read a stored number with its extension: "+13657569410 ext. 4781". */
export const phoneText = (phone: string, extension?: string | null) => (extension ? `${phone} ext. ${extension}` : phone);
