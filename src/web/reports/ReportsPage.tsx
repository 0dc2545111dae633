import { Alert, Badge, Button, Group, Skeleton, Stack, Table, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconChartBar, IconPlus } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { reportVisibilityLabels, visualizationLabels } from "../../contract/reports.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { usersQuery } from "../http/queries.js";
import { formatDateTime } from "../lib/dates.js";
import { reportsQuery } from "./api.js";

const objectNames: Record<string, string> = {
  contact: "Contacts",
  company: "Companies",
  deal: "Deals",
  task: "Tasks",
  activity: "Activities",
  ticket: "Tickets",
};

/** Saved reports the viewer may open: their own, their teams', the workspace's. */
export function ReportsPage() {
  useDocumentTitle("Reports · Rapport");
  const navigate = useNavigate();
  const reports = useQuery(reportsQuery);
  const users = useQuery({ ...usersQuery, retry: false });
  const owner = (id: string | null) => (id ? (users.data?.find((u) => u.id === id)?.name ?? "—") : "—");
  const create = () => void navigate({ to: "/reports/$id", params: { id: "new" } });
  return (
    <Stack gap="md" data-testid="reports-page">
      <Group justify="space-between">
        <Title order={2}>Reports</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={create} data-testid="new-report">
          New report
        </Button>
      </Group>
      {reports.isError ? (
        <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not load reports">
          {reports.error.message}
        </Alert>
      ) : reports.isPending ? (
        <Skeleton h={160} />
      ) : reports.data.length === 0 ? (
        <EmptyHint
          icon={<IconChartBar size={28} />}
          title="No reports yet"
          description="Count, sum and compare any records: won value by quarter, deals per stage, win rate by owner. Pick an object, group it, measure it, and share it with your team."
          actionLabel="New report"
          onAction={create}
        />
      ) : (
        <Table highlightOnHover data-testid="reports-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Records</Table.Th>
              <Table.Th>Shown as</Table.Th>
              <Table.Th>Owner</Table.Th>
              <Table.Th>Shared with</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {reports.data.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <AnchorLink to="/reports/$id" params={{ id: r.id }}>
                    {r.name}
                  </AnchorLink>
                  {r.description && (
                    <Text fz="xs" c="dimmed">
                      {r.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{objectNames[r.definition.object]}</Table.Td>
                <Table.Td>{visualizationLabels[r.definition.visualization]}</Table.Td>
                <Table.Td>{owner(r.ownerId)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={r.visibility === "private" ? "gray" : "blue"}>
                    {reportVisibilityLabels[r.visibility]}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(r.updatedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
