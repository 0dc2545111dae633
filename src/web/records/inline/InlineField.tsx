import { ActionIcon, Loader, Popover, Text, Tooltip, UnstyledButton, VisuallyHidden } from "@mantine/core";
import { IconCheck, IconPencil, IconX } from "@tabler/icons-react";
import { type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from "react";
import { usePermissions, useRecordRights } from "../../app/me.js";
import { ApiError } from "../../http/client.js";
import { FieldInput } from "./editors.js";
import classes from "./InlineField.module.css";
import { checkBody, useInlineSave } from "./save.js";
import { commitOnChange, type EditableObject, type EditableRecord, type EditSpec, popoverKinds } from "./types.js";

interface Props<T extends EditableRecord> {
  object: EditableObject;
  record: T;
  spec: EditSpec<T>;
  /** The value as the page shows it (labels, links, badges); blank shows a dash. */
  display: ReactNode;
  /** "detail": a record page's field (the value is the button); "cell": a list cell (a pencil button edits in a popover). */
  variant?: "detail" | "cell";
  /** The display holds links of its own: a pencil button beside it edits instead of the whole value. */
  interactive?: boolean;
}

const isBlank = (v: ReactNode) => v === null || v === undefined || v === "" || v === false;

/**
 * A field that edits in place, through the same PATCH endpoint, validation and history as the edit form.
 * Enter (Ctrl+Enter in long text) saves, Esc cancels, leaving the field saves a change; server errors show
 * beside the input and the old value stays. People who may not write, and trashed records, see plain text.
 */
export function InlineField<T extends EditableRecord>({ object, record, spec, display, variant = "detail", interactive }: Props<T>) {
  const { mayRecord, fieldAccess } = usePermissions();
  // On a record page its shares count too; in a list, the role's rule on each row's owner decides.
  const pageRights = useRecordRights();
  const canEdit = pageRights ? pageRights.edit : mayRecord(object, "edit", record as { ownerId?: string | null });
  const customKey = spec.path.startsWith("custom.") ? spec.path.slice("custom.".length) : null;
  const readOnlyForRole = customKey !== null && fieldAccess(object, customKey) !== undefined;
  const [editing, setEditing] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const refocus = useRef(false);
  const valueId = useId();

  // Focus goes back to the field after save or cancel, so keyboard users keep their place.
  useEffect(() => {
    if (!editing && refocus.current) {
      refocus.current = false;
      triggerRef.current?.focus();
    }
  }, [editing]);

  const shown = isBlank(display) ? (
    <Text span c="dimmed" fz="sm">
      —
    </Text>
  ) : (
    display
  );
  const locked = readOnlyForRole ? "Read-only for your role" : (spec.locked?.(record) ?? null);
  if (!canEdit || record.deletedAt) return <>{variant === "cell" ? display : shown}</>;
  if (locked)
    return (
      <Tooltip label={locked} withinPortal>
        <span className={variant === "cell" ? classes.cell : classes.withPencil}>{variant === "cell" ? display : shown}</span>
      </Tooltip>
    );

  const close = (focusBack: boolean) => {
    refocus.current = focusBack;
    setEditing(false);
  };
  const editLabel = `Edit ${spec.label}`;
  const pencilButton = (
    <ActionIcon
      ref={triggerRef}
      variant="subtle"
      color="gray"
      size="sm"
      className={classes.pencil}
      style={{ marginTop: 0 }}
      aria-label={editLabel}
      aria-describedby={valueId}
      aria-expanded={editing}
      onClick={() => setEditing(true)}
      data-inline-trigger={spec.path}
    >
      <IconPencil size={14} />
    </ActionIcon>
  );
  const editor = editing ? <FieldEditor object={object} record={record} spec={spec} onDone={close} /> : null;

  if (variant === "cell" || popoverKinds.has(spec.type)) {
    const wide = popoverKinds.has(spec.type) || spec.type === "long_text";
    const body = (
      <div className={variant === "cell" ? classes.cell : classes.withPencil}>
        <div className={classes.value} id={valueId}>
          {variant === "cell" ? display : shown}
        </div>
        {pencilButton}
      </div>
    );
    // The popover (and its positioning) exists only while editing: a list renders hundreds of these cells.
    if (!editing) return body;
    return (
      <Popover opened position="bottom-start" width={wide ? 380 : 300} shadow="md" withinPortal closeOnEscape={false} closeOnClickOutside={false}>
        <Popover.Target>{body}</Popover.Target>
        {/* data-no-open: a click in here is not a click on the list row behind it. */}
        <Popover.Dropdown p="xs" data-no-open maw="calc(100vw - 16px)">
          <Text fz="xs" fw={600} c="dimmed" mb={6}>
            {spec.label}
          </Text>
          {editor}
        </Popover.Dropdown>
      </Popover>
    );
  }
  if (editor) return editor;
  if (interactive)
    return (
      <div className={classes.withPencil}>
        <div className={classes.value} id={valueId}>
          {shown}
        </div>
        {pencilButton}
      </div>
    );
  return (
    // The name comes from the content, "Edit Job title: Engineer": an aria-label would hide the value people see and
    // speech-input users say (WCAG 2.5.3 Label in Name).
    <UnstyledButton ref={triggerRef} className={classes.trigger} onClick={() => setEditing(true)} data-inline-trigger={spec.path}>
      <VisuallyHidden data-inline-label>{editLabel}</VisuallyHidden>
      <VisuallyHidden>: </VisuallyHidden>
      <span className={classes.value}>{shown}</span>
      <IconPencil size={14} className={classes.pencil} aria-hidden />
    </UnstyledButton>
  );
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function FieldEditor<T extends EditableRecord>({
  object,
  record,
  spec,
  onDone,
}: {
  object: EditableObject;
  record: T;
  spec: EditSpec<T>;
  onDone: (focusBack: boolean) => void;
}) {
  // The value when editing began: what "unchanged" means, and what Esc goes back to.
  const [initial] = useState<unknown>(() => spec.value(record));
  const [draft, setDraft] = useState<unknown>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [general, setGeneral] = useState<string | null>(null);
  const save = useInlineSave(object, record.id);
  const ref = useRef<HTMLDivElement>(null);
  const done = useRef(false);
  // Set at once, not on the next render: a blur right after Enter must not send the change twice.
  const pending = useRef(false);

  useLayoutEffect(() => {
    ref.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, []);

  const finish = (focusBack: boolean) => {
    done.current = true;
    onDone(focusBack);
  };

  const commit = (input: unknown = draft, focusBack = true) => {
    if (done.current || pending.current) return;
    const value = (spec.normalize as ((d: unknown) => unknown) | undefined)?.(input) ?? input;
    setDraft(value);
    if (same(value, initial)) return finish(focusBack);
    // Casts are safe: spec, draft and value all belong to the same field kind.
    const body = (spec.body as (d: unknown, r: T) => Record<string, unknown>)(value, record);
    const problems = { ...(checkBody(object, body) ?? {}), ...((spec.check as ((d: unknown) => Record<string, string>) | undefined)?.(value) ?? {}) };
    if (Object.keys(problems).length) {
      setErrors(problems);
      setGeneral(null);
      return;
    }
    setErrors({});
    setGeneral(null);
    pending.current = true;
    save.mutate(body, {
      onSettled: () => {
        pending.current = false;
      },
      onSuccess: () => finish(focusBack),
      onError: (e) => {
        const fieldErrors = e instanceof ApiError ? e.fieldErrors : {};
        setErrors(fieldErrors);
        setGeneral(Object.keys(fieldErrors).length ? null : e.message);
      },
    });
  };

  const multi = popoverKinds.has(spec.type);
  const own = errors[spec.path];
  const nested = Object.entries(errors).find(([k]) => k.startsWith(`${spec.path}.`))?.[1];
  const others = Object.entries(errors)
    .filter(([k]) => k !== spec.path && !k.startsWith(`${spec.path}.`) && k !== "currency")
    .map(([, m]) => m);
  const inputError = multi ? undefined : (own ?? nested ?? others[0]);
  const alerts = [...(multi ? others : others.slice(own || nested ? 0 : 1)), ...(general ? [general] : [])];

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: keys bubble up from the inputs inside
    <div
      ref={ref}
      className={classes.editor}
      data-testid="inline-editor"
      onKeyDown={(e) => {
        if (e.nativeEvent.isComposing) return;
        const target = e.target as HTMLElement;
        if (e.key === "Escape") {
          // The first Esc closes an open dropdown (Mantine marks its input); the next one cancels.
          if (target.getAttribute("data-expanded") !== null) return;
          e.preventDefault();
          e.stopPropagation();
          finish(true);
        } else if (e.key === "Enter" && !e.defaultPrevented) {
          if (target.tagName === "BUTTON") return;
          if (target.tagName === "TEXTAREA" && !(e.ctrlKey || e.metaKey)) return;
          e.preventDefault();
          e.stopPropagation();
          commit();
        }
      }}
      onBlur={(e) => {
        // Leaving the field (a click elsewhere, Tab) saves a change, as a spreadsheet does.
        if (e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget)) return;
        commit(draft, false);
      }}
    >
      <FieldInput
        kind={spec}
        label={spec.label}
        draft={draft}
        setDraft={(v) => {
          setDraft(v);
          if (Object.keys(errors).length || general) {
            setErrors({});
            setGeneral(null);
          }
        }}
        commit={commit}
        error={inputError}
        errors={errors}
      />
      {alerts.length > 0 && (
        <Text c="red" fz="xs" mt={4} role="alert" data-testid="inline-error">
          {alerts.join(" ")}
        </Text>
      )}
      <div className={classes.actions}>
        {save.isPending && <Loader size={14} mr={4} aria-label="Saving" />}
        {!commitOnChange.has(spec.type) && (
          <ActionIcon
            variant="light"
            size="sm"
            aria-label={`Save ${spec.label}`}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => commit()}
            disabled={save.isPending}
          >
            <IconCheck size={14} />
          </ActionIcon>
        )}
        <ActionIcon
          variant="subtle"
          color="gray"
          size="sm"
          aria-label="Cancel"
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => finish(true)}
          disabled={save.isPending}
        >
          <IconX size={14} />
        </ActionIcon>
      </div>
    </div>
  );
}
