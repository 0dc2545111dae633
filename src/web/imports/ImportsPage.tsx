import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  FileInput,
  Group,
  Progress,
  Radio,
  SegmentedControl,
  Select,
  SimpleGrid,
  Skeleton,
  Stack,
  Stepper,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertTriangle, IconArrowBackUp, IconDownload, IconFileImport, IconPlayerPlay, IconUpload } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import type { z } from "zod";
import type { ImportAnalysis, ImportJob, ImportOptions, ImportPreview } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { CountrySelect } from "../components/CountrySelect.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { ApiError, api } from "../http/client.js";
import { formatDateTime } from "../lib/dates.js";
import { formatDuration } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { ActivityOptions, type ActivityTypeChoice, type DealImportOptions, DealOptions } from "./RecordOptions.js";

type Analysis = z.infer<typeof ImportAnalysis>;
type Options = z.input<typeof ImportOptions>;
type ObjectKind = "contact" | "company" | "deal" | "activity" | "ticket";

const objectNames: Record<ObjectKind, string> = { contact: "contacts", company: "companies", deal: "deals", activity: "activities", ticket: "tickets" };
const objectTitles: Record<ObjectKind, string> = {
  contact: "Contacts",
  company: "Companies",
  deal: "Deals",
  activity: "Activities",
  ticket: "Support tickets",
};

const matchChoices: Record<ObjectKind, { value: string; label: string }[]> = {
  contact: [
    { value: "email", label: "Email" },
    { value: "externalId", label: "External id column" },
    { value: "none", label: "Don't look for duplicates" },
  ],
  company: [
    { value: "domain", label: "Domain" },
    { value: "name", label: "Name" },
    { value: "externalId", label: "External id column" },
    { value: "none", label: "Don't look for duplicates" },
  ],
  deal: [
    { value: "externalId", label: "External id column" },
    { value: "name", label: "Deal name" },
    { value: "none", label: "Don't look for duplicates" },
  ],
  activity: [
    { value: "externalId", label: "External id column" },
    { value: "none", label: "Don't look for duplicates" },
  ],
  ticket: [
    { value: "externalId", label: "External id column (skip tickets imported before)" },
    { value: "none", label: "Don't look for duplicates" },
  ],
};

function defaultMatch(object: ObjectKind, mapping: Record<string, string | null>): string {
  if (object === "contact") return "email";
  if (object === "company") return "domain";
  return Object.values(mapping).includes("externalId") ? "externalId" : "none";
}

const statusColor: Record<string, string> = {
  uploaded: "gray",
  running: "blue",
  interrupted: "orange",
  failed: "red",
  completed: "teal",
  undone: "gray",
};

async function uploadFile(object: ObjectKind, file: File): Promise<Analysis> {
  const form = new FormData();
  form.append("object", object);
  form.append("file", file);
  let res: Response;
  try {
    res = await fetch("/api/v1/imports", { method: "POST", body: form, credentials: "same-origin", headers: { accept: "application/json" } });
  } catch {
    throw new ApiError({ type: "about:blank", title: "Network error", status: 0, code: "network_error", detail: "Could not reach the server." });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError({ type: "about:blank", title: "Upload failed", status: res.status, code: `http_${res.status}`, ...data });
  return data as Analysis;
}

const fmt = (n: number) => n.toLocaleString();

type Primary = { email?: string; phone?: string };
type ColumnOrder = "ymd" | "mdy" | "dmy";
const emailTargets = new Set(["email", "email2", "email3"]);
const phoneTargets = new Set(["phone", "mobilePhone", "phone2", "phone3"]);
const listKindOf = (target: string | null | undefined): "email" | "phone" | null =>
  !target ? null : emailTargets.has(target) ? "email" : phoneTargets.has(target) ? "phone" : null;

/** The primary email and phone columns: the chosen ones, else the first mapped in file order (what the server does). */
function primaryColumns(headers: string[], mapping: Record<string, string | null>, chosen: Primary): Primary {
  const first = (kind: "email" | "phone") => headers.find((h) => listKindOf(mapping[h]) === kind);
  return { email: chosen.email ?? first("email"), phone: chosen.phone ?? first("phone") };
}

/** A "primary" switch beside each email and phone column, shown when there is more than one to choose from. */
function PrimaryChoice({
  header,
  mapping,
  effective,
  onChange,
}: {
  header: string;
  mapping: Record<string, string | null>;
  effective: Primary;
  onChange: (update: (p: Primary) => Primary) => void;
}) {
  const kind = listKindOf(mapping[header]);
  if (!kind) return null;
  const several = Object.values(mapping).filter((t) => listKindOf(t) === kind).length > 1;
  if (!several) return null;
  return (
    <Radio
      size="xs"
      label="Primary"
      checked={effective[kind] === header}
      onChange={() => onChange((p) => ({ ...p, [kind]: header }))}
      aria-label={`Make ${header} the primary ${kind}`}
      data-testid={`primary-${kind}-${header}`}
    />
  );
}

const detectedText: Record<string, string> = {
  dmy: "Its dates show day/month order",
  mdy: "Its dates show month/day order",
  ambiguous: "Its dates fit both orders",
  conflict: "Its dates mix both orders",
  none: "",
};

/** Each mapped date column, the order it is read in, and a choice where its values cannot decide. */
function DateColumns({
  columns,
  chosen,
  onChange,
  stale,
}: {
  columns: ImportPreview["dateColumns"];
  chosen: Record<string, ColumnOrder>;
  onChange: (header: string, order: ColumnOrder) => void;
  stale: boolean;
}) {
  const open = columns.filter((c) => !c.order && !chosen[c.header]).length;
  return (
    <Card withBorder padding="sm" data-testid="date-columns">
      <Stack gap="xs">
        <Text fw={600} fz="sm">
          Date columns
        </Text>
        <Text fz="xs" c="dimmed">
          Each column is read in one order, decided from all its dates.{" "}
          {open > 0 ? `Choose the order of ${open === 1 ? "the column" : `the ${open} columns`} whose dates fit both.` : ""}
          {stale && open === 0 ? "Preview again to check the rows with these orders." : ""}
        </Text>
        {columns.map((c) => {
          const value = chosen[c.header] ?? c.order;
          return (
            <Group key={c.header} justify="space-between" wrap="wrap" gap="xs">
              <div>
                <Text fz="sm" fw={500}>
                  {c.header}
                </Text>
                <Text fz="xs" c={!value ? "orange" : "dimmed"}>
                  {detectedText[c.detected]}
                  {c.example ? ` (e.g. ${c.example})` : ""}
                </Text>
              </div>
              <SegmentedControl
                size="xs"
                value={value ?? ""}
                onChange={(v) => onChange(c.header, v as ColumnOrder)}
                data={[
                  { value: "mdy", label: "Month/day" },
                  { value: "dmy", label: "Day/month" },
                ]}
                aria-label={`Date order of ${c.header}`}
                data-testid={`date-order-${c.header}`}
              />
            </Group>
          );
        })}
      </Stack>
    </Card>
  );
}

export function ImportsPage() {
  useDocumentTitle("Import · Rapport");
  const [analysis, setAnalysis] = useState<Analysis | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  const reset = () => {
    setAnalysis(null);
    setJobId(null);
  };
  return (
    <Stack gap="lg" maw={1100} data-testid="imports-page">
      <div>
        <Title order={2} fz={{ base: 22, sm: 26 }}>
          Import
        </Title>
        <Text c="dimmed" fz="sm" mt={4} maw={680}>
          Bring contacts, companies, deals and activities in from CSV, TSV or Excel files — exports from Salesforce, HubSpot, Pipedrive or any spreadsheet.
          Import companies first, then contacts, then deals and activities, so each can find what it points at. You see what will happen before anything is
          written, and every import can be undone.
        </Text>
      </div>
      {jobId ? (
        <RunStep id={jobId} onDone={reset} />
      ) : analysis ? (
        <MappingStep analysis={analysis} onAnalysis={setAnalysis} onStarted={setJobId} onCancel={reset} />
      ) : (
        <UploadStep onUploaded={setAnalysis} />
      )}
      <PastImports onOpen={setJobId} />
    </Stack>
  );
}

function Steps({ active }: { active: number }) {
  return (
    <Stepper active={active} size="sm" allowNextStepsSelect={false} visibleFrom="sm">
      <Stepper.Step label="Upload" />
      <Stepper.Step label="Map & preview" />
      <Stepper.Step label="Import" />
    </Stepper>
  );
}

function UploadStep({ onUploaded }: { onUploaded: (a: Analysis) => void }) {
  const { canWrite } = usePermissions();
  const [object, setObject] = useState<ObjectKind>("contact");
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({ mutationFn: () => uploadFile(object, file as File), onSuccess: onUploaded });
  return (
    <Card withBorder padding="lg">
      <Stack>
        <Steps active={0} />
        <SegmentedControl
          value={object}
          onChange={(v) => setObject(v as ObjectKind)}
          data={(Object.keys(objectTitles) as ObjectKind[]).map((k) => ({ value: k, label: objectTitles[k] }))}
          w={{ base: "100%", sm: 480 }}
          data-testid="import-object"
        />
        <FileInput
          label="File"
          description="CSV, TSV or .xlsx, up to 200 MB. Encoding and separator are detected."
          placeholder="Choose a file"
          accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
          value={file}
          onChange={setFile}
          leftSection={<IconFileImport size={16} />}
          clearable
          data-testid="import-file"
        />
        {upload.error && (
          <Alert color="red" icon={<IconAlertTriangle size={16} />} title="This file cannot be imported" data-testid="upload-error">
            {upload.error.message}
          </Alert>
        )}
        <Group>
          <Button
            leftSection={<IconUpload size={16} />}
            disabled={!file || !canWrite}
            loading={upload.isPending}
            onClick={() => upload.mutate()}
            data-testid="import-upload"
          >
            Upload and map columns
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function MappingStep({
  analysis,
  onAnalysis,
  onStarted,
  onCancel,
}: {
  analysis: Analysis;
  onAnalysis: (a: Analysis) => void;
  onStarted: (id: string) => void;
  onCancel: () => void;
}) {
  const job = analysis.import;
  const [mapping, setMapping] = useState<Record<string, string | null>>(analysis.suggestion.mapping);
  const [match, setMatch] = useState<string>(defaultMatch(job.object, analysis.suggestion.mapping));
  const [onDuplicate, setOnDuplicate] = useState<"skip" | "update" | "create">("skip");
  const [dateFormat, setDateFormat] = useState<"auto" | "ymd" | "mdy" | "dmy">("auto");
  const [numberFormat, setNumberFormat] = useState<"auto" | "en" | "eu">("auto");
  const [createMissing, setCreateMissing] = useState(false);
  const [defaultCountry, setDefaultCountry] = useState<string | null>(null);
  const [dealOptions, setDealOptions] = useState<DealImportOptions>({ pipelineId: null, createMissingStages: false, defaultLostReason: null });
  const [activityType, setActivityType] = useState<ActivityTypeChoice>("note");
  const [saveName, setSaveName] = useState("");
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [primary, setPrimary] = useState<Primary>({});
  const [columnDates, setColumnDates] = useState<Record<string, ColumnOrder>>({});
  // The date columns of the last preview: they stay on screen while the user picks orders (which make the preview stale).
  const [dateColumns, setDateColumns] = useState<ImportPreview["dateColumns"]>([]);
  const effectivePrimary = primaryColumns(job.headers, mapping, primary);
  const undecidedDates = dateColumns.some((c) => !c.order && !columnDates[c.header]);
  const options: Options = {
    mapping,
    ...(job.object === "contact" && (primary.email || primary.phone) ? { primary } : {}),
    ...(Object.keys(columnDates).length ? { columnDateFormats: columnDates } : {}),
    match: match as Options["match"],
    onDuplicate,
    dateFormat,
    numberFormat,
    createMissingCompanies: createMissing,
    defaultCountry: defaultCountry ?? undefined,
    ...(job.object === "deal"
      ? {
          pipelineId: dealOptions.pipelineId ?? undefined,
          createMissingStages: dealOptions.createMissingStages,
          defaultLostReason: dealOptions.defaultLostReason ?? undefined,
        }
      : {}),
    ...(job.object === "activity" ? { activityType } : {}),
  };
  // Any change makes the last preview stale.
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on every option change
  useEffect(() => setPreview(null), [JSON.stringify(options)]);

  const presetChange = useMutation({
    mutationFn: (preset: string) => api.get<Analysis>(`/api/v1/imports/${job.id}/analysis`, { preset }),
    onSuccess: (a) => {
      onAnalysis(a);
      setMapping(a.suggestion.mapping);
    },
    onError: (e) => notifyError(e),
  });
  // Orders chosen for columns the mapping no longer holds would be refused: drop them with the mapping change.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a mapping change resets the date columns
  useEffect(() => {
    setDateColumns([]);
    setColumnDates((d) => Object.fromEntries(Object.entries(d).filter(([h]) => mapping[h])));
    setPrimary((p) => ({
      ...(p.email && listKindOf(mapping[p.email]) === "email" ? { email: p.email } : {}),
      ...(p.phone && listKindOf(mapping[p.phone]) === "phone" ? { phone: p.phone } : {}),
    }));
  }, [JSON.stringify(mapping)]);
  const runPreview = useMutation({
    mutationFn: () => api.post<ImportPreview>(`/api/v1/imports/${job.id}/preview`, options),
    onSuccess: (p) => {
      setPreview(p);
      setDateColumns(p.dateColumns);
    },
  });
  const qc = useQueryClient();
  const run = useMutation({
    mutationFn: () => api.post<ImportJob>(`/api/v1/imports/${job.id}/run`, options),
    // The run's first state, from its start: the progress measures its pace from here even when polls come back slowly.
    onSuccess: (j) => {
      qc.setQueryData(["imports", j.id], j);
      onStarted(j.id);
    },
    onError: (e) => notifyError(e, "Could not start"),
  });
  // Starting over forgets the upload; a failure to do so only leaves a file nobody sees (the list shows imports that ran).
  const discard = useMutation({ mutationFn: () => api.del(`/api/v1/imports/${job.id}`), onSettled: onCancel });
  const save = useMutation({
    mutationFn: () =>
      api.post(`/api/v1/imports/mappings`, { object: job.object, name: saveName, mapping, ...(job.object === "contact" ? { primary: effectivePrimary } : {}) }),
    onSuccess: () => notifySuccess(`Mapping “${saveName}” saved`),
    onError: (e) => notifyError(e),
  });
  const targetData = [{ value: "", label: "— Leave out —" }, ...analysis.targets];
  const matchData = matchChoices[job.object];

  return (
    <Card withBorder padding="lg">
      <Stack>
        <Steps active={1} />
        <Group justify="space-between" align="flex-end" wrap="wrap">
          <div>
            <Text fw={600}>{job.fileName}</Text>
            <Text fz="xs" c="dimmed">
              {job.format.toUpperCase()}
              {job.encoding ? ` · ${job.encoding}` : ""}
              {job.delimiter ? ` · separator ${job.delimiter === "\t" ? "tab" : `“${job.delimiter}”`}` : ""} · {job.headers.length} columns · importing{" "}
              {objectNames[job.object]}
            </Text>
          </div>
          <Group gap="xs" wrap="wrap">
            <Select
              size="xs"
              label="Preset"
              w={150}
              value={analysis.suggestion.preset ?? "none"}
              data={[{ value: "none", label: "Generic" }, ...analysis.presets.map((p) => ({ value: p.id, label: p.label }))]}
              onChange={(v) => v && presetChange.mutate(v)}
              allowDeselect={false}
              data-testid="import-preset"
            />
            {analysis.savedMappings.length > 0 && (
              <Select
                size="xs"
                label="Saved mapping"
                w={170}
                placeholder="Apply…"
                data={analysis.savedMappings.map((m) => ({ value: m.id, label: m.name }))}
                onChange={(id) => {
                  const m = analysis.savedMappings.find((x) => x.id === id);
                  if (m) {
                    setMapping(Object.fromEntries(job.headers.map((h) => [h, m.mapping[h] ?? null])));
                    setPrimary(m.primary);
                  }
                }}
              />
            )}
          </Group>
        </Group>
        <Table.ScrollContainer minWidth={520}>
          <Table striped verticalSpacing={6} data-testid="mapping-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Column</Table.Th>
                <Table.Th>Example</Table.Th>
                <Table.Th w={260}>Import as</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {job.headers.map((h, i) => (
                <Table.Tr key={h}>
                  <Table.Td fw={500}>{h}</Table.Td>
                  <Table.Td c="dimmed" fz="sm" style={{ maxWidth: 240, overflow: "hidden", textOverflow: "ellipsis", whiteSpace: "nowrap" }}>
                    {analysis.sample.find((r) => r[i])?.[i] ?? ""}
                  </Table.Td>
                  <Table.Td>
                    <Group gap="xs" wrap="nowrap">
                      <Select
                        size="xs"
                        aria-label={`Import ${h} as`}
                        data={targetData}
                        value={mapping[h] ?? ""}
                        onChange={(v) => setMapping((m) => ({ ...m, [h]: v || null }))}
                        searchable
                        allowDeselect={false}
                        style={{ flex: 1 }}
                      />
                      {job.object === "contact" && <PrimaryChoice header={h} mapping={mapping} effective={effectivePrimary} onChange={setPrimary} />}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <SimpleGrid cols={{ base: 1, sm: 2, md: 4 }}>
          <Select
            label="Find duplicates by"
            data={matchData}
            value={match}
            onChange={(v) => v && setMatch(v)}
            allowDeselect={false}
            data-testid="import-match"
          />
          <Select
            label="When a record exists"
            data={[
              { value: "skip", label: "Skip the row" },
              { value: "update", label: "Update the record" },
              { value: "create", label: "Create another" },
            ]}
            value={onDuplicate}
            onChange={(v) => v && setOnDuplicate(v as typeof onDuplicate)}
            allowDeselect={false}
            data-testid="import-on-duplicate"
          />
          <Select
            label="Dates like 03/04/2025"
            data={[
              { value: "auto", label: "Detect" },
              { value: "mdy", label: "Month/day/year (US)" },
              { value: "dmy", label: "Day/month/year (EU)" },
              { value: "ymd", label: "Year-month-day" },
            ]}
            value={dateFormat}
            onChange={(v) => v && setDateFormat(v as typeof dateFormat)}
            allowDeselect={false}
          />
          <Select
            label="Numbers"
            data={[
              { value: "auto", label: "Detect" },
              { value: "en", label: "1,234.56" },
              { value: "eu", label: "1.234,56" },
            ]}
            value={numberFormat}
            onChange={(v) => v && setNumberFormat(v as typeof numberFormat)}
            allowDeselect={false}
          />
          {(job.object === "contact" || job.object === "company") && (
            <CountrySelect
              label="Phones without +country code"
              placeholder="Workspace default"
              description="Read as this country's numbers when a row has no country"
              value={defaultCountry}
              onChange={setDefaultCountry}
              data-testid="import-country"
            />
          )}
        </SimpleGrid>
        {job.object === "deal" && <DealOptions value={dealOptions} onChange={setDealOptions} />}
        {job.object === "activity" && <ActivityOptions value={activityType} onChange={setActivityType} />}
        {(job.object === "contact" || job.object === "deal") && (
          <Checkbox
            label="Create companies the file names that don't exist yet"
            description="Off: rows naming an unknown company are rejected and listed."
            checked={createMissing}
            onChange={(e) => setCreateMissing(e.currentTarget.checked)}
          />
        )}
        <Group align="flex-end" gap="xs" wrap="wrap">
          <TextInput
            size="xs"
            label="Save this mapping as"
            placeholder="e.g. Salesforce contacts"
            value={saveName}
            onChange={(e) => setSaveName(e.currentTarget.value)}
            w={220}
          />
          <Button size="xs" variant="default" disabled={!saveName.trim()} loading={save.isPending} onClick={() => save.mutate()}>
            Save mapping
          </Button>
        </Group>
        {runPreview.error && (
          <Alert color="red" icon={<IconAlertTriangle size={16} />} title="Cannot preview" data-testid="preview-error">
            {runPreview.error.message}
          </Alert>
        )}
        {dateColumns.length > 0 && (
          <DateColumns
            columns={dateColumns}
            chosen={columnDates}
            onChange={(header, order) => setColumnDates((d) => ({ ...d, [header]: order }))}
            stale={!preview}
          />
        )}
        {preview && <PreviewResult preview={preview} />}
        <Group justify="space-between" wrap="wrap">
          <Button variant="subtle" color="gray" onClick={() => discard.mutate()} loading={discard.isPending} data-testid="import-start-over">
            Start over
          </Button>
          <Group gap="xs">
            <Button variant="default" loading={runPreview.isPending} onClick={() => runPreview.mutate()} data-testid="import-preview">
              Preview
            </Button>
            <Button
              leftSection={<IconPlayerPlay size={16} />}
              disabled={!preview || undecidedDates}
              loading={run.isPending}
              onClick={() => run.mutate()}
              data-testid="import-run"
            >
              Import {preview ? fmt(preview.counts.create + preview.counts.update) : ""} rows
            </Button>
          </Group>
        </Group>
      </Stack>
    </Card>
  );
}

function Stat({ label, value, color }: { label: string; value: number; color: string }) {
  return (
    <Card withBorder padding="sm">
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz={24} fw={700} c={color}>
        {fmt(value)}
      </Text>
    </Card>
  );
}

function PreviewResult({ preview }: { preview: ImportPreview }) {
  return (
    <Stack gap="sm" data-testid="preview-result">
      <Text fw={600}>
        Preview of {fmt(preview.totalRows)} rows{preview.companiesToCreate ? ` · ${fmt(preview.companiesToCreate)} new companies` : ""}
      </Text>
      {preview.stagesToCreate.length > 0 && (
        <Text fz="sm" c="dimmed" data-testid="stages-to-create">
          New stages: {preview.stagesToCreate.join(", ")}
        </Text>
      )}
      <SimpleGrid cols={{ base: 2, sm: 5 }}>
        <Stat label="Create" value={preview.counts.create} color="teal" />
        <Stat label="Update" value={preview.counts.update} color="blue" />
        <Stat label="Unchanged" value={preview.counts.unchanged} color="gray" />
        <Stat label="Skip" value={preview.counts.skip} color="gray" />
        <Stat label="Reject" value={preview.counts.reject} color="red" />
      </SimpleGrid>
      {preview.ignoredColumns.length > 0 && (
        <Alert color="gray" variant="light" title={`${fmt(preview.ignoredColumns.length)} columns are not imported`} data-testid="ignored-columns">
          <Text fz="sm">
            Their values stay out of Rapport: {preview.ignoredColumns.join(", ")}. Choose a field for any of them above, or “New custom text field” to keep it
            as is.
          </Text>
        </Alert>
      )}
      {preview.warnings.map((w) => (
        <Alert key={w} color="orange" icon={<IconAlertTriangle size={16} />}>
          {w}
        </Alert>
      ))}
      {preview.rejected.length > 0 && (
        <Table.ScrollContainer minWidth={480}>
          <Table fz="sm" verticalSpacing={4} data-testid="rejected-rows">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={70}>Row</Table.Th>
                <Table.Th w={70}>Line</Table.Th>
                <Table.Th>Why it is rejected</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {preview.rejected.map((r) => (
                <Table.Tr key={r.row}>
                  <Table.Td>{r.row}</Table.Td>
                  <Table.Td>{r.line ?? ""}</Table.Td>
                  <Table.Td>{r.reason}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          {preview.counts.reject > preview.rejected.length && (
            <Text fz="xs" c="dimmed">
              First {preview.rejected.length} of {fmt(preview.counts.reject)}; the full list is in the error report after the import.
            </Text>
          )}
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

function RunStep({ id, onDone }: { id: string; onDone: () => void }) {
  const qc = useQueryClient();
  const job = useQuery({
    queryKey: ["imports", id],
    queryFn: () => api.get<ImportJob>(`/api/v1/imports/${id}`),
    refetchInterval: (q) => (q.state.data?.status === "running" ? 1000 : false),
  });
  const undo = useMutation({
    mutationFn: () => api.post<ImportJob>(`/api/v1/imports/${id}/undo`),
    onSuccess: (j) => {
      qc.setQueryData(["imports", id], j);
      qc.invalidateQueries({ queryKey: ["imports"] });
      notifySuccess("Import undone");
    },
    onError: (e) => notifyError(e),
  });
  const resume = useMutation({
    mutationFn: () => api.post<ImportJob>(`/api/v1/imports/${id}/resume`),
    onSuccess: (j) => qc.setQueryData(["imports", id], j),
    onError: (e) => notifyError(e),
  });
  useEffect(() => {
    if (job.data && job.data.status !== "running") qc.invalidateQueries({ queryKey: ["imports", "list"] });
  }, [job.data, qc]);
  const rate = useRowRate(job.data?.status === "running" ? job.data.lastRow : null);
  if (job.isPending) return <Skeleton h={180} />;
  if (job.error) return <Alert color="red">{job.error.message}</Alert>;
  const j = job.data;
  const running = j.status === "running";
  const total = j.totalRows;
  const left = running && total && rate ? (total - j.lastRow) / rate : null;
  return (
    <Card withBorder padding="lg" data-testid="import-run-card">
      <Stack>
        <Steps active={running ? 2 : 3} />
        <Group justify="space-between">
          <Text fw={600}>{j.fileName}</Text>
          <Badge color={statusColor[j.status]} data-testid="import-status">
            {j.status}
          </Badge>
        </Group>
        <Progress
          value={running ? (total ? Math.min(99, (j.lastRow / Math.max(total, 1)) * 100) : 5) : 100}
          animated={running}
          size="lg"
          aria-label="Import progress"
          data-testid="import-progress"
        />
        <Text fz="sm" c="dimmed" data-testid="import-progress-text">
          {running && total ? `${fmt(j.lastRow)} of ${fmt(total)} rows` : `${fmt(j.lastRow)} rows processed`}
          {running && rate ? ` · ${fmt(Math.round(rate))} rows/s` : ""}
          {left !== null ? ` · about ${formatDuration(Math.max(left, 1))} left` : ""}
          {running && !total ? " · counting the file's rows…" : ""}
          {j.companiesCreated ? ` · ${fmt(j.companiesCreated)} companies created` : ""}
        </Text>
        <SimpleGrid cols={{ base: 2, sm: 5 }}>
          <Stat label="Created" value={j.counts.created} color="teal" />
          <Stat label="Updated" value={j.counts.updated} color="blue" />
          <Stat label="Unchanged" value={j.counts.unchanged} color="gray" />
          <Stat label="Skipped" value={j.counts.skipped} color="gray" />
          <Stat label="Rejected" value={j.counts.rejected} color="red" />
        </SimpleGrid>
        {j.error && (
          <Alert color="red" icon={<IconAlertTriangle size={16} />}>
            {j.error}
          </Alert>
        )}
        <Group gap="xs" wrap="wrap">
          {j.counts.rejected > 0 && (
            <Button
              component="a"
              href={`/api/v1/imports/${j.id}/errors.csv`}
              variant="default"
              leftSection={<IconDownload size={16} />}
              data-testid="import-errors"
            >
              Download error report
            </Button>
          )}
          {j.canResume && (
            <Button onClick={() => resume.mutate()} loading={resume.isPending} leftSection={<IconPlayerPlay size={16} />}>
              Resume
            </Button>
          )}
          {j.canUndo && (
            <Button
              color="red"
              variant="light"
              onClick={() => undo.mutate()}
              loading={undo.isPending}
              leftSection={<IconArrowBackUp size={16} />}
              data-testid="import-undo"
            >
              Undo import
            </Button>
          )}
          {!running && (
            <Button variant="subtle" onClick={onDone}>
              Import another file
            </Button>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

/**
 * Rows per second over the last 20 seconds of polls (a moving window, as the CLI's bar uses), so the estimate follows
 * the import's current pace rather than its start. Null until two polls have seen rows move.
 */
function useRowRate(rows: number | null): number | null {
  const samples = useRef<{ at: number; rows: number }[]>([]);
  if (rows === null) samples.current = [];
  else {
    const last = samples.current[samples.current.length - 1];
    if (!last || last.rows !== rows) samples.current.push({ at: Date.now(), rows });
    const cutoff = Date.now() - 20_000;
    while (samples.current.length > 2 && (samples.current[0] as { at: number }).at < cutoff) samples.current.shift();
  }
  const first = samples.current[0];
  const last = samples.current[samples.current.length - 1];
  if (!first || !last || last.at - first.at < 500 || last.rows <= first.rows) return null;
  return ((last.rows - first.rows) * 1000) / (last.at - first.at);
}

function PastImports({ onOpen }: { onOpen: (id: string) => void }) {
  const list = useQuery({ queryKey: ["imports", "list"], queryFn: () => api.get<{ data: ImportJob[] }>("/api/v1/imports"), refetchInterval: 5000 });
  return (
    <Stack gap="xs">
      <Title order={4}>Past imports</Title>
      {list.isPending ? (
        <Skeleton h={120} />
      ) : list.error ? (
        <Alert color="red" title="Could not load imports">
          {list.error.message}
        </Alert>
      ) : list.data.data.length === 0 ? (
        <EmptyHint
          icon={<IconFileImport size={28} />}
          title="No imports yet"
          description="Files you import show up here, with their counts, error reports and an undo button."
        />
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table striped highlightOnHover data-testid="imports-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>File</Table.Th>
                <Table.Th>Object</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Created / updated / unchanged / skipped / rejected</Table.Th>
                <Table.Th>When</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.data.map((j) => (
                <Table.Tr key={j.id}>
                  <Table.Td>
                    <Anchor component="button" type="button" onClick={() => onOpen(j.id)} fz="sm">
                      {j.fileName}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{objectTitles[j.object]}</Table.Td>
                  <Table.Td>
                    <Badge color={statusColor[j.status]} variant="light">
                      {j.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td fz="sm">
                    {fmt(j.counts.created)} / {fmt(j.counts.updated)} / {fmt(j.counts.unchanged)} / {fmt(j.counts.skipped)} / {fmt(j.counts.rejected)}
                  </Table.Td>
                  <Table.Td fz="sm" c="dimmed">
                    {formatDateTime(j.createdAt)}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
