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
import { type Condition, groupItems } from "../../contract/conditions.js";
import {
  durationUnits,
  httpMethods,
  recipientLabels,
  reenrollLabels,
  type StepType,
  stepLabels,
  triggerLabels,
  triggerTypes,
  workflowObjectLabels,
} from "../../contract/index.js";
import { slaMetricLabels, slaMetrics } from "../../contract/sla.js";
import { ConditionField } from "../components/ConditionField.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { teamsQuery, usersQuery } from "../http/queries.js";
import { sequencesQuery } from "../sequences/api.js";
import type { Trigger } from "./api.js";
import { asRegistryObject, useFieldDefs, type WfField } from "./fields.js";
import { flatten, type TreeStep } from "./tree.js";
import { ValueInput } from "./ValueInput.js";

type Config = Record<string, unknown>;
const isDate = (d: WfField) => d.type === "date" || d.type === "datetime";
const str = (v: unknown) => (typeof v === "string" ? v : "");
const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const strs = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
const obj = (v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Config) : {});

type Duration = { amount: number; unit: string };
const dur = (v: unknown): Duration | null => {
  const d = obj(v);
  return typeof d.amount === "number" ? { amount: d.amount, unit: str(d.unit) || "days" } : null;
};
const unitOptions = durationUnits.map((u) => ({ value: u, label: u }));
const durationWords = (d: Duration | null) => (d ? `${d.amount} ${d.amount === 1 ? d.unit.replace(/s$/, "") : d.unit}` : "");

/** What the builder needs to know around a step: the workflow's object and the other steps (for merge fields). */
export interface StepContext {
  object: string;
  steps: TreeStep[];
  /** The trigger's type: only an update trigger's conditions may ask what changed. */
  triggerType?: string;
}

type Recipient = { kind: string; userId?: string; teamId?: string };
const recipients = (v: unknown): Recipient[] => (Array.isArray(v) ? (v as Recipient[]).filter((r) => r && typeof r.kind === "string") : []);

function recipientWords(list: Recipient[]): string {
  return list
    .map((r) => (r.kind === "user" ? "a person" : r.kind === "team" ? "a team" : (recipientLabels as Record<string, string>)[r.kind]?.toLowerCase()))
    .join(", ");
}

/** One line under a step's name on the canvas: what it will do, in words. */
export function stepSummary(step: TreeStep): string {
  const c = step.config;
  switch (step.type) {
    case "update_fields": {
      const n = Array.isArray(c.updates) ? c.updates.length : 0;
      return n ? `Sets ${n === 1 ? "1 field" : `${n} fields`}` : "Choose fields to set";
    }
    case "create_task":
      return str(c.title) ? `“${str(c.title)}”${dur(c.dueIn) ? `, due in ${durationWords(dur(c.dueIn))}` : ""}` : "Give the task a title";
    case "create_note":
      return str(c.body) ? str(c.body).slice(0, 60) : "Write the note";
    case "create_deal":
      return str(c.name) ? `“${str(c.name)}”` : "Name the deal";
    case "create_contact":
      return str(c.email) ? `With email ${str(c.email)}` : "Fill in the contact's details";
    case "tags": {
      const add = strs(c.add);
      const remove = strs(c.remove);
      return [add.length ? `Adds ${add.join(", ")}` : "", remove.length ? `removes ${remove.join(", ")}` : ""].filter(Boolean).join("; ") || "Choose tags";
    }
    case "assign_owner":
      return c.mode === "round_robin"
        ? "Round robin in a team"
        : c.mode === "assignment_rules"
          ? "By the assignment rules"
          : c.userId
            ? "To a person"
            : "Choose how to assign";
    case "send_email":
      return str(c.subject) ? `“${str(c.subject)}” to ${recipientWords(recipients(c.to)) || "…"}` : "Write the email";
    case "notify":
      return str(c.title) ? `“${str(c.title)}”` : "Write the notification";
    case "http_request":
      return str(c.url)
        ? `${str(c.method) || "POST"} ${str(c.url)
            .replace(/^https?:\/\//, "")
            .slice(0, 40)}`
        : "Enter the URL";
    case "enrol_in_sequence":
      return c.sequenceId ? "In the chosen sequence" : "Choose the sequence";
    case "send_webhook":
      return str(c.label) ? `As “${str(c.label)}”` : "To the workspace's webhook endpoints";
    case "if_else":
      return c.condition ? "Checks a condition" : "Set the condition";
    case "wait":
      return c.mode === "until_date"
        ? `Until the record's ${str(c.field) || "date"}`
        : c.mode === "until_condition"
          ? `Until a condition holds${dur(c.timeout) ? `, at most ${durationWords(dur(c.timeout))}` : ""}`
          : dur(c.duration)
            ? durationWords(dur(c.duration))
            : "Choose how long";
    case "stop":
      return str(c.reason) || "The run ends here";
    default:
      return stepLabels[step.type as StepType]?.description ?? "";
  }
}

/** Merge fields offered in templates (liquid, as the server renders them): the record's fields, the owner, earlier steps. */
function useMergeFields(ctx: StepContext, selfId: string): { value: string; label: string; group: string }[] {
  const defs = useFieldDefs(ctx.object);
  return useMemo(() => {
    const object = (workflowObjectLabels as Record<string, string>)[ctx.object] ?? "Record";
    const out = defs.map((d) => ({ value: `{{ record.${d.name} }}`, label: d.label, group: object }));
    out.push(
      { value: "{{ owner.name }}", label: "Name", group: "Owner" },
      { value: "{{ owner.email }}", label: "Email", group: "Owner" },
      { value: "{{ workspace.name }}", label: "Workspace name", group: "Other" },
      { value: '{{ now | date: "%Y-%m-%d" }}', label: "Today's date", group: "Other" },
    );
    for (const s of flatten(ctx.steps)) {
      if (s.id === selfId) break;
      if (s.type === "http_request")
        out.push({ value: `{{ steps.${s.id}.output.body }}`, label: `${s.name || "HTTP request"}: response body`, group: "Earlier steps" });
      if (s.type === "create_task" || s.type === "create_deal" || s.type === "create_contact")
        out.push({
          value: `{{ steps.${s.id}.output.id }}`,
          label: `${s.name || stepLabels[s.type as StepType].label}: new record's id`,
          group: "Earlier steps",
        });
    }
    return out;
  }, [defs, ctx.object, ctx.steps, selfId]);
}

/** A text area with a "merge field" menu that inserts at the cursor, so nobody has to remember the syntax. */
export function TemplateField({
  label,
  value,
  onChange,
  readOnly,
  minRows = 4,
  description,
  testId,
  fields,
  single,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  readOnly: boolean;
  minRows?: number;
  description?: ReactNode;
  testId: string;
  fields: { value: string; label: string; group: string }[];
  single?: boolean;
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
  const groups = [...new Set(fields.map((f) => f.group))];
  return (
    <Stack gap={4}>
      <Group justify="space-between" align="flex-end">
        <Text fz="sm" fw={500} component="label" htmlFor={testId}>
          {label}
        </Text>
        {!readOnly && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <Button
                size="compact-xs"
                variant="subtle"
                leftSection={<IconBraces size={12} />}
                data-testid={`${testId}-merge`}
                aria-label={`Insert a merge field into ${label}`}
              >
                Insert merge field
              </Button>
            </Menu.Target>
            <Menu.Dropdown mah={320} style={{ overflowY: "auto" }}>
              {groups.map((g) => (
                <div key={g}>
                  <Menu.Label>{g}</Menu.Label>
                  {fields
                    .filter((f) => f.group === g)
                    .map((f) => (
                      <Menu.Item key={f.value} onClick={() => insert(f.value)}>
                        {f.label}
                      </Menu.Item>
                    ))}
                </div>
              ))}
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      <Textarea
        id={testId}
        ref={ref}
        value={value}
        onChange={(e) => onChange(single ? e.currentTarget.value.replace(/\n/g, " ") : e.currentTarget.value)}
        autosize
        minRows={single ? 1 : minRows}
        maxRows={single ? 3 : 14}
        readOnly={readOnly}
        description={description}
        data-testid={testId}
        styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)", fontSize: 13 } }}
      />
    </Stack>
  );
}

/** People, teams and roles relative to the record ("its owner"), as one multi-select. */
function RecipientsInput({
  label,
  value,
  onChange,
  readOnly,
  allowContact,
  testId,
}: {
  label: string;
  value: Recipient[];
  onChange: (v: Recipient[]) => void;
  readOnly: boolean;
  allowContact?: boolean;
  testId: string;
}) {
  const users = useQuery(usersQuery);
  const teams = useQuery(teamsQuery);
  const encode = (r: Recipient) => (r.kind === "user" ? `user:${r.userId}` : r.kind === "team" ? `team:${r.teamId}` : r.kind);
  const decode = (v: string): Recipient => {
    if (v.startsWith("user:")) return { kind: "user", userId: v.slice(5) };
    if (v.startsWith("team:")) return { kind: "team", teamId: v.slice(5) };
    return { kind: v };
  };
  const roles = (["record_contact", "owner", "owner_team", "owner_manager"] as const).filter((k) => allowContact || k !== "record_contact");
  const data = [
    { group: "Relative to the record", items: roles.map((k) => ({ value: k, label: recipientLabels[k] })) },
    { group: "People", items: (users.data ?? []).filter((u) => u.active).map((u) => ({ value: `user:${u.id}`, label: u.name })) },
    { group: "Teams", items: (teams.data ?? []).map((t) => ({ value: `team:${t.id}`, label: t.name })) },
  ].filter((g) => g.items.length);
  return (
    <MultiSelect
      label={label}
      data={data}
      value={value.map(encode)}
      onChange={(v) => onChange(v.map(decode))}
      searchable
      readOnly={readOnly}
      placeholder={value.length ? undefined : "Choose who"}
      data-testid={testId}
    />
  );
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

function DurationInput({
  label,
  value,
  onChange,
  readOnly,
  min = 0,
}: {
  label: string;
  value: Duration | null;
  onChange: (d: Duration) => void;
  readOnly: boolean;
  min?: number;
}) {
  const d = value ?? { amount: 1, unit: "days" };
  return (
    <Group gap={6} wrap="nowrap" align="flex-end">
      <NumberInput
        label={label}
        min={min}
        value={value ? d.amount : ""}
        onChange={(v) => onChange({ ...d, amount: typeof v === "number" ? v : 0 })}
        readOnly={readOnly}
        w={110}
      />
      <Select
        aria-label={`${label}: unit`}
        data={unitOptions}
        value={d.unit}
        onChange={(u) => onChange({ ...d, unit: u ?? "days" })}
        readOnly={readOnly}
        w={120}
        allowDeselect={false}
      />
    </Group>
  );
}

/** Name/value rows, for HTTP headers. */
function HeadersEditor({
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

function FieldUpdates({ c, set, readOnly, ctx, selfId }: { c: Config; set: (patch: Config) => void; readOnly: boolean; ctx: StepContext; selfId: string }) {
  const defs = useFieldDefs(ctx.object);
  const merge = useMergeFields(ctx, selfId);
  type Source = { kind: string; value?: unknown; field?: string; offset?: Duration; direction?: string; base?: string; template?: string };
  const updates = Array.isArray(c.updates) ? (c.updates as { field: string; value: Source }[]) : [];
  const setRow = (i: number, patch: Partial<{ field: string; value: Source }>) => set({ updates: updates.map((u, j) => (j === i ? { ...u, ...patch } : u)) });
  const fieldOptions = defs.map((d) => ({ value: d.name, label: d.label }));
  // A field the registry lacks (a template's "contact.lifecycleStage") still shows, by its path, rather than vanishing.
  for (const u of updates) if (u.field && !fieldOptions.some((o) => o.value === u.field)) fieldOptions.push({ value: u.field, label: u.field });
  return (
    <Stack gap="sm">
      {updates.map((u, i) => {
        const def = defs.find((d) => d.name === u.field);
        const kind = u.value?.kind ?? "constant";
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
          <Stack key={i} gap={6} p="xs" style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 8 }} data-testid="field-update">
            <Group gap={6} wrap="nowrap" align="flex-end">
              <Select
                label="Field"
                data={fieldOptions}
                value={u.field || null}
                onChange={(v) => setRow(i, { field: v ?? "", value: { kind: "constant", value: null } })}
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
            <Select
              aria-label="Set it to"
              value={kind}
              onChange={(k) =>
                setRow(i, {
                  value:
                    k === "field"
                      ? { kind: "field", field: "" }
                      : k === "relative_date"
                        ? { kind: "relative_date", base: "now", offset: { amount: 3, unit: "days" }, direction: "after" }
                        : k === "template"
                          ? { kind: "template", template: "" }
                          : k === "clear"
                            ? { kind: "clear" }
                            : { kind: "constant", value: null },
                })
              }
              readOnly={readOnly}
              allowDeselect={false}
              data={[
                { value: "constant", label: "A value" },
                { value: "field", label: "Another field's value" },
                ...(def?.type === "date" || def?.type === "datetime" ? [{ value: "relative_date", label: "A date from now" }] : []),
                ...(def?.type === "text" || def?.type === "email" || def?.type === "phone" ? [{ value: "template", label: "Text with merge fields" }] : []),
                { value: "clear", label: "Nothing (clear it)" },
              ]}
            />
            {kind === "field" ? (
              <Select
                aria-label="Copy from field"
                data={defs.filter((d) => d.name !== u.field).map((d) => ({ value: d.name, label: d.label }))}
                value={u.value?.field || null}
                onChange={(v) => setRow(i, { value: { kind: "field", field: v ?? "" } })}
                searchable
                readOnly={readOnly}
              />
            ) : kind === "relative_date" ? (
              <Group gap={6} wrap="nowrap" align="flex-end">
                <DurationInput
                  label="Now +"
                  value={u.value?.offset ?? null}
                  onChange={(offset) => setRow(i, { value: { ...u.value, kind: "relative_date", offset } })}
                  readOnly={readOnly}
                />
              </Group>
            ) : kind === "template" ? (
              <TemplateField
                label="Text"
                value={str(u.value?.template)}
                onChange={(template) => setRow(i, { value: { kind: "template", template } })}
                readOnly={readOnly}
                testId={`update-${i}-template`}
                fields={merge}
                single
              />
            ) : kind === "clear" ? null : (
              <ValueInput def={def} value={u.value?.value} onChange={(v) => setRow(i, { value: { kind: "constant", value: v } })} readOnly={readOnly} />
            )}
          </Stack>
        );
      })}
      {!readOnly && (
        <Button
          size="xs"
          variant="light"
          leftSection={<IconPlus size={14} />}
          onClick={() => set({ updates: [...updates, { field: "", value: { kind: "constant", value: null } }] })}
          w="fit-content"
          data-testid="add-field-update"
        >
          Add a field
        </Button>
      )}
    </Stack>
  );
}

function PipelineStage({ c, set, readOnly }: { c: Config; set: (patch: Config) => void; readOnly: boolean }) {
  const pipelines = useQuery({
    queryKey: ["pipelines"],
    queryFn: () =>
      api.get<{ data: { id: string; name: string; isDefault?: boolean; stages: { id: string; name: string }[] }[] }>("/api/v1/pipelines").then((r) => r.data),
    staleTime: 60_000,
  });
  const pipeline = (pipelines.data ?? []).find((p) => p.id === c.pipelineId);
  return (
    <>
      <Select
        label="Pipeline"
        data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
        value={str(c.pipelineId) || null}
        onChange={(v) => set({ pipelineId: v, stageId: null })}
        readOnly={readOnly}
        placeholder="The default pipeline"
        clearable
      />
      <Select
        label="Stage"
        data={(pipeline?.stages ?? []).map((s) => ({ value: s.id, label: s.name }))}
        value={str(c.stageId) || null}
        onChange={(v) => set({ stageId: v })}
        readOnly={readOnly}
        placeholder="The pipeline's first stage"
        disabled={!pipeline}
        clearable
      />
    </>
  );
}

/** The form for one step; each type gets the inputs its configuration needs, with labels, never codes. */
export function StepForm({
  step,
  ctx,
  onChange,
  onBranches,
  onName,
  readOnly,
}: {
  step: TreeStep;
  ctx: StepContext;
  onChange: (config: Config) => void;
  onBranches: (b: TreeStep["branches"]) => void;
  onName: (name: string) => void;
  readOnly: boolean;
}) {
  const merge = useMergeFields(ctx, step.id);
  const c = step.config;
  const set = (patch: Config) => onChange({ ...c, ...patch });
  const tf = (label: string, key: string, opts: { single?: boolean; minRows?: number; description?: ReactNode } = {}) => (
    <TemplateField
      label={label}
      value={str(c[key])}
      onChange={(v) => set({ [key]: v })}
      readOnly={readOnly}
      testId={`${step.type}-${key}`}
      fields={merge}
      {...opts}
    />
  );
  const form = (() => {
    switch (step.type) {
      case "update_fields":
        return <FieldUpdates c={c} set={set} readOnly={readOnly} ctx={ctx} selfId={step.id} />;
      case "create_task":
        return (
          <>
            {tf("Title", "title", { single: true })}
            {tf("Description", "description", { minRows: 2 })}
            <Switch
              label="Has a due date"
              checked={dur(c.dueIn) !== null}
              onChange={(e) => set({ dueIn: e.currentTarget.checked ? { amount: 1, unit: "days" } : null })}
              disabled={readOnly}
            />
            {dur(c.dueIn) && <DurationInput label="Due in" value={dur(c.dueIn)} onChange={(dueIn) => set({ dueIn })} readOnly={readOnly} />}
            <Select
              label="Priority"
              data={[
                { value: "low", label: "Low" },
                { value: "normal", label: "Normal" },
                { value: "high", label: "High" },
                { value: "urgent", label: "Urgent" },
              ]}
              value={str(c.priority) || "normal"}
              onChange={(v) => set({ priority: v ?? "normal" })}
              readOnly={readOnly}
              allowDeselect={false}
            />
            <AssigneeInput value={obj(c.assignee) as Recipient} onChange={(assignee) => set({ assignee })} readOnly={readOnly} />
          </>
        );
      case "create_note":
        return tf("Note", "body");
      case "create_deal":
        return (
          <>
            {tf("Deal name", "name", { single: true })}
            <PipelineStage c={c} set={set} readOnly={readOnly} />
            <TextInput
              label="Amount"
              value={str(c.amount)}
              onChange={(e) => set({ amount: e.currentTarget.value || null })}
              readOnly={readOnly}
              inputMode="decimal"
            />
          </>
        );
      case "create_contact":
        return (
          <>
            {tf("First name", "firstName", { single: true })}
            {tf("Last name", "lastName", { single: true })}
            {tf("Email", "email", { single: true })}
            {tf("Phone", "phone", { single: true })}
          </>
        );
      case "tags":
        return (
          <>
            <TagsInput
              label="Add these tags"
              value={strs(c.add)}
              onChange={(v) => set({ add: v })}
              readOnly={readOnly}
              placeholder="Type a tag and press Enter"
            />
            <TagsInput
              label="Remove these tags"
              value={strs(c.remove)}
              onChange={(v) => set({ remove: v })}
              readOnly={readOnly}
              placeholder="Type a tag and press Enter"
            />
          </>
        );
      case "assign_owner":
        return (
          <>
            <Select
              label="Assign to"
              data={[
                { value: "user", label: "A person" },
                { value: "round_robin", label: "Round robin in a team" },
                { value: "assignment_rules", label: "By the lead assignment rules" },
              ]}
              value={str(c.mode) || "user"}
              onChange={(mode) => set({ mode: mode ?? "user" })}
              readOnly={readOnly}
              allowDeselect={false}
              data-testid="assign-mode"
            />
            {(str(c.mode) || "user") === "user" && (
              <UserPicker label="Owner" value={str(c.userId) || null} onChange={(v) => set({ userId: v })} readOnly={readOnly} data-testid="assign-user" />
            )}
            {c.mode === "round_robin" && <TeamSelect value={str(c.teamId) || null} onChange={(v) => set({ teamId: v })} readOnly={readOnly} />}
            {c.mode === "assignment_rules" && (
              <Text fz="sm" c="dimmed">
                Uses the rules in Settings → Lead assignment, in their order.
              </Text>
            )}
          </>
        );
      case "send_email":
        return (
          <>
            <RecipientsInput label="To" value={recipients(c.to)} onChange={(to) => set({ to })} readOnly={readOnly} allowContact testId="email-to" />
            <Text fz="xs" c="dimmed" mt={-6}>
              Contacts marked do-not-contact or without email consent are skipped; the run says so.
            </Text>
            {tf("Subject", "subject", { single: true })}
            {tf("Message", "body", { minRows: 6 })}
          </>
        );
      case "notify":
        return (
          <>
            <RecipientsInput label="Notify" value={recipients(c.to)} onChange={(to) => set({ to })} readOnly={readOnly} testId="notify-to" />
            {tf("Title", "title", { single: true })}
            {tf("Details", "body", { minRows: 2 })}
          </>
        );
      case "http_request": {
        const headers = Array.isArray(c.headers) ? (c.headers as { name: string; value: string }[]) : [];
        const method = str(c.method) || "POST";
        return (
          <>
            <Group gap={6} align="flex-end" wrap="nowrap">
              <Select
                label="Method"
                data={[...httpMethods]}
                value={method}
                onChange={(v) => set({ method: v ?? "POST" })}
                readOnly={readOnly}
                w={110}
                allowDeselect={false}
              />
              <div style={{ flex: 1 }}>{tf("URL", "url", { single: true })}</div>
            </Group>
            <HeadersEditor value={headers} onChange={(h) => set({ headers: h })} readOnly={readOnly} />
            {method !== "GET" &&
              tf("Body (JSON)", "body", {
                description: `Merge fields are filled in before sending. Later steps read the answer as {{ steps.${step.id}.output.body }}.`,
              })}
            <NumberInput
              label="Give up after (seconds)"
              min={1}
              max={30}
              value={num(c.timeoutSeconds) ?? 15}
              onChange={(v) => set({ timeoutSeconds: typeof v === "number" ? v : 15 })}
              readOnly={readOnly}
              w={200}
            />
          </>
        );
      }
      case "enrol_in_sequence":
        return <SequenceChoice value={str(c.sequenceId) || null} onChange={(sequenceId) => set({ sequenceId })} readOnly={readOnly} />;
      case "send_webhook":
        return (
          <>
            <Text fz="sm" c="dimmed">
              Delivers the record to the workspace's webhook endpoints, signed and retried like any other webhook.
            </Text>
            <TextInput
              label="Label"
              description="Sent as the event's name, so subscribers can tell sends apart"
              value={str(c.label)}
              onChange={(e) => set({ label: e.currentTarget.value })}
              readOnly={readOnly}
            />
            {tf("Extra JSON", "body", { minRows: 3 })}
          </>
        );
      case "wait":
        return <WaitForm c={c} onChange={onChange} step={step} onBranches={onBranches} readOnly={readOnly} ctx={ctx} />;
      case "if_else":
        return (
          <>
            <Text fz="sm" c="dimmed">
              Records that match go down the “Yes” path, the others down “No”.
            </Text>
            <ConditionField
              object={asRegistryObject(ctx.object)}
              value={c.condition as Condition | undefined}
              onChange={(condition) => set({ condition })}
              readOnly={readOnly}
              allowChanges={ctx.triggerType === "record_updated"}
            />
          </>
        );
      case "stop":
        return (
          <>
            <Text fz="sm" c="dimmed">
              The run ends here, as done. Steps after it on this path never run.
            </Text>
            <TextInput label="Reason (shown on the run)" value={str(c.reason)} onChange={(e) => set({ reason: e.currentTarget.value })} readOnly={readOnly} />
          </>
        );
      default:
        return (
          <Text fz="sm" c="dimmed">
            This step has no settings.
          </Text>
        );
    }
  })();
  return (
    <Stack gap="sm">
      <TextInput
        label="Step name"
        description="Shown on the canvas and in run history"
        value={step.name ?? ""}
        placeholder={stepLabels[step.type as StepType]?.label}
        onChange={(e) => onName(e.currentTarget.value)}
        readOnly={readOnly}
        data-testid="step-name"
      />
      {form}
    </Stack>
  );
}

function AssigneeInput({ value, onChange, readOnly }: { value: Recipient; onChange: (r: Recipient) => void; readOnly: boolean }) {
  const kind = value.kind || "owner";
  return (
    <>
      <Select
        label="Assign the task to"
        data={[
          { value: "owner", label: "The record's owner" },
          { value: "owner_manager", label: "The owner's manager" },
          { value: "user", label: "A person" },
          { value: "team", label: "Round robin in a team" },
        ]}
        value={kind}
        onChange={(k) => onChange({ kind: k ?? "owner" })}
        readOnly={readOnly}
        allowDeselect={false}
      />
      {kind === "user" && (
        <UserPicker
          label="Person"
          value={value.userId ?? null}
          onChange={(userId) => onChange({ kind: "user", userId: userId ?? undefined })}
          readOnly={readOnly}
        />
      )}
      {kind === "team" && (
        <TeamSelect value={value.teamId ?? null} onChange={(teamId) => onChange({ kind: "team", teamId: teamId ?? undefined })} readOnly={readOnly} />
      )}
    </>
  );
}

function WaitForm({
  c,
  onChange,
  step,
  onBranches,
  readOnly,
  ctx,
}: {
  c: Config;
  onChange: (c: Config) => void;
  step: TreeStep;
  onBranches: (b: TreeStep["branches"]) => void;
  readOnly: boolean;
  ctx: StepContext;
}) {
  const mode = str(c.mode) || "duration";
  const defs = useFieldDefs(ctx.object).filter(isDate);
  // Each mode has its own config shape; switching resets to that mode's defaults. Only "until true" has a timeout path.
  const setMode = (m: string) => {
    if (m === "duration") onChange({ mode: m, duration: { amount: 1, unit: "days" } });
    else if (m === "until_date") onChange({ mode: m, field: "", offset: { amount: 0, unit: "days" }, direction: "after", timeOfDay: "09:00" });
    else onChange({ mode: m, condition: {}, timeout: { amount: 7, unit: "days" } });
    if (m === "until_condition") onBranches({ ...step.branches, timeout: step.branches?.timeout ?? [] });
    else onBranches({});
  };
  const set = (patch: Config) => onChange({ ...c, mode, ...patch });
  return (
    <>
      <SegmentedControl
        value={mode}
        onChange={setMode}
        readOnly={readOnly}
        fullWidth
        data={[
          { value: "duration", label: "For a time" },
          { value: "until_date", label: "Until a date" },
          { value: "until_condition", label: "Until true" },
        ]}
      />
      {mode === "duration" && <DurationInput label="Wait" min={1} value={dur(c.duration)} onChange={(duration) => set({ duration })} readOnly={readOnly} />}
      {mode === "until_date" && (
        <>
          <Select
            label="Date field"
            data={defs.map((d) => ({ value: d.name, label: d.label }))}
            value={str(c.field) || null}
            onChange={(field) => set({ field })}
            readOnly={readOnly}
            searchable
          />
          <Group gap={6} align="flex-end" wrap="nowrap">
            <DurationInput label="Offset" value={dur(c.offset)} onChange={(offset) => set({ offset })} readOnly={readOnly} />
            <Select
              aria-label="Before or after the date"
              data={[
                { value: "before", label: "before" },
                { value: "after", label: "after" },
              ]}
              value={str(c.direction) || "after"}
              onChange={(direction) => set({ direction })}
              readOnly={readOnly}
              allowDeselect={false}
              w={100}
            />
          </Group>
          <TextInput
            type="time"
            label="At (workspace time)"
            value={str(c.timeOfDay) || "09:00"}
            onChange={(e) => set({ timeOfDay: e.currentTarget.value })}
            readOnly={readOnly}
            w={160}
          />
        </>
      )}
      {mode === "until_condition" && (
        <>
          <ConditionField
            object={asRegistryObject(ctx.object)}
            value={c.condition as Condition | undefined}
            onChange={(condition) => set({ condition })}
            readOnly={readOnly}
          />
          <DurationInput label="Give up after" min={1} value={dur(c.timeout)} onChange={(timeout) => set({ timeout })} readOnly={readOnly} />
          <Text fz="xs" c="dimmed">
            When it gives up, the run follows the “Timed out” path (add steps there, or leave it empty to end the run).
          </Text>
        </>
      )}
    </>
  );
}

const triggerObjects: Partial<Record<string, readonly string[]>> = {
  record_created: ["contact", "company", "deal", "task", "activity", "ticket"],
  record_updated: ["contact", "company", "deal", "task", "activity", "ticket"],
  record_deleted: ["contact", "company", "deal", "task", "activity", "ticket"],
  date_reached: ["contact", "company", "deal", "task", "ticket"],
  inactivity: ["contact", "company", "deal"],
  schedule: ["contact", "company", "deal", "task", "ticket"],
  manual: ["contact", "company", "deal", "task", "ticket"],
};

/** Defaults the server would fill, so a freshly chosen trigger type is complete enough to save. */
function freshTrigger(type: string, prev: Trigger): Trigger {
  const keep = {
    filter: prev.filter ?? null,
    enrollImports: prev.enrollImports ?? false,
    reenroll: prev.reenroll ?? "always",
    allowOwnChanges: prev.allowOwnChanges ?? false,
  };
  const objects = triggerObjects[type];
  const object = objects ? (objects.includes(String(prev.object)) ? prev.object : objects[0]) : undefined;
  const extra: Record<string, unknown> =
    type === "lead_score_crossed"
      ? { threshold: 70, direction: "up" }
      : type === "date_reached"
        ? { field: "", offset: { amount: 0, unit: "days" }, direction: "before", timeOfDay: "09:00" }
        : type === "inactivity"
          ? { days: 14, measure: "activity" }
          : type === "schedule"
            ? { cron: "0 9 * * 1", timeZone: null, viewId: null }
            : type === "record_updated"
              ? { changes: [] }
              : type === "form_submitted"
                ? { formId: null }
                : type === "deal_stage_changed"
                  ? { pipelineId: null, fromStageId: null, toStageId: null, toStageType: null }
                  : type === "sla_warning" || type === "sla_breached"
                    ? { object: "ticket", metrics: [] }
                    : {};
  return { type, ...(object ? { object } : {}), ...extra, ...keep } as Trigger;
}

export function TriggerForm({ value, onChange, readOnly }: { value: Trigger; onChange: (t: Trigger) => void; readOnly: boolean }) {
  const t = value as Trigger & Config;
  const set = (patch: Config) => onChange({ ...t, ...patch } as Trigger);
  const objects = triggerObjects[t.type];
  const forms = useQuery({
    queryKey: ["forms"],
    queryFn: () => api.get<{ data: { id: string; name: string }[] }>("/api/v1/forms").then((r) => r.data),
    enabled: t.type === "form_submitted",
  });
  const hooks = useQuery({
    queryKey: ["inbound-hooks"],
    queryFn: () => api.get<{ data: { id: string; name?: string; description?: string }[] }>("/api/v1/webhooks/inbound").then((r) => r.data),
    enabled: t.type === "inbound_webhook",
  });
  const defs = useFieldDefs(typeof t.object === "string" ? t.object : "contact");
  return (
    <Stack gap="sm">
      <Select
        label="Starts when"
        data={triggerTypes.map((k) => ({ value: k, label: triggerLabels[k].label }))}
        value={t.type}
        onChange={(type) => type && onChange(freshTrigger(type, value))}
        readOnly={readOnly}
        allowDeselect={false}
        description={triggerLabels[t.type as keyof typeof triggerLabels]?.description}
        data-testid="trigger-type"
      />
      {objects && (
        <Select
          label="Record"
          data={objects.map((o) => ({ value: o, label: (workflowObjectLabels as Record<string, string>)[o] ?? o }))}
          value={str(t.object)}
          onChange={(object) => object && set({ object })}
          readOnly={readOnly}
          allowDeselect={false}
        />
      )}
      {t.type === "form_submitted" && (
        <Select
          label="Form"
          data={(forms.data ?? []).map((f) => ({ value: f.id, label: f.name }))}
          value={str(t.formId) || null}
          onChange={(formId) => set({ formId })}
          readOnly={readOnly}
          placeholder="Any web form"
          clearable
          data-testid="trigger-form"
        />
      )}
      {t.type === "deal_stage_changed" && (
        <Select
          label="Into"
          data={[
            { value: "any", label: "Any stage" },
            { value: "won", label: "A won stage" },
            { value: "lost", label: "A lost stage" },
          ]}
          value={str(t.toStageType) || "any"}
          onChange={(v) => set({ toStageType: v === "any" ? null : v })}
          readOnly={readOnly}
          allowDeselect={false}
        />
      )}
      {(t.type === "sla_warning" || t.type === "sla_breached") && (
        <MultiSelect
          label="SLA targets"
          description="Leave empty for any target of the ticket's SLA policy"
          data={slaMetrics.map((m) => ({ value: m, label: slaMetricLabels[m] }))}
          value={Array.isArray(t.metrics) ? (t.metrics as string[]) : []}
          onChange={(metrics) => set({ metrics })}
          readOnly={readOnly}
          placeholder="Any target"
          clearable
          data-testid="trigger-sla-metrics"
        />
      )}
      {t.type === "lead_score_crossed" && (
        <Group gap={6} align="flex-end" wrap="nowrap">
          <Select
            label="When the score"
            data={[
              { value: "up", label: "reaches" },
              { value: "down", label: "falls below" },
            ]}
            value={str(t.direction) || "up"}
            onChange={(direction) => set({ direction })}
            readOnly={readOnly}
            allowDeselect={false}
            w={150}
          />
          <NumberInput
            label="Score"
            min={0}
            max={1000}
            value={num(t.threshold) ?? 70}
            onChange={(v) => set({ threshold: typeof v === "number" ? v : 0 })}
            readOnly={readOnly}
            w={110}
          />
        </Group>
      )}
      {t.type === "date_reached" && (
        <>
          <Select
            label="Date field"
            data={defs.filter(isDate).map((d) => ({ value: d.name, label: d.label }))}
            value={str(t.field) || null}
            onChange={(field) => set({ field })}
            readOnly={readOnly}
            searchable
          />
          <Group gap={6} align="flex-end" wrap="nowrap">
            <DurationInput label="Offset" value={dur(t.offset)} onChange={(offset) => set({ offset })} readOnly={readOnly} />
            <Select
              aria-label="Before or after the date"
              data={[
                { value: "before", label: "before" },
                { value: "after", label: "after" },
              ]}
              value={str(t.direction) || "before"}
              onChange={(direction) => set({ direction })}
              readOnly={readOnly}
              allowDeselect={false}
              w={100}
            />
          </Group>
        </>
      )}
      {t.type === "inactivity" && (
        <Group gap={6} align="flex-end" wrap="nowrap">
          <NumberInput
            label="No"
            min={1}
            value={num(t.days) ?? 14}
            onChange={(v) => set({ days: typeof v === "number" ? v : 1 })}
            readOnly={readOnly}
            w={100}
          />
          <Select
            aria-label="What stays unchanged"
            data={[
              { value: "activity", label: "days without activity" },
              { value: "stage_change", label: "days in the same stage" },
              { value: "update", label: "days without a change" },
            ]}
            value={str(t.measure) || "activity"}
            onChange={(measure) => set({ measure })}
            readOnly={readOnly}
            allowDeselect={false}
          />
        </Group>
      )}
      {t.type === "schedule" && (
        <TextInput
          label="Schedule (cron)"
          description="Five fields: minute hour day month weekday — 0 9 * * 1 is Mondays at 09:00, in the workspace's time zone"
          value={str(t.cron)}
          onChange={(e) => set({ cron: e.currentTarget.value })}
          readOnly={readOnly}
        />
      )}
      {t.type === "inbound_webhook" && (
        <Select
          label="Inbound webhook"
          data={(hooks.data ?? []).map((h) => ({ value: h.id, label: h.name ?? h.description ?? "Inbound webhook" }))}
          value={str(t.hookId) || null}
          onChange={(hookId) => set({ hookId })}
          readOnly={readOnly}
          nothingFoundMessage="Create an inbound webhook in Settings → Webhooks first"
        />
      )}
      {t.type !== "inbound_webhook" && (
        <Stack gap={4}>
          <Text fz="sm" fw={500}>
            Only records that match
          </Text>
          <ConditionField
            object={asRegistryObject(str(t.object))}
            value={(t.filter ?? null) as Condition | null}
            onChange={(filter) => set({ filter: groupItems(filter).length ? filter : null })}
            readOnly={readOnly}
            allowChanges={t.type === "record_updated"}
          />
        </Stack>
      )}
      <Switch
        label="Records created or changed by imports start it too"
        checked={t.enrollImports === true}
        onChange={(e) => set({ enrollImports: e.currentTarget.checked })}
        disabled={readOnly}
      />
      <Select
        label="A record may run it again"
        data={Object.entries(reenrollLabels).map(([value, label]) => ({ value, label }))}
        value={str(t.reenroll) || "always"}
        onChange={(v) => set({ reenroll: v ?? "always" })}
        readOnly={readOnly}
        allowDeselect={false}
      />
      <Switch
        label="The workflow's own changes may start it again"
        description="Off by default, so a workflow cannot trigger itself in a loop"
        checked={t.allowOwnChanges === true}
        onChange={(e) => set({ allowOwnChanges: e.currentTarget.checked })}
        disabled={readOnly}
      />
    </Stack>
  );
}

/** The "Enrol in sequence" step's form: which sequence (the contact, or a deal's contacts, are enrolled). */
function SequenceChoice({ value, onChange, readOnly }: { value: string | null; onChange: (id: string | null) => void; readOnly?: boolean }) {
  const sequences = useQuery(sequencesQuery);
  return (
    <>
      <Text fz="sm" c="dimmed">
        Starts the contact (a deal's contacts) on the sequence. A contact already in a sequence, without an email address or unsubscribed is left as it is.
      </Text>
      <Select
        label="Sequence"
        placeholder={sequences.data?.length ? "Choose a sequence" : "No sequences yet (Marketing → Sequences)"}
        data={(sequences.data ?? []).map((s) => ({ value: s.id, label: s.name }))}
        value={value}
        onChange={onChange}
        readOnly={readOnly}
        searchable
      />
    </>
  );
}
