import { ActionIcon, Alert, Anchor, Avatar, Button, Card, DataList, Group, Menu, Paper, Skeleton, Stack, Text, Title } from "@mantine/core";
import { IconAlertTriangle, IconArrowLeft, IconDots, IconEdit, IconRestore, IconTrash } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import type { CustomField } from "../../contract/index.js";
import { usePermissions, useRecordRights } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { AnchorLink } from "../components/links.js";
import { api } from "../http/client.js";
import { objectPath, type RecordObject } from "../http/queries.js";
import { formatCustomValue, initials } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { RunWorkflowButton } from "../workflows/RunWorkflow.js";
import { InlineField } from "./inline/InlineField.js";
import { customSpec } from "./inline/specs.js";
import type { EditableObject, EditableRecord } from "./inline/types.js";
import { ShareButton } from "./sharing.js";

export function BackLink({ to, label }: { to: "/contacts" | "/companies"; label: string }) {
  return (
    <AnchorLink to={to} fz="sm" c="dimmed" w="fit-content" style={{ display: "inline-flex", alignItems: "center", gap: 4 }}>
      <IconArrowLeft size={14} /> {label}
    </AnchorLink>
  );
}

interface HeaderProps {
  object: RecordObject;
  id: string;
  name: string;
  subtitle?: ReactNode;
  badges?: ReactNode;
  deleted: boolean;
  onEdit: () => void;
  color?: string;
  square?: boolean;
}

/** Record header: avatar, name, key facts, edit and delete (to trash, with undo via restore). */
export function RecordHeader({ object, id, name, subtitle, badges, deleted, onEdit, color = "indigo", square }: HeaderProps) {
  const { canWrite } = usePermissions();
  // A record page provides what its owner, the role and shares allow; without one, the coarse write right decides.
  const rights = useRecordRights() ?? { edit: canWrite, delete: canWrite };
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [confirm, setConfirm] = useState(false);
  const noun = object === "contact" ? "contact" : "company";

  const refresh = () => {
    void qc.invalidateQueries({ queryKey: [object] });
    void qc.invalidateQueries({ queryKey: ["timeline"] });
  };
  const restore = useMutation({
    mutationFn: () => api.post(`${objectPath[object]}/${id}/restore`),
    onSuccess: () => {
      refresh();
      notifySuccess(`${name} restored`);
    },
    onError: (e) => notifyError(e, "Could not restore"),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`${objectPath[object]}/${id}`),
    onSuccess: () => {
      refresh();
      setConfirm(false);
      notifySuccess(`${name} moved to the trash. You can restore it from Trash.`);
      void navigate({ to: object === "contact" ? "/contacts" : "/companies" });
    },
    onError: (e) => notifyError(e, `Could not delete the ${noun}`),
  });

  return (
    <>
      {deleted && (
        <Alert color="orange" variant="light" icon={<IconTrash size={18} />} title={`This ${noun} is in the trash`} data-testid="trash-banner">
          <Group justify="space-between" gap="sm">
            <Text fz="sm">It doesn't show up in lists or search until you restore it.</Text>
            {rights.delete && (
              <Button size="xs" leftSection={<IconRestore size={14} />} onClick={() => restore.mutate()} loading={restore.isPending}>
                Restore
              </Button>
            )}
          </Group>
        </Alert>
      )}
      <Paper withBorder radius="md" p={{ base: "md", sm: "lg" }}>
        <Group justify="space-between" align="flex-start" wrap="nowrap" gap="md">
          <Group gap="md" wrap="nowrap" align="flex-start" miw={0}>
            <Avatar size={56} radius={square ? "md" : "xl"} color={color} variant="light" visibleFrom="xs">
              {initials(name)}
            </Avatar>
            <Stack gap={4} miw={0}>
              <Title order={2} fz={{ base: 20, sm: 24 }} lh={1.25} style={{ overflowWrap: "anywhere" }} data-testid="record-title">
                {name}
              </Title>
              {subtitle && (
                <Text c="dimmed" fz="sm" component="div">
                  {subtitle}
                </Text>
              )}
              {badges && (
                <Group gap={6} mt={4}>
                  {badges}
                </Group>
              )}
            </Stack>
          </Group>
          {(rights.edit || rights.delete) && !deleted && (
            <Group gap="xs" wrap="nowrap">
              {rights.edit && (
                <>
                  <Button variant="default" leftSection={<IconEdit size={16} />} onClick={onEdit} visibleFrom="xs" data-testid="record-edit">
                    Edit
                  </Button>
                  <ShareButton object={object} recordId={id} name={name} />
                  <RunWorkflowButton object={object} recordIds={[id]} visibleFrom="sm" />
                </>
              )}
              <Menu position="bottom-end" withinPortal>
                <Menu.Target>
                  <ActionIcon variant="default" size={36} aria-label="More actions" data-testid="record-more">
                    <IconDots size={18} />
                  </ActionIcon>
                </Menu.Target>
                <Menu.Dropdown>
                  {rights.edit && (
                    <Menu.Item leftSection={<IconEdit size={16} />} onClick={onEdit} hiddenFrom="xs">
                      Edit
                    </Menu.Item>
                  )}
                  {rights.delete && (
                    <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => setConfirm(true)} data-testid="record-delete">
                      Delete {noun}
                    </Menu.Item>
                  )}
                </Menu.Dropdown>
              </Menu>
            </Group>
          )}
        </Group>
      </Paper>
      <ConfirmModal
        opened={confirm}
        onClose={() => setConfirm(false)}
        onConfirm={() => remove.mutate()}
        title={`Delete ${name}?`}
        confirmLabel="Move to trash"
        danger
        loading={remove.isPending}
      >
        The {noun} moves to the trash and can be restored from there.
      </ConfirmModal>
    </>
  );
}

export interface DetailItem {
  label: string;
  value: ReactNode;
}

export function DetailsCard({ title, items, testId }: { title: string; items: DetailItem[]; testId?: string }) {
  return (
    <Card withBorder radius="md" padding="md" data-testid={testId}>
      <Text fw={600} fz="sm" mb="sm">
        {title}
      </Text>
      <DataList size="sm" gap="xs" labelWidth={120} orientation="horizontal">
        {items.map((it) => (
          <DataList.Item key={it.label}>
            <DataList.ItemLabel c="dimmed">{it.label}</DataList.ItemLabel>
            <DataList.ItemValue style={{ minWidth: 0, overflowWrap: "anywhere" }}>
              {isBlank(it.value) ? (
                <Text span c="dimmed" fz="sm">
                  —
                </Text>
              ) : (
                it.value
              )}
            </DataList.ItemValue>
          </DataList.Item>
        ))}
      </DataList>
    </Card>
  );
}

const isBlank = (v: ReactNode) => v === null || v === undefined || v === "" || v === false;

export function customDetailItems(fields: CustomField[], values: Record<string, unknown>): DetailItem[] {
  return fields.map((f) => {
    const text = formatCustomValue(f, values[f.key]);
    const v = values[f.key];
    let node: ReactNode = text === "—" ? null : text;
    if (text !== "—" && f.type === "url" && typeof v === "string")
      node = (
        <Anchor href={v} target="_blank" rel="noopener noreferrer" fz="sm">
          {v}
        </Anchor>
      );
    if (text !== "—" && f.type === "email" && typeof v === "string")
      node = (
        <Anchor href={`mailto:${v}`} fz="sm">
          {v}
        </Anchor>
      );
    if (text !== "—" && f.type === "phone" && typeof v === "string")
      node = (
        <Anchor href={`tel:${v}`} fz="sm">
          {v}
        </Anchor>
      );
    return { label: f.label, value: node };
  });
}

/** Custom field rows that edit in place (any field type), for records of contacts, companies and deals. */
export function editableCustomItems<T extends EditableRecord & { custom: Record<string, unknown> }>(
  object: EditableObject,
  record: T,
  fields: CustomField[],
): DetailItem[] {
  const shown = customDetailItems(fields, record.custom);
  return fields.map((f, i) => ({
    label: f.label,
    value: (
      <InlineField
        object={object}
        record={record}
        spec={customSpec<T>(f)}
        display={shown[i]?.value ?? null}
        interactive={f.type === "url" || f.type === "email" || f.type === "phone"}
      />
    ),
  }));
}

export function RecordSkeleton() {
  return (
    <Stack gap="md" data-testid="record-loading">
      <Skeleton h={14} w={80} />
      <Skeleton h={110} radius="md" />
      <Group align="flex-start" grow>
        <Skeleton h={300} radius="md" />
        <Skeleton h={300} radius="md" />
      </Group>
    </Stack>
  );
}

export function RecordError({
  error,
  onRetry,
  backTo,
  backLabel,
}: {
  error: Error & { status?: number };
  onRetry: () => void;
  backTo: "/contacts" | "/companies";
  backLabel: string;
}) {
  const notFound = error.status === 404;
  return (
    <Stack gap="md" maw={560}>
      <BackLink to={backTo} label={backLabel} />
      <Alert
        color={notFound ? "gray" : "red"}
        variant="light"
        icon={<IconAlertTriangle size={18} />}
        title={notFound ? "Not found" : "Could not load this record"}
      >
        <Text fz="sm" mb="sm">
          {notFound ? "It may have been deleted for good, or the link is wrong." : error.message}
        </Text>
        {!notFound && (
          <Button size="xs" variant="white" color="red" onClick={onRetry}>
            Retry
          </Button>
        )}
      </Alert>
    </Stack>
  );
}
