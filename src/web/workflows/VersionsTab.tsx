import { Alert, Badge, Card, Skeleton, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useUserMap } from "../http/queries.js";
import { formatDateTime, formatNumber } from "../lib/format.js";
import { versionsQuery, type WorkflowDetail } from "./api.js";

/** Published versions, newest first: a run keeps the version it started on, so old versions stay listed. */
export function VersionsTab({ workflow }: { workflow: WorkflowDetail }) {
  const versions = useQuery(versionsQuery(workflow.id));
  const users = useUserMap();
  return (
    <Card withBorder radius="md" padding={0} maw={760}>
      {versions.isPending ? (
        <Stack p="md" gap="sm">
          <Skeleton h={24} />
          <Skeleton h={24} />
        </Stack>
      ) : versions.isError ? (
        <Alert color="red" variant="light" m="md" title="Could not load the versions">
          {versions.error.message}
        </Alert>
      ) : versions.data.length === 0 ? (
        <Text fz="sm" c="dimmed" p="lg" ta="center" data-testid="versions-empty">
          Not published yet. Each time you publish, the workflow as it is then becomes a new version here; runs keep the version they started on.
        </Text>
      ) : (
        <Table verticalSpacing="xs" horizontalSpacing="md" data-testid="versions-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Version</Table.Th>
              <Table.Th>Published</Table.Th>
              <Table.Th>By</Table.Th>
              <Table.Th ta="right">Runs</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {versions.data.map((v) => (
              <Table.Tr key={v.version} data-testid="version-row">
                <Table.Td>
                  <Text fz="sm" fw={500} span>
                    v{v.version}
                  </Text>{" "}
                  {v.state === "draft" && (
                    <Badge size="xs" color="gray" variant="light">
                      Draft
                    </Badge>
                  )}
                  {v.version === workflow.publishedVersion && v.state !== "draft" && (
                    <Badge size="xs" color={workflow.status === "paused" ? "yellow" : "teal"} variant="light">
                      {workflow.status === "paused" ? "Paused" : "Live"}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <Text fz="sm">{v.publishedAt ? formatDateTime(v.publishedAt) : "Not published"}</Text>
                </Table.Td>
                <Table.Td>
                  <Text fz="sm">{v.publishedBy ? (users.get(v.publishedBy)?.name ?? "Former user") : "—"}</Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Text fz="sm">{formatNumber(v.runCount)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Card>
  );
}
