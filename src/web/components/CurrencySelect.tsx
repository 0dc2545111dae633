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
