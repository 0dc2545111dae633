import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Collapse,
  CopyButton,
  Group,
  Loader,
  Menu,
  Modal,
  MultiSelect,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import {
  IconAlertTriangle,
  IconCheck,
  IconChevronDown,
  IconChevronRight,
  IconCopy,
  IconDots,
  IconPlus,
  IconRefresh,
  IconSend,
  IconTrash,
  IconWebhook,
} from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, Fragment, useState } from "react";
import type { z } from "zod";
import {
  type CreatedInboundHook,
  CreateWebhookBody,
  type EventCatalogue,
  type InboundHookList,
  type Webhook,
  type WebhookCondition,
  type WebhookDelivery,
  type WebhookDeliveryList,
  type WebhookSettings,
  type WebhookWithSecret,
  webhookConditionOps,
  webhookRetryScheduleSeconds,
} from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { api } from "../http/client.js";
import { useFormErrors } from "../lib/form.js";
import { formatDateTime, formatDuration, formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "./SettingsPage.js";

type WithSecret = z.infer<typeof WebhookWithSecret>;
type Settings = z.infer<typeof WebhookSettings>;
type Catalogue = z.infer<typeof EventCatalogue>;

const opLabels: Record<(typeof webhookConditionOps)[number], string> = {
  eq: "is",
  neq: "is not",
  contains: "contains",
  gt: "is greater than",
  gte: "is at least",
  lt: "is less than",
  lte: "is at most",
  in: "is one of",
  empty: "is empty",
  notEmpty: "is set",
  changed: "changed",
};
const noValueOps = new Set(["empty", "notEmpty", "changed"]);
const statusColors = { pending: "yellow", succeeded: "teal", failed: "red" } as const;
const statusLabels = { pending: "Retrying", succeeded: "Delivered", failed: "Failed" } as const;
const host = (url: string) => (URL.canParse(url) ? new URL(url).host : url);
const schedule = ["immediately", ...webhookRetryScheduleSeconds.map((s) => formatDuration(s))].join(", ");

export function WebhooksSettings() {
  const { isAdmin } = usePermissions();
  const qc = useQueryClient();
  const [editing, setEditing] = useState<Webhook | "new" | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const [rotating, setRotating] = useState<Webhook | null>(null);
  const [secret, setSecret] = useState<WithSecret | null>(null);
  const [selected, setSelected] = useState<string | null>(() => new URLSearchParams(window.location.search).get("endpoint"));
  const hooks = useQuery({
    queryKey: ["webhooks"],
    queryFn: () => api.get<{ data: Webhook[] }>("/api/v1/webhooks"),
    enabled: isAdmin,
    refetchInterval: 10_000,
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ["webhooks"] });
  const toggle = useMutation({
    mutationFn: (w: Webhook) => api.patch<Webhook>(`/api/v1/webhooks/${w.id}`, { enabled: !w.enabled }),
    onSuccess: (w) => {
      notifySuccess(w.enabled ? `Deliveries to ${host(w.url)} resumed.` : `Deliveries to ${host(w.url)} paused.`);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not change the webhook"),
  });
  const test = useMutation({
    mutationFn: (w: Webhook) => api.post<WebhookDelivery>(`/api/v1/webhooks/${w.id}/test`),
    onSuccess: (_d, w) => {
      notifySuccess(`Test message queued for ${host(w.url)}; it shows in the delivery log.`);
      setSelected(w.id);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not send a test message"),
  });
  const remove = useMutation({
    mutationFn: (w: Webhook) => api.del(`/api/v1/webhooks/${w.id}`),
    onSuccess: (_r, w) => {
      notifySuccess(`Webhook to ${host(w.url)} deleted.`);
      setDeleting(null);
      if (selected === w.id) setSelected(null);
      refresh();
    },
    onError: (e) => notifyError(e, "Could not delete the webhook"),
  });
  const list = hooks.data?.data ?? [];
  const current = list.find((w) => w.id === selected) ?? null;

  return (
    <SettingsPage
      title="Webhooks"
      description={
        <>
          Rapport POSTs each subscribed event to your endpoints as JSON, signed as the Standard Webhooks specification describes (headers webhook-id,
          webhook-timestamp, webhook-signature). A receiver must answer 2xx within 15 seconds; otherwise Rapport retries {schedule} later, then disables the
          endpoint and notifies admins.
        </>
      }
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="add-webhook">
          Add endpoint
        </Button>
      }
    >
      <Stack gap="lg">
        <Card withBorder radius="md" padding={0}>
          {hooks.isPending ? (
            <Text fz="sm" c="dimmed" p="md">
              Loading…
            </Text>
          ) : hooks.isError ? (
            <Text fz="sm" c="red" p="md">
              {hooks.error.message}
            </Text>
          ) : list.length === 0 ? (
            <Stack align="center" gap="xs" py={48} px="md" ta="center" data-testid="webhooks-empty">
              <IconWebhook size={28} color="var(--mantine-color-dimmed)" />
              <Text fw={600}>No webhooks yet</Text>
              <Text fz="sm" c="dimmed" maw={460}>
                Add an endpoint to have Rapport tell another system when contacts, deals or tasks change — for example to sync a data warehouse or post to a
                chat channel.
              </Text>
              <Button variant="light" mt="xs" leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")}>
                Add your first endpoint
              </Button>
            </Stack>
          ) : (
            <Table.ScrollContainer minWidth={720}>
              <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="webhooks-table" highlightOnHover>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Endpoint</Table.Th>
                    <Table.Th>Events</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Last success</Table.Th>
                    <Table.Th w={170} />
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {list.map((w) => (
                    <Table.Tr
                      key={w.id}
                      data-testid="webhook-row"
                      bg={w.id === selected ? "var(--mantine-color-blue-light)" : undefined}
                      style={{ cursor: "pointer" }}
                      onClick={() => setSelected(w.id)}
                    >
                      <Table.Td maw={320}>
                        <Text fz="sm" fw={500} truncate="end">
                          {w.url}
                        </Text>
                        {w.description && (
                          <Text fz="xs" c="dimmed" truncate="end">
                            {w.description}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={w.eventTypes.join(", ")} multiline w={320}>
                          <Text fz="sm">
                            {w.eventTypes.length === 1 ? w.eventTypes[0] : `${w.eventTypes.length} event types`}
                            {w.conditions.length > 0 && ` · ${w.conditions.length} condition${w.conditions.length > 1 ? "s" : ""}`}
                          </Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td>
                        {w.enabled ? (
                          <Badge color={w.consecutiveFailures > 0 ? "yellow" : "teal"} variant="light" data-testid="webhook-status">
                            {w.consecutiveFailures > 0 ? `Failing (${w.consecutiveFailures})` : "Active"}
                          </Badge>
                        ) : (
                          <Tooltip label={w.disabledReason ?? "Paused by an admin"} multiline w={300}>
                            <Badge color={w.disabledReason ? "red" : "gray"} variant="light" data-testid="webhook-status">
                              {w.disabledReason ? "Disabled" : "Paused"}
                            </Badge>
                          </Tooltip>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Text fz="sm" c={w.lastSuccessAt ? undefined : "dimmed"}>
                          {w.lastSuccessAt ? formatRelative(w.lastSuccessAt) : "Never"}
                        </Text>
                      </Table.Td>
                      <Table.Td onClick={(e) => e.stopPropagation()}>
                        <Group gap={4} justify="flex-end" wrap="nowrap">
                          <Button
                            size="xs"
                            variant="default"
                            leftSection={<IconSend size={14} />}
                            onClick={() => test.mutate(w)}
                            loading={test.isPending && test.variables?.id === w.id}
                            disabled={!w.enabled}
                            data-testid="send-test-event"
                          >
                            Send test
                          </Button>
                          <Menu position="bottom-end" withinPortal>
                            <Menu.Target>
                              <ActionIcon variant="subtle" aria-label={`Actions for ${w.url}`} data-testid="webhook-actions">
                                <IconDots size={16} />
                              </ActionIcon>
                            </Menu.Target>
                            <Menu.Dropdown>
                              <Menu.Item onClick={() => setEditing(w)}>Edit</Menu.Item>
                              <Menu.Item onClick={() => toggle.mutate(w)}>{w.enabled ? "Pause deliveries" : "Enable again"}</Menu.Item>
                              <Menu.Item onClick={() => setRotating(w)}>Rotate signing secret</Menu.Item>
                              <Menu.Divider />
                              <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => setDeleting(w)}>
                                Delete
                              </Menu.Item>
                            </Menu.Dropdown>
                          </Menu>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
        </Card>

        {current ? (
          <DeliveryLog webhook={current} />
        ) : (
          list.length > 0 && (
            <Text fz="sm" c="dimmed">
              Choose an endpoint to see its delivery log.
            </Text>
          )
        )}

        <InboundHooks />
        <PrivateTargetsSetting />
      </Stack>

      <WebhookModal
        key={editing === null ? "closed" : editing === "new" ? "new" : editing.id}
        editing={editing}
        onClose={() => setEditing(null)}
        onCreated={(w) => {
          setEditing(null);
          setSecret(w);
          setSelected(w.id);
        }}
      />
      <RotateModal
        webhook={rotating}
        onClose={() => setRotating(null)}
        onRotated={(w) => {
          setRotating(null);
          setSecret(w);
        }}
      />
      <SecretModal created={secret} onClose={() => setSecret(null)} />
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Delete this webhook?"
        confirmLabel="Delete webhook"
        danger
        loading={remove.isPending}
      >
        {deleting?.url} stops receiving events, and its delivery log is deleted with it. To stop deliveries for a while, pause it instead.
      </ConfirmModal>
    </SettingsPage>
  );
}

function catalogueOptions(catalogue: Catalogue | undefined) {
  const groups = new Map<string, { value: string; label: string }[]>();
  for (const e of catalogue?.data ?? []) {
    const group = e.object.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
    groups.set(group, [...(groups.get(group) ?? []), { value: e.type, label: `${e.label} (${e.type})` }]);
  }
  return [...groups].map(([group, items]) => ({ group, items }));
}

type ConditionDraft = { field: string; op: WebhookCondition["op"]; value: string };
const toDraft = (c: WebhookCondition): ConditionDraft => ({
  field: c.field,
  op: c.op,
  value: Array.isArray(c.value) ? c.value.join(", ") : String(c.value ?? ""),
});
const fromDraft = (d: ConditionDraft) =>
  noValueOps.has(d.op)
    ? { field: d.field, op: d.op }
    : {
        field: d.field,
        op: d.op,
        value:
          d.op === "in"
            ? d.value
                .split(",")
                .map((v) => v.trim())
                .filter(Boolean)
            : d.value,
      };

function WebhookModal({ editing, onClose, onCreated }: { editing: Webhook | "new" | null; onClose: () => void; onCreated: (w: WithSecret) => void }) {
  const qc = useQueryClient();
  const existing = editing && editing !== "new" ? editing : null;
  const [url, setUrl] = useState(existing?.url ?? "");
  const [description, setDescription] = useState(existing?.description ?? "");
  const [eventTypes, setEventTypes] = useState<string[]>(existing?.eventTypes ?? []);
  const [conditions, setConditions] = useState<ConditionDraft[]>(existing?.conditions.map(toDraft) ?? []);
  const errors = useFormErrors();
  const catalogue = useQuery({
    queryKey: ["events", "catalogue"],
    queryFn: () => api.get<Catalogue>("/api/v1/events/catalogue"),
    enabled: editing !== null,
    staleTime: 3_600_000,
  });
  const save = useMutation({
    mutationFn: (body: unknown) => (existing ? api.patch<WithSecret>(`/api/v1/webhooks/${existing.id}`, body) : api.post<WithSecret>("/api/v1/webhooks", body)),
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: ["webhooks"] });
      if (existing) {
        notifySuccess(`Webhook to ${host(w.url)} saved.`);
        onClose();
      } else onCreated(w);
    },
    onError: (e) => errors.fromServer(e, "Could not save the webhook"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(CreateWebhookBody.safeParse({ url, description, eventTypes, conditions: conditions.map(fromDraft) }));
    if (!body) return;
    const { enabled: _enabled, ...changes } = body;
    save.mutate(existing ? changes : body);
  };
  const setCondition = (i: number, patch: Partial<ConditionDraft>) => setConditions((cs) => cs.map((c, j) => (j === i ? { ...c, ...patch } : c)));

  return (
    <Modal opened={editing !== null} onClose={onClose} title={<Text fw={600}>{existing ? "Edit webhook" : "Add a webhook endpoint"}</Text>} size="lg" centered>
      <form onSubmit={submit} noValidate data-testid="webhook-form">
        <Stack gap="sm">
          <TextInput
            label="Endpoint URL"
            description="Where Rapport POSTs the events, e.g. https://example.com/hooks/rapport"
            value={url}
            onChange={(e) => {
              setUrl(e.currentTarget.value);
              errors.clear("url");
            }}
            error={errors.get("url")}
            data-autofocus
            data-testid="webhook-url"
          />
          <TextInput
            label="Description"
            description="Optional: what receives these events"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            error={errors.get("description")}
          />
          <MultiSelect
            label="Events"
            description="Which changes to send"
            placeholder={eventTypes.length ? undefined : catalogue.isPending ? "Loading the event catalogue…" : "Choose event types"}
            data={catalogueOptions(catalogue.data)}
            value={eventTypes}
            onChange={(v) => {
              setEventTypes(v);
              errors.clear("eventTypes");
            }}
            searchable
            clearable
            maxDropdownHeight={280}
            error={errors.get("eventTypes") ?? (catalogue.isError ? "The event catalogue could not be loaded" : undefined)}
            comboboxProps={{ withinPortal: true }}
            data-testid="webhook-events"
          />
          <div>
            <Text fz="sm" fw={500}>
              Conditions
            </Text>
            <Text fz="xs" c="dimmed" mb={6}>
              Optional: send an event only when every condition holds on its record. Fields are the record's API names, e.g. lifecycleStage, address.country or
              custom.tier.
            </Text>
            <Stack gap={6}>
              {conditions.map((c, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity of their own; they are edited in place
                <Group key={i} gap={6} wrap="nowrap" align="flex-start" data-testid="webhook-condition">
                  <TextInput
                    placeholder="Field"
                    value={c.field}
                    onChange={(e) => setCondition(i, { field: e.currentTarget.value })}
                    error={errors.get(`conditions.${i}.field`)}
                    style={{ flex: 1 }}
                    aria-label="Field"
                  />
                  <Select
                    data={webhookConditionOps.map((op) => ({ value: op, label: opLabels[op] }))}
                    value={c.op}
                    onChange={(op) => op && setCondition(i, { op: op as ConditionDraft["op"] })}
                    allowDeselect={false}
                    w={150}
                    aria-label="Test"
                  />
                  <TextInput
                    placeholder={c.op === "in" ? "a, b, c" : "Value"}
                    value={c.value}
                    disabled={noValueOps.has(c.op)}
                    onChange={(e) => setCondition(i, { value: e.currentTarget.value })}
                    error={errors.get(`conditions.${i}.value`)}
                    style={{ flex: 1 }}
                    aria-label="Value"
                  />
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    mt={6}
                    aria-label="Remove condition"
                    onClick={() => setConditions((cs) => cs.filter((_, j) => j !== i))}
                  >
                    <IconTrash size={15} />
                  </ActionIcon>
                </Group>
              ))}
              <Button
                variant="subtle"
                size="xs"
                leftSection={<IconPlus size={14} />}
                w="fit-content"
                onClick={() => setConditions((cs) => [...cs, { field: "", op: "eq", value: "" }])}
              >
                Add condition
              </Button>
            </Stack>
          </div>
          <Group justify="flex-end" gap="sm" mt="xs">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="webhook-submit">
              {existing ? "Save" : "Add endpoint"}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function SecretModal({ created, onClose }: { created: WithSecret | null; onClose: () => void }) {
  return (
    <Modal opened={Boolean(created)} onClose={onClose} title={<Text fw={600}>Signing secret</Text>} size="lg" centered closeOnClickOutside={false}>
      {created && (
        <Stack gap="md" data-testid="webhook-secret">
          <Alert color="orange" variant="light" icon={<IconAlertTriangle size={18} />}>
            Copy the secret now: it is shown only once. Your receiver verifies each message's webhook-signature with it (any Standard Webhooks library does
            this). If you lose it, rotate the secret.
          </Alert>
          {created.previousSecretExpiresAt && (
            <Text fz="sm">
              Until {formatDateTime(created.previousSecretExpiresAt)} messages are signed with the previous secret too, so your receiver keeps working while you
              switch.
            </Text>
          )}
          <Group gap="xs" wrap="nowrap">
            <Code block style={{ flex: 1, overflowWrap: "anywhere", whiteSpace: "pre-wrap" }} data-testid="webhook-secret-value">
              {created.secret}
            </Code>
            <CopyButton value={created.secret}>
              {({ copied, copy }) => (
                <Button
                  variant={copied ? "filled" : "default"}
                  color={copied ? "teal" : undefined}
                  onClick={copy}
                  leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                >
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
          <Group justify="flex-end">
            <Button onClick={onClose} data-testid="webhook-secret-done">
              Done
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

function RotateModal({ webhook, onClose, onRotated }: { webhook: Webhook | null; onClose: () => void; onRotated: (w: WithSecret) => void }) {
  const qc = useQueryClient();
  const [grace, setGrace] = useState("24");
  const rotate = useMutation({
    mutationFn: (w: Webhook) => api.post<WithSecret>(`/api/v1/webhooks/${w.id}/rotate-secret`, { graceHours: Number(grace) }),
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: ["webhooks"] });
      onRotated(w);
    },
    onError: (e) => notifyError(e, "Could not rotate the secret"),
  });
  return (
    <Modal opened={Boolean(webhook)} onClose={onClose} title={<Text fw={600}>Rotate the signing secret?</Text>} centered size="md">
      <Stack gap="sm">
        <Text fz="sm">A new secret signs every message from now on. Keep the old one valid for a while so your receiver has time to switch.</Text>
        <Select
          label="Old secret stays valid for"
          data={[
            { value: "0", label: "No time: stop using it now" },
            { value: "1", label: "1 hour" },
            { value: "24", label: "24 hours" },
            { value: "72", label: "3 days" },
            { value: "168", label: "7 days" },
          ]}
          value={grace}
          onChange={(v) => v && setGrace(v)}
          allowDeselect={false}
        />
        <Group justify="flex-end" gap="sm" mt="xs">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button leftSection={<IconRefresh size={16} />} loading={rotate.isPending} onClick={() => webhook && rotate.mutate(webhook)}>
            Rotate secret
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function DeliveryLog({ webhook }: { webhook: Webhook }) {
  const qc = useQueryClient();
  const [open, setOpen] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const log = useQuery({
    queryKey: ["webhooks", webhook.id, "deliveries", status],
    queryFn: () => api.get<z.infer<typeof WebhookDeliveryList>>(`/api/v1/webhooks/${webhook.id}/deliveries`, { limit: 50, status }),
    refetchInterval: 3000,
  });
  const redeliver = useMutation({
    mutationFn: (d: WebhookDelivery) => api.post<WebhookDelivery>(`/api/v1/webhooks/${webhook.id}/deliveries/${d.id}/redeliver`),
    onSuccess: () => {
      notifySuccess("Message queued to be sent again.");
      void qc.invalidateQueries({ queryKey: ["webhooks", webhook.id, "deliveries"] });
    },
    onError: (e) => notifyError(e, "Could not redeliver"),
  });
  const rows = log.data?.data ?? [];
  return (
    <Card withBorder radius="md" padding={0} data-testid="delivery-log">
      <Group justify="space-between" px="md" py="sm">
        <div>
          <Title order={4} fz="md">
            Delivery log
          </Title>
          <Text fz="xs" c="dimmed">
            {webhook.url}
          </Text>
        </div>
        <Group gap="xs">
          {log.isFetching && <Loader size="xs" />}
          <Select
            size="xs"
            placeholder="All statuses"
            data={[
              { value: "succeeded", label: "Delivered" },
              { value: "pending", label: "Retrying" },
              { value: "failed", label: "Failed" },
            ]}
            value={status}
            onChange={setStatus}
            clearable
            w={150}
            aria-label="Filter by status"
          />
        </Group>
      </Group>
      {!webhook.enabled && webhook.disabledReason && (
        <Alert color="red" variant="light" mx="md" mb="sm" icon={<IconAlertTriangle size={18} />} title="Disabled by Rapport">
          {webhook.disabledReason} Enable it again from the actions menu once the receiver is fixed.
        </Alert>
      )}
      {log.isPending ? (
        <Text fz="sm" c="dimmed" px="md" pb="md">
          Loading…
        </Text>
      ) : log.isError ? (
        <Text fz="sm" c="red" px="md" pb="md">
          {log.error.message}
        </Text>
      ) : rows.length === 0 ? (
        <Stack align="center" gap={6} py={36} px="md" ta="center" data-testid="delivery-log-empty">
          <IconSend size={26} color="var(--mantine-color-dimmed)" />
          <Text fw={600}>Nothing sent yet</Text>
          <Text fz="sm" c="dimmed" maw={420}>
            Messages appear here as the subscribed events happen. Use “Send test” to check your receiver now.
          </Text>
        </Stack>
      ) : (
        <Table.ScrollContainer minWidth={680}>
          <Table verticalSpacing="xs" horizontalSpacing="md" data-testid="delivery-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th w={30} />
                <Table.Th>Event</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Attempts</Table.Th>
                <Table.Th>Last response</Table.Th>
                <Table.Th>Created</Table.Th>
                <Table.Th w={110} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((d) => {
                const last = d.log[0];
                const expanded = open === d.id;
                return (
                  <Fragment key={d.id}>
                    <Table.Tr data-testid="delivery-row" style={{ cursor: "pointer" }} onClick={() => setOpen(expanded ? null : d.id)}>
                      <Table.Td>{expanded ? <IconChevronDown size={14} /> : <IconChevronRight size={14} />}</Table.Td>
                      <Table.Td>
                        <Code>{d.eventType}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Badge color={statusColors[d.status]} variant="light" data-testid="delivery-status">
                          {statusLabels[d.status]}
                        </Badge>
                        {d.status === "pending" && d.nextAttemptAt && (
                          <Text fz="xs" c="dimmed">
                            next {formatRelative(d.nextAttemptAt)}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>{d.attempts}</Table.Td>
                      <Table.Td>
                        <Text fz="sm" c={last?.error ? "red" : undefined} truncate="end" maw={220}>
                          {last ? (last.responseStatus !== null ? `HTTP ${last.responseStatus} · ${last.durationMs} ms` : last.error) : "—"}
                        </Text>
                      </Table.Td>
                      <Table.Td>
                        <Tooltip label={formatDateTime(d.createdAt)}>
                          <Text fz="sm">{formatRelative(d.createdAt)}</Text>
                        </Tooltip>
                      </Table.Td>
                      <Table.Td onClick={(e) => e.stopPropagation()}>
                        <Button
                          size="xs"
                          variant="subtle"
                          leftSection={<IconRefresh size={14} />}
                          disabled={!webhook.enabled || d.status === "pending"}
                          loading={redeliver.isPending && redeliver.variables?.id === d.id}
                          onClick={() => redeliver.mutate(d)}
                          data-testid="redeliver"
                        >
                          Redeliver
                        </Button>
                      </Table.Td>
                    </Table.Tr>
                    <Table.Tr style={{ display: expanded ? undefined : "none" }}>
                      <Table.Td colSpan={7} p={0}>
                        <Collapse expanded={expanded}>
                          <DeliveryDetail delivery={d} />
                        </Collapse>
                      </Table.Td>
                    </Table.Tr>
                  </Fragment>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Card>
  );
}

function pretty(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

function DeliveryDetail({ delivery }: { delivery: WebhookDelivery }) {
  return (
    <Stack gap="sm" p="md" bg="var(--mantine-color-gray-light)" data-testid="delivery-detail">
      <Text fz="xs" c="dimmed">
        webhook-id {delivery.messageId}
      </Text>
      <div>
        <Text fz="sm" fw={600} mb={4}>
          Request body
        </Text>
        <Code block mah={240} style={{ overflow: "auto" }}>
          {pretty(delivery.body)}
        </Code>
      </div>
      {delivery.log.length === 0 ? (
        <Text fz="sm" c="dimmed">
          Not attempted yet.
        </Text>
      ) : (
        delivery.log.map((a) => (
          <Card key={a.id} withBorder radius="sm" padding="sm" data-testid="delivery-attempt">
            <Group justify="space-between" mb={6}>
              <Text fz="sm" fw={600}>
                Attempt {a.attempt} · {formatDateTime(a.startedAt)}
              </Text>
              <Badge color={a.responseStatus !== null && a.responseStatus < 300 ? "teal" : "red"} variant="light">
                {a.responseStatus !== null ? `HTTP ${a.responseStatus}` : "No response"} · {a.durationMs} ms
              </Badge>
            </Group>
            {a.error && (
              <Text fz="sm" c="red" mb={6}>
                {a.error}
              </Text>
            )}
            <Text fz="xs" fw={600} c="dimmed">
              Request headers
            </Text>
            <Code block mb={6}>
              {Object.entries(a.requestHeaders)
                .map(([k, v]) => `${k}: ${v}`)
                .join("\n")}
            </Code>
            <Text fz="xs" fw={600} c="dimmed">
              Response body (first 2 KB)
            </Text>
            <Code block mah={160} style={{ overflow: "auto" }}>
              {a.responseBody || "(empty)"}
            </Code>
          </Card>
        ))
      )}
    </Stack>
  );
}

function InboundHooks() {
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [created, setCreated] = useState<z.infer<typeof CreatedInboundHook> | null>(null);
  const [deleting, setDeleting] = useState<{ id: string; name: string } | null>(null);
  const errors = useFormErrors();
  const hooks = useQuery({ queryKey: ["webhooks", "inbound"], queryFn: () => api.get<z.infer<typeof InboundHookList>>("/api/v1/webhooks/inbound") });
  const create = useMutation({
    mutationFn: () => api.post<z.infer<typeof CreatedInboundHook>>("/api/v1/webhooks/inbound", { name }),
    onSuccess: (h) => {
      setCreated(h);
      setName("");
      void qc.invalidateQueries({ queryKey: ["webhooks", "inbound"] });
    },
    onError: (e) => errors.fromServer(e, "Could not create the inbound hook"),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/webhooks/inbound/${id}`),
    onSuccess: () => {
      setDeleting(null);
      notifySuccess("Inbound hook deleted; its URL no longer accepts posts.");
      void qc.invalidateQueries({ queryKey: ["webhooks", "inbound"] });
    },
    onError: (e) => notifyError(e, "Could not delete the inbound hook"),
  });
  const list = hooks.data?.data ?? [];
  return (
    <Card withBorder radius="md" padding="md">
      <Title order={4} fz="md">
        Inbound hooks
      </Title>
      <Text fz="sm" c="dimmed" mb="sm" maw={680}>
        A secret URL another system can POST JSON to (up to 64 KB). Each post becomes an “inbound hook received” event that workflows and webhooks can react to.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Group gap="xs" align="flex-start" mb="sm">
          <TextInput
            placeholder="Name, e.g. Billing system"
            value={name}
            onChange={(e) => {
              setName(e.currentTarget.value);
              errors.clear("name");
            }}
            error={errors.get("name")}
            aria-label="Inbound hook name"
            style={{ flex: 1, maxWidth: 360 }}
          />
          <Button type="submit" variant="default" loading={create.isPending} leftSection={<IconPlus size={16} />}>
            Create URL
          </Button>
        </Group>
      </form>
      {created && (
        <Alert color="orange" variant="light" mb="sm" withCloseButton onClose={() => setCreated(null)} title={`URL for “${created.name}” — shown only once`}>
          <Group gap="xs" wrap="nowrap">
            <Code block style={{ flex: 1, overflowWrap: "anywhere", whiteSpace: "pre-wrap" }}>
              {created.url}
            </Code>
            <CopyButton value={created.url}>
              {({ copied, copy }) => (
                <Button variant="default" onClick={copy} leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      {hooks.isPending ? (
        <Text fz="sm" c="dimmed">
          Loading…
        </Text>
      ) : hooks.isError ? (
        <Text fz="sm" c="red">
          {hooks.error.message}
        </Text>
      ) : list.length === 0 ? (
        <Text fz="sm" c="dimmed">
          No inbound hooks yet.
        </Text>
      ) : (
        <Table verticalSpacing="xs">
          <Table.Tbody>
            {list.map((h) => (
              <Table.Tr key={h.id}>
                <Table.Td>
                  <Text fz="sm" fw={500}>
                    {h.name}
                  </Text>
                  <Text fz="xs" c="dimmed">
                    {h.urlHint}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Text fz="sm">
                    {h.receivedCount} received{h.lastReceivedAt ? `, last ${formatRelative(h.lastReceivedAt)}` : ""}
                  </Text>
                </Table.Td>
                <Table.Td w={50}>
                  <ActionIcon variant="subtle" color="red" aria-label={`Delete ${h.name}`} onClick={() => setDeleting(h)}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting.id)}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        Posts to its URL will be refused from now on.
      </ConfirmModal>
    </Card>
  );
}

function PrivateTargetsSetting() {
  const qc = useQueryClient();
  const settings = useQuery({ queryKey: ["webhooks", "settings"], queryFn: () => api.get<Settings>("/api/v1/webhooks/settings") });
  const save = useMutation({
    mutationFn: (allowPrivateTargets: boolean) => api.patch<Settings>("/api/v1/webhooks/settings", { allowPrivateTargets }),
    onSuccess: (s) => {
      qc.setQueryData(["webhooks", "settings"], s);
      notifySuccess(s.allowPrivateTargets ? "Webhooks may now reach private network addresses." : "Private network addresses are refused again.");
    },
    onError: (e) => notifyError(e, "Could not change the setting"),
  });
  return (
    <Card withBorder radius="md" padding="md">
      <Switch
        checked={settings.data?.allowPrivateTargets ?? false}
        disabled={settings.isPending || settings.isError}
        onChange={(e) => save.mutate(e.currentTarget.checked)}
        label="Allow endpoints on private networks"
        description="Off by default: Rapport refuses to send to loopback, private (10.x, 192.168.x, …) and link-local addresses, so a webhook cannot be used to reach machines behind your firewall. Turn it on only for a self-hosted Rapport whose receivers live on your intranet."
        data-testid="allow-private-targets"
      />
      {settings.isError && (
        <Text fz="sm" c="red" mt="xs">
          {settings.error.message}
        </Text>
      )}
    </Card>
  );
}
