import { Badge, Button, Group, Paper, SegmentedControl, Stack, Table, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconChartGridDots, IconPlus, IconUsersGroup } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi, useNavigate } from "@tanstack/react-router";
import { segmentKindLabels } from "../../contract/segments.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { PageSkeleton } from "../components/PageSkeleton.js";
import { segmentsQuery } from "./api.js";
import { RfmGrid } from "./RfmGrid.js";

const route = getRouteApi("/segments");

export function SegmentsPage() {
  useDocumentTitle("Segments · Rapport");
  const navigate = useNavigate();
  const tab = route.useSearch().tab === "rfm" ? "rfm" : "segments";
  const canManage = usePermissions().may("segment", "create");
  const list = useQuery(segmentsQuery);
  return (
    <Stack gap="md" maw={1200}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Segments</Title>
          <Text c="dimmed" fz="sm" maw={680}>
            Dynamic segments follow a condition and are always current; static lists hold the contacts you put on them. Use either as a filter on the contacts
            list, in exports, and as a campaign's audience.
          </Text>
        </div>
        <Group>
          <SegmentedControl
            value={tab}
            onChange={(v) => void navigate({ to: "/segments", search: v === "rfm" ? { tab: "rfm" } : {} })}
            data={[
              { value: "segments", label: "Segments & lists" },
              { value: "rfm", label: "RFM analysis" },
            ]}
            data-testid="segments-tab"
          />
          {canManage && tab === "segments" && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={() => void navigate({ to: "/segments/$id", params: { id: "new" } })}
              data-testid="new-segment"
            >
              New segment
            </Button>
          )}
        </Group>
      </Group>
      {tab === "rfm" ? (
        <RfmGrid />
      ) : list.isPending ? (
        <PageSkeleton />
      ) : list.isError ? (
        <Text c="red">Could not load segments: {list.error.message}</Text>
      ) : list.data.length === 0 ? (
        <EmptyHint
          icon={<IconUsersGroup size={28} />}
          title="No segments yet"
          description={
            <Text fz="sm" c="dimmed" maw={460} mx="auto">
              A segment is a group of contacts: “customers in Germany with a deal won this year”, or a list of the people you met at a fair. Build one and see
              how many contacts it holds as you type.
            </Text>
          }
          actionLabel={canManage ? "Build your first segment" : undefined}
          onAction={() => void navigate({ to: "/segments/$id", params: { id: "new" } })}
        />
      ) : (
        <Paper withBorder radius="md">
          <Table highlightOnHover verticalSpacing="sm" data-testid="segments-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Kind</Table.Th>
                <Table.Th ta="right">Contacts</Table.Th>
                <Table.Th>Last changed</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((s) => (
                <Table.Tr key={s.id} style={{ cursor: "pointer" }} onClick={() => void navigate({ to: "/segments/$id", params: { id: s.id } })}>
                  <Table.Td>
                    <Text fw={600} fz="sm">
                      {s.name}
                    </Text>
                    {s.description && (
                      <Text fz="xs" c="dimmed">
                        {s.description}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge
                      variant="light"
                      color={s.kind === "dynamic" ? "indigo" : "teal"}
                      leftSection={s.kind === "dynamic" ? <IconChartGridDots size={12} /> : undefined}
                    >
                      {segmentKindLabels[s.kind]}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right" fw={600} data-testid="segment-count">
                    {s.count.toLocaleString()}
                  </Table.Td>
                  <Table.Td fz="sm" c="dimmed">
                    {new Date(s.updatedAt).toLocaleString()}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}
