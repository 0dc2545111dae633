import { ActionIcon, Tooltip } from "@mantine/core";
import { IconArrowBackUp } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useParams } from "@tanstack/react-router";
import { usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

/** "Restore previous value" on a field change in a record's timeline; the server validates and records it. */
const paths = { contact: "contacts", company: "companies", deal: "deals" } as const;
/** Deal fields the history keeps by name or that follow from the stage: the server refuses them, so no button. */
const dealFixed = new Set(["company", "contacts", "status", "closedAt", "pipelineId", "amountSource"]);

export function RestoreFieldButton({
  object,
  historyId,
  field,
  label,
}: {
  object: "contact" | "company" | "deal";
  historyId: string;
  field: string;
  label: string;
}) {
  const { id } = useParams({ strict: false }) as { id?: string };
  const { canWrite } = usePermissions();
  const qc = useQueryClient();
  const restore = useMutation({
    mutationFn: () => api.post(`/api/v1/${paths[object]}/${id}/restore-field`, { historyId, field }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: [object === "deal" ? "deals" : object] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      notifySuccess(`${label} restored`);
    },
    onError: (e) => notifyError(e, `Could not restore ${label}`),
  });
  if (!id || !canWrite || field === "mergedFrom" || field === "mergedInto" || (object === "deal" && dealFixed.has(field))) return null;
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
