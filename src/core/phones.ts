import { type CountryCode, parsePhoneNumberFromString } from "libphonenumber-js/max";

/** E.164 form of a phone number, or null when it is not a valid number. */
export function normalisePhone(raw: string, defaultCountry?: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), { defaultCountry: defaultCountry as CountryCode | undefined });
  return parsed?.isValid() ? parsed.number : null;
}
