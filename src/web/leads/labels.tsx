import { Badge, Tooltip } from "@mantine/core";
import { leadStatusLabels, type ScoreItem } from "../../contract/index.js";

export { leadStatusLabels };

const statusColors: Record<string, string> = { new: "blue", attempting_contact: "yellow", connected: "cyan", qualified: "teal", unqualified: "gray" };

export function LeadStatusBadge({ status }: { status: string | null }) {
  if (!status) return null;
  return (
    <Badge variant="light" color={statusColors[status] ?? "gray"} radius="sm" tt="none" fw={500}>
      {leadStatusLabels[status] ?? status}
    </Badge>
  );
}

export const scoreColor = (score: number) => (score >= 70 ? "teal" : score >= 40 ? "yellow" : "gray");

export const breakdownText = (items: ScoreItem[]) => items.map((b) => `${b.points > 0 ? "+" : ""}${b.points} ${b.label}`).join(", ");

export function ScoreBadge({ score, breakdown }: { score: number; breakdown?: ScoreItem[] }) {
  const badge = (
    // Never shrunk below its digits: in a narrow cell or a phone row a two-digit score must not become "3…".
    <Badge
      variant="filled"
      color={scoreColor(score)}
      radius="sm"
      miw={36}
      style={{ flexShrink: 0, overflow: "visible" }}
      styles={{ label: { overflow: "visible", textOverflow: "clip" } }}
      aria-label={`Lead score ${score}`}
      data-testid="lead-score-badge"
    >
      {score}
    </Badge>
  );
  return breakdown?.length ? (
    <Tooltip label={breakdownText(breakdown)} multiline maw={320} withinPortal>
      {badge}
    </Tooltip>
  ) : (
    badge
  );
}
