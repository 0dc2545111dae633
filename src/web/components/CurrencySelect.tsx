import { Select, type SelectProps } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { workspaceQuery } from "../http/queries.js";

/** The workspace's default currency, once loaded: what every money input starts with. */
export function useDefaultCurrency(): string | undefined {
  return useQuery({ ...workspaceQuery, staleTime: 5 * 60_000 }).data?.defaultCurrency;
}

/** Every ISO 4217 currency the browser knows, as "USD — US Dollar": no list to ship or keep current. */
function currencyOptions(): { value: string; label: string }[] {
  const names = new Intl.DisplayNames([navigator.language, "en"], { type: "currency", fallback: "code" });
  return Intl.supportedValuesOf("currency").map((code) => {
    const name = names.of(code);
    return { value: code, label: name && name !== code ? `${code} — ${name}` : code };
  });
}

/** A currency picker; `value` is the code shown and saved, so callers pass the workspace default when nothing is chosen. */
export function CurrencySelect({
  value,
  onChange,
  ...props
}: Omit<SelectProps, "data" | "value" | "onChange"> & { value: string; onChange: (code: string) => void }) {
  const all = useMemo(currencyOptions, []);
  const data = value && !all.some((o) => o.value === value) ? [{ value, label: value }, ...all] : all;
  return (
    <Select
      searchable
      allowDeselect={false}
      nothingFoundMessage="No currency by that code or name"
      {...props}
      data={data}
      value={value || null}
      onChange={(v) => v && onChange(v)}
      renderOption={({ option }) => option.label}
    />
  );
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
