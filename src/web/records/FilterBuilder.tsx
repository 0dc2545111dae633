import { ActionIcon, Badge, Button, Group, MultiSelect, NumberInput, Popover, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconFilter, IconPlus, IconX } from "@tabler/icons-react";
import { useState } from "react";
import type { FilterCondition, User } from "../../contract/index.js";
import { completeFilters, defaultValue, newCondition, opLabel, opNeedsValue, opsFor } from "./fields.js";
import type { FieldDef } from "./types.js";

interface Props {
  fields: FieldDef[];
  value: FilterCondition[];
  onChange: (filters: FilterCondition[]) => void;
  users: User[];
}

/** Popover to build AND-ed conditions; typed value inputs per field kind, applied on "Apply". */
export function FilterBuilder({ fields, value, onChange, users }: Props) {
  const [opened, setOpened] = useState(false);
  const [draft, setDraft] = useState<FilterCondition[]>(value);
  const open = () => {
    setDraft(value.length ? value : fields[0] ? [newCondition(fields[0])] : []);
    setIncomplete(false);
    setOpened(true);
  };

  const active = value.length;
  const [incomplete, setIncomplete] = useState(false);
  const apply = () => {
    const complete = completeFilters(draft);
    if (complete.length !== draft.length) {
      setIncomplete(true);
      return;
    }
    setIncomplete(false);
    onChange(complete);
    setOpened(false);
  };
  const update = (i: number, c: FilterCondition) => {
    setIncomplete(false);
    setDraft((d) => d.map((x, j) => (j === i ? c : x)));
  };

  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-start" shadow="md" width={600} trapFocus withinPortal>
      <Popover.Target>
        <Button
          variant={active ? "light" : "default"}
          leftSection={<IconFilter size={16} />}
          rightSection={
            active ? (
              <Badge size="xs" circle>
                {active}
              </Badge>
            ) : undefined
          }
          onClick={() => (opened ? setOpened(false) : open())}
          data-testid="filter-button"
        >
          Filter
        </Button>
      </Popover.Target>
      <Popover.Dropdown maw="calc(100vw - 16px)" data-testid="filter-popover">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <Stack gap="sm">
            <Text fz="sm" fw={600}>
              Show records where
            </Text>
            {draft.length === 0 && (
              <Text fz="sm" c="dimmed">
                No conditions. Add one to narrow the list.
              </Text>
            )}
            {draft.map((c, i) => (
              <ConditionRow
                // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity of their own
                key={i}
                index={i}
                condition={c}
                fields={fields}
                users={users}
                onChange={(nc) => update(i, nc)}
                onRemove={() => setDraft((d) => d.filter((_, j) => j !== i))}
              />
            ))}
            {incomplete && (
              <Text fz="xs" c="red" data-testid="filter-incomplete">
                Give every condition a value, or remove it.
              </Text>
            )}
            <Group justify="space-between" mt={4}>
              <Button
                variant="subtle"
                size="xs"
                leftSection={<IconPlus size={14} />}
                onClick={() => fields[0] && setDraft((d) => [...d, newCondition(fields[0] as FieldDef)])}
                data-testid="filter-add"
              >
                Add condition
              </Button>
              <Group gap="xs">
                {active > 0 && (
                  <Button
                    variant="default"
                    size="xs"
                    onClick={() => {
                      onChange([]);
                      setOpened(false);
                    }}
                  >
                    Clear all
                  </Button>
                )}
                <Button size="xs" type="submit" data-testid="filter-apply" data-autofocus>
                  Apply
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

function ConditionRow({
  index,
  condition,
  fields,
  users,
  onChange,
  onRemove,
}: {
  index: number;
  condition: FilterCondition;
  fields: FieldDef[];
  users: User[];
  onChange: (c: FilterCondition) => void;
  onRemove: () => void;
}) {
  const field = fields.find((f) => f.id === condition.field) ?? fields[0];
  if (!field) return null;
  const ops = opsFor(field.kind);
  const fieldData = [
    { group: "Fields", items: fields.filter((f) => !f.id.startsWith("custom.")).map((f) => ({ value: f.id, label: f.label })) },
    { group: "Custom fields", items: fields.filter((f) => f.id.startsWith("custom.")).map((f) => ({ value: f.id, label: f.label })) },
  ].filter((g) => g.items.length);

  return (
    <Group gap="xs" wrap="wrap" align="flex-start" data-testid={`filter-row-${index}`}>
      <Select
        aria-label="Field"
        data={fieldData}
        value={field.id}
        onChange={(id) => {
          const f = fields.find((x) => x.id === id);
          if (f) onChange(newCondition(f));
        }}
        searchable
        allowDeselect={false}
        w={170}
        size="xs"
        comboboxProps={{ withinPortal: false }}
        data-testid="filter-field"
      />
      <Select
        aria-label="Operator"
        data={ops.map((op) => ({ value: op, label: opLabel(field.kind, op) }))}
        value={condition.op}
        onChange={(op) => {
          const o = (op ?? "eq") as FilterCondition["op"];
          const keep = opNeedsValue(o) && opNeedsValue(condition.op) && (o === "in") === (condition.op === "in");
          onChange({ ...condition, op: o, value: keep ? condition.value : defaultValue(field, o) });
        }}
        allowDeselect={false}
        w={130}
        size="xs"
        comboboxProps={{ withinPortal: false }}
        data-testid="filter-op"
      />
      {opNeedsValue(condition.op) && <ValueInput field={field} condition={condition} users={users} onChange={(value) => onChange({ ...condition, value })} />}
      <ActionIcon variant="subtle" color="gray" onClick={onRemove} aria-label="Remove condition" mt={2}>
        <IconX size={16} />
      </ActionIcon>
    </Group>
  );
}

function ValueInput({
  field,
  condition,
  users,
  onChange,
}: {
  field: FieldDef;
  condition: FilterCondition;
  users: User[];
  onChange: (v: FilterCondition["value"]) => void;
}) {
  const common = { "aria-label": "Value", size: "xs" as const, style: { flex: 1, minWidth: 150 }, "data-testid": "filter-value" };
  const v = condition.value;
  switch (field.kind) {
    case "number":
      return (
        <NumberInput
          {...common}
          value={typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : ""}
          onChange={(n) => onChange(typeof n === "number" ? n : n === "" ? "" : Number(n))}
        />
      );
    case "date":
      return <TextInput {...common} type="date" value={typeof v === "string" ? v : ""} onChange={(e) => onChange(e.currentTarget.value)} />;
    case "boolean":
      return (
        <Select
          {...common}
          data={[
            { value: "true", label: "Yes" },
            { value: "false", label: "No" },
          ]}
          value={v === false ? "false" : "true"}
          onChange={(s) => onChange(s === "true")}
          allowDeselect={false}
          comboboxProps={{ withinPortal: false }}
        />
      );
    case "enum":
    case "multi":
      if (condition.op === "in") {
        return (
          <MultiSelect
            {...common}
            data={field.options ?? []}
            value={Array.isArray(v) ? v.map(String) : []}
            onChange={(vals) => onChange(vals)}
            comboboxProps={{ withinPortal: false }}
          />
        );
      }
      return field.options?.length ? (
        <Select
          {...common}
          data={field.options}
          value={typeof v === "string" ? v : null}
          onChange={(s) => onChange(s ?? "")}
          searchable
          allowDeselect={false}
          comboboxProps={{ withinPortal: false }}
        />
      ) : (
        <TextInput {...common} value={typeof v === "string" ? v : ""} onChange={(e) => onChange(e.currentTarget.value)} />
      );
    case "user":
      return (
        <Select
          {...common}
          data={[{ value: "me", label: "Me" }, ...users.map((u) => ({ value: u.id, label: u.name }))]}
          value={typeof v === "string" && v ? v : null}
          onChange={(s) => onChange(s ?? "")}
          searchable
          allowDeselect={false}
          comboboxProps={{ withinPortal: false }}
        />
      );
    default:
      return (
        <TextInput
          {...common}
          placeholder={field.kind === "tags" ? "Tag" : "Value"}
          value={typeof v === "string" ? v : v === undefined ? "" : String(v)}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      );
  }
}
