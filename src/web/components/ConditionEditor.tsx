import { ActionIcon, Button, Group, MultiSelect, NumberInput, Paper, SegmentedControl, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconPlus, IconX } from "@tabler/icons-react";
import {
  type Condition,
  type ConditionGroup,
  type ConditionLeaf,
  type ConditionOp,
  changeOperators,
  groupItems,
  isGroup,
  listOperatorLabels,
  operatorLabels,
  operatorsFor,
  resolveFieldPath,
  type TimeUnit,
  timeUnitLabels,
  timeUnits,
  valueKindOf,
} from "../../contract/conditions.js";
import type { FieldDef, FieldRegistry, RegistryObject } from "../../contract/fields.js";

/**
 * The one condition editor: lists, saved views, assignment, scoring and validation rules and the workflow builder
 * all edit conditions with it. Fields come from the registry (labels, never codes), operators from the field's type,
 * values from the field's own options: a select shows its labels, a person field shows people, a date offers
 * relative choices. Groups switch between "all" (AND) and "any" (OR) and nest.
 */
export interface ConditionEditorProps {
  object: RegistryObject;
  registry: FieldRegistry;
  value: ConditionGroup;
  onChange: (value: ConditionGroup) => void;
  /** People for person fields (the workspace's users). */
  users?: { id: string; name: string }[];
  /** Options of fields whose options depend on the workspace (pipelines, stages), keyed by field name. */
  dynamicOptions?: Record<string, { value: string; label: string }[]>;
  /** Offer changed / changed from / changed to (update triggers). */
  allowChanges?: boolean;
  /** Offer fields of related records (company.industry, deals.amount). */
  allowRelated?: boolean;
  /** How deep groups may nest (1: no sub-groups). */
  maxDepth?: number;
}

const isList = (f: FieldDef) => f.type === "tags" || f.type === "multiselect";
const opText = (f: FieldDef, op: ConditionOp) => (isList(f) ? listOperatorLabels[op] : undefined) ?? operatorLabels[op];

/** A new leaf on a field, with its first operator and an empty value of the right shape. */
export function newLeaf(field: FieldDef, name = field.name): ConditionLeaf {
  const op = (operatorsFor[field.type][0] ?? "eq") as ConditionOp;
  return { field: name, op, ...defaultValueFor(field, op) };
}

function defaultValueFor(field: FieldDef, op: ConditionOp): Pick<ConditionLeaf, "value"> {
  switch (valueKindOf[op]) {
    case "none":
      return {};
    case "list":
      return { value: [] };
    case "range":
      return { value: ["", ""] };
    case "span":
      return { value: { n: 7, unit: "day" } };
    default:
      if (field.type === "boolean") return { value: true };
      return { value: field.options?.[0]?.value ?? "" };
  }
}

/** Whether every leaf has what its operator needs: the editor's owner sends only complete conditions. */
export function isComplete(c: Condition): boolean {
  if (isGroup(c)) return groupItems(c).every(isComplete);
  const v = c.value;
  switch (valueKindOf[c.op]) {
    case "none":
      return true;
    case "list":
      return Array.isArray(v) && v.length > 0;
    case "range":
      return Array.isArray(v) && v.length === 2 && v.every((x) => x !== "" && x !== null && x !== undefined);
    case "span":
      return typeof v === "object" && v !== null && !Array.isArray(v) && v.n > 0;
    default:
      return v !== undefined && v !== null && v !== "";
  }
}

export function ConditionEditor(props: ConditionEditorProps) {
  return <GroupEditor {...props} depth={0} testId="condition" />;
}

function GroupEditor(props: ConditionEditorProps & { depth: number; testId: string; onRemove?: () => void }) {
  const { value, onChange, registry, object, depth } = props;
  const mode = "all" in value ? "all" : "any";
  const items = groupItems(value);
  const set = (next: Condition[]) => onChange(mode === "all" ? { all: next } : { any: next });
  const fields = fieldChoices(registry, object, props.allowRelated ?? true);
  const first = fields[0];
  return (
    <Stack gap="xs" data-testid={`${props.testId}-group`}>
      <Group gap="xs" justify="space-between">
        <Group gap="xs">
          <Text fz="sm">Match</Text>
          <SegmentedControl
            size="xs"
            value={mode}
            onChange={(m) => onChange(m === "all" ? { all: items } : { any: items })}
            data={[
              { value: "all", label: "all of these" },
              { value: "any", label: "any of these" },
            ]}
            data-testid={`${props.testId}-mode`}
          />
        </Group>
        {props.onRemove && (
          <ActionIcon variant="subtle" color="gray" onClick={props.onRemove} aria-label="Remove group">
            <IconX size={16} />
          </ActionIcon>
        )}
      </Group>
      {items.length === 0 && (
        <Text fz="sm" c="dimmed">
          No conditions yet: every record matches. Add one to narrow it down.
        </Text>
      )}
      {items.map((item, i) => {
        const replace = (c: Condition) => set(items.map((x, j) => (j === i ? c : x)));
        const remove = () => set(items.filter((_, j) => j !== i));
        const key = `${props.testId}-${i}`;
        return isGroup(item) ? (
          <Paper key={key} withBorder p="xs">
            <GroupEditor {...props} value={item} onChange={replace} depth={depth + 1} testId={key} onRemove={remove} />
          </Paper>
        ) : (
          <LeafEditor key={key} {...props} leaf={item} onLeafChange={replace} onRemove={remove} testId={key} fields={fields} />
        );
      })}
      {first && (
        <Group gap="xs">
          <Button
            variant="subtle"
            size="xs"
            leftSection={<IconPlus size={14} />}
            onClick={() => set([...items, newLeaf(first.def, first.name)])}
            data-testid={`${props.testId}-add`}
          >
            Add condition
          </Button>
          {depth + 1 < (props.maxDepth ?? 3) && (
            <Button
              variant="subtle"
              size="xs"
              leftSection={<IconPlus size={14} />}
              onClick={() => set([...items, mode === "all" ? { any: [newLeaf(first.def, first.name)] } : { all: [newLeaf(first.def, first.name)] }])}
              data-testid={`${props.testId}-add-group`}
            >
              Add group
            </Button>
          )}
        </Group>
      )}
    </Stack>
  );
}

interface FieldChoice {
  name: string;
  def: FieldDef;
  group: string;
  label: string;
}

/** The fields a condition can name: the record's own, its custom fields, then each related record's. */
function fieldChoices(registry: FieldRegistry, object: RegistryObject, related: boolean): FieldChoice[] {
  const own = registry[object];
  const out: FieldChoice[] = own.fields
    .filter((f) => f.filterable)
    .map((f) => ({ name: f.name, def: f, group: f.custom ? "Custom fields" : `${own.label} fields`, label: f.label }));
  if (related) {
    for (const r of own.relations) {
      for (const f of registry[r.object].fields.filter((x) => x.filterable)) {
        out.push({ name: `${r.name}.${f.name}`, def: f, group: r.many ? `Any of its ${r.label.toLowerCase()}` : r.label, label: `${r.label}: ${f.label}` });
      }
    }
  }
  return out;
}

function LeafEditor(
  props: ConditionEditorProps & { leaf: ConditionLeaf; onLeafChange: (c: ConditionLeaf) => void; onRemove: () => void; testId: string; fields: FieldChoice[] },
) {
  const { leaf, onLeafChange, fields } = props;
  const resolved = resolveFieldPath(props.registry, props.object, leaf.field);
  const choice = fields.find((f) => f.name === leaf.field);
  const field = typeof resolved === "string" ? undefined : resolved.field;
  const groups = [...new Set(fields.map((f) => f.group))].map((g) => ({
    group: g,
    items: fields.filter((f) => f.group === g).map((f) => ({ value: f.name, label: f.label })),
  }));
  const ops = field ? operatorsFor[field.type].filter((op) => props.allowChanges || !changeOperators.includes(op)) : [];
  const many = typeof resolved !== "string" && resolved.relation?.many;
  return (
    <Group gap="xs" wrap="wrap" align="flex-start" data-testid={props.testId}>
      <Select
        aria-label="Field"
        data={groups}
        value={choice ? choice.name : null}
        placeholder={field ? undefined : `Unknown field ${leaf.field}`}
        onChange={(name) => {
          const next = fields.find((f) => f.name === name);
          if (next) onLeafChange(newLeaf(next.def, next.name));
        }}
        searchable
        allowDeselect={false}
        w={200}
        size="xs"
        comboboxProps={{ withinPortal: false }}
        data-testid="condition-field"
      />
      {many && (
        <Select
          aria-label="Which related records"
          data={[
            { value: "any", label: "any has" },
            { value: "none", label: "none has" },
          ]}
          value={leaf.quantifier ?? "any"}
          onChange={(q) => onLeafChange({ ...leaf, quantifier: q === "none" ? "none" : undefined })}
          allowDeselect={false}
          w={110}
          size="xs"
          comboboxProps={{ withinPortal: false }}
        />
      )}
      {field && (
        <Select
          aria-label="Operator"
          data={ops.map((op) => ({ value: op, label: opText(field, op) }))}
          value={leaf.op}
          onChange={(op) => {
            const o = (op ?? "eq") as ConditionOp;
            const keep = valueKindOf[o] === valueKindOf[leaf.op];
            onLeafChange({
              field: leaf.field,
              op: o,
              ...(leaf.quantifier ? { quantifier: leaf.quantifier } : {}),
              ...(keep ? { value: leaf.value } : defaultValueFor(field, o)),
            });
          }}
          allowDeselect={false}
          w={160}
          size="xs"
          comboboxProps={{ withinPortal: false }}
          data-testid="condition-op"
        />
      )}
      {field && valueKindOf[leaf.op] !== "none" && (
        <ValueInput
          field={field}
          leaf={leaf}
          users={props.users ?? []}
          dynamic={props.dynamicOptions?.[field.name]}
          onChange={(value) => onLeafChange({ ...leaf, value })}
        />
      )}
      <ActionIcon variant="subtle" color="gray" onClick={props.onRemove} aria-label="Remove condition" mt={2}>
        <IconX size={16} />
      </ActionIcon>
    </Group>
  );
}

function ValueInput({
  field,
  leaf,
  users,
  dynamic,
  onChange,
}: {
  field: FieldDef;
  leaf: ConditionLeaf;
  users: { id: string; name: string }[];
  dynamic?: { value: string; label: string }[];
  onChange: (v: ConditionLeaf["value"]) => void;
}) {
  const common = { "aria-label": "Value", size: "xs" as const, style: { flex: 1, minWidth: 150 }, "data-testid": "condition-value" };
  const v = leaf.value;
  const kind = valueKindOf[leaf.op];
  const temporal = field.type === "date" || field.type === "datetime";
  if (kind === "span") {
    const span = v && typeof v === "object" && !Array.isArray(v) ? v : { n: 7, unit: "day" as TimeUnit };
    const units = field.type === "date" ? timeUnits.filter((u) => u !== "hour") : timeUnits;
    return (
      <Group gap={4} style={{ flex: 1, minWidth: 180 }}>
        <NumberInput
          aria-label="How many"
          size="xs"
          w={70}
          min={1}
          value={span.n}
          onChange={(n) => onChange({ ...span, n: typeof n === "number" ? n : Number(n) || 1 })}
          data-testid="condition-span-n"
        />
        <Select
          aria-label="Unit"
          size="xs"
          w={110}
          data={units.map((u) => ({ value: u, label: timeUnitLabels[u] }))}
          value={span.unit}
          onChange={(u) => onChange({ ...span, unit: (u ?? "day") as TimeUnit })}
          allowDeselect={false}
          comboboxProps={{ withinPortal: false }}
          data-testid="condition-span-unit"
        />
      </Group>
    );
  }
  if (kind === "range") {
    const [a, b] = Array.isArray(v) ? v : ["", ""];
    const input = (x: unknown, i: 0 | 1) =>
      temporal ? (
        <TextInput
          aria-label={i === 0 ? "From" : "To"}
          size="xs"
          type="date"
          value={typeof x === "string" ? x.slice(0, 10) : ""}
          onChange={(e) => onChange(i === 0 ? [e.currentTarget.value, String(b ?? "")] : [String(a ?? ""), e.currentTarget.value])}
        />
      ) : (
        <NumberInput
          aria-label={i === 0 ? "From" : "To"}
          size="xs"
          w={100}
          value={x === "" || x === undefined ? "" : Number(x)}
          onChange={(n) => onChange(i === 0 ? [n === "" ? "" : Number(n), b ?? ""] : [a ?? "", n === "" ? "" : Number(n)])}
        />
      );
    return (
      <Group gap={4} style={{ flex: 1, minWidth: 200 }} data-testid="condition-value">
        {input(a, 0)}
        <Text fz="xs">and</Text>
        {input(b, 1)}
      </Group>
    );
  }
  const options =
    field.type === "user"
      ? [{ value: "me", label: "Me" }, ...users.map((u) => ({ value: u.id, label: u.name }))]
      : (field.options ?? dynamic ?? (field.dynamicOptions?.source === "users" ? users.map((u) => ({ value: u.id, label: u.name })) : undefined));
  if (kind === "list") {
    const values = Array.isArray(v) ? v.map(String) : [];
    return options?.length ? (
      <MultiSelect {...common} data={options} value={values} onChange={(vals) => onChange(vals)} searchable comboboxProps={{ withinPortal: false }} />
    ) : (
      <TextInput
        {...common}
        placeholder="Values, separated by commas"
        value={values.join(", ")}
        onChange={(e) =>
          onChange(
            e.currentTarget.value
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
          )
        }
      />
    );
  }
  if (temporal)
    return <TextInput {...common} type="date" value={typeof v === "string" ? v.slice(0, 10) : ""} onChange={(e) => onChange(e.currentTarget.value)} />;
  if (field.type === "number" || field.type === "money")
    return (
      <NumberInput
        {...common}
        value={typeof v === "number" ? v : typeof v === "string" && v !== "" ? Number(v) : ""}
        onChange={(n) => onChange(typeof n === "number" ? n : n === "" ? "" : Number(n))}
      />
    );
  if (field.type === "boolean")
    return (
      <Select
        {...common}
        data={[
          { value: "true", label: "Yes" },
          { value: "false", label: "No" },
        ]}
        value={v === false || v === "false" ? "false" : "true"}
        onChange={(s) => onChange(s === "true")}
        allowDeselect={false}
        comboboxProps={{ withinPortal: false }}
      />
    );
  if ((options?.length && !["contains", "notContains", "startsWith"].includes(leaf.op)) || (options?.length && isList(field)))
    return (
      <Select
        {...common}
        data={options}
        value={typeof v === "string" && v ? v : null}
        onChange={(s) => onChange(s ?? "")}
        searchable
        allowDeselect={false}
        comboboxProps={{ withinPortal: false }}
      />
    );
  return (
    <TextInput
      {...common}
      placeholder={field.type === "tags" ? "Tag" : "Value"}
      value={typeof v === "string" || typeof v === "number" ? String(v) : ""}
      onChange={(e) => onChange(e.currentTarget.value)}
    />
  );
}
