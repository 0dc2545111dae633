import { ActionIcon, Button, Group, SegmentedControl, Select, Stack, Text } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import { opLabel, opNeedsValue, opsFor } from "../records/fields.js";
import { useFieldDefs } from "./fields.js";
import { ValueInput } from "./ValueInput.js";

type Leaf = { field: string; op: string; value?: unknown };
type Group_ = { all?: Leaf[]; any?: Leaf[] };

/**
 * A condition over the workflow's record in the shared condition language: a list of field / operator / value lines
 * joined by "all" or "any". Fields, operators and values are chosen by label. Nested groups written elsewhere (the
 * API) are kept as they are and shown as such.
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
  const defs = useFieldDefs(object);
  const g = (value && typeof value === "object" ? value : {}) as Group_;
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
        const def = defs.find((d) => d.id === l.field);
        const ops = def ? opsFor(def.kind) : [];
        const setLine = (patch: Partial<Leaf>) => write(lines.map((x, j) => (j === i ? { ...x, ...patch } : x)));
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity beyond their place
          <Stack key={i} gap={4} p={6} style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 8 }}>
            <Group gap={6} wrap="nowrap">
              <Select
                aria-label={`Condition ${i + 1}: field`}
                data={[...defs.map((d) => ({ value: d.id, label: d.label })), ...(def || !l.field ? [] : [{ value: l.field, label: l.field }])]}
                value={l.field || null}
                onChange={(field) =>
                  setLine({ field: field ?? "", op: field ? (opsFor(defs.find((d) => d.id === field)?.kind ?? "text")[0] ?? "eq") : "eq", value: undefined })
                }
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
            {def && (
              <Select
                aria-label={`Condition ${i + 1}: operator`}
                data={ops.map((o) => ({ value: o, label: opLabel(def.kind, o) }))}
                value={l.op}
                onChange={(op) => setLine({ op: op ?? "eq" })}
                readOnly={readOnly}
                allowDeselect={false}
              />
            )}
            {def && opNeedsValue(l.op as Parameters<typeof opNeedsValue>[0]) && (
              <ValueInput def={def} value={l.value} onChange={(v) => setLine({ value: v })} readOnly={readOnly} />
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
