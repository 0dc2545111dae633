import { Select, type SelectProps } from "@mantine/core";
import { useMemo } from "react";

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
// Codes the browser names that are not countries (groupings, private use).
const notCountries = new Set(["EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"]);

/** Every ISO 3166 country the browser can name, in the user's language: no list to ship or keep current. */
export function countryOptions(): { value: string; label: string }[] {
  const names = new Intl.DisplayNames([navigator.language, "en"], { type: "region", fallback: "none" });
  const out: { value: string; label: string }[] = [];
  for (const a of letters)
    for (const b of letters) {
      const code = a + b;
      const name = notCountries.has(code) ? undefined : names.of(code);
      if (name && name !== code) out.push({ value: code, label: `${name} (${code})` });
    }
  return out.sort((x, y) => x.label.localeCompare(y.label));
}

export function CountrySelect(props: Omit<SelectProps, "data">) {
  const data = useMemo(countryOptions, []);
  return <Select searchable clearable nothingFoundMessage="No country by that name" {...props} data={data} />;
}
