import { Select, type SelectProps } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { contactOptionsQuery } from "./api.js";

interface ContactPickerProps extends Omit<SelectProps, "data" | "value" | "onChange"> {
  value: string | null;
  valueLabel?: string | null;
  onChange: (id: string | null, name: string | null) => void;
  excludeIds?: string[];
}

/** Searchable contact select backed by GET /api/v1/contacts?q=. */
export function ContactPicker({ value, valueLabel, onChange, excludeIds = [], ...rest }: ContactPickerProps) {
  const [search, setSearch] = useState("");
  const [debounced] = useDebouncedValue(search, 200);
  const term = valueLabel && debounced === valueLabel ? "" : debounced;
  const contacts = useQuery({ ...contactOptionsQuery(term), placeholderData: keepPreviousData });
  const data = useMemo(() => {
    const items = (contacts.data ?? [])
      .filter((c) => !excludeIds.includes(c.id) || c.id === value)
      .map((c) => ({ value: c.id, label: c.fullName || c.primaryEmail || "(no name)" }));
    if (value && !items.some((i) => i.value === value)) items.unshift({ value, label: valueLabel ?? "Selected contact" });
    return items;
  }, [contacts.data, excludeIds, value, valueLabel]);
  return (
    <Select
      {...rest}
      data={data}
      value={value}
      onChange={(id, option) => onChange(id, option?.label ?? null)}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={contacts.isFetching ? "Searching…" : "No contacts found"}
      placeholder={rest.placeholder ?? "Search contacts…"}
    />
  );
}
