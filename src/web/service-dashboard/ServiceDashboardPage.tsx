import "@mantine/charts/styles.css";
import { BarChart, LineChart } from "@mantine/charts";
import { Alert, Card, Group, ScrollArea, SegmentedControl, Select, SimpleGrid, Skeleton, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconHeadset } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  type DashboardGroupRow,
  type DashboardPeriod,
  type DurationStats,
  dashboardPeriodLabels,
  dashboardPeriods,
  type ServiceDashboard,
} from "../../contract/service-reports.js";
import { ticketChannelLabels, ticketChannels, ticketPriorities, ticketPriorityLabels } from "../../contract/tickets.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { ApiError } from "../http/client.js";
import { usersQuery } from "../http/queries.js";
import { formatDuration, formatNumber } from "../lib/format.js";
import { type DashboardParams, serviceDashboardQuery } from "./api.js";

const errorText = (e: unknown) => (e instanceof ApiError ? e.problem.detail || e.problem.title : "Could not load the service dashboard.");
const time = (s: number | null) => (s === null ? "—" : formatDuration(s));
const channelColors = ["blue.6", "teal.6", "grape.6", "orange.6", "cyan.6", "pink.6", "lime.7", "gray.6"];
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

function Kpi({ label, value, hint, testId }: { label: string; value: string; hint?: string; testId: string }) {
  return (
    <Card withBorder radius="md" padding="md" data-testid={testId}>
      <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
        {label}
      </Text>
      <Text fz={22} fw={700} style={{ whiteSpace: "nowrap" }} data-testid={`${testId}-value`}>
        {value}
      </Text>
      {hint && (
        <Text fz="xs" c="dimmed">
          {hint}
        </Text>
      )}
    </Card>
  );
}

const durationHint = (d: DurationStats, what: string) => (d.count ? `p90 ${time(d.p90Seconds)} · ${formatNumber(d.count)} ${what}` : `No ${what} yet`);

/** Backlog now, response and resolution times, CSAT, created vs solved per day, per agent and per queue. */
export function ServiceDashboardPage() {
  useDocumentTitle("Service dashboard · Rapport");
  const [period, setPeriod] = useState<DashboardPeriod>("30d");
  const [from, setFrom] = useState(daysAgo(29));
  const [to, setTo] = useState(today());
  const [queueId, setQueueId] = useState<string | null>(null);
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const [channel, setChannel] = useState<string | null>(null);
  const [priority, setPriority] = useState<string | null>(null);
  // Queue choices come from what the dashboard has seen, so the list does not lose a queue once filtered to another.
  const [knownQueues, setKnownQueues] = useState<Map<string, string>>(new Map());
  const users = useQuery({ ...usersQuery, retry: false });

  const params: DashboardParams = {
    period,
    ...(period === "custom" ? { from, to } : {}),
    queueId: queueId ?? undefined,
    assigneeId: assigneeId ?? undefined,
    channel: channel ?? undefined,
    priority: priority ?? undefined,
  };
  const report = useQuery(serviceDashboardQuery(params));
  const d = report.data;
  if (d) {
    const seen = [...d.queues, ...d.backlog.byQueue].filter((q) => q.id && !knownQueues.has(q.id));
    if (seen.length) setKnownQueues(new Map([...knownQueues, ...seen.map((q) => [q.id as string, q.name] as [string, string])]));
  }

  return (
    <Stack gap="lg" maw={1280}>
      <div>
        <Title order={2} fz={{ base: 22, sm: 26 }}>
          Service dashboard
        </Title>
        <Text c="dimmed" fz="sm" mt={4} maw={720}>
          How support is doing: what is waiting now, how fast customers hear back and get a solution, and how they rate it.
          {d ? ` Days are counted in ${d.period.timeZone}.` : ""}
        </Text>
      </div>

      <Group gap="sm" align="flex-end" wrap="wrap">
        <SegmentedControl
          value={period}
          onChange={(v) => setPeriod(v as DashboardPeriod)}
          data={dashboardPeriods.map((p) => ({ value: p, label: dashboardPeriodLabels[p] }))}
          aria-label="Period"
          data-testid="period"
        />
        {period === "custom" && (
          <>
            <TextInput type="date" label="From" value={from} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="period-from" />
            <TextInput type="date" label="To" value={to} onChange={(e) => setTo(e.currentTarget.value)} data-testid="period-to" />
          </>
        )}
        <Select
          label="Queue"
          placeholder="All queues"
          clearable
          value={queueId}
          onChange={setQueueId}
          data={[{ value: "none", label: "No queue" }, ...[...knownQueues].map(([value, label]) => ({ value, label }))]}
          w={170}
          data-testid="filter-queue"
        />
        <Select
          label="Agent"
          placeholder="All agents"
          clearable
          searchable
          value={assigneeId}
          onChange={setAssigneeId}
          data={[{ value: "none", label: "Unassigned" }, ...(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))]}
          w={190}
          data-testid="filter-agent"
        />
        <Select
          label="Channel"
          placeholder="All channels"
          clearable
          value={channel}
          onChange={setChannel}
          data={ticketChannels.map((c) => ({ value: c, label: ticketChannelLabels[c] ?? c }))}
          w={160}
          data-testid="filter-channel"
        />
        <Select
          label="Priority"
          placeholder="All priorities"
          clearable
          value={priority}
          onChange={setPriority}
          data={ticketPriorities.map((p) => ({ value: p, label: ticketPriorityLabels[p] ?? p }))}
          w={150}
          data-testid="filter-priority"
        />
      </Group>

      {report.isPending ? (
        <Stack>
          <Skeleton h={110} radius="md" />
          <Skeleton h={300} radius="md" />
        </Stack>
      ) : report.isError ? (
        <Alert color="red" icon={<IconAlertCircle size={18} />} title="Could not load the service dashboard" data-testid="dashboard-error">
          {errorText(report.error)}
        </Alert>
      ) : !d || (d.created === 0 && d.solved === 0 && d.backlog.total === 0) ? (
        <EmptyHint
          icon={<IconHeadset size={28} />}
          title="No tickets here yet"
          description="Tickets arrive by email, the web form, the portal and the API, or come in with an import of past tickets. Once some are created or solved in this period, their response times, ratings and trends show here. Try a longer period or clear the filters."
        />
      ) : (
        <Dashboard d={d} />
      )}
    </Stack>
  );
}

function Dashboard({ d }: { d: ServiceDashboard }) {
  const channelsUsed = ticketChannels.filter((c) => d.daily.some((day) => (day.byChannel[c] ?? 0) > 0));
  const daily = d.daily.map((day) => ({
    date: day.date.slice(5),
    Created: day.created,
    Solved: day.solved,
    ...Object.fromEntries(channelsUsed.map((c) => [ticketChannelLabels[c] ?? c, day.byChannel[c] ?? 0])),
  }));
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3, lg: 6 }}>
        <Kpi label="Open now" value={formatNumber(d.backlog.total)} hint="Not yet solved, any age" testId="kpi-backlog" />
        <Kpi
          label="Created"
          value={formatNumber(d.created)}
          hint={`${formatNumber(d.awaitingFirstResponse)} still awaiting a first reply`}
          testId="kpi-created"
        />
        <Kpi label="Solved" value={formatNumber(d.solved)} testId="kpi-solved" />
        <Kpi
          label="First response (median)"
          value={time(d.firstResponse.medianSeconds)}
          hint={durationHint(d.firstResponse, "answered")}
          testId="kpi-first-response"
        />
        <Kpi label="Resolution (median)" value={time(d.resolution.medianSeconds)} hint={durationHint(d.resolution, "solved")} testId="kpi-resolution" />
        <Kpi
          label="CSAT"
          value={d.csat.average === null ? "—" : `${d.csat.average.toFixed(2)} / 5`}
          hint={d.csat.count ? `${formatNumber(d.csat.count)} ratings` : "No ratings in this period"}
          testId="kpi-csat"
        />
      </SimpleGrid>

      <Card withBorder radius="md" padding="md">
        <Title order={4} mb="sm">
          Created vs solved per day
        </Title>
        <LineChart
          h={260}
          data={daily}
          dataKey="date"
          series={[
            { name: "Created", color: "blue.6" },
            { name: "Solved", color: "teal.6" },
          ]}
          withLegend
          curveType="linear"
          data-testid="chart-created-solved"
        />
      </Card>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder radius="md" padding="md">
          <Title order={4} mb="sm">
            New tickets by channel
          </Title>
          {channelsUsed.length ? (
            <BarChart
              h={240}
              data={daily}
              dataKey="date"
              type="stacked"
              series={channelsUsed.map((c, i) => ({ name: ticketChannelLabels[c] ?? c, color: channelColors[i % channelColors.length] as string }))}
              withLegend
              data-testid="chart-channels"
            />
          ) : (
            <Text c="dimmed" fz="sm">
              No tickets were created in this period.
            </Text>
          )}
          <Table mt="sm" data-testid="table-channels">
            <Table.Tbody>
              {d.byChannel.map((c) => (
                <Table.Tr key={c.channel}>
                  <Table.Td>{c.label}</Table.Td>
                  <Table.Td ta="right">{formatNumber(c.count)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
        <Card withBorder radius="md" padding="md">
          <Title order={4} mb="sm">
            Open now by status
          </Title>
          {d.backlog.byStatus.length ? (
            <BarChart
              h={240}
              data={d.backlog.byStatus.map((s) => ({ status: s.label, Tickets: s.count }))}
              dataKey="status"
              series={[{ name: "Tickets", color: "orange.6" }]}
              data-testid="chart-backlog"
            />
          ) : (
            <Text c="dimmed" fz="sm">
              Nothing is waiting: every ticket is solved.
            </Text>
          )}
          <Table mt="sm" data-testid="table-backlog-queues">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Queue</Table.Th>
                <Table.Th ta="right">Open</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.backlog.byQueue.map((q) => (
                <Table.Tr key={q.id ?? "none"}>
                  <Table.Td>{q.name}</Table.Td>
                  <Table.Td ta="right">{formatNumber(q.count)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      </SimpleGrid>

      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Card withBorder radius="md" padding="md">
          <Title order={4} mb="sm">
            Satisfaction ratings
          </Title>
          {d.csat.count ? (
            <BarChart
              h={220}
              data={d.csat.distribution.map((r) => ({ rating: `${r.rating} ★`, Ratings: r.count }))}
              dataKey="rating"
              series={[{ name: "Ratings", color: "yellow.6" }]}
              data-testid="chart-csat"
            />
          ) : (
            <Text c="dimmed" fz="sm" data-testid="csat-empty">
              No ratings yet for tickets created in this period. Customers rate a ticket from the survey sent when it is solved.
            </Text>
          )}
        </Card>
        <Card withBorder radius="md" padding="md" data-testid="sla-card">
          <Title order={4} mb="sm">
            SLA attainment
          </Title>
          {d.sla === null || d.sla.metrics.length === 0 ? (
            <Text c="dimmed" fz="sm" data-testid="sla-empty">
              No service-level clocks for these tickets yet. Once an admin sets up service levels (Settings → Service levels), the share of first responses and
              resolutions on time shows here.
            </Text>
          ) : (
            <Table data-testid="table-sla">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Target</Table.Th>
                  <Table.Th ta="right">Met</Table.Th>
                  <Table.Th ta="right">Breached</Table.Th>
                  <Table.Th ta="right">Attainment</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {d.sla.metrics.map((m) => (
                  <Table.Tr key={m.metric}>
                    <Table.Td>{m.label}</Table.Td>
                    <Table.Td ta="right">{formatNumber(m.met)}</Table.Td>
                    <Table.Td ta="right">{formatNumber(m.breached)}</Table.Td>
                    <Table.Td ta="right">{m.attainment === null ? "—" : `${m.attainment}%`}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Card>
      </SimpleGrid>

      <GroupTable title="Per agent" first="Agent" rows={d.agents} testId="table-agents" />
      <GroupTable title="Per queue" first="Queue" rows={d.queues} testId="table-queues" />
    </Stack>
  );
}

function GroupTable({ title, first, rows, testId }: { title: string; first: string; rows: DashboardGroupRow[]; testId: string }) {
  return (
    <Card withBorder radius="md" padding="md">
      <Title order={4} mb="sm">
        {title}
      </Title>
      {rows.length === 0 ? (
        <Text c="dimmed" fz="sm">
          No tickets were created or solved in this period.
        </Text>
      ) : (
        <ScrollArea>
          <Table striped miw={760} data-testid={testId}>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{first}</Table.Th>
                <Table.Th ta="right">Created</Table.Th>
                <Table.Th ta="right">Solved</Table.Th>
                <Table.Th ta="right">First response median</Table.Th>
                <Table.Th ta="right">First response p90</Table.Th>
                <Table.Th ta="right">Resolution median</Table.Th>
                <Table.Th ta="right">Resolution p90</Table.Th>
                <Table.Th ta="right">CSAT</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.id ?? "none"}>
                  <Table.Td>{r.name}</Table.Td>
                  <Table.Td ta="right">{formatNumber(r.created)}</Table.Td>
                  <Table.Td ta="right">{formatNumber(r.solved)}</Table.Td>
                  <Table.Td ta="right">{time(r.firstResponse.medianSeconds)}</Table.Td>
                  <Table.Td ta="right">{time(r.firstResponse.p90Seconds)}</Table.Td>
                  <Table.Td ta="right">{time(r.resolution.medianSeconds)}</Table.Td>
                  <Table.Td ta="right">{time(r.resolution.p90Seconds)}</Table.Td>
                  <Table.Td ta="right">{r.csat.average === null ? "—" : `${r.csat.average.toFixed(2)} (${r.csat.count})`}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
      )}
    </Card>
  );
}
