import { Badge, Button, Card, Group, Select, Skeleton, Stack, Text } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { enrolmentStatusLabels, exitReasonLabels } from "../../contract/sequences.js";
import { usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { contactSequencesQuery, sequencesQuery } from "./api.js";

/** The contact's sequences (the live one first) and, for marketing, "Enrol in sequence". */
export function ContactSequencesPanel({ contactId }: { contactId: string }) {
  const { may } = usePermissions();
  const canRead = may("sequence", "read");
  const canManage = may("sequence", "create");
  const qc = useQueryClient();
  const mine = useQuery({ ...contactSequencesQuery(contactId), enabled: canRead });
  const all = useQuery({ ...sequencesQuery, enabled: canManage });
  const [choice, setChoice] = useState<string | null>(null);
  const live = mine.data?.find((e) => e.status === "active" || e.status === "paused");
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ["contact-sequences", contactId] });
    void qc.invalidateQueries({ queryKey: ["sequences"] });
  };
  const enrol = useMutation({
    mutationFn: () => api.post<{ enrolled: number; skipped: number }>(`/api/v1/sequences/${choice}/enrolments`, { contactIds: [contactId] }),
    onSuccess: (r) => {
      refresh();
      if (r.enrolled) notifySuccess("Enrolled in the sequence");
      else notifyError(new Error("Not enrolled: the contact is already in a sequence, has no email address, unsubscribed or is suppressed."), "Not enrolled");
      setChoice(null);
    },
    onError: (e) => notifyError(e, "Could not enrol"),
  });
  const act = useMutation({
    mutationFn: (action: "pause" | "resume" | "remove") => api.post(`/api/v1/sequence-enrolments/${live?.id}/${action}`, {}),
    onSuccess: refresh,
    onError: (e) => notifyError(e),
  });
  if (!canRead) return null;
  return (
    <Card withBorder radius="md" padding="md" data-testid="contact-sequences">
      <Text fw={600} fz="sm" mb="sm">
        Sequences
      </Text>
      {mine.isPending ? (
        <Skeleton h={40} />
      ) : mine.isError ? (
        <Text fz="sm" c="red">
          {mine.error.message}
        </Text>
      ) : (
        <Stack gap="xs">
          {mine.data.length === 0 && (
            <Text fz="sm" c="dimmed">
              Not in any sequence.
            </Text>
          )}
          {mine.data.slice(0, 5).map((e) => (
            <Group key={e.id} justify="space-between" gap="xs" wrap="nowrap">
              <div>
                <AnchorLink to="/marketing/sequences/$id" params={{ id: e.sequenceId }} fz="sm">
                  {e.sequenceName}
                </AnchorLink>
                <Text fz="xs" c="dimmed">
                  {e.exitReason ? exitReasonLabels[e.exitReason] : e.nextAt ? `Next step ${new Date(e.nextAt).toLocaleString()}` : ""}
                </Text>
              </div>
              <Badge
                size="sm"
                variant="light"
                color={e.status === "active" ? "green" : e.status === "paused" ? "yellow" : "gray"}
                data-testid="contact-sequence-status"
              >
                {enrolmentStatusLabels[e.status]}
              </Badge>
            </Group>
          ))}
          {canManage && live && (
            <Group gap="xs">
              {live.status === "active" ? (
                <Button size="compact-xs" variant="light" onClick={() => act.mutate("pause")}>
                  Pause
                </Button>
              ) : (
                <Button size="compact-xs" variant="light" onClick={() => act.mutate("resume")}>
                  Resume
                </Button>
              )}
              <Button size="compact-xs" variant="subtle" color="red" onClick={() => act.mutate("remove")}>
                Take out
              </Button>
            </Group>
          )}
          {canManage && !live && (
            <Group gap="xs" wrap="nowrap">
              <Select
                size="xs"
                placeholder={all.data?.length ? "Choose a sequence" : "No sequences yet"}
                data={(all.data ?? []).filter((s) => s.status === "active").map((s) => ({ value: s.id, label: s.name }))}
                value={choice}
                onChange={setChoice}
                style={{ flex: 1 }}
                data-testid="enrol-sequence-select"
              />
              <Button size="xs" disabled={!choice} loading={enrol.isPending} onClick={() => enrol.mutate()} data-testid="enrol-in-sequence">
                Enrol in sequence
              </Button>
            </Group>
          )}
        </Stack>
      )}
    </Card>
  );
}
