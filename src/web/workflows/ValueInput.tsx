import { NumberInput, Select, Switch, TagsInput, TextInput } from "@mantine/core";
import { UserPicker } from "../components/pickers.js";
import type { FieldDef } from "../records/types.js";

const str = (v: unknown) => (typeof v === "string" ? v : "");
const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

/** A value typed in the field's own terms: its options by label, people by name, yes/no. */
export function ValueInput({
  def,
  value,
  onChange,
  readOnly,
}: {
  def: FieldDef | undefined;
  value: unknown;
  onChange: (v: unknown) => void;
  readOnly: boolean;
}) {
  if (!def) return <TextInput aria-label="Value" value="" readOnly placeholder="Choose a field first" disabled />;
  switch (def.kind) {
    case "enum":
      return (
        <Select aria-label={`${def.label}: value`} data={def.options ?? []} value={str(value) || null} onChange={onChange} readOnly={readOnly} searchable />
      );
    case "user":
      return <UserPicker aria-label={`${def.label}: value`} value={str(value) || null} onChange={onChange} readOnly={readOnly} />;
    case "boolean":
      return <Switch label={def.label} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} disabled={readOnly} />;
    case "number":
      return (
        <NumberInput
          aria-label={`${def.label}: value`}
          value={num(value) ?? ""}
          onChange={(v) => onChange(typeof v === "number" ? v : null)}
          readOnly={readOnly}
        />
      );
    case "tags":
    case "multi":
      return <TagsInput aria-label={`${def.label}: value`} value={strs(value)} onChange={onChange} readOnly={readOnly} />;
    case "date":
      return (
        <TextInput type="date" aria-label={`${def.label}: value`} value={str(value)} onChange={(e) => onChange(e.currentTarget.value)} readOnly={readOnly} />
      );
    default:
      return <TextInput aria-label={`${def.label}: value`} value={str(value)} onChange={(e) => onChange(e.currentTarget.value)} readOnly={readOnly} />;
  }
}
