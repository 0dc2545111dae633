import { Select, type SelectProps } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { companyOptionsQuery, usersQuery } from "../http/queries.js";

interface CompanyPickerProps extends Omit<SelectProps, "data" | "value" | "onChange"> {
  value: string | null;
  /** Name of the currently selected company (so it shows before a search ran). */
  valueLabel?: string | null;
  onChange: (id: string | null, name: string | null) => void;
  excludeId?: string;
}

/** Searchable company select backed by GET /api/v1/companies?q=. */
export function CompanyPicker({ value, valueLabel, onChange, excludeId, ...rest }: CompanyPickerProps) {
  const [search, setSearch] = useState("");
  const [picked, setPicked] = useState<{ id: string; name: string } | null>(value && valueLabel ? { id: value, name: valueLabel } : null);
  const [debounced] = useDebouncedValue(search, 200);
  // When the input shows the selected name, list everything rather than searching for it.
  const term = picked && debounced === picked.name ? "" : debounced;
  const companies = useQuery({ ...companyOptionsQuery(term), placeholderData: keepPreviousData });
  const data = useMemo(() => {
    const items = (companies.data ?? []).filter((c) => c.id !== excludeId).map((c) => ({ value: c.id, label: c.name }));
    if (value && !items.some((i) => i.value === value)) {
      items.unshift({ value, label: picked?.id === value ? picked.name : (valueLabel ?? "Selected company") });
    }
    return items;
  }, [companies.data, excludeId, value, picked, valueLabel]);

  return (
    <Select
      {...rest}
      data={data}
      value={value}
      onChange={(id, option) => {
        setPicked(id && option ? { id, name: option.label } : null);
        onChange(id, option?.label ?? null);
      }}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      clearable
      nothingFoundMessage={companies.isFetching ? "Searching…" : "No companies found"}
      placeholder={rest.placeholder ?? "Search companies…"}
    />
  );
}

interface UserPickerProps extends Omit<SelectProps, "data" | "value" | "onChange"> {
  value: string | null;
  onChange: (id: string | null) => void;
}

export function UserPicker({ value, onChange, ...rest }: UserPickerProps) {
  const users = useQuery({ ...usersQuery, retry: false });
  const data = useMemo(() => {
    const list = (users.data ?? []).filter((u) => u.active || u.id === value).map((u) => ({ value: u.id, label: u.name }));
    if (value && !list.some((u) => u.value === value)) list.push({ value, label: "Unknown user" });
    return list;
  }, [users.data, value]);
  return (
    <Select
      {...rest}
      data={data}
      value={value}
      onChange={(v) => onChange(v)}
      searchable
      clearable
      placeholder={rest.placeholder ?? "Unassigned"}
      nothingFoundMessage="No users found"
    />
  );
}
