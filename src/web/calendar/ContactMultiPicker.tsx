import { MultiSelect, type MultiSelectProps } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import type { Contact } from "../../contract/index.js";
import { api } from "../http/client.js";

/** Pick contacts by searching; remembers labels of picked ones while the search moves on. */
export function ContactMultiPicker({
  value,
  onChange,
  initialLabels = {},
  ...rest
}: Omit<MultiSelectProps, "data" | "value" | "onChange"> & {
  value: string[];
  onChange: (ids: string[]) => void;
  /** Names of contacts already picked (an edited meeting's attendees), which a search page may not list. */
  initialLabels?: Record<string, string>;
}) {
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search, 200);
  const [labels, setLabels] = useState<Record<string, string>>(initialLabels);
  const found = useQuery({
    queryKey: ["contacts", "pick", q],
    queryFn: () => api.get<{ data: Contact[] }>("/api/v1/contacts", { q: q || undefined, limit: 20 }),
    staleTime: 30_000,
  });
  const data = useMemo(() => {
    const options = new Map<string, string>(value.map((id) => [id, labels[id] ?? "Contact"]));
    for (const c of found.data?.data ?? []) options.set(c.id, c.primaryEmail ? `${c.fullName} · ${c.primaryEmail}` : c.fullName);
    return [...options].map(([v, label]) => ({ value: v, label }));
  }, [found.data, value, labels]);
  return (
    <MultiSelect
      {...rest}
      data={data}
      value={value}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      filter={({ options }) => options}
      nothingFoundMessage={found.isFetching ? "Searching…" : "No contacts found"}
      onChange={(ids) => {
        const next = { ...labels };
        for (const o of data) if (ids.includes(o.value)) next[o.value] = o.label;
        setLabels(next);
        onChange(ids);
      }}
    />
  );
}
