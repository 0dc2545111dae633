import "@mantine/charts/styles.css";
import { BarChart, LineChart } from "@mantine/charts";
import { Badge, Button, Card, Group, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconDownload, IconPlayerPause, IconPlayerPlay, IconSend, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { type CampaignStatus, campaignStatusLabels, type RecipientStatus, recipientStatuses, recipientStatusLabels } from "../../contract/campaigns.js";
import { usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { PageSkeleton } from "../components/PageSkeleton.js";
import { api } from "../http/client.js";
import { notifyError } from "../lib/notify.js";
import { campaignReportQuery, recipientsQuery } from "./api.js";
import { CampaignProgress, pct, statusColors } from "./CampaignsPage.js";

const route = getRouteApi("/marketing/campaigns/$id");

function Stat({ label, value, note, testId }: { label: string; value: number | string; note?: string; testId?: string }) {
  return (
    <Card withBorder radius="md" padding="sm">
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="xl" fw={700} data-testid={testId}>
        {typeof value === "number" ? value.toLocaleString() : value}
      </Text>
      {note && (
        <Text fz="xs" c="dimmed">
          {note}
        </Text>
      )}
    </Card>
  );
}

/** A campaign's report: the funnel, opens and clicks over time, clicks by link, the A/B result, every recipient. */
export function CampaignPage() {
  const { id } = route.useParams();
  const qc = useQueryClient();
  const canManage = usePermissions().may("campaign", "create");
  const [days, setDays] = useState(30);
  const report = useQuery(campaignReportQuery(id, days));
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [status, setStatus] = useState<RecipientStatus | null>(null);
  const recipients = useQuery(recipientsQuery(id, cursors[cursors.length - 1] ?? null, status));
  useDocumentTitle(`${report.data?.campaign.name ?? "Campaign"} · Rapport`);
  const act = useMutation({
    mutationFn: (action: "start" | "pause" | "resume" | "cancel") => api.post(`/api/v1/campaigns/${id}/${action}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["campaigns"] }),
    onError: (e) => notifyError(e, "Could not change the campaign"),
  });
  if (report.isPending) return <PageSkeleton />;
  if (report.isError) return <Text c="red">Could not load the campaign: {report.error.message}</Text>;
  const r = report.data;
  const c = r.campaign;
  const is = (...s: CampaignStatus[]) => s.includes(c.status);
  return (
    <Stack gap="md" maw={1200}>
      <Group justify="space-between" align="flex-start">
        <div>
          <AnchorLink to="/marketing/campaigns" fz="sm">
            ← Campaigns
          </AnchorLink>
          <Group gap="sm">
            <Title order={2}>{c.name}</Title>
            <Badge color={statusColors[c.status]} variant="light" data-testid="campaign-status">
              {campaignStatusLabels[c.status]}
            </Badge>
          </Group>
          <Text fz="sm" c="dimmed">
            {c.templateName ?? "Template deleted"} · {c.counts.recipients.toLocaleString()} recipients
            {c.abWinner
              ? ` · A/B winner: subject ${c.abWinner.toUpperCase()}`
              : c.abDecideAt
                ? ` · A/B winner chosen at ${new Date(c.abDecideAt).toLocaleString()}`
                : ""}
          </Text>
          <CampaignProgress c={c} />
        </div>
        {canManage && (
          <Group>
            {is("draft") && (
              <Button leftSection={<IconSend size={16} />} onClick={() => act.mutate("start")} loading={act.isPending} data-testid="campaign-start">
                {c.scheduledAt ? "Schedule" : "Send now"}
              </Button>
            )}
            {is("sending", "scheduled") && (
              <Button variant="default" leftSection={<IconPlayerPause size={16} />} onClick={() => act.mutate("pause")} data-testid="campaign-pause">
                Pause
              </Button>
            )}
            {is("paused") && (
              <Button leftSection={<IconPlayerPlay size={16} />} onClick={() => act.mutate("resume")} data-testid="campaign-resume">
                Resume
              </Button>
            )}
            {is("draft", "scheduled", "sending", "paused") && (
              <Button color="red" variant="light" leftSection={<IconX size={16} />} onClick={() => act.mutate("cancel")} data-testid="campaign-cancel">
                Cancel
              </Button>
            )}
          </Group>
        )}
      </Group>

      <SimpleGrid cols={{ base: 2, sm: 4, lg: 8 }}>
        <Stat label="Sent" value={r.sent} testId="report-sent" />
        <Stat label="Delivered" value={r.delivered} note={pct(r.delivered, r.sent)} />
        <Stat label="Bounced" value={r.bounced} note={pct(r.bounced, r.sent)} />
        <Stat label="Opened" value={r.opened} note={`${pct(r.opened, r.sent)} by people`} testId="report-opened" />
        <Stat label="Machine opens" value={r.machineOpened} note="privacy proxies, scanners" />
        <Stat label="Clicked" value={r.clicked} note={pct(r.clicked, r.sent)} testId="report-clicked" />
        <Stat label="Unsubscribed" value={r.unsubscribed} note={pct(r.unsubscribed, r.sent)} />
        <Stat label="Complaints" value={r.complained} note={pct(r.complained, r.sent)} />
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder radius="md" p="md">
          <Text fw={600} mb="xs">
            Funnel
          </Text>
          <BarChart
            h={220}
            data={[
              { step: "Sent", count: r.sent },
              { step: "Delivered", count: r.delivered },
              { step: "Opened", count: r.opened },
              { step: "Clicked", count: r.clicked },
            ]}
            dataKey="step"
            series={[{ name: "count", label: "Recipients", color: "indigo.6" }]}
          />
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Text fw={600} mb="xs">
            Opens and clicks by hour (people)
          </Text>
          {r.timeline.length === 0 ? (
            <Text fz="sm" c="dimmed">
              No opens or clicks yet. They appear here as people read the email.
            </Text>
          ) : (
            <LineChart
              h={220}
              data={r.timeline.map((h) => ({
                hour: new Date(h.hour).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit" }),
                opens: h.opens,
                clicks: h.clicks,
              }))}
              dataKey="hour"
              series={[
                { name: "opens", label: "Opens", color: "teal.6" },
                { name: "clicks", label: "Clicks", color: "orange.6" },
              ]}
            />
          )}
        </Paper>
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder radius="md" p="md">
          <Text fw={600} mb="xs">
            Clicks by link
          </Text>
          {r.links.length === 0 ? (
            <Text fz="sm" c="dimmed">
              No clicks yet{c.tracking ? "" : " — tracking is off for this campaign"}.
            </Text>
          ) : (
            <Table data-testid="report-links">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Link</Table.Th>
                  <Table.Th ta="right">Clicks</Table.Th>
                  <Table.Th ta="right">People</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.links.map((l) => (
                  <Table.Tr key={l.url}>
                    <Table.Td style={{ wordBreak: "break-all" }}>{l.url}</Table.Td>
                    <Table.Td ta="right">{l.clicks}</Table.Td>
                    <Table.Td ta="right">{l.recipients}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
        <Paper withBorder radius="md" p="md">
          <Group justify="space-between" mb="xs">
            <Text fw={600}>Influenced deals</Text>
            <NumberInput
              size="xs"
              w={150}
              min={1}
              max={365}
              value={days}
              onChange={(v) => setDays(Number(v) || 30)}
              suffix=" days after"
              aria-label="Days after the send"
            />
          </Group>
          <Text fz="xl" fw={700}>
            {r.influencedDeals.toLocaleString()} won
          </Text>
          <Text fz="sm" c="dimmed">
            {r.influencedRevenue.length
              ? r.influencedRevenue.map((x) => Number(x.amount).toLocaleString(undefined, { style: "currency", currency: x.currency })).join(" + ")
              : "No won deals of recipients yet"}{" "}
            — deals of recipients won within {days} days of their email.
          </Text>
          {r.variants.length > 0 && (
            <Table mt="md" data-testid="report-variants">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Subject</Table.Th>
                  <Table.Th ta="right">Sent</Table.Th>
                  <Table.Th ta="right">Opened</Table.Th>
                  <Table.Th ta="right">Clicked</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {r.variants.map((v) => (
                  <Table.Tr key={v.variant}>
                    <Table.Td>
                      {v.variant.toUpperCase()}: {v.subject} {c.abWinner === v.variant && <Badge size="xs">winner</Badge>}
                    </Table.Td>
                    <Table.Td ta="right">{v.sent}</Table.Td>
                    <Table.Td ta="right">{v.opened}</Table.Td>
                    <Table.Td ta="right">{v.clicked}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Paper>
      </SimpleGrid>

      <Paper withBorder radius="md" p="md">
        <Group justify="space-between" mb="xs">
          <Text fw={600}>Recipients</Text>
          <Group>
            <Select
              size="xs"
              placeholder="Every status"
              clearable
              data={recipientStatuses.map((s) => ({ value: s, label: recipientStatusLabels[s] }))}
              value={status}
              onChange={(v) => {
                setStatus(v as RecipientStatus | null);
                setCursors([null]);
              }}
            />
            <Button size="xs" variant="default" component="a" href={`/api/v1/campaigns/${id}/recipients.csv`} leftSection={<IconDownload size={14} />}>
              Export CSV
            </Button>
          </Group>
        </Group>
        {recipients.isPending ? (
          <Text fz="sm" c="dimmed">
            Loading…
          </Text>
        ) : recipients.isError ? (
          <Text c="red">Could not load recipients: {recipients.error.message}</Text>
        ) : recipients.data.data.length === 0 ? (
          <Text fz="sm" c="dimmed">
            {c.status === "draft" ? "Recipients are fixed when the campaign starts." : "No recipients with this status."}
          </Text>
        ) : (
          <>
            <Table data-testid="recipients-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Contact</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Sent</Table.Th>
                  <Table.Th ta="right">Opens</Table.Th>
                  <Table.Th ta="right">Clicks</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {recipients.data.data.map((x) => (
                  <Table.Tr key={x.id}>
                    <Table.Td>
                      <AnchorLink to="/contacts/$id" params={{ id: x.contactId }} fz="sm">
                        {x.contactName}
                      </AnchorLink>
                      <Text fz="xs" c="dimmed">
                        {x.email}
                        {x.variant ? ` · subject ${x.variant.toUpperCase()}` : ""}
                      </Text>
                    </Table.Td>
                    <Table.Td fz="sm">
                      {recipientStatusLabels[x.status]}
                      {x.error && (
                        <Text fz="xs" c="red">
                          {x.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td fz="sm">{x.sentAt ? new Date(x.sentAt).toLocaleString() : "–"}</Table.Td>
                    <Table.Td ta="right" fz="sm">
                      {x.opens}
                      {x.machineOpens ? (
                        <Text span fz="xs" c="dimmed">
                          {" "}
                          (+{x.machineOpens} machine)
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td ta="right" fz="sm">
                      {x.clicks}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Group justify="flex-end" mt="xs">
              <Button size="xs" variant="default" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
                Previous
              </Button>
              <Button size="xs" variant="default" disabled={!recipients.data.nextCursor} onClick={() => setCursors([...cursors, recipients.data.nextCursor])}>
                Next
              </Button>
            </Group>
          </>
        )}
      </Paper>
    </Stack>
  );
}
