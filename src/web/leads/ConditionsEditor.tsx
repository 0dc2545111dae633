import { ActionIcon, Button, Group, MultiSelect, Select, Stack, TagsInput, Text, TextInput } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { type CustomField, conditionEnumLabels, optionsOf, type RuleCondition } from "../../contract/index.js";
import { countryOptions } from "../components/CountrySelect.js";
import { customFieldsQuery } from "../http/queries.js";
import { conditionFieldOptions, conditionOpOptions } from "./labels.js";

const numeric = new Set(["gt", "gte", "lt", "lte"]);

/** Value as the API wants it: numbers for comparisons, lists for "in" and "between". */
export function conditionValue(op: string, text: string[]): RuleCondition["value"] {
  if (op === "empty" || op === "notEmpty") return undefined;
  if (op === "in") return text;
  if (op === "between") return text.slice(0, 2).map((v) => (v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v));
  const v = text[0] ?? "";
  return numeric.has(op) && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : v;
}

type Option = { value: string; label: string };

/**
 * The values a field can hold, when they are a fixed list: chosen from it by label, so the stored code
 * ("web_form") is what the rule compares, never a typed label ("Web form") that would never match.
 */
function fieldOptions(field: string, custom: CustomField[], countries: () => Option[]): Option[] | null {
  const builtIn = conditionEnumLabels[field];
  if (builtIn) return optionsOf(builtIn);
  if (field === "country") return countries();
  const def = field.startsWith("custom.") ? custom.find((d) => d.key === field.slice(7)) : undefined;
  if (def && (def.type === "select" || def.type === "multi_select")) return def.options.map((o) => ({ value: o, label: o }));
  if (def?.type === "boolean")
    return [
      { value: "true", label: "Yes" },
      { value: "false", label: "No" },
    ];
  return null;
}

const listOps = new Set(["eq", "neq", "in"]);

export const valueText = (c: RuleCondition): string[] => (c.value === undefined ? [] : Array.isArray(c.value) ? c.value.map(String) : [String(c.value)]);

export function ConditionsEditor({
  value,
  onChange,
  errors,
  emptyText,
}: {
  value: RuleCondition[];
  onChange: (v: RuleCondition[]) => void;
  errors: (path: string) => string | undefined;
  emptyText: string;
}) {
  const custom = useQuery(customFieldsQuery("contact"));
  const fields = [...conditionFieldOptions, ...(custom.data ?? []).map((f) => ({ value: `custom.${f.key}`, label: f.label }))];
  const countries = useMemo(() => {
    let cached: Option[] | null = null;
    return () => {
      cached ??= countryOptions();
      return cached;
    };
  }, []);
  const set = (i: number, patch: Partial<RuleCondition>) => onChange(value.map((c, j) => (j === i ? { ...c, ...patch } : c)));
  const valueInput = (c: RuleCondition, i: number, options: Option[] | null) => {
    if (c.op === "empty" || c.op === "notEmpty") return null;
    if (options && c.op === "in")
      return (
        <MultiSelect
          data={options}
          value={valueText(c)}
          onChange={(v) => set(i, { value: conditionValue(c.op, v) })}
          searchable
          placeholder="Choose values"
          style={{ flex: "1 1 160px" }}
          aria-label="Values"
          error={errors(`conditions.${i}.value`)}
          data-testid="condition-values"
        />
      );
    if (options)
      return (
        <Select
          data={options}
          value={valueText(c)[0] || null}
          onChange={(v) => set(i, { value: conditionValue(c.op, v ? [v] : []) })}
          searchable
          placeholder="Choose a value"
          style={{ flex: "1 1 160px" }}
          aria-label="Value"
          error={errors(`conditions.${i}.value`)}
          data-testid="condition-value"
        />
      );
    if (c.op === "in" || c.op === "between")
      return (
        <TagsInput
          value={valueText(c)}
          onChange={(v) => set(i, { value: conditionValue(c.op, v) })}
          placeholder={c.op === "between" ? "min, max" : "Type and press Enter"}
          maxTags={c.op === "between" ? 2 : 100}
          style={{ flex: "1 1 160px" }}
          aria-label="Values"
          error={errors(`conditions.${i}.value`)}
          data-testid="condition-values"
        />
      );
    return (
      <TextInput
        value={valueText(c)[0] ?? ""}
        onChange={(e) => set(i, { value: conditionValue(c.op, [e.currentTarget.value]) })}
        style={{ flex: "1 1 160px" }}
        aria-label="Value"
        error={errors(`conditions.${i}.value`)}
        data-testid="condition-value"
      />
    );
  };
  return (
    <Stack gap="xs">
      {value.length === 0 && (
        <Text fz="sm" c="dimmed">
          {emptyText}
        </Text>
      )}
      {value.map((c, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: position is the identity
        <Group key={i} gap="xs" align="flex-start" wrap="wrap" data-testid="condition-row">
          <Select
            data={fields}
            value={c.field}
            onChange={(v) => v && set(i, { field: v, value: conditionValue(c.op, []) })}
            allowDeselect={false}
            searchable
            w={190}
            aria-label="Field"
            error={errors(`conditions.${i}.field`)}
            data-testid="condition-field"
          />
          <Select
            data={conditionOpOptions}
            value={c.op}
            onChange={(v) => v && set(i, { op: v as RuleCondition["op"], value: conditionValue(v, valueText(c)) })}
            allowDeselect={false}
            w={120}
            aria-label="Operator"
            data-testid="condition-op"
          />
          {valueInput(c, i, listOps.has(c.op) ? fieldOptions(c.field, custom.data ?? [], countries) : null)}
          <ActionIcon variant="subtle" color="gray" mt={6} onClick={() => onChange(value.filter((_, j) => j !== i))} aria-label="Remove condition">
            <IconX size={16} />
          </ActionIcon>
        </Group>
      ))}
      <Button
        variant="subtle"
        size="compact-sm"
        leftSection={<IconPlus size={14} />}
        onClick={() => onChange([...value, { field: "country", op: "eq", value: "" }])}
        w="fit-content"
        data-testid="add-condition"
      >
        Add condition
      </Button>
    </Stack>
  );
}
