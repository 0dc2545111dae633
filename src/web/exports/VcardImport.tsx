import { Alert, Badge, Button, FileInput, Group, List, Modal, ScrollArea, Stack, Text } from "@mantine/core";
import { IconAddressBook, IconAlertTriangle, IconUpload } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { VcardImportResult } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ApiError } from "../http/client.js";
import { notifyError } from "../lib/notify.js";

async function uploadVcf(file: File): Promise<VcardImportResult> {
  const form = new FormData();
  form.append("file", file, file.name);
  const res = await fetch("/api/v1/contacts/vcard", { method: "POST", body: form, credentials: "same-origin", headers: { accept: "application/json" } });
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok) {
    throw new ApiError({
      type: String(body.type ?? "about:blank"),
      title: String(body.title ?? "Import failed"),
      status: res.status,
      code: String(body.code ?? `http_${res.status}`),
      detail: typeof body.detail === "string" ? body.detail : undefined,
    });
  }
  return body as unknown as VcardImportResult;
}

function Issues({ title, color, items }: { title: string; color: string; items: VcardImportResult["rejected"] }) {
  if (items.length === 0) return null;
  return (
    <Stack gap={4}>
      <Text fw={600} fz="sm">
        {title}
      </Text>
      <ScrollArea.Autosize mah={180}>
        <List size="sm" spacing={2} c={color}>
          {items.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a card can appear more than once (several warnings)
            <List.Item key={i}>
              <Text span fz="sm" c="dimmed">
                Card {r.index}
                {r.name ? ` (${r.name})` : ""}:{" "}
              </Text>
              <Text span fz="sm">
                {r.reason}
              </Text>
            </List.Item>
          ))}
        </List>
      </ScrollArea.Autosize>
    </Stack>
  );
}

/** "Import vCard" on the contacts page: upload a .vcf, then a summary of what was created, skipped and rejected. */
export function VcardImportButton() {
  const { canWrite } = usePermissions();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState<File | null>(null);
  const upload = useMutation({
    mutationFn: uploadVcf,
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["contact"] }),
    onError: (e) => notifyError(e, "Could not import the file"),
  });
  if (!canWrite) return null;
  const result = upload.data;
  const close = () => {
    setOpen(false);
    setFile(null);
    upload.reset();
  };

  return (
    <>
      <Button variant="default" size="sm" leftSection={<IconAddressBook size={16} />} onClick={() => setOpen(true)} data-testid="vcard-import">
        Import vCard
      </Button>
      <Modal opened={open} onClose={close} title="Import contacts from a vCard file" size="lg">
        {result ? (
          <Stack gap="sm" data-testid="vcard-summary">
            <Group gap="xs">
              <Badge color="teal" variant="light" size="lg" tt="none">
                {result.created} created
              </Badge>
              <Badge color="gray" variant="light" size="lg" tt="none">
                {result.skipped.length} skipped
              </Badge>
              <Badge color={result.rejected.length ? "red" : "gray"} variant="light" size="lg" tt="none">
                {result.rejected.length} rejected
              </Badge>
            </Group>
            <Text fz="sm" c="dimmed">
              {result.cards} card{result.cards === 1 ? "" : "s"} in the file.
              {result.companiesCreated ? ` ${result.companiesCreated} new compan${result.companiesCreated === 1 ? "y" : "ies"} from ORG.` : ""}
              {result.notesCreated ? ` ${result.notesCreated} note${result.notesCreated === 1 ? "" : "s"} added to timelines.` : ""}
            </Text>
            <Issues title="Rejected" color="red" items={result.rejected} />
            <Issues title="Skipped" color="dimmed" items={result.skipped} />
            <Issues title="Left out of imported cards" color="dimmed" items={result.warnings} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => upload.reset()}>
                Import another file
              </Button>
              <Button onClick={close}>Done</Button>
            </Group>
          </Stack>
        ) : (
          <Stack gap="sm">
            <Text fz="sm" c="dimmed">
              vCard 2.1, 3.0 and 4.0 from Outlook, Gmail, iPhone, Android, macOS and others. Companies are matched by name (or created), notes go to the
              timeline, and a card whose email already belongs to a contact is skipped.
            </Text>
            <FileInput
              label="vCard file"
              placeholder="Choose a .vcf file"
              accept=".vcf,.vcard,text/vcard,text/x-vcard"
              value={file}
              onChange={setFile}
              clearable
              leftSection={<IconUpload size={16} />}
              data-testid="vcard-file"
            />
            {upload.isError && (
              <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />}>
                {upload.error.message}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button disabled={!file} loading={upload.isPending} onClick={() => file && upload.mutate(file)} data-testid="vcard-upload">
                Import
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
