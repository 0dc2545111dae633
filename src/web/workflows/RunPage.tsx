import { Accordion, Alert, Badge, Button, Card, Code, Group, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertTriangle, IconArrowLeft, IconRefresh } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import type { StepRun } from "../../contract/index.js";
import { runStateLabels } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { formatDateTime } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { durationOf, formatMs, retryRun, runQuery, workflowQuery } from "./api.js";
import { stepKind } from "./catalogue.js";
import { RecordLink, RunStateBadge, triggerText } from "./RunsTab.js";

const route = getRouteApi("/workflows/$id/runs/$runId");

const stepStateColors: Record<StepRun["state"], string> = { done: "teal", failed: "red", running: "blue", waiting: "grape", skipped: "gray" };
const stepStateLabels: Record<StepRun["state"], string> = { done: "Done", failed: "Failed", running: "Running", waiting: "Waiting", skipped: "Skipped" };
const branchWords: Record<string, string> = { yes: "took the “Yes” path", no: "took the “No” path", timeout: "timed out" };

function Json({ value, label }: { value: unknown; label: string }) {
  if (value === undefined || value === null) {
    return (
      <Text fz="xs" c="dimmed">
        No {label.toLowerCase()}
      </Text>
    );
  }
  return (
    <Stack gap={2}>
      <Text fz="xs" fw={600} c="dimmed" tt="uppercase">
        {label}
      </Text>
      <Code block style={{ maxHeight: 260, overflow: "auto", whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
        {JSON.stringify(value, null, 2)}
      </Code>
    </Stack>
  );
}

/** One run: its trigger, record and each step's input, output, error and duration; a failed run is retried from its failing step. */
export function RunPage() {
  const { id, runId } = route.useParams();
  const run = useQuery({
    ...runQuery(runId),
    refetchInterval: (q) => (q.state.data && (q.state.data.state === "running" || q.state.data.state === "waiting") ? 3_000 : false),
  });
  const wf = useQuery(workflowQuery(id));
  const canBuild = wf.data?.canEdit ?? false;
  const qc = useQueryClient();
  useDocumentTitle(wf.data ? `Run of ${wf.data.name} · Rapport` : "Run · Rapport");
  const retry = useMutation({
    mutationFn: () => retryRun(runId),
    onSuccess: () => {
      notifySuccess("Retrying from the failing step; earlier steps are not repeated.");
      void qc.invalidateQueries({ queryKey: ["workflows"] });
    },
    onError: (e) => notifyError(e, "Could not retry the run"),
  });

  const back = (
    <AnchorLink
      to="/workflows/$id"
      params={{ id }}
      search={{ tab: "runs" }}
      fz="sm"
      c="dimmed"
      w="fit-content"
      style={{ display: "inline-flex", alignItems: "center", gap: 4 }}
    >
      <IconArrowLeft size={14} /> {wf.data?.name ?? "Workflow"} runs
    </AnchorLink>
  );
  if (run.isPending) {
    return (
      <Stack gap="md">
        {back}
        <Skeleton h={32} w={300} />
        <Skeleton h={240} />
      </Stack>
    );
  }
  if (run.isError) {
    return (
      <Stack gap="md" maw={640}>
        {back}
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Could not load the run">
          {run.error.message}
        </Alert>
      </Stack>
    );
  }
  const r = run.data;
  const failing = [...r.steps].reverse().find((s) => s.state === "failed");
  return (
    <Stack gap="md" maw={1000}>
      {back}
      <Group justify="space-between" align="flex-end">
        <div>
          <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
            Workflow run
          </Text>
          <Group gap="sm">
            <Title order={2} fz={{ base: 20, sm: 24 }}>
              {wf.data?.name ?? "Workflow"}
            </Title>
            <RunStateBadge run={r} />
          </Group>
        </div>
        {canBuild && r.state === "failed" && (
          <Button leftSection={<IconRefresh size={16} />} onClick={() => retry.mutate()} loading={retry.isPending} data-testid="retry-run">
            Retry from failing step
          </Button>
        )}
      </Group>
      {r.error && (
        <Alert
          color="red"
          variant="light"
          icon={<IconAlertTriangle size={18} />}
          title={failing ? `“${failing.stepName}” failed` : "The run failed"}
          data-testid="run-error"
        >
          {r.error}
        </Alert>
      )}
      <Card withBorder radius="md">
        <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="md">
          <Fact label="Started" value={formatDateTime(r.createdAt)} />
          <Fact
            label="Duration"
            value={
              r.finishedAt
                ? formatMs(durationOf(r.createdAt, r.finishedAt))
                : r.state === "waiting" && r.waitingUntil
                  ? `Waiting until ${formatDateTime(r.waitingUntil)}`
                  : runStateLabels[r.state]
            }
          />
          <Fact label="Trigger" value={triggerText(r)} />
          <Stack gap={2}>
            <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
              Record
            </Text>
            <RecordLink run={r} />
          </Stack>
          <Fact label="Version" value={`v${r.version}`} />
        </SimpleGrid>
      </Card>
      <Title order={3} fz="lg">
        Steps
      </Title>
      {r.steps.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No step has run yet.
        </Text>
      ) : (
        <Accordion variant="separated" multiple defaultValue={failing ? [stepKey(failing, r.steps.indexOf(failing))] : []} data-testid="run-steps">
          {r.steps.map((s, i) => (
            <Accordion.Item key={stepKey(s, i)} value={stepKey(s, i)} data-testid="run-step" data-state={s.state}>
              <Accordion.Control>
                <Group justify="space-between" wrap="nowrap" pr="sm">
                  <Group gap="sm" wrap="nowrap">
                    {stepKind(s.stepType).icon(18)}
                    <div style={{ minWidth: 0 }}>
                      <Text fz="sm" fw={600}>
                        {s.stepName}
                        {s.attempt > 1 ? ` (attempt ${s.attempt})` : ""}
                      </Text>
                      {(s.summary || (s.branch && branchWords[s.branch])) && (
                        <Text fz="xs" c="dimmed" lineClamp={1} data-testid="run-step-summary">
                          {s.summary ?? branchWords[s.branch ?? ""]}
                        </Text>
                      )}
                    </div>
                  </Group>
                  <Group gap="sm" wrap="nowrap">
                    <Text fz="xs" c="dimmed">
                      {formatMs(s.durationMs ?? durationOf(s.startedAt, s.finishedAt))}
                    </Text>
                    <Badge size="sm" variant="light" color={stepStateColors[s.state] ?? "gray"}>
                      {stepStateLabels[s.state] ?? s.state}
                    </Badge>
                  </Group>
                </Group>
              </Accordion.Control>
              <Accordion.Panel>
                <Stack gap="sm">
                  {s.error && (
                    <Alert color="red" variant="light" py={8} data-testid="step-error">
                      {s.error}
                    </Alert>
                  )}
                  <SimpleGrid cols={{ base: 1, sm: 2 }}>
                    <Json value={s.input} label="Input" />
                    <Json value={s.output} label="Output" />
                  </SimpleGrid>
                </Stack>
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
    </Stack>
  );
}

const stepKey = (s: StepRun, i: number) => `${i}:${s.id}`;

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={2}>
      <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text fz="sm">{value}</Text>
    </Stack>
  );
}
