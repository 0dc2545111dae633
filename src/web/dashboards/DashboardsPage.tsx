import { Alert, Badge, Button, Group, Modal, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconLayoutDashboard, IconPlus } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { reportVisibilityLabels } from "../../contract/reports.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { usersQuery } from "../http/queries.js";
import { formatDateTime } from "../lib/dates.js";
import { notifyError } from "../lib/notify.js";
import { dashboardApi, dashboardsQuery } from "./api.js";

/** Asks a new dashboard's name and opens it. */
export function NewDashboardModal({ opened, onClose, onCreated }: { opened: boolean; onClose: () => void; onCreated?: (id: string) => void }) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const create = async () => {
    if (!name.trim()) return;
    setBusy(true);
    try {
      const d = await dashboardApi.create(name.trim());
      await qc.invalidateQueries({ queryKey: ["dashboards"], exact: true });
      setName("");
      onClose();
      if (onCreated) onCreated(d.id);
      else await navigate({ to: "/dashboards/$id", params: { id: d.id } });
    } catch (e) {
      notifyError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New dashboard">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            placeholder="My pipeline"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            data-autofocus
            data-testid="dashboard-name"
          />
          <Group justify="flex-end">
            <Button type="submit" loading={busy} disabled={!name.trim()} data-testid="dashboard-create">
              Create
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Dashboards the viewer may open: the ready-made ones, their own and those shared with them. */
export function DashboardsPage() {
  useDocumentTitle("Dashboards · Rapport");
  const list = useQuery(dashboardsQuery);
  const users = useQuery({ ...usersQuery, retry: false });
  const [creating, setCreating] = useState(false);
  const owner = (id: string | null) => (id ? (users.data?.find((u) => u.id === id)?.name ?? "—") : "—");
  return (
    <Stack gap="md" data-testid="dashboards-page">
      <Group justify="space-between">
        <Title order={2}>Dashboards</Title>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} data-testid="new-dashboard">
          New dashboard
        </Button>
      </Group>
      <NewDashboardModal opened={creating} onClose={() => setCreating(false)} />
      {list.isError ? (
        <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not load dashboards">
          {list.error.message}
        </Alert>
      ) : list.isPending ? (
        <Skeleton h={160} />
      ) : list.data.length === 0 ? (
        <EmptyHint
          icon={<IconLayoutDashboard size={28} />}
          title="No dashboards yet"
          description="Put saved reports and notes side by side, filter them all by period, owner, team or pipeline, and share the board with your team."
          actionLabel="New dashboard"
          onAction={() => setCreating(true)}
        />
      ) : (
        <Table highlightOnHover data-testid="dashboards-list">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Widgets</Table.Th>
              <Table.Th>Owner</Table.Th>
              <Table.Th>Shared with</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {list.data.map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>
                  <Group gap={6}>
                    <AnchorLink to="/dashboards/$id" params={{ id: d.id }}>
                      {d.name}
                    </AnchorLink>
                    {d.readyMade && (
                      <Badge size="xs" variant="light" color="teal">
                        Ready-made
                      </Badge>
                    )}
                  </Group>
                  {d.description && (
                    <Text fz="xs" c="dimmed">
                      {d.description}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>{d.widgetCount}</Table.Td>
                <Table.Td>{d.readyMade ? "Rapport" : owner(d.ownerId)}</Table.Td>
                <Table.Td>
                  <Badge variant="light" color={d.visibility === "private" ? "gray" : "blue"}>
                    {reportVisibilityLabels[d.visibility]}
                  </Badge>
                </Table.Td>
                <Table.Td>{formatDateTime(d.updatedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
