import { Alert, Badge, Button, Group, Modal, Select, Stack, Text, Timeline } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconAlertTriangle, IconCheck, IconClock, IconFlask, IconPlayerSkipForward } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { SearchHit } from "../../contract/index.js";
import { api } from "../http/client.js";
import { type Draft, dryRun, triggerObjectLabel, type WorkflowDetail } from "./api.js";
import { stepKind } from "./catalogue.js";

type Picked = { id: string; label: string };

const listPaths: Record<string, { path: string; label: (r: Record<string, unknown>) => string }> = {
  deal: { path: "/api/v1/deals", label: (r) => String(r.name ?? "Deal") },
  task: { path: "/api/v1/tasks", label: (r) => String(r.title ?? "Task") },
};

/** Finds a record of the workflow's object by name: contacts and companies through search, deals and tasks by their list's text filter. */
export function RecordSearch({
  object,
  value,
  onChange,
  label = "Record",
}: {
  object: string;
  value: Picked | null;
  onChange: (p: Picked | null) => void;
  label?: string;
}) {
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q, 200);
  const term = value && debounced === value.label ? "" : debounced.trim();
  const hits = useQuery({
    queryKey: ["workflows", "record-search", object, term],
    enabled: term.length > 0,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }): Promise<Picked[]> => {
      if (object === "contact" || object === "company") {
        const r = await api.get<{ data: SearchHit[] }>("/api/v1/search", { q: term, limit: 20 }, signal);
        return r.data.filter((h) => h.object === object).map((h) => ({ id: h.id, label: h.subtitle ? `${h.title} · ${h.subtitle}` : h.title }));
      }
      const l = listPaths[object];
      if (!l) return [];
      const r = await api.get<{ data: Record<string, unknown>[] }>(l.path, { q: term, limit: 20 }, signal);
      return r.data.map((x) => ({ id: String(x.id), label: l.label(x) }));
    },
  });
  const items = (hits.data ?? []).map((h) => ({ value: h.id, label: h.label }));
  if (value && !items.some((i) => i.value === value.id)) items.unshift({ value: value.id, label: value.label });
  const noun = triggerObjectLabel(object).toLowerCase();
  return (
    <Select
      label={label}
      placeholder={`Search for a ${noun}…`}
      data={items}
      value={value?.id ?? null}
      onChange={(v, option) => onChange(v ? { id: v, label: option?.label ?? "" } : null)}
      searchable
      searchValue={q}
      onSearchChange={setQ}
      filter={({ options }) => options}
      nothingFoundMessage={term ? (hits.isFetching ? "Searching…" : `No ${noun} found`) : "Type a name"}
      data-testid="test-record"
      data-autofocus
    />
  );
}

const stateIcons = {
  would_run: { icon: <IconCheck size={14} />, color: "teal", label: null },
  would_wait: { icon: <IconClock size={14} />, color: "grape", label: "Would wait" },
  would_skip: { icon: <IconPlayerSkipForward size={14} />, color: "gray", label: "Skipped" },
  error: { icon: <IconAlertTriangle size={14} />, color: "red", label: "Would fail" },
} as const;

/**
 * "Test on a record": the server's dry run of the workflow (the unsaved draft when there is one) for a chosen
 * record, shown step by step. Nothing is written, sent or called.
 */
export function TestOnRecord({
  opened,
  onClose,
  workflow,
  draft,
  object,
}: {
  opened: boolean;
  onClose: () => void;
  workflow: WorkflowDetail;
  draft: Draft | null;
  object: string;
}) {
  const [record, setRecord] = useState<Picked | null>(null);
  const test = useMutation({ mutationFn: (r: Picked) => dryRun(workflow.id, r.id, draft) });
  return (
    <Modal opened={opened} onClose={onClose} title="Test on a record" size="lg">
      <Stack gap="md">
        <Text fz="sm" c="dimmed">
          Choose a {triggerObjectLabel(object).toLowerCase()} to see, step by step, what the workflow would do to it
          {draft ? " (with your unsaved changes)" : ""}. Nothing is changed, sent or called.
        </Text>
        <Group align="flex-end" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <RecordSearch object={object} value={record} onChange={setRecord} />
          </div>
          <Button
            leftSection={<IconFlask size={16} />}
            disabled={!record}
            loading={test.isPending}
            onClick={() => record && test.mutate(record)}
            data-testid="run-test"
          >
            Run test
          </Button>
        </Group>
        {test.isError && (
          <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="The test could not run">
            {test.error.message}
          </Alert>
        )}
        {test.data && (
          <Stack gap="sm" data-testid="test-result">
            <Alert color={test.data.triggerMatched ? "teal" : "yellow"} variant="light" py={8} data-testid="test-trigger">
              {test.data.triggerMessage}
            </Alert>
            {test.data.steps.length === 0 ? (
              <Text fz="sm" c="dimmed" data-testid="test-empty">
                No step would run for {test.data.recordLabel}.
              </Text>
            ) : (
              <Timeline bulletSize={24} lineWidth={2} data-testid="test-steps">
                {test.data.steps.map((s, i) => {
                  const st = stateIcons[s.state];
                  return (
                    <Timeline.Item
                      // biome-ignore lint/suspicious/noArrayIndexKey: a step can appear twice in a trace (no stable id alone)
                      key={`${s.stepId}:${i}`}
                      bullet={st.icon}
                      color={st.color}
                      title={
                        <Group gap={6}>
                          {stepKind(s.stepType).icon(14)}
                          <Text fz="sm" fw={600}>
                            {s.stepName}
                          </Text>
                          {st.label && (
                            <Badge size="xs" color={st.color} variant="light">
                              {st.label}
                            </Badge>
                          )}
                        </Group>
                      }
                      data-testid="test-step"
                      data-state={s.state}
                    >
                      <Text fz="sm">{s.summary}</Text>
                      {s.error && (
                        <Text fz="sm" c="red">
                          {s.error}
                        </Text>
                      )}
                    </Timeline.Item>
                  );
                })}
              </Timeline>
            )}
          </Stack>
        )}
      </Stack>
    </Modal>
  );
}
