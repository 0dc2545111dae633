import { Alert, Anchor, Badge, Button, Card, Checkbox, Group, SegmentedControl, Skeleton, Stack, Table, Text, Tooltip } from "@mantine/core";
import { IconAlertTriangle, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { runStateLabels, triggerLabels } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { formatDateTime, formatNumber, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { durationOf, formatMs, type RunState, recordHref, retryRuns, runsQuery, type WorkflowDetail, type WorkflowRun } from "./api.js";

export const runStateColors: Record<RunState, string> = { running: "blue", waiting: "grape", done: "teal", failed: "red", cancelled: "gray" };

export function triggerText(r: Pick<WorkflowRun, "triggerType" | "startedBy">): string {
  if (r.triggerType === "manual") return "Run by hand";
  return triggerLabels[r.triggerType]?.label ?? r.triggerType;
}

export function RunStateBadge({ run }: { run: Pick<WorkflowRun, "state" | "waitingUntil"> }) {
  const label = run.state === "waiting" && run.waitingUntil ? `Waiting until ${formatDateTime(run.waitingUntil)}` : runStateLabels[run.state];
  return (
    <Badge color={runStateColors[run.state]} variant="light" data-testid="run-state" data-state={run.state}>
      {label}
    </Badge>
  );
}

export function RecordLink({ run }: { run: Pick<WorkflowRun, "object" | "recordId" | "recordLabel"> }) {
  if (!run.recordId)
    return (
      <Text fz="sm" c="dimmed">
        —
      </Text>
    );
  const href = recordHref(run.object, run.recordId);
  const name = run.recordLabel ?? "Unnamed record";
  return href ? (
    <Anchor href={href} fz="sm">
      {name}
    </Anchor>
  ) : (
    <Text fz="sm">{name}</Text>
  );
}

/** A workflow's run history, newest first, with one-click and bulk retry of failed runs. */
export function RunsTab({ workflow }: { workflow: WorkflowDetail }) {
  const [state, setState] = useState<RunState | "all">("all");
  const [selected, setSelected] = useState<string[]>([]);
  const canBuild = workflow.canEdit;
  const runs = useQuery({ ...runsQuery(workflow.id, state === "all" ? null : state), refetchInterval: 5_000 });
  const qc = useQueryClient();
  const retry = useMutation({
    mutationFn: (ids: string[]) => retryRuns({ runIds: ids }),
    onSuccess: (r) => {
      const n = r.retried.length;
      notifySuccess(
        `${n === 1 ? "1 run is" : `${formatNumber(n)} runs are`} retried from the failing step.${r.skipped.length ? ` ${r.skipped.length} could not be: ${r.skipped[0]?.reason}` : ""}`,
      );
      setSelected([]);
      void qc.invalidateQueries({ queryKey: ["workflows"] });
    },
    onError: (e) => notifyError(e, "Could not retry"),
  });
  const rows = runs.data?.data ?? [];
  const failed = rows.filter((r) => r.state === "failed");

  return (
    <Stack gap="sm">
      <Group justify="space-between" wrap="wrap">
        <SegmentedControl
          value={state}
          onChange={(v) => {
            setState(v as RunState | "all");
            setSelected([]);
          }}
          data={[
            { value: "all", label: "All" },
            { value: "running", label: "Running" },
            { value: "waiting", label: "Waiting" },
            { value: "failed", label: "Failed" },
            { value: "done", label: "Done" },
          ]}
          aria-label="Show runs"
        />
        {canBuild && failed.length > 0 && (
          <Button
            size="xs"
            variant="light"
            leftSection={<IconRefresh size={14} />}
            loading={retry.isPending}
            onClick={() => retry.mutate(selected.length ? selected : failed.map((r) => r.id))}
            data-testid="retry-selected"
          >
            {selected.length ? `Retry ${selected.length} selected` : `Retry all ${failed.length} failed`}
          </Button>
        )}
      </Group>
      <Card withBorder radius="md" padding={0}>
        {runs.isPending ? (
          <Stack p="md" gap="sm">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} h={24} />
            ))}
          </Stack>
        ) : runs.isError ? (
          <Alert color="red" variant="light" m="md" icon={<IconAlertTriangle size={18} />} title="Could not load the runs">
            {runs.error.message}
          </Alert>
        ) : rows.length === 0 ? (
          <Text fz="sm" c="dimmed" p="lg" ta="center" data-testid="runs-empty">
            {workflow.status === "draft"
              ? "No runs yet: publish the workflow and it runs on the next matching event. “Test on a record” shows what it would do meanwhile."
              : state === "all"
                ? "No runs yet. Runs appear here as soon as the trigger matches an event."
                : `No ${runStateLabels[state as RunState].toLowerCase()} runs.`}
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={760}>
            <Table verticalSpacing="xs" horizontalSpacing="md" highlightOnHover data-testid="runs-table">
              <Table.Thead>
                <Table.Tr>
                  {canBuild && <Table.Th w={36} />}
                  <Table.Th>State</Table.Th>
                  <Table.Th>Started</Table.Th>
                  <Table.Th>Duration</Table.Th>
                  <Table.Th>Trigger</Table.Th>
                  <Table.Th>Record</Table.Th>
                  <Table.Th>Version</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((r) => (
                  <Table.Tr key={r.id} data-testid="run-row">
                    {canBuild && (
                      <Table.Td>
                        {r.state === "failed" && (
                          <Checkbox
                            aria-label="Select this failed run"
                            checked={selected.includes(r.id)}
                            onChange={(e) => setSelected((s) => (e.currentTarget.checked ? [...s, r.id] : s.filter((x) => x !== r.id)))}
                          />
                        )}
                      </Table.Td>
                    )}
                    <Table.Td>
                      <RunStateBadge run={r} />
                      {r.error && (
                        <Text fz="xs" c="red" lineClamp={1} maw={240}>
                          {r.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Tooltip label={formatDateTime(r.createdAt)} withArrow>
                        <Text fz="sm">{formatRelative(r.createdAt)}</Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm">{r.finishedAt ? formatMs(durationOf(r.createdAt, r.finishedAt)) : "—"}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm">{triggerText(r)}</Text>
                    </Table.Td>
                    <Table.Td>
                      <RecordLink run={r} />
                    </Table.Td>
                    <Table.Td>
                      <Text fz="sm">v{r.version}</Text>
                    </Table.Td>
                    <Table.Td>
                      <AnchorLink to="/workflows/$id/runs/$runId" params={{ id: workflow.id, runId: r.id }} fz="sm" data-testid="open-run">
                        Details
                      </AnchorLink>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
    </Stack>
  );
}
