import { Button, CloseButton, Group, Paper, Popover, Select, Stack, Text, TextInput } from "@mantine/core";
import { IconRestore, IconTag, IconTagOff, IconTrash, IconUserShare } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { User } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api } from "../http/client.js";
import { objectPath, type RecordObject } from "../http/queries.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { AddToListButton } from "../segments/AddToList.js";
import { RunWorkflowButton } from "../workflows/RunWorkflow.js";

type Action = { action: "tag" | "untag"; tag: string } | { action: "setOwner"; ownerId: string | null } | { action: "delete" | "restore" };

interface Props {
  object: RecordObject;
  ids: string[];
  users: User[];
  trash: boolean;
  nouns: [string, string];
  onDone: () => void;
  onClear: () => void;
}

/** Actions on the selected rows, all through POST /bulk. */
export function BulkBar({ object, ids, users, trash, nouns, onDone, onClear }: Props) {
  const mayLists = usePermissions().may("segment", "create");
  const [confirmDelete, setConfirmDelete] = useState(false);
  const n = ids.length;
  const noun = (k: number) => (k === 1 ? nouns[0] : nouns[1]);
  const bulk = useMutation({
    mutationFn: (a: Action) => api.post<{ affected: number }>(`${objectPath[object]}/bulk`, { ids, ...a }),
    onSuccess: (r, a) => {
      const what =
        a.action === "tag"
          ? `Tagged ${r.affected} ${noun(r.affected)} “${a.tag}”`
          : a.action === "untag"
            ? `Removed “${a.tag}” from ${r.affected} ${noun(r.affected)}`
            : a.action === "setOwner"
              ? `Changed the owner of ${r.affected} ${noun(r.affected)}`
              : a.action === "delete"
                ? `Moved ${r.affected} ${noun(r.affected)} to the trash`
                : `Restored ${r.affected} ${noun(r.affected)}`;
      notifySuccess(what);
      setConfirmDelete(false);
      onDone();
    },
    onError: (e) => notifyError(e, "Bulk action failed"),
  });

  return (
    <Paper withBorder px="sm" py={6} radius="md" bg="var(--mantine-color-indigo-light)" data-testid="bulk-bar">
      <Group gap="xs" justify="space-between" wrap="wrap">
        <Group gap={4}>
          <CloseButton size="sm" onClick={onClear} aria-label="Clear selection" />
          <Text fz="sm" fw={600} data-testid="bulk-count">
            {n} selected
          </Text>
        </Group>
        <Group gap={6} wrap="wrap">
          {trash ? (
            <Button
              size="xs"
              leftSection={<IconRestore size={14} />}
              onClick={() => bulk.mutate({ action: "restore" })}
              loading={bulk.isPending}
              data-testid="bulk-restore"
            >
              Restore
            </Button>
          ) : (
            <>
              <TagPopover
                label="Add tag"
                icon={<IconTag size={14} />}
                testId="bulk-tag"
                onApply={(tag) => bulk.mutate({ action: "tag", tag })}
                busy={bulk.isPending}
              />
              <TagPopover
                label="Remove tag"
                icon={<IconTagOff size={14} />}
                testId="bulk-untag"
                onApply={(tag) => bulk.mutate({ action: "untag", tag })}
                busy={bulk.isPending}
              />
              <OwnerPopover users={users} onApply={(ownerId) => bulk.mutate({ action: "setOwner", ownerId })} busy={bulk.isPending} />
              <RunWorkflowButton object={object} recordIds={ids} size="xs" onDone={onDone} />
              {object === "contact" && mayLists && <AddToListButton contactIds={ids} onDone={onDone} />}
              <Button
                size="xs"
                variant="light"
                color="red"
                leftSection={<IconTrash size={14} />}
                onClick={() => setConfirmDelete(true)}
                data-testid="bulk-delete"
              >
                Delete
              </Button>
            </>
          )}
        </Group>
      </Group>
      <ConfirmModal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => bulk.mutate({ action: "delete" })}
        title={`Delete ${n} ${noun(n)}?`}
        confirmLabel={`Move ${n} to trash`}
        danger
        loading={bulk.isPending}
      >
        They go to the trash, where you can restore them.
      </ConfirmModal>
    </Paper>
  );
}

function TagPopover({
  label,
  icon,
  onApply,
  busy,
  testId,
}: {
  label: string;
  icon: React.ReactNode;
  onApply: (tag: string) => void;
  busy: boolean;
  testId: string;
}) {
  const [opened, setOpened] = useState(false);
  const [tag, setTag] = useState("");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const t = tag.trim();
    if (!t) return;
    onApply(t);
    setOpened(false);
    setTag("");
  };
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" width={240} trapFocus>
      <Popover.Target>
        <Button size="xs" variant="default" leftSection={icon} onClick={() => setOpened((o) => !o)} data-testid={testId}>
          {label}
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <form onSubmit={submit}>
          <Stack gap="xs">
            <TextInput
              size="xs"
              label="Tag"
              placeholder="e.g. vip"
              value={tag}
              onChange={(e) => setTag(e.currentTarget.value)}
              maxLength={50}
              data-testid={`${testId}-input`}
            />
            <Button size="xs" type="submit" loading={busy} disabled={!tag.trim()} data-testid={`${testId}-apply`}>
              {label}
            </Button>
          </Stack>
        </form>
      </Popover.Dropdown>
    </Popover>
  );
}

function OwnerPopover({ users, onApply, busy }: { users: User[]; onApply: (id: string | null) => void; busy: boolean }) {
  const [opened, setOpened] = useState(false);
  const [owner, setOwner] = useState<string | null>(null);
  const data = [{ value: "none", label: "Unassigned" }, ...users.filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }))];
  return (
    <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" width={260} trapFocus>
      <Popover.Target>
        <Button size="xs" variant="default" leftSection={<IconUserShare size={14} />} onClick={() => setOpened((o) => !o)} data-testid="bulk-owner">
          Change owner
        </Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Stack gap="xs">
          <Select
            size="xs"
            label="New owner"
            data={data}
            value={owner}
            onChange={setOwner}
            searchable
            comboboxProps={{ withinPortal: false }}
            data-testid="bulk-owner-select"
          />
          <Button
            size="xs"
            disabled={!owner}
            loading={busy}
            onClick={() => {
              onApply(owner === "none" ? null : owner);
              setOpened(false);
            }}
            data-testid="bulk-owner-apply"
          >
            Change owner
          </Button>
        </Stack>
      </Popover.Dropdown>
    </Popover>
  );
}
