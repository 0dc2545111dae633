import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Code,
  FileButton,
  Grid,
  Group,
  Loader,
  Modal,
  Paper,
  SegmentedControl,
  Select,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconEye, IconLock, IconMail, IconPaperclip, IconSend, IconX } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import { presenceStateLabels } from "../../contract/canned-replies.js";
import { fiveLabels } from "../../contract/csat.js";
import { ticketTypes } from "../../contract/tickets.js";
import { usePermissions } from "../app/me.js";
import { AnchorLink } from "../components/links.js";
import { UserPicker } from "../components/pickers.js";
import { RecordDealsPanel } from "../deals/RecordDealsPanel.js";
import { api } from "../http/client.js";
import { KbSuggestions } from "../kb/KbSuggestions.js";
import { formatDateTime } from "../lib/dates.js";
import { humanize } from "../lib/format.js";
import { notifyError } from "../lib/notify.js";
import { Timeline } from "../timeline/Timeline.js";
import { messagesQuery, priorityLabels, queuesQuery, statusesQuery, ticketApi, ticketKeys, ticketQuery } from "./api.js";
import { cannedApi, cannedRepliesQuery, macrosQuery } from "./canned-api.js";
import { SlaClocksSpot } from "./SlaClocksSpot.js";
import type { Ticket, TicketMessage } from "./types.js";

const route = getRouteApi("/tickets/$id");

export function TicketPage() {
  const { id } = route.useParams();
  const ticket = useQuery(ticketQuery(id));
  useDocumentTitle(ticket.data ? `#${ticket.data.number} ${ticket.data.subject} · Rapport` : "Ticket · Rapport");
  const [replying, setReplying] = useState(false);
  if (ticket.isPending)
    return (
      <Group justify="center" py="xl">
        <Loader />
      </Group>
    );
  if (ticket.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle />} title="Could not load the ticket">
        {ticket.error.message}
      </Alert>
    );
  const t = ticket.data;
  return (
    <Stack gap="md" data-testid="ticket-page">
      <CollisionBanner ticketId={t.id} replying={replying} />
      <TicketHeader ticket={t} />
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 8 }}>
          <Stack gap="md">
            <Conversation ticket={t} />
            <ReplyComposer ticket={t} onReplying={setReplying} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <SidePanel ticket={t} />
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

/**
 * Who else has this ticket open: the browser renews its own mark every 15 s (the server forgets one after 60 s) and
 * reads the others' from the answer, so two agents learn of each other before they both reply.
 */
function CollisionBanner({ ticketId, replying }: { ticketId: string; replying: boolean }) {
  const state = replying ? "replying" : "viewing";
  const presence = useQuery({
    queryKey: ["tickets", "presence", ticketId, state],
    queryFn: () => cannedApi.putPresence(ticketId, state),
    // Every 15 s alone; every 5 s while someone else is there, so "is replying" shows before both send.
    refetchInterval: (q) => ((q.state.data?.data ?? []).some((p) => !p.self) ? 5_000 : 15_000),
    refetchIntervalInBackground: true,
    retry: false,
  });
  useEffect(() => () => void cannedApi.putPresence(ticketId, "left").catch(() => undefined), [ticketId]);
  const others = (presence.data?.data ?? []).filter((p) => !p.self);
  if (others.length === 0) return null;
  const someoneReplying = others.some((p) => p.state === "replying");
  return (
    <Alert
      color={someoneReplying ? "orange" : "blue"}
      icon={<IconEye size={18} />}
      title={others.map((p) => `${p.name} ${presenceStateLabels[p.state]}`).join(", ")}
      data-testid="collision-banner"
      aria-live="polite"
    >
      {someoneReplying ? "Check before you answer: the customer may get two replies." : "Another agent has this ticket open."}
    </Alert>
  );
}

function TicketHeader({ ticket }: { ticket: Ticket }) {
  const qc = useQueryClient();
  const statuses = useQuery(statusesQuery);
  const queues = useQuery(queuesQuery);
  const { may } = usePermissions();
  const canEdit = may("ticket", "edit");
  const update = useMutation({
    mutationFn: (patch: Record<string, unknown>) => ticketApi.update(ticket.id, patch),
    onSuccess: (t) => {
      qc.setQueryData(ticketKeys.one(t.id), t);
      void qc.invalidateQueries({ queryKey: ticketKeys.all });
    },
    onError: (e) => notifyError(e, "Could not change the ticket"),
  });
  const types = [...new Set([...ticketTypes, ...(ticket.type ? [ticket.type] : [])])];
  return (
    <Stack gap="xs">
      <Group gap="xs" align="baseline">
        <AnchorLink to="/tickets" fz="sm">
          Tickets
        </AnchorLink>
        <Text c="dimmed" fz="sm">
          /
        </Text>
        <Text fz="sm" c="dimmed">
          #{ticket.number}
        </Text>
      </Group>
      <Title order={2} fz={{ base: 20, sm: 24 }} data-testid="ticket-subject-title">
        #{ticket.number} {ticket.subject}
      </Title>
      <Group gap="sm" wrap="wrap" align="flex-end">
        <Select
          label="Status"
          w={190}
          data={(statuses.data ?? []).map((s) => ({ value: s.key, label: s.label }))}
          value={ticket.status}
          onChange={(v) => v && v !== ticket.status && update.mutate({ status: v })}
          disabled={!canEdit}
          allowDeselect={false}
          data-testid="ticket-status"
        />
        <Select
          label="Priority"
          w={130}
          data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
          value={ticket.priority}
          onChange={(v) => v && v !== ticket.priority && update.mutate({ priority: v })}
          disabled={!canEdit}
          allowDeselect={false}
          data-testid="ticket-priority"
        />
        <Select
          label="Type"
          w={140}
          placeholder="None"
          clearable
          data={types.map((x) => ({ value: x, label: humanize(x) }))}
          value={ticket.type}
          onChange={(v) => update.mutate({ type: v })}
          disabled={!canEdit}
        />
        <Select
          label="Queue"
          w={170}
          placeholder="No queue"
          clearable
          data={(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))}
          value={ticket.queueId}
          onChange={(v) => update.mutate({ queueId: v })}
          disabled={!canEdit}
        />
        <UserPicker
          label="Assignee"
          w={190}
          placeholder="Unassigned"
          clearable
          value={ticket.assigneeId}
          onChange={(v) => update.mutate({ assigneeId: v })}
          disabled={!canEdit}
          data-testid="ticket-assignee"
        />
      </Group>
      {ticket.tags.length > 0 && (
        <Group gap={4}>
          {ticket.tags.map((tag) => (
            <Badge key={tag} variant="outline" size="sm">
              {tag}
            </Badge>
          ))}
        </Group>
      )}
    </Stack>
  );
}

function Conversation({ ticket }: { ticket: Ticket }) {
  const messages = useQuery({ ...messagesQuery(ticket.id), refetchInterval: 30_000 });
  const [original, setOriginal] = useState<TicketMessage | null>(null);
  if (messages.isPending) return <Loader size="sm" />;
  if (messages.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle />} title="Could not load the conversation">
        {messages.error.message}
      </Alert>
    );
  if (messages.data.length === 0)
    return (
      <Text c="dimmed" fz="sm" data-testid="conversation-empty">
        No messages yet. Write the first reply below, or an internal note only your team sees.
      </Text>
    );
  return (
    <Stack gap="sm" data-testid="conversation">
      {messages.data.map((m) => {
        const note = m.kind === "note";
        const customer = m.direction === "in";
        return (
          <Paper
            key={m.id}
            withBorder
            p="sm"
            radius="md"
            bg={note ? "var(--mantine-color-yellow-light)" : customer ? undefined : "var(--mantine-color-blue-light)"}
            style={note ? { borderStyle: "dashed" } : undefined}
            data-testid={note ? "message-note" : "message-reply"}
          >
            <Group justify="space-between" gap="xs" mb={4} wrap="nowrap">
              <Group gap={6} wrap="wrap">
                <Text fw={600} fz="sm">
                  {m.authorUserName ?? m.fromAddress ?? (customer ? (ticket.contactName ?? "Customer") : "Agent")}
                </Text>
                {note ? (
                  <Badge size="xs" color="yellow" leftSection={<IconLock size={10} />}>
                    Internal note
                  </Badge>
                ) : (
                  <Badge size="xs" variant="light" color={customer ? "gray" : "blue"}>
                    {customer ? "Customer" : "Reply"}
                  </Badge>
                )}
              </Group>
              <Text fz="xs" c="dimmed">
                {formatDateTime(m.createdAt)}
              </Text>
            </Group>
            <Text fz="sm" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere" }} data-testid="message-body">
              {m.bodyText}
            </Text>
            {(m.attachments.length > 0 || m.originalText || m.messageId) && (
              <Group gap="sm" mt="xs">
                {m.attachments.map((a) => (
                  <Anchor key={a.id} href={ticketApi.attachmentHref(ticket.id, a.id)} fz="xs" download={a.filename}>
                    <IconPaperclip size={12} /> {a.filename} ({Math.max(1, Math.round(a.size / 1024))} KB)
                  </Anchor>
                ))}
                {(m.originalText || Object.keys(m.headers).length > 0) && (
                  <Button size="compact-xs" variant="subtle" leftSection={<IconMail size={12} />} onClick={() => setOriginal(m)}>
                    View original
                  </Button>
                )}
              </Group>
            )}
          </Paper>
        );
      })}
      <Modal opened={Boolean(original)} onClose={() => setOriginal(null)} title="Original message" size="xl">
        {original && (
          <Stack gap="sm">
            <Code block style={{ maxHeight: 200, overflow: "auto" }}>
              {Object.entries(original.headers)
                .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : String(v)}`)
                .join("\n") || "No headers kept"}
            </Code>
            <Code block style={{ whiteSpace: "pre-wrap", maxHeight: 480, overflow: "auto" }}>
              {original.originalText ?? original.bodyText}
            </Code>
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

interface PendingFile {
  key: string;
  filename: string;
  contentType: string;
  contentBase64: string;
  size: number;
}

const readFile = (f: File) =>
  new Promise<PendingFile>((resolve, reject) => {
    const r = new FileReader();
    r.onload = () =>
      resolve({
        key: crypto.randomUUID(),
        filename: f.name,
        contentType: f.type || "application/octet-stream",
        contentBase64: String(r.result).split(",")[1] ?? "",
        size: f.size,
      });
    r.onerror = () => reject(r.error);
    r.readAsDataURL(f);
  });

function ReplyComposer({ ticket, onReplying }: { ticket: Ticket; onReplying: (v: boolean) => void }) {
  const qc = useQueryClient();
  const { may } = usePermissions();
  const [kind, setKind] = useState<"reply" | "note">("reply");
  const [text, setText] = useState("");
  const [files, setFiles] = useState<PendingFile[]>([]);
  const canned = useQuery(cannedRepliesQuery(ticket.queueId));
  const macros = useQuery(macrosQuery);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => onReplying(text.trim().length > 0), [text, onReplying]);
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: ticketKeys.messages(ticket.id) });
    void qc.invalidateQueries({ queryKey: ticketKeys.one(ticket.id) });
    void qc.invalidateQueries({ queryKey: ticketKeys.all });
  };
  const send = useMutation({
    mutationFn: () =>
      ticketApi.addMessage(ticket.id, { kind, bodyText: text, ...(files.length ? { attachments: files.map(({ size: _s, key: _k, ...f }) => f) } : {}) }),
    onSuccess: () => {
      setText("");
      setFiles([]);
      refresh();
    },
    onError: (e) => notifyError(e, kind === "note" ? "Could not save the note" : "Could not send the reply"),
  });
  const insert = (s: string) => {
    setText((current) => (current.trim() ? `${current.replace(/\s+$/, "")}\n\n${s}` : s));
    area.current?.focus();
  };
  const useCanned = useMutation({
    mutationFn: (id: string) => cannedApi.render(id, ticket.id),
    onSuccess: (r) => insert(r.text),
    onError: (e) => notifyError(e, "Could not fill in the canned reply"),
  });
  const applyMacro = useMutation({
    mutationFn: (id: string) => cannedApi.applyMacro(id, [ticket.id], false),
    onSuccess: (r, id) => {
      const result = r.data[0];
      if (!result?.ok) return notifyError(new Error(result?.error ?? "Refused"), "Could not apply the macro");
      if (result.reply) {
        insert(result.reply);
        const macro = macros.data?.find((m) => m.id === id);
        if (macro) setKind(macro.replyKind);
      }
      refresh();
    },
    onError: (e) => notifyError(e, "Could not apply the macro"),
  });
  // What the customer asked, for the knowledge base's suggestions: the subject and their latest message (the
  // conversation's query, already loaded).
  const messages = useQuery(messagesQuery(ticket.id));
  const asked = (messages.data ?? []).filter((m) => m.direction === "in").at(-1)?.bodyText ?? "";
  if (!may("ticket", "edit")) return null;
  return (
    <Stack gap="sm">
      <Card withBorder radius="md" padding="sm" data-testid="composer" bg={kind === "note" ? "var(--mantine-color-yellow-light)" : undefined}>
        <Stack gap="xs">
          <Group justify="space-between" wrap="wrap" gap="xs">
            <SegmentedControl
              size="xs"
              value={kind}
              onChange={(v) => setKind(v as "reply" | "note")}
              data={[
                { value: "reply", label: "Reply to customer" },
                { value: "note", label: "Internal note" },
              ]}
              data-testid="composer-kind"
            />
            <Group gap="xs">
              <Select
                size="xs"
                w={190}
                placeholder="Insert canned reply…"
                aria-label="Insert canned reply"
                searchable
                data={(canned.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
                value={null}
                onChange={(v) => v && useCanned.mutate(v)}
                nothingFoundMessage="No canned replies — add them under Settings → Service desk"
                data-testid="canned-picker"
              />
              <Select
                size="xs"
                w={170}
                placeholder="Apply macro…"
                aria-label="Apply macro"
                data={(macros.data ?? []).map((m) => ({ value: m.id, label: m.name }))}
                value={null}
                onChange={(v) => v && applyMacro.mutate(v)}
                nothingFoundMessage="No macros yet"
                data-testid="macro-picker"
              />
            </Group>
          </Group>
          <Textarea
            ref={area}
            autosize
            minRows={4}
            maxRows={16}
            placeholder={kind === "note" ? "Only your team sees internal notes." : `Reply to ${ticket.contactName ?? "the customer"} by email…`}
            aria-label={kind === "note" ? "Internal note" : "Reply"}
            value={text}
            onChange={(e) => setText(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.metaKey || e.ctrlKey) && text.trim()) send.mutate();
            }}
            data-testid="composer-text"
          />
          {files.length > 0 && (
            <Group gap={6}>
              {files.map((f) => (
                <Badge
                  key={f.key}
                  variant="light"
                  rightSection={
                    <IconX
                      size={10}
                      style={{ cursor: "pointer" }}
                      aria-label={`Remove ${f.filename}`}
                      onClick={() => setFiles((fs) => fs.filter((x) => x.key !== f.key))}
                    />
                  }
                >
                  {f.filename}
                </Badge>
              ))}
            </Group>
          )}
          <Group justify="space-between">
            <FileButton multiple onChange={async (picked) => setFiles([...files, ...(await Promise.all(picked.map(readFile)))])}>
              {(props) => (
                <Button {...props} size="xs" variant="subtle" leftSection={<IconPaperclip size={14} />}>
                  Attach files
                </Button>
              )}
            </FileButton>
            <Button
              leftSection={kind === "note" ? <IconLock size={16} /> : <IconSend size={16} />}
              color={kind === "note" ? "yellow" : undefined}
              onClick={() => send.mutate()}
              loading={send.isPending}
              disabled={!text.trim()}
              data-testid="composer-send"
            >
              {kind === "note" ? "Add note" : "Send reply"}
            </Button>
          </Group>
        </Stack>
      </Card>
      <KbSuggestions text={`${ticket.subject}\n${asked}`} onInsertLink={(url, a) => insert(`${a.title}: ${url}`)} />
    </Stack>
  );
}

function SidePanel({ ticket }: { ticket: Ticket }) {
  const customerTickets = useQuery({
    queryKey: ["tickets", "customer", ticket.contactId],
    enabled: Boolean(ticket.contactId),
    queryFn: () => api.get<{ data: Ticket[] }>("/api/v1/tickets", { contact: ticket.contactId ?? undefined, limit: 10, sort: "-updatedAt" }),
  });
  const list = (customerTickets.data?.data ?? []).filter((t) => t.id !== ticket.id);
  return (
    <Stack gap="md" data-testid="ticket-side-panel">
      <SlaClocksSpot ticketId={ticket.id} />
      {ticket.satisfaction !== null && (
        <Card withBorder radius="md" padding="sm" data-testid="ticket-satisfaction">
          <Text fw={600} fz="sm" mb={4}>
            Customer's rating
          </Text>
          <Text fz="lg" c="yellow.7" aria-label={`${ticket.satisfaction} out of 5`}>
            {"★".repeat(ticket.satisfaction)}
            <Text span c="gray.4" inherit>
              {"★".repeat(Math.max(0, 5 - ticket.satisfaction))}
            </Text>
          </Text>
          <Text fz="sm">
            {ticket.satisfaction} of 5 · {fiveLabels[ticket.satisfaction] ?? ""}
          </Text>
        </Card>
      )}
      <Card withBorder radius="md" padding="sm">
        <Text fw={600} fz="sm" mb={4}>
          Customer
        </Text>
        {ticket.contactId ? (
          <AnchorLink to="/contacts/$id" params={{ id: ticket.contactId }} data-testid="ticket-contact-link">
            {ticket.contactName ?? "Contact"}
          </AnchorLink>
        ) : (
          <Text c="dimmed" fz="sm">
            No contact linked
          </Text>
        )}
        {ticket.companyId && (
          <Text fz="sm">
            at{" "}
            <AnchorLink to="/companies/$id" params={{ id: ticket.companyId }}>
              {ticket.companyName ?? "Company"}
            </AnchorLink>
          </Text>
        )}
      </Card>
      {ticket.contactId && (
        <Card withBorder radius="md" padding="sm" data-testid="customer-tickets">
          <Text fw={600} fz="sm" mb={4}>
            Their other tickets
          </Text>
          {list.length === 0 ? (
            <Text c="dimmed" fz="sm">
              None — this is their first request.
            </Text>
          ) : (
            <Stack gap={4}>
              {list.map((t) => (
                <Group key={t.id} justify="space-between" wrap="nowrap" gap="xs">
                  <AnchorLink to="/tickets/$id" params={{ id: t.id }} fz="sm" lineClamp={1}>
                    #{t.number} {t.subject}
                  </AnchorLink>
                  <Badge size="xs" variant="light">
                    {t.statusLabel}
                  </Badge>
                </Group>
              ))}
            </Stack>
          )}
        </Card>
      )}
      {ticket.contactId && (
        <RecordDealsPanel
          object="contact"
          id={ticket.contactId}
          name={ticket.contactName ?? "Contact"}
          company={ticket.companyId ? { id: ticket.companyId, name: ticket.companyName ?? "" } : null}
        />
      )}
      {ticket.contactId && (
        <Card withBorder radius="md" padding="sm">
          <Text fw={600} fz="sm" mb="xs">
            Recent timeline
          </Text>
          <Timeline object="contact" id={ticket.contactId} customFields={[]} nouns={ticket.contactName ?? "this contact"} />
        </Card>
      )}
    </Stack>
  );
}
