import "react-grid-layout/css/styles.css";
import "react-resizable/css/styles.css";
import { ActionIcon, Alert, Anchor, Badge, Box, Button, Card, Group, List, Menu, Select, Skeleton, Stack, Text, Title, Tooltip } from "@mantine/core";
import { IconAlertCircle, IconDots, IconExternalLink, IconGripVertical, IconPencil, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type ReactNode, useState } from "react";
import ReactGridLayout, { type Layout, useContainerWidth } from "react-grid-layout";
import {
  type Dashboard,
  type DashboardFilters,
  type DashboardPeriod,
  dashboardPeriodLabels,
  dashboardPeriods,
  GRID_COLUMNS,
  type Widget,
} from "../../contract/dashboards.js";
import { pipelinesQuery } from "../deals/api.js";
import { ApiError } from "../http/client.js";
import { teamsQuery, usersQuery } from "../http/queries.js";
import { formatDateTime } from "../lib/dates.js";
import { notifyError } from "../lib/notify.js";
import { ReportChart } from "../reports/ReportChart.js";
import { dashboardApi, widgetInput, widgetQuery } from "./api.js";

const ROW_HEIGHT = 36;
const errorText = (e: unknown) =>
  e instanceof ApiError ? (e.problem.errors?.length ? e.problem.errors.map((x) => x.message).join("; ") : e.problem.detail || e.problem.title) : String(e);

// ---- filters ----

const FILTERS_KEY = (id: string) => `rapport:dashboard-filters:${id}`;

/** A dashboard's filters, kept for the browser session so going to a report and back keeps them. */
export function useDashboardFilters(id: string): [DashboardFilters, (f: DashboardFilters) => void] {
  const [filters, setFilters] = useState<DashboardFilters>(() => {
    try {
      return JSON.parse(sessionStorage.getItem(FILTERS_KEY(id)) ?? "{}") as DashboardFilters;
    } catch {
      return {};
    }
  });
  const set = (f: DashboardFilters) => {
    sessionStorage.setItem(FILTERS_KEY(id), JSON.stringify(f));
    setFilters(f);
  };
  return [filters, set];
}

export function DashboardFiltersBar({ value, onChange }: { value: DashboardFilters; onChange: (f: DashboardFilters) => void }) {
  const users = useQuery({ ...usersQuery, retry: false });
  const teams = useQuery({ ...teamsQuery, retry: false });
  const pipelines = useQuery({ ...pipelinesQuery, retry: false });
  const set = (patch: DashboardFilters) => onChange({ ...value, ...patch });
  return (
    <Group gap="sm" align="end" wrap="wrap" data-testid="dashboard-filters">
      <Select
        label="Period"
        placeholder="Any time"
        clearable
        w={180}
        data={dashboardPeriods.map((p) => ({ value: p, label: dashboardPeriodLabels[p] }))}
        value={value.period ?? null}
        onChange={(v) => set({ period: (v as DashboardPeriod | null) ?? null })}
        data-testid="filter-period"
      />
      <Select
        label="Owner"
        placeholder="Everyone"
        clearable
        searchable
        w={200}
        data={[{ value: "me", label: "Me" }, ...(users.data ?? []).map((u) => ({ value: u.id, label: u.name }))]}
        value={value.ownerId ?? null}
        onChange={(v) => set({ ownerId: v ?? null })}
        data-testid="filter-owner"
      />
      <Select
        label="Team"
        placeholder="All teams"
        clearable
        w={180}
        data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
        value={value.teamId ?? null}
        onChange={(v) => set({ teamId: v ?? null })}
        data-testid="filter-team"
      />
      <Select
        label="Pipeline"
        placeholder="All pipelines"
        clearable
        w={180}
        data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
        value={value.pipelineId ?? null}
        onChange={(v) => set({ pipelineId: v ?? null })}
        data-testid="filter-pipeline"
      />
      {Object.values(value).some(Boolean) && (
        <Button variant="subtle" onClick={() => onChange({})}>
          Clear filters
        </Button>
      )}
    </Group>
  );
}

/** The filters a widget takes: only those are in its query, so a change to another one leaves it be. */
function filtersFor(w: Extract<Widget, { kind: "report" }>, f: DashboardFilters): DashboardFilters {
  const out: DashboardFilters = {};
  if (w.applies.period && f.period) out.period = f.period;
  if (w.applies.owner && f.ownerId) out.ownerId = f.ownerId;
  if (w.applies.team && f.teamId) out.teamId = f.teamId;
  if (w.applies.pipeline && f.pipelineId) out.pipelineId = f.pipelineId;
  return out;
}

// ---- notes: light markdown, rendered as text (never HTML) ----

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  const re = /\*\*([^*]+)\*\*|\[([^\]]+)\]\((https?:\/\/[^)\s]+)\)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1]) out.push(<strong key={m.index}>{m[1]}</strong>);
    else
      out.push(
        <Anchor key={m.index} href={m[3]} target="_blank" rel="noopener noreferrer">
          {m[2]}
        </Anchor>,
      );
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function NoteText({ text }: { text: string }) {
  const blocks: ReactNode[] = [];
  let items: string[] = [];
  const flush = (key: number) => {
    if (items.length)
      blocks.push(
        <List key={`l${key}`} size="sm">
          {items.map((it, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a note's lines have no other identity
            <List.Item key={i}>{inline(it)}</List.Item>
          ))}
        </List>,
      );
    items = [];
  };
  for (const [i, line] of text.split("\n").entries()) {
    const heading = /^(#{1,3})\s+(.*)$/.exec(line);
    const item = /^\s*[-*]\s+(.*)$/.exec(line);
    if (item) {
      items.push(item[1] as string);
      continue;
    }
    flush(i);
    if (heading)
      blocks.push(
        <Title key={i} order={(heading[1]?.length ?? 1) + 3 > 6 ? 6 : (((heading[1]?.length ?? 1) + 3) as 4 | 5 | 6)}>
          {inline(heading[2] as string)}
        </Title>,
      );
    else if (line.trim())
      blocks.push(
        <Text key={i} fz="sm">
          {inline(line)}
        </Text>,
      );
  }
  flush(-1);
  return <Stack gap={4}>{blocks}</Stack>;
}

// ---- widgets ----

function WidgetFrame({
  title,
  testId,
  editable,
  menu,
  caption,
  children,
}: {
  title: string;
  testId: string;
  editable: boolean;
  menu?: ReactNode;
  caption?: ReactNode;
  children: ReactNode;
}) {
  return (
    <Card withBorder radius="md" padding="sm" h="100%" data-testid={testId} style={{ display: "flex", flexDirection: "column" }}>
      <Group justify="space-between" wrap="nowrap" gap={4} className={editable ? "widget-drag" : undefined} style={{ cursor: editable ? "move" : undefined }}>
        <Group gap={4} wrap="nowrap" style={{ minWidth: 0 }}>
          {editable && <IconGripVertical size={14} color="var(--mantine-color-dimmed)" />}
          <Text fw={600} fz="sm" truncate data-testid="widget-title">
            {title}
          </Text>
        </Group>
        {menu}
      </Group>
      {caption}
      <Box style={{ flex: 1, minHeight: 0, overflow: "auto" }} mt={4}>
        {children}
      </Box>
    </Card>
  );
}

function ReportWidget({
  dashboardId,
  widget,
  filters,
  editable,
  onRemove,
}: {
  dashboardId: string;
  widget: Extract<Widget, { kind: "report" }>;
  filters: DashboardFilters;
  editable: boolean;
  onRemove: () => void;
}) {
  const navigate = useNavigate();
  const title = widget.title || widget.report?.name || "Report";
  const own = filtersFor(widget, filters);
  const q = useQuery({ ...widgetQuery(dashboardId, widget.id, widget.reportId, own), enabled: widget.report !== null });
  const open = () => void navigate({ to: "/reports/$id", params: { id: widget.reportId } });
  const menu = (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" size="sm" aria-label={`${title}: actions`} data-testid="widget-menu" onMouseDown={(e) => e.stopPropagation()}>
          <IconDots size={16} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        {widget.report && (
          <Menu.Item leftSection={<IconExternalLink size={14} />} onClick={open}>
            Open in the report builder
          </Menu.Item>
        )}
        {editable && (
          <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={onRemove}>
            Remove from dashboard
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
  const applied = q.data?.applied ?? [];
  const caption = (
    <Group gap={4} mih={18}>
      {applied.map((a) => (
        <Badge key={a} size="xs" variant="light">
          {a}
        </Badge>
      ))}
      {q.data && (
        <Text fz={10} c="dimmed">
          {widget.applies.period && own.period && widget.dateLabel ? `by ${widget.dateLabel.toLowerCase()} · ` : ""}as of {formatDateTime(q.data.result.asOf)}
        </Text>
      )}
    </Group>
  );
  return (
    <WidgetFrame title={title} testId={`widget-${widget.id}`} editable={editable} menu={menu} caption={caption}>
      {widget.report === null ? (
        <Text fz="sm" c="dimmed">
          This widget's report was deleted or is not shared with you.
        </Text>
      ) : q.isPending ? (
        <Stack gap="xs" data-testid="widget-loading">
          <Skeleton h={18} />
          <Skeleton h={18} />
          <Skeleton h={18} />
        </Stack>
      ) : q.isError ? (
        <Group justify="space-between" data-testid="widget-error">
          <Text fz="sm" c="red">
            {errorText(q.error)}
          </Text>
          <Button size="xs" variant="light" onClick={() => void q.refetch()}>
            Try again
          </Button>
        </Group>
      ) : (
        <Box data-testid="widget-loaded" h="100%">
          <ReportChart result={q.data.result} visualization={widget.report.visualization} onDrill={() => open()} />
        </Box>
      )}
    </WidgetFrame>
  );
}

// ---- the grid ----

/**
 * A dashboard's widgets in a 12-column grid; an editor drags them by their title and resizes them by the corner,
 * and each move is saved. Every report widget runs its own request with the filters it takes.
 */
export function DashboardGrid({
  dashboard,
  filters,
  onEditNote,
}: {
  dashboard: Dashboard;
  filters: DashboardFilters;
  onEditNote?: (w: Extract<Widget, { kind: "note" }>) => void;
}) {
  const qc = useQueryClient();
  const { width, containerRef, mounted } = useContainerWidth();
  const editable = dashboard.mayEdit;
  // Widgets of a dashboard the viewer may not change are static: no drag, no resize handle.
  const layout: Layout = dashboard.widgets.map((w) => ({ i: w.id, ...w.layout, minW: 2, minH: 3, static: !editable }));

  const save = async (widgets: Dashboard["widgets"]) => {
    qc.setQueryData(["dashboards", dashboard.id], { ...dashboard, widgets });
    try {
      const out = await dashboardApi.update(dashboard.id, { widgets: widgets.map(widgetInput) });
      qc.setQueryData(["dashboards", dashboard.id], out);
    } catch (e) {
      notifyError(e, "Could not save the dashboard");
      await qc.invalidateQueries({ queryKey: ["dashboards", dashboard.id], exact: true });
    }
  };
  const placed = (next: Layout) => {
    const at = new Map(next.map((l) => [l.i, l]));
    const changed = dashboard.widgets.some((w) => {
      const l = at.get(w.id);
      return l && (l.x !== w.layout.x || l.y !== w.layout.y || l.w !== w.layout.w || l.h !== w.layout.h);
    });
    if (!changed) return;
    void save(
      dashboard.widgets.map((w) => {
        const l = at.get(w.id);
        return l ? { ...w, layout: { x: l.x, y: l.y, w: l.w, h: l.h } } : w;
      }),
    );
  };
  const remove = (id: string) => void save(dashboard.widgets.filter((w) => w.id !== id));

  return (
    <div ref={containerRef} data-testid="dashboard-grid">
      {mounted && (
        <ReactGridLayout
          layout={layout}
          width={width}
          gridConfig={{ cols: GRID_COLUMNS, rowHeight: ROW_HEIGHT, margin: [12, 12], containerPadding: [0, 0] }}
          dragConfig={{ enabled: editable, handle: ".widget-drag", cancel: "button" }}
          resizeConfig={{ enabled: editable, handles: ["se"] }}
          onDragStop={(l) => placed(l)}
          onResizeStop={(l) => placed(l)}
        >
          {dashboard.widgets.map((w) => (
            <div key={w.id} data-widget-id={w.id}>
              {w.kind === "report" ? (
                <ReportWidget dashboardId={dashboard.id} widget={w} filters={filters} editable={editable} onRemove={() => remove(w.id)} />
              ) : (
                <WidgetFrame
                  title={w.title || "Note"}
                  testId={`widget-${w.id}`}
                  editable={editable}
                  menu={
                    editable && (
                      <Group gap={2} wrap="nowrap">
                        <Tooltip label="Edit note">
                          <ActionIcon variant="subtle" size="sm" aria-label="Edit note" onClick={() => onEditNote?.(w)}>
                            <IconPencil size={14} />
                          </ActionIcon>
                        </Tooltip>
                        <Tooltip label="Remove from dashboard">
                          <ActionIcon variant="subtle" size="sm" color="red" aria-label="Remove note" onClick={() => remove(w.id)}>
                            <IconTrash size={14} />
                          </ActionIcon>
                        </Tooltip>
                      </Group>
                    )
                  }
                >
                  <NoteText text={w.text} />
                </WidgetFrame>
              )}
            </div>
          ))}
        </ReactGridLayout>
      )}
    </div>
  );
}

export function DashboardError({ error }: { error: unknown }) {
  return (
    <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not open this dashboard">
      {errorText(error)}
    </Alert>
  );
}
