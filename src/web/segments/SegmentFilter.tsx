import { Select } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { usePermissions } from "../app/me.js";
import { segmentsQuery } from "./api.js";

/** The contacts list's segment filter: only the members of one segment or static list. */
export function SegmentFilter({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const canRead = usePermissions().may("segment", "read");
  const segments = useQuery({ ...segmentsQuery, enabled: canRead });
  if (!canRead || (!value && !segments.data?.length)) return null;
  return (
    <Select
      size="xs"
      w={200}
      placeholder="Any segment or list"
      aria-label="Segment"
      clearable
      searchable
      data={(segments.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
      value={value}
      onChange={onChange}
      data-testid="contacts-segment-filter"
    />
  );
}
