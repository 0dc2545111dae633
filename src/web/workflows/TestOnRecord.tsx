import { Alert, Badge, Button, Group, Modal, Select, Stack, Text, Timeline } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconAlertTriangle, IconCheck, IconFlask, IconPlayerSkipForward } from "@tabler/icons-react";
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { SearchHit } from "../../contract/index.js";
import { api } from "../http/client.js";
import { dryRun, type WorkflowDetail } from "./api.js";
import { stepKind } from "./catalogue.js";

type Picked = { object: string; id: string; label: string };

/** Finds a record by name: contacts and companies through search, deals by their list's text filter. */
function RecordSearch({ value, onChange }: { value: Picked | null; onChange: (p: Picked | null) => void }) {
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q, 200);
  const term = value && debounced === value.label ? "" : debounced.trim();
  const hits = useQuery({
    queryKey: ["workflows", "record-search", term],
    enabled: term.length > 0,
    placeholderData: keepPreviousData,
    queryFn: async ({ signal }) => {
      const [people, deals] = await Promise.all([
        api.get<{ data: SearchHit[] }>("/api/v1/search", { q: term, limit: 10 }, signal).then((r) => r.data),
        api
          .get<{ data: { id: string; name: string }[] }>("/api/v1/deals", { q: term, limit: 5 }, signal)
          .then((r) => r.data)
          .catch(() => []),
      ]);
      return [
        ...people.map((h) => ({ object: h.object, id: h.id, label: h.title, group: h.object === "contact" ? "Contacts" : "Companies" })),
        ...deals.map((d) => ({ object: "deal", id: d.id, label: d.name, group: "Deals" })),
      ];
    },
  });
  const list = hits.data ?? [];
  const groups = ["Contacts", "Companies", "Deals"]
    .map((g) => ({ group: g, items: list.filter((h) => h.group === g).map((h) => ({ value: `${h.object}:${h.id}`, label: h.label })) }))
    .filter((g) => g.items.length);
  if (value && !list.some((h) => `${h.object}:${h.id}` === `${value.object}:${value.id}`))
    groups.unshift({ group: "Chosen", items: [{ value: `${value.object}:${value.id}`, label: value.label }] });
  return (
    <Select
      label="Record"
      placeholder="Search contacts, companies and deals…"
      data={groups}
      value={value ? `${value.object}:${value.id}` : null}
      onChange={(v, option) => {
        if (!v) return onChange(null);
        const [object = "", id = ""] = v.split(":");
        onChange({ object, id, label: option?.label ?? "" });
      }}
      searchable
      searchValue={q}
      onSearchChange={setQ}
      filter={({ options }) => options}
      nothingFoundMessage={term ? (hits.isFetching ? "Searching…" : "Nothing found") : "Type a name"}
      data-testid="test-record"
      data-autofocus
    />
  );
}

/**
 * "Test on a record": the server's dry run of the workflow (the unsaved draft when there is one) for a chosen
 * record, shown step by step. Nothing is written, sent or called.
 */
export function TestOnRecord({ opened, onClose, workflow, draft }: { opened: boolean; onClose: () => void; workflow: WorkflowDetail; draft: unknown }) {
  const [record, setRecord] = useState<Picked | null>(null);
  const test = useMutation({ mutationFn: (r: Picked) => dryRun(workflow.id, { object: r.object, id: r.id }, draft) });
  return (
    <Modal opened={opened} onClose={onClose} title="Test on a record" size="lg">
      <Stack gap="md">
        <Text fz="sm" c="dimmed">
          Choose a record to see, step by step, what the workflow would do to it. Nothing is changed, sent or called.
        </Text>
        <Group align="flex-end" wrap="nowrap">
          <div style={{ flex: 1 }}>
            <RecordSearch value={record} onChange={setRecord} />
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
        {test.data &&
          (test.data.steps.length === 0 ? (
            <Text fz="sm" c="dimmed" data-testid="test-empty">
              The workflow has no steps that would run for this record.
            </Text>
          ) : (
            <Timeline bulletSize={24} lineWidth={2} data-testid="test-steps">
              {test.data.steps.map((s, i) => {
                const kind = stepKind(s.type);
                const failed = !!s.error;
                return (
                  <Timeline.Item
                    // biome-ignore lint/suspicious/noArrayIndexKey: a step can appear twice in a trace (no stable id alone)
                    key={`${s.stepId}:${i}`}
                    bullet={failed ? <IconAlertTriangle size={14} /> : s.skipped ? <IconPlayerSkipForward size={14} /> : <IconCheck size={14} />}
                    color={failed ? "red" : s.skipped ? "gray" : "teal"}
                    title={
                      <Group gap={6}>
                        <Text fz="sm" fw={600}>
                          {kind.label}
                        </Text>
                        {s.skipped && (
                          <Badge size="xs" color="gray" variant="light">
                            Skipped
                          </Badge>
                        )}
                      </Group>
                    }
                    data-testid="test-step"
                  >
                    <Text fz="sm">{s.description}</Text>
                    {s.error && (
                      <Text fz="sm" c="red">
                        {s.error}
                      </Text>
                    )}
                  </Timeline.Item>
                );
              })}
            </Timeline>
          ))}
      </Stack>
    </Modal>
  );
}
