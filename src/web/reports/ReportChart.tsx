import "@mantine/charts/styles.css";
import { AreaChart, BarChart, DonutChart, FunnelChart, LineChart, PieChart } from "@mantine/charts";
import { Badge, Group, ScrollArea, Stack, Table, Text, UnstyledButton } from "@mantine/core";
import type { ReportResult, ReportRow, Visualization } from "../../contract/reports.js";
import { formatMoney, formatNumber } from "../lib/format.js";

const colors = ["blue.6", "teal.6", "grape.6", "orange.6", "cyan.6", "pink.6", "lime.7", "indigo.6", "red.6", "yellow.7", "gray.6"];

interface Props {
  result: ReportResult;
  visualization: Visualization;
  /** A bar, slice, point or cell was clicked: the keys of the group (fewer for a whole outer group). */
  onDrill: (keys: (string | null)[], label: string) => void;
}

/** How a measure's value reads: amounts in the row's currency, percentages with a sign, counts grouped. */
export function formatValue(result: ReportResult, row: ReportRow, measure: number): string {
  const col = result.columns.filter((c) => c.kind === "measure")[measure];
  const v = row.values[measure];
  if (v === null || v === undefined) return "—";
  if (col?.format === "percent") return `${formatNumber(Math.round(v * 10) / 10)} %`;
  if (col?.format === "money") {
    const cur = result.columns.findIndex((c) => c.kind === "currency");
    return formatMoney(v, cur >= 0 ? (row.labels[cur] ?? "USD") : "USD");
  }
  return formatNumber(Math.round(v * 100) / 100);
}

/** The group columns that are not the currency, by index into a row's keys. */
const groupIndexes = (r: ReportResult) => r.columns.flatMap((c, i) => (c.kind === "group" ? [i] : []));
const currencyIndex = (r: ReportResult) => r.columns.findIndex((c) => c.kind === "currency");

/** A row's name on a chart's axis: its first group's label, with the currency when there are several. */
function rowName(r: ReportResult, row: ReportRow, groups: number[]): string {
  const cur = currencyIndex(r);
  const currencies = cur >= 0 ? new Set(r.rows.map((x) => x.labels[cur])).size : 1;
  const base = groups.length ? (row.labels[groups[0] as number] ?? "") : "Total";
  return cur >= 0 && currencies > 1 ? `${base} (${row.labels[cur]})` : base;
}

export function ReportChart({ result, visualization, onDrill }: Props) {
  const groups = groupIndexes(result);
  const measures = result.columns.filter((c) => c.kind === "measure");
  const keysOf = (row: ReportRow) => row.keys;

  if (result.rows.length === 0)
    return (
      <Text c="dimmed" ta="center" py="xl" data-testid="report-empty">
        No records match this report. Widen the filter or pick another object.
      </Text>
    );

  if (visualization === "number") {
    return (
      <Stack gap={4} align="center" py="lg" data-testid="report-number">
        {result.rows.map((row) => (
          <Text key={row.keys.join("|")} fz={42} fw={700}>
            {formatValue(result, row, 0)}
          </Text>
        ))}
        <Text c="dimmed">{measures[0]?.label}</Text>
        {result.comparison && (
          <Badge color={(result.comparison.change ?? 0) >= 0 ? "teal" : "red"} variant="light" size="lg" data-testid="report-change">
            {result.comparison.change === null
              ? `${result.comparison.label}: ${formatNumber(result.comparison.previous)}`
              : `${result.comparison.change >= 0 ? "+" : ""}${formatNumber(Math.round(result.comparison.change * 10) / 10)} % ${result.comparison.label}`}
          </Badge>
        )}
      </Stack>
    );
  }

  if (visualization === "table" || visualization === "pivot") {
    if (visualization === "pivot" && groups.length === 2) return <Pivot result={result} onDrill={onDrill} />;
    return (
      <ScrollArea>
        <Table striped highlightOnHover data-testid="report-table">
          <Table.Thead>
            <Table.Tr>
              {result.columns.map((c) => (
                <Table.Th key={c.key} style={c.kind === "measure" ? { textAlign: "right" } : undefined}>
                  {c.label}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.rows.map((row) => (
              <Table.Tr key={row.keys.join("|")}>
                {row.labels.map((l, i) => (
                  <Table.Td key={result.columns[i]?.key}>{l}</Table.Td>
                ))}
                {row.values.map((_, m) => (
                  <Table.Td key={measures[m]?.key} style={{ textAlign: "right" }}>
                    <UnstyledButton onClick={() => onDrill(keysOf(row), row.labels.join(" · "))} data-testid="report-cell" c="blue.7">
                      {formatValue(result, row, m)}
                    </UnstyledButton>
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
    );
  }

  const valueFormatter = (v: number) => formatNumber(Math.round(v * 100) / 100);

  if (visualization === "pie" || visualization === "donut" || visualization === "funnel") {
    const data = result.rows.map((row, i) => ({ name: rowName(result, row, groups), value: row.values[0] ?? 0, color: colors[i % colors.length] as string }));
    const drillAt = (i: number) => {
      const row = result.rows[i];
      if (row) onDrill(keysOf(row), data[i]?.name ?? "");
    };
    if (visualization === "funnel")
      return (
        <FunnelChart
          data={data}
          withLabels
          withTooltip
          valueFormatter={valueFormatter}
          funnelProps={{ onClick: (_: unknown, i: number) => drillAt(i) } as never}
          size={300}
          data-testid="report-chart"
        />
      );
    const Chart = visualization === "pie" ? PieChart : DonutChart;
    return (
      <Group justify="center" data-testid="report-chart">
        <Chart
          data={data}
          withLabels
          withLabelsLine
          withTooltip
          labelsType="percent"
          size={260}
          valueFormatter={valueFormatter}
          cellProps={(cell: { name: string }) => ({ onClick: () => drillAt(data.findIndex((d) => d.name === cell.name)), style: { cursor: "pointer" } })}
        />
      </Group>
    );
  }

  // Bars, lines and areas: one series per measure, or with two groups one series per value of the second group.
  const two = groups.length === 2;
  let data: Record<string, string | number>[];
  let series: { name: string; color: string; yAxisId?: string }[];
  const rowsByName = new Map<string, ReportRow[]>();
  if (two) {
    const g0 = groups[0] as number;
    const g1 = groups[1] as number;
    const seriesNames = [...new Set(result.rows.map((r) => r.labels[g1] as string))];
    const byX = new Map<string, Record<string, string | number>>();
    for (const row of result.rows) {
      const x = rowName(result, { ...row, labels: row.labels.map((l, i) => (i === g0 ? l : (row.labels[i] ?? ""))) }, [g0]);
      const point = byX.get(x) ?? { name: x };
      point[row.labels[g1] as string] = row.values[0] ?? 0;
      byX.set(x, point);
      rowsByName.set(`${x}|${row.labels[g1]}`, [row]);
    }
    data = [...byX.values()];
    series = seriesNames.map((name, i) => ({ name, color: colors[i % colors.length] as string }));
  } else {
    data = result.rows.map((row) => {
      const name = rowName(result, row, groups);
      rowsByName.set(name, [row]);
      return { name, ...Object.fromEntries(measures.map((m, i) => [m.label, row.values[i] ?? 0])) };
    });
    series = measures.slice(0, 2).map((m, i) => ({ name: m.label, color: colors[i] as string, ...(i === 1 ? { yAxisId: "right" } : {}) }));
  }
  const drillPoint = (name: string, seriesName: string) => {
    const row = (two ? rowsByName.get(`${name}|${seriesName}`) : rowsByName.get(name))?.[0];
    if (!row) return;
    onDrill(keysOf(row), two ? `${name} · ${seriesName}` : name);
  };
  const secondAxis = !two && series.length > 1;
  // Counts of 3 or 4 records read badly as ticks of 0.5: whole numbers get whole ticks.
  const whole = (name: string) => data.every((d) => Number.isInteger(d[name] ?? 0));
  const common = {
    yAxisProps: { allowDecimals: !series.filter((s) => !s.yAxisId).every((s) => whole(s.name)) },
    rightYAxisProps: { allowDecimals: !series.filter((s) => s.yAxisId).every((s) => whole(s.name)) },
    h: 320,
    data,
    dataKey: "name",
    series,
    withLegend: series.length > 1,
    valueFormatter,
    withRightYAxis: secondAxis,
    tickLine: "y" as const,
  };
  if (visualization === "line" || visualization === "area") {
    const Chart = visualization === "line" ? LineChart : AreaChart;
    return (
      <div data-testid="report-chart">
        <Chart
          {...common}
          {...{
            [visualization === "line" ? "lineChartProps" : "areaChartProps"]: {
              // A click on the chart drills into the point under the pointer (of the first series).
              onClick: (state: { activeLabel?: string | number } | null) => {
                if (state?.activeLabel !== undefined) drillPoint(String(state.activeLabel), series[0]?.name ?? "");
              },
              style: { cursor: "pointer" },
            },
          }}
        />
      </div>
    );
  }
  return (
    <div data-testid="report-chart">
      <BarChart
        {...common}
        type={visualization === "barStacked" ? "stacked" : "default"}
        orientation={visualization === "barHorizontal" ? "vertical" : "horizontal"}
        barProps={(s) => ({
          onClick: (d: { payload?: { name?: string } }) => drillPoint(String(d.payload?.name ?? ""), s.name),
          style: { cursor: "pointer" },
        })}
      />
    </div>
  );
}

/** Two groups as a cross table: the first down, the second across, the first measure in the cells. */
function Pivot({ result, onDrill }: { result: ReportResult; onDrill: Props["onDrill"] }) {
  const [g0, g1] = groupIndexes(result) as [number, number];
  const cur = currencyIndex(result);
  const rowKey = (r: ReportRow) => `${r.keys[g0]}|${cur >= 0 ? r.keys[cur] : ""}`;
  const down = [...new Map(result.rows.map((r) => [rowKey(r), r])).values()];
  const across = [...new Map(result.rows.map((r) => [r.keys[g1], r.labels[g1]])).entries()];
  const cell = new Map(result.rows.map((r) => [`${rowKey(r)}#${r.keys[g1]}`, r]));
  return (
    <ScrollArea>
      <Table withColumnBorders data-testid="report-pivot">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{result.columns[g0]?.label}</Table.Th>
            {cur >= 0 && <Table.Th>Currency</Table.Th>}
            {across.map(([k, label]) => (
              <Table.Th key={String(k)} style={{ textAlign: "right" }}>
                {label}
              </Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {down.map((r) => (
            <Table.Tr key={rowKey(r)}>
              <Table.Td>
                <UnstyledButton onClick={() => onDrill([r.keys[g0] ?? null], r.labels[g0] ?? "")}>{r.labels[g0]}</UnstyledButton>
              </Table.Td>
              {cur >= 0 && <Table.Td>{r.labels[cur]}</Table.Td>}
              {across.map(([k]) => {
                const c = cell.get(`${rowKey(r)}#${k}`);
                return (
                  <Table.Td key={String(k)} style={{ textAlign: "right" }}>
                    {c ? (
                      <UnstyledButton c="blue.7" onClick={() => onDrill(c.keys, c.labels.join(" · "))} data-testid="report-cell">
                        {formatValue(result, c, 0)}
                      </UnstyledButton>
                    ) : (
                      "—"
                    )}
                  </Table.Td>
                );
              })}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </ScrollArea>
  );
}
