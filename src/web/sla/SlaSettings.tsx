import { ActionIcon, Badge, Button, Card, FileButton, Group, Modal, NumberInput, Select, Stack, Switch, Table, Tabs, Text, TextInput } from "@mantine/core";
import { IconCalendarTime, IconClockHour4, IconEdit, IconFileImport, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import type { Condition } from "../../contract/conditions.js";
import type { RegistryObject } from "../../contract/fields.js";
import {
  type BusinessCalendar,
  CreateCalendarBody,
  CreatePolicyBody,
  type SlaPolicy,
  type WorkingBlock,
  weekdayLabels,
  weekdays,
} from "../../contract/index.js";
import { ConditionField } from "../components/ConditionField.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { TimeZoneSelect } from "../components/TimeZoneSelect.js";
import { timeZone } from "../lib/dates.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";
import { calendarsQuery, formatBusinessMinutes, policiesQuery, slaApi, slaKeys } from "./api.js";

/** Settings → Service levels: the policies tickets are measured against and the business hours they count in. */
export function SlaSettings() {
  const [tab, setTab] = useState<string | null>("policies");
  const [editingPolicy, setEditingPolicy] = useState<SlaPolicy | "new" | null>(null);
  const [editingCalendar, setEditingCalendar] = useState<BusinessCalendar | "new" | null>(null);
  return (
    <SettingsPage
      title="Service levels"
      description="Response and resolution targets for tickets, counted in business hours. The first active policy whose condition matches a ticket applies; its clocks pause while the ticket waits on the customer."
      actions={
        tab === "policies" ? (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditingPolicy("new")} data-testid="add-sla-policy">
            Add policy
          </Button>
        ) : (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditingCalendar("new")} data-testid="add-sla-calendar">
            Add calendar
          </Button>
        )
      }
    >
      <Tabs value={tab} onChange={setTab}>
        <Tabs.List>
          <Tabs.Tab value="policies" leftSection={<IconClockHour4 size={16} />}>
            Policies
          </Tabs.Tab>
          <Tabs.Tab value="calendars" leftSection={<IconCalendarTime size={16} />} data-testid="sla-calendars-tab">
            Business hours
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="policies" pt="md">
          <PolicyTable onEdit={setEditingPolicy} />
        </Tabs.Panel>
        <Tabs.Panel value="calendars" pt="md">
          <CalendarTable onEdit={setEditingCalendar} />
        </Tabs.Panel>
      </Tabs>
      {editingPolicy && <PolicyModal policy={editingPolicy === "new" ? null : editingPolicy} onClose={() => setEditingPolicy(null)} />}
      {editingCalendar && <CalendarModal calendar={editingCalendar === "new" ? null : editingCalendar} onClose={() => setEditingCalendar(null)} />}
    </SettingsPage>
  );
}

function Empty({ icon, title, body, action, onAction }: { icon: React.ReactNode; title: string; body: string; action: string; onAction: () => void }) {
  return (
    <Stack align="center" gap="xs" py={48} px="md" ta="center">
      {icon}
      <Text fw={600}>{title}</Text>
      <Text fz="sm" c="dimmed" maw={460}>
        {body}
      </Text>
      <Button variant="light" mt="xs" leftSection={<IconPlus size={16} />} onClick={onAction}>
        {action}
      </Button>
    </Stack>
  );
}

function PolicyTable({ onEdit }: { onEdit: (p: SlaPolicy | "new") => void }) {
  const policies = useQuery(policiesQuery);
  const calendars = useQuery(calendarsQuery);
  const [deleting, setDeleting] = useState<SlaPolicy | null>(null);
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: (p: SlaPolicy) => slaApi.deletePolicy(p.id),
    onSuccess: (_r, p) => {
      void qc.invalidateQueries({ queryKey: slaKeys.policies });
      notifySuccess(`Deleted “${p.name}”`);
      setDeleting(null);
    },
    onError: (e) => notifyError(e, "Could not delete the policy"),
  });
  const calendarName = (id: string | null) =>
    id ? (calendars.data?.find((c) => c.id === id)?.name ?? "—") : `Default (${calendars.data?.find((c) => c.isDefault)?.name ?? "around the clock"})`;
  const target = (m: number | null) => (m === null ? "—" : formatBusinessMinutes(m));
  if (policies.isError) return <Text c="red">Could not load the policies.</Text>;
  return (
    <Card withBorder radius="md" padding={0}>
      {policies.data?.length === 0 ? (
        <Empty
          icon={<IconClockHour4 size={28} color="var(--mantine-color-dimmed)" />}
          title="No SLA policies yet"
          body="Promise your customers a first reply within, say, 4 business hours and a solution within 3 days. Tickets then show a clock, and workflows can act before a target is missed."
          action="Add a policy"
          onAction={() => onEdit("new")}
        />
      ) : (
        <Table.ScrollContainer minWidth={720}>
          <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="sla-policies-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Policy</Table.Th>
                <Table.Th>First response</Table.Th>
                <Table.Th>Next response</Table.Th>
                <Table.Th>Resolution</Table.Th>
                <Table.Th>Business hours</Table.Th>
                <Table.Th w={90} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {policies.isPending && (
                <Table.Tr>
                  <Table.Td colSpan={6}>
                    <Text fz="sm" c="dimmed">
                      Loading…
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {policies.data?.map((p) => (
                <Table.Tr key={p.id} data-testid="sla-policy-row">
                  <Table.Td>
                    <Group gap={6}>
                      <Text fz="sm" fw={500}>
                        {p.name}
                      </Text>
                      {!p.active && (
                        <Badge size="xs" color="gray" variant="light">
                          off
                        </Badge>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>{target(p.firstResponseMinutes)}</Table.Td>
                  <Table.Td>{target(p.nextResponseMinutes)}</Table.Td>
                  <Table.Td>{target(p.resolutionMinutes)}</Table.Td>
                  <Table.Td>{calendarName(p.calendarId)}</Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <ActionIcon variant="subtle" color="gray" aria-label={`Edit ${p.name}`} onClick={() => onEdit(p)}>
                        <IconEdit size={16} />
                      </ActionIcon>
                      <ActionIcon variant="subtle" color="red" aria-label={`Delete ${p.name}`} onClick={() => setDeleting(p)}>
                        <IconTrash size={16} />
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this policy?"
        confirmLabel="Delete policy"
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        Tickets it covers move to the next matching policy, or lose their clocks if none matches.
      </ConfirmModal>
    </Card>
  );
}

type Targets = { firstResponseMinutes: number | null; nextResponseMinutes: number | null; resolutionMinutes: number | null };

function PolicyModal({ policy, onClose }: { policy: SlaPolicy | null; onClose: () => void }) {
  const qc = useQueryClient();
  const calendars = useQuery(calendarsQuery);
  const form = useFormErrors();
  const [name, setName] = useState(policy?.name ?? "");
  const [condition, setCondition] = useState<Condition>(policy?.condition ?? { all: [] });
  const [targets, setTargets] = useState<Targets>({
    firstResponseMinutes: policy?.firstResponseMinutes ?? null,
    nextResponseMinutes: policy?.nextResponseMinutes ?? null,
    resolutionMinutes: policy?.resolutionMinutes ?? null,
  });
  const [calendarId, setCalendarId] = useState<string | null>(policy?.calendarId ?? null);
  const [warnPercent, setWarnPercent] = useState<number>(policy?.warnPercent ?? 80);
  const [active, setActive] = useState(policy?.active ?? true);
  const save = useMutation({
    mutationFn: (body: unknown) => (policy ? slaApi.updatePolicy(policy.id, body) : slaApi.createPolicy(body)),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: slaKeys.policies });
      notifySuccess(`Saved “${p.name}”`);
      onClose();
    },
    onError: (e) => form.fromServer(e, "Could not save the policy"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = form.validate(CreatePolicyBody.safeParse({ name, condition, ...targets, calendarId, warnPercent, active }));
    if (body) save.mutate(body);
  };
  const minutesField = (key: keyof Targets, label: string, description: string) => (
    <NumberInput
      label={label}
      description={description}
      placeholder="No target"
      suffix=" min"
      min={1}
      allowDecimal={false}
      value={targets[key] ?? ""}
      onChange={(v) => setTargets((t) => ({ ...t, [key]: typeof v === "number" ? v : null }))}
      error={form.get(key)}
      data-testid={`sla-${key}`}
    />
  );
  return (
    <Modal opened onClose={onClose} title={policy ? `Edit ${policy.name}` : "New SLA policy"} size="xl">
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.get("name")}
            data-testid="sla-policy-name"
          />
          <Stack gap={4}>
            <Text fz="sm" fw={500}>
              Tickets it covers
            </Text>
            <Text fz="xs" c="dimmed">
              No conditions: every ticket. Policies are tried top to bottom; the first that matches applies.
            </Text>
            <ConditionField object={"ticket" as RegistryObject} value={condition} onChange={setCondition} errors={form.errors} path="condition" />
          </Stack>
          <Group grow align="flex-start">
            {minutesField("firstResponseMinutes", "First response", "Until the first public reply")}
            {minutesField("nextResponseMinutes", "Next response", "From each customer message to the reply")}
            {minutesField("resolutionMinutes", "Resolution", "Until the ticket is solved")}
          </Group>
          <Text fz="xs" c="dimmed">
            Targets are business minutes: 480 is one 8-hour working day. Time while a ticket waits on the customer does not count.
          </Text>
          <Group grow align="flex-start">
            <Select
              label="Business hours"
              data={(calendars.data ?? []).map((c) => ({ value: c.id, label: c.isDefault ? `${c.name} (default)` : c.name }))}
              value={calendarId}
              onChange={setCalendarId}
              clearable
              placeholder="The workspace's default calendar"
              error={form.get("calendarId")}
            />
            <NumberInput
              label="Warn at"
              description="Share of the target after which the ticket warns"
              suffix=" %"
              min={1}
              max={99}
              value={warnPercent}
              onChange={(v) => setWarnPercent(typeof v === "number" ? v : 80)}
              error={form.get("warnPercent")}
            />
          </Group>
          <Switch label="Active" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="save-sla-policy">
              Save policy
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function CalendarTable({ onEdit }: { onEdit: (c: BusinessCalendar | "new") => void }) {
  const calendars = useQuery(calendarsQuery);
  const qc = useQueryClient();
  const [deleting, setDeleting] = useState<BusinessCalendar | null>(null);
  const remove = useMutation({
    mutationFn: (c: BusinessCalendar) => slaApi.deleteCalendar(c.id),
    onSuccess: (_r, c) => {
      void qc.invalidateQueries({ queryKey: slaKeys.calendars });
      notifySuccess(`Deleted “${c.name}”`);
      setDeleting(null);
    },
    onError: (e) => notifyError(e, "Could not delete the calendar"),
  });
  const hoursOf = (c: BusinessCalendar) => {
    if (c.blocks.length === 0) return "Around the clock";
    const minutes = c.blocks.reduce((sum, b) => sum + toMinutes(b.end) - toMinutes(b.start), 0);
    return `${formatBusinessMinutes(minutes)} a week`;
  };
  if (calendars.isError) return <Text c="red">Could not load the calendars.</Text>;
  return (
    <Card withBorder radius="md" padding={0}>
      {calendars.data?.length === 0 ? (
        <Empty
          icon={<IconCalendarTime size={28} color="var(--mantine-color-dimmed)" />}
          title="No business hours yet"
          body="Without a calendar, SLA clocks count around the clock. Add your working hours (e.g. Mon–Fri 9:00–17:00) and public holidays so targets count only when your team works."
          action="Add business hours"
          onAction={() => onEdit("new")}
        />
      ) : (
        <Table verticalSpacing="sm" horizontalSpacing="md" data-testid="sla-calendars-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Calendar</Table.Th>
              <Table.Th>Time zone</Table.Th>
              <Table.Th>Working time</Table.Th>
              <Table.Th>Holidays</Table.Th>
              <Table.Th w={90} />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {calendars.data?.map((c) => (
              <Table.Tr key={c.id} data-testid="sla-calendar-row">
                <Table.Td>
                  <Group gap={6}>
                    <Text fz="sm" fw={500}>
                      {c.name}
                    </Text>
                    {c.isDefault && (
                      <Badge size="xs" variant="light">
                        default
                      </Badge>
                    )}
                  </Group>
                </Table.Td>
                <Table.Td>{c.timeZone.replace(/_/g, " ")}</Table.Td>
                <Table.Td>{hoursOf(c)}</Table.Td>
                <Table.Td>{c.holidays.length}</Table.Td>
                <Table.Td>
                  <Group gap={4} wrap="nowrap">
                    <ActionIcon variant="subtle" color="gray" aria-label={`Edit ${c.name}`} onClick={() => onEdit(c)}>
                      <IconEdit size={16} />
                    </ActionIcon>
                    <ActionIcon variant="subtle" color="red" aria-label={`Delete ${c.name}`} onClick={() => setDeleting(c)}>
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Group>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <ConfirmModal
        opened={deleting !== null}
        onClose={() => setDeleting(null)}
        title="Delete this calendar?"
        confirmLabel="Delete calendar"
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
      >
        Policies that use it must get another calendar first.
      </ConfirmModal>
    </Card>
  );
}

const toMinutes = (hhmm: string) => {
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  return h * 60 + m;
};
const officeHours: WorkingBlock[] = [1, 2, 3, 4, 5].map((day) => ({ day, start: "09:00", end: "17:00" }));

function CalendarModal({ calendar, onClose }: { calendar: BusinessCalendar | null; onClose: () => void }) {
  const qc = useQueryClient();
  const form = useFormErrors();
  const [name, setName] = useState(calendar?.name ?? "");
  const [zone, setZone] = useState<string | null>(calendar?.timeZone ?? timeZone());
  const [blocks, setBlocks] = useState<WorkingBlock[]>(calendar?.blocks ?? officeHours);
  const [holidays, setHolidays] = useState(calendar?.holidays ?? []);
  const [isDefault, setIsDefault] = useState(calendar?.isDefault ?? false);
  const [newHoliday, setNewHoliday] = useState({ date: "", name: "" });
  const save = useMutation({
    mutationFn: (body: unknown) => (calendar ? slaApi.updateCalendar(calendar.id, body) : slaApi.createCalendar(body)),
    onSuccess: (c) => {
      void qc.invalidateQueries({ queryKey: slaKeys.calendars });
      notifySuccess(`Saved “${c.name}”`);
      onClose();
    },
    onError: (e) => form.fromServer(e, "Could not save the calendar"),
  });
  const importIcs = useMutation({
    mutationFn: async (file: File) => {
      if (!calendar) throw new Error("Save the calendar first");
      return slaApi.importHolidays(calendar.id, await file.text());
    },
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: slaKeys.calendars });
      setHolidays(r.calendar.holidays);
      notifySuccess(`Added ${r.added} holiday${r.added === 1 ? "" : "s"}${r.skipped ? ` (${r.skipped} already listed)` : ""}`);
    },
    onError: (e) => notifyError(e, "Could not import the holidays"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    // Left unsaid for a new calendar unless switched on: the server makes a workspace's first calendar its default.
    const defaultFlag = calendar ? (calendar.isDefault ? {} : { isDefault }) : isDefault ? { isDefault: true } : {};
    const body = form.validate(CreateCalendarBody.safeParse({ name, timeZone: zone, blocks, holidays, ...defaultFlag }));
    if (body) save.mutate(body);
  };
  const setBlock = (index: number, patch: Partial<WorkingBlock>) => setBlocks((bs) => bs.map((b, i) => (i === index ? { ...b, ...patch } : b)));
  return (
    <Modal opened onClose={onClose} title={calendar ? `Edit ${calendar.name}` : "New business hours"} size="xl">
      <form onSubmit={submit}>
        <Stack>
          <Group grow align="flex-start">
            <TextInput
              label="Name"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              error={form.get("name")}
              data-testid="sla-calendar-name"
            />
            <TimeZoneSelect label="Time zone" value={zone} onChange={setZone} searchable error={form.get("timeZone")} />
          </Group>
          <Stack gap={6}>
            <Text fz="sm" fw={500}>
              Working hours
            </Text>
            <Text fz="xs" c="dimmed">
              Several blocks per day are fine (a lunch break). A shift past midnight is two blocks: until 24:00, and from 00:00 the next day. No blocks at all:
              open around the clock.
            </Text>
            {weekdays.map((day) => (
              <Group key={day} gap="xs" align="center" wrap="wrap" data-testid={`sla-day-${day}`}>
                <Text fz="sm" w={96}>
                  {weekdayLabels[day]}
                </Text>
                {blocks.every((b) => b.day !== day) && (
                  <Text fz="sm" c="dimmed">
                    Closed
                  </Text>
                )}
                {blocks.map((b, i) =>
                  b.day !== day ? null : (
                    // biome-ignore lint/suspicious/noArrayIndexKey: blocks have no id; their position is their identity while editing
                    <Group key={i} gap={4} wrap="nowrap">
                      <TextInput
                        aria-label={`${weekdayLabels[day]} from`}
                        placeholder="HH:MM"
                        value={b.start}
                        onChange={(e) => setBlock(i, { start: e.currentTarget.value })}
                        error={form.get(`blocks.${i}.start`)}
                        w={90}
                      />
                      <Text fz="sm">–</Text>
                      <TextInput
                        aria-label={`${weekdayLabels[day]} until`}
                        placeholder="HH:MM"
                        value={b.end}
                        onChange={(e) => setBlock(i, { end: e.currentTarget.value })}
                        error={form.get(`blocks.${i}.end`)}
                        w={90}
                      />
                      <ActionIcon variant="subtle" color="gray" aria-label="Remove block" onClick={() => setBlocks((bs) => bs.filter((_, k) => k !== i))}>
                        <IconTrash size={14} />
                      </ActionIcon>
                    </Group>
                  ),
                )}
                <Button
                  size="compact-xs"
                  variant="subtle"
                  leftSection={<IconPlus size={12} />}
                  onClick={() => setBlocks((bs) => [...bs, { day, start: "09:00", end: "17:00" }])}
                >
                  Add block
                </Button>
              </Group>
            ))}
          </Stack>
          <Stack gap={6}>
            <Group justify="space-between">
              <Text fz="sm" fw={500}>
                Holidays ({holidays.length})
              </Text>
              <FileButton onChange={(f) => f && importIcs.mutate(f)} accept=".ics,text/calendar">
                {(props) => (
                  <Button
                    {...props}
                    size="xs"
                    variant="light"
                    leftSection={<IconFileImport size={14} />}
                    disabled={!calendar}
                    loading={importIcs.isPending}
                    title={calendar ? undefined : "Save the calendar first"}
                  >
                    Import iCalendar (.ics)
                  </Button>
                )}
              </FileButton>
            </Group>
            {holidays.length === 0 && (
              <Text fz="xs" c="dimmed">
                No holidays. Add days off one by one, or import your country's public holidays from an .ics file (your calendar app can export one).
              </Text>
            )}
            {holidays.map((h) => (
              <Group key={h.date} gap="xs">
                <Text fz="sm" w={110}>
                  {h.date}
                </Text>
                <Text fz="sm" style={{ flex: 1 }}>
                  {h.name}
                </Text>
                <ActionIcon
                  variant="subtle"
                  color="gray"
                  aria-label={`Remove ${h.name}`}
                  onClick={() => setHolidays((hs) => hs.filter((x) => x.date !== h.date))}
                >
                  <IconTrash size={14} />
                </ActionIcon>
              </Group>
            ))}
            <Group gap="xs" align="flex-end">
              <TextInput
                type="date"
                label="Date"
                value={newHoliday.date}
                onChange={(e) => {
                  // Read now: React clears currentTarget once the handler returns, before the updater runs.
                  const date = e.currentTarget.value;
                  setNewHoliday((n) => ({ ...n, date }));
                }}
                w={160}
              />
              <TextInput
                label="Name"
                value={newHoliday.name}
                onChange={(e) => {
                  const name = e.currentTarget.value;
                  setNewHoliday((n) => ({ ...n, name }));
                }}
                style={{ flex: 1 }}
              />
              <Button
                variant="default"
                disabled={!newHoliday.date || !newHoliday.name.trim() || holidays.some((h) => h.date === newHoliday.date)}
                onClick={() => {
                  setHolidays((hs) => [...hs, { date: newHoliday.date, name: newHoliday.name.trim() }].sort((a, b) => a.date.localeCompare(b.date)));
                  setNewHoliday({ date: "", name: "" });
                }}
              >
                Add holiday
              </Button>
            </Group>
          </Stack>
          {!calendar?.isDefault && (
            <Switch label="Default calendar (for policies that name none)" checked={isDefault} onChange={(e) => setIsDefault(e.currentTarget.checked)} />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="save-sla-calendar">
              Save calendar
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
