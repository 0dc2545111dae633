import { Alert, Button, type ButtonProps, Modal, Select, Stack, Text } from "@mantine/core";
import { IconBolt } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { AnchorLink } from "../components/links.js";
import { formatNumber } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { runManually, workflowsQuery } from "./api.js";

/**
 * "Run workflow…": starts a live workflow with a manual trigger on one record (a record page) or many (a list's
 * bulk bar). Only workflows whose manual trigger is for this kind of record are offered.
 */
export function RunWorkflowButton({
  object,
  recordIds,
  onDone,
  ...button
}: { object: string; recordIds: string[]; onDone?: () => void } & Omit<ButtonProps, "children" | "onClick">) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <Button variant="default" leftSection={<IconBolt size={16} />} onClick={() => setOpen(true)} data-testid="run-workflow" {...button}>
        Run workflow…
      </Button>
      <RunWorkflowModal
        opened={open}
        onClose={() => setOpen(false)}
        object={object}
        recordIds={recordIds}
        onDone={() => {
          setOpen(false);
          onDone?.();
        }}
      />
    </>
  );
}

function RunWorkflowModal({
  opened,
  onClose,
  object,
  recordIds,
  onDone,
}: {
  opened: boolean;
  onClose: () => void;
  object: string;
  recordIds: string[];
  onDone: () => void;
}) {
  const list = useQuery({ ...workflowsQuery, enabled: opened });
  const [chosen, setChosen] = useState<string | null>(null);
  const qc = useQueryClient();
  const manual = (list.data ?? []).filter((w) => w.triggerType === "manual" && w.object === object && w.status === "active");
  const n = recordIds.length;
  const noun = n === 1 ? "this record" : `${formatNumber(n)} records`;
  const run = useMutation({
    mutationFn: (id: string) => runManually(id, recordIds),
    onSuccess: (r, id) => {
      const name = manual.find((w) => w.id === id)?.name ?? "The workflow";
      const skipped = r.skipped.length ? ` ${formatNumber(r.skipped.length)} skipped: ${r.skipped[0]?.reason}` : "";
      notifySuccess(`${name} started on ${r.started.length === 1 ? "1 record" : `${formatNumber(r.started.length)} records`}.${skipped}`);
      void qc.invalidateQueries({ queryKey: ["workflows"] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      setChosen(null);
      onDone();
    },
    onError: (e) => notifyError(e, "Could not start the workflow"),
  });
  return (
    <Modal opened={opened} onClose={onClose} title="Run a workflow" size="md">
      <Stack gap="sm">
        {list.isError ? (
          <Alert color="red" variant="light" title="Could not load the workflows">
            {list.error.message}
          </Alert>
        ) : !list.isPending && manual.length === 0 ? (
          <Text fz="sm" c="dimmed" data-testid="run-workflow-empty">
            No live workflow can be started by hand on this kind of record. Build one with the trigger “Manual” in{" "}
            <AnchorLink to="/workflows" inherit>
              Workflows
            </AnchorLink>{" "}
            and publish it.
          </Text>
        ) : (
          <>
            <Select
              label="Workflow"
              data={manual.map((w) => ({ value: w.id, label: w.name }))}
              value={chosen}
              onChange={setChosen}
              placeholder={list.isPending ? "Loading…" : "Choose a workflow"}
              searchable
              data-autofocus
              data-testid="run-workflow-select"
            />
            <Button
              disabled={!chosen}
              loading={run.isPending}
              onClick={() => chosen && run.mutate(chosen)}
              leftSection={<IconBolt size={16} />}
              data-testid="run-workflow-confirm"
            >
              Run on {noun}
            </Button>
          </>
        )}
      </Stack>
    </Modal>
  );
}
