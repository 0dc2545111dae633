import { ActionIcon, Tooltip } from "@mantine/core";
import { IconArrowBackUp } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

/** "Restore previous value" on a field change in a record's timeline; the server validates and records it. */
export function RestoreFieldButton({ object, historyId, field, label }: { object: "contact" | "company"; historyId: string; field: string; label: string }) {
  const { id } = useParams({ strict: false }) as { id?: string };
  const { canWrite } = usePermissions();
  const qc = useQueryClient();
  const restore = useMutation({
    mutationFn: () => api.post(`/api/v1/${object === "contact" ? "contacts" : "companies"}/${id}/restore-field`, { historyId, field }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: [object] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      notifySuccess(`${label} restored`);
    },
    onError: (e) => notifyError(e, `Could not restore ${label}`),
  });
  if (!id || !canWrite || field === "mergedFrom" || field === "mergedInto") return null;
  return (
    <Tooltip label="Restore previous value" withArrow>
      <ActionIcon
        variant="subtle"
        color="gray"
        size="sm"
        ml={4}
        aria-label={`Restore previous value of ${label}`}
        loading={restore.isPending}
        onClick={() => restore.mutate()}
        data-testid="restore-field"
      >
        <IconArrowBackUp size={14} />
      </ActionIcon>
    </Tooltip>
  );
}
