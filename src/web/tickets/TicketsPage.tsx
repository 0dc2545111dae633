import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Menu,
  ScrollArea,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconLayoutKanban, IconList, IconPlus, IconSearch, IconTicket } from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { UserPicker } from "../components/pickers.js";
import { formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import {
  channelLabels,
  dueLabel,
  dueWithinOptions,
  fetchTickets,
  priorityColors,
  priorityLabels,
  queuesQuery,
  statusesQuery,
  type TicketFilters,
  type TicketSort,
  type TicketTab,
  ticketApi,
  ticketKeys,
  ticketSortOptions,
} from "./api.js";
import { cannedApi, macrosQuery } from "./canned-api.js";
import { NewTicketModal } from "./NewTicketModal.js";
import { TicketBoard } from "./TicketBoard.js";
import type { TicketListItem } from "./types.js";

const route = getRouteApi("/tickets");

export interface TicketsSearch extends TicketFilters {
  view?: "list" | "board";
  new?: boolean;
}

/** The service desk's inbox: tabs by assignee, filters, search, keyset pages, bulk actions; or a board by status. */
export function TicketsPage() {
  useDocumentTitle("Tickets · Rapport");
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const { may } = usePermissions();
  const canCreate = may("ticket", "create");
  const set = (patch: Partial<TicketsSearch>) => void navigate({ search: (s) => ({ ...s, ...patch }), replace: true });
  const [text, setText] = useState(search.q ?? "");
  const [debounced] = useDebouncedValue(text, 300);
  // biome-ignore lint/correctness/useExhaustiveDependencies: only the typed words move the address
  useEffect(() => {
    if ((search.q ?? "") !== debounced) set({ q: debounced || undefined });
  }, [debounced]);
  const statuses = useQuery(statusesQuery);
  const queues = useQuery(queuesQuery);
  const view = search.view ?? "list";
  const filters: TicketFilters = {
    tab: search.tab,
    q: search.q,
    status: search.status,
    priority: search.priority,
    channel: search.channel,
    queueId: search.queueId,
    sort: search.sort,
    dueWithin: search.dueWithin,
  };

  return (
    <Stack gap="md" data-testid="tickets-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Title order={2}>Tickets</Title>
        <Group gap="sm">
          <SegmentedControl
            value={view}
            onChange={(v) => set({ view: v as "list" | "board" })}
            data={[
              { value: "list", label: <IconList size={16} aria-label="List" /> },
              { value: "board", label: <IconLayoutKanban size={16} aria-label="Board by status" /> },
            ]}
            data-testid="tickets-view"
          />
          {canCreate && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => set({ new: true })} data-testid="new-ticket">
              New ticket
            </Button>
          )}
        </Group>
      </Group>
      <Tabs value={search.tab ?? "all"} onChange={(v) => set({ tab: v === "all" ? undefined : (v as TicketTab) })}>
        <Tabs.List>
          <Tabs.Tab value="all">All</Tabs.Tab>
          <Tabs.Tab value="mine" data-testid="tab-mine">
            Mine
          </Tabs.Tab>
          <Tabs.Tab value="unassigned">Unassigned</Tabs.Tab>
          <Tabs.Tab value="overdue">Overdue</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <Group gap="sm" wrap="wrap">
        <TextInput
          leftSection={<IconSearch size={16} />}
          placeholder="Search subject and messages"
          aria-label="Search tickets"
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          w={260}
          data-testid="tickets-search"
        />
        <Select
          placeholder="Queue"
          aria-label="Queue"
          clearable
          data={(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))}
          value={search.queueId ?? null}
          onChange={(v) => set({ queueId: v ?? undefined })}
          w={160}
        />
        {view === "list" && (
          <Select
            placeholder="Status"
            aria-label="Status"
            clearable
            data={(statuses.data ?? []).map((s) => ({ value: s.key, label: s.label }))}
            value={search.status ?? null}
            onChange={(v) => set({ status: v ?? undefined })}
            w={170}
            data-testid="filter-status"
          />
        )}
        <Select
          placeholder="Priority"
          aria-label="Priority"
          clearable
          data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
          value={search.priority ?? null}
          onChange={(v) => set({ priority: v ?? undefined })}
          w={130}
        />
        <Select
          placeholder="Channel"
          aria-label="Channel"
          clearable
          data={Object.entries(channelLabels).map(([value, label]) => ({ value, label }))}
          value={search.channel ?? null}
          onChange={(v) => set({ channel: v ?? undefined })}
          w={140}
        />
        <Select
          placeholder="Any due time"
          aria-label="Due within"
          clearable
          data={dueWithinOptions}
          value={search.dueWithin ? String(search.dueWithin) : null}
          onChange={(v) => set({ dueWithin: v ? Number(v) : undefined })}
          w={180}
          data-testid="filter-due-within"
        />
        {view === "list" && (
          <Select
            aria-label="Sort by"
            data={ticketSortOptions}
            value={search.sort ?? "-createdAt"}
            onChange={(v) => set({ sort: v && v !== "-createdAt" ? (v as TicketSort) : undefined })}
            allowDeselect={false}
            w={170}
            data-testid="tickets-sort"
          />
        )}
      </Group>
      {view === "board" ? <TicketBoard filters={filters} /> : <TicketList filters={filters} onCreate={canCreate ? () => set({ new: true }) : undefined} />}
      <NewTicketModal opened={Boolean(search.new)} onClose={() => set({ new: undefined })} />
    </Stack>
  );
}

function TicketList({ filters, onCreate }: { filters: TicketFilters; onCreate?: () => void }) {
  const qc = useQueryClient();
  const statuses = useQuery(statusesQuery);
  const queues = useQuery(queuesQuery);
  const macros = useQuery(macrosQuery);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const q = useInfiniteQuery({
    queryKey: ticketKeys.list(filters),
    queryFn: ({ pageParam }) => fetchTickets(filters, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 30_000,
  });
  const tickets = q.data?.pages.flatMap((p) => p.data) ?? [];
  const ids = [...selected];
  const done = (message: string) => {
    setSelected(new Set());
    void qc.invalidateQueries({ queryKey: ticketKeys.all });
    notifySuccess(message);
  };
  const bulk = useMutation({
    mutationFn: (patch: Record<string, unknown>) => ticketApi.bulk({ ids, ...patch }),
    onSuccess: (r) => done(`${r.affected} ticket${r.affected === 1 ? "" : "s"} changed`),
    onError: (e) => notifyError(e, "Could not change the tickets"),
  });
  const macro = useMutation({
    mutationFn: (macroId: string) => cannedApi.applyMacro(macroId, ids, true),
    onSuccess: (r) => {
      const ok = r.data.filter((x) => x.ok).length;
      done(`Macro applied to ${ok} ticket${ok === 1 ? "" : "s"}${ok < r.data.length ? `; ${r.data.length - ok} refused` : ""}`);
    },
    onError: (e) => notifyError(e, "Could not apply the macro"),
  });
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  if (q.isPending)
    return (
      <Group justify="center" py="xl">
        <Loader />
      </Group>
    );
  if (q.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle />} title="Could not load tickets">
        {q.error.message}
      </Alert>
    );
  const { sort: _order, ...narrowing } = filters;
  const filtered = Object.values(narrowing).some(Boolean);
  if (tickets.length === 0)
    return (
      <EmptyHint
        icon={<IconTicket />}
        title={filtered ? "No tickets match" : "No tickets yet"}
        description={
          filtered
            ? "Clear a filter or pick another tab."
            : "Every customer request lands here: emails to your support address, web forms, the portal and the API each open a ticket. You can also log a phone call as a ticket yourself."
        }
        actionLabel={!filtered && onCreate ? "New ticket" : undefined}
        onAction={onCreate}
      />
    );
  return (
    <Stack gap="sm">
      {selected.size > 0 && (
        <Group gap="sm" wrap="wrap" data-testid="bulk-bar">
          <Text fz="sm" fw={600}>
            {selected.size} selected
          </Text>
          <Menu>
            <Menu.Target>
              <Button size="xs" variant="default" data-testid="bulk-status">
                Set status
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {(statuses.data ?? []).map((s) => (
                <Menu.Item key={s.key} onClick={() => bulk.mutate({ status: s.key })}>
                  {s.label}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <UserPicker value={null} onChange={(v) => bulk.mutate({ assigneeId: v })} placeholder="Assign to…" size="xs" w={170} aria-label="Assign to" />
          <Select
            size="xs"
            w={150}
            placeholder="Move to queue…"
            aria-label="Move to queue"
            data={(queues.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
            value={null}
            onChange={(v) => v && bulk.mutate({ queueId: v })}
          />
          <Select
            size="xs"
            w={170}
            placeholder="Apply macro…"
            aria-label="Apply macro"
            data={(macros.data ?? []).map((m) => ({ value: m.id, label: m.name }))}
            value={null}
            onChange={(v) => v && macro.mutate(v)}
            data-testid="bulk-macro"
          />
          <Button size="xs" variant="subtle" onClick={() => setSelected(new Set())}>
            Clear
          </Button>
        </Group>
      )}
      <ScrollArea type="auto">
        <Table highlightOnHover verticalSpacing="xs" miw={760} data-testid="tickets-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={36}>
                <Checkbox
                  aria-label="Select all shown"
                  checked={selected.size > 0 && selected.size === tickets.length}
                  indeterminate={selected.size > 0 && selected.size < tickets.length}
                  onChange={(e) => setSelected(e.currentTarget.checked ? new Set(tickets.map((t) => t.id)) : new Set())}
                />
              </Table.Th>
              <Table.Th>Ticket</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Priority</Table.Th>
              <Table.Th>Queue</Table.Th>
              <Table.Th>Assignee</Table.Th>
              <Table.Th>Time to breach</Table.Th>
              <Table.Th>Updated</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tickets.map((t: TicketListItem) => (
              <Table.Tr key={t.id} data-testid="ticket-row" data-ticket-subject={t.subject}>
                <Table.Td>
                  <Checkbox aria-label={`Select #${t.number}`} checked={selected.has(t.id)} onChange={() => toggle(t.id)} />
                </Table.Td>
                <Table.Td>
                  <AnchorLink to="/tickets/$id" params={{ id: t.id }} fw={500}>
                    #{t.number} {t.subject}
                  </AnchorLink>
                  <Text fz="xs" c="dimmed">
                    {channelLabels[t.channel] ?? t.channel}
                    {t.tags.length > 0 && ` · ${t.tags.join(", ")}`}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Badge variant="light">{t.statusLabel}</Badge>
                </Table.Td>
                <Table.Td>
                  <Badge variant="dot" color={priorityColors[t.priority]}>
                    {priorityLabels[t.priority] ?? t.priority}
                  </Badge>
                </Table.Td>
                <Table.Td>{t.queueName ?? <Text c="dimmed">—</Text>}</Table.Td>
                <Table.Td>{t.assigneeName ?? <Text c="dimmed">Unassigned</Text>}</Table.Td>
                <Table.Td data-testid="ticket-due">
                  <DueCell iso={t.slaDueAt} />
                </Table.Td>
                <Table.Td>
                  <Text fz="sm">{formatRelative(t.updatedAt)}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {q.hasNextPage && (
        <Button variant="default" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
          Load more
        </Button>
      )}
    </Stack>
  );
}

/** Time to breach of the soonest SLA clock still running; "—" when none runs (no policy, all met, or paused). */
function DueCell({ iso }: { iso: string | null }) {
  const due = dueLabel(iso);
  if (!due) return <Text c="dimmed">—</Text>;
  return (
    <Text fz="sm" c={due.color} fw={due.color === "red" ? 600 : undefined} title={new Date(iso as string).toLocaleString()}>
      {due.text}
    </Text>
  );
}
