import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Switch,
  Tabs,
  TagsInput,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconBolt, IconEdit, IconLock, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { type CannedScope, cannedScopeLabels, type Macro, type MacroChanges } from "../../contract/canned-replies.js";
import type { Condition } from "../../contract/conditions.js";
import {
  queueRoutingLabels,
  queueRoutings,
  type TicketQueue,
  type TicketRoutingRule,
  type TicketStatusCategory,
  ticketStatusCategories,
} from "../../contract/tickets.js";
import { usePermissions } from "../app/me.js";
import { ConditionField } from "../components/ConditionField.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { teamsQuery, useUserMap } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError } from "../lib/notify.js";
import { priorityLabels, queuesQuery, statusesQuery } from "../tickets/api.js";
import { cannedApi, cannedKeys, cannedRepliesQuery, macrosQuery } from "../tickets/canned-api.js";
import { CannedRepliesPanel } from "./ServiceCannedReplies.js";

const route = getRouteApi("/settings/service");
/** The stored key of a new status, from its name ("Waiting for parts" → waiting_for_parts); only the label is shown. */
const statusKey = (label: string) =>
  label
    .toLowerCase()
    .normalize("NFKD")
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .replace(/^(?=[0-9])/, "s_")
    .slice(0, 40) || "status";
const categoryLabels: Record<TicketStatusCategory, string> = { new: "New", open: "Open", pending: "Pending", solved: "Solved", closed: "Closed" };

/** Settings → Service desk. Canned replies and macros are everyone's (personal ones); the rest is for admins. */
export function ServiceSettings() {
  useDocumentTitle("Service desk · Settings · Rapport");
  const { isAdmin } = usePermissions();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const tab = search.tab ?? "canned";
  return (
    <Stack gap="lg" maw={1100}>
      <div>
        <Text fz="xs" c="dimmed" fw={600} tt="uppercase">
          Settings
        </Text>
        <Title order={2} fz={{ base: 22, sm: 26 }}>
          Service desk
        </Title>
        <Text c="dimmed" fz="sm" mt={4} maw={640}>
          The answers and one-click actions agents use on tickets, the statuses tickets move through, and the queues that share the work.
        </Text>
      </div>
      <Tabs value={tab} onChange={(v) => void navigate({ search: { tab: v ?? "canned" }, replace: true })}>
        <Tabs.List>
          <Tabs.Tab value="canned">Canned replies</Tabs.Tab>
          <Tabs.Tab value="macros">Macros</Tabs.Tab>
          <Tabs.Tab value="statuses">Statuses</Tabs.Tab>
          <Tabs.Tab value="queues">Queues</Tabs.Tab>
          <Tabs.Tab value="routing">Routing rules</Tabs.Tab>
        </Tabs.List>
      </Tabs>
      {tab === "canned" && <CannedRepliesPanel />}
      {tab === "macros" && <MacrosPanel />}
      {(tab === "statuses" || tab === "queues" || tab === "routing") && !isAdmin && (
        <Alert icon={<IconLock size={18} />} color="gray" variant="light" title="Admins only">
          Ask an admin of this workspace to change statuses and queues.
        </Alert>
      )}
      {tab === "statuses" && isAdmin && <StatusesPanel />}
      {tab === "queues" && isAdmin && <QueuesPanel />}
      {tab === "routing" && isAdmin && <RoutingPanel />}
    </Stack>
  );
}

function describeChanges(c: MacroChanges, statusName: (k: string) => string, userName: (id: string) => string, queueName: (id: string) => string): string {
  const parts: string[] = [];
  if (c.status) parts.push(`status → ${statusName(c.status)}`);
  if (c.priority) parts.push(`priority → ${priorityLabels[c.priority]}`);
  if (c.assigneeId)
    parts.push(c.assigneeId === "me" ? "assign to whoever applies it" : c.assigneeId === "none" ? "unassign" : `assign to ${userName(c.assigneeId)}`);
  if (c.queueId) parts.push(c.queueId === "none" ? "remove from its queue" : `queue → ${queueName(c.queueId)}`);
  if (c.addTags?.length) parts.push(`tag ${c.addTags.join(", ")}`);
  if (c.removeTags?.length) parts.push(`untag ${c.removeTags.join(", ")}`);
  return parts.join(" · ");
}

function MacrosPanel() {
  const qc = useQueryClient();
  const macros = useQuery(macrosQuery);
  const statuses = useQuery(statusesQuery);
  const queues = useQuery(queuesQuery);
  const users = useUserMap();
  const { canWrite } = usePermissions();
  const [editing, setEditing] = useState<Macro | "new" | null>(null);
  const [deleting, setDeleting] = useState<Macro | null>(null);
  const remove = useMutation({
    mutationFn: (m: Macro) => cannedApi.removeMacro(m.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cannedKeys.macros });
      setDeleting(null);
    },
    onError: (e) => notifyError(e),
  });
  const list = macros.data ?? [];
  const statusName = (k: string) => statuses.data?.find((s) => s.key === k)?.label ?? k;
  const queueName = (id: string) => queues.data?.find((q) => q.id === id)?.name ?? "a deleted queue";
  const userName = (id: string) => users.get(id)?.name ?? "a former user";
  return (
    <Stack gap="sm" data-testid="macros-panel">
      <Group justify="space-between">
        <Text c="dimmed" fz="sm" maw={640}>
          A macro writes a canned reply and changes the ticket in one step — on one ticket from the reply box, or on many from the ticket list.
        </Text>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="new-macro">
            New macro
          </Button>
        )}
      </Group>
      {macros.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : macros.isError ? (
        <Text c="red">{macros.error.message}</Text>
      ) : list.length === 0 ? (
        <EmptyHint
          icon={<IconBolt size={28} />}
          title="No macros yet"
          description="For example “Waiting for customer”: answers with your ‘Need more details’ reply, sets the status to Pending customer and tags the ticket — one click instead of four."
          actionLabel={canWrite ? "Create a macro" : undefined}
          onAction={() => setEditing("new")}
        />
      ) : (
        list.map((m) => (
          <Card key={m.id} withBorder padding="sm" radius="md" data-testid="macro">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <div style={{ minWidth: 0 }}>
                <Group gap={6}>
                  <Text fw={600}>{m.name}</Text>
                  <Badge size="sm" variant="light" color={m.scope === "shared" ? "teal" : "gray"}>
                    {cannedScopeLabels[m.scope]}
                  </Badge>
                </Group>
                <Text fz="sm" c="dimmed">
                  {[
                    m.cannedReplyName ? `${m.replyKind === "note" ? "note" : "reply"} “${m.cannedReplyName}”` : null,
                    describeChanges(m.changes, statusName, userName, queueName) || null,
                  ]
                    .filter(Boolean)
                    .join(" · ") || "Does nothing yet"}
                </Text>
              </div>
              {m.mayEdit && (
                <Group gap={2} wrap="nowrap">
                  <ActionIcon variant="subtle" onClick={() => setEditing(m)} aria-label={`Edit ${m.name}`}>
                    <IconEdit size={16} />
                  </ActionIcon>
                  <ActionIcon variant="subtle" color="red" onClick={() => setDeleting(m)} aria-label={`Delete ${m.name}`}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              )}
            </Group>
          </Card>
        ))
      )}
      {editing && <MacroModal macro={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Delete macro?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        “{deleting?.name}” is removed for everyone who uses it. Tickets it changed keep their changes.
      </ConfirmModal>
    </Stack>
  );
}

function MacroModal({ macro, onClose }: { macro: Macro | null; onClose: () => void }) {
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const replies = useQuery(cannedRepliesQuery());
  const statuses = useQuery(statusesQuery);
  const queues = useQuery(queuesQuery);
  const [name, setName] = useState(macro?.name ?? "");
  const [replyId, setReplyId] = useState<string | null>(macro?.cannedReplyId ?? null);
  const [replyKind, setReplyKind] = useState<"reply" | "note">(macro?.replyKind ?? "reply");
  const [scope, setScope] = useState<CannedScope>(macro?.scope ?? "personal");
  const [c, setC] = useState<MacroChanges>(macro?.changes ?? {});
  const form = useFormErrors();
  const save = useMutation({
    mutationFn: (input: unknown) => (macro ? cannedApi.updateMacro(macro.id, input) : cannedApi.createMacro(input)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cannedKeys.macros });
      onClose();
    },
    onError: (e) => form.fromServer(e, "Could not save the macro"),
  });
  const [assigneeMode, setAssigneeMode] = useState(c.assigneeId === "me" || c.assigneeId === "none" ? c.assigneeId : c.assigneeId ? "user" : "keep");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return form.setErrors({ name: "Give it a name" });
    const changes = Object.fromEntries(Object.entries(c).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
    save.mutate({ name: name.trim(), cannedReplyId: replyId, replyKind, scope, changes });
  };
  const set = (patch: Partial<MacroChanges>) => setC((x) => ({ ...x, ...patch }));
  return (
    <Modal opened onClose={onClose} title={macro ? "Edit macro" : "New macro"} size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.get("name")}
            data-autofocus
            data-testid="macro-name"
          />
          <Group grow align="flex-start">
            <Select
              label="Canned reply"
              placeholder="None — field changes only"
              clearable
              data={(replies.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
              value={replyId}
              onChange={setReplyId}
              error={form.get("cannedReplyId")}
              data-testid="macro-reply"
            />
            <SegmentedControl
              mt={24}
              value={replyKind}
              onChange={(v) => setReplyKind(v as "reply" | "note")}
              data={[
                { value: "reply", label: "To the customer" },
                { value: "note", label: "As internal note" },
              ]}
            />
          </Group>
          <Group grow>
            <Select
              label="Set status"
              placeholder="Keep"
              clearable
              data={(statuses.data ?? []).map((s) => ({ value: s.key, label: s.label }))}
              value={c.status ?? null}
              onChange={(v) => set({ status: v ?? undefined })}
              data-testid="macro-status"
            />
            <Select
              label="Set priority"
              placeholder="Keep"
              clearable
              data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
              value={c.priority ?? null}
              onChange={(v) => set({ priority: (v as MacroChanges["priority"]) ?? undefined })}
            />
          </Group>
          <Group grow align="flex-end">
            <Select
              label="Assignee"
              data={[
                { value: "keep", label: "Keep" },
                { value: "me", label: "Whoever applies it" },
                { value: "none", label: "Unassign" },
                { value: "user", label: "A person…" },
              ]}
              value={assigneeMode}
              onChange={(v) => {
                setAssigneeMode(v ?? "keep");
                set({ assigneeId: v === "me" || v === "none" ? v : undefined });
              }}
              allowDeselect={false}
            />
            {assigneeMode === "user" && (
              <UserPicker
                value={c.assigneeId && c.assigneeId !== "me" && c.assigneeId !== "none" ? c.assigneeId : null}
                onChange={(v) => set({ assigneeId: v ?? undefined })}
              />
            )}
            <Select
              label="Queue"
              placeholder="Keep"
              clearable
              data={[{ value: "none", label: "No queue" }, ...(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))]}
              value={c.queueId ?? null}
              onChange={(v) => set({ queueId: v ?? undefined })}
            />
          </Group>
          <Group grow>
            <TagsInput label="Add tags" value={c.addTags ?? []} onChange={(v) => set({ addTags: v })} />
            <TagsInput label="Remove tags" value={c.removeTags ?? []} onChange={(v) => set({ removeTags: v })} />
          </Group>
          {isAdmin && (
            <SegmentedControl
              value={scope}
              onChange={(v) => setScope(v as CannedScope)}
              data={(["personal", "shared"] as const).map((s) => ({ value: s, label: cannedScopeLabels[s] }))}
            />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="macro-save">
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function StatusesPanel() {
  const qc = useQueryClient();
  const statuses = useQuery(statusesQuery);
  const [label, setLabel] = useState("");
  const [category, setCategory] = useState<TicketStatusCategory>("open");
  const [slaRunning, setSlaRunning] = useState(true);
  const refresh = () => void qc.invalidateQueries({ queryKey: statusesQuery.queryKey });
  const add = useMutation({
    mutationFn: () => api.post("/api/v1/ticket-statuses", { key: statusKey(label), label: label.trim(), category, slaRunning }),
    onSuccess: () => {
      setLabel("");
      refresh();
    },
    onError: (e) => notifyError(e, "Could not add the status"),
  });
  const update = useMutation({
    mutationFn: ({ key, patch }: { key: string; patch: Record<string, unknown> }) => api.patch(`/api/v1/ticket-statuses/${key}`, patch),
    onSuccess: refresh,
    onError: (e) => notifyError(e, "Could not change the status"),
  });
  return (
    <Stack gap="sm" data-testid="statuses-panel">
      <Text c="dimmed" fz="sm" maw={680}>
        Rename the built-in statuses or add your own. The category decides where a ticket counts (open, waiting, solved); “SLA clock runs” says whether response
        and resolution targets keep counting while a ticket has that status.
      </Text>
      {(statuses.data ?? []).map((s) => (
        <Card key={s.key} withBorder padding="xs" radius="md">
          <Group justify="space-between" wrap="wrap">
            <TextInput
              aria-label={`Name of ${s.label}`}
              defaultValue={s.label}
              onBlur={(e) =>
                e.currentTarget.value.trim() &&
                e.currentTarget.value.trim() !== s.label &&
                update.mutate({ key: s.key, patch: { label: e.currentTarget.value.trim() } })
              }
              w={240}
            />
            <Badge variant="light">{categoryLabels[s.category]}</Badge>
            <Switch
              label="SLA clock runs"
              checked={s.slaRunning}
              onChange={(e) => update.mutate({ key: s.key, patch: { slaRunning: e.currentTarget.checked } })}
            />
          </Group>
        </Card>
      ))}
      <Card withBorder padding="sm" radius="md">
        <Text fw={600} fz="sm" mb="xs">
          Add a status
        </Text>
        <Group align="flex-end" wrap="wrap">
          <TextInput label="Name" placeholder="e.g. Waiting for parts" value={label} onChange={(e) => setLabel(e.currentTarget.value)} w={240} />
          <Select
            label="Category"
            data={ticketStatusCategories.map((c) => ({ value: c, label: categoryLabels[c] }))}
            value={category}
            onChange={(v) => v && setCategory(v as TicketStatusCategory)}
            allowDeselect={false}
            w={150}
          />
          <Switch label="SLA clock runs" checked={slaRunning} onChange={(e) => setSlaRunning(e.currentTarget.checked)} mb={8} />
          <Button onClick={() => add.mutate()} disabled={!label.trim()} loading={add.isPending}>
            Add status
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}

function QueuesPanel() {
  const qc = useQueryClient();
  const queues = useQuery(queuesQuery);
  const teams = useQuery(teamsQuery);
  const [editing, setEditing] = useState<TicketQueue | "new" | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: queuesQuery.queryKey });
  const availability = useMutation({
    mutationFn: ({ queueId, userId, available }: { queueId: string; userId: string; available: boolean }) =>
      api.put(`/api/v1/ticket-queues/${queueId}/members/${userId}/availability`, { available }),
    onSuccess: refresh,
    onError: (e) => notifyError(e, "Could not change availability"),
  });
  const list = queues.data ?? [];
  return (
    <Stack gap="sm" data-testid="queues-panel">
      <Group justify="space-between">
        <Text c="dimmed" fz="sm" maw={640}>
          Queues group tickets for a team. Routing hands a new ticket to an available member: in turn (round-robin), or to whoever has the fewest open tickets.
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")}>
          New queue
        </Button>
      </Group>
      {list.length === 0 ? (
        <EmptyHint
          icon={<IconBolt size={28} />}
          title="No queues yet"
          description="Make one per team that answers tickets — Billing, Technical, Returns — and add its agents."
          actionLabel="Create a queue"
          onAction={() => setEditing("new")}
        />
      ) : (
        list.map((q) => (
          <Card key={q.id} withBorder padding="sm" radius="md">
            <Group justify="space-between" align="flex-start">
              <div>
                <Group gap={6}>
                  <Text fw={600}>{q.name}</Text>
                  {q.isDefault && <Badge size="sm">Default</Badge>}
                </Group>
                <Text fz="sm" c="dimmed">
                  {queueRoutingLabels[q.routing]}
                  {q.teamId && ` · team ${teams.data?.find((t) => t.id === q.teamId)?.name ?? ""}`}
                </Text>
              </div>
              <ActionIcon variant="subtle" onClick={() => setEditing(q)} aria-label={`Edit ${q.name}`}>
                <IconEdit size={16} />
              </ActionIcon>
            </Group>
            <Group gap="sm" mt="xs">
              {q.members.map((m) => (
                <Switch
                  key={m.userId}
                  size="xs"
                  label={`${m.name ?? "Unknown user"} available`}
                  checked={m.available}
                  onChange={(e) => availability.mutate({ queueId: q.id, userId: m.userId, available: e.currentTarget.checked })}
                />
              ))}
              {q.members.length === 0 && (
                <Text fz="xs" c="dimmed">
                  No members: tickets here wait for someone to pick them.
                </Text>
              )}
            </Group>
          </Card>
        ))
      )}
      {editing && <QueueModal queue={editing === "new" ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />}
    </Stack>
  );
}

function QueueModal({ queue, onClose, onSaved }: { queue: TicketQueue | null; onClose: () => void; onSaved: () => void }) {
  const teams = useQuery(teamsQuery);
  const users = useUserMap();
  const [name, setName] = useState(queue?.name ?? "");
  const [teamId, setTeamId] = useState<string | null>(queue?.teamId ?? null);
  const [routing, setRouting] = useState<string>(queue?.routing ?? "manual");
  const [memberIds, setMemberIds] = useState<string[]>(queue?.members.map((m) => m.userId) ?? []);
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), teamId, routing, memberIds };
      return queue ? api.patch(`/api/v1/ticket-queues/${queue.id}`, body) : api.post("/api/v1/ticket-queues", body);
    },
    onSuccess: () => {
      onSaved();
      onClose();
    },
    onError: (e) => notifyError(e, "Could not save the queue"),
  });
  const userOptions = [...users.values()].filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }));
  return (
    <Modal opened onClose={onClose} title={queue ? "Edit queue" : "New queue"}>
      <Stack gap="sm">
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus />
        <Select
          label="Team"
          placeholder="None"
          clearable
          data={(teams.data ?? []).map((t) => ({ value: t.id, label: t.name }))}
          value={teamId}
          onChange={setTeamId}
        />
        <Select
          label="Routing"
          data={queueRoutings.map((r) => ({ value: r, label: queueRoutingLabels[r] }))}
          value={routing}
          onChange={(v) => v && setRouting(v)}
          allowDeselect={false}
        />
        <Stack gap={4}>
          <Text fz="sm" fw={500}>
            Members
          </Text>
          {userOptions.map((u) => (
            <Switch
              key={u.value}
              size="xs"
              label={u.label}
              checked={memberIds.includes(u.value)}
              onChange={(e) => setMemberIds((ids) => (e.currentTarget.checked ? [...ids, u.value] : ids.filter((x) => x !== u.value)))}
            />
          ))}
        </Stack>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} disabled={!name.trim()} loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

const rulesQuery = {
  queryKey: ["ticket-routing-rules"],
  queryFn: () => api.get<{ data: TicketRoutingRule[] }>("/api/v1/ticket-routing-rules").then((r) => r.data),
};

/** Rules tried top to bottom when a ticket arrives without a queue: the first whose condition holds picks the queue. */
function RoutingPanel() {
  const qc = useQueryClient();
  const rules = useQuery(rulesQuery);
  const queues = useQuery(queuesQuery);
  const [editing, setEditing] = useState<TicketRoutingRule | "new" | null>(null);
  const [deleting, setDeleting] = useState<TicketRoutingRule | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: rulesQuery.queryKey });
  const toggle = useMutation({
    mutationFn: (r: TicketRoutingRule) => api.patch(`/api/v1/ticket-routing-rules/${r.id}`, { active: !r.active }),
    onSuccess: refresh,
    onError: (e) => notifyError(e),
  });
  const remove = useMutation({
    mutationFn: (r: TicketRoutingRule) => api.del(`/api/v1/ticket-routing-rules/${r.id}`),
    onSuccess: () => {
      refresh();
      setDeleting(null);
    },
    onError: (e) => notifyError(e),
  });
  const list = rules.data ?? [];
  return (
    <Stack gap="sm" data-testid="routing-panel">
      <Group justify="space-between">
        <Text c="dimmed" fz="sm" maw={640}>
          A new ticket with no queue goes to the queue of the first rule it matches — by channel, sender domain, words in the subject or the customer's company
          — and otherwise to the default queue.
        </Text>
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} disabled={(queues.data ?? []).length === 0}>
          New rule
        </Button>
      </Group>
      {list.length === 0 ? (
        <EmptyHint
          icon={<IconBolt size={28} />}
          title="No routing rules"
          description={
            (queues.data ?? []).length === 0
              ? "Create a queue first (Queues tab), then send tickets to it by rule: e.g. every ticket whose subject mentions “invoice” goes to Billing."
              : "Send tickets to the right team as they arrive: e.g. every ticket whose subject mentions “invoice” goes to Billing."
          }
        />
      ) : (
        list.map((r) => (
          <Card key={r.id} withBorder padding="sm" radius="md">
            <Group justify="space-between" wrap="nowrap">
              <div>
                <Text fw={600}>{r.name}</Text>
                <Text fz="sm" c="dimmed">
                  → {queues.data?.find((q) => q.id === r.queueId)?.name ?? "a deleted queue"}
                  {r.priority ? ` · priority ${priorityLabels[r.priority]}` : ""}
                </Text>
              </div>
              <Group gap={2} wrap="nowrap">
                <Switch checked={r.active} onChange={() => toggle.mutate(r)} aria-label={`${r.name} on`} mr="xs" />
                <ActionIcon variant="subtle" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
                  <IconEdit size={16} />
                </ActionIcon>
                <ActionIcon variant="subtle" color="red" onClick={() => setDeleting(r)} aria-label={`Delete ${r.name}`}>
                  <IconTrash size={16} />
                </ActionIcon>
              </Group>
            </Group>
          </Card>
        ))
      )}
      {editing && <RuleModal rule={editing === "new" ? null : editing} onClose={() => setEditing(null)} onSaved={refresh} />}
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Delete rule?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        New tickets stop being routed by “{deleting?.name}”. Tickets already routed stay in their queues.
      </ConfirmModal>
    </Stack>
  );
}

function RuleModal({ rule, onClose, onSaved }: { rule: TicketRoutingRule | null; onClose: () => void; onSaved: () => void }) {
  const queues = useQuery(queuesQuery);
  const [name, setName] = useState(rule?.name ?? "");
  const [condition, setCondition] = useState<Condition>(rule?.condition ?? { all: [] });
  const [queueId, setQueueId] = useState<string | null>(rule?.queueId ?? null);
  const [priority, setPriority] = useState<string | null>(rule?.priority ?? null);
  const form = useFormErrors();
  const save = useMutation({
    mutationFn: () => {
      const body = { name: name.trim(), condition, queueId, priority };
      return rule ? api.patch(`/api/v1/ticket-routing-rules/${rule.id}`, body) : api.post("/api/v1/ticket-routing-rules", body);
    },
    onSuccess: () => {
      onSaved();
      onClose();
    },
    onError: (e) => form.fromServer(e, "Could not save the rule"),
  });
  return (
    <Modal opened onClose={onClose} title={rule ? "Edit routing rule" : "New routing rule"} size="xl">
      <Stack gap="sm">
        <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} error={form.get("name")} data-autofocus />
        <Text fw={600} fz="sm">
          When a new ticket matches
        </Text>
        <ConditionField object="ticket" value={condition} onChange={setCondition} errors={form.errors} path="condition" />
        <Group grow>
          <Select
            label="Send it to queue"
            data={(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))}
            value={queueId}
            onChange={setQueueId}
            error={form.get("queueId")}
          />
          <Select
            label="And set priority"
            placeholder="Keep"
            clearable
            data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
            value={priority}
            onChange={setPriority}
          />
        </Group>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={() => save.mutate()} disabled={!name.trim() || !queueId} loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
