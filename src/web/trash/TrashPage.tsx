import { Button, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { IconRestore } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import type { Company, Contact, CustomField } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { companyListConfig } from "../companies/CompaniesPage.js";
import { contactListConfig } from "../contacts/ContactsPage.js";
import { api } from "../http/client.js";
import { objectPath, type RecordObject } from "../http/queries.js";
import { formatDateTime, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { CellText } from "../records/cells.js";
import { type RecordListConfig, RecordListPage } from "../records/RecordListPage.js";
import type { ColumnDef } from "../records/types.js";

function trashConfig<T extends { id: string; deletedAt: string | null }>(base: RecordListConfig<T>, keep: string[]): RecordListConfig<T> {
  const deleted: ColumnDef<T> = {
    id: "deletedAt",
    label: "Deleted",
    width: 170,
    render: (r) => <CellText title={formatDateTime(r.deletedAt)}>{formatRelative(r.deletedAt)}</CellText>,
  };
  return {
    ...base,
    columnsFor: (custom: CustomField[]) => [...base.columnsFor(custom).filter((c) => keep.includes(c.id)), deleted],
    defaultColumns: [...keep, "deletedAt"],
    defaultSort: "",
    mobileRow: (r, ctx) => ({
      ...base.mobileRow(r, ctx),
      aside: (
        <Text fz="xs" c="dimmed">
          {formatRelative(r.deletedAt)}
        </Text>
      ),
    }),
  };
}

const contactTrash = trashConfig<Contact>(contactListConfig, ["name", "primaryEmail", "company", "owner"]);
const companyTrash = trashConfig<Company>(companyListConfig, ["name", "domain", "industry", "owner"]);

/** Deleted contacts and companies, restorable one by one or in bulk. */
export function TrashPage() {
  const [object, setObject] = useState<RecordObject>("contact");
  const navigate = useNavigate();
  const header = (
    <Stack gap="xs">
      <Title order={2} fz={{ base: 22, sm: 26 }}>
        Trash
      </Title>
      <Text c="dimmed" fz="sm">
        Deleted records stay here until you restore them. They don't appear in lists, search or reports.
      </Text>
      <SegmentedControl
        value={object}
        onChange={(v) => setObject(v as RecordObject)}
        data={[
          { value: "contact", label: "Contacts" },
          { value: "company", label: "Companies" },
        ]}
        w="fit-content"
        data-testid="trash-tabs"
      />
    </Stack>
  );
  return object === "contact" ? (
    <RecordListPage<Contact>
      key="contact"
      config={contactTrash}
      trash
      hideTitle
      headerSlot={header}
      onOpen={(c) => void navigate({ to: "/contacts/$id", params: { id: c.id } })}
      rowActions={(c) => <RestoreButton object="contact" id={c.id} name={c.fullName || "Contact"} />}
    />
  ) : (
    <RecordListPage<Company>
      key="company"
      config={companyTrash}
      trash
      hideTitle
      headerSlot={header}
      onOpen={(c) => void navigate({ to: "/companies/$id", params: { id: c.id } })}
      rowActions={(c) => <RestoreButton object="company" id={c.id} name={c.name} />}
    />
  );
}

function RestoreButton({ object, id, name }: { object: RecordObject; id: string; name: string }) {
  const qc = useQueryClient();
  const { canWrite } = usePermissions();
  const restore = useMutation({
    mutationFn: () => api.post(`${objectPath[object]}/${id}/restore`),
    onSuccess: () => {
      notifySuccess(`${name} restored`);
      void qc.invalidateQueries({ queryKey: [object] });
    },
    onError: (e) => notifyError(e, "Could not restore"),
  });
  if (!canWrite) return null;
  return (
    <Button
      size="compact-sm"
      variant="light"
      leftSection={<IconRestore size={14} />}
      onClick={() => restore.mutate()}
      loading={restore.isPending}
      data-testid="restore-button"
    >
      Restore
    </Button>
  );
}
