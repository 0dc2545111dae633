import { Badge, Group, Text, Tooltip } from "@mantine/core";
import type { CustomField, User } from "../../contract/index.js";
import { formatCustomValue, lifecycleColors, lifecycleLabels } from "../lib/format.js";

export function Dim({ children }: { children?: React.ReactNode }) {
  return (
    <Text span c="dimmed" fz="sm">
      {children ?? "—"}
    </Text>
  );
}

export function CellText({ children, title }: { children: React.ReactNode; title?: string }) {
  if (children === null || children === undefined || children === "") return <Dim />;
  return (
    <Text span fz="sm" truncate="end" title={title ?? (typeof children === "string" ? children : undefined)} display="block">
      {children}
    </Text>
  );
}

export function StageBadge({ stage }: { stage: string }) {
  return (
    <Badge variant="light" color={lifecycleColors[stage] ?? "gray"} radius="sm" tt="none" fw={500}>
      {lifecycleLabels[stage] ?? stage}
    </Badge>
  );
}

export function TagList({ tags, max = 3 }: { tags: string[]; max?: number }) {
  if (!tags.length) return <Dim />;
  const shown = tags.slice(0, max);
  const rest = tags.length - shown.length;
  return (
    <Group gap={4} wrap="nowrap" style={{ overflow: "hidden" }}>
      {shown.map((t) => (
        <Badge key={t} variant="default" radius="sm" tt="none" fw={500} style={{ flexShrink: 0 }} maw={140}>
          {t}
        </Badge>
      ))}
      {rest > 0 && (
        <Tooltip label={tags.slice(max).join(", ")}>
          <Badge variant="transparent" color="gray" tt="none" px={2}>
            +{rest}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

export function OwnerName({ id, users }: { id: string | null; users: Map<string, User> }) {
  if (!id) return <Dim>Unassigned</Dim>;
  const u = users.get(id);
  return <CellText>{u ? u.name : "Unknown user"}</CellText>;
}

export function CustomCell({ field, value }: { field: CustomField; value: unknown }) {
  const text = formatCustomValue(field, value);
  if (text === "—") return <Dim />;
  if (field.type === "boolean")
    return (
      <Badge variant="light" color={value ? "teal" : "gray"}>
        {text}
      </Badge>
    );
  return <CellText>{text}</CellText>;
}
