import { ActionIcon, Button, Group, MultiSelect, NumberInput, Radio, Select, Stack, Switch, TagsInput, Textarea, TextInput, Tooltip } from "@mantine/core";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { CompanyPicker, UserPicker } from "../../components/pickers.js";
import type { CompanyDraft, EditorKind, MoneyDraft, MultiDraft } from "./types.js";

/** Dropdowns render inside the editor, so focus moving into them is not focus leaving the field. */
const inPlace = { withinPortal: false } as const;

export interface EditorProps {
  kind: EditorKind;
  label: string;
  draft: unknown;
  setDraft: (v: unknown) => void;
  /** Saves now, with this value when given (pickers save as soon as one is chosen). */
  commit: (value?: unknown) => void;
  /** Error for the field itself. */
  error?: string;
  /** All errors by body path, for editors with several inputs ("emails.1.email"). */
  errors: Record<string, string>;
}

const str = (v: unknown) => (typeof v === "string" ? v : "");

/** The input for one kind of field; it takes focus when it appears. */
export function FieldInput({ kind, label, draft, setDraft, commit, error, errors }: EditorProps) {
  const common = { "aria-label": label, error, size: "sm" as const, "data-autofocus": true };
  switch (kind.type) {
    case "text":
    case "email":
    case "phone":
    case "url":
      return (
        <TextInput
          {...common}
          type={kind.type === "text" ? "text" : kind.type === "phone" ? "tel" : kind.type}
          placeholder={kind.type === "url" ? "https://" : kind.type === "text" ? kind.placeholder : undefined}
          value={str(draft)}
          onChange={(e) => setDraft(e.currentTarget.value)}
        />
      );
    case "long_text":
      return (
        <Textarea
          {...common}
          autosize
          minRows={2}
          maxRows={8}
          value={str(draft)}
          onChange={(e) => setDraft(e.currentTarget.value)}
          description="Ctrl+Enter saves"
          inputWrapperOrder={["label", "input", "error", "description"]}
        />
      );
    case "number":
      return (
        <NumberInput
          {...common}
          value={typeof draft === "number" ? draft : ""}
          onChange={(v) => setDraft(v === "" ? "" : Number(v))}
          decimalScale={kind.decimals}
          allowDecimal={kind.decimals !== 0}
          min={kind.min}
          thousandSeparator=","
        />
      );
    case "money": {
      const m = draft as MoneyDraft;
      return (
        <Group gap={6} wrap="nowrap" align="flex-start">
          <NumberInput
            {...common}
            style={{ flex: 1, minWidth: 0 }}
            value={m.amount}
            onChange={(v) => setDraft({ ...m, amount: v === "" ? "" : Number(v) })}
            decimalScale={2}
            min={0}
            thousandSeparator=","
          />
          {kind.currencyEditable && (
            <TextInput
              size="sm"
              w={72}
              aria-label="Currency"
              placeholder="EUR"
              maxLength={3}
              value={m.currency}
              onChange={(e) => setDraft({ ...m, currency: e.currentTarget.value.toUpperCase() })}
              error={errors.currency}
            />
          )}
        </Group>
      );
    }
    case "date":
      return <TextInput {...common} type="date" value={str(draft).slice(0, 10)} onChange={(e) => setDraft(e.currentTarget.value)} />;
    case "select":
      return (
        <Select
          {...common}
          data={kind.options}
          value={typeof draft === "string" ? draft : null}
          onChange={(v) => commit(v)}
          clearable={kind.clearable}
          allowDeselect={false}
          searchable={kind.options.length > 7}
          defaultDropdownOpened
          comboboxProps={inPlace}
          placeholder={kind.clearable ? "None" : undefined}
        />
      );
    case "multi":
      return (
        <MultiSelect
          {...common}
          data={kind.options}
          value={Array.isArray(draft) ? draft.map(String) : []}
          onChange={(v) => setDraft(v)}
          searchable
          clearable
          comboboxProps={inPlace}
        />
      );
    case "tags":
      return (
        <TagsInput
          {...common}
          value={Array.isArray(draft) ? draft.map(String) : []}
          onChange={(v) => setDraft(v)}
          clearable
          comboboxProps={inPlace}
          placeholder="Type a tag, then Enter"
        />
      );
    case "boolean":
      return <Switch {...common} label={draft === true ? "Yes" : "No"} checked={draft === true} onChange={(e) => commit(e.currentTarget.checked)} mt={4} />;
    case "user":
      return (
        <UserPicker {...common} value={typeof draft === "string" ? draft : null} onChange={(v) => commit(v)} defaultDropdownOpened comboboxProps={inPlace} />
      );
    case "company": {
      const c = draft as CompanyDraft;
      return (
        <CompanyPicker
          {...common}
          value={c.id}
          valueLabel={c.name}
          excludeId={kind.excludeId}
          onChange={(id, name) => commit({ id, name })}
          defaultDropdownOpened
          comboboxProps={inPlace}
        />
      );
    }
    case "emails":
    case "phones":
      return <MultiValueInput kind={kind.type} label={label} draft={draft as MultiDraft} setDraft={setDraft} errors={errors} />;
  }
}

/** Emails or phones: one row each, a primary, labels (work, home…) kept as they were. */
function MultiValueInput({
  kind,
  label,
  draft,
  setDraft,
  errors,
}: {
  kind: "emails" | "phones";
  label: string;
  draft: MultiDraft;
  setDraft: (v: MultiDraft) => void;
  errors: Record<string, string>;
}) {
  const noun = kind === "emails" ? "email" : "phone";
  const field = kind === "emails" ? "email" : "phone";
  const update = (i: number, patch: Partial<MultiDraft["rows"][number]>) =>
    setDraft({ ...draft, rows: draft.rows.map((r, j) => (j === i ? { ...r, ...patch } : r)) });
  const remove = (i: number) => {
    const rows = draft.rows.filter((_, j) => j !== i);
    setDraft({
      rows: rows.length ? rows : [{ value: "", label: "" }],
      primary: draft.primary === i ? 0 : draft.primary > i ? draft.primary - 1 : draft.primary,
    });
  };
  return (
    <Stack gap={6}>
      <Radio.Group value={String(draft.primary)} onChange={(v) => setDraft({ ...draft, primary: Number(v) })} aria-label={`Primary ${noun}`}>
        <Stack gap={6}>
          {draft.rows.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional, like the body the server validates
            <Group key={i} gap={6} wrap="nowrap" align="flex-start">
              <Tooltip label="Primary" withArrow>
                <Radio value={String(i)} mt={8} aria-label={`Make ${noun} ${i + 1} primary`} />
              </Tooltip>
              <TextInput
                style={{ flex: 1, minWidth: 0 }}
                size="sm"
                type={kind === "emails" ? "email" : "tel"}
                aria-label={`${label} ${i + 1}`}
                placeholder={kind === "emails" ? "name@example.com" : "+1 555 0100"}
                value={r.value}
                onChange={(e) => update(i, { value: e.currentTarget.value })}
                error={errors[`${kind}.${i}.${field}`] ?? errors[`${kind}.${i}`]}
                data-autofocus={i === 0 || undefined}
              />
              <TextInput
                w={76}
                size="sm"
                aria-label={`${label} ${i + 1} label`}
                placeholder="Label"
                value={r.label}
                onChange={(e) => update(i, { label: e.currentTarget.value })}
                error={errors[`${kind}.${i}.label`] ? " " : undefined}
              />
              <ActionIcon variant="subtle" color="gray" mt={4} aria-label={`Remove ${noun} ${i + 1}`} onClick={() => remove(i)}>
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
          ))}
        </Stack>
      </Radio.Group>
      {errors[kind] && (
        <Stack gap={0} c="red" fz="xs" role="alert">
          {errors[kind]}
        </Stack>
      )}
      <Button
        variant="subtle"
        size="compact-xs"
        w="fit-content"
        leftSection={<IconPlus size={14} />}
        onClick={() => setDraft({ ...draft, rows: [...draft.rows, { value: "", label: "" }] })}
        disabled={draft.rows.length >= 20}
      >
        Add {noun}
      </Button>
    </Stack>
  );
}
