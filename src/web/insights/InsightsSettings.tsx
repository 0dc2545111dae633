import "@mantine/charts/styles.css";
import { BarChart, LineChart } from "@mantine/charts";
import { Alert, Badge, Button, Card, Group, MultiSelect, Progress, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { useState } from "react";
import { type CustomField, type InsightModel, type ModelKind, modelKindLabels, modelKinds, type Quality } from "../../contract/index.js";
import { AnchorLink } from "../components/links.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { insightKeys, insightsApi, modelQuery, modelsQuery, percent, rankedQuery } from "./api.js";
import { FactorLine } from "./PredictionCard.js";

const kindHelp: Record<ModelKind, string> = {
  deal_win: "How likely each open deal is to be won, learned from the deals you closed (won or lost).",
  churn: "Which customers are likely to leave, learned from a field that says who left.",
  lead_conversion: "How likely a lead is to become an opportunity or customer, beside the rule-based lead score.",
};

const statusColors = { untrained: "gray", training: "blue", ready: "teal", failed: "red" } as const;
const statusLabels = { untrained: "Not trained yet", training: "Training", ready: "Ready", failed: "Could not train" } as const;
const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? "—" : v.toFixed(digits));
const size = (bytes: number | null) =>
  bytes === null ? "—" : bytes > 1_000_000 ? `${(bytes / 1_000_000).toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} kB`;

function useTrain(id: string) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => insightsApi.train(id),
    onSuccess: async () => {
      notifySuccess("Training started: it runs in the background");
      await qc.invalidateQueries({ queryKey: insightKeys.models });
    },
    onError: (e) => notifyError(e, "Could not start the training"),
  });
}

function TrainingState({ model }: { model: InsightModel }) {
  if (model.status === "training")
    return (
      <Stack gap={4} data-testid="training-progress">
        <Text fz="sm">{model.progress?.step ?? "Training"}…</Text>
        <Progress value={model.progress && model.progress.total > 0 ? (model.progress.done / model.progress.total) * 100 : 5} animated />
      </Stack>
    );
  if (model.problem)
    return (
      <Alert
        color={model.status === "failed" ? "red" : "yellow"}
        title={model.status === "failed" ? "Not trained" : "The last training did not replace this model"}
        data-testid="model-problem"
      >
        {model.problem}
      </Alert>
    );
  return null;
}

/** Settings → Predictions: the workspace's models, each with its quality at a glance, and a way to add one. */
export function InsightsSettings() {
  useDocumentTitle("Predictions · Settings · Rapport");
  const models = useQuery(modelsQuery);
  const qc = useQueryClient();
  const create = useMutation({
    mutationFn: (kind: ModelKind) => insightsApi.create({ kind }),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: insightKeys.models });
    },
    onError: (e) => notifyError(e, "Could not add the model"),
  });
  const missing = modelKinds.filter((k) => !models.data?.some((m) => m.kind === k));
  return (
    <Stack gap="lg" maw={1080} data-testid="insights-settings">
      <div>
        <Title order={2}>Predictions</Title>
        <Text c="dimmed" fz="sm">
          Models trained in Rapport on this workspace's own records, never sent anywhere. Each is measured on records it did not learn from, and every score
          comes with the factors that drove it.
        </Text>
      </div>
      {models.isError && <Alert color="red">{models.error.message}</Alert>}
      {models.data?.length === 0 && (
        <Alert color="blue" title="No models yet">
          Add a model below. Win probability needs at least 50 closed deals, won and lost; churn needs a field that says which customers left.
        </Alert>
      )}
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        {models.data?.map((m) => (
          <ModelCard key={m.id} model={m} />
        ))}
      </SimpleGrid>
      {missing.length > 0 && (
        <Card withBorder radius="md">
          <Title order={4} mb="xs">
            Add a model
          </Title>
          <Stack gap="sm">
            {missing.map((k) => (
              <Group key={k} justify="space-between" wrap="nowrap">
                <div>
                  <Text fw={600}>{modelKindLabels[k]}</Text>
                  <Text fz="sm" c="dimmed">
                    {kindHelp[k]}
                  </Text>
                </div>
                <Button variant="light" onClick={() => create.mutate(k)} loading={create.isPending && create.variables === k} data-testid={`add-model-${k}`}>
                  Add
                </Button>
              </Group>
            ))}
          </Stack>
        </Card>
      )}
    </Stack>
  );
}

function ModelCard({ model }: { model: InsightModel }) {
  const train = useTrain(model.id);
  const m = model.metrics;
  return (
    <Card withBorder radius="md" data-testid={`model-card-${model.kind}`}>
      <Stack gap="xs">
        <Group justify="space-between">
          <AnchorLink to="/settings/predictions/$modelId" params={{ modelId: model.id }} fw={700} data-testid="model-link">
            {model.name}
          </AnchorLink>
          <Badge color={statusColors[model.status]} variant="light">
            {statusLabels[model.status]}
          </Badge>
        </Group>
        {m ? (
          <Text fz="sm">
            ROC AUC {fixed(m.model.auc)} · Brier {fixed(m.model.brier)} ({m.baselineLabel.toLowerCase()}: {fixed(m.baseline.brier)}) ·{" "}
            {model.scoredCount.toLocaleString()} scored
          </Text>
        ) : (
          <Text fz="sm" c="dimmed">
            {kindHelp[model.kind]}
          </Text>
        )}
        <TrainingState model={model} />
        <Group>
          <Button size="xs" onClick={() => train.mutate()} loading={train.isPending} disabled={model.status === "training"} data-testid="train-model">
            {model.trainedAt ? "Retrain now" : "Train now"}
          </Button>
          <AnchorLink to="/settings/predictions/$modelId" params={{ modelId: model.id }} fz="sm">
            Details
          </AnchorLink>
        </Group>
      </Stack>
    </Card>
  );
}

function QualityTable({ model, baseline, label }: { model: Quality; baseline: Quality; label: string }) {
  return (
    <Table withTableBorder data-testid="model-quality">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>On held-out records</Table.Th>
          <Table.Th>This model</Table.Th>
          <Table.Th>{label}</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        <Table.Tr>
          <Table.Td>ROC AUC (ranking; 0.5 is chance, 1 perfect)</Table.Td>
          <Table.Td data-testid="model-auc">{fixed(model.auc)}</Table.Td>
          <Table.Td>{fixed(baseline.auc)}</Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Td>Brier score (lower is better)</Table.Td>
          <Table.Td>{fixed(model.brier)}</Table.Td>
          <Table.Td>{fixed(baseline.brier)}</Table.Td>
        </Table.Tr>
        <Table.Tr>
          <Table.Td>Records / positive</Table.Td>
          <Table.Td colSpan={2}>
            {model.count.toLocaleString()} / {model.positives.toLocaleString()}
          </Table.Td>
        </Table.Tr>
      </Table.Tbody>
    </Table>
  );
}

/** Settings → Predictions → a model: quality, calibration, lift, the factors that matter, its configuration. */
export function InsightModelPage() {
  const { modelId } = useParams({ strict: false }) as { modelId: string };
  const model = useQuery(modelQuery(modelId));
  useDocumentTitle(`${model.data?.name ?? "Model"} · Predictions · Rapport`);
  const train = useTrain(modelId);
  if (model.isError) return <Alert color="red">{model.error.message}</Alert>;
  if (!model.data) return <Text c="dimmed">Loading…</Text>;
  const md = model.data;
  const m = md.metrics;
  return (
    <Stack gap="lg" maw={1080} data-testid="insight-model-page">
      <Group justify="space-between">
        <div>
          <AnchorLink to="/settings/predictions" fz="sm">
            ← Predictions
          </AnchorLink>
          <Title order={2}>{md.name}</Title>
          <Text c="dimmed" fz="sm">
            {md.trainedAt
              ? `Trained ${new Date(md.trainedAt).toLocaleString()} on ${m?.trainCount.toLocaleString() ?? "?"} records, measured on ${m?.testCount.toLocaleString() ?? "?"} ${m?.split === "time" ? "newer ones it never saw" : "randomly held-out ones"} · ${size(md.sizeBytes)} · ${m?.method ?? ""}`
              : "Not trained yet"}
          </Text>
        </div>
        <Button onClick={() => train.mutate()} loading={train.isPending} disabled={md.status === "training"} data-testid="train-model">
          {md.trainedAt ? "Retrain now" : "Train now"}
        </Button>
      </Group>
      <TrainingState model={md} />
      {m && (
        <>
          {m.beatsBaseline ? (
            <Alert color="teal" title={`Better than the ${m.baselineLabel.toLowerCase()}`} data-testid="baseline-verdict">
              {md.kind === "deal_win" ? "Its predictions feed the predicted forecast." : "Its scores are shown on records and lists."}
            </Alert>
          ) : (
            <Alert color="yellow" title={`Not better than the ${m.baselineLabel.toLowerCase()}`} data-testid="baseline-verdict">
              On the held-out records this model does no better than the simple baseline, so it is not used for forecasting. More labelled records or other
              fields may help.
            </Alert>
          )}
          <QualityTable model={m.model} baseline={m.baseline} label={m.baselineLabel} />
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder radius="md" data-testid="calibration-chart">
              <Title order={4}>Calibration</Title>
              <Text fz="xs" c="dimmed" mb="xs">
                Predicted probability against how often it happened, per tenth: on the diagonal, "70 %" means 7 in 10.
              </Text>
              <LineChart
                h={240}
                data={m.model.calibration.map((b) => ({
                  predicted: Math.round(b.meanPredicted * 100),
                  Observed: Math.round(b.observedRate * 100),
                  Perfect: Math.round(b.meanPredicted * 100),
                }))}
                dataKey="predicted"
                series={[
                  { name: "Observed", color: "blue.6" },
                  { name: "Perfect", color: "gray.5" },
                ]}
                xAxisLabel="Predicted %"
                yAxisLabel="Observed %"
                unit=" %"
                withDots
              />
            </Card>
            <Card withBorder radius="md" data-testid="lift-chart">
              <Title order={4}>Lift by decile</Title>
              <Text fz="xs" c="dimmed" mb="xs">
                Records sorted by score, cut in tenths: how much more often the top tenth turns out positive than average.
              </Text>
              <BarChart
                h={240}
                data={m.model.lift.map((d) => ({ decile: `${d.decile}`, Lift: Number(d.lift.toFixed(2)) }))}
                dataKey="decile"
                series={[{ name: "Lift", color: "teal.6" }]}
                xAxisLabel="Decile (1 = highest scores)"
              />
            </Card>
          </SimpleGrid>
          <Card withBorder radius="md" data-testid="model-importance">
            <Title order={4} mb="xs">
              What matters most
            </Title>
            <Table>
              <Table.Tbody>
                {m.importance.slice(0, 12).map((f) => (
                  <Table.Tr key={f.feature}>
                    <Table.Td>{f.label}</Table.Td>
                    <Table.Td w="50%">
                      <Progress value={(f.weight / Math.max(m.importance[0]?.weight ?? 1, 1e-9)) * 100} />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            {m.dropped.length > 0 && (
              <Text fz="xs" c="dimmed" mt="xs">
                Not used: {m.dropped.map((f) => `${f.label} (${f.reason})`).join(", ")}.
              </Text>
            )}
          </Card>
        </>
      )}
      <ModelConfigCard model={md} />
      {md.kind === "churn" && md.status !== "untrained" && <RankedCard kind="churn" title="Customers at risk" />}
      {md.kind === "deal_win" && md.trainedAt && <RankedCard kind="deal_win" title="Open deals most likely to win" />}
    </Stack>
  );
}

function RankedCard({ kind, title }: { kind: ModelKind; title: string }) {
  const ranked = useQuery(rankedQuery(kind, 20));
  const path = ranked.data?.object === "deal" ? "/deals/$id" : ranked.data?.object === "company" ? "/companies/$id" : "/contacts/$id";
  return (
    <Card withBorder radius="md" data-testid={`ranked-${kind}`}>
      <Title order={4} mb="xs">
        {title}
      </Title>
      {ranked.data?.data.length === 0 && <Text c="dimmed">Nothing scored yet that you can see.</Text>}
      <Table>
        <Table.Tbody>
          {ranked.data?.data.map((r) => (
            <Table.Tr key={r.id}>
              <Table.Td>
                <AnchorLink to={path} params={{ id: r.id }}>
                  {r.name || "(no name)"}
                </AnchorLink>
              </Table.Td>
              <Table.Td fw={700}>{percent(r.probability)}</Table.Td>
              <Table.Td>{r.factors[0] && <FactorLine factor={r.factors[0]} />}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Card>
  );
}

/** The admin's choices: which fields feed the model, what the label is, how it is validated and retrained. */
function ModelConfigCard({ model }: { model: InsightModel }) {
  const qc = useQueryClient();
  const object = model.object;
  const fields = useQuery({
    queryKey: ["custom-fields", object],
    queryFn: async () => {
      const res = await api.get<CustomField[] | { data: CustomField[] }>(`/api/v1/custom-fields?object=${object}`);
      return Array.isArray(res) ? res : res.data;
    },
  });
  const [chosen, setChosen] = useState<string[]>(model.config.fields);
  const [labelField, setLabelField] = useState<string | null>(model.config.label?.field ?? null);
  const [positive, setPositive] = useState(model.config.label?.positive.join(", ") ?? "");
  const [schedule, setSchedule] = useState<string>(model.config.schedule);
  const save = useMutation({
    mutationFn: () =>
      insightsApi.update(model.id, {
        config: {
          fields: chosen,
          schedule,
          ...(labelField
            ? {
                label: {
                  field: labelField,
                  positive: positive
                    .split(",")
                    .map((s) => s.trim())
                    .filter(Boolean),
                },
              }
            : {}),
        },
      }),
    onSuccess: async () => {
      notifySuccess("Saved: retrain to use the new settings");
      await qc.invalidateQueries({ queryKey: insightKeys.models });
    },
    onError: (e) => notifyError(e, "Could not save the model settings"),
  });
  const options = (fields.data ?? []).filter((f) => f.type !== "long_text").map((f) => ({ value: `custom.${f.key}`, label: f.label }));
  return (
    <Card withBorder radius="md" data-testid="model-config">
      <Title order={4} mb="xs">
        Settings
      </Title>
      <Stack gap="sm">
        <MultiSelect
          label="Custom fields to learn from"
          description="On top of the built-in ones (stage, age, amount, win rates, activity …)"
          data={options}
          value={chosen}
          onChange={setChosen}
          searchable
          clearable
        />
        {model.kind !== "deal_win" && (
          <Group grow align="flex-start">
            <Select
              label={model.kind === "churn" ? "Field that says a customer left" : "Field that says a lead converted (optional)"}
              data={options}
              value={labelField}
              onChange={setLabelField}
              clearable
            />
            <TextInput
              label="Values that mean yes"
              description="Comma-separated, e.g. Yes, churned"
              value={positive}
              onChange={(e) => setPositive(e.currentTarget.value)}
            />
          </Group>
        )}
        <Select
          label="Retrain automatically"
          data={[
            { value: "weekly", label: "Every week" },
            { value: "daily", label: "Every day" },
            { value: "off", label: "Only when I ask" },
          ]}
          value={schedule}
          onChange={(v) => setSchedule(v ?? "weekly")}
          allowDeselect={false}
          maw={260}
        />
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending} variant="light">
            Save settings
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}
