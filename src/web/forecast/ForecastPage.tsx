import "@mantine/charts/styles.css";
import { BarChart, FunnelChart } from "@mantine/charts";
import {
  Alert,
  Badge,
  Button,
  Card,
  ColorSwatch,
  Group,
  Loader,
  Progress,
  ScrollArea,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Table,
  Text,
  Title,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconChartBar, IconTargetArrow } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { dealStatusLabels, type ForecastBacktest, type ForecastReport, type ForecastRow, labelOf, type PipelineReport } from "../../contract/index.js";
import { useMe } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { ApiError } from "../http/client.js";
import { teamsQuery } from "../http/queries.js";
import { formatMoney, formatNumber } from "../lib/format.js";
import { backtestQuery, type ForecastParams, forecastQuery, pipelineReportQuery, pipelinesListQuery } from "./api.js";
import { currentPeriod, type PeriodKind, periodLabel, periodOptions, periodRange, shiftPeriod } from "./periods.js";

const errorText = (e: unknown) => (e instanceof ApiError ? e.problem.detail || e.problem.title : "Could not load the forecast.");

/** Quota vs won / commit / best case per owner or team, my own attainment, and the pipeline report. */
export function ForecastPage() {
  useDocumentTitle("Forecast · Rapport");
  const me = useMe();
  const role = me.user.role;
  const leads = role === "admin" || role === "manager";
  const [kind, setKind] = useState<PeriodKind>("quarter");
  const [period, setPeriod] = useState(() => currentPeriod("quarter"));
  const [groupBy, setGroupBy] = useState<"owner" | "team">("owner");
  const [teamId, setTeamId] = useState<string | null>(null);
  const [pipelineId, setPipelineId] = useState<string | null>(null);

  const teams = useQuery({ ...teamsQuery, enabled: leads });
  const pipelines = useQuery(pipelinesListQuery);
  const myTeams = (teams.data ?? []).filter((t) => role === "admin" || t.memberIds.includes(me.user.id));

  const params: ForecastParams = { period, groupBy, teamId: teamId ?? undefined, pipelineId: pipelineId ?? undefined };
  const report = useQuery(forecastQuery(params));
  const mine = useQuery(forecastQuery({ period, groupBy: "owner", ownerId: "me", pipelineId: pipelineId ?? undefined }));

  const changeKind = (k: PeriodKind) => {
    setKind(k);
    setPeriod(currentPeriod(k));
  };

  return (
    <Stack gap="lg" maw={1200}>
      <Group justify="space-between" align="flex-end" gap="sm">
        <div>
          <Title order={2} fz={{ base: 22, sm: 26 }}>
            Forecast
          </Title>
          <Text c="dimmed" fz="sm" mt={4} maw={680}>
            What is won, what is committed and what could still close in {periodLabel(period)}, against quota.
            {report.data ? ` Commit means open deals in stages at ${report.data.commitThreshold}% or more.` : ""}
          </Text>
        </div>
        {leads && (
          <Button component={Link} to="/forecast/quotas" variant="light" leftSection={<IconTargetArrow size={16} />} data-testid="set-quotas">
            Set quotas
          </Button>
        )}
      </Group>

      <Group gap="sm" wrap="wrap" align="flex-end">
        <SegmentedControl
          value={kind}
          onChange={(v) => changeKind(v as PeriodKind)}
          data={[
            { value: "month", label: "Month" },
            { value: "quarter", label: "Quarter" },
          ]}
          data-testid="period-kind"
        />
        <Select
          aria-label="Period"
          data={periodOptions(kind)}
          value={period}
          onChange={(v) => v && setPeriod(v)}
          allowDeselect={false}
          w={140}
          data-testid="period-picker"
        />
        <Select
          aria-label="Pipeline"
          placeholder="All pipelines"
          data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
          value={pipelineId}
          onChange={setPipelineId}
          clearable
          w={180}
          data-testid="pipeline-filter"
        />
        {leads && (
          <>
            <Select
              aria-label="Team"
              placeholder={role === "admin" ? "All teams" : "My teams"}
              data={myTeams.map((t) => ({ value: t.id, label: t.name }))}
              value={teamId}
              onChange={setTeamId}
              clearable
              w={160}
              data-testid="team-filter"
            />
            <SegmentedControl
              value={groupBy}
              onChange={(v) => setGroupBy(v as "owner" | "team")}
              data={[
                { value: "owner", label: "By person" },
                { value: "team", label: "By team" },
              ]}
              data-testid="group-by"
            />
          </>
        )}
      </Group>

      <MyAttainment report={mine.data} loading={mine.isPending} error={mine.error} />

      {report.isPending ? (
        <Stack gap="sm">
          <Skeleton h={280} radius="md" />
          <Skeleton h={160} radius="md" />
        </Stack>
      ) : report.isError ? (
        <Alert color="red" icon={<IconAlertCircle size={18} />} title="Could not load the forecast" data-testid="forecast-error">
          {errorText(report.error)}
          <Button size="xs" variant="light" color="red" ml="sm" onClick={() => void report.refetch()}>
            Try again
          </Button>
        </Alert>
      ) : (
        <ForecastBody report={report.data} leads={leads} />
      )}

      <PipelineSection pipelineId={pipelineId ?? undefined} period={period} />

      <BacktestSection pipelineId={pipelineId ?? undefined} period={period} />
    </Stack>
  );
}

function MyAttainment({ report, loading, error }: { report: ForecastReport | undefined; loading: boolean; error: Error | null }) {
  const me = useMe();
  if (loading) return <Skeleton h={110} radius="md" />;
  if (error || !report) return null;
  const row = report.rows.find((r) => r.id === me.user.id);
  const c = report.currency;
  const quota = row?.quota ? Number(row.quota) : null;
  const won = Number(row?.won ?? 0);
  const pct = quota ? Math.min(100, (won / quota) * 100) : 0;
  const commitPct = quota ? Math.min(100 - pct, (Number(row?.commit ?? 0) / quota) * 100) : 0;
  return (
    <Card withBorder radius="md" padding="md" data-testid="my-attainment">
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <div>
          <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
            Your {periodLabel(report.period)}
          </Text>
          <Group gap="xs" align="baseline">
            <Text fz={28} fw={700} data-testid="my-won">
              {formatMoney(won, c)}
            </Text>
            <Text c="dimmed">won{quota !== null ? ` of ${formatMoney(quota, c)}` : ""}</Text>
          </Group>
        </div>
        {row?.attainment !== null && row?.attainment !== undefined ? (
          <Badge size="xl" variant="light" color={row.attainment >= 100 ? "teal" : row.attainment >= 70 ? "blue" : "orange"} data-testid="my-attainment-pct">
            {row.attainment}%
          </Badge>
        ) : (
          <Text fz="sm" c="dimmed" maw={300} data-testid="my-no-quota">
            No quota for this period yet — your manager or an admin sets it under Forecast → Set quotas.
          </Text>
        )}
      </Group>
      {quota !== null && (
        <Progress.Root size="lg" mt="sm" aria-label="Attainment">
          <Progress.Section value={pct} color="teal" />
          <Progress.Section value={commitPct} color="blue.3" />
        </Progress.Root>
      )}
      <Group gap="lg" mt="sm" fz="sm">
        <Text fz="sm">
          Commit <b>{formatMoney(row?.commit ?? 0, c)}</b>
        </Text>
        <Text fz="sm">
          Best case <b>{formatMoney(row?.bestCase ?? 0, c)}</b>
        </Text>
        <Text fz="sm">
          Weighted <b>{formatMoney(row?.weighted ?? 0, c)}</b>
        </Text>
        {row?.gap !== null && row?.gap !== undefined && (
          <Text fz="sm">
            {Number(row.gap) > 0 ? "Gap to quota" : "Above quota by"} <b>{formatMoney(Math.abs(Number(row.gap)), c)}</b>
          </Text>
        )}
      </Group>
    </Card>
  );
}

function ForecastBody({ report, leads }: { report: ForecastReport; leads: boolean }) {
  const c = report.currency;
  const anyQuota = report.rows.some((r) => r.quota !== null);
  if (report.rows.length === 0) {
    return (
      <EmptyHint
        icon={<IconChartBar size={28} />}
        title={`Nothing closes in ${periodLabel(report.period)}`}
        description="The forecast counts deals won in the period and open deals whose expected close date falls in it. Give your open deals an expected close date on the deal page or the board, or pick another period."
      />
    );
  }
  const chart = report.rows.map((r) => ({
    name: r.name,
    Quota: r.quota === null ? 0 : Number(r.quota),
    Won: Number(r.won),
    Commit: Number(r.commit),
    "Best case": Number(r.bestCase),
  }));
  return (
    <Stack gap="md">
      {!anyQuota && (
        <Alert color="blue" variant="light" icon={<IconTargetArrow size={18} />} title="No quotas yet" data-testid="no-quotas">
          {leads ? (
            <>
              Set a quota per person or team for each month or quarter to see attainment and the gap to target. <Link to="/forecast/quotas">Set quotas</Link>
            </>
          ) : (
            "Attainment appears here once your manager or an admin sets quotas for this period."
          )}
        </Alert>
      )}
      <Card withBorder radius="md" padding="md">
        <Text fw={600} mb="sm">
          Quota vs won, commit and best case
        </Text>
        <BarChart
          h={300}
          data={chart}
          dataKey="name"
          series={[
            { name: "Quota", color: "gray.5" },
            { name: "Won", color: "teal.6" },
            { name: "Commit", color: "blue.6" },
            { name: "Best case", color: "indigo.3" },
          ]}
          withLegend
          valueFormatter={(v) => formatMoney(v, c)}
          data-testid="forecast-chart"
        />
      </Card>
      <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
        <Table striped highlightOnHover miw={760} data-testid="forecast-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{report.groupBy === "team" ? "Team" : "Owner"}</Table.Th>
              <Table.Th ta="right">Quota</Table.Th>
              <Table.Th ta="right">Won</Table.Th>
              <Table.Th ta="right">Attainment</Table.Th>
              <Table.Th ta="right">Commit</Table.Th>
              <Table.Th ta="right">Best case</Table.Th>
              <Table.Th ta="right">Weighted</Table.Th>
              <Table.Th ta="right">Gap</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.rows.map((r) => (
              <NumbersRow key={r.id ?? "none"} row={r} currency={c} />
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <NumbersRow row={{ ...report.totals, id: null, name: "Total" }} currency={c} bold />
          </Table.Tfoot>
        </Table>
      </ScrollArea>
      {report.otherCurrencies.length > 0 && (
        <Text fz="xs" c="dimmed">
          Not included (other currencies):{" "}
          {report.otherCurrencies
            .map((o) => `${formatMoney(o.won, o.currency)} won, ${formatMoney(o.bestCase, o.currency)} open (${o.deals} deals)`)
            .join(" · ")}
        </Text>
      )}
    </Stack>
  );
}

function NumbersRow({ row, currency, bold }: { row: ForecastRow; currency: string; bold?: boolean }) {
  const m = (v: string | null) => (v === null ? "—" : formatMoney(v, currency));
  return (
    <>
      <Table.Tr fw={bold || row.members ? 700 : undefined} data-testid={bold ? "forecast-total" : "forecast-row"}>
        <Table.Td>
          {row.name}
          {row.members?.length === 0 && (
            <Text fz="xs" c="dimmed">
              No members yet
            </Text>
          )}
        </Table.Td>
        <Table.Td ta="right">{m(row.quota)}</Table.Td>
        <Table.Td ta="right">{m(row.won)}</Table.Td>
        <Table.Td ta="right">{row.attainment === null ? "—" : `${row.attainment}%`}</Table.Td>
        <Table.Td ta="right">{m(row.commit)}</Table.Td>
        <Table.Td ta="right">{m(row.bestCase)}</Table.Td>
        <Table.Td ta="right">{m(row.weighted)}</Table.Td>
        <Table.Td ta="right" c={row.gap !== null && Number(row.gap) <= 0 ? "teal" : undefined}>
          {m(row.gap)}
        </Table.Td>
      </Table.Tr>
      {/* The team rollup lists each member's own figures beneath the team's. */}
      {row.members?.map((x) => (
        <Table.Tr key={x.id} c="dimmed" fz="sm" data-testid="forecast-member-row">
          <Table.Td pl="lg">{x.name}</Table.Td>
          <Table.Td ta="right">{m(x.quota)}</Table.Td>
          <Table.Td ta="right">{m(x.won)}</Table.Td>
          <Table.Td ta="right">{x.attainment === null ? "—" : `${x.attainment}%`}</Table.Td>
          <Table.Td ta="right">{m(x.commit)}</Table.Td>
          <Table.Td ta="right">{m(x.bestCase)}</Table.Td>
          <Table.Td ta="right">{m(x.weighted)}</Table.Td>
          <Table.Td ta="right">{m(x.gap)}</Table.Td>
        </Table.Tr>
      ))}
    </>
  );
}

const stageColors = ["blue.3", "blue.4", "blue.5", "blue.6", "blue.7", "indigo.6", "indigo.7", "violet.6"];

function PipelineSection({ pipelineId, period }: { pipelineId: string | undefined; period: string }) {
  const { from, to } = periodRange(period);
  const report = useQuery(pipelineReportQuery(pipelineId, from, to));
  return (
    <Stack gap="sm">
      <Title order={3} fz="lg">
        Pipeline
      </Title>
      {report.isPending ? (
        <Group gap="xs">
          <Loader size="sm" />
          <Text c="dimmed" fz="sm">
            Loading the pipeline report…
          </Text>
        </Group>
      ) : report.isError ? (
        report.error instanceof ApiError && report.error.code === "not_found" ? (
          <EmptyHint
            icon={<IconChartBar size={28} />}
            title="No pipeline yet"
            description="Create a pipeline with its stages under Deals; this report then shows the deals, amounts and conversion of each stage."
          />
        ) : (
          <Alert color="red" icon={<IconAlertCircle size={18} />} title="Could not load the pipeline report">
            {errorText(report.error)}
          </Alert>
        )
      ) : (
        <PipelineBody report={report.data} period={period} />
      )}
    </Stack>
  );
}

function PipelineBody({ report, period }: { report: PipelineReport; period: string }) {
  const open = report.stages.filter((s) => s.type === "open");
  const currency = report.stages.flatMap((s) => s.totals)[0]?.currency ?? "USD";
  const amountIn = (s: PipelineReport["stages"][number], key: "amount" | "weighted") => Number(s.totals.find((t) => t.currency === currency)?.[key] ?? 0);
  if (report.stages.every((s) => s.count === 0 && s.entered === 0)) {
    return (
      <EmptyHint
        icon={<IconChartBar size={28} />}
        title={`No deals in ${report.pipelineName} yet`}
        description="Add deals to this pipeline and move them through its stages; each stage's count, amount, conversion and time in stage appear here."
      />
    );
  }
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <Card withBorder radius="md" padding="md">
        <Text fw={600} mb="sm">
          Open deals per stage · {report.pipelineName}
        </Text>
        {open.some((s) => s.count > 0) ? (
          <FunnelChart
            h={260}
            size={220}
            data={open.map((s, i) => ({ name: s.name, value: s.count, color: stageColors[i % stageColors.length] as string }))}
            withLabels
            labelsPosition="right"
            data-testid="pipeline-funnel"
          />
        ) : null}
        {open.some((s) => s.count > 0) ? (
          // The funnel's own labels are the counts: the legend names each stage, so no band is a bare number.
          <Group gap="sm" mt="xs" data-testid="pipeline-funnel-legend">
            {open.map((s, i) => (
              <Group key={s.stageId} gap={6} wrap="nowrap">
                <ColorSwatch color={`var(--mantine-color-${(stageColors[i % stageColors.length] as string).replace(".", "-")})`} size={12} />
                <Text fz="sm">
                  {s.name}: {formatNumber(s.count)}
                </Text>
              </Group>
            ))}
          </Group>
        ) : (
          <Text c="dimmed" fz="sm">
            No open deals right now.
          </Text>
        )}
      </Card>
      <Card withBorder radius="md" padding="md">
        <Text fw={600} mb="sm">
          Amount and weighted amount ({currency})
        </Text>
        <BarChart
          h={260}
          data={report.stages.map((s) => ({ stage: s.name, Amount: amountIn(s, "amount"), Weighted: amountIn(s, "weighted") }))}
          dataKey="stage"
          series={[
            { name: "Amount", color: "blue.6" },
            { name: "Weighted", color: "teal.5" },
          ]}
          valueFormatter={(v) => formatMoney(v, currency)}
          withLegend
          data-testid="pipeline-bars"
        />
      </Card>
      <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }} style={{ gridColumn: "1 / -1" }}>
        <Table striped miw={720} data-testid="pipeline-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Stage</Table.Th>
              <Table.Th ta="right">Probability</Table.Th>
              <Table.Th ta="right">Deals</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
              <Table.Th ta="right">Weighted</Table.Th>
              <Table.Th ta="right">Entered</Table.Th>
              <Table.Th ta="right">Conversion</Table.Th>
              <Table.Th ta="right">Avg days in stage</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {report.stages.map((s) => (
              <Table.Tr key={s.stageId}>
                <Table.Td>
                  {s.name}{" "}
                  {s.type !== "open" && (
                    <Badge size="xs" variant="light" color={s.type === "won" ? "teal" : "red"}>
                      {labelOf(dealStatusLabels, s.type)}
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td ta="right">{s.probability}%</Table.Td>
                <Table.Td ta="right">{s.count}</Table.Td>
                <Table.Td ta="right">{s.totals.map((t) => formatMoney(t.amount, t.currency)).join(" + ") || "—"}</Table.Td>
                <Table.Td ta="right">{s.totals.map((t) => formatMoney(t.weighted, t.currency)).join(" + ") || "—"}</Table.Td>
                <Table.Td ta="right">{s.entered}</Table.Td>
                <Table.Td ta="right">{s.conversionRate === null ? "—" : `${s.conversionRate}%`}</Table.Td>
                <Table.Td ta="right">{s.avgDaysInStage === null ? "—" : s.avgDaysInStage}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text fz="xs" c="dimmed" mt={4}>
          Open stages show every open deal now. Won and lost stages count deals closed in {periodLabel(period)}; conversion and time in stage come from stage
          changes made in it.
        </Text>
      </ScrollArea>
    </SimpleGrid>
  );
}

/**
 * The four periods before the selected one: what the stage-weighted forecast said at each start against what was
 * won, so users learn how far to trust it.
 */
function BacktestSection({ pipelineId, period }: { pipelineId: string | undefined; period: string }) {
  const from = shiftPeriod(period, -4);
  const to = shiftPeriod(period, -1);
  const backtest = useQuery(backtestQuery({ from, to, pipelineId }));
  return (
    <Stack gap="sm" data-testid="forecast-backtest">
      <div>
        <Title order={3} fz="lg">
          How good was the forecast?
        </Title>
        <Text c="dimmed" fz="sm" mt={4} maw={760}>
          For {periodLabel(from)} to {periodLabel(to)}: what the stage-weighted forecast said at the start of each period (the deals open then, each at the
          probability of the stage it was in then) against what was actually won. The win-probability forecast is not back-tested yet: its scores are today's.
        </Text>
      </div>
      {backtest.isPending ? (
        <Skeleton h={220} radius="md" />
      ) : backtest.isError ? (
        <Alert color="red" icon={<IconAlertCircle size={18} />} title="Could not load the backtest">
          {errorText(backtest.error)}
        </Alert>
      ) : (
        <BacktestBody backtest={backtest.data} />
      )}
    </Stack>
  );
}

function BacktestBody({ backtest }: { backtest: ForecastBacktest }) {
  const c = backtest.currency;
  if (backtest.rows.every((r) => r.openCount === 0 && r.wonCount === 0)) {
    return (
      <EmptyHint
        icon={<IconChartBar size={28} />}
        title="No history to compare yet"
        description="Once deals have been open at the start of a past period, or won in one, this compares what the forecast said with what was won."
      />
    );
  }
  const chart = backtest.rows.map((r) => ({ name: periodLabel(r.period), "Stage-weighted forecast": Number(r.weighted), Won: Number(r.won) }));
  return (
    <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
      <Card withBorder radius="md" padding="md">
        <Text fw={600} mb="sm">
          Forecast at the start vs won
        </Text>
        <BarChart
          h={240}
          data={chart}
          dataKey="name"
          series={[
            { name: "Stage-weighted forecast", color: "blue.5" },
            { name: "Won", color: "teal.6" },
          ]}
          withLegend
          valueFormatter={(v) => formatMoney(v, c)}
          data-testid="backtest-chart"
        />
      </Card>
      <Card withBorder radius="md" padding="md">
        <ScrollArea type="auto" viewportProps={{ tabIndex: 0 }}>
          <Table striped miw={460} data-testid="backtest-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Period</Table.Th>
                <Table.Th ta="right">Open at start</Table.Th>
                <Table.Th ta="right">Forecast</Table.Th>
                <Table.Th ta="right">Won</Table.Th>
                <Table.Th ta="right">Error</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {backtest.rows.map((r) => (
                <Table.Tr key={r.period}>
                  <Table.Td>{periodLabel(r.period)}</Table.Td>
                  <Table.Td ta="right">
                    {formatNumber(r.openCount)} · {formatMoney(r.pipeline, c)}
                  </Table.Td>
                  <Table.Td ta="right">{formatMoney(r.weighted, c)}</Table.Td>
                  <Table.Td ta="right">{formatMoney(r.won, c)}</Table.Td>
                  <Table.Td ta="right" c={r.errorPercent === null ? undefined : Math.abs(r.errorPercent) <= 10 ? "teal" : "orange"}>
                    {Number(r.error) > 0 ? "+" : ""}
                    {formatMoney(r.error, c)}
                    {r.errorPercent === null ? "" : ` (${r.errorPercent > 0 ? "+" : ""}${r.errorPercent}%)`}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </ScrollArea>
        <Text fz="xs" c="dimmed" mt="xs">
          {backtest.meanAbsolutePercentError === null
            ? "Nothing was won in these periods, so there is no error to average."
            : `On average the forecast was off by ${backtest.meanAbsolutePercentError}% of what was won. A positive error means it said more than was won.`}
        </Text>
      </Card>
    </SimpleGrid>
  );
}
