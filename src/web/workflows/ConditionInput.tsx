import { ActionIcon, Button, Group, NumberInput, SegmentedControl, Select, Stack, Text } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import {
  type ConditionLeaf,
  type ConditionOp,
  listOperatorLabels,
  operatorLabels,
  operatorsFor,
  timeUnitLabels,
  timeUnits,
  valueKindOf,
} from "../../contract/conditions.js";
import { useConditionFields } from "./fields.js";
import { ValueInput } from "./ValueInput.js";

type Leaf = Partial<ConditionLeaf> & { field: string; op: ConditionOp };

/**
 * A condition over the workflow's record in the shared condition language: field / operator / value lines joined by
 * "all" or "any", fields of the record and of its related records, values chosen by label. Nested groups written
 * elsewhere (the API) are kept as they are.
 */
export function ConditionInput({
  object,
  value,
  onChange,
  readOnly,
  optional,
}: {
  object: string;
  value: unknown;
  onChange: (v: Record<string, unknown> | null) => void;
  readOnly: boolean;
  optional?: boolean;
}) {
  const fields = useConditionFields(object);
  const g = (value && typeof value === "object" ? value : {}) as { all?: Leaf[]; any?: Leaf[] };
  const join: "all" | "any" = g.any && !g.all ? "any" : "all";
  const lines = (g[join] ?? []) as Leaf[];
  const nested = lines.some((l) => !l || typeof l.field !== "string");
  const write = (next: Leaf[], j = join) => onChange(next.length === 0 && optional ? null : ({ [j]: next } as Record<string, unknown>));
  if (nested) {
    return (
      <Text fz="sm" c="dimmed">
        This condition has nested groups, made outside the builder; it is kept as it is.
      </Text>
    );
  }
  const groups = [...new Set(fields.map((f) => f.group))].map((group) => ({
    group,
    items: fields.filter((f) => f.group === group).map((f) => ({ value: f.path, label: f.label })),
  }));
  return (
    <Stack gap={6} data-testid="condition-input">
      {lines.length > 1 && (
        <SegmentedControl
          size="xs"
          value={join}
          onChange={(j) => write(lines, j as "all" | "any")}
          readOnly={readOnly}
          data={[
            { value: "all", label: "All of these" },
            { value: "any", label: "Any of these" },
          ]}
        />
      )}
      {lines.map((l, i) => {
        const f = fields.find((x) => x.path === l.field);
        const ops = f ? operatorsFor[f.field.type] : [];
        const listy = f && (f.field.type === "tags" || f.field.type === "multiselect");
        const kind = valueKindOf[l.op] ?? "single";
        const setLine = (patch: Partial<Leaf>) => write(lines.map((x, j) => (j === i ? { ...x, ...patch } : x)));
        const span = (l.value && typeof l.value === "object" && !Array.isArray(l.value) ? l.value : { n: 30, unit: "day" }) as { n: number; unit: string };
        const range = Array.isArray(l.value) ? l.value : [];
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity beyond their place
          <Stack key={i} gap={4} p={6} style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 8 }} data-testid="condition-line">
            <Group gap={6} wrap="nowrap">
              <Select
                aria-label={`Condition ${i + 1}: field`}
                data={f || !l.field ? groups : [...groups, { group: "Unknown", items: [{ value: l.field, label: l.field }] }]}
                value={l.field || null}
                onChange={(field) => {
                  const nf = fields.find((x) => x.path === field);
                  setLine({ field: field ?? "", op: nf ? (operatorsFor[nf.field.type][0] ?? "eq") : "eq", value: undefined });
                }}
                searchable
                readOnly={readOnly}
                placeholder="Field"
                style={{ flex: 1 }}
              />
              {!readOnly && (
                <ActionIcon variant="subtle" color="gray" aria-label={`Remove condition ${i + 1}`} onClick={() => write(lines.filter((_, j) => j !== i))}>
                  <IconX size={14} />
                </ActionIcon>
              )}
            </Group>
            {f && (
              <Select
                aria-label={`Condition ${i + 1}: operator`}
                data={ops.map((o) => ({ value: o, label: (listy ? listOperatorLabels[o] : undefined) ?? operatorLabels[o] }))}
                value={l.op}
                onChange={(op) => setLine({ op: (op ?? "eq") as ConditionOp, value: undefined })}
                readOnly={readOnly}
                allowDeselect={false}
              />
            )}
            {f && kind === "single" && (
              <ValueInput def={f.field} value={l.value} onChange={(v) => setLine({ value: v as Leaf["value"] })} readOnly={readOnly} />
            )}
            {f && kind === "list" && (
              <ValueInput def={f.field} value={l.value} onChange={(v) => setLine({ value: v as Leaf["value"] })} readOnly={readOnly} many />
            )}
            {f && kind === "range" && (
              <Group gap={6} grow>
                <ValueInput
                  def={f.field}
                  value={range[0]}
                  onChange={(v) => setLine({ value: [v as string, range[1] ?? ""] as Leaf["value"] })}
                  readOnly={readOnly}
                  label="From"
                />
                <ValueInput
                  def={f.field}
                  value={range[1]}
                  onChange={(v) => setLine({ value: [range[0] ?? "", v as string] as Leaf["value"] })}
                  readOnly={readOnly}
                  label="To"
                />
              </Group>
            )}
            {f && kind === "span" && (
              <Group gap={6} wrap="nowrap">
                <NumberInput
                  aria-label="How many"
                  min={1}
                  value={span.n}
                  onChange={(n) => setLine({ value: { n: typeof n === "number" ? n : 1, unit: span.unit } as Leaf["value"] })}
                  readOnly={readOnly}
                  w={90}
                />
                <Select
                  aria-label="Unit"
                  data={timeUnits.map((u) => ({ value: u, label: timeUnitLabels[u] }))}
                  value={span.unit}
                  onChange={(unit) => setLine({ value: { n: span.n, unit: unit ?? "day" } as Leaf["value"] })}
                  readOnly={readOnly}
                  allowDeselect={false}
                />
              </Group>
            )}
          </Stack>
        );
      })}
      {lines.length === 0 && (
        <Text fz="xs" c="dimmed">
          {optional ? "Every record (no condition)." : "Add at least one condition."}
        </Text>
      )}
      {!readOnly && (
        <Button
          size="compact-xs"
          variant="subtle"
          leftSection={<IconPlus size={12} />}
          onClick={() => write([...lines, { field: "", op: "eq" }])}
          w="fit-content"
          data-testid="add-condition"
        >
          Add a condition
        </Button>
      )}
    </Stack>
  );
}
