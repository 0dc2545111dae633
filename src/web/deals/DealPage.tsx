import { Alert, Anchor, Badge, Button, Card, Grid, Group, Menu, Paper, Stack, Table, Text, Title, Tooltip } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertTriangle, IconArrowLeft, IconChevronDown, IconEdit, IconRestore, IconTrash, IconTrophy, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { type Deal, dealSourceLabels, labelOf, type Stage } from "../../contract/index.js";
import { RecordRightsContext, usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { AnchorLink } from "../components/links.js";
import { NextActionsPanel } from "../home/NextActionsPanel.js";
import { api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { PredictionCard } from "../insights/PredictionCard.js";
import { formatDate, formatDateTime, formatMoney } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { TagList } from "../records/cells.js";
import { InlineField } from "../records/inline/InlineField.js";
import { dealSpecs } from "../records/inline/specs.js";
import { DetailsCard, editableCustomItems, RecordSkeleton } from "../records/RecordParts.js";
import { ShareButton, useRecordAccess } from "../records/sharing.js";
import { Composer } from "../timeline/Composer.js";
import { Timeline } from "../timeline/Timeline.js";
import { RunWorkflowButton } from "../workflows/RunWorkflow.js";
import { dealQuery, dealTasksQuery, formatSpan, pipelinesQuery, roleLabels, stageHistoryQuery } from "./api.js";
import { DealFormDrawer } from "./DealForm.js";
import { LineItemsEditor } from "./LineItemsEditor.js";
import { LostReasonModal } from "./LostReasonModal.js";
import { offerToClosePlaybookTasks } from "./playbook.js";

const route = getRouteApi("/deals/$id");
const statusColor = { open: "blue", won: "teal", lost: "red" } as const;

function BackToDeals() {
  return (
    <AnchorLink to="/deals" fz="sm" c="dimmed" w="fit-content" style={{ display: "inline-flex", alignItems: "center", gap: 4 }}>
      <IconArrowLeft size={14} /> Deals
    </AnchorLink>
  );
}

export function DealPage() {
  const { id } = route.useParams();
  const qc = useQueryClient();
  const deal = useQuery(dealQuery(id));
  const pipelines = useQuery(pipelinesQuery);
  const customFields = useQuery(customFieldsQuery("deal"));
  const { may } = usePermissions();
  const rights = useRecordAccess("deal", deal.data);
  const [editing, setEditing] = useState(false);
  const [losing, setLosing] = useState<Stage | null>(null);
  const [trashing, setTrashing] = useState(false);
  useDocumentTitle(deal.data ? `${deal.data.name} · Rapport` : "Rapport");

  const refresh = () => {
    qc.invalidateQueries({ queryKey: ["deals"] });
    qc.invalidateQueries({ queryKey: ["tasks"] });
    qc.invalidateQueries({ queryKey: ["timeline"] });
    qc.invalidateQueries({ queryKey: ["purchases"] });
  };
  const move = useMutation({
    mutationFn: ({ stage, lostReason }: { stage: Stage; lostReason?: string }) =>
      api.post<Deal>(`/api/v1/deals/${id}/stage`, { stageId: stage.id, ...(lostReason ? { lostReason } : {}) }),
    onSuccess: (d) => {
      qc.setQueryData(dealQuery(id).queryKey, d);
      notifySuccess(d.status === "won" ? `Won! “${d.name}” is closed.` : `Moved to ${d.stageName}`);
      refresh();
      void offerToClosePlaybookTasks(d, qc);
    },
    onError: (e) => notifyError(e, "Could not move the deal"),
  });
  const trash = useMutation({
    mutationFn: (restore: boolean) => (restore ? api.post(`/api/v1/deals/${id}/restore`) : api.del(`/api/v1/deals/${id}`)),
    onSuccess: (_d, restore) => {
      notifySuccess(restore ? "Deal restored" : "Deal moved to the trash");
      setTrashing(false);
      refresh();
    },
    onError: (e) => notifyError(e),
  });

  if (deal.isPending) return <RecordSkeleton />;
  if (deal.isError) {
    const notFound = (deal.error as { status?: number }).status === 404;
    return (
      <Stack gap="md" maw={560}>
        <BackToDeals />
        <Alert color={notFound ? "gray" : "red"} icon={<IconAlertTriangle size={18} />} title={notFound ? "Deal not found" : "Could not load this deal"}>
          <Text fz="sm" mb="sm">
            {notFound ? "It may have been deleted, or the link is wrong." : deal.error.message}
          </Text>
          {!notFound && (
            <Button size="xs" variant="white" color="red" onClick={() => deal.refetch()}>
              Retry
            </Button>
          )}
        </Alert>
      </Stack>
    );
  }
  const d = deal.data;
  const pipeline = pipelines.data?.find((p) => p.id === d.pipelineId);
  const stages = pipeline?.stages ?? [];
  const wonStage = stages.find((s) => s.type === "won");
  const lostStage = stages.find((s) => s.type === "lost");
  const request = (stage: Stage) => (stage.type === "lost" ? setLosing(stage) : move.mutate({ stage }));
  const editable = rights.edit && !d.deletedAt;

  return (
    <RecordRightsContext.Provider value={rights}>
      <Stack gap="md" data-testid="deal-page">
        <BackToDeals />
        <Paper withBorder radius="md" p="md">
          <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
            <Stack gap={4} miw={0}>
              <Group gap="xs" wrap="wrap">
                <Title order={2} fz={{ base: "h3", sm: "h2" }} data-testid="deal-title">
                  {d.name}
                </Title>
                <Badge color={statusColor[d.status]} variant="light" data-testid="deal-status">
                  {d.status === "open" ? d.stageName : d.status === "won" ? "Won" : "Lost"}
                </Badge>
                {d.deletedAt && (
                  <Badge color="gray" variant="filled">
                    In trash
                  </Badge>
                )}
              </Group>
              <Group gap="md" wrap="wrap">
                <Text fz="xl" fw={700} data-testid="deal-amount-value">
                  {formatMoney(d.amount, d.currency)}
                </Text>
                <Text fz="sm" c="dimmed">
                  {d.stageProbability}% · {pipeline?.name ?? "Pipeline"}
                  {d.expectedCloseDate ? ` · closes ${formatDate(d.expectedCloseDate)}` : ""}
                </Text>
              </Group>
              {d.companyId && (
                <AnchorLink to="/companies/$id" params={{ id: d.companyId }} fz="sm">
                  {d.companyName ?? "Company"}
                </AnchorLink>
              )}
            </Stack>
            <Group gap="xs" wrap="wrap">
              {editable && d.status === "open" && wonStage && (
                <Button color="teal" leftSection={<IconTrophy size={16} />} onClick={() => request(wonStage)} loading={move.isPending} data-testid="deal-win">
                  Won
                </Button>
              )}
              {editable && d.status === "open" && lostStage && (
                <Button color="red" variant="light" leftSection={<IconX size={16} />} onClick={() => request(lostStage)} data-testid="deal-lose">
                  Lost
                </Button>
              )}
              {editable && (
                <Menu position="bottom-end" withinPortal>
                  <Menu.Target>
                    <Button variant="default" rightSection={<IconChevronDown size={14} />} data-testid="deal-move">
                      Move to stage
                    </Button>
                  </Menu.Target>
                  <Menu.Dropdown>
                    {stages.map((s) => (
                      <Menu.Item key={s.id} disabled={s.id === d.stageId} onClick={() => request(s)} color={s.type === "lost" ? "red" : undefined}>
                        {s.name} · {s.probability}%
                      </Menu.Item>
                    ))}
                  </Menu.Dropdown>
                </Menu>
              )}
              {editable && (
                <Button variant="default" leftSection={<IconEdit size={16} />} onClick={() => setEditing(true)} data-testid="deal-edit">
                  Edit
                </Button>
              )}
              {editable && <ShareButton object="deal" recordId={d.id} name={d.name} />}
              {editable && <RunWorkflowButton object="deal" recordIds={[d.id]} />}
              {rights.delete &&
                (d.deletedAt ? (
                  <Button variant="light" leftSection={<IconRestore size={16} />} onClick={() => trash.mutate(true)} loading={trash.isPending}>
                    Restore
                  </Button>
                ) : (
                  <Tooltip label="Move to trash">
                    <Button variant="subtle" color="red" onClick={() => setTrashing(true)} aria-label="Move to trash" px="xs">
                      <IconTrash size={16} />
                    </Button>
                  </Tooltip>
                ))}
            </Group>
          </Group>
          {stages.length > 0 && (
            <Group gap={4} mt="md" wrap="wrap" data-testid="deal-stage-path" aria-label="Stages">
              {stages.map((s) => {
                const current = s.id === d.stageId;
                const passed = stages.findIndex((x) => x.id === d.stageId) > stages.indexOf(s) && s.type === "open";
                return (
                  <Badge
                    key={s.id}
                    variant={current ? "filled" : passed ? "light" : "outline"}
                    color={current ? statusColor[s.type] : "gray"}
                    tt="none"
                    fw={current ? 700 : 500}
                    component={editable && !current ? "button" : "span"}
                    style={{ cursor: editable && !current ? "pointer" : "default" }}
                    onClick={editable && !current ? () => request(s) : undefined}
                    aria-current={current ? "step" : undefined}
                  >
                    {s.name}
                  </Badge>
                );
              })}
            </Group>
          )}
        </Paper>
        <Grid gap="md">
          <Grid.Col span={{ base: 12, md: 5, lg: 4 }}>
            <Stack gap="md">
              {d.status === "open" && <PredictionCard object="deal" id={d.id} />}
              <DetailsCard
                title="Details"
                testId="deal-details"
                items={[
                  { label: "Name", value: <InlineField object="deal" record={d} spec={dealSpecs.name} display={d.name} /> },
                  { label: "Amount", value: <InlineField object="deal" record={d} spec={dealSpecs.amount} display={formatMoney(d.amount, d.currency)} /> },
                  {
                    label: "Company",
                    value: (
                      <InlineField
                        object="deal"
                        record={d}
                        spec={dealSpecs.company}
                        interactive
                        display={
                          d.companyId ? (
                            <AnchorLink to="/companies/$id" params={{ id: d.companyId }} fz="sm">
                              {d.companyName ?? "Company"}
                            </AnchorLink>
                          ) : null
                        }
                      />
                    ),
                  },
                  { label: "Owner", value: <InlineField object="deal" record={d} spec={dealSpecs.owner} display={d.ownerName} /> },
                  { label: "Stage", value: `${d.stageName} (${d.stageProbability}%)` },
                  {
                    label: "Close date",
                    value: (
                      <InlineField object="deal" record={d} spec={dealSpecs.closeDate} display={d.expectedCloseDate ? formatDate(d.expectedCloseDate) : null} />
                    ),
                  },
                  { label: "Next step", value: <InlineField object="deal" record={d} spec={dealSpecs.nextStep} display={d.nextStep} /> },
                  {
                    label: "Source",
                    value: <InlineField object="deal" record={d} spec={dealSpecs.source} display={d.source ? labelOf(dealSourceLabels, d.source) : null} />,
                  },
                  { label: "Lost reason", value: d.lostReason },
                  { label: "Closed", value: d.closedAt ? formatDateTime(d.closedAt) : null },
                  {
                    label: "Tags",
                    value: <InlineField object="deal" record={d} spec={dealSpecs.tags} display={d.tags.length ? <TagList tags={d.tags} max={6} /> : null} />,
                  },
                  { label: "Created", value: formatDateTime(d.createdAt) },
                ]}
              />
              {(customFields.data?.length ?? 0) > 0 && <DetailsCard title="Custom fields" items={editableCustomItems("deal", d, customFields.data ?? [])} />}
              <ContactsCard deal={d} onEdit={editable ? () => setEditing(true) : undefined} />
              <StageHistoryCard id={d.id} />
              {!d.deletedAt && <NextActionsPanel target={{ object: "deal", id: d.id }} title="Suggested next steps" />}
              <TasksCard id={d.id} />
            </Stack>
          </Grid.Col>
          <Grid.Col span={{ base: 12, md: 7, lg: 8 }}>
            <Stack gap="md">
              <LineItemsEditor deal={d} canWrite={editable} />
              {may("activity", "create") && !d.deletedAt && <Composer object="deal" id={d.id} />}
              <Title order={4} fz="md">
                Timeline
              </Title>
              <Timeline object="deal" id={d.id} customFields={customFields.data ?? []} nouns="this deal" />
            </Stack>
          </Grid.Col>
        </Grid>
        <DealFormDrawer opened={editing} onClose={() => setEditing(false)} deal={d} />
        <LostReasonModal
          opened={Boolean(losing)}
          dealName={d.name}
          stageName={losing?.name ?? ""}
          onCancel={() => setLosing(null)}
          loading={move.isPending}
          onConfirm={(lostReason) => {
            if (losing) move.mutate({ stage: losing, lostReason }, { onSettled: () => setLosing(null) });
          }}
        />
        <ConfirmModal
          opened={trashing}
          onClose={() => setTrashing(false)}
          onConfirm={() => trash.mutate(false)}
          title="Move this deal to the trash?"
          confirmLabel="Move to trash"
          danger
          loading={trash.isPending}
        >
          It leaves the board and reports. You can restore it from its page.
        </ConfirmModal>
      </Stack>
    </RecordRightsContext.Provider>
  );
}

function ContactsCard({ deal, onEdit }: { deal: Deal; onEdit?: () => void }) {
  return (
    <Card withBorder radius="md" padding="md" data-testid="deal-contacts">
      <Group justify="space-between" mb="xs">
        <Text fw={600} fz="sm">
          Contacts
        </Text>
        {onEdit && (
          <Anchor component="button" fz="xs" onClick={onEdit}>
            Edit
          </Anchor>
        )}
      </Group>
      {deal.contacts.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No contacts yet. Add the people involved and their role — their purchases show on their page once the deal is won.
        </Text>
      ) : (
        <Stack gap={6}>
          {deal.contacts.map((c) => (
            <Group key={c.contactId} justify="space-between" wrap="nowrap">
              <AnchorLink to="/contacts/$id" params={{ id: c.contactId }} fz="sm" truncate>
                {c.name}
              </AnchorLink>
              <Badge variant="light" color="gray" tt="none" fw={500}>
                {roleLabels[c.role] ?? c.role}
              </Badge>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}

function StageHistoryCard({ id }: { id: string }) {
  const history = useQuery(stageHistoryQuery(id));
  return (
    <Card withBorder radius="md" padding="md" data-testid="stage-history">
      <Text fw={600} fz="sm" mb="xs">
        Stage history
      </Text>
      {history.isPending ? (
        <Text fz="sm" c="dimmed">
          Loading…
        </Text>
      ) : history.isError ? (
        <Text fz="sm" c="red">
          {history.error.message}
        </Text>
      ) : (
        <Stack gap="sm">
          <Group gap={6} wrap="wrap" data-testid="time-in-stage">
            {history.data.timeInStage.map((t) => (
              <Badge key={t.stageId} variant="light" tt="none" fw={500}>
                {t.stageName}: {formatSpan(t.durationMs)}
              </Badge>
            ))}
          </Group>
          <Table fz="xs" verticalSpacing={4}>
            <Table.Tbody>
              {history.data.data.map((h) => (
                <Table.Tr key={h.id}>
                  <Table.Td>
                    {h.fromStageName ? `${h.fromStageName} → ` : "Created in "}
                    <b>{h.toStageName}</b>
                    {h.actorName ? ` · ${h.actorName}` : ""}
                  </Table.Td>
                  <Table.Td c="dimmed" style={{ whiteSpace: "nowrap" }}>
                    {formatDateTime(h.at)}
                  </Table.Td>
                  <Table.Td ta="right" style={{ whiteSpace: "nowrap" }}>
                    {formatSpan(h.durationMs)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
    </Card>
  );
}

function TasksCard({ id }: { id: string }) {
  const tasks = useQuery(dealTasksQuery(id));
  return (
    <Card withBorder radius="md" padding="md" data-testid="deal-tasks">
      <Text fw={600} fz="sm" mb="xs">
        Tasks
      </Text>
      {tasks.isPending ? (
        <Text fz="sm" c="dimmed">
          Loading…
        </Text>
      ) : tasks.isError ? (
        <Text fz="sm" c="red">
          {tasks.error.message}
        </Text>
      ) : tasks.data.data.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No tasks. Stage playbooks (Settings → Pipelines) create them when the deal enters a stage.
        </Text>
      ) : (
        <Stack gap={6}>
          {tasks.data.data.map((t) => (
            <Group key={t.id} justify="space-between" wrap="nowrap" data-testid="deal-task">
              <Text fz="sm" td={t.status === "done" ? "line-through" : undefined} truncate>
                {t.title}
              </Text>
              <Text fz="xs" c={t.status !== "done" && t.dueAt && t.dueAt < new Date().toISOString() ? "red" : "dimmed"} style={{ whiteSpace: "nowrap" }}>
                {t.dueAt ? formatDate(t.dueAt) : "No due date"}
              </Text>
            </Group>
          ))}
        </Stack>
      )}
    </Card>
  );
}
