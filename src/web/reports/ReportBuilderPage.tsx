import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Menu,
  NumberInput,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconDownload, IconPlus, IconTrash } from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useMemo, useState } from "react";
import type { ConditionGroup } from "../../contract/conditions.js";
import { type CustomObject, customObjects } from "../../contract/custom-fields.js";
import { type FieldDef, fieldRegistry, type RegistryObject, registryObjects } from "../../contract/fields.js";
import {
  type DateBucket,
  dateBucketLabels,
  dateBuckets,
  type GroupBy,
  type Measure,
  type MeasureFn,
  measureFnLabels,
  measureFns,
  measureNeedsField,
  OWNER_TEAM,
  type Report,
  type ReportDefinitionInput,
  type ReportVisibility,
  reportVisibilityLabels,
  type Visualization,
  visualizationLabels,
  visualizations,
} from "../../contract/reports.js";
import { ConditionEditor, isComplete } from "../components/ConditionEditor.js";
import { downloadFile } from "../exports/download.js";
import { ApiError, api } from "../http/client.js";
import { customFieldsQuery, usersQuery } from "../http/queries.js";
import { formatDateTime } from "../lib/dates.js";
import { notifyError } from "../lib/notify.js";
import { AddToDashboard } from "./AddToDashboard.js";
import { drillDown, listPathOf, reportQuery, runReport } from "./api.js";
import { ReportChart } from "./ReportChart.js";

const objectLabels: Record<RegistryObject, string> = {
  contact: "Contacts",
  company: "Companies",
  deal: "Deals",
  task: "Tasks",
  activity: "Activities",
  ticket: "Tickets",
};
const errorText = (e: unknown) =>
  e instanceof ApiError ? (e.problem.errors?.length ? e.problem.errors.map((x) => x.message).join("; ") : e.problem.detail || e.problem.title) : String(e);

const isCustomObject = (o: RegistryObject): o is CustomObject => (customObjects as readonly string[]).includes(o);
const numeric = (f: FieldDef) => f.type === "number" || f.type === "money";
const groupable = (f: FieldDef) => f.filterable && f.type !== "tags" && f.type !== "multiselect";
const isDate = (f: FieldDef | undefined) => f?.type === "date" || f?.type === "datetime";

const blank = (object: RegistryObject): ReportDefinitionInput => ({
  object,
  filter: { all: [] },
  groupBy: [],
  measures: [{ fn: "count" }],
  visualization: "bar",
});

/** The report builder: pick an object, filter it, group it, measure it, see it live, save and share it. */
export function ReportBuilderPage() {
  const params = useParams({ strict: false }) as { id?: string };
  const id = params.id && params.id !== "new" ? params.id : null;
  const saved = useQuery({ ...reportQuery(id ?? ""), enabled: Boolean(id) });
  if (id && saved.isPending) return <Loader m="xl" />;
  if (id && saved.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not open this report" m="md">
        {errorText(saved.error)}
      </Alert>
    );
  return <Builder key={id ?? "new"} report={saved.data ?? null} />;
}

function Builder({ report }: { report: Report | null }) {
  useDocumentTitle(`${report?.name ?? "New report"} · Rapport`);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [name, setName] = useState(report?.name ?? "");
  const [visibility, setVisibility] = useState<ReportVisibility>(report?.visibility ?? "private");
  const [def, setDef] = useState<ReportDefinitionInput>(report?.definition ?? blank("deal"));
  const [saving, setSaving] = useState(false);
  const object = def.object;
  const customFields = useQuery({ ...customFieldsQuery(isCustomObject(object) ? object : "deal"), enabled: isCustomObject(object) });
  const users = useQuery({ ...usersQuery, retry: false });
  const registry = useMemo(() => fieldRegistry(isCustomObject(object) ? (customFields.data ?? []) : []), [object, customFields.data]);
  const fields = registry[object].fields;
  const related = registry[object].relations
    .filter((r) => !r.many)
    .flatMap((r) => registry[r.object].fields.filter(groupable).map((f) => ({ value: `${r.name}.${f.name}`, label: `${r.label} › ${f.label}`, field: f })));
  const groupChoices = [
    ...fields.filter(groupable).map((f) => ({ value: f.name, label: f.label, field: f as FieldDef | undefined })),
    {
      value: OWNER_TEAM,
      label: object === "task" || object === "ticket" ? "Assignee's team" : object === "activity" ? "Author's team" : "Owner's team",
      field: undefined,
    },
    ...related,
  ];
  const fieldOf = (path: string) => groupChoices.find((c) => c.value === path)?.field;

  const filter = (def.filter ?? { all: [] }) as ConditionGroup;
  const complete = isComplete(filter) && def.measures.every((m) => measureNeedsField[m.fn] !== "yes" || m.field);
  const [debounced] = useDebouncedValue(def, 300);
  const preview = useQuery({
    queryKey: ["reports", "preview", debounced],
    queryFn: () => runReport(debounced),
    enabled: complete,
    retry: false,
  });

  const set = (patch: Partial<ReportDefinitionInput>) => setDef((d) => ({ ...d, ...patch }));
  const setGroup = (i: number, g: GroupBy | null) => {
    const next = [...(def.groupBy ?? [])];
    if (g) next[i] = g;
    else next.splice(i, 1);
    set({ groupBy: next, sort: undefined });
  };
  const setMeasure = (i: number, m: Measure | null) => {
    const next = [...def.measures];
    if (m) next[i] = m;
    else next.splice(i, 1);
    set({ measures: next, sort: undefined });
  };

  const drill = async (keys: (string | null)[], label: string) => {
    try {
      const d = await drillDown(def, keys);
      const path = listPathOf[d.object];
      if (!path) {
        notifyError(new Error(`${label}: records of this kind have no list to open yet.`));
        return;
      }
      if (d.object === "deal") {
        await navigate({ to: "/deals", search: { filter: JSON.stringify(d.filter), drill: d.description } as never });
        return;
      }
      // Contacts and companies keep their list's state in the session: the drill-down's filter becomes it.
      sessionStorage.setItem(`rapport:list:${d.object}`, JSON.stringify({ filters: [d.filter], viewId: null, q: "" }));
      await navigate({ to: path });
    } catch (e) {
      notifyError(e);
    }
  };

  const save = async (asCopy = false) => {
    if (!name.trim()) {
      notifyError(new Error("Give the report a name before saving it."));
      return;
    }
    setSaving(true);
    try {
      const body = { name: name.trim(), visibility, definition: def };
      const out = report && !asCopy ? await api.patch<Report>(`/api/v1/reports/${report.id}`, body) : await api.post<Report>("/api/v1/reports", body);
      await qc.invalidateQueries({ queryKey: ["reports"] });
      if (!report || asCopy) await navigate({ to: "/reports/$id", params: { id: out.id } });
    } catch (e) {
      notifyError(e);
    } finally {
      setSaving(false);
    }
  };

  const exportAs = async (format: "csv" | "xlsx") => {
    try {
      await downloadFile("/api/v1/reports/export", {}, `${name || "report"}.${format}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ definition: def, format, ...(name.trim() ? { name: name.trim() } : {}) }),
      });
    } catch (e) {
      notifyError(e);
    }
  };

  const measureChoices = (fn: MeasureFn) =>
    fields.filter((f) => (fn === "countDistinct" ? groupable(f) : numeric(f))).map((f) => ({ value: f.name, label: f.label }));

  return (
    <Stack gap="md" data-testid="report-builder">
      <Group justify="space-between" wrap="wrap">
        <Group gap="sm">
          <Title order={2}>{report ? report.name : "New report"}</Title>
          {report && !report.mayEdit && <Badge variant="light">Shared with you</Badge>}
        </Group>
        <Group gap="xs">
          <Menu>
            <Menu.Target>
              <Button variant="default" leftSection={<IconDownload size={16} />} disabled={!complete} data-testid="report-export">
                Export
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item onClick={() => void exportAs("csv")}>CSV</Menu.Item>
              <Menu.Item onClick={() => void exportAs("xlsx")}>Excel (XLSX)</Menu.Item>
            </Menu.Dropdown>
          </Menu>
          {report && (
            <Button variant="default" onClick={() => void save(true)} loading={saving}>
              Save a copy
            </Button>
          )}
          {(!report || report.mayEdit) && (
            <Button onClick={() => void save()} loading={saving} data-testid="report-save">
              Save
            </Button>
          )}
          {report && <AddToDashboard reportId={report.id} />}
        </Group>
      </Group>
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="md" style={{ alignItems: "start" }}>
        <Stack gap="sm">
          <Card withBorder>
            <Stack gap="sm">
              <Group grow>
                <TextInput
                  label="Name"
                  value={name}
                  onChange={(e) => setName(e.currentTarget.value)}
                  placeholder="Won value by quarter"
                  data-testid="report-name"
                />
                <Select
                  label="Shared with"
                  data={Object.entries(reportVisibilityLabels).map(([value, label]) => ({ value, label }))}
                  value={visibility}
                  onChange={(v) => v && setVisibility(v as ReportVisibility)}
                  allowDeselect={false}
                  data-testid="report-visibility"
                />
              </Group>
              <Select
                label="Report on"
                data={registryObjects.map((o) => ({ value: o, label: objectLabels[o] }))}
                value={object}
                onChange={(v) => v && setDef({ ...blank(v as RegistryObject), visualization: def.visualization })}
                allowDeselect={false}
                data-testid="report-object"
              />
            </Stack>
          </Card>
          <Card withBorder>
            <Text fw={600} mb="xs">
              Filter
            </Text>
            <ConditionEditor object={object} registry={registry} value={filter} onChange={(f) => set({ filter: f })} users={users.data ?? []} />
          </Card>
          <Card withBorder>
            <Text fw={600} mb="xs">
              Group by
            </Text>
            <Stack gap="xs">
              {(def.groupBy ?? []).map((g, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a grouping is its slot (first or second), whatever its field
                <Group key={`${i}-${g.field}`} gap="xs" wrap="nowrap">
                  <Select
                    aria-label={`Group by ${i + 1}`}
                    data={groupChoices.map(({ value, label }) => ({ value, label }))}
                    value={g.field}
                    searchable
                    onChange={(v) => v && setGroup(i, { field: v, ...(isDate(fieldOf(v)) ? { bucket: "month" as DateBucket } : {}) })}
                    allowDeselect={false}
                    style={{ flex: 1 }}
                    data-testid={`report-group-${i}`}
                  />
                  {isDate(fieldOf(g.field)) && (
                    <Select
                      aria-label="Period"
                      data={dateBuckets.map((b) => ({ value: b, label: dateBucketLabels[b] }))}
                      value={g.bucket ?? "day"}
                      onChange={(v) => v && setGroup(i, { ...g, bucket: v as DateBucket })}
                      allowDeselect={false}
                      w={130}
                      data-testid={`report-bucket-${i}`}
                    />
                  )}
                  <ActionIcon variant="subtle" color="gray" aria-label="Remove grouping" onClick={() => setGroup(i, null)}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              ))}
              {(def.groupBy ?? []).length < 2 && (
                <Button
                  variant="subtle"
                  size="xs"
                  leftSection={<IconPlus size={14} />}
                  style={{ alignSelf: "flex-start" }}
                  onClick={() => setGroup((def.groupBy ?? []).length, { field: groupChoices[0]?.value ?? "ownerId" })}
                  data-testid="report-add-group"
                >
                  Add a grouping
                </Button>
              )}
            </Stack>
          </Card>
          <Card withBorder>
            <Text fw={600} mb="xs">
              Measures
            </Text>
            <Stack gap="xs">
              {def.measures.map((m, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a measure is its slot; two may be alike (two counts with other conditions)
                <Group key={`${i}-${m.fn}`} gap="xs" wrap="nowrap">
                  <Select
                    aria-label={`Measure ${i + 1}`}
                    data={measureFns.filter((fn) => fn !== "rate" || m.fn === "rate").map((fn) => ({ value: fn, label: measureFnLabels[fn] }))}
                    value={m.fn}
                    onChange={(v) => {
                      if (!v) return;
                      const fn = v as MeasureFn;
                      const keep = m.field && measureChoices(fn).some((c) => c.value === m.field) ? m.field : undefined;
                      const first =
                        measureNeedsField[fn] === "yes" ? (keep ?? measureChoices(fn)[0]?.value) : measureNeedsField[fn] === "optional" ? keep : undefined;
                      setMeasure(i, { fn, ...(first ? { field: first } : {}) });
                    }}
                    allowDeselect={false}
                    w={170}
                    data-testid={`report-measure-${i}`}
                  />
                  {measureNeedsField[m.fn] !== "no" && (
                    <Select
                      aria-label="Of"
                      placeholder={measureNeedsField[m.fn] === "optional" ? "Records" : "Pick a field"}
                      data={measureChoices(m.fn)}
                      value={m.field ?? null}
                      clearable={measureNeedsField[m.fn] === "optional"}
                      allowDeselect={measureNeedsField[m.fn] === "optional"}
                      onChange={(v) => setMeasure(i, { ...m, field: v ?? undefined } as Measure)}
                      style={{ flex: 1 }}
                      data-testid={`report-measure-field-${i}`}
                    />
                  )}
                  {def.measures.length > 1 && (
                    <ActionIcon variant="subtle" color="gray" aria-label="Remove measure" onClick={() => setMeasure(i, null)}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  )}
                </Group>
              ))}
              {def.measures.length < 4 && (
                <Button
                  variant="subtle"
                  size="xs"
                  leftSection={<IconPlus size={14} />}
                  style={{ alignSelf: "flex-start" }}
                  onClick={() => setMeasure(def.measures.length, { fn: "count" })}
                >
                  Add a measure
                </Button>
              )}
              {def.measures.length === 2 && (
                <Text fz="xs" c="dimmed">
                  On a bar, line or area chart the second measure reads on the right-hand axis.
                </Text>
              )}
            </Stack>
          </Card>
          <Card withBorder>
            <Group grow align="flex-end">
              <Select
                label="Show as"
                data={visualizations.map((v) => ({ value: v, label: visualizationLabels[v] }))}
                value={def.visualization ?? "table"}
                onChange={(v) => v && set({ visualization: v as Visualization })}
                allowDeselect={false}
                data-testid="report-visualization"
              />
              <NumberInput
                label="Show at most"
                placeholder="All groups"
                min={1}
                max={10000}
                value={def.limit ?? ""}
                onChange={(v) => set({ limit: v === "" ? undefined : Number(v) })}
              />
            </Group>
          </Card>
        </Stack>
        <Paper withBorder p="md" radius="md" data-testid="report-preview">
          {!complete ? (
            <Text c="dimmed">Finish the filter and give each measure its field to see the report.</Text>
          ) : preview.isError ? (
            <Alert color="red" icon={<IconAlertCircle size={16} />} title="This report cannot run" data-testid="report-error">
              {errorText(preview.error)}
            </Alert>
          ) : !preview.data ? (
            <Group justify="center" py="xl">
              <Loader />
            </Group>
          ) : (
            <Stack gap="sm">
              <ReportChart result={preview.data} visualization={def.visualization ?? "table"} onDrill={(k, l) => void drill(k, l)} />
              {preview.data.message && (
                <Alert color="yellow" data-testid="report-limited">
                  {preview.data.message}
                </Alert>
              )}
              {!preview.data.message && preview.data.limited && (
                <Text fz="xs" c="dimmed">
                  Showing {preview.data.rows.length} of {preview.data.groupCount} groups.
                </Text>
              )}
              <Text fz="xs" c="dimmed" data-testid="report-as-of">
                As of {formatDateTime(preview.data.asOf)}
                {preview.data.cached ? " (cached)" : ""} · click a bar, slice or cell to see its records
              </Text>
            </Stack>
          )}
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
