import { Badge, Button, Group, Menu, Modal, Stack, Switch, Text, TextInput } from "@mantine/core";
import { IconCheck, IconChevronDown, IconDeviceFloppy, IconLayoutList, IconLock, IconTrash, IconUsers } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CreateViewBody, type SavedView } from "../../contract/index.js";
import { useMe } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api } from "../http/client.js";
import { type RecordObject, viewsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import type { ListState } from "./types.js";

interface Props {
  object: RecordObject;
  allLabel: string;
  state: ListState;
  dirty: boolean;
  onPick: (view: SavedView | null) => void;
  onSaved: (view: SavedView) => void;
}

const stateOf = (s: ListState) => ({ q: s.q || undefined, sort: s.sort || undefined, filters: s.filters, columns: s.columns });

/** Saved views: pick one, save the current list state as a private or shared view, update, delete. */
export function ViewsMenu({ object, allLabel, state, dirty, onPick, onSaved }: Props) {
  const me = useMe();
  const qc = useQueryClient();
  const views = useQuery(viewsQuery(object));
  const [saveOpen, setSaveOpen] = useState(false);
  const [deleteOpen, setDeleteOpen] = useState(false);
  const current = views.data?.find((v) => v.id === state.viewId) ?? null;
  const mine = current?.ownerId === me.user.id;
  const canEditCurrent = Boolean(current && (mine || me.user.role === "admin"));

  const update = useMutation({
    mutationFn: (v: SavedView) => api.patch<SavedView>(`/api/v1/views/${v.id}`, { state: stateOf(state) }),
    onSuccess: (v) => {
      void qc.invalidateQueries({ queryKey: ["views", object] });
      onSaved(v);
      notifySuccess(`Saved changes to “${v.name}”`);
    },
    onError: (e) => notifyError(e, "Could not update the view"),
  });
  const remove = useMutation({
    mutationFn: (v: SavedView) => api.del(`/api/v1/views/${v.id}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["views", object] });
      setDeleteOpen(false);
      onPick(null);
    },
    onError: (e) => notifyError(e, "Could not delete the view"),
  });

  const myViews = (views.data ?? []).filter((v) => v.ownerId === me.user.id);
  const shared = (views.data ?? []).filter((v) => v.ownerId !== me.user.id);
  const item = (v: SavedView) => (
    <Menu.Item
      key={v.id}
      onClick={() => onPick(v)}
      leftSection={v.id === state.viewId ? <IconCheck size={16} /> : <span style={{ width: 16, display: "inline-block" }} />}
      rightSection={v.shared ? <IconUsers size={14} color="var(--mantine-color-dimmed)" /> : <IconLock size={14} color="var(--mantine-color-dimmed)" />}
      data-testid="view-item"
    >
      {v.name}
    </Menu.Item>
  );

  return (
    <>
      <Menu position="bottom-start" width={260} shadow="md" withinPortal>
        <Menu.Target>
          <Button
            variant="default"
            leftSection={<IconLayoutList size={16} />}
            rightSection={<IconChevronDown size={14} />}
            data-testid="views-button"
            maw={260}
          >
            <Group gap={6} wrap="nowrap" miw={0}>
              <Text span fz="sm" truncate>
                {current?.name ?? allLabel}
              </Text>
              {dirty && current && (
                <Badge size="xs" variant="light" color="orange">
                  edited
                </Badge>
              )}
            </Group>
          </Button>
        </Menu.Target>
        <Menu.Dropdown>
          <Menu.Item
            onClick={() => onPick(null)}
            leftSection={!state.viewId ? <IconCheck size={16} /> : <span style={{ width: 16, display: "inline-block" }} />}
          >
            {allLabel}
          </Menu.Item>
          {myViews.length > 0 && <Menu.Label>My views</Menu.Label>}
          {myViews.map(item)}
          {shared.length > 0 && <Menu.Label>Shared with everyone</Menu.Label>}
          {shared.map(item)}
          {views.isError && <Menu.Label c="red">Could not load views</Menu.Label>}
          <Menu.Divider />
          {current && canEditCurrent && dirty && (
            <Menu.Item leftSection={<IconDeviceFloppy size={16} />} onClick={() => update.mutate(current)} data-testid="view-update">
              Save changes to “{current.name}”
            </Menu.Item>
          )}
          <Menu.Item leftSection={<IconDeviceFloppy size={16} />} onClick={() => setSaveOpen(true)} data-testid="view-save-new">
            Save as new view…
          </Menu.Item>
          {current && canEditCurrent && (
            <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleteOpen(true)}>
              Delete “{current.name}”
            </Menu.Item>
          )}
        </Menu.Dropdown>
      </Menu>
      <SaveViewModal
        opened={saveOpen}
        onClose={() => setSaveOpen(false)}
        object={object}
        state={state}
        onSaved={(v) => {
          setSaveOpen(false);
          onSaved(v);
        }}
      />
      <ConfirmModal
        opened={deleteOpen}
        onClose={() => setDeleteOpen(false)}
        onConfirm={() => current && remove.mutate(current)}
        title="Delete view?"
        confirmLabel="Delete view"
        danger
        loading={remove.isPending}
      >
        “{current?.name}” will be removed{current?.shared ? " for everyone in the workspace" : ""}. The records themselves are not affected.
      </ConfirmModal>
    </>
  );
}

function SaveViewModal({
  opened,
  onClose,
  object,
  state,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  object: RecordObject;
  state: ListState;
  onSaved: (v: SavedView) => void;
}) {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [shared, setShared] = useState(false);
  const errors = useFormErrors();
  const save = useMutation({
    mutationFn: (body: unknown) => api.post<SavedView>("/api/v1/views", body),
    onSuccess: (v) => {
      void qc.invalidateQueries({ queryKey: ["views", object] });
      notifySuccess(`View “${v.name}” saved${v.shared ? " and shared with the workspace" : ""}`);
      setName("");
      setShared(false);
      onSaved(v);
    },
    onError: (e) => errors.fromServer(e, "Could not save the view"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateViewBody.safeParse({ object, name, shared, state: stateOf(state) }));
    if (body) save.mutate(body);
  };
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={600}>Save view</Text>} centered>
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <TextInput
            label="View name"
            placeholder="e.g. My open leads"
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clear("name");
            }}
            error={errors.get("name")}
            data-autofocus
            data-testid="view-name"
          />
          <Switch
            label="Share with everyone in the workspace"
            description="Otherwise only you see this view"
            checked={shared}
            onChange={(e) => setShared(e.currentTarget.checked)}
            data-testid="view-shared"
          />
          <Text fz="xs" c="dimmed">
            Saves the search, filters, sort and columns you have now.
          </Text>
          <Group justify="flex-end" gap="sm">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="view-save">
              Save view
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
