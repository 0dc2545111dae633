import type { CustomField } from "../../contract/index.js";
import type { FieldDef, FieldKind } from "./types.js";

export function customFieldKind(f: CustomField): FieldKind {
  switch (f.type) {
    case "number":
    case "currency":
      return "number";
    case "date":
      return "date";
    case "boolean":
      return "boolean";
    case "select":
      return "enum";
    case "multi_select":
      return "multi";
    default:
      return "text";
  }
}

export function customFieldDefs(fields: CustomField[]): FieldDef[] {
  return fields.map((f) => ({
    id: `custom.${f.key}`,
    label: f.label,
    kind: customFieldKind(f),
    options: f.options.length ? f.options.map((o) => ({ value: o, label: o })) : undefined,
  }));
}
