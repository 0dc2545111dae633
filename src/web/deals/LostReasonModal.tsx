import { Button, Group, Modal, Select, Stack, Text, Textarea } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { lostReasonsQuery } from "./api.js";

/** Asks why a deal was lost before it moves to a lost stage: the server refuses the move without a reason. */
export function LostReasonModal({
  opened,
  dealName,
  stageName,
  onCancel,
  onConfirm,
  loading,
}: {
  opened: boolean;
  dealName: string;
  stageName: string;
  onCancel: () => void;
  onConfirm: (reason: string) => void;
  loading?: boolean;
}) {
  const reasons = useQuery(lostReasonsQuery);
  const [reason, setReason] = useState<string | null>(null);
  const [detail, setDetail] = useState("");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (opened) {
      setReason(null);
      setDetail("");
      setError(null);
    }
  }, [opened]);
  const submit = () => {
    if (!reason) {
      setError("Choose why the deal was lost");
      return;
    }
    onConfirm(detail.trim() ? `${reason}: ${detail.trim()}`.slice(0, 300) : reason);
  };
  return (
    <Modal opened={opened} onClose={onCancel} title={`Mark “${dealName}” as lost`} centered data-testid="lost-reason-modal">
      <Stack gap="sm">
        <Text fz="sm" c="dimmed">
          Moving to {stageName} closes the deal. The reason feeds your win/loss reports.
        </Text>
        <Select
          label="Lost reason"
          required
          data={(reasons.data ?? []).map((r) => r.name)}
          value={reason}
          onChange={(v) => {
            setReason(v);
            setError(null);
          }}
          error={error}
          placeholder={reasons.isPending ? "Loading…" : "Choose a reason"}
          searchable
          data-testid="lost-reason-select"
          comboboxProps={{ withinPortal: true }}
        />
        <Textarea label="Details (optional)" value={detail} onChange={(e) => setDetail(e.currentTarget.value)} maxLength={200} autosize minRows={2} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button color="red" onClick={submit} loading={loading} data-testid="lost-reason-confirm">
            Mark as lost
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
