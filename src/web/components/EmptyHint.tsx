import { Button, Code, EmptyState, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import type { ReactNode } from "react";

/** Empty state that teaches what to do next. */
export function EmptyHint({
  icon,
  title,
  description,
  actionLabel,
  onAction,
  importHint,
}: {
  icon: ReactNode;
  title: string;
  description: ReactNode;
  actionLabel?: string;
  onAction?: () => void;
  importHint?: string;
}) {
  return (
    <EmptyState
      icon={icon}
      variant="light"
      title={title}
      description={description}
      py={56}
      px="md"
      style={{ border: "1px dashed var(--mantine-color-default-border)", borderRadius: "var(--mantine-radius-md)" }}
      data-testid="list-empty"
    >
      {actionLabel && onAction && (
        <EmptyState.Actions>
          <Button leftSection={<IconPlus size={16} />} onClick={onAction} data-testid="empty-create">
            {actionLabel}
          </Button>
        </EmptyState.Actions>
      )}
      {importHint && (
        <Text fz="xs" c="dimmed" mt="md" ta="center">
          Have a spreadsheet? Import it with <Code>{importHint}</Code>
        </Text>
      )}
    </EmptyState>
  );
}
