import "@mantine/charts/styles.css";
import { BarChart } from "@mantine/charts";
import { Alert, Button, Card, Group, NumberInput, SegmentedControl, Select, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type CsatScale, type CsatSettings, type CsatSummary, csatScaleLabels, fiveLabels, UpdateCsatSettingsBody } from "../../contract/index.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";

const settingsQuery = { queryKey: ["csat", "settings"], queryFn: () => api.get<CsatSettings>("/api/v1/csat/settings") };
const pct = (v: number | null) => (v === null ? "—" : `${Math.round(v * 100)} %`);
const avg = (v: number | null) => (v === null ? "—" : v.toFixed(2));

/** Settings → Satisfaction: when and how customers are asked about a solved ticket, and what they answered. */
export function SatisfactionSettings() {
  useDocumentTitle("Satisfaction surveys · Settings · Rapport");
  const settings = useQuery(settingsQuery);
  return (
    <Stack gap="lg" maw={980} data-testid="csat-settings">
      <div>
        <Title order={2}>Satisfaction surveys</Title>
        <Text c="dimmed" fz="sm">
          When a ticket is solved, the customer gets one email asking how it went; one click answers. The rating shows on the ticket and below, per agent and
          per queue.
        </Text>
      </div>
      {settings.isError ? (
        <Alert color="red">{settings.error.message}</Alert>
      ) : settings.data ? (
        <SettingsForm key={JSON.stringify(settings.data)} initial={settings.data} />
      ) : (
        <Text c="dimmed">Loading…</Text>
      )}
      <Results />
    </Stack>
  );
}

function SettingsForm({ initial }: { initial: CsatSettings }) {
  const [draft, setDraft] = useState(initial);
  const errors = useFormErrors();
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: () => api.patch<CsatSettings>("/api/v1/csat/settings", draft),
    onSuccess: (s) => {
      qc.setQueryData(settingsQuery.queryKey, s);
      notifySuccess(s.enabled ? "Surveys are on" : "Surveys are off");
    },
    onError: (e) => errors.fromServer(e, "Could not save the survey settings"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    errors.clear();
    if (errors.validate(UpdateCsatSettingsBody.safeParse(draft))) save.mutate();
  };
  const set = <K extends keyof CsatSettings>(k: K, v: CsatSettings[K]) => setDraft((d) => ({ ...d, [k]: v }));
  return (
    <Card withBorder radius="md" component="form" onSubmit={submit}>
      <Stack gap="sm">
        <Switch
          label="Send a survey when a ticket is solved"
          checked={draft.enabled}
          onChange={(e) => set("enabled", e.currentTarget.checked)}
          data-testid="csat-enabled"
        />
        <TextInput label="Question" value={draft.question} onChange={(e) => set("question", e.currentTarget.value)} error={errors.get("question")} />
        <Group grow align="flex-start" wrap="wrap">
          <NumberInput
            label="Send after (minutes)"
            description="Time for the customer to see it is really solved"
            min={0}
            max={10080}
            value={draft.delayMinutes}
            onChange={(v) => set("delayMinutes", Number(v) || 0)}
            error={errors.get("delayMinutes")}
          />
          <NumberInput
            label="Ask the same customer again after (days)"
            description="Fewer surveys to frequent writers"
            min={0}
            max={365}
            value={draft.resendDays}
            onChange={(v) => set("resendDays", Number(v) || 0)}
            error={errors.get("resendDays")}
          />
        </Group>
        <Stack gap={4}>
          <Text fz="sm" fw={500}>
            Answers
          </Text>
          <SegmentedControl
            value={draft.scale}
            onChange={(v) => set("scale", v as CsatScale)}
            data={(["five", "thumbs"] as const).map((s) => ({ value: s, label: csatScaleLabels[s] }))}
            w="fit-content"
          />
        </Stack>
        <Switch label="Offer a comment box after the click" checked={draft.askComment} onChange={(e) => set("askComment", e.currentTarget.checked)} />
        <Group justify="flex-end">
          <Button type="submit" loading={save.isPending} data-testid="csat-save">
            Save
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function Results() {
  const [days, setDays] = useState("30");
  const summary = useQuery({
    queryKey: ["csat", "summary", days],
    queryFn: () => api.get<CsatSummary>("/api/v1/csat/summary", { days }),
  });
  const s = summary.data;
  return (
    <Stack gap="sm" data-testid="csat-results">
      <Group justify="space-between">
        <Title order={3}>Results</Title>
        <Select
          aria-label="Period"
          value={days}
          onChange={(v) => setDays(v ?? "30")}
          data={[
            { value: "7", label: "Last 7 days" },
            { value: "30", label: "Last 30 days" },
            { value: "90", label: "Last 90 days" },
            { value: "365", label: "Last 12 months" },
          ]}
          w={180}
        />
      </Group>
      {summary.isError ? (
        <Alert color="red">{summary.error.message}</Alert>
      ) : !s ? (
        <Text c="dimmed">Loading…</Text>
      ) : s.sent === 0 ? (
        <Card withBorder radius="md">
          <Text c="dimmed" ta="center" py="md">
            No survey was sent in this period. Switch surveys on above; the first goes out when a ticket is solved.
          </Text>
        </Card>
      ) : (
        <>
          <SimpleGrid cols={{ base: 2, sm: 4 }}>
            <Stat label="CSAT (4 or 5)" value={pct(s.satisfied)} testId="csat-score" />
            <Stat label="Average" value={avg(s.average)} />
            <Stat label="Answered" value={`${s.answered} of ${s.sent}`} />
            <Stat label="Response rate" value={pct(s.responseRate)} />
          </SimpleGrid>
          <Card withBorder radius="md">
            <Text fw={600} mb="sm">
              Ratings
            </Text>
            <BarChart
              h={220}
              data={s.distribution.map((d) => ({ rating: `${d.rating} · ${fiveLabels[d.rating]}`, Answers: d.count }))}
              dataKey="rating"
              series={[{ name: "Answers", color: "teal.6" }]}
              data-testid="csat-chart"
            />
          </Card>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Breakdown title="By agent" rows={s.byAgent} />
            <Breakdown title="By queue" rows={s.byQueue} />
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}

function Stat({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <Card withBorder radius="md" padding="sm">
      <Text fz="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text fz="xl" fw={700} data-testid={testId}>
        {value}
      </Text>
    </Card>
  );
}

function Breakdown({ title, rows }: { title: string; rows: CsatSummary["byAgent"] }) {
  return (
    <Card withBorder radius="md" padding={0}>
      <Text fw={600} p="sm">
        {title}
      </Text>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{title === "By agent" ? "Agent" : "Queue"}</Table.Th>
            <Table.Th ta="right">Answers</Table.Th>
            <Table.Th ta="right">Average</Table.Th>
            <Table.Th ta="right">CSAT</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((r) => (
            <Table.Tr key={r.id ?? "none"}>
              <Table.Td>{r.name}</Table.Td>
              <Table.Td ta="right">{r.answered}</Table.Td>
              <Table.Td ta="right">{avg(r.average)}</Table.Td>
              <Table.Td ta="right">{pct(r.satisfied)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}
