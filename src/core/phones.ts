import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

// Parsing with the full metadata costs ~15 µs a number, and an import parses each one twice (the raw value when the
// batch is checked, its E.164 form when the record is built), so answers are remembered, a bounded number of them.
const MEMO_LIMIT = 20_000;
const memo = new Map<string, string | null>();

function remember(key: string, value: string | null): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}

/**
 * E.164 form of a phone number, or null when it cannot be one.
 * "Possible" (the right length for its country's numbering plan) rather than "valid" (inside a range
 * the plan has assigned): real CRM exports are full of numbers in unassigned or test ranges, and
 * refusing them would drop whole records over a detail we cannot check anyway.
 */
export function normalisePhone(raw: string, defaultCountry?: string): string | null {
  const text = raw.trim();
  // A number in international form is read the same whatever the default country.
  const key = text.startsWith("+") ? text : `${defaultCountry ?? ""} ${text}`;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: defaultCountry as CountryCode | undefined });
  const e164 = parsed?.isPossible() ? parsed.number : null;
  remember(key, e164);
  if (e164 && e164 !== key) remember(e164, e164);
  return e164;
}
