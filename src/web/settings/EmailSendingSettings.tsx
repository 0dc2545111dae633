import { ActionIcon, Alert, Badge, Button, Card, Code, Group, Loader, Stack, Table, Text, Textarea, TextInput, Title } from "@mantine/core";
import { IconKey, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { SendingSettings } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

const key = ["settings", "email-sending"];

/** Settings → Email sending: who marketing mail comes from, where bounces go, the tracking address and DKIM keys. */
export function EmailSendingSettings() {
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const settings = useQuery({ queryKey: key, queryFn: () => api.get<SendingSettings>("/api/v1/settings/email-sending"), enabled: isAdmin });
  const [senders, setSenders] = useState<{ address: string; name: string }[]>([]);
  const [bounce, setBounce] = useState("");
  const [tracking, setTracking] = useState("");
  const [dkim, setDkim] = useState({ domain: "", selector: "", privateKey: "" });
  useEffect(() => {
    if (!settings.data) return;
    setSenders(settings.data.senders.map((s) => ({ address: s.address, name: s.name ?? "" })));
    setBounce(settings.data.bounceAddress ?? "");
    setTracking(settings.data.trackingBaseUrl ?? "");
  }, [settings.data]);
  const done = (data: SendingSettings, message: string) => {
    qc.setQueryData(key, data);
    notifySuccess(message);
  };
  const save = useMutation({
    mutationFn: () =>
      api.patch<SendingSettings>("/api/v1/settings/email-sending", {
        senders: senders.filter((s) => s.address.trim()).map((s) => ({ address: s.address.trim(), name: s.name.trim() || null })),
        bounceAddress: bounce.trim() || null,
        trackingBaseUrl: tracking.trim() || null,
      }),
    onSuccess: (d) => done(d, "Email sending settings saved"),
    onError: (e) => notifyError(e, "Could not save"),
  });
  const addKey = useMutation({
    mutationFn: () => api.post<SendingSettings>("/api/v1/settings/email-sending/dkim", dkim),
    onSuccess: (d) => {
      setDkim({ domain: "", selector: "", privateKey: "" });
      done(d, "DKIM key stored");
    },
    onError: (e) => notifyError(e, "Could not store the key"),
  });
  const removeKey = useMutation({
    mutationFn: (domain: string) => api.del<SendingSettings>(`/api/v1/settings/email-sending/dkim/${encodeURIComponent(domain)}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: key }),
    onError: (e) => notifyError(e),
  });

  return (
    <SettingsPage title="Email sending" description="Sender addresses, bounces, tracking links and DKIM signing for marketing email.">
      {settings.isLoading ? (
        <Loader />
      ) : settings.isError ? (
        <Alert color="red" title="Could not load the settings">
          {(settings.error as Error).message}
        </Alert>
      ) : settings.data ? (
        <Stack gap="lg">
          <Alert color={settings.data.smtpConfigured ? "teal" : "yellow"} title={settings.data.smtpConfigured ? "SMTP server configured" : "No SMTP server"}>
            {settings.data.smtpConfigured
              ? `Mail goes out through the server's SMTP_URL. The default sender is ${settings.data.defaultFrom}.`
              : "Set SMTP_URL on the server: until then email is kept in the outbox (Settings → Email log), not sent."}
          </Alert>
          <Card withBorder>
            <Stack gap="sm">
              <Title order={4}>Sender addresses</Title>
              <Text size="sm" c="dimmed">
                Marketing email may come only from these addresses (or the server's default sender).
              </Text>
              {senders.map((s, i) => (
                <Group key={`sender-${i.toString()}`} align="flex-end">
                  <TextInput
                    label={i === 0 ? "Address" : undefined}
                    placeholder="news@example.com"
                    value={s.address}
                    onChange={(e) => setSenders(senders.map((x, j) => (j === i ? { ...x, address: e.currentTarget.value } : x)))}
                    data-testid="sender-address"
                  />
                  <TextInput
                    label={i === 0 ? "Name" : undefined}
                    placeholder="Example news"
                    value={s.name}
                    onChange={(e) => setSenders(senders.map((x, j) => (j === i ? { ...x, name: e.currentTarget.value } : x)))}
                  />
                  <ActionIcon variant="subtle" color="red" aria-label="Remove sender" onClick={() => setSenders(senders.filter((_, j) => j !== i))} mb={4}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              ))}
              <Button
                variant="default"
                leftSection={<IconPlus size={16} />}
                w="fit-content"
                onClick={() => setSenders([...senders, { address: "", name: "" }])}
              >
                Add a sender
              </Button>
              <TextInput
                label="Bounce address"
                description={`Delivery reports and spam complaints come back here (its own address plus a tag per message). Point its MX at this server's mail receiver${settings.data.receiverPort ? ` (port ${settings.data.receiverPort})` : " (MAIL_IN_SMTP_PORT)"}.`}
                placeholder="bounces@example.com"
                value={bounce}
                onChange={(e) => setBounce(e.currentTarget.value)}
              />
              <TextInput
                label="Tracking address"
                description="Open, click and unsubscribe links start with this address (a domain of yours pointing at Rapport); empty: Rapport's own address."
                placeholder="https://links.example.com"
                value={tracking}
                onChange={(e) => setTracking(e.currentTarget.value)}
              />
              <Button onClick={() => save.mutate()} loading={save.isPending} w="fit-content" data-testid="save-sending">
                Save
              </Button>
            </Stack>
          </Card>
          <Card withBorder>
            <Stack gap="sm">
              <Title order={4}>DKIM signing</Title>
              <Text size="sm" c="dimmed">
                Mail from a domain with a key is signed, List-Unsubscribe headers included. Publish the TXT record shown for each domain in its DNS.
              </Text>
              {settings.data.dkim.length === 0 ? (
                <Text size="sm">No key yet: mail goes out unsigned, and many providers file unsigned bulk mail as spam.</Text>
              ) : (
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Domain</Table.Th>
                      <Table.Th>DNS record (TXT)</Table.Th>
                      <Table.Th />
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {settings.data.dkim.map((k) => (
                      <Table.Tr key={k.domain}>
                        <Table.Td>
                          {k.domain} <Badge variant="light">{k.selector}</Badge>
                        </Table.Td>
                        <Table.Td>
                          <Code>{k.dnsName}</Code>
                          <Code block style={{ wordBreak: "break-all", whiteSpace: "pre-wrap" }}>
                            {k.dnsValue}
                          </Code>
                        </Table.Td>
                        <Table.Td>
                          <ActionIcon variant="subtle" color="red" aria-label={`Remove the key of ${k.domain}`} onClick={() => removeKey.mutate(k.domain)}>
                            <IconTrash size={16} />
                          </ActionIcon>
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              <Group grow align="flex-start">
                <TextInput label="Domain" placeholder="example.com" value={dkim.domain} onChange={(e) => setDkim({ ...dkim, domain: e.currentTarget.value })} />
                <TextInput
                  label="Selector"
                  placeholder="rapport1"
                  value={dkim.selector}
                  onChange={(e) => setDkim({ ...dkim, selector: e.currentTarget.value })}
                />
              </Group>
              <Textarea
                label="Private key (PEM)"
                description="Stored sealed; it is never shown again."
                autosize
                minRows={4}
                value={dkim.privateKey}
                onChange={(e) => setDkim({ ...dkim, privateKey: e.currentTarget.value })}
                styles={{ input: { fontFamily: "monospace", fontSize: 12 } }}
              />
              <Button
                leftSection={<IconKey size={16} />}
                w="fit-content"
                onClick={() => addKey.mutate()}
                loading={addKey.isPending}
                disabled={!dkim.domain || !dkim.privateKey}
              >
                Store key
              </Button>
            </Stack>
          </Card>
        </Stack>
      ) : null}
    </SettingsPage>
  );
}
