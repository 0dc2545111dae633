import { Badge, Button, Card, Code, Group, Loader, SimpleGrid, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { IconCircleCheck, IconPlayerPlay, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { z } from "zod";
import type { FailedJobList, JobOverview } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { formatDateTime, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

type Overview = z.infer<typeof JobOverview>;
type Failed = z.infer<typeof FailedJobList>["data"][number];

/** Consumer names as people read them; a consumer added later shows its own name until it gets a label here. */
const consumerLabels: Record<string, string> = {
  "scoring.rules": "Rescoring after scoring rule changes",
  audit: "Audit log",
  "tasks.reminders": "Task reminder scheduling",
  webhooks: "Webhook deliveries",
};

const cronLabels: Record<string, string> = {
  "* * * * *": "Every minute",
  "*/10 * * * *": "Every 10 minutes",
  "17 3 * * *": "Daily at 03:17 UTC",
  "29 3 * * *": "Daily at 03:29 UTC",
  "41 2 * * *": "Daily at 02:41 UTC",
};

export function JobsSettings() {
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const overview = useQuery({ queryKey: ["jobs"], queryFn: () => api.get<Overview>("/api/v1/jobs"), enabled: isAdmin, refetchInterval: 5000 });
  const failed = useQuery({
    queryKey: ["jobs", "failed"],
    queryFn: () => api.get<z.infer<typeof FailedJobList>>("/api/v1/jobs/failed", { limit: 100 }),
    enabled: isAdmin,
    refetchInterval: 5000,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ["jobs"] });
  const retry = useMutation({
    mutationFn: (j: Failed) => api.post(`/api/v1/jobs/${encodeURIComponent(j.queue)}/${j.id}/retry`),
    onSuccess: (_r, j) => {
      notifySuccess(`“${j.queueLabel}” queued to run again.`);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not retry the job"),
  });
  const discard = useMutation({
    mutationFn: (j: Failed) => api.del(`/api/v1/jobs/${encodeURIComponent(j.queue)}/${j.id}`),
    onSuccess: (_r, j) => {
      notifySuccess(`“${j.queueLabel}” job discarded.`);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not discard the job"),
  });

  return (
    <SettingsPage
      title="Jobs"
      description="Background work: event delivery, reminders, email delivery, rescoring and duplicate scans. A job that fails is retried with growing delays; one that runs out of attempts waits here until you retry or discard it."
    >
      <Stack gap="lg">
        <Card withBorder radius="md" padding={0}>
          <Group justify="space-between" px="md" py="sm">
            <Title order={4} fz="md">
              Failed jobs
            </Title>
            {failed.isFetching && <Loader size="xs" />}
          </Group>
          {failed.isPending ? (
            <Text fz="sm" c="dimmed" px="md" pb="md">
              Loading…
            </Text>
          ) : failed.isError ? (
            <Text fz="sm" c="red" px="md" pb="md">
              {failed.error.message}
            </Text>
          ) : failed.data.data.length === 0 ? (
            <Stack align="center" gap={6} py={36} px="md" ta="center" data-testid="jobs-no-failures">
              <IconCircleCheck size={28} color="var(--mantine-color-teal-6)" />
              <Text fw={600}>No failed jobs</Text>
              <Text fz="sm" c="dimmed" maw={440}>
                When a job fails it is retried automatically. Only jobs that run out of attempts, or are waiting for their next one, show here.
              </Text>
            </Stack>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="failed-jobs-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Job</Table.Th>
                    <Table.Th>Error</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                    <Table.Th>When</Table.Th>
                    <Table.Th w={200} />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {failed.data.data.map((j) => (
                    <Table.Tr key={j.id} data-testid="failed-job-row">
                      <Table.Td>
                        <Stack gap={2}>
                          <Text fz="sm" fw={500}>
                            {j.queueLabel}
                          </Text>
                          {j.state === "failed" ? (
                            <Badge size="xs" color="red" variant="light" w="fit-content">
                              Out of attempts
                            </Badge>
                          ) : (
                            <Badge size="xs" color="yellow" variant="light" w="fit-content">
                              Retrying {j.nextAttemptAt ? formatRelative(j.nextAttemptAt) : "soon"}
                            </Badge>
                          )}
                        </Stack>
                      </Table.Td>
                      <Table.Td maw={360}>
                        <Code block fz="xs" style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }} data-testid="failed-job-error">
                          {j.error}
                        </Code>
                      </Table.Td>
                      <Table.Td>
                        <Text fz="sm">
                          {j.attempts} of {j.retryLimit + 1}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={formatDateTime(j.failedAt ?? j.createdAt)}>
                          <Text fz="sm">{formatRelative(j.failedAt ?? j.createdAt)}</Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Group gap="xs" justify="flex-end" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="light"
                            leftSection={<IconPlayerPlay size={14} />}
                            loading={retry.isPending && retry.variables?.id === j.id}
                            onClick={() => retry.mutate(j)}
                            data-testid="retry-job"
                          >
                            Retry now
                          </Button>
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            leftSection={<IconTrash size={14} />}
                            loading={discard.isPending && discard.variables?.id === j.id}
                            onClick={() => discard.mutate(j)}
                            data-testid="discard-job"
                          >
                            Discard
                          </Button>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Card>

        <div>
          <Title order={4} fz="md" mb="xs">
            Queues
          </Title>
          {overview.isError && (
            <Text fz="sm" c="red">
              {overview.error.message}
            </Text>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }} spacing="sm" data-testid="job-queues">
            {overview.data?.queues.map((q) => (
              <Card key={q.name} withBorder radius="md" padding="sm" data-testid="job-queue">
                <Text fz="sm" fw={600}>
                  {q.label}
                </Text>
                <Text fz="xs" c="dimmed" mb={8}>
                  {q.description}
                  {q.schedule ? ` · ${cronLabels[q.schedule] ?? `Schedule ${q.schedule}`}` : ""}
                </Text>
                <Group gap={6}>
                  <Badge variant="light" color="gray" tt="none">
                    {q.waiting} waiting
                  </Badge>
                  <Badge variant="light" color="blue" tt="none">
                    {q.active} running
                  </Badge>
                  <Badge variant="light" color={q.failed ? "red" : "gray"} tt="none">
                    {q.failed} failed
                  </Badge>
                  <Badge variant="light" color="teal" tt="none">
                    {q.completed} done (7 days)
                  </Badge>
                </Group>
              </Card>
            ))}
          </SimpleGrid>
        </div>

        <div>
          <Title order={4} fz="md" mb={4}>
            Event consumers
          </Title>
          <Text fz="sm" c="dimmed" mb="xs" maw={640}>
            Each reads every change in order at its own pace. One that is stuck on an error holds back only itself and is retried.
          </Text>
          <Card withBorder radius="md" padding={0}>
            {overview.data && overview.data.consumers.length === 0 ? (
              <Text fz="sm" c="dimmed" p="md">
                No consumer has run yet: they start with the first change after the server starts.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={560}>
                <Table verticalSpacing="xs" horizontalSpacing="md">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Consumer</Table.Th>
                      <Table.Th>Behind</Table.Th>
                      <Table.Th>Last progress</Table.Th>
                      <Table.Th>Status</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {overview.data?.consumers.map((c) => (
                      <Table.Tr key={c.name}>
                        <Table.Td>
                          <Text fz="sm">{consumerLabels[c.name] ?? c.name}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text fz="sm">{c.lag === 0 ? "Up to date" : `${c.lag} events`}</Text>
                        </Table.Td>
                        <Table.Td>
                          <Text fz="sm">{formatRelative(c.updatedAt)}</Text>
                        </Table.Td>
                        <Table.Td>
                          {c.lastError ? (
                            <Tooltip label={c.lastError} multiline maw={360}>
                              <Badge color="red" variant="light" tt="none">
                                Stuck after {c.failures} {c.failures === 1 ? "failure" : "failures"}
                              </Badge>
                            </Tooltip>
                          ) : (
                            <Badge color="teal" variant="light" tt="none">
                              Healthy
                            </Badge>
                          )}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Card>
        </div>
      </Stack>
    </SettingsPage>
  );
}
