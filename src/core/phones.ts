import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

/**
 * E.164 form of a phone number, or null when it cannot be one.
 * "Possible" (the right length for its country's numbering plan) rather than "valid" (inside a range
 * the plan has assigned): real CRM exports are full of numbers in unassigned or test ranges, and
 * refusing them would drop whole records over a detail we cannot check anyway.
 */
export function normalisePhone(raw: string, defaultCountry?: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), { defaultCountry: defaultCountry as CountryCode | undefined });
  return parsed?.isPossible() ? parsed.number : null;
}
