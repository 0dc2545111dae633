import { MultiSelect, NumberInput, Select, Switch, Textarea, TextInput } from "@mantine/core";
import type { CustomField } from "../../contract/index.js";

interface Props {
  field: CustomField;
  value: unknown;
  onChange: (value: unknown) => void;
  error?: string;
  /** The user's role may see but not change this field. */
  readOnly?: boolean;
}

/** One input per custom field type; values are what the API stores in `custom`. */
export function CustomFieldInput({ field, value, onChange, error, readOnly }: Props) {
  const common = {
    label: field.label,
    required: field.required,
    error,
    disabled: readOnly,
    description: readOnly ? "Read-only for your role" : undefined,
    "data-testid": `custom-${field.key}`,
  };
  const str = typeof value === "string" ? value : value === undefined || value === null ? "" : String(value);
  switch (field.type) {
    case "long_text":
      return <Textarea {...common} autosize minRows={2} maxRows={8} value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    case "number":
    case "currency":
      return (
        <NumberInput
          {...common}
          value={typeof value === "number" ? value : typeof value === "string" && value !== "" ? Number(value) : ""}
          onChange={(v) => onChange(v === "" ? null : typeof v === "number" ? v : Number(v))}
          decimalScale={field.type === "currency" ? 2 : undefined}
          thousandSeparator=","
        />
      );
    case "date":
      return <TextInput {...common} type="date" value={str.slice(0, 10)} onChange={(e) => onChange(e.currentTarget.value || null)} />;
    case "boolean":
      return (
        <Switch
          label={field.label}
          disabled={readOnly}
          checked={value === true}
          onChange={(e) => onChange(e.currentTarget.checked)}
          error={error}
          mt={4}
          data-testid={`custom-${field.key}`}
        />
      );
    case "select":
      return <Select {...common} data={field.options} value={str || null} onChange={(v) => onChange(v)} clearable={!field.required} searchable />;
    case "multi_select":
      return (
        <MultiSelect
          {...common}
          data={field.options}
          value={Array.isArray(value) ? value.map(String) : []}
          onChange={(v) => onChange(v)}
          searchable
          clearable
        />
      );
    case "url":
      return <TextInput {...common} type="url" placeholder="https://" value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    case "email":
      return <TextInput {...common} type="email" value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    case "phone":
      return <TextInput {...common} type="tel" value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
    default:
      return <TextInput {...common} value={str} onChange={(e) => onChange(e.currentTarget.value)} />;
  }
}

const isEmpty = (v: unknown) => v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);

/** Client-side checks mirroring the server's custom-field validation; errors keyed "custom.<key>". */
export function validateCustom(fields: CustomField[], values: Record<string, unknown>): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const v = values[f.key];
    const key = `custom.${f.key}`;
    if (isEmpty(v)) {
      if (f.required) errors[key] = `${f.label} is required`;
      continue;
    }
    if ((f.type === "number" || f.type === "currency") && !(typeof v === "number" && Number.isFinite(v))) errors[key] = "Enter a number";
    if (f.type === "url" && !/^https?:\/\/\S+\.\S+/i.test(String(v))) errors[key] = "Enter a full http(s) URL";
    if (f.type === "email" && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(String(v))) errors[key] = "Enter a valid email address";
    if (f.type === "date" && !/^\d{4}-\d{2}-\d{2}/.test(String(v))) errors[key] = "Enter a date";
  }
  return errors;
}

/** Values to send: empty ones as null so clearing a field clears it on the server. */
export function customPayload(fields: CustomField[], values: Record<string, unknown>, forUpdate: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = values[f.key];
    if (isEmpty(v)) {
      if (forUpdate) out[f.key] = null;
      continue;
    }
    out[f.key] = typeof v === "string" ? v.trim() : v;
  }
  return out;
}
