import { BarChart } from "@mantine/charts";
import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Chip,
  Grid,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconArrowDown, IconArrowUp, IconMail, IconPlus, IconSubtask, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import {
  type Enrolment,
  enrolmentSourceLabels,
  enrolmentStatusLabels,
  exitReasonLabels,
  type Sequence,
  type SequenceStatus,
  type StepKind,
  sequenceStatusLabels,
  stepKindLabels,
  weekdayLabels,
} from "../../contract/sequences.js";
import { usePermissions } from "../app/me.js";
import { PageSkeleton } from "../components/PageSkeleton.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { segmentsQuery } from "../segments/api.js";
import { delayLabel, enrolmentsQuery, sequenceQuery, sequenceStatsQuery, templatesQuery } from "./api.js";

const route = getRouteApi("/marketing/sequences/$id");

interface StepDraft {
  key: string;
  id?: string;
  kind: StepKind;
  days: number;
  hours: number;
  templateId: string | null;
  taskTitle: string;
  taskNote: string;
}

interface Draft {
  name: string;
  description: string;
  status: SequenceStatus;
  replyTo: string;
  start: string;
  end: string;
  days: string[];
  onReply: boolean;
  onMeeting: boolean;
  steps: StepDraft[];
}

let keys = 0;
const newKey = () => `s${++keys}`;

const draftOf = (s: Sequence | null): Draft => ({
  name: s?.name ?? "",
  description: s?.description ?? "",
  status: s?.status ?? "active",
  replyTo: s?.replyTo ?? "",
  start: s?.window.start ?? "09:00",
  end: s?.window.end ?? "17:00",
  days: (s?.window.days ?? [1, 2, 3, 4, 5]).map(String),
  onReply: s?.exits.onReply ?? true,
  onMeeting: s?.exits.onMeeting ?? true,
  steps: (s?.steps ?? []).map((st) => ({
    key: newKey(),
    id: st.id,
    kind: st.kind,
    days: Math.floor(st.delayMinutes / 1440),
    hours: Math.floor((st.delayMinutes % 1440) / 60),
    templateId: st.templateId,
    taskTitle: st.taskTitle ?? "",
    taskNote: st.taskNote ?? "",
  })),
});

const bodyOf = (d: Draft) => ({
  name: d.name,
  description: d.description,
  status: d.status,
  replyTo: d.replyTo.trim() || null,
  window: { start: d.start, end: d.end, days: d.days.map(Number).sort() },
  exits: { onReply: d.onReply, onMeeting: d.onMeeting },
  steps: d.steps.map((s) => ({
    ...(s.id ? { id: s.id } : {}),
    kind: s.kind,
    delayMinutes: s.days * 1440 + s.hours * 60,
    ...(s.kind === "email" ? { templateId: s.templateId } : { taskTitle: s.taskTitle, taskNote: s.taskNote || null }),
  })),
});

export function SequencePage() {
  const { id } = route.useParams();
  const isNew = id === "new";
  const sequence = useQuery({ ...sequenceQuery(id), enabled: !isNew });
  useDocumentTitle(`${isNew ? "New sequence" : (sequence.data?.name ?? "Sequence")} · Rapport`);
  if (!isNew && sequence.isPending) return <PageSkeleton />;
  if (!isNew && sequence.isError) return <Text c="red">Could not load the sequence: {sequence.error.message}</Text>;
  return <SequenceEditor key={id} sequence={isNew ? null : (sequence.data ?? null)} />;
}

function SequenceEditor({ sequence }: { sequence: Sequence | null }) {
  const canManage = usePermissions().may("sequence", "create");
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(() => draftOf(sequence));
  useEffect(() => setDraft(draftOf(sequence)), [sequence]);
  const templates = useQuery(templatesQuery);
  const set = (patch: Partial<Draft>) => setDraft((d) => ({ ...d, ...patch }));
  const setStep = (key: string, patch: Partial<StepDraft>) => setDraft((d) => ({ ...d, steps: d.steps.map((s) => (s.key === key ? { ...s, ...patch } : s)) }));
  const move = (i: number, by: number) =>
    setDraft((d) => {
      const steps = [...d.steps];
      const [s] = steps.splice(i, 1);
      if (s) steps.splice(i + by, 0, s);
      return { ...d, steps };
    });
  const addStep = (kind: StepKind) =>
    setDraft((d) => ({
      ...d,
      steps: [...d.steps, { key: newKey(), kind, days: d.steps.length === 0 ? 0 : 2, hours: 0, templateId: null, taskTitle: "", taskNote: "" }],
    }));

  const save = useMutation({
    mutationFn: () =>
      sequence ? api.patch<Sequence>(`/api/v1/sequences/${sequence.id}`, bodyOf(draft)) : api.post<Sequence>("/api/v1/sequences", bodyOf(draft)),
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ["sequences"] });
      notifySuccess(`Saved "${saved.name}"`);
      if (!sequence) void navigate({ to: "/marketing/sequences/$id", params: { id: saved.id } });
    },
    onError: (e) => notifyError(e, "Could not save the sequence"),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/sequences/${sequence?.id}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["sequences"] });
      void navigate({ to: "/marketing/sequences" });
    },
    onError: (e) => notifyError(e, "Could not delete the sequence"),
  });
  const templateOptions = (templates.data ?? []).map((t) => ({ value: t.id, label: t.name }));

  return (
    <Stack gap="md" maw={1200}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Anchor fz="sm" onClick={() => void navigate({ to: "/marketing/sequences" })}>
            ← Sequences
          </Anchor>
          <Title order={2}>{sequence ? sequence.name : "New sequence"}</Title>
        </div>
        {canManage && (
          <Group>
            {sequence && (
              <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => remove.mutate()} loading={remove.isPending}>
                Delete
              </Button>
            )}
            <Button onClick={() => save.mutate()} loading={save.isPending} data-testid="save-sequence">
              Save
            </Button>
          </Group>
        )}
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Card withBorder radius="md" padding="md">
            <Stack gap="sm">
              <TextInput
                label="Name"
                value={draft.name}
                onChange={(e) => set({ name: e.currentTarget.value })}
                readOnly={!canManage}
                data-testid="sequence-name"
              />
              <Textarea
                label="Description"
                autosize
                minRows={2}
                value={draft.description}
                onChange={(e) => set({ description: e.currentTarget.value })}
                readOnly={!canManage}
              />
              <div>
                <Text fz="sm" fw={500} mb={4}>
                  Status
                </Text>
                <SegmentedControl
                  value={draft.status}
                  onChange={(v) => set({ status: v as SequenceStatus })}
                  data={(["active", "paused"] as const).map((s) => ({ value: s, label: sequenceStatusLabels[s] }))}
                  disabled={!canManage}
                />
                <Text fz="xs" c="dimmed" mt={4}>
                  A paused sequence holds every contact where they are; resuming it carries on.
                </Text>
              </div>
              <TextInput
                label="Replies go to"
                description="An inbound mailbox address, so Rapport sees replies and takes the contact out of the sequence"
                placeholder="sales@yourcompany.com"
                value={draft.replyTo}
                onChange={(e) => set({ replyTo: e.currentTarget.value })}
                readOnly={!canManage}
              />
              <div>
                <Text fz="sm" fw={500}>
                  Sending window
                </Text>
                <Text fz="xs" c="dimmed" mb={4}>
                  On the contact's own clock: their time zone (a contact field “Time zone”), else the workspace's.
                </Text>
                <Group gap="xs">
                  <TextInput w={90} aria-label="From" value={draft.start} onChange={(e) => set({ start: e.currentTarget.value })} readOnly={!canManage} />
                  <Text fz="sm">to</Text>
                  <TextInput w={90} aria-label="Until" value={draft.end} onChange={(e) => set({ end: e.currentTarget.value })} readOnly={!canManage} />
                </Group>
                <Chip.Group multiple value={draft.days} onChange={(v) => set({ days: v })}>
                  <Group gap={4} mt="xs">
                    {[1, 2, 3, 4, 5, 6, 7].map((d) => (
                      <Chip key={d} value={String(d)} size="xs" disabled={!canManage}>
                        {weekdayLabels[d]}
                      </Chip>
                    ))}
                  </Group>
                </Chip.Group>
              </div>
              <div>
                <Text fz="sm" fw={500} mb={4}>
                  Take the contact out when they
                </Text>
                <Stack gap={6}>
                  <Checkbox
                    label="reply to an email of the sequence"
                    checked={draft.onReply}
                    onChange={(e) => set({ onReply: e.currentTarget.checked })}
                    disabled={!canManage}
                  />
                  <Checkbox
                    label="have a meeting logged or scheduled"
                    checked={draft.onMeeting}
                    onChange={(e) => set({ onMeeting: e.currentTarget.checked })}
                    disabled={!canManage}
                  />
                  <Text fz="xs" c="dimmed">
                    Unsubscribing, a hard bounce or a spam complaint always ends the sequence.
                  </Text>
                </Stack>
              </div>
            </Stack>
          </Card>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Card withBorder radius="md" padding="md">
            <Group justify="space-between" mb="sm">
              <Text fw={600}>Steps</Text>
              {canManage && (
                <Group gap="xs">
                  <Button size="xs" variant="light" leftSection={<IconMail size={14} />} onClick={() => addStep("email")} data-testid="add-email-step">
                    Add email
                  </Button>
                  <Button size="xs" variant="light" leftSection={<IconSubtask size={14} />} onClick={() => addStep("task")} data-testid="add-task-step">
                    Add task
                  </Button>
                </Group>
              )}
            </Group>
            {draft.steps.length === 0 ? (
              <Text fz="sm" c="dimmed">
                No steps yet. Add an email (a template from Marketing → Templates) or a task for the contact's owner; each runs after the delay you set.
              </Text>
            ) : (
              <Stack gap="sm">
                {draft.steps.map((s, i) => (
                  <Paper key={s.key} withBorder p="sm" radius="md" data-testid="sequence-step">
                    <Group justify="space-between" mb={6}>
                      <Group gap="xs">
                        <Badge variant="light" color={s.kind === "email" ? "blue" : "grape"}>
                          {i + 1}. {stepKindLabels[s.kind]}
                        </Badge>
                        <Text fz="xs" c="dimmed">
                          {delayLabel(s.days * 1440 + s.hours * 60)} {i === 0 ? "enrolment" : "the previous step"}
                        </Text>
                      </Group>
                      {canManage && (
                        <Group gap={2}>
                          <ActionIcon variant="subtle" aria-label="Move up" disabled={i === 0} onClick={() => move(i, -1)}>
                            <IconArrowUp size={14} />
                          </ActionIcon>
                          <ActionIcon variant="subtle" aria-label="Move down" disabled={i === draft.steps.length - 1} onClick={() => move(i, 1)}>
                            <IconArrowDown size={14} />
                          </ActionIcon>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label="Remove step"
                            onClick={() => set({ steps: draft.steps.filter((x) => x.key !== s.key) })}
                          >
                            <IconTrash size={14} />
                          </ActionIcon>
                        </Group>
                      )}
                    </Group>
                    <Group gap="xs" align="flex-end">
                      <NumberInput
                        label="Wait days"
                        w={100}
                        min={0}
                        max={365}
                        value={s.days}
                        onChange={(v) => setStep(s.key, { days: Number(v) || 0 })}
                        readOnly={!canManage}
                      />
                      <NumberInput
                        label="and hours"
                        w={100}
                        min={0}
                        max={23}
                        value={s.hours}
                        onChange={(v) => setStep(s.key, { hours: Number(v) || 0 })}
                        readOnly={!canManage}
                      />
                      {s.kind === "email" ? (
                        <Select
                          label="Template"
                          placeholder={templateOptions.length ? "Choose a template" : "Write a template first"}
                          data={templateOptions}
                          value={s.templateId}
                          onChange={(v) => setStep(s.key, { templateId: v })}
                          style={{ flex: 1 }}
                          readOnly={!canManage}
                          data-testid="step-template"
                        />
                      ) : (
                        <TextInput
                          label="Task"
                          placeholder="Call to follow up"
                          value={s.taskTitle}
                          onChange={(e) => setStep(s.key, { taskTitle: e.currentTarget.value })}
                          style={{ flex: 1 }}
                          readOnly={!canManage}
                          data-testid="step-task-title"
                        />
                      )}
                    </Group>
                  </Paper>
                ))}
              </Stack>
            )}
          </Card>
        </Grid.Col>
      </Grid>
      {sequence && <SequenceResults sequence={sequence} canManage={canManage} />}
    </Stack>
  );
}

function SequenceResults({ sequence, canManage }: { sequence: Sequence; canManage: boolean }) {
  const stats = useQuery({ ...sequenceStatsQuery(sequence.id), refetchInterval: 15_000 });
  const enrolments = useQuery({ ...enrolmentsQuery(sequence.id), refetchInterval: 15_000 });
  const chart = (stats.data?.steps ?? []).map((s) => ({
    step: `${s.position + 1}. ${stepKindLabels[s.kind]}`,
    Sent: s.sent,
    Opened: s.opened,
    Clicked: s.clicked,
    Replied: s.replied,
    Exited: s.exited,
  }));
  return (
    <>
      <Card withBorder radius="md" padding="md">
        <Group justify="space-between" mb="sm">
          <Text fw={600}>Results by step</Text>
          <Text fz="sm" c="dimmed">
            {stats.data ? `${stats.data.enrolled.toLocaleString()} enrolled in all` : ""}
          </Text>
        </Group>
        {stats.isPending ? null : stats.isError ? (
          <Text c="red">{stats.error.message}</Text>
        ) : stats.data.enrolled === 0 ? (
          <Text fz="sm" c="dimmed">
            Nobody enrolled yet. Enrol contacts below, from a contact's page, or with a workflow; each step's sends, opens, clicks and replies show here.
          </Text>
        ) : (
          <Stack>
            <BarChart
              h={220}
              data={chart}
              dataKey="step"
              withLegend
              series={[
                { name: "Sent", color: "blue.6" },
                { name: "Opened", color: "teal.6" },
                { name: "Clicked", color: "grape.6" },
                { name: "Replied", color: "orange.6" },
                { name: "Exited", color: "gray.5" },
              ]}
            />
            <Table fz="sm" data-testid="sequence-stats">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Step</Table.Th>
                  <Table.Th ta="right">Sent</Table.Th>
                  <Table.Th ta="right">Opened</Table.Th>
                  <Table.Th ta="right">Clicked</Table.Th>
                  <Table.Th ta="right">Replied</Table.Th>
                  <Table.Th ta="right">Exited here</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {stats.data.steps.map((s) => (
                  <Table.Tr key={s.stepId} data-testid="stats-row">
                    <Table.Td>
                      {s.position + 1}. {stepKindLabels[s.kind]}
                    </Table.Td>
                    <Table.Td ta="right" data-testid="stats-sent">
                      {s.sent}
                    </Table.Td>
                    <Table.Td ta="right">{s.kind === "email" ? s.opened : "—"}</Table.Td>
                    <Table.Td ta="right">{s.kind === "email" ? s.clicked : "—"}</Table.Td>
                    <Table.Td ta="right">{s.kind === "email" ? s.replied : "—"}</Table.Td>
                    <Table.Td ta="right">{s.exited}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {stats.data.exitReasons.length > 0 && (
              <Group gap="xs">
                {stats.data.exitReasons.map((r) => (
                  <Badge key={r.reason} variant="light" color="gray">
                    {exitReasonLabels[r.reason]}: {r.count}
                  </Badge>
                ))}
              </Group>
            )}
          </Stack>
        )}
      </Card>
      <Card withBorder radius="md" padding="md">
        <Group justify="space-between" mb="sm">
          <Text fw={600}>Enrolments</Text>
          {canManage && <EnrolFromSegment sequenceId={sequence.id} disabled={sequence.steps.length === 0} />}
        </Group>
        {enrolments.isPending ? null : enrolments.isError ? (
          <Text c="red">{enrolments.error.message}</Text>
        ) : enrolments.data.data.length === 0 ? (
          <Text fz="sm" c="dimmed">
            No contacts in this sequence. Enrol a list or a segment here, or open a contact and choose “Enrol in sequence”.
          </Text>
        ) : (
          <EnrolmentsTable rows={enrolments.data.data} sequence={sequence} canManage={canManage} />
        )}
      </Card>
    </>
  );
}

function EnrolFromSegment({ sequenceId, disabled }: { sequenceId: string; disabled: boolean }) {
  const qc = useQueryClient();
  const segments = useQuery(segmentsQuery);
  const [segmentId, setSegmentId] = useState<string | null>(null);
  const enrol = useMutation({
    mutationFn: () => api.post<{ enrolled: number; skipped: number }>(`/api/v1/sequences/${sequenceId}/enrolments`, { segmentId }),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ["sequences"] });
      notifySuccess(`${r.enrolled} enrolled${r.skipped ? `, ${r.skipped} skipped (already in a sequence, no email address, unsubscribed or suppressed)` : ""}`);
      setSegmentId(null);
    },
    onError: (e) => notifyError(e, "Could not enrol"),
  });
  return (
    <Group gap="xs">
      <Select
        size="xs"
        w={240}
        placeholder="A list or segment"
        data={(segments.data ?? []).map((s) => ({ value: s.id, label: `${s.name} (${s.count})` }))}
        value={segmentId}
        onChange={setSegmentId}
        searchable
        data-testid="enrol-segment"
      />
      <Button size="xs" leftSection={<IconPlus size={14} />} disabled={!segmentId || disabled} loading={enrol.isPending} onClick={() => enrol.mutate()}>
        Enrol
      </Button>
    </Group>
  );
}

const statusColor: Record<Enrolment["status"], string> = { active: "green", paused: "yellow", completed: "blue", exited: "gray" };

function EnrolmentsTable({ rows, sequence, canManage }: { rows: Enrolment[]; sequence: Sequence; canManage: boolean }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const act = useMutation({
    mutationFn: ({ id, action }: { id: string; action: "pause" | "resume" | "remove" }) =>
      api.post<Enrolment>(`/api/v1/sequence-enrolments/${id}/${action}`, {}),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["sequences"] }),
    onError: (e) => notifyError(e),
  });
  return (
    <Table fz="sm" highlightOnHover data-testid="enrolments-table">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Contact</Table.Th>
          <Table.Th>Status</Table.Th>
          <Table.Th>Next</Table.Th>
          <Table.Th>Enrolled</Table.Th>
          {canManage && <Table.Th />}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {rows.map((e) => (
          <Table.Tr key={e.id} data-testid="enrolment-row">
            <Table.Td>
              <Anchor fz="sm" onClick={() => void navigate({ to: "/contacts/$id", params: { id: e.contactId } })}>
                {e.contactName}
              </Anchor>
              {e.contactEmail && (
                <Text fz="xs" c="dimmed">
                  {e.contactEmail}
                </Text>
              )}
            </Table.Td>
            <Table.Td>
              <Badge variant="light" color={statusColor[e.status]} data-testid="enrolment-status">
                {enrolmentStatusLabels[e.status]}
              </Badge>
              {e.exitReason && (
                <Text fz="xs" c="dimmed">
                  {exitReasonLabels[e.exitReason]}
                </Text>
              )}
            </Table.Td>
            <Table.Td fz="xs">
              {e.status === "active" || e.status === "paused"
                ? `Step ${e.nextStep + 1} of ${sequence.steps.length}${e.nextAt ? `, ${new Date(e.nextAt).toLocaleString()}` : ""}`
                : "—"}
            </Table.Td>
            <Table.Td fz="xs" c="dimmed">
              {new Date(e.enrolledAt).toLocaleDateString()} · {enrolmentSourceLabels[e.source]}
            </Table.Td>
            {canManage && (
              <Table.Td>
                <Group gap={4} justify="flex-end">
                  {e.status === "active" && (
                    <Button size="compact-xs" variant="light" onClick={() => act.mutate({ id: e.id, action: "pause" })} data-testid="pause-enrolment">
                      Pause
                    </Button>
                  )}
                  {e.status === "paused" && (
                    <Button size="compact-xs" variant="light" onClick={() => act.mutate({ id: e.id, action: "resume" })} data-testid="resume-enrolment">
                      Resume
                    </Button>
                  )}
                  {(e.status === "active" || e.status === "paused") && (
                    <Button size="compact-xs" variant="subtle" color="red" onClick={() => act.mutate({ id: e.id, action: "remove" })}>
                      Remove
                    </Button>
                  )}
                </Group>
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
