import { Badge, Button, Group, Paper, Stack, Table, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconPlus, IconTimeline } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { sequenceStatusLabels, stepKindLabels } from "../../contract/sequences.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { PageSkeleton } from "../components/PageSkeleton.js";
import { sequencesQuery } from "./api.js";

export function SequencesPage() {
  useDocumentTitle("Sequences · Rapport");
  const navigate = useNavigate();
  const canManage = usePermissions().may("sequence", "create");
  const list = useQuery(sequencesQuery);
  const open = (id: string) => void navigate({ to: "/marketing/sequences/$id", params: { id } });
  return (
    <Stack gap="md" maw={1200}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Sequences</Title>
          <Text c="dimmed" fz="sm" maw={680}>
            A sequence sends a series of emails and creates follow-up tasks, each after a delay, in each contact's business hours. A contact leaves it when they
            reply, book a meeting, unsubscribe, or when a deal or condition you choose says so.
          </Text>
        </div>
        {canManage && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => open("new")} data-testid="new-sequence">
            New sequence
          </Button>
        )}
      </Group>
      {list.isPending ? (
        <PageSkeleton />
      ) : list.isError ? (
        <Text c="red">Could not load sequences: {list.error.message}</Text>
      ) : list.data.length === 0 ? (
        <EmptyHint
          icon={<IconTimeline size={28} />}
          title="No sequences yet"
          description={
            <Text fz="sm" c="dimmed" maw={460} mx="auto">
              For example: an introduction email at once, a call task two days later, and a follow-up email after a week, stopping as soon as the contact
              answers. Write the emails as templates first, then build the sequence.
            </Text>
          }
          actionLabel={canManage ? "Build your first sequence" : undefined}
          onAction={() => open("new")}
        />
      ) : (
        <Paper withBorder radius="md">
          <Table highlightOnHover verticalSpacing="sm" data-testid="sequences-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Steps</Table.Th>
                <Table.Th ta="right">Active</Table.Th>
                <Table.Th ta="right">Completed</Table.Th>
                <Table.Th ta="right">Exited</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((s) => (
                <Table.Tr key={s.id} style={{ cursor: "pointer" }} onClick={() => open(s.id)} data-testid="sequence-row">
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
                    <Badge variant="light" color={s.status === "active" ? "green" : "gray"}>
                      {sequenceStatusLabels[s.status]}
                    </Badge>
                  </Table.Td>
                  <Table.Td fz="sm" c="dimmed">
                    {s.steps.length === 0 ? "No steps yet" : s.steps.map((st) => stepKindLabels[st.kind]).join(" → ")}
                  </Table.Td>
                  <Table.Td ta="right" fw={600}>
                    {(s.counts.active + s.counts.paused).toLocaleString()}
                  </Table.Td>
                  <Table.Td ta="right">{s.counts.completed.toLocaleString()}</Table.Td>
                  <Table.Td ta="right">{s.counts.exited.toLocaleString()}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
    </Stack>
  );
}
