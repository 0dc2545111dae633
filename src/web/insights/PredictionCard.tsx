import { Badge, Card, Group, Progress, Stack, Text, Title, Tooltip } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import type { Factor, ModelObject, RecordScore } from "../../contract/index.js";
import { percent, scoresQuery, signedPoints } from "./api.js";

/** One factor as people read it: "+12 %: Activities in the last 30 days is 4". */
export function FactorLine({ factor }: { factor: Factor }) {
  const up = factor.effect >= 0;
  return (
    <Group gap="xs" wrap="nowrap" data-testid="prediction-factor">
      <Text fz="sm" fw={600} c={up ? "teal.7" : "red.7"} miw={52} ta="right">
        {signedPoints(factor.effect)}
      </Text>
      <Text fz="sm" lineClamp={2}>
        {factor.label}: {factor.value}
      </Text>
    </Group>
  );
}

function ScoreBlock({ score, object }: { score: RecordScore; object: ModelObject }) {
  const risk = score.kind === "churn";
  const color = risk ? (score.probability >= 0.5 ? "red" : score.probability >= 0.25 ? "orange" : "teal") : score.probability >= 0.5 ? "teal" : "orange";
  return (
    <Stack gap={6}>
      <Group justify="space-between" wrap="nowrap">
        <Text fz="sm" c="dimmed">
          {score.kindLabel}
        </Text>
        <Text fw={700} fz="xl" data-testid="prediction-probability">
          {percent(score.probability)}
        </Text>
      </Group>
      <Progress value={score.probability * 100} color={color} size="sm" aria-label={`${score.kindLabel} ${percent(score.probability)}`} />
      {score.baseline !== null && (
        <Text fz="xs" c="dimmed">
          {score.baselineLabel}: {percent(score.baseline)}
          {!score.usedForForecast && object === "deal" && " · the model does not beat it yet, so forecasts keep using it"}
        </Text>
      )}
      <Text fz="xs" c="dimmed" mt={4}>
        Why (from the model itself, largest first):
      </Text>
      {score.factors.map((f) => (
        <FactorLine key={f.feature} factor={f} />
      ))}
    </Stack>
  );
}

/** A record's predicted probabilities (win, churn, conversion) with the factors behind each; nothing when no model scored it. */
export function PredictionCard({ object, id }: { object: ModelObject; id: string }) {
  const scores = useQuery(scoresQuery(object, id));
  if (!scores.data || scores.data.length === 0) return null;
  return (
    <Card withBorder radius="md" padding="md" data-testid="prediction-card">
      <Group justify="space-between" mb="xs">
        <Title order={4}>Prediction</Title>
        <Tooltip label="Trained on this workspace's own records; see Settings → Predictions for how good it is">
          <Badge variant="light" color="gray">
            Insights
          </Badge>
        </Tooltip>
      </Group>
      <Stack gap="md">
        {scores.data.map((s) => (
          <ScoreBlock key={s.modelId} score={s} object={object} />
        ))}
      </Stack>
    </Card>
  );
}
