import { Badge, Button, Group, Loader, Menu, Modal, Select, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconChartBar, IconCopy, IconHome, IconNote, IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useState } from "react";
import type { Dashboard, Widget, WidgetInput } from "../../contract/dashboards.js";
import { type ReportVisibility, reportVisibilityLabels } from "../../contract/reports.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { reportsQuery } from "../reports/api.js";
import { dashboardApi, dashboardQuery, homeDashboardQuery, widgetInput } from "./api.js";
import { DashboardError, DashboardFiltersBar, DashboardGrid, useDashboardFilters } from "./DashboardView.js";

const bottomOf = (d: Dashboard) => d.widgets.reduce((y, w) => Math.max(y, w.layout.y + w.layout.h), 0);
const newKey = () => Math.random().toString(36).slice(2, 12);

export function DashboardPage() {
  const { id } = useParams({ strict: false }) as { id: string };
  const q = useQuery(dashboardQuery(id));
  if (q.isPending) return <Loader m="xl" />;
  if (q.isError) return <DashboardError error={q.error} />;
  return <DashboardScreen key={id} dashboard={q.data} />;
}

function DashboardScreen({ dashboard }: { dashboard: Dashboard }) {
  useDocumentTitle(`${dashboard.name} · Rapport`);
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [filters, setFilters] = useDashboardFilters(dashboard.id);
  const [adding, setAdding] = useState<"report" | "note" | null>(null);
  const [editingNote, setEditingNote] = useState<Extract<Widget, { kind: "note" }> | null>(null);
  const home = useQuery(homeDashboardQuery);
  const isHome = home.data?.dashboardId === dashboard.id;

  const saveWidgets = async (widgets: WidgetInput[]) => {
    try {
      qc.setQueryData(["dashboards", dashboard.id], await dashboardApi.update(dashboard.id, { widgets }));
    } catch (e) {
      notifyError(e, "Could not save the dashboard");
    }
  };
  const patch = async (body: { visibility?: ReportVisibility; name?: string }) => {
    try {
      qc.setQueryData(["dashboards", dashboard.id], await dashboardApi.update(dashboard.id, body));
      await qc.invalidateQueries({ queryKey: ["dashboards"], exact: true });
    } catch (e) {
      notifyError(e);
    }
  };
  const duplicate = async () => {
    try {
      const copy = await dashboardApi.duplicate(dashboard.id);
      await qc.invalidateQueries({ queryKey: ["dashboards"], exact: true });
      notifySuccess(`"${copy.name}" is yours to change.`, "Dashboard duplicated");
      await navigate({ to: "/dashboards/$id", params: { id: copy.id } });
    } catch (e) {
      notifyError(e);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the dashboard "${dashboard.name}"? Its reports stay.`)) return;
    try {
      await dashboardApi.remove(dashboard.id);
      await qc.invalidateQueries({ queryKey: ["dashboards"], exact: true });
      await navigate({ to: "/dashboards" });
    } catch (e) {
      notifyError(e);
    }
  };
  const toggleHome = async () => {
    try {
      qc.setQueryData(homeDashboardQuery.queryKey, await dashboardApi.setHome(isHome ? null : dashboard.id));
      notifySuccess(isHome ? "Your home page shows no dashboard." : `Your home page shows "${dashboard.name}" below My day.`);
    } catch (e) {
      notifyError(e);
    }
  };

  return (
    <Stack gap="md" data-testid="dashboard-page">
      <Group justify="space-between" wrap="wrap" align="start">
        <Stack gap={2}>
          <Group gap="sm">
            <Title order={2} data-testid="dashboard-title">
              {dashboard.name}
            </Title>
            {dashboard.readyMade && (
              <Badge variant="light" color="teal">
                Ready-made
              </Badge>
            )}
            {!dashboard.readyMade && !dashboard.mayEdit && <Badge variant="light">Shared with you</Badge>}
          </Group>
          {dashboard.description && (
            <Text c="dimmed" fz="sm">
              {dashboard.description}
            </Text>
          )}
          {dashboard.readyMade && (
            <Text c="dimmed" fz="xs">
              Ready-made dashboards stay as they are: duplicate this one to move, resize or change its widgets.
            </Text>
          )}
        </Stack>
        <Group gap="xs">
          <Button variant={isHome ? "light" : "default"} leftSection={<IconHome size={16} />} onClick={() => void toggleHome()} data-testid="dashboard-home">
            {isHome ? "On my home page" : "Show on my home page"}
          </Button>
          <Button variant="default" leftSection={<IconCopy size={16} />} onClick={() => void duplicate()} data-testid="dashboard-duplicate">
            Duplicate
          </Button>
          {dashboard.mayEdit && (
            <>
              <Select
                aria-label="Shared with"
                w={220}
                data={Object.entries(reportVisibilityLabels).map(([value, label]) => ({ value, label }))}
                value={dashboard.visibility}
                onChange={(v) => v && void patch({ visibility: v as ReportVisibility })}
                allowDeselect={false}
                data-testid="dashboard-visibility"
              />
              <Menu position="bottom-end">
                <Menu.Target>
                  <Button leftSection={<IconPlus size={16} />} data-testid="dashboard-add">
                    Add widget
                  </Button>
                </Menu.Target>
                <Menu.Dropdown>
                  <Menu.Item leftSection={<IconChartBar size={14} />} onClick={() => setAdding("report")} data-testid="add-report-widget">
                    A saved report
                  </Menu.Item>
                  <Menu.Item leftSection={<IconNote size={14} />} onClick={() => setAdding("note")} data-testid="add-note-widget">
                    A note
                  </Menu.Item>
                </Menu.Dropdown>
              </Menu>
              <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => void remove()}>
                Delete
              </Button>
            </>
          )}
        </Group>
      </Group>
      <DashboardFiltersBar value={filters} onChange={setFilters} />
      {dashboard.widgets.length === 0 ? (
        <EmptyHint
          icon={<IconChartBar size={28} />}
          title="This dashboard is empty"
          description={
            dashboard.mayEdit
              ? "Add a saved report (or save one in the report builder and use “Add to dashboard”), or a note for your team. Drag widgets by their title and resize them by the corner."
              : "Nothing has been added to this dashboard yet."
          }
          actionLabel={dashboard.mayEdit ? "Add a saved report" : undefined}
          onAction={dashboard.mayEdit ? () => setAdding("report") : undefined}
        />
      ) : (
        <DashboardGrid dashboard={dashboard} filters={filters} onEditNote={setEditingNote} />
      )}
      <AddReportModal
        opened={adding === "report"}
        onClose={() => setAdding(null)}
        onAdd={(reportId) =>
          saveWidgets([
            ...dashboard.widgets.map(widgetInput),
            { id: newKey(), kind: "report", title: "", reportId, layout: { x: 0, y: bottomOf(dashboard), w: 6, h: 8 } },
          ])
        }
      />
      <NoteModal
        key={editingNote?.id ?? (adding === "note" ? "new" : "none")}
        opened={adding === "note" || editingNote !== null}
        note={editingNote}
        onClose={() => {
          setAdding(null);
          setEditingNote(null);
        }}
        onSave={(title, text) =>
          saveWidgets(
            editingNote
              ? dashboard.widgets.map((w) => (w.id === editingNote.id ? { ...widgetInput(w), title, text } : widgetInput(w)))
              : [...dashboard.widgets.map(widgetInput), { id: newKey(), kind: "note", title, text, layout: { x: 0, y: bottomOf(dashboard), w: 4, h: 4 } }],
          )
        }
      />
    </Stack>
  );
}

function AddReportModal({ opened, onClose, onAdd }: { opened: boolean; onClose: () => void; onAdd: (reportId: string) => Promise<void> }) {
  const reports = useQuery({ ...reportsQuery, enabled: opened });
  const [choice, setChoice] = useState<string | null>(null);
  return (
    <Modal opened={opened} onClose={onClose} title="Add a saved report">
      <Stack>
        <Select
          label="Report"
          placeholder={reports.isPending ? "Loading reports…" : "Pick a report"}
          searchable
          data={(reports.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
          value={choice}
          onChange={setChoice}
          nothingFoundMessage="No saved report by that name: save one in the report builder first"
          data-testid="add-report-select"
        />
        <Group justify="flex-end">
          <Button
            disabled={!choice}
            onClick={() => {
              if (choice) void onAdd(choice).then(onClose);
            }}
            data-testid="add-report-confirm"
          >
            Add
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function NoteModal({
  opened,
  note,
  onClose,
  onSave,
}: {
  opened: boolean;
  note: Extract<Widget, { kind: "note" }> | null;
  onClose: () => void;
  onSave: (title: string, text: string) => Promise<void>;
}) {
  const [title, setTitle] = useState(note?.title ?? "");
  const [text, setText] = useState(note?.text ?? "");
  return (
    <Modal opened={opened} onClose={onClose} title={note ? "Edit note" : "Add a note"}>
      <Stack>
        <TextInput label="Title" value={title} onChange={(e) => setTitle(e.currentTarget.value)} placeholder="This quarter's focus" />
        <Textarea
          label="Text"
          description="Plain text; # for a heading, - for a list, **bold**, [a link](https://…)"
          autosize
          minRows={4}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          data-testid="note-text"
        />
        <Group justify="flex-end">
          <Button onClick={() => void onSave(title, text).then(onClose)} disabled={!text.trim()} data-testid="note-save">
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
