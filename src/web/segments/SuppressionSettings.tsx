import { Badge, Button, Group, Paper, Table, Text, TextInput } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { type SuppressionReason, suppressionReasonLabels } from "../../contract/consent.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";
import { suppressionsQuery } from "./api.js";

const reasonColor: Record<SuppressionReason, string> = { unsubscribed: "blue", hard_bounced: "orange", complained: "red", manual: "gray" };

/** Settings → Suppression list: addresses no marketing email goes to; bounces and complaints land here by themselves. */
export function SuppressionSettings() {
  const qc = useQueryClient();
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q, 250);
  const list = useQuery(suppressionsQuery(debounced));
  const log = useQuery({
    queryKey: ["suppressions", "log"],
    queryFn: () =>
      api.get<{ data: { address: string; action: string; reason: string; detail: string; at: string; actorName: string | null }[] }>(
        "/api/v1/suppressions/log",
      ),
  });
  const [address, setAddress] = useState("");
  const [note, setNote] = useState("");
  const done = () => void qc.invalidateQueries({ queryKey: ["suppressions"] });
  const add = useMutation({
    mutationFn: () => api.post("/api/v1/suppressions", { address, note }),
    onSuccess: () => {
      notifySuccess(`${address} will receive no marketing email`);
      setAddress("");
      setNote("");
      done();
    },
    onError: (e) => notifyError(e, "Could not add the address"),
  });
  const remove = useMutation({
    mutationFn: (a: string) => api.del(`/api/v1/suppressions/${encodeURIComponent(a)}`),
    onSuccess: (_r, a) => {
      notifySuccess(`${a} can receive marketing email again`);
      done();
    },
    onError: (e) => notifyError(e, "Could not remove the address"),
  });
  const actionLabel: Record<string, string> = { added: "Added", removed: "Removed", soft_bounce: "Soft bounce" };
  return (
    <SettingsPage
      title="Suppression list"
      description="Every marketing send skips these addresses. Unsubscribes, hard bounces and spam complaints are added as they happen; add an address by hand when someone asks by phone or letter."
    >
      <Paper withBorder p="md" radius="md">
        <Group align="flex-end">
          <TextInput
            label="Email address"
            placeholder="name@example.com"
            value={address}
            onChange={(e) => setAddress(e.currentTarget.value)}
            data-testid="suppress-address"
          />
          <TextInput label="Note" placeholder="Why (optional)" value={note} onChange={(e) => setNote(e.currentTarget.value)} style={{ flex: 1 }} />
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => add.mutate()}
            loading={add.isPending}
            disabled={!address.trim()}
            data-testid="suppress-add"
          >
            Suppress
          </Button>
        </Group>
      </Paper>
      <Group>
        <TextInput placeholder="Search addresses" value={q} onChange={(e) => setQ(e.currentTarget.value)} w={280} />
      </Group>
      <Paper withBorder radius="md">
        {list.data?.data.length ? (
          <Table data-testid="suppression-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Address</Table.Th>
                <Table.Th>Reason</Table.Th>
                <Table.Th>Since</Table.Th>
                <Table.Th>By</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.data.map((s) => (
                <Table.Tr key={s.address}>
                  <Table.Td>
                    {s.address}
                    {s.note && (
                      <Text fz="xs" c="dimmed">
                        {s.note}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Badge color={reasonColor[s.reason]} variant="light">
                      {suppressionReasonLabels[s.reason]}
                    </Badge>
                  </Table.Td>
                  <Table.Td fz="sm">{new Date(s.createdAt).toLocaleString()}</Table.Td>
                  <Table.Td fz="sm">{s.createdByName ?? "Automatic"}</Table.Td>
                  <Table.Td>
                    <Button size="xs" variant="subtle" color="red" leftSection={<IconTrash size={14} />} onClick={() => remove.mutate(s.address)}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text p="md" c="dimmed" fz="sm">
            {debounced ? "No suppressed address matches." : "No address is suppressed. Unsubscribes, bounces and complaints will appear here."}
          </Text>
        )}
      </Paper>
      <Paper withBorder radius="md" p="md">
        <Text fw={600} mb="xs">
          History
        </Text>
        {log.data?.data.length ? (
          <Table>
            <Table.Tbody>
              {log.data.data.slice(0, 50).map((l) => (
                <Table.Tr key={`${l.at}${l.address}${l.action}`}>
                  <Table.Td fz="sm">{new Date(l.at).toLocaleString()}</Table.Td>
                  <Table.Td fz="sm">{actionLabel[l.action] ?? l.action}</Table.Td>
                  <Table.Td fz="sm">{l.address}</Table.Td>
                  <Table.Td fz="sm" c="dimmed">
                    {l.detail}
                  </Table.Td>
                  <Table.Td fz="sm">{l.actorName ?? "Automatic"}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        ) : (
          <Text c="dimmed" fz="sm">
            Nothing has changed yet.
          </Text>
        )}
      </Paper>
    </SettingsPage>
  );
}
