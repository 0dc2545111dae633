import { Button, Code, EmptyState, Text } from "@mantine/core";
import { IconPlus } from "@tabler/icons-react";
import type { ReactNode } from "react";
import { useMe } from "../app/me.js";
import { AnchorLink } from "./links.js";

/** The importer's object names and a file name that fits them, as `rapport import <object> <file>` takes them. */
const importFiles = { contact: "contacts.csv", company: "companies.csv" } as const;

/** Where to import a spreadsheet: the Import page, or the real CLI command for this workspace. */
function ImportHint({ object }: { object: keyof typeof importFiles }) {
  const me = useMe();
  return (
    <Text fz="xs" c="dimmed" mt="md" ta="center" data-testid="import-hint">
      Have a spreadsheet?{" "}
      <AnchorLink to="/imports" inherit>
        Import it on the Import page
      </AnchorLink>
      , or from a terminal: <Code style={{ overflowWrap: "anywhere" }}>{`rapport import ${object} ${importFiles[object]} --workspace ${me.workspace.id}`}</Code>
    </Text>
  );
}

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
  importHint?: keyof typeof importFiles;
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
      {importHint && <ImportHint object={importHint} />}
    </EmptyState>
  );
}
