import { ActionIcon, Badge, Button, Card, Group, Modal, NumberInput, Select, Stack, Table, Tabs, Text, TextInput, Title } from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconChecklist, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { LostReason, Pipeline, Stage } from "../../contract/index.js";
import { ApiError, api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";
import { lostReasonsQuery, pipelinesQuery } from "./api.js";

type Template = Stage["playbook"][number];
type TemplateDraft = Template & { key: string };
interface StageDraft {
  key: string;
  id?: string;
  name: string;
  probability: number;
  type: Stage["type"];
  playbook: TemplateDraft[];
}

const draftOf = (p: Pipeline): StageDraft[] =>
  p.stages.map((s) => ({
    key: s.id,
    id: s.id,
    name: s.name,
    probability: s.probability,
    type: s.type,
    playbook: s.playbook.map((t, j) => ({ ...t, key: `${s.id}-${j}` })),
  }));
/** The stages as the API sees them: without the React keys. */
const plain = (ss: StageDraft[]) => ss.map(({ key: _k, ...s }) => ({ ...s, playbook: s.playbook.map(({ key: _t, ...t }) => t) }));

export function PipelinesSettings() {
  const pipelines = useQuery(pipelinesQuery);
  const qc = useQueryClient();
  const [tab, setTab] = useState<string | null>(null);
  const current = pipelines.data?.find((p) => p.id === tab) ?? pipelines.data?.find((p) => p.isDefault);
  const add = useMutation({
    mutationFn: () =>
      api.post<Pipeline>("/api/v1/pipelines", {
        name: `Pipeline ${(pipelines.data?.length ?? 0) + 1}`,
        stages: [
          { name: "New", probability: 10 },
          { name: "In progress", probability: 50 },
          { name: "Won", probability: 100, type: "won" },
          { name: "Lost", probability: 0, type: "lost" },
        ],
      }),
    onSuccess: (p) => {
      qc.invalidateQueries({ queryKey: ["pipelines"] });
      setTab(p.id);
      notifySuccess("Pipeline added: rename it and shape its stages");
    },
    onError: (e) => notifyError(e, "Could not add a pipeline"),
  });
  return (
    <SettingsPage
      title="Pipelines"
      description="The stages deals move through, their win probabilities, and the tasks each stage creates. Lost deals need a reason from the list below."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => add.mutate()} loading={add.isPending} data-testid="add-pipeline">
          Add pipeline
        </Button>
      }
    >
      {pipelines.isError && <Text c="red">{pipelines.error.message}</Text>}
      {pipelines.data && current && (
        <Tabs value={current.id} onChange={setTab} keepMounted={false}>
          <Tabs.List>
            {pipelines.data.map((p) => (
              <Tabs.Tab key={p.id} value={p.id} rightSection={p.isDefault ? <Badge size="xs">default</Badge> : undefined}>
                {p.name}
              </Tabs.Tab>
            ))}
          </Tabs.List>
          <Tabs.Panel value={current.id} pt="md">
            <PipelineEditor key={`${current.id}-${current.updatedAt}`} pipeline={current} />
          </Tabs.Panel>
        </Tabs>
      )}
      <LostReasonsEditor />
    </SettingsPage>
  );
}

function PipelineEditor({ pipeline }: { pipeline: Pipeline }) {
  const qc = useQueryClient();
  const [name, setName] = useState(pipeline.name);
  const [stages, setStages] = useState<StageDraft[]>(() => draftOf(pipeline));
  const [open, setOpen] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [moves, setMoves] = useState<{ stageId: string; stageName: string; message: string }[] | null>(null);
  const [moveTo, setMoveTo] = useState<Record<string, string>>({});
  const [deleting, setDeleting] = useState(false);
  const dirty = name !== pipeline.name || JSON.stringify(plain(stages)) !== JSON.stringify(plain(draftOf(pipeline)));

  const save = useMutation({
    mutationFn: (moveDeals: Record<string, string>) =>
      api.patch<Pipeline>(`/api/v1/pipelines/${pipeline.id}`, {
        name,
        stages: plain(stages).map(({ id, ...s }) => ({ ...(id ? { id } : {}), ...s })),
        ...(Object.keys(moveDeals).length ? { moveDeals } : {}),
      }),
    onSuccess: () => {
      setMoves(null);
      setMoveTo({});
      setErrors({});
      qc.invalidateQueries({ queryKey: ["pipelines"] });
      qc.invalidateQueries({ queryKey: ["deals"] });
      notifySuccess("Pipeline saved");
    },
    onError: (e) => {
      if (e instanceof ApiError && e.code === "conflict" && e.problem.errors?.some((x) => x.path.startsWith("moveDeals."))) {
        // Deleted stages still hold deals: ask where they go, then save again.
        setMoves(
          (e.problem.errors ?? []).map((x) => {
            const stageId = x.path.slice("moveDeals.".length);
            return { stageId, stageName: pipeline.stages.find((s) => s.id === stageId)?.name ?? "stage", message: x.message };
          }),
        );
        return;
      }
      if (e instanceof ApiError) setErrors(e.fieldErrors);
      notifyError(e, "Could not save the pipeline");
    },
  });
  const makeDefault = useMutation({
    mutationFn: () => api.patch(`/api/v1/pipelines/${pipeline.id}`, { isDefault: true }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["pipelines"] }),
    onError: (e) => notifyError(e),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/pipelines/${pipeline.id}`),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["pipelines"] });
      notifySuccess("Pipeline deleted");
    },
    onError: (e) => notifyError(e, "Could not delete the pipeline"),
    onSettled: () => setDeleting(false),
  });

  const patch = (key: string, p: Partial<StageDraft>) => setStages((ss) => ss.map((s) => (s.key === key ? { ...s, ...p } : s)));
  const shift = (i: number, by: number) =>
    setStages((ss) => {
      const next = [...ss];
      const [item] = next.splice(i, 1);
      if (item) next.splice(Math.max(0, Math.min(next.length, i + by)), 0, item);
      return next;
    });
  const kept = stages.filter((s) => s.id && s.type !== "lost");

  return (
    <Stack gap="md" data-testid="pipeline-editor">
      <Group align="flex-end" wrap="wrap">
        <TextInput
          label="Pipeline name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
          w={260}
          data-testid="pipeline-name"
        />
        {!pipeline.isDefault && (
          <>
            <Button variant="default" onClick={() => makeDefault.mutate()} loading={makeDefault.isPending}>
              Make default
            </Button>
            <Button variant="subtle" color="red" onClick={() => setDeleting(true)} loading={remove.isPending}>
              Delete pipeline
            </Button>
          </>
        )}
      </Group>
      <Card withBorder radius="md" padding={0}>
        <Table.ScrollContainer minWidth={640}>
          <Table verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={70}>Order</Table.Th>
                <Table.Th>Stage</Table.Th>
                <Table.Th w={120}>Win %</Table.Th>
                <Table.Th w={120}>Type</Table.Th>
                <Table.Th w={130}>Playbook</Table.Th>
                <Table.Th w={50} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {stages.map((s, i) => (
                <StageRow
                  key={s.key}
                  stage={s}
                  index={i}
                  count={stages.length}
                  errors={errors}
                  open={open === s.key}
                  onToggle={() => setOpen(open === s.key ? null : s.key)}
                  onChange={(p) => patch(s.key, p)}
                  onShift={(by) => shift(i, by)}
                  onRemove={() => setStages((ss) => ss.filter((x) => x.key !== s.key))}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Card>
      {errors.stages && (
        <Text c="red" fz="sm">
          {errors.stages}
        </Text>
      )}
      <Group justify="space-between">
        <Button
          variant="subtle"
          leftSection={<IconPlus size={14} />}
          onClick={() => setStages((ss) => [...ss, { key: `new-${Date.now()}`, name: "", probability: 50, type: "open", playbook: [] }])}
          data-testid="add-stage"
        >
          Add stage
        </Button>
        <Group gap="xs">
          {dirty && (
            <Button variant="default" onClick={() => setStages(draftOf(pipeline))}>
              Discard
            </Button>
          )}
          <Button onClick={() => save.mutate({})} loading={save.isPending} disabled={!dirty} data-testid="save-pipeline">
            Save pipeline
          </Button>
        </Group>
      </Group>
      <Modal opened={Boolean(moves)} onClose={() => setMoves(null)} title="Move deals out of deleted stages" centered>
        <Stack gap="sm">
          {moves?.map((m) => (
            <Select
              key={m.stageId}
              label={m.message}
              data={kept.map((s) => ({ value: s.id as string, label: s.name }))}
              value={moveTo[m.stageId] ?? null}
              onChange={(v) => setMoveTo((x) => ({ ...x, ...(v ? { [m.stageId]: v } : {}) }))}
              data-testid="move-deals-target"
            />
          ))}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setMoves(null)}>
              Cancel
            </Button>
            <Button onClick={() => save.mutate(moveTo)} disabled={!moves?.every((m) => moveTo[m.stageId])} loading={save.isPending}>
              Move deals and save
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Modal opened={deleting} onClose={() => setDeleting(false)} title={`Delete “${pipeline.name}”?`} centered>
        <Text fz="sm" mb="md">
          Only an empty pipeline can be deleted: move its deals to another pipeline first.
        </Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => setDeleting(false)}>
            Cancel
          </Button>
          <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
            Delete
          </Button>
        </Group>
      </Modal>
    </Stack>
  );
}

function StageRow({
  stage,
  index,
  count,
  errors,
  open,
  onToggle,
  onChange,
  onShift,
  onRemove,
}: {
  stage: StageDraft;
  index: number;
  count: number;
  errors: Record<string, string>;
  open: boolean;
  onToggle: () => void;
  onChange: (p: Partial<StageDraft>) => void;
  onShift: (by: number) => void;
  onRemove: () => void;
}) {
  const setTemplate = (j: number, p: Partial<TemplateDraft>) => onChange({ playbook: stage.playbook.map((t, k) => (k === j ? { ...t, ...p } : t)) });
  return (
    <>
      <Table.Tr data-testid="stage-row">
        <Table.Td>
          <Group gap={2} wrap="nowrap">
            <ActionIcon variant="subtle" size="sm" aria-label={`Move ${stage.name || "stage"} up`} disabled={index === 0} onClick={() => onShift(-1)}>
              <IconArrowUp size={14} />
            </ActionIcon>
            <ActionIcon variant="subtle" size="sm" aria-label={`Move ${stage.name || "stage"} down`} disabled={index === count - 1} onClick={() => onShift(1)}>
              <IconArrowDown size={14} />
            </ActionIcon>
          </Group>
        </Table.Td>
        <Table.Td>
          <TextInput
            size="xs"
            aria-label="Stage name"
            value={stage.name}
            onChange={(e) => onChange({ name: e.currentTarget.value })}
            error={errors[`stages.${index}.name`]}
            data-testid="stage-name"
          />
        </Table.Td>
        <Table.Td>
          <NumberInput
            size="xs"
            aria-label="Win probability"
            min={0}
            max={100}
            suffix="%"
            value={stage.probability}
            onChange={(v) => onChange({ probability: Number(v) || 0 })}
            error={errors[`stages.${index}.probability`]}
          />
        </Table.Td>
        <Table.Td>
          <Select
            size="xs"
            aria-label="Stage type"
            data={[
              { value: "open", label: "Open" },
              { value: "won", label: "Won" },
              { value: "lost", label: "Lost" },
            ]}
            value={stage.type}
            allowDeselect={false}
            onChange={(v) => onChange({ type: (v ?? "open") as Stage["type"] })}
          />
        </Table.Td>
        <Table.Td>
          <Button size="compact-xs" variant="light" leftSection={<IconChecklist size={12} />} onClick={onToggle} aria-expanded={open}>
            {stage.playbook.length} task{stage.playbook.length === 1 ? "" : "s"}
          </Button>
        </Table.Td>
        <Table.Td>
          <ActionIcon variant="subtle" color="red" aria-label={`Delete stage ${stage.name}`} onClick={onRemove} disabled={count === 1}>
            <IconTrash size={14} />
          </ActionIcon>
        </Table.Td>
      </Table.Tr>
      <Table.Tr style={{ display: open ? undefined : "none" }}>
        <Table.Td colSpan={6}>
          <Stack gap="xs" p="xs">
            <Text fz="xs" c="dimmed">
              Tasks created for the deal's owner whenever a deal enters {stage.name || "this stage"}.
            </Text>
            {stage.playbook.map((t, j) => (
              <Group key={t.key} gap="xs" wrap="wrap" align="flex-end">
                <TextInput
                  size="xs"
                  label="Task"
                  value={t.title}
                  onChange={(e) => setTemplate(j, { title: e.currentTarget.value })}
                  style={{ flex: 1, minWidth: 180 }}
                />
                <NumberInput
                  size="xs"
                  label="Due after (days)"
                  min={0}
                  max={365}
                  w={120}
                  value={t.dueInDays}
                  onChange={(v) => setTemplate(j, { dueInDays: Number(v) || 0 })}
                />
                <Select
                  size="xs"
                  label="Priority"
                  w={110}
                  data={["low", "normal", "high", "urgent"]}
                  value={t.priority}
                  allowDeselect={false}
                  onChange={(v) => setTemplate(j, { priority: (v ?? "normal") as Template["priority"] })}
                />
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  aria-label="Remove task"
                  onClick={() => onChange({ playbook: stage.playbook.filter((_, k) => k !== j) })}
                >
                  <IconTrash size={14} />
                </ActionIcon>
              </Group>
            ))}
            <Button
              size="compact-xs"
              variant="subtle"
              w="fit-content"
              leftSection={<IconPlus size={12} />}
              onClick={() => onChange({ playbook: [...stage.playbook, { key: `new-${Date.now()}`, title: "", dueInDays: 1, priority: "normal" }] })}
            >
              Add task
            </Button>
          </Stack>
        </Table.Td>
      </Table.Tr>
    </>
  );
}

function LostReasonsEditor() {
  const qc = useQueryClient();
  const reasons = useQuery(lostReasonsQuery);
  const [adding, setAdding] = useState("");
  const [error, setError] = useState<string | null>(null);
  const done = () => qc.invalidateQueries({ queryKey: ["lost-reasons"] });
  const create = useMutation({
    mutationFn: (name: string) => api.post<LostReason>("/api/v1/lost-reasons", { name }),
    onSuccess: () => {
      setAdding("");
      setError(null);
      done();
    },
    onError: (e) => setError(e instanceof ApiError ? (e.fieldErrors.name ?? e.message) : String(e)),
  });
  const rename = useMutation({
    mutationFn: ({ id, name }: { id: string; name: string }) => api.patch(`/api/v1/lost-reasons/${id}`, { name }),
    onSuccess: done,
    onError: (e) => notifyError(e, "Could not rename"),
  });
  const remove = useMutation({ mutationFn: (id: string) => api.del(`/api/v1/lost-reasons/${id}`), onSuccess: done, onError: (e) => notifyError(e) });
  const reorder = useMutation({
    mutationFn: (ids: string[]) => api.put("/api/v1/lost-reasons/order", { ids }),
    onSuccess: done,
    onError: (e) => notifyError(e),
  });
  const list = reasons.data ?? [];
  const shift = (i: number, by: number) => {
    const ids = list.map((r) => r.id);
    const [x] = ids.splice(i, 1);
    if (x) ids.splice(i + by, 0, x);
    reorder.mutate(ids);
  };
  return (
    <Card withBorder radius="md" padding="md" data-testid="lost-reasons">
      <Title order={4} fz="md" mb={4}>
        Lost reasons
      </Title>
      <Text fz="sm" c="dimmed" mb="sm">
        Marking a deal lost asks for one of these. Deals keep the reason they were lost with, even if you rename or remove it here.
      </Text>
      <Stack gap={6}>
        {list.map((r, i) => (
          <Group key={r.id} gap="xs" wrap="nowrap">
            <ActionIcon variant="subtle" size="sm" aria-label={`Move ${r.name} up`} disabled={i === 0} onClick={() => shift(i, -1)}>
              <IconArrowUp size={14} />
            </ActionIcon>
            <ActionIcon variant="subtle" size="sm" aria-label={`Move ${r.name} down`} disabled={i === list.length - 1} onClick={() => shift(i, 1)}>
              <IconArrowDown size={14} />
            </ActionIcon>
            <TextInput
              size="xs"
              defaultValue={r.name}
              aria-label="Reason"
              style={{ flex: 1 }}
              onBlur={(e) => {
                const v = e.currentTarget.value.trim();
                if (v && v !== r.name) rename.mutate({ id: r.id, name: v });
              }}
            />
            <ActionIcon variant="subtle" color="red" aria-label={`Delete ${r.name}`} onClick={() => remove.mutate(r.id)}>
              <IconTrash size={14} />
            </ActionIcon>
          </Group>
        ))}
        <Group gap="xs" align="flex-start" mt="xs">
          <TextInput
            size="xs"
            placeholder="New reason"
            value={adding}
            onChange={(e) => setAdding(e.currentTarget.value)}
            error={error}
            style={{ flex: 1 }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && adding.trim()) create.mutate(adding.trim());
            }}
            data-testid="new-lost-reason"
          />
          <Button size="xs" onClick={() => adding.trim() && create.mutate(adding.trim())} loading={create.isPending}>
            Add
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
