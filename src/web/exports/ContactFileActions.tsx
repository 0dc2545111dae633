import { Group } from "@mantine/core";
import { ExportMenu } from "./ExportMenu.js";
import { VcardImportButton } from "./VcardImport.js";

/** The contacts list's file actions: import a vCard, export the current view. */
export function ContactFileActions() {
  return (
    <Group gap="xs" justify="flex-end" data-testid="contact-file-actions">
      <VcardImportButton />
      <ExportMenu object="contact" />
    </Group>
  );
}

export function CompanyFileActions() {
  return (
    <Group gap="xs" justify="flex-end">
      <ExportMenu object="company" />
    </Group>
  );
}
