import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconArrowLeft, IconTrash, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, Link, useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import type { Condition, ConditionGroup } from "../../contract/conditions.js";
import type { Contact } from "../../contract/index.js";
import { CreateSegmentBody, type Segment, type SegmentKind, segmentKindLabels } from "../../contract/segments.js";
import { usePermissions } from "../app/me.js";
import { ConditionField } from "../components/ConditionField.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { PageSkeleton } from "../components/PageSkeleton.js";
import { ApiError, api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { segmentQuery } from "./api.js";

const route = getRouteApi("/segments/$id");

export function SegmentPage() {
  const { id } = route.useParams();
  const segment = useQuery({ ...segmentQuery(id), enabled: id !== "new" });
  if (id !== "new" && segment.isPending) return <PageSkeleton />;
  if (id !== "new" && segment.isError) return <Alert color="red">Could not load this segment: {segment.error.message}</Alert>;
  return <SegmentEditor key={id} segment={id === "new" ? null : (segment.data ?? null)} />;
}

/** The live count: the condition as typed, counted by the server half a second after the last change. */
function useLiveCount(kind: SegmentKind, condition: ConditionGroup) {
  const [debounced] = useDebouncedValue(condition, 500);
  return useQuery({
    queryKey: ["segments", "preview", debounced],
    queryFn: () => api.post<{ count: number }>("/api/v1/segments/preview", { condition: debounced }),
    enabled: kind === "dynamic",
    retry: false,
    placeholderData: (prev) => prev,
  });
}

function SegmentEditor({ segment }: { segment: Segment | null }) {
  useDocumentTitle(`${segment?.name ?? "New segment"} · Segments · Rapport`);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const canManage = usePermissions().may("segment", "create");
  const [name, setName] = useState(segment?.name ?? "");
  const [description, setDescription] = useState(segment?.description ?? "");
  const [kind, setKind] = useState<SegmentKind>(segment?.kind ?? "dynamic");
  const [condition, setCondition] = useState<ConditionGroup>(() => {
    const c = segment?.condition as Condition | null | undefined;
    return !c ? { all: [] } : "all" in c || "any" in c ? (c as ConditionGroup) : { all: [c] };
  });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const { errors, validate, fromServer } = useFormErrors();
  const live = useLiveCount(kind, condition);
  const liveProblem = live.error instanceof ApiError ? live.error.fieldErrors : {};

  const save = useMutation({
    mutationFn: () => {
      const body = { name, description, kind, ...(kind === "dynamic" ? { condition } : {}) };
      const parsed = validate(CreateSegmentBody.safeParse(body));
      if (!parsed) throw new Error("Check the highlighted fields");
      return segment
        ? api.patch<Segment>(`/api/v1/segments/${segment.id}`, { name, description, ...(kind === "dynamic" ? { condition } : {}) })
        : api.post<Segment>("/api/v1/segments", body);
    },
    onSuccess: (s) => {
      void qc.invalidateQueries({ queryKey: ["segments"] });
      notifySuccess(`Saved “${s.name}”: ${s.count.toLocaleString()} contacts`);
      if (!segment) void navigate({ to: "/segments/$id", params: { id: s.id }, replace: true });
    },
    onError: (e) => fromServer(e, "Could not save the segment"),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/segments/${segment?.id}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["segments"] });
      notifySuccess("Segment deleted");
      void navigate({ to: "/segments" });
    },
    onError: (e) => notifyError(e, "Could not delete the segment"),
  });

  return (
    <Stack gap="md" maw={1100}>
      <Group gap="xs">
        <Anchor component={Link} to="/segments" fz="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> Segments
          </Group>
        </Anchor>
      </Group>
      <Group justify="space-between" align="flex-end">
        <Title order={2}>{segment ? segment.name : "New segment"}</Title>
        {segment && canManage && (
          <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => setConfirmDelete(true)}>
            Delete
          </Button>
        )}
      </Group>
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          {!segment && (
            <SegmentedControl
              value={kind}
              onChange={(v) => setKind(v as SegmentKind)}
              data={[
                { value: "dynamic", label: segmentKindLabels.dynamic },
                { value: "static", label: segmentKindLabels.static },
              ]}
              data-testid="segment-kind"
            />
          )}
          <Text fz="sm" c="dimmed">
            {kind === "dynamic"
              ? "Contacts that meet the condition, now and whenever the segment is used: nothing to refresh."
              : "The contacts you add: from the contacts list (select rows, then “Add to list”) or by hand."}
          </Text>
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
            required
            data-testid="segment-name"
            readOnly={!canManage}
          />
          <Textarea
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            autosize
            minRows={1}
            readOnly={!canManage}
          />
          {kind === "dynamic" && (
            <>
              <Text fw={600} fz="sm">
                Contacts who…
              </Text>
              <ConditionField
                object="contact"
                value={condition}
                onChange={setCondition}
                errors={{ ...errors, ...liveProblem }}
                path="condition"
                readOnly={!canManage}
              />
              <Group gap="xs" data-testid="segment-live-count">
                {live.isFetching && <Loader size="xs" />}
                {live.data && (
                  <Badge size="lg" variant="light" color="indigo" data-testid="segment-live-value">
                    {live.data.count.toLocaleString()} {live.data.count === 1 ? "contact" : "contacts"}
                  </Badge>
                )}
                {live.isError && (
                  <Text fz="sm" c={Object.keys(liveProblem).length ? "dimmed" : "red"} data-testid="segment-live-problem">
                    {/* A condition still being written: its fields say what is missing; the server's path is no help here. */}
                    {Object.keys(liveProblem).length ? "Finish the condition to see how many contacts match" : live.error.message}
                  </Text>
                )}
              </Group>
            </>
          )}
          {canManage && (
            <Group>
              <Button onClick={() => save.mutate()} loading={save.isPending} data-testid="segment-save">
                {segment ? "Save changes" : kind === "dynamic" ? "Create segment" : "Create list"}
              </Button>
            </Group>
          )}
        </Stack>
      </Paper>
      {segment && <Members segment={segment} canManage={canManage} />}
      <ConfirmModal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
        title="Delete this segment?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        Contacts stay as they are; only the segment goes.
      </ConfirmModal>
    </Stack>
  );
}

function Members({ segment, canManage }: { segment: Segment; canManage: boolean }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const members = useQuery({
    queryKey: ["segments", segment.id, "members", segment.updatedAt],
    queryFn: () => api.get<{ data: Contact[] }>("/api/v1/contacts", { segment: segment.id, limit: 50, sort: "lastName" }),
  });
  const count = useQuery({
    queryKey: ["segments", segment.id, "count", segment.updatedAt],
    queryFn: () => api.get<{ count: number }>("/api/v1/contacts/count", { segment: segment.id }),
  });
  const removeOne = useMutation({
    mutationFn: (contactId: string) => api.post(`/api/v1/segments/${segment.id}/members/remove`, { contactIds: [contactId] }),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["segments"] }),
    onError: (e) => notifyError(e, "Could not remove the contact"),
  });
  useEffect(() => {
    void qc.invalidateQueries({ queryKey: ["segments", segment.id, "members"] });
  }, [qc, segment.id]);
  return (
    <Paper withBorder p="md" radius="md">
      <Group justify="space-between" mb="xs">
        <Text fw={600}>Members{count.data ? ` · ${count.data.count.toLocaleString()}` : ""}</Text>
        <Anchor
          component="button"
          type="button"
          fz="sm"
          onClick={() => void navigate({ to: "/contacts", search: { segment: segment.id } })}
          data-testid="segment-open-list"
        >
          Open in the contacts list (filter, bulk actions, export)
        </Anchor>
      </Group>
      {members.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : members.data?.data.length ? (
        <Table data-testid="segment-members">
          <Table.Tbody>
            {members.data.data.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <Link to="/contacts/$id" params={{ id: c.id }}>
                    {c.fullName || c.primaryEmail || "Unnamed contact"}
                  </Link>
                </Table.Td>
                <Table.Td c="dimmed" fz="sm">
                  {c.primaryEmail}
                </Table.Td>
                {segment.kind === "static" && canManage && (
                  <Table.Td w={40}>
                    <ActionIcon variant="subtle" color="gray" aria-label="Remove from the list" onClick={() => removeOne.mutate(c.id)}>
                      <IconX size={14} />
                    </ActionIcon>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      ) : (
        <Text c="dimmed" fz="sm">
          {segment.kind === "static"
            ? "No one on this list yet. On the contacts list, select contacts and choose “Add to list”."
            : "No contact meets this condition yet."}
        </Text>
      )}
    </Paper>
  );
}
