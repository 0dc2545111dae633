import {
  ActionIcon,
  Button,
  Group,
  Menu,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { IconBraces, IconPlus, IconX } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useMemo, useRef } from "react";
import { UserPicker } from "../components/pickers.js";
import { customFieldsQuery, teamsQuery, usersQuery } from "../http/queries.js";
import { companyFilterFields, contactFilterFields } from "../records/objects.js";
import type { FieldDef } from "../records/types.js";
import { type Trigger, triggerTypeOptions } from "./api.js";
import { stepKind } from "./catalogue.js";
import type { BranchKey, TreeStep } from "./tree.js";

type Config = Record<string, unknown>;
const str = (v: unknown) => (typeof v === "string" ? v : "");
const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);

export const unitOptions = [
  { value: "minutes", label: "minutes" },
  { value: "hours", label: "hours" },
  { value: "days", label: "days" },
];

/** One line under a step's name on the canvas: what it will do, in words. */
export function stepSummary(step: TreeStep): string {
  const c = step.config;
  switch (step.type) {
    case "update_fields": {
      const n = Array.isArray(c.updates) ? c.updates.length : 0;
      return n ? `Sets ${n === 1 ? "1 field" : `${n} fields`}` : "Choose fields to set";
    }
    case "create_task":
      return str(c.title) ? `“${str(c.title)}”${num(c.dueInDays) !== undefined ? `, due in ${num(c.dueInDays)} days` : ""}` : "Give the task a title";
    case "create_note":
      return str(c.body) ? str(c.body).slice(0, 60) : "Write the note";
    case "create_deal":
      return str(c.name) ? `“${str(c.name)}”` : "Name the deal";
    case "create_contact":
      return "From the trigger's values";
    case "add_tags":
    case "remove_tags":
      return strs(c.tags).length ? strs(c.tags).join(", ") : "Choose tags";
    case "assign_owner":
      return c.mode === "round_robin"
        ? "Round-robin in a team"
        : c.mode === "rules"
          ? "By the assignment rules"
          : c.userId
            ? "To a person"
            : "Choose how to assign";
    case "send_email":
      return str(c.subject) ? `“${str(c.subject)}”` : "Write the email";
    case "notify":
      return str(c.message) ? str(c.message).slice(0, 60) : "Write the message";
    case "http_request":
      return str(c.url)
        ? `${str(c.method) || "POST"} ${str(c.url)
            .replace(/^https?:\/\//, "")
            .slice(0, 40)}`
        : "Enter the URL";
    case "send_webhook":
      return "To the workspace's webhook endpoints";
    case "if_else":
      return c.condition ? "Checks a condition" : "Set the condition";
    case "wait":
      return c.mode === "until_date"
        ? "Until a date on the record"
        : c.mode === "until_condition"
          ? "Until a condition is true"
          : num(c.amount)
            ? `${num(c.amount)} ${str(c.unit) || "days"}`
            : "Choose how long";
    case "stop":
      return "The run ends here";
    default:
      return stepKind(step.type).hint;
  }
}

function useFieldDefs(object: "contact" | "company"): FieldDef[] {
  const custom = useQuery(customFieldsQuery(object));
  return useMemo(() => (object === "contact" ? contactFilterFields(custom.data ?? []) : companyFilterFields(custom.data ?? [])), [object, custom.data]);
}

/** Merge fields offered in email and note templates (liquid syntax, as the server renders them). */
export const mergeFields: { value: string; label: string }[] = [
  { value: "{{ contact.firstName }}", label: "Contact: first name" },
  { value: "{{ contact.lastName }}", label: "Contact: last name" },
  { value: "{{ contact.email }}", label: "Contact: email" },
  { value: "{{ company.name }}", label: "Company: name" },
  { value: "{{ deal.name }}", label: "Deal: name" },
  { value: "{{ owner.name }}", label: "Owner: name" },
  { value: "{{ owner.email }}", label: "Owner: email" },
  { value: "{{ workspace.name }}", label: "Workspace: name" },
];

/** A text area with a "merge field" menu that inserts at the cursor, so nobody has to remember the syntax. */
export function TemplateField({
  label,
  value,
  onChange,
  readOnly,
  minRows = 4,
  description,
  testId,
  fields = mergeFields,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  readOnly: boolean;
  minRows?: number;
  description?: ReactNode;
  testId?: string;
  fields?: { value: string; label: string }[];
}) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const insert = (token: string) => {
    const el = ref.current;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + token + value.slice(end));
    setTimeout(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    }, 0);
  };
  return (
    <Stack gap={4}>
      <Group justify="space-between" align="flex-end">
        <Text fz="sm" fw={500} component="label" htmlFor={testId}>
          {label}
        </Text>
        {!readOnly && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <Button size="compact-xs" variant="subtle" leftSection={<IconBraces size={12} />} data-testid={testId ? `${testId}-merge` : undefined}>
                Insert merge field
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {fields.map((f) => (
                <Menu.Item key={f.value} onClick={() => insert(f.value)}>
                  {f.label}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      <Textarea
        id={testId}
        ref={ref}
        value={value}
        onChange={(e) => onChange(e.currentTarget.value)}
        autosize
        minRows={minRows}
        maxRows={14}
        readOnly={readOnly}
        description={description}
        data-testid={testId}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
      />
    </Stack>
  );
}

function UsersMulti({ value, onChange, label, readOnly }: { value: string[]; onChange: (v: string[]) => void; label: string; readOnly: boolean }) {
  const users = useQuery(usersQuery);
  const data = (users.data ?? []).filter((u) => u.active || value.includes(u.id)).map((u) => ({ value: u.id, label: u.name }));
  return <MultiSelect label={label} data={data} value={value} onChange={onChange} searchable readOnly={readOnly} placeholder="Choose people" />;
}

function TeamsMulti({ value, onChange, label, readOnly }: { value: string[]; onChange: (v: string[]) => void; label: string; readOnly: boolean }) {
  const teams = useQuery(teamsQuery);
  const data = (teams.data ?? []).map((t) => ({ value: t.id, label: t.name }));
  return <MultiSelect label={label} data={data} value={value} onChange={onChange} searchable readOnly={readOnly} placeholder="Choose teams" />;
}

function TeamSelect({ value, onChange, readOnly }: { value: string | null; onChange: (v: string | null) => void; readOnly: boolean }) {
  const teams = useQuery(teamsQuery);
  return (
    <Select
      label="Team"
      data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
      value={value}
      onChange={onChange}
      readOnly={readOnly}
      placeholder="Choose a team"
      nothingFoundMessage="No teams yet: create one in Settings → Users & teams"
    />
  );
}

/** Name/value rows, for HTTP headers. */
function PairsEditor({
  value,
  onChange,
  readOnly,
}: {
  value: { name: string; value: string }[];
  onChange: (v: { name: string; value: string }[]) => void;
  readOnly: boolean;
}) {
  return (
    <Stack gap={6}>
      <Text fz="sm" fw={500}>
        Headers
      </Text>
      {value.map((h, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
        <Group key={i} gap={6} wrap="nowrap">
          <TextInput
            aria-label={`Header ${i + 1} name`}
            placeholder="Authorization"
            value={h.name}
            onChange={(e) => onChange(value.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))}
            readOnly={readOnly}
            style={{ flex: 1 }}
          />
          <TextInput
            aria-label={`Header ${i + 1} value`}
            placeholder="Bearer …"
            value={h.value}
            onChange={(e) => onChange(value.map((x, j) => (j === i ? { ...x, value: e.currentTarget.value } : x)))}
            readOnly={readOnly}
            style={{ flex: 1 }}
          />
          {!readOnly && (
            <ActionIcon variant="subtle" color="gray" aria-label={`Remove header ${i + 1}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
              <IconX size={14} />
            </ActionIcon>
          )}
        </Group>
      ))}
      {!readOnly && (
        <Button
          size="compact-xs"
          variant="subtle"
          leftSection={<IconPlus size={12} />}
          onClick={() => onChange([...value, { name: "", value: "" }])}
          w="fit-content"
        >
          Add a header
        </Button>
      )}
    </Stack>
  );
}

export function HttpRequestForm({ c, set, readOnly }: { c: Config; set: (patch: Config) => void; readOnly: boolean }) {
  const headers = Array.isArray(c.headers) ? (c.headers as { name: string; value: string }[]) : [];
  return (
    <Stack gap="sm">
      <Group gap={6} align="flex-end" wrap="nowrap">
        <Select
          label="Method"
          data={["GET", "POST", "PUT", "PATCH", "DELETE"]}
          value={str(c.method) || "POST"}
          onChange={(v) => set({ method: v ?? "POST" })}
          readOnly={readOnly}
          w={110}
          allowDeselect={false}
        />
        <TextInput
          label="URL"
          placeholder="https://example.com/hooks/crm"
          value={str(c.url)}
          onChange={(e) => set({ url: e.currentTarget.value })}
          readOnly={readOnly}
          style={{ flex: 1 }}
          data-testid="http-url"
        />
      </Group>
      <PairsEditor value={headers} onChange={(h) => set({ headers: h })} readOnly={readOnly} />
      {str(c.method) !== "GET" && (
        <TemplateField
          label="Body (JSON)"
          value={str(c.body)}
          onChange={(v) => set({ body: v })}
          readOnly={readOnly}
          description="Merge fields are filled in before sending. The answer is available to later steps as {{ steps.<this step>.response }}."
          testId="http-body"
        />
      )}
    </Stack>
  );
}

function FieldUpdates({ c, set, readOnly }: { c: Config; set: (patch: Config) => void; readOnly: boolean }) {
  const defs = useFieldDefs("contact");
  const updates = Array.isArray(c.updates) ? (c.updates as { field: string; mode?: string; value?: unknown }[]) : [];
  const setRow = (i: number, patch: Partial<{ field: string; mode: string; value: unknown }>) =>
    set({ updates: updates.map((u, j) => (j === i ? { ...u, ...patch } : u)) });
  return (
    <Stack gap="sm">
      {updates.map((u, i) => {
        const def = defs.find((d) => d.id === u.field);
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
          <Stack key={i} gap={6} p="xs" style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 8 }}>
            <Group gap={6} wrap="nowrap" align="flex-end">
              <Select
                label="Field"
                data={defs.map((d) => ({ value: d.id, label: d.label }))}
                value={u.field || null}
                onChange={(v) => setRow(i, { field: v ?? "", value: undefined })}
                searchable
                readOnly={readOnly}
                style={{ flex: 1 }}
              />
              {!readOnly && (
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  aria-label={`Remove field ${i + 1}`}
                  onClick={() => set({ updates: updates.filter((_, j) => j !== i) })}
                  mb={4}
                >
                  <IconX size={14} />
                </ActionIcon>
              )}
            </Group>
            <SegmentedControl
              size="xs"
              value={u.mode ?? "value"}
              onChange={(mode) => setRow(i, { mode, value: undefined })}
              readOnly={readOnly}
              data={[
                { value: "value", label: "A value" },
                { value: "field", label: "Another field" },
                ...(def?.kind === "date" ? [{ value: "relative", label: "A date from now" }] : []),
              ]}
            />
            {u.mode === "field" ? (
              <Select
                aria-label="Copy from field"
                data={defs.filter((d) => d.id !== u.field).map((d) => ({ value: d.id, label: d.label }))}
                value={typeof u.value === "string" ? u.value : null}
                onChange={(v) => setRow(i, { value: v })}
                searchable
                readOnly={readOnly}
              />
            ) : u.mode === "relative" ? (
              <Group gap={6} wrap="nowrap">
                <Text fz="sm">Now +</Text>
                <NumberInput
                  aria-label="Days from now"
                  value={num(u.value) ?? 0}
                  onChange={(v) => setRow(i, { value: Number(v) || 0 })}
                  w={90}
                  readOnly={readOnly}
                />
                <Text fz="sm">days</Text>
              </Group>
            ) : (
              <ValueInput def={def} value={u.value} onChange={(v) => setRow(i, { value: v })} readOnly={readOnly} />
            )}
          </Stack>
        );
      })}
      {!readOnly && (
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() => set({ updates: [...updates, { field: "", mode: "value" }] })}
          w="fit-content"
        >
          Add a field
        </Button>
      )}
    </Stack>
  );
}

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
  if (!def)
    return (
      <TextInput
        aria-label="Value"
        value={str(value)}
        onChange={(e) => onChange(e.currentTarget.value)}
        readOnly={readOnly}
        placeholder="Choose a field first"
        disabled
      />
    );
  switch (def.kind) {
    case "enum":
      return (
        <Select aria-label={`${def.label} value`} data={def.options ?? []} value={str(value) || null} onChange={onChange} readOnly={readOnly} searchable />
      );
    case "user":
      return <UserPicker aria-label={`${def.label} value`} value={str(value) || null} onChange={onChange} readOnly={readOnly} />;
    case "boolean":
      return <Switch label={def.label} checked={value === true} onChange={(e) => onChange(e.currentTarget.checked)} disabled={readOnly} />;
    case "number":
      return (
        <NumberInput
          aria-label={`${def.label} value`}
          value={num(value) ?? ""}
          onChange={(v) => onChange(typeof v === "number" ? v : null)}
          readOnly={readOnly}
        />
      );
    case "tags":
    case "multi":
      return <TagsInput aria-label={`${def.label} value`} value={strs(value)} onChange={onChange} readOnly={readOnly} />;
    default:
      return <TextInput aria-label={`${def.label} value`} value={str(value)} onChange={(e) => onChange(e.currentTarget.value)} readOnly={readOnly} />;
  }
}

/** The form for one step; each type gets the inputs its configuration needs, with labels, never codes. */
export function StepForm({
  step,
  onChange,
  onBranches,
  readOnly,
}: {
  step: TreeStep;
  onChange: (config: Config) => void;
  onBranches: (b: TreeStep["branches"]) => void;
  readOnly: boolean;
}) {
  const c = step.config;
  const set = (patch: Config) => onChange({ ...c, ...patch });
  switch (step.type) {
    case "update_fields":
      return <FieldUpdates c={c} set={set} readOnly={readOnly} />;
    case "create_task":
      return (
        <Stack gap="sm">
          <TemplateField label="Title" value={str(c.title)} onChange={(v) => set({ title: v })} readOnly={readOnly} minRows={1} testId="task-title" />
          <NumberInput
            label="Due in (days)"
            min={0}
            value={num(c.dueInDays) ?? ""}
            onChange={(v) => set({ dueInDays: typeof v === "number" ? v : undefined })}
            readOnly={readOnly}
          />
          <Select
            label="Assign to"
            data={[
              { value: "owner", label: "The record's owner" },
              { value: "user", label: "A person" },
            ]}
            value={str(c.assignTo) || "owner"}
            onChange={(v) => set({ assignTo: v ?? "owner" })}
            readOnly={readOnly}
            allowDeselect={false}
          />
          {c.assignTo === "user" && <UserPicker label="Person" value={str(c.userId) || null} onChange={(v) => set({ userId: v })} readOnly={readOnly} />}
        </Stack>
      );
    case "create_note":
      return <TemplateField label="Note" value={str(c.body)} onChange={(v) => set({ body: v })} readOnly={readOnly} testId="note-body" />;
    case "create_deal":
      return (
        <Stack gap="sm">
          <TemplateField label="Deal name" value={str(c.name)} onChange={(v) => set({ name: v })} readOnly={readOnly} minRows={1} />
          <NumberInput
            label="Amount"
            min={0}
            value={num(c.amount) ?? ""}
            onChange={(v) => set({ amount: typeof v === "number" ? v : undefined })}
            readOnly={readOnly}
          />
        </Stack>
      );
    case "add_tags":
    case "remove_tags":
      return <TagsInput label="Tags" value={strs(c.tags)} onChange={(v) => set({ tags: v })} readOnly={readOnly} placeholder="Type a tag and press Enter" />;
    case "assign_owner":
      return (
        <Stack gap="sm">
          <SegmentedControl
            value={str(c.mode) || "user"}
            onChange={(mode) => set({ mode })}
            readOnly={readOnly}
            data={[
              { value: "user", label: "A person" },
              { value: "round_robin", label: "Round-robin" },
              { value: "rules", label: "Assignment rules" },
            ]}
          />
          {(str(c.mode) || "user") === "user" && (
            <UserPicker label="Owner" value={str(c.userId) || null} onChange={(v) => set({ userId: v })} readOnly={readOnly} />
          )}
          {c.mode === "round_robin" && <TeamSelect value={str(c.teamId) || null} onChange={(v) => set({ teamId: v })} readOnly={readOnly} />}
          {c.mode === "rules" && (
            <Text fz="sm" c="dimmed">
              Uses the rules in Settings → Lead assignment, in their order.
            </Text>
          )}
        </Stack>
      );
    case "send_email":
      return (
        <Stack gap="sm">
          <Select
            label="To"
            data={[
              { value: "contact", label: "The record's contact" },
              { value: "owner", label: "The record's owner" },
              { value: "users", label: "Chosen people" },
            ]}
            value={str(c.to) || "contact"}
            onChange={(v) => set({ to: v ?? "contact" })}
            readOnly={readOnly}
            allowDeselect={false}
            description="Contacts marked do-not-contact or without email consent are skipped; the run says so."
          />
          {c.to === "users" && <UsersMulti label="People" value={strs(c.userIds)} onChange={(v) => set({ userIds: v })} readOnly={readOnly} />}
          <TemplateField label="Subject" value={str(c.subject)} onChange={(v) => set({ subject: v })} readOnly={readOnly} minRows={1} testId="email-subject" />
          <TemplateField label="Message" value={str(c.body)} onChange={(v) => set({ body: v })} readOnly={readOnly} minRows={6} testId="email-body" />
        </Stack>
      );
    case "notify":
      return (
        <Stack gap="sm">
          <UsersMulti label="People" value={strs(c.userIds)} onChange={(v) => set({ userIds: v })} readOnly={readOnly} />
          <TeamsMulti label="Teams" value={strs(c.teamIds)} onChange={(v) => set({ teamIds: v })} readOnly={readOnly} />
          <Switch label="Also the record's owner" checked={c.owner === true} onChange={(e) => set({ owner: e.currentTarget.checked })} disabled={readOnly} />
          <TemplateField label="Message" value={str(c.message)} onChange={(v) => set({ message: v })} readOnly={readOnly} minRows={2} />
        </Stack>
      );
    case "http_request":
      return <HttpRequestForm c={c} set={set} readOnly={readOnly} />;
    case "send_webhook":
      return (
        <Text fz="sm" c="dimmed">
          The record is delivered to every webhook endpoint subscribed to workflow events, signed and retried like any other webhook.
        </Text>
      );
    case "wait":
      return <WaitForm c={c} set={set} step={step} onBranches={onBranches} readOnly={readOnly} />;
    case "if_else":
      return (
        <Stack gap="sm">
          <Text fz="sm" c="dimmed">
            Records that match go down the “Yes” path, the others down “No”.
          </Text>
          <ConditionSlot value={c.condition} onChange={(condition) => set({ condition })} readOnly={readOnly} />
        </Stack>
      );
    case "stop":
      return (
        <Text fz="sm" c="dimmed">
          The run ends here, as done. Steps after it on this path never run.
        </Text>
      );
    default:
      return (
        <Text fz="sm" c="dimmed">
          This step has no settings.
        </Text>
      );
  }
}

function WaitForm({
  c,
  set,
  step,
  onBranches,
  readOnly,
}: {
  c: Config;
  set: (patch: Config) => void;
  step: TreeStep;
  onBranches: (b: TreeStep["branches"]) => void;
  readOnly: boolean;
}) {
  const mode = str(c.mode) || "duration";
  const hasTimeout = step.branches?.timeout !== undefined;
  const setTimeoutBranch = (on: boolean) => {
    const next: Partial<Record<BranchKey, TreeStep[]>> = { ...step.branches };
    if (on) next.timeout = next.timeout ?? [];
    else delete next.timeout;
    onBranches(next);
  };
  return (
    <Stack gap="sm">
      <SegmentedControl
        value={mode}
        onChange={(m) => set({ mode: m })}
        readOnly={readOnly}
        data={[
          { value: "duration", label: "For a time" },
          { value: "until_date", label: "Until a date" },
          { value: "until_condition", label: "Until true" },
        ]}
      />
      {mode === "duration" && (
        <Group gap={6} wrap="nowrap" align="flex-end">
          <NumberInput
            label="Wait"
            min={1}
            value={num(c.amount) ?? ""}
            onChange={(v) => set({ amount: typeof v === "number" ? v : undefined })}
            readOnly={readOnly}
            w={100}
          />
          <Select
            aria-label="Unit"
            data={unitOptions}
            value={str(c.unit) || "days"}
            onChange={(v) => set({ unit: v ?? "days" })}
            readOnly={readOnly}
            w={120}
            allowDeselect={false}
          />
        </Group>
      )}
      {mode === "until_date" && <DateFieldSelect value={str(c.field) || null} onChange={(field) => set({ field })} readOnly={readOnly} />}
      {mode === "until_condition" && (
        <>
          <ConditionSlot value={c.condition} onChange={(condition) => set({ condition })} readOnly={readOnly} />
          <Switch
            label="Give up after a while (adds a “Timed out” path)"
            checked={hasTimeout}
            onChange={(e) => setTimeoutBranch(e.currentTarget.checked)}
            disabled={readOnly}
            data-testid="wait-timeout"
          />
          {hasTimeout && (
            <Group gap={6} wrap="nowrap" align="flex-end">
              <NumberInput
                label="After"
                min={1}
                value={num(c.timeoutAmount) ?? ""}
                onChange={(v) => set({ timeoutAmount: typeof v === "number" ? v : undefined })}
                readOnly={readOnly}
                w={100}
              />
              <Select
                aria-label="Unit"
                data={unitOptions}
                value={str(c.timeoutUnit) || "days"}
                onChange={(v) => set({ timeoutUnit: v ?? "days" })}
                readOnly={readOnly}
                w={120}
                allowDeselect={false}
              />
            </Group>
          )}
        </>
      )}
    </Stack>
  );
}

function DateFieldSelect({ value, onChange, readOnly }: { value: string | null; onChange: (v: string | null) => void; readOnly: boolean }) {
  const defs = useFieldDefs("contact").filter((d) => d.kind === "date");
  return (
    <Select label="Date field" data={defs.map((d) => ({ value: d.id, label: d.label }))} value={value} onChange={onChange} readOnly={readOnly} searchable />
  );
}

/** Where the shared condition editor plugs in; until it does, one field/operator/value line. */
export function ConditionSlot({ value, onChange, readOnly }: { value: unknown; onChange: (v: unknown) => void; readOnly: boolean }) {
  const defs = useFieldDefs("contact");
  const c = (value && typeof value === "object" ? value : {}) as { field?: string; op?: string; value?: unknown };
  const def = defs.find((d) => d.id === c.field);
  return (
    <Stack gap={6}>
      <Select
        label="Field"
        data={defs.map((d) => ({ value: d.id, label: d.label }))}
        value={c.field ?? null}
        onChange={(f) => onChange({ ...c, field: f })}
        readOnly={readOnly}
        searchable
      />
      <Select
        label="Is"
        data={[
          { value: "eq", label: "is" },
          { value: "neq", label: "is not" },
          { value: "contains", label: "contains" },
          { value: "gte", label: "is at least" },
          { value: "lte", label: "is at most" },
          { value: "notEmpty", label: "is set" },
          { value: "empty", label: "is empty" },
        ]}
        value={c.op ?? "eq"}
        onChange={(op) => onChange({ ...c, op })}
        readOnly={readOnly}
        allowDeselect={false}
      />
      {c.op !== "empty" && c.op !== "notEmpty" && <ValueInput def={def} value={c.value} onChange={(v) => onChange({ ...c, value: v })} readOnly={readOnly} />}
    </Stack>
  );
}

export function TriggerForm({ value, onChange, readOnly }: { value: Trigger; onChange: (t: Trigger) => void; readOnly: boolean }) {
  const set = (patch: Config) => onChange({ ...value, ...patch } as Trigger);
  return (
    <Stack gap="sm">
      <Select
        label="Starts when"
        data={triggerTypeOptions}
        value={value.type}
        onChange={(type) => type && onChange({ type } as Trigger)}
        readOnly={readOnly}
        allowDeselect={false}
        data-testid="trigger-type"
      />
      <Switch
        label="Records created by imports start it too"
        checked={value.includeImports === true}
        onChange={(e) => set({ includeImports: e.currentTarget.checked })}
        disabled={readOnly}
      />
      <Select
        label="A record may run it again"
        data={[
          { value: "never", label: "Never" },
          { value: "after_leaving", label: "After it stops matching" },
          { value: "always", label: "Every time" },
        ]}
        value={str(value.reenroll) || "never"}
        onChange={(v) => set({ reenroll: v ?? "never" })}
        readOnly={readOnly}
        allowDeselect={false}
      />
    </Stack>
  );
}
