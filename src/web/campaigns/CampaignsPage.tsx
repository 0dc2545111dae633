import { Badge, Button, Group, Paper, Progress, Stack, Table, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconPlus, IconSpeakerphone } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { type Campaign, type CampaignStatus, campaignStatusLabels } from "../../contract/campaigns.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { PageSkeleton } from "../components/PageSkeleton.js";
import { campaignsQuery } from "./api.js";
import { CampaignWizard } from "./CampaignWizard.js";

export const statusColors: Record<CampaignStatus, string> = {
  draft: "gray",
  scheduled: "blue",
  sending: "orange",
  paused: "yellow",
  sent: "green",
  cancelled: "red",
};

export const pct = (n: number, of: number) => (of > 0 ? `${Math.round((n / of) * 1000) / 10}%` : "–");

export function CampaignProgress({ c }: { c: Campaign }) {
  const done = c.counts.recipients - c.counts.pending;
  if (c.status !== "sending" && c.status !== "paused") return null;
  return (
    <Stack gap={2} data-testid="campaign-progress">
      <Progress value={c.counts.recipients ? (done / c.counts.recipients) * 100 : 0} size="sm" animated={c.status === "sending"} />
      <Text fz="xs" c="dimmed">
        {done.toLocaleString()} of {c.counts.recipients.toLocaleString()} done
      </Text>
    </Stack>
  );
}

/** Marketing → Campaigns: every campaign with its status and key numbers; a wizard to create one. */
export function CampaignsPage() {
  useDocumentTitle("Campaigns · Rapport");
  const navigate = useNavigate();
  const canManage = usePermissions().may("campaign", "create");
  const list = useQuery(campaignsQuery);
  const [wizard, setWizard] = useState(false);
  return (
    <Stack gap="md" maw={1200}>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={2}>Campaigns</Title>
          <Text c="dimmed" fz="sm" maw={680}>
            Send a template to segments and lists. Suppressed addresses, contacts who refused email and those marked do-not-contact are always left out.
          </Text>
        </div>
        {canManage && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setWizard(true)} data-testid="new-campaign">
            New campaign
          </Button>
        )}
      </Group>
      {list.isPending ? (
        <PageSkeleton />
      ) : list.isError ? (
        <Text c="red">Could not load campaigns: {list.error.message}</Text>
      ) : list.data.length === 0 ? (
        <EmptyHint
          icon={<IconSpeakerphone size={28} />}
          title="No campaigns yet"
          description={
            <Text fz="sm" c="dimmed" maw={460} mx="auto">
              A campaign sends one of your email templates to the contacts of segments and lists — now or at a set time, paced so mail providers accept it — and
              reports who opened and clicked. Build a segment and a template first.
            </Text>
          }
          actionLabel={canManage ? "Create your first campaign" : undefined}
          onAction={() => setWizard(true)}
        />
      ) : (
        <Paper withBorder radius="md">
          <Table highlightOnHover verticalSpacing="sm" data-testid="campaigns-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th ta="right">Recipients</Table.Th>
                <Table.Th ta="right">Sent</Table.Th>
                <Table.Th ta="right">Opened</Table.Th>
                <Table.Th ta="right">Clicked</Table.Th>
                <Table.Th>When</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((c) => (
                <Table.Tr
                  key={c.id}
                  style={{ cursor: "pointer" }}
                  onClick={() => void navigate({ to: "/marketing/campaigns/$id", params: { id: c.id } })}
                  data-testid="campaign-row"
                >
                  <Table.Td>
                    <Text fw={600} fz="sm">
                      {c.name}
                    </Text>
                    <Text fz="xs" c="dimmed">
                      {c.templateName ?? "Template deleted"}
                    </Text>
                    <CampaignProgress c={c} />
                  </Table.Td>
                  <Table.Td>
                    <Badge color={statusColors[c.status]} variant="light" data-testid="campaign-status">
                      {campaignStatusLabels[c.status]}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right">{c.counts.recipients.toLocaleString()}</Table.Td>
                  <Table.Td ta="right" data-testid="campaign-sent">
                    {c.counts.sent.toLocaleString()}
                  </Table.Td>
                  <Table.Td ta="right">
                    {c.counts.opened.toLocaleString()}{" "}
                    <Text span fz="xs" c="dimmed">
                      {pct(c.counts.opened, c.counts.sent)}
                    </Text>
                  </Table.Td>
                  <Table.Td ta="right">
                    {c.counts.clicked.toLocaleString()}{" "}
                    <Text span fz="xs" c="dimmed">
                      {pct(c.counts.clicked, c.counts.sent)}
                    </Text>
                  </Table.Td>
                  <Table.Td fz="sm" c="dimmed">
                    {c.finishedAt
                      ? `Finished ${new Date(c.finishedAt).toLocaleString()}`
                      : c.startedAt
                        ? `Started ${new Date(c.startedAt).toLocaleString()}`
                        : c.scheduledAt
                          ? `Scheduled for ${new Date(c.scheduledAt).toLocaleString()}`
                          : `Created ${new Date(c.createdAt).toLocaleString()}`}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Paper>
      )}
      {wizard && (
        <CampaignWizard
          onClose={() => setWizard(false)}
          onCreated={(id) => {
            setWizard(false);
            void navigate({ to: "/marketing/campaigns/$id", params: { id } });
          }}
        />
      )}
    </Stack>
  );
}
