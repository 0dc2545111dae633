import { Select, type SelectProps } from "@mantine/core";
import { useMemo } from "react";

/** Every ISO 4217 currency the browser can name, in the user's language. */
function currencyOptions(current: string | null): { value: string; label: string }[] {
  const names = new Intl.DisplayNames([navigator.language, "en"], { type: "currency", fallback: "code" });
  const codes = new Set(Intl.supportedValuesOf("currency"));
  if (current) codes.add(current);
  return [...codes].map((code) => ({ value: code, label: `${names.of(code) ?? code} (${code})` })).sort((a, b) => a.label.localeCompare(b.label));
}

export function CurrencySelect(props: Omit<SelectProps, "data">) {
  const value = typeof props.value === "string" ? props.value : null;
  const data = useMemo(() => currencyOptions(value), [value]);
  return <Select searchable nothingFoundMessage="No currency by that name" allowDeselect={false} {...props} data={data} />;
}

// The currency most businesses in a country invoice in: only to prefill sign-up, always editable. Regions not
// listed fall back to USD, the currency the workspace would use anyway.
const euro = "AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK AD MC SM VA ME XK".split(" ");
const byRegion: Record<string, string> = {
  ...Object.fromEntries(euro.map((r) => [r, "EUR"])),
  GB: "GBP",
  CH: "CHF",
  LI: "CHF",
  SE: "SEK",
  NO: "NOK",
  DK: "DKK",
  IS: "ISK",
  PL: "PLN",
  CZ: "CZK",
  HU: "HUF",
  RO: "RON",
  BG: "BGN",
  RS: "RSD",
  UA: "UAH",
  TR: "TRY",
  IL: "ILS",
  AE: "AED",
  SA: "SAR",
  QA: "QAR",
  EG: "EGP",
  MA: "MAD",
  ZA: "ZAR",
  NG: "NGN",
  KE: "KES",
  IN: "INR",
  PK: "PKR",
  BD: "BDT",
  CN: "CNY",
  HK: "HKD",
  TW: "TWD",
  JP: "JPY",
  KR: "KRW",
  SG: "SGD",
  MY: "MYR",
  TH: "THB",
  ID: "IDR",
  PH: "PHP",
  VN: "VND",
  AU: "AUD",
  NZ: "NZD",
  CA: "CAD",
  MX: "MXN",
  BR: "BRL",
  AR: "ARS",
  CL: "CLP",
  CO: "COP",
  PE: "PEN",
  US: "USD",
};

/** The browser's region (from its locale) and that region's usual currency, to prefill sign-up. */
export function browserRegionDefaults(): { country: string | null; currency: string } {
  let country: string | null = null;
  for (const tag of [...(navigator.languages ?? []), navigator.language]) {
    try {
      const region = new Intl.Locale(tag).maximize().region;
      if (region && /^[A-Z]{2}$/.test(region)) {
        country = region;
        break;
      }
    } catch {
      // An unparseable language tag: try the next.
    }
  }
  return { country, currency: (country && byRegion[country]) || "USD" };
}
