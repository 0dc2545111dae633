import { Badge, Button, Card, Group, Popover, Select, Skeleton, Stack, Table, Text } from "@mantine/core";
import { IconLink } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import {
  type ConsentChannel,
  type ConsentStatus,
  consentChannelLabels,
  consentChannels,
  consentSourceLabels,
  consentStatuses,
  consentStatusLabels,
  suppressionReasonLabels,
} from "../../contract/consent.js";
import { usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { contactConsentQuery, topicsQuery } from "./api.js";

const statusColor: Record<ConsentStatus, string> = { granted: "green", denied: "red", pending: "yellow" };

/** A contact's consent per channel and topic, the proof behind each, and whether its address is suppressed. */
export function ConsentPanel({ contactId }: { contactId: string }) {
  const { may } = usePermissions();
  const canRead = may("segment", "read");
  const canManage = may("segment", "create");
  const consent = useQuery({ ...contactConsentQuery(contactId), enabled: canRead });
  const segments = useQuery({
    queryKey: ["contact-segments", contactId],
    queryFn: () => api.get<{ data: { id: string; name: string; kind: string }[] }>(`/api/v1/contacts/${contactId}/segments`),
    enabled: canRead,
  });
  if (!canRead) return null;
  return (
    <Card withBorder radius="md" padding="md" data-testid="consent-panel">
      <Group justify="space-between" mb="sm">
        <Text fw={600} fz="sm">
          Consent
        </Text>
        {canManage && <RecordConsent contactId={contactId} />}
      </Group>
      {consent.isPending ? (
        <Skeleton h={50} />
      ) : consent.isError ? (
        <Text fz="sm" c="red">
          {consent.error.message}
        </Text>
      ) : (
        <Stack gap="xs">
          {consent.data.suppressed && (
            <Badge color="red" variant="light" data-testid="consent-suppressed">
              Suppressed: {suppressionReasonLabels[consent.data.suppressed.reason]}
            </Badge>
          )}
          {consent.data.doNotContact && (
            <Badge color="gray" variant="light">
              Do not contact
            </Badge>
          )}
          {consent.data.current.length === 0 ? (
            <Text fz="sm" c="dimmed">
              No consent recorded. Forms, imports, the preference page and your team record it here, with where and when it was given.
            </Text>
          ) : (
            <Table fz="xs" verticalSpacing={4}>
              <Table.Tbody>
                {consent.data.current.map((c) => (
                  <Table.Tr key={c.id} data-testid="consent-row">
                    <Table.Td>
                      {consentChannelLabels[c.channel]}
                      {c.topicName ? ` · ${c.topicName}` : ""}
                    </Table.Td>
                    <Table.Td>
                      <Badge size="xs" color={statusColor[c.status]} variant="light">
                        {consentStatusLabels[c.status]}
                      </Badge>
                    </Table.Td>
                    <Table.Td c="dimmed">
                      {consentSourceLabels[c.source]}, {new Date(c.recordedAt).toLocaleDateString()}
                      {c.ip ? ` · ${c.ip}` : ""}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
          {consent.data.history.length > consent.data.current.length && (
            <Text fz="xs" c="dimmed">
              {consent.data.history.length} records in all; the latest per channel and topic is shown.
            </Text>
          )}
          {segments.data && segments.data.data.length > 0 && (
            <Group gap={4}>
              <Text fz="xs" c="dimmed">
                In:
              </Text>
              {segments.data.data.map((s) => (
                <Badge key={s.id} size="xs" variant="outline">
                  {s.name}
                </Badge>
              ))}
            </Group>
          )}
        </Stack>
      )}
    </Card>
  );
}

function RecordConsent({ contactId }: { contactId: string }) {
  const qc = useQueryClient();
  const topics = useQuery(topicsQuery);
  const [opened, setOpened] = useState(false);
  const [channel, setChannel] = useState<ConsentChannel>("email");
  const [topicId, setTopicId] = useState<string | null>(null);
  const [status, setStatus] = useState<ConsentStatus>("granted");
  const save = useMutation({
    mutationFn: () => api.post(`/api/v1/contacts/${contactId}/consent`, { channel, topicId, status, source: "manual" }),
    onSuccess: () => {
      notifySuccess("Consent recorded");
      setOpened(false);
      void qc.invalidateQueries({ queryKey: ["contact-consent", contactId] });
    },
    onError: (e) => notifyError(e, "Could not record consent"),
  });
  const link = useMutation({
    mutationFn: () => api.post<{ url: string }>(`/api/v1/contacts/${contactId}/preference-link`),
    onSuccess: async (r) => {
      await navigator.clipboard?.writeText(r.url).catch(() => undefined);
      notifySuccess(r.url, "Preference page link copied");
    },
    onError: (e) => notifyError(e, "Could not make a link"),
  });
  return (
    <Group gap={4}>
      <Button size="compact-xs" variant="subtle" leftSection={<IconLink size={12} />} onClick={() => link.mutate()} loading={link.isPending}>
        Preference link
      </Button>
      <Popover opened={opened} onChange={setOpened} position="bottom-end" shadow="md" width={260} trapFocus>
        <Popover.Target>
          <Button size="compact-xs" variant="light" onClick={() => setOpened((o) => !o)} data-testid="consent-record">
            Record
          </Button>
        </Popover.Target>
        <Popover.Dropdown>
          <Stack gap="xs">
            <Select
              label="Channel"
              data={consentChannels.map((c) => ({ value: c, label: consentChannelLabels[c] }))}
              value={channel}
              onChange={(v) => v && setChannel(v as ConsentChannel)}
              comboboxProps={{ withinPortal: false }}
            />
            <Select
              label="Topic"
              placeholder="The whole channel"
              clearable
              data={(topics.data ?? []).filter((t) => t.active).map((t) => ({ value: t.id, label: t.name }))}
              value={topicId}
              onChange={setTopicId}
              comboboxProps={{ withinPortal: false }}
            />
            <Select
              label="Status"
              data={consentStatuses.map((s) => ({ value: s, label: consentStatusLabels[s] }))}
              value={status}
              onChange={(v) => v && setStatus(v as ConsentStatus)}
              comboboxProps={{ withinPortal: false }}
            />
            <Button size="xs" onClick={() => save.mutate()} loading={save.isPending}>
              Save
            </Button>
          </Stack>
        </Popover.Dropdown>
      </Popover>
    </Group>
  );
}
