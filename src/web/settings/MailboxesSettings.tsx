import { Alert, Badge, Button, Card, Group, NumberInput, PasswordInput, Stack, Switch, Table, Text, TextInput } from "@mantine/core";
import { IconInfoCircle } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CreateMailboxBody, type MailboxList, type TestImapResult } from "../../contract/index.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

const mailboxesQuery = { queryKey: ["mailboxes"], queryFn: () => api.get<MailboxList>("/api/v1/mailboxes") };

/** Settings → Mailboxes: the addresses whose mail becomes tickets, received by SMTP or polled over IMAP. */
export function MailboxesSettings() {
  const qc = useQueryClient();
  const list = useQuery(mailboxesQuery);
  const errors = useFormErrors();
  const [address, setAddress] = useState("");
  const [name, setName] = useState("");
  const [autoAcknowledge, setAutoAcknowledge] = useState(true);
  const [useImap, setUseImap] = useState(false);
  const [host, setHost] = useState("");
  const [port, setPort] = useState<number>(993);
  const [tls, setTls] = useState(true);
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [folder, setFolder] = useState("INBOX");
  const [tested, setTested] = useState<TestImapResult | null>(null);
  const imap = useImap ? { host, port, tls, user, password: password || undefined, folder } : null;

  const create = useMutation({
    mutationFn: (body: CreateMailboxBody) => api.post("/api/v1/mailboxes", body),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: mailboxesQuery.queryKey });
      setAddress("");
      setName("");
      setPassword("");
      setTested(null);
      notifySuccess("Mailbox added");
    },
    onError: (e) => errors.fromServer(e, "Could not add the mailbox"),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/mailboxes/${id}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: mailboxesQuery.queryKey }),
  });
  const test = useMutation({
    mutationFn: () => api.post<TestImapResult>("/api/v1/mailboxes/test-imap", imap),
    onSuccess: setTested,
    onError: (e) => errors.fromServer(e, "Could not test the connection"),
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateMailboxBody.safeParse({ address, name, autoAcknowledge, imap }));
    if (body) create.mutate(body);
  };

  const boxes = list.data?.data ?? [];
  const receiver = list.data?.smtpReceiver ?? null;
  return (
    <SettingsPage
      title="Mailboxes"
      description="Email to these addresses becomes tickets: a new conversation opens a ticket and acknowledges it with its number; replies join their ticket."
    >
      <Stack maw={760}>
        <Alert variant="light" color="blue" icon={<IconInfoCircle size={18} />} title="How mail reaches Rapport">
          {receiver
            ? `This server receives mail by SMTP on port ${receiver.port}: point your domain's MX (or a forwarding rule) at it.`
            : "This server does not receive mail by SMTP (set MAIL_IN_SMTP_PORT). Give a mailbox IMAP settings and Rapport reads it every minute instead."}
        </Alert>
        {boxes.length === 0 ? (
          <Text c="dimmed">
            No mailboxes yet. Add your support address below, for example support@yourcompany.com, and customers' emails to it become tickets.
          </Text>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Address</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>How</Table.Th>
                <Table.Th>Last poll</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {boxes.map((b) => (
                <Table.Tr key={b.id}>
                  <Table.Td>{b.address}</Table.Td>
                  <Table.Td>{b.name}</Table.Td>
                  <Table.Td>{b.imap ? <Badge variant="light">IMAP {b.imap.host}</Badge> : <Badge variant="light">SMTP</Badge>}</Table.Td>
                  <Table.Td>
                    {b.imapState?.lastError ? (
                      <Text c="red" size="sm">
                        {b.imapState.lastError}
                      </Text>
                    ) : (
                      <Text size="sm">{b.imapState?.lastPolledAt ? new Date(b.imapState.lastPolledAt).toLocaleString() : "—"}</Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button variant="subtle" color="red" size="xs" onClick={() => remove.mutate(b.id)}>
                      Remove
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Card withBorder component="form" onSubmit={submit}>
          <Stack>
            <Text fw={600}>Add a mailbox</Text>
            <TextInput
              label="Address"
              placeholder="support@yourcompany.com"
              value={address}
              onChange={(e) => setAddress(e.currentTarget.value)}
              error={errors.get("address")}
            />
            <TextInput label="Name" placeholder="Support" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.get("name")} />
            <Switch label="Acknowledge new tickets by email" checked={autoAcknowledge} onChange={(e) => setAutoAcknowledge(e.currentTarget.checked)} />
            <Switch label="Read an existing mailbox over IMAP" checked={useImap} onChange={(e) => setUseImap(e.currentTarget.checked)} />
            {useImap && (
              <>
                <Group grow>
                  <TextInput
                    label="IMAP server"
                    placeholder="imap.yourcompany.com"
                    value={host}
                    onChange={(e) => setHost(e.currentTarget.value)}
                    error={errors.get("imap.host")}
                  />
                  <NumberInput label="Port" value={port} onChange={(v) => setPort(Number(v) || 993)} min={1} max={65535} />
                </Group>
                <Switch label="TLS from the start (IMAPS)" checked={tls} onChange={(e) => setTls(e.currentTarget.checked)} />
                <TextInput label="User name" value={user} onChange={(e) => setUser(e.currentTarget.value)} error={errors.get("imap.user")} />
                <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} error={errors.get("imap.password")} />
                <TextInput label="Folder" value={folder} onChange={(e) => setFolder(e.currentTarget.value)} />
                <Group>
                  <Button variant="default" onClick={() => test.mutate()} loading={test.isPending} disabled={!host || !user || !password}>
                    Test connection
                  </Button>
                  {tested && <Text c={tested.ok ? "green" : "red"}>{tested.message}</Text>}
                </Group>
              </>
            )}
            <Group>
              <Button type="submit" loading={create.isPending}>
                Add mailbox
              </Button>
            </Group>
          </Stack>
        </Card>
      </Stack>
    </SettingsPage>
  );
}
