import {
  Alert,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  ThemeIcon,
  Title,
  Tooltip,
  UnstyledButton,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertTriangle, IconBolt, IconPlus, IconRefresh, IconTemplate } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { useMe, usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { teamsQuery } from "../http/queries.js";
import { formatDateTime, formatNumber, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import {
  createWorkflow,
  retryRuns,
  templatesQuery,
  triggerInWords,
  type Workflow,
  type WorkflowTemplate,
  workflowStatusColors,
  workflowStatusLabels,
  workflowsQuery,
} from "./api.js";

/** The list's run count: the stats the API gives (it keeps 7 days of counts per workflow). */
function runsIn7Days(w: Workflow): number {
  const s = w.stats as Workflow["stats"] & { runs7d?: number };
  return s.runs7d ?? s.done + s.failed + s.running + s.waiting;
}

function HealthFlag({ w }: { w: Workflow }) {
  if (w.health.state === "ok")
    return (
      <Text fz="sm" c="dimmed">
        OK
      </Text>
    );
  const label = w.health.state === "failing" ? "Failing" : w.health.state === "not_running" ? "Matched, no run" : "Loop limit hit";
  return (
    <Tooltip label={w.health.message ?? label} multiline w={280} withArrow>
      <Badge color="red" variant="light" leftSection={<IconAlertTriangle size={12} />} data-testid="workflow-health" data-health={w.health.state}>
        {label}
      </Badge>
    </Tooltip>
  );
}

/** Automation → Workflows: every workflow, what starts it, whether it is live and healthy. */
export function WorkflowsPage() {
  useDocumentTitle("Workflows · Rapport");
  const { canBuild } = useWorkflowPermissions();
  const list = useQuery({ ...workflowsQuery, refetchInterval: 30_000 });
  const [choosing, setChoosing] = useState(false);
  const [selected, setSelected] = useState<string[]>([]);
  const qc = useQueryClient();
  const retryFailed = useMutation({
    // One request per workflow: the API retries "every failed run of this workflow" in one go.
    mutationFn: async (ids: string[]) => {
      let retried = 0;
      for (const id of ids) retried += (await retryRuns({ workflowId: id })).retried.length;
      return retried;
    },
    onSuccess: (n) => {
      notifySuccess(
        n === 0
          ? "No failed runs to retry."
          : n === 1
            ? "1 failed run is retried from its failing step."
            : `${formatNumber(n)} failed runs are retried from their failing steps.`,
      );
      setSelected([]);
      void qc.invalidateQueries({ queryKey: ["workflows"] });
    },
    onError: (e) => notifyError(e, "Could not retry the failed runs"),
  });
  const rows = list.data ?? [];

  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
            Automation
          </Text>
          <Title order={2} fz={{ base: 22, sm: 26 }}>
            Workflows
          </Title>
          <Text c="dimmed" fz="sm" mt={4} maw={640}>
            A workflow does the routine steps for you: when something happens to a record, it assigns, emails, creates tasks or calls other systems. Each run is
            recorded, so you can see what it did and retry what failed.
          </Text>
        </div>
        {canBuild && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setChoosing(true)} data-testid="new-workflow">
            New workflow
          </Button>
        )}
      </Group>

      {selected.length > 0 && (
        <Group gap="xs" data-testid="workflows-bulk">
          <Text fz="sm" fw={600}>
            {selected.length} selected
          </Text>
          <Button
            size="xs"
            leftSection={<IconRefresh size={14} />}
            loading={retryFailed.isPending}
            onClick={() => retryFailed.mutate(selected)}
            data-testid="bulk-retry"
          >
            Retry failed runs
          </Button>
          <Button size="xs" variant="subtle" onClick={() => setSelected([])}>
            Clear
          </Button>
        </Group>
      )}

      <Card withBorder radius="md" padding={0}>
        {list.isPending ? (
          <Stack p="md" gap="sm">
            {[0, 1, 2].map((i) => (
              <Skeleton key={i} h={28} />
            ))}
          </Stack>
        ) : list.isError ? (
          <Alert color="red" variant="light" m="md" icon={<IconAlertTriangle size={18} />} title="Could not load workflows">
            <Text fz="sm" mb="xs">
              {list.error.message}
            </Text>
            <Button size="xs" variant="white" color="red" onClick={() => list.refetch()}>
              Retry
            </Button>
          </Alert>
        ) : rows.length === 0 ? (
          <Stack align="center" gap="xs" py={48} px="md" ta="center" data-testid="workflows-empty">
            <ThemeIcon variant="light" size={44} radius="xl">
              <IconBolt size={24} />
            </ThemeIcon>
            <Text fw={600}>No workflows yet</Text>
            <Text fz="sm" c="dimmed" maw={520}>
              Start from a template — for example “Web lead intake” assigns each new web lead to a seller, sends a welcome email and creates a follow-up task —
              then adjust it on the canvas and test it on a real record before you publish.
            </Text>
            {canBuild ? (
              <Button variant="light" mt="xs" leftSection={<IconTemplate size={16} />} onClick={() => setChoosing(true)} data-testid="empty-new-workflow">
                Start from a template
              </Button>
            ) : (
              <Text fz="xs" c="dimmed">
                Admins and managers build workflows.
              </Text>
            )}
          </Stack>
        ) : (
          <Table.ScrollContainer minWidth={880}>
            <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="workflows-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={36}>
                    <Checkbox
                      aria-label="Select all workflows"
                      checked={selected.length === rows.length}
                      indeterminate={selected.length > 0 && selected.length < rows.length}
                      onChange={(e) => setSelected(e.currentTarget.checked ? rows.map((r) => r.id) : [])}
                    />
                  </Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Starts when</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Last run</Table.Th>
                  <Table.Th ta="right">Runs</Table.Th>
                  <Table.Th>Health</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((w) => (
                  <Table.Tr key={w.id} data-testid="workflow-row">
                    <Table.Td>
                      <Checkbox
                        aria-label={`Select ${w.name}`}
                        checked={selected.includes(w.id)}
                        onChange={(e) => setSelected((s) => (e.currentTarget.checked ? [...s, w.id] : s.filter((x) => x !== w.id)))}
                      />
                    </Table.Td>
                    <Table.Td maw={320}>
                      <AnchorLink to="/workflows/$id" params={{ id: w.id }} fw={600} fz="sm">
                        {w.name}
                      </AnchorLink>
                      {w.description && (
                        <Text fz="xs" c="dimmed" truncate="end">
                          {w.description}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td maw={280}>
                      <Text fz="sm">{w.triggerType ? triggerInWords({ type: w.triggerType, object: w.object }) : "No trigger yet"}</Text>
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4}>
                        <Badge color={workflowStatusColors[w.status]} variant="light" data-testid="workflow-status">
                          {workflowStatusLabels[w.status]}
                        </Badge>
                        {w.hasDraft && w.status !== "draft" && (
                          <Badge color="gray" variant="outline" size="sm">
                            Unpublished changes
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td>
                      {w.stats.lastRunAt ? (
                        <Tooltip label={formatDateTime(w.stats.lastRunAt)} withArrow>
                          <Text fz="sm">{formatRelative(w.stats.lastRunAt)}</Text>
                        </Tooltip>
                      ) : (
                        <Text fz="sm" c="dimmed">
                          Never
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Tooltip
                        label={`${formatNumber(w.stats.done)} done · ${formatNumber(w.stats.failed)} failed · ${formatNumber(w.stats.running)} running · ${formatNumber(w.stats.waiting)} waiting`}
                        withArrow
                      >
                        <Text fz="sm" data-testid="workflow-runs">
                          {formatNumber(runsIn7Days(w))}
                        </Text>
                      </Tooltip>
                    </Table.Td>
                    <Table.Td>
                      <HealthFlag w={w} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Card>
      <NewWorkflowModal opened={choosing} onClose={() => setChoosing(false)} />
    </Stack>
  );
}

/** Admins build workflows, managers build them for their teams; everyone else sees runs on their records. */
export function useWorkflowPermissions() {
  const { isAdmin, canManageRecords } = usePermissions();
  return { canBuild: canManageRecords, isAdmin };
}

function NewWorkflowModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const templates = useQuery({ ...templatesQuery, enabled: opened });
  const navigate = useNavigate();
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const me = useMe();
  // A manager builds for one of their teams (the server refuses anything else); admins may leave it to admins only.
  const teams = useQuery({ ...teamsQuery, enabled: opened });
  const myTeams = (teams.data ?? []).filter((t) => isAdmin || t.memberIds.includes(me.user.id));
  const [teamId, setTeamId] = useState<string | null>(null);
  const chosenTeam = teamId ?? (isAdmin ? null : (myTeams[0]?.id ?? null));
  const noTeam = !isAdmin && teams.isSuccess && myTeams.length === 0;
  const create = useMutation({
    mutationFn: (t: WorkflowTemplate | null) =>
      createWorkflow({ ...(t ? { name: t.name, templateId: t.id } : { name: "Untitled workflow" }), teamId: chosenTeam }),
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: ["workflows"] });
      onClose();
      void navigate({ to: "/workflows/$id", params: { id: w.id } });
    },
    onError: (e) => notifyError(e, "Could not create the workflow"),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="New workflow" size="xl" centered>
      <Text fz="sm" c="dimmed" mb="md">
        Pick a template to start from, or start blank. Nothing runs until you publish it.
      </Text>
      {noTeam ? (
        <Alert color="yellow" variant="light" title="You are in no team yet" mb="md" data-testid="workflow-no-team">
          Managers build workflows for their own teams. Ask an admin to add you to a team in Settings → Users &amp; teams.
        </Alert>
      ) : (
        <Select
          label="Team"
          description={
            isAdmin
              ? "Optional: the team's managers may edit it, and it enrolls only records the team's members own"
              : "It enrolls only records your team's members own"
          }
          data={myTeams.map((t) => ({ value: t.id, label: t.name }))}
          value={chosenTeam}
          onChange={setTeamId}
          clearable={isAdmin}
          placeholder={isAdmin ? "No team: admins only" : "Choose a team"}
          mb="md"
          data-testid="new-workflow-team"
        />
      )}
      {templates.isPending ? (
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} h={90} />
          ))}
        </SimpleGrid>
      ) : templates.isError ? (
        <Alert color="red" variant="light" title="Could not load the templates">
          {templates.error.message}
        </Alert>
      ) : (
        <SimpleGrid cols={{ base: 1, sm: 2 }} data-testid="template-list">
          {(templates.data ?? []).map((t) => (
            <UnstyledButton
              key={t.id}
              onClick={() => create.mutate(t)}
              disabled={create.isPending || noTeam}
              data-testid="template-option"
              data-template={t.id}
              style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: "var(--mantine-radius-md)", padding: 12 }}
            >
              <Text fw={600} fz="sm">
                {t.name}
              </Text>
              <Text fz="xs" c="dimmed" mt={2}>
                {t.description}
              </Text>
            </UnstyledButton>
          ))}
          <UnstyledButton
            onClick={() => create.mutate(null)}
            disabled={create.isPending || noTeam}
            data-testid="template-blank"
            style={{ border: "1px dashed var(--mantine-color-default-border)", borderRadius: "var(--mantine-radius-md)", padding: 12 }}
          >
            <Group gap={6}>
              <IconPlus size={16} />
              <Text fw={600} fz="sm">
                Blank workflow
              </Text>
            </Group>
            <Text fz="xs" c="dimmed" mt={2}>
              Choose a trigger and add steps yourself.
            </Text>
          </UnstyledButton>
        </SimpleGrid>
      )}
    </Modal>
  );
}
