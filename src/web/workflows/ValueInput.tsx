import { MultiSelect, NumberInput, Select, TagsInput, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { DynamicOptions, FieldDef } from "../../contract/fields.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";

const str = (v: unknown) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** Options that live in the workspace (pipelines, stages, teams, people), fetched where the registry says. */
function useDynamicOptions(d: DynamicOptions | undefined) {
  return useQuery({
    queryKey: ["workflows", "options", d?.endpoint],
    enabled: Boolean(d),
    staleTime: 60_000,
    queryFn: async () => {
      const r = await api.get<{ data: Record<string, unknown>[] }>(d?.endpoint ?? "");
      // Stages come nested in their pipelines: list every pipeline's stages, named with the pipeline.
      if (d?.source === "stages")
        return r.data.flatMap((p) =>
          ((p.stages as Record<string, unknown>[] | undefined) ?? []).map((s) => ({ value: String(s.id), label: `${String(p.name)} › ${String(s.name)}` })),
        );
      return r.data.map((x) => ({ value: String(x[d?.valueKey ?? "id"]), label: String(x[d?.labelKey ?? "name"]) }));
    },
  });
}

/** One value typed in the field's own terms: its options by label, people by name, yes/no, a date. */
export function ValueInput({
  def,
  value,
  onChange,
  readOnly,
  many,
  label,
}: {
  def: FieldDef | undefined;
  value: unknown;
  onChange: (v: unknown) => void;
  readOnly: boolean;
  many?: boolean;
  label?: string;
}) {
  const dynamic = useDynamicOptions(def?.type === "user" ? undefined : def?.dynamicOptions);
  if (!def) return <TextInput aria-label="Value" value="" readOnly placeholder="Choose a field first" disabled />;
  const aria = label ?? `${def.label}: value`;
  const options = def.options ?? dynamic.data;
  if (options || def.type === "user") {
    const data = options ?? [];
    if (def.type === "user" && !many) return <UserPicker aria-label={aria} value={str(value) || null} onChange={onChange} readOnly={readOnly} />;
    if (many || def.type === "multiselect")
      return <MultiSelect aria-label={aria} data={data} value={strs(value)} onChange={onChange} readOnly={readOnly} searchable placeholder="Choose values" />;
    return <Select aria-label={aria} data={data} value={str(value) || null} onChange={onChange} readOnly={readOnly} searchable placeholder="Choose a value" />;
  }
  if (many || def.type === "tags")
    return <TagsInput aria-label={aria} value={strs(value)} onChange={onChange} readOnly={readOnly} placeholder="Type and press Enter" />;
  switch (def.type) {
    case "boolean":
      return (
        <Select
          aria-label={aria}
          data={[
            { value: "true", label: "Yes" },
            { value: "false", label: "No" },
          ]}
          value={value === true ? "true" : value === false ? "false" : null}
          onChange={(v) => onChange(v === "true")}
          readOnly={readOnly}
        />
      );
    case "number":
    case "money":
      return <NumberInput aria-label={aria} value={num(value) ?? ""} onChange={(v) => onChange(typeof v === "number" ? v : null)} readOnly={readOnly} />;
    case "date":
      return <TextInput type="date" aria-label={aria} value={str(value).slice(0, 10)} onChange={(e) => onChange(e.currentTarget.value)} readOnly={readOnly} />;
    case "datetime":
      return (
        <TextInput
          type="datetime-local"
          aria-label={aria}
          value={str(value).slice(0, 16)}
          onChange={(e) => onChange(e.currentTarget.value)}
          readOnly={readOnly}
        />
      );
    default:
      return <TextInput aria-label={aria} value={str(value)} onChange={(e) => onChange(e.currentTarget.value)} readOnly={readOnly} />;
  }
}
