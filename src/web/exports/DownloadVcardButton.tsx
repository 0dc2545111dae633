import { Button, Group } from "@mantine/core";
import { IconAddressBook } from "@tabler/icons-react";
import { useState } from "react";
import { notifyError } from "../lib/notify.js";
import { downloadFile } from "./download.js";

/** "Download vCard" on a contact's page: the contact as a vCard 4.0 file. */
export function DownloadVcardButton({ id }: { id: string }) {
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await downloadFile(`/api/v1/contacts/${id}/vcard`, {}, "contact.vcf");
    } catch (err) {
      notifyError(err, "Could not download the vCard");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Group justify="flex-end" mt={-8}>
      <Button
        variant="subtle"
        size="compact-sm"
        leftSection={<IconAddressBook size={14} />}
        loading={busy}
        onClick={() => void run()}
        data-testid="download-vcard"
      >
        Download vCard
      </Button>
    </Group>
  );
}
