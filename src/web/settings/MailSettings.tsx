import { Alert, Badge, Button, Card, Code, Group, Loader, Modal, Select, Stack, Table, Tabs, Text, TextInput, Tooltip } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { IconMail, IconMailForward, IconPlayerPlay, IconSearch, IconSend } from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { z } from "zod";
import { type MailAddress, type MailDetail, type MailList, type MailStatus, type MailSummary, mailKindLabels, mailStatusLabels } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { api } from "../http/client.js";
import { formatDateTime, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

type Page = z.infer<typeof MailList>;

const statusColors: Record<MailStatus, string> = { queued: "blue", sending: "blue", sent: "teal", failed: "red", not_configured: "gray" };

const addresses = (list: MailAddress[]) => list.map((a) => (a.name ? `${a.name} <${a.address}>` : a.address)).join(", ");

function StatusBadge({ mail }: { mail: Pick<MailSummary, "status" | "lastError"> }) {
  // A queued message with an error is between attempts: say so rather than "waiting".
  const label = mail.status === "queued" && mail.lastError ? "Retrying" : (mailStatusLabels[mail.status] ?? mail.status);
  return (
    <Badge color={statusColors[mail.status]} variant="light" tt="none" style={{ whiteSpace: "normal", height: "auto" }} data-testid="mail-status">
      {label}
    </Badge>
  );
}

const statusOptions = [
  { value: "all", label: "All statuses" },
  ...(["sent", "queued", "sending", "failed", "not_configured"] as const).map((s) => ({ value: s, label: mailStatusLabels[s] ?? s })),
];

/** Settings → Email log: everything the product sent or would have sent, with its delivery status and content. */
export function MailSettings() {
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const [status, setStatus] = useState("all");
  const [search, setSearch] = useState("");
  const [q] = useDebouncedValue(search.trim(), 250);
  const [openId, setOpenId] = useState<string | null>(null);

  const log = useInfiniteQuery({
    queryKey: ["mail", { status, q }],
    queryFn: ({ pageParam }) => api.get<Page>("/api/v1/mail", { status: status === "all" ? undefined : status, q, cursor: pageParam, limit: 50 }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: isAdmin,
    // Sends happen in the background: keep the statuses moving while the page is open.
    refetchInterval: 5000,
  });
  const unsent = useQuery({
    queryKey: ["mail", "unsent"],
    queryFn: () => api.get<Page>("/api/v1/mail", { status: "not_configured", limit: 1 }),
    enabled: isAdmin,
    refetchInterval: 5000,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ["mail"] });
  const test = useMutation({
    mutationFn: () => api.post<MailDetail>("/api/v1/mail/test"),
    onSuccess: (m) => {
      notifySuccess(`Test email queued for ${addresses(m.to)}.`);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not queue the test email"),
  });
  const sendUnsent = useMutation({
    mutationFn: () => api.post<{ queued: number }>("/api/v1/mail/send-unsent"),
    onSuccess: (r) => {
      notifySuccess(r.queued === 1 ? "1 email queued to send." : `${r.queued} emails queued to send.`);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not send the kept emails"),
  });

  const first = log.data?.pages[0];
  const smtpConfigured = first?.smtpConfigured ?? unsent.data?.smtpConfigured;
  const rows = log.data?.pages.flatMap((p) => p.data) ?? [];
  const hasUnsent = (unsent.data?.data.length ?? 0) > 0;
  const filtered = status !== "all" || Boolean(q);

  return (
    <SettingsPage
      title="Email log"
      description="Every email Rapport sends — task reminders, test emails — goes through this outbox. Temporary failures are retried with growing delays; a message the receiving server refuses stays failed until you retry it."
      actions={
        <Button variant="light" leftSection={<IconSend size={16} />} loading={test.isPending} onClick={() => test.mutate()} data-testid="mail-test">
          Send a test email
        </Button>
      }
    >
      <Stack gap="md">
        {smtpConfigured === false && (
          <Alert color="yellow" variant="light" icon={<IconMail size={18} />} title="No SMTP server is configured" data-testid="mail-unconfigured">
            Emails are kept here as “not sent”, with their content, so you can see what would have gone out. Set <Code>SMTP_URL</Code> (and{" "}
            <Code>MAIL_FROM</Code>) on the server and restart it, then send them from here.
          </Alert>
        )}
        {smtpConfigured && hasUnsent && (
          <Alert
            color="blue"
            variant="light"
            icon={<IconMailForward size={18} />}
            title="Emails kept while no SMTP server was configured"
            data-testid="mail-unsent"
          >
            <Group justify="space-between" gap="sm">
              <Text fz="sm">They were never sent. Send them now through the SMTP server this server has.</Text>
              <Button size="xs" loading={sendUnsent.isPending} onClick={() => sendUnsent.mutate()} data-testid="mail-send-unsent">
                Send now
              </Button>
            </Group>
          </Alert>
        )}

        <Group gap="sm">
          <TextInput
            placeholder="Search recipient or subject"
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={280}
            aria-label="Search emails"
          />
          <Select data={statusOptions} value={status} onChange={(v) => setStatus(v ?? "all")} allowDeselect={false} w={280} aria-label="Status" />
          {log.isFetching && <Loader size="xs" />}
        </Group>

        {log.isPending ? (
          <Text fz="sm" c="dimmed">
            Loading…
          </Text>
        ) : log.isError ? (
          <Alert color="red" variant="light" title="Could not load the email log">
            {log.error.message}
          </Alert>
        ) : rows.length === 0 ? (
          filtered ? (
            <EmptyHint icon={<IconSearch size={24} />} title="No email matches" description="Try another status or search." />
          ) : (
            <EmptyHint
              icon={<IconMail size={24} />}
              title="No email yet"
              description={
                smtpConfigured
                  ? "Task reminders (for people who asked for them by email) and test emails appear here as they are sent, with their delivery status. Send a test email to check your SMTP settings."
                  : "Task reminders (for people who asked for them by email) and test emails appear here. With no SMTP server configured they are kept, not sent, so you can read what would have gone out."
              }
            />
          )
        ) : (
          <Card withBorder radius="md" padding={0}>
            <Table.ScrollContainer minWidth={820}>
              <Table verticalSpacing="sm" horizontalSpacing="md" highlightOnHover data-testid="mail-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>To</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>When</Table.Th>
                    <Table.Th>Attempts</Table.Th>
                    <Table.Th>Error</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((m) => (
                    <Table.Tr
                      key={m.id}
                      onClick={() => setOpenId(m.id)}
                      onKeyDown={(e) => {
                        if (e.key === "Enter" || e.key === " ") {
                          e.preventDefault();
                          setOpenId(m.id);
                        }
                      }}
                      tabIndex={0}
                      style={{ cursor: "pointer" }}
                      data-testid="mail-row"
                    >
                      <Table.Td maw={220}>
                        <Text fz="sm" truncate="end">
                          {addresses(m.to)}
                        </Text>
                      </Table.Td>
                      <Table.Td maw={320}>
                        <Text fz="sm" fw={500} truncate="end">
                          {m.subject}
                        </Text>
                        <Text fz="xs" c="dimmed">
                          {mailKindLabels[m.kind] ?? m.kind}
                        </Text>
                      </Table.Td>
                      <Table.Td maw={200}>
                        <StatusBadge mail={m} />
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={formatDateTime(m.sentAt ?? m.createdAt)}>
                          <Text fz="sm">{formatRelative(m.sentAt ?? m.createdAt)}</Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        <Text fz="sm">{m.attempts}</Text>
                      </Table.Td>
                      <Table.Td maw={260}>
                        {m.lastError && m.status !== "not_configured" ? (
                          <Text fz="xs" c={m.status === "failed" ? "red" : "dimmed"} lineClamp={2} data-testid="mail-error">
                            {m.lastError}
                          </Text>
                        ) : (
                          <Text fz="xs" c="dimmed">
                            —
                          </Text>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {log.hasNextPage && (
              <Group justify="center" p="sm">
                <Button variant="subtle" size="xs" loading={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
                  Show older emails
                </Button>
              </Group>
            )}
          </Card>
        )}
      </Stack>
      <MailModal id={openId} onClose={() => setOpenId(null)} onChanged={refresh} />
    </SettingsPage>
  );
}

function MailModal({ id, onClose, onChanged }: { id: string | null; onClose: () => void; onChanged: () => void }) {
  const mail = useQuery({ queryKey: ["mail", "one", id], queryFn: () => api.get<MailDetail>(`/api/v1/mail/${id}`), enabled: Boolean(id) });
  const qc = useQueryClient();
  const retry = useMutation({
    mutationFn: (mailId: string) => api.post<MailDetail>(`/api/v1/mail/${mailId}/retry`),
    onSuccess: (m) => {
      qc.setQueryData(["mail", "one", m.id], m);
      notifySuccess("Email queued to send again.");
      onChanged();
    },
    onError: (e) => notifyError(e, "Could not send the email again"),
  });
  const m = mail.data;
  return (
    <Modal opened={Boolean(id)} onClose={onClose} size="xl" title={<Text fw={600}>{m?.subject ?? "Email"}</Text>} data-testid="mail-modal">
      {mail.isPending ? (
        <Text fz="sm" c="dimmed">
          Loading…
        </Text>
      ) : mail.isError ? (
        <Alert color="red" variant="light">
          {mail.error.message}
        </Alert>
      ) : m ? (
        <Stack gap="sm">
          <Table withRowBorders={false} verticalSpacing={4} fz="sm" data-testid="mail-envelope">
            <Table.Tbody>
              <Table.Tr>
                <Table.Th w={120}>Status</Table.Th>
                <Table.Td>
                  <Group gap="xs">
                    <StatusBadge mail={m} />
                    {(m.status === "failed" || m.status === "not_configured") && (
                      <Button
                        size="xs"
                        variant="light"
                        leftSection={<IconPlayerPlay size={14} />}
                        loading={retry.isPending}
                        onClick={() => retry.mutate(m.id)}
                        data-testid="mail-retry"
                      >
                        {m.status === "failed" ? "Retry" : "Send now"}
                      </Button>
                    )}
                  </Group>
                </Table.Td>
              </Table.Tr>
              {m.lastError && m.status !== "not_configured" && (
                <Table.Tr>
                  <Table.Th>Error</Table.Th>
                  <Table.Td>
                    <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
                      {m.lastError}
                    </Code>
                  </Table.Td>
                </Table.Tr>
              )}
              <Table.Tr>
                <Table.Th>From</Table.Th>
                <Table.Td>{m.from}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>To</Table.Th>
                <Table.Td data-testid="mail-to">{addresses(m.to)}</Table.Td>
              </Table.Tr>
              {m.cc.length > 0 && (
                <Table.Tr>
                  <Table.Th>Cc</Table.Th>
                  <Table.Td>{addresses(m.cc)}</Table.Td>
                </Table.Tr>
              )}
              <Table.Tr>
                <Table.Th>Kind</Table.Th>
                <Table.Td>{mailKindLabels[m.kind] ?? m.kind}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Queued</Table.Th>
                <Table.Td>{formatDateTime(m.createdAt)}</Table.Td>
              </Table.Tr>
              {m.sentAt && (
                <Table.Tr>
                  <Table.Th>Sent</Table.Th>
                  <Table.Td>{formatDateTime(m.sentAt)}</Table.Td>
                </Table.Tr>
              )}
              <Table.Tr>
                <Table.Th>Attempts</Table.Th>
                <Table.Td>{m.attempts}</Table.Td>
              </Table.Tr>
              <Table.Tr>
                <Table.Th>Message-ID</Table.Th>
                <Table.Td>
                  <Code>{m.messageId}</Code>
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
          {m.contentHidden ? (
            <Alert color="gray" variant="light" data-testid="mail-hidden">
              This email carries a private link (sign-in or password reset), so only its recipient can read it.
            </Alert>
          ) : (
            <Tabs defaultValue={m.html ? "html" : "text"} keepMounted={false}>
              <Tabs.List>
                {m.html && <Tabs.Tab value="html">Formatted</Tabs.Tab>}
                <Tabs.Tab value="text">Plain text</Tabs.Tab>
              </Tabs.List>
              {m.html && (
                <Tabs.Panel value="html" pt="sm">
                  {/* Sanitised on the server; the empty sandbox also forbids scripts, forms and navigation. */}
                  <iframe
                    title="Email content"
                    sandbox=""
                    srcDoc={m.html}
                    style={{ width: "100%", height: 360, border: "1px solid var(--mantine-color-default-border)", borderRadius: 8, background: "white" }}
                    data-testid="mail-html"
                  />
                </Tabs.Panel>
              )}
              <Tabs.Panel value="text" pt="sm">
                <Code block style={{ whiteSpace: "pre-wrap", wordBreak: "break-word", maxHeight: 360, overflow: "auto" }} data-testid="mail-text">
                  {m.text ?? "(no plain-text part)"}
                </Code>
              </Tabs.Panel>
            </Tabs>
          )}
        </Stack>
      ) : null}
    </Modal>
  );
}
