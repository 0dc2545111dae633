import { Anchor, Badge, Group, Text, Tooltip } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { runStateLabels } from "../../contract/index.js";
import { formatDateTime, formatRelative } from "../lib/format.js";
import { runQuery, type WorkflowRun } from "./api.js";

const stateColors = { running: "blue", waiting: "grape", done: "teal", failed: "red", cancelled: "gray" } as const;

/**
 * A workflow run on a record's timeline: "Workflow ‘Web lead intake’ assigned Sam Seller · sent “Welcome” · created
 * a task". The words are the run's step summaries, written by the server as each step ran.
 */
export function TimelineRun({ run }: { run: WorkflowRun }) {
  const detail = useQuery({ ...runQuery(run.id), staleTime: run.state === "done" || run.state === "failed" ? 5 * 60_000 : 10_000 });
  const summaries = (detail.data?.steps ?? []).filter((s) => s.state !== "skipped" && s.summary).map((s) => s.summary as string);
  return (
    <>
      <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
        <Text fz="sm" style={{ minWidth: 0 }}>
          Workflow{" "}
          <Anchor href={`/workflows/${run.workflowId}/runs/${run.id}`} fw={600} inherit>
            ‘{run.workflowName}’
          </Anchor>{" "}
          {summaries.length ? summaries.map((s) => s.charAt(0).toLowerCase() + s.slice(1)).join(" · ") : run.state === "failed" ? "failed" : "ran"}
        </Text>
        <Tooltip label={formatDateTime(run.createdAt)} withArrow openDelay={300}>
          <Text span fz="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
            {formatRelative(run.createdAt)}
          </Text>
        </Tooltip>
      </Group>
      <Group gap={6} mt={4}>
        <Badge size="xs" variant="light" color={stateColors[run.state]}>
          {runStateLabels[run.state]}
        </Badge>
        {run.error && (
          <Text fz="xs" c="red" lineClamp={1}>
            {run.error}
          </Text>
        )}
      </Group>
    </>
  );
}
