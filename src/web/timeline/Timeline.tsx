import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Chip,
  Group,
  Menu,
  Paper,
  Skeleton,
  Stack,
  Text,
  Textarea,
  TextInput,
  ThemeIcon,
  Tooltip,
} from "@mantine/core";
import {
  IconAlertTriangle,
  IconArrowDownLeft,
  IconArrowUpRight,
  IconBolt,
  IconCalendarEvent,
  IconDots,
  IconEdit,
  IconForms,
  IconHistory,
  IconLifebuoy,
  IconMail,
  IconNote,
  IconPhone,
  IconPlus,
  IconRestore,
  IconTrash,
} from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useMemo, useState } from "react";
import {
  type Activity,
  amountSourceLabels,
  type CustomField,
  callOutcomeLabels,
  dealSourceLabels,
  dealStatusLabels,
  type LabelMap,
  labelOf,
  leadSourceLabels,
  leadStatusLabels,
  lifecycleStageLabels,
  type TimelineEntry,
  type TimelineKind,
  UpdateActivityBody,
  type User,
} from "../../contract/index.js";
import { useMe } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { AnchorLink } from "../components/links.js";
import { RestoreFieldButton } from "../data-quality/RestoreFieldButton.js";
import { api } from "../http/client.js";
import { objectPath, type RecordObject, useUserMap } from "../http/queries.js";
import { SubmissionItem } from "../leads/SubmittedValues.js";
import { dayKey, dayOf, formatTime } from "../lib/dates.js";
import { useFormErrors } from "../lib/form.js";
import { formatDate, formatDateTime, formatDuration, formatMoney, formatNumber, formatRelative, humanize } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { htmlToText, sanitizeHtml, textToHtml } from "../lib/sanitize.js";
import { recordRunsQuery, type WorkflowRun } from "../workflows/api.js";
import { TimelineRun } from "../workflows/TimelineRun.js";
import classes from "./Timeline.module.css";

type Entry = TimelineEntry;
type ActivityEntry = Extract<Entry, { kind: "activity" }>;
type ChangeEntry = Extract<Entry, { kind: "change" }>;
type SubmissionEntry = Extract<Entry, { kind: "submission" }>;
type TicketEntry = Extract<Entry, { kind: "ticket" }>;

const fieldLabels: Record<string, string> = {
  firstName: "First name",
  lastName: "Last name",
  emails: "Emails",
  phones: "Phones",
  jobTitle: "Job title",
  companyId: "Company",
  ownerId: "Owner",
  lifecycleStage: "Lifecycle stage",
  leadSource: "Lead source",
  leadStatus: "Lead status",
  assignmentReason: "Assignment reason",
  tags: "Tags",
  address: "Address",
  socialProfiles: "Social profiles",
  doNotContact: "Do not contact",
  emailConsent: "Email consent",
  name: "Name",
  domain: "Domain",
  industry: "Industry",
  employees: "Employees",
  annualRevenue: "Annual revenue",
  currency: "Currency",
  phone: "Phone",
  parentId: "Parent company",
  description: "Description",
  pipelineId: "Pipeline",
  stage: "Stage",
  status: "Status",
  amount: "Amount",
  amountSource: "Amount from",
  priceListId: "Price list",
  expectedCloseDate: "Expected close date",
  company: "Company",
  contacts: "Contacts",
  nextStep: "Next step",
  lostReason: "Lost reason",
  source: "Source",
  closedAt: "Closed",
};

/** Fields whose history values are codes, and the labels shown for them. */
const valueLabels: Record<string, LabelMap> = {
  lifecycleStage: lifecycleStageLabels,
  leadSource: leadSourceLabels,
  leadStatus: leadStatusLabels,
  status: dealStatusLabels,
  amountSource: amountSourceLabels,
  source: dealSourceLabels,
};

/** Deals have a timeline too, but no generic record list, so they are not a RecordObject. */
export type TimelineObject = RecordObject | "deal";
export const timelinePath: Record<TimelineObject, string> = { ...objectPath, deal: "/api/v1/deals" };

export function timelineQueryKey(object: TimelineObject, id: string, kinds: TimelineKind[] = []) {
  return ["timeline", object, id, kinds] as const;
}

const kindFilters: { value: TimelineKind; label: string; plural: string }[] = [
  { value: "note", label: "Notes", plural: "notes" },
  { value: "call", label: "Calls", plural: "calls" },
  { value: "email", label: "Emails", plural: "emails" },
  { value: "meeting", label: "Meetings", plural: "meetings" },
  { value: "change", label: "Changes", plural: "changes" },
  { value: "ticket", label: "Tickets", plural: "support tickets" },
];

/** Narrows the timeline by kind; none chosen shows everything. The server filters, so paging stays exact. */
function KindFilter({ value, onChange }: { value: TimelineKind[]; onChange: (v: TimelineKind[]) => void }) {
  return (
    <Group gap={6} mb="sm" role="group" aria-label="Show only" data-testid="timeline-filter">
      <Chip size="xs" checked={value.length === 0} onChange={() => onChange([])} data-testid="timeline-filter-all">
        All
      </Chip>
      <Chip.Group multiple value={value} onChange={(v) => onChange(kindFilters.map((k) => k.value).filter((k) => v.includes(k)))}>
        {kindFilters.map((k) => (
          <Chip key={k.value} value={k.value} size="xs" data-testid={`timeline-filter-${k.value}`}>
            {k.label}
          </Chip>
        ))}
      </Chip.Group>
    </Group>
  );
}

/** Newest-first history of a record: activities and field changes, loaded page by page. */
export function Timeline(props: { object: TimelineObject; id: string; customFields: CustomField[]; nouns: string }) {
  const [kinds, setKinds] = useState<TimelineKind[]>([]);
  return (
    <>
      <KindFilter value={kinds} onChange={setKinds} />
      <TimelineEntries {...props} kinds={kinds} onClearFilter={() => setKinds([])} />
    </>
  );
}

function TimelineEntries({
  object,
  id,
  customFields,
  nouns,
  kinds,
  onClearFilter,
}: {
  object: TimelineObject;
  id: string;
  customFields: CustomField[];
  nouns: string;
  kinds: TimelineKind[];
  onClearFilter: () => void;
}) {
  const users = useUserMap();
  const q = useInfiniteQuery({
    queryKey: timelineQueryKey(object, id, kinds),
    queryFn: ({ pageParam, signal }) =>
      api.get<{ data: Entry[]; nextCursor: string | null }>(
        `${timelinePath[object]}/${id}/timeline`,
        { limit: 30, cursor: pageParam, types: kinds.length ? kinds.join(",") : undefined },
        signal,
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = useMemo(() => q.data?.pages.flatMap((p) => p.data) ?? [], [q.data]);
  // Workflow runs on this record, woven in by time; only as far back as the loaded page reaches, so older runs
  // appear with older entries. A kind filter hides them (they are none of those kinds).
  const runs = useQuery({ ...recordRunsQuery(object, id), enabled: kinds.length === 0, retry: false });
  const items = useMemo(() => {
    const list: ({ kind: "entry"; at: string; entry: Entry } | { kind: "run"; at: string; run: WorkflowRun })[] = entries.map((e) => ({
      kind: "entry",
      at: e.at,
      entry: e,
    }));
    if (kinds.length === 0 && runs.data?.length) {
      const oldest = q.hasNextPage ? entries[entries.length - 1]?.at : undefined;
      for (const r of runs.data) if (!oldest || r.createdAt >= oldest) list.push({ kind: "run", at: r.createdAt, run: r });
      list.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    }
    return list;
  }, [entries, runs.data, kinds.length, q.hasNextPage]);
  const customLabels = useMemo(() => new Map(customFields.map((f) => [`custom.${f.key}`, f.label])), [customFields]);

  if (q.isPending) {
    return (
      <Stack gap="md" data-testid="timeline-loading">
        {[0, 1, 2].map((i) => (
          <Group key={i} align="flex-start" wrap="nowrap">
            <Skeleton circle h={32} w={32} />
            <Stack gap={6} style={{ flex: 1 }}>
              <Skeleton h={12} w="40%" />
              <Skeleton h={40} />
            </Stack>
          </Group>
        ))}
      </Stack>
    );
  }
  if (q.isError) {
    return (
      <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title="Could not load the timeline">
        <Text fz="sm" mb="xs">
          {q.error.message}
        </Text>
        <Button size="xs" variant="white" color="red" onClick={() => q.refetch()}>
          Retry
        </Button>
      </Alert>
    );
  }
  if (entries.length === 0 && kinds.length > 0) {
    const names = kindFilters.filter((k) => kinds.includes(k.value)).map((k) => k.plural);
    return (
      <Stack align="center" gap="xs" py="xl" data-testid="timeline-filter-empty">
        <Text c="dimmed" fz="sm" ta="center">
          No {names.length > 1 ? `${names.slice(0, -1).join(", ")} or ${names[names.length - 1]}` : names[0]} on this timeline.
        </Text>
        <Button size="xs" variant="light" onClick={onClearFilter}>
          Show everything
        </Button>
      </Stack>
    );
  }
  if (items.length === 0) {
    return (
      <Text c="dimmed" fz="sm" ta="center" py="xl">
        Nothing here yet. Log a note, call, email or meeting above — {nouns}' history builds up here.
      </Text>
    );
  }
  return (
    <Stack gap={0} data-testid="timeline">
      {items.map((it) => {
        if (it.kind === "run")
          return (
            <Rail key={`w:${it.run.id}`} icon={<IconBolt size={16} />} color="orange" testId="timeline-workflow">
              <TimelineRun run={it.run} />
            </Rail>
          );
        const e = it.entry;
        return e.kind === "activity" ? (
          <ActivityItem key={`a:${e.activity.id}`} entry={e} users={users} />
        ) : e.kind === "submission" ? (
          <SubmissionRail key={`s:${e.id}`} entry={e} />
        ) : e.kind === "ticket" ? (
          <TicketRail key={`t:${e.ticket.id}`} entry={e} />
        ) : (
          <ChangeItem key={`c:${e.id}`} entry={e} users={users} customLabels={customLabels} object={object} />
        );
      })}
      {q.hasNextPage && (
        <Button variant="subtle" onClick={() => q.fetchNextPage()} loading={q.isFetchingNextPage} mt="sm" data-testid="timeline-more">
          Show older
        </Button>
      )}
    </Stack>
  );
}

function Rail({ icon, color, children, testId }: { icon: ReactNode; color: string; children: ReactNode; testId: string }) {
  return (
    <div className={classes.item} data-testid={testId}>
      <div className={classes.rail}>
        <ThemeIcon variant="light" color={color} radius="xl" size={32}>
          {icon}
        </ThemeIcon>
      </div>
      <div className={classes.content}>{children}</div>
    </div>
  );
}

function When({ at }: { at: string }) {
  return (
    <Tooltip label={formatDateTime(at)} withArrow openDelay={300}>
      <Text span fz="xs" c="dimmed" style={{ whiteSpace: "nowrap" }}>
        {formatRelative(at)}
      </Text>
    </Tooltip>
  );
}

function ActivityItem({ entry, users }: { entry: ActivityEntry; users: Map<string, User> }) {
  const a = entry.activity;
  const d = a.details as Record<string, unknown>;
  const author = a.authorId ? (users.get(a.authorId)?.name ?? "Someone") : "API";
  const meta: { icon: ReactNode; color: string; verb: string } =
    a.type === "call"
      ? { icon: <IconPhone size={16} />, color: "teal", verb: "logged a call" }
      : a.type === "email"
        ? { icon: <IconMail size={16} />, color: "blue", verb: "logged an email" }
        : a.type === "meeting"
          ? { icon: <IconCalendarEvent size={16} />, color: "grape", verb: "logged a meeting" }
          : { icon: <IconNote size={16} />, color: "yellow", verb: "added a note" };
  const upcoming = a.type === "meeting" && Date.parse(a.occurredAt) > Date.now();
  // A meeting still ahead is a plan, not a log entry: it reads "scheduled … for <date>", not "logged … in 11 hours".
  if (upcoming) meta.verb = "scheduled a meeting";
  const direction = d.direction === "inbound" || d.direction === "outbound" ? (d.direction as string) : null;
  const html = useMemo(() => (a.body ? sanitizeHtml(a.body) : ""), [a.body]);
  const me = useMe();
  const qc = useQueryClient();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  // Authors change their own entries; managers and admins anyone's (the server enforces the same).
  const canEdit = me.user.role !== "read_only" && (a.authorId === me.user.id || me.user.role === "admin" || me.user.role === "manager");
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/activities/${a.id}`),
    onSuccess: () => {
      setDeleting(false);
      notifySuccess("Entry deleted");
      void qc.invalidateQueries({ queryKey: ["timeline"] });
    },
    onError: (e) => notifyError(e, "Could not delete the entry"),
  });

  return (
    <Rail icon={meta.icon} color={meta.color} testId={`timeline-${a.type}`}>
      <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
        <Text fz="sm" style={{ minWidth: 0 }}>
          <Text span inherit fw={600}>
            {author}
          </Text>{" "}
          {meta.verb}
          {upcoming && (
            <>
              {" "}
              <Text span inherit c="grape" fw={500} data-testid="meeting-scheduled-for">
                for {formatDateTime(a.occurredAt)}
              </Text>
            </>
          )}
          {entry.about && (
            <>
              {" "}
              about{" "}
              {a.contactId ? (
                <AnchorLink to="/contacts/$id" params={{ id: a.contactId }} inherit fw={500}>
                  {entry.about}
                </AnchorLink>
              ) : (
                <Text span inherit fw={500}>
                  {entry.about}
                </Text>
              )}
            </>
          )}
        </Text>
        <Group gap={2} wrap="nowrap">
          {!upcoming && <When at={entry.at} />}
          {canEdit && (
            <Menu position="bottom-end" withinPortal>
              <Menu.Target>
                <ActionIcon variant="subtle" color="gray" size="sm" aria-label="Entry actions" data-testid="activity-menu">
                  <IconDots size={14} />
                </ActionIcon>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item leftSection={<IconEdit size={14} />} onClick={() => setEditing(true)}>
                  Edit
                </Menu.Item>
                <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => setDeleting(true)}>
                  Delete
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </Group>
      </Group>
      {editing ? (
        <ActivityEditor activity={a} onDone={() => setEditing(false)} />
      ) : (
        <Paper withBorder radius="md" p="sm" mt={6} className={classes.card}>
          {a.subject && (
            <Text fw={600} fz="sm" mb={4}>
              {a.subject}
            </Text>
          )}
          {(a.type === "call" || a.type === "email" || a.type === "meeting") && (
            <Group gap={6} mb={html ? 6 : 0}>
              {direction && (
                <Badge
                  size="sm"
                  variant="light"
                  color="gray"
                  leftSection={direction === "inbound" ? <IconArrowDownLeft size={12} /> : <IconArrowUpRight size={12} />}
                  tt="none"
                >
                  {direction === "inbound" ? "Inbound" : "Outbound"}
                </Badge>
              )}
              {a.type === "call" && typeof d.durationSeconds === "number" && (
                <Badge size="sm" variant="light" color="gray" tt="none">
                  {formatDuration(d.durationSeconds)}
                </Badge>
              )}
              {a.type === "call" && typeof d.outcome === "string" && (
                <Badge size="sm" variant="light" color={d.outcome === "connected" ? "teal" : "orange"} tt="none" data-testid="call-outcome">
                  {labelOf(callOutcomeLabels, d.outcome)}
                </Badge>
              )}
              {a.type === "email" && Array.isArray(d.to) && d.to.length > 0 && (
                <Text fz="xs" c="dimmed">
                  to {(d.to as string[]).join(", ")}
                </Text>
              )}
              {a.type === "email" && typeof d.from === "string" && d.from && (
                <Text fz="xs" c="dimmed">
                  from {d.from}
                </Text>
              )}
              {a.type === "meeting" && typeof d.location === "string" && d.location && (
                <Badge size="sm" variant="light" color="gray" tt="none">
                  {d.location}
                </Badge>
              )}
              {a.type === "meeting" && typeof d.endsAt === "string" && (
                <Text fz="xs" c="dimmed">
                  {formatDateTime(a.occurredAt)} – {dayKey(dayOf(d.endsAt)) === dayKey(dayOf(a.occurredAt)) ? formatTime(d.endsAt) : formatDateTime(d.endsAt)}
                </Text>
              )}
              {a.type === "meeting" && typeof d.outcome === "string" && d.outcome && (
                <Text fz="xs" c="dimmed">
                  Outcome: {d.outcome}
                </Text>
              )}
              {a.type === "meeting" && typeof d.videoUrl === "string" && (
                <Anchor href={d.videoUrl} target="_blank" rel="noopener noreferrer" fz="xs">
                  Video link
                </Anchor>
              )}
              {a.type === "meeting" && a.attendees.length > 0 && (
                <Text fz="xs" c="dimmed" data-testid="meeting-attendees">
                  With {a.attendees.map((x) => x.name ?? x.kind).join(", ")}
                </Text>
              )}
            </Group>
          )}
          {html ? (
            <Box
              className="rich-text"
              fz="sm"
              // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised on the server and again by sanitizeHtml
              dangerouslySetInnerHTML={{ __html: html }}
            />
          ) : (
            !a.subject &&
            a.type === "note" && (
              <Text fz="sm" c="dimmed">
                Empty note
              </Text>
            )
          )}
        </Paper>
      )}
      <ConfirmModal
        opened={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate()}
        title={`Delete this ${a.type}?`}
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        It disappears from every timeline it shows on. This can't be undone.
      </ConfirmModal>
    </Rail>
  );
}

const ticketColors: Record<string, string> = { new: "blue", open: "orange", pending: "yellow", solved: "teal", closed: "gray" };

/** A support ticket the customer opened: its number, subject and where it stands; the link opens the ticket. */
function TicketRail({ entry }: { entry: TicketEntry }) {
  const t = entry.ticket;
  return (
    <Rail icon={<IconLifebuoy size={16} />} color="grape" testId="timeline-ticket">
      <Group gap="xs" wrap="nowrap" justify="space-between">
        <Text fz="sm">
          Opened ticket{" "}
          <a href={`/tickets/${t.id}`} data-testid="timeline-ticket-link">
            #{t.number} {t.subject}
          </a>
          {entry.about ? ` (${entry.about})` : ""}
        </Text>
        <Badge size="sm" variant="light" color={ticketColors[t.statusCategory] ?? "gray"}>
          {t.statusLabel}
        </Badge>
      </Group>
      <When at={entry.at} />
    </Rail>
  );
}

function SubmissionRail({ entry }: { entry: SubmissionEntry }) {
  return (
    <Rail icon={<IconForms size={16} />} color="indigo" testId="timeline-submission">
      <SubmissionItem entry={entry} when={<When at={entry.at} />} />
    </Rail>
  );
}

function ChangeItem({
  entry,
  users,
  customLabels,
  object,
}: {
  entry: ChangeEntry;
  users: Map<string, User>;
  customLabels: Map<string, string>;
  object: TimelineObject;
}) {
  const who = entry.actorName ?? (entry.actorId ? (users.get(entry.actorId)?.name ?? "Someone") : "The API");
  const label = (f: string) => customLabels.get(f) ?? fieldLabels[f] ?? (f.startsWith("custom.") ? humanize(f.slice(7)) : humanize(f));
  const fmt = (field: string, v: unknown): string => formatChangeValue(field, v, users, entry.refs, entry.changes);
  const noun = object;
  const icon =
    entry.action === "create" ? (
      <IconPlus size={16} />
    ) : entry.action === "delete" ? (
      <IconTrash size={16} />
    ) : entry.action === "restore" ? (
      <IconRestore size={16} />
    ) : (
      <IconHistory size={16} />
    );

  let body: ReactNode;
  if (entry.action === "create") body = <>created this {noun}</>;
  else if (entry.action === "delete") body = <>moved this {noun} to the trash</>;
  else if (entry.action === "restore") body = <>restored this {noun} from the trash</>;
  else if (entry.action === "merge") body = <>merged another {noun} into this one</>;
  else body = null;

  const changes = entry.action === "update" ? entry.changes : [];
  return (
    <Rail icon={icon} color="gray" testId="timeline-change">
      {body ? (
        <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
          <Text fz="sm" c="dimmed">
            <Text span inherit fw={600} c="var(--mantine-color-text)">
              {who}
            </Text>{" "}
            {body}
          </Text>
          <When at={entry.at} />
        </Group>
      ) : (
        <Group justify="space-between" gap="xs" wrap="nowrap" align="flex-start">
          <Stack gap={2} style={{ minWidth: 0 }}>
            {changes.map((c) => (
              <Text fz="sm" c="dimmed" key={c.field} className={classes.change}>
                <Text span inherit fw={600} c="var(--mantine-color-text)">
                  {who}
                </Text>{" "}
                changed{" "}
                <Text span inherit fw={500} c="var(--mantine-color-text)">
                  {label(c.field)}
                </Text>
                : <span className={classes.from}>{fmt(c.field, c.from)}</span> → <span className={classes.to}>{fmt(c.field, c.to)}</span>
                <RestoreFieldButton object={object} historyId={entry.id} field={c.field} label={label(c.field)} />
              </Text>
            ))}
          </Stack>
          <When at={entry.at} />
        </Group>
      )}
    </Rail>
  );
}

function formatChangeValue(field: string, v: unknown, users: Map<string, User>, refs: Record<string, string>, changes: ChangeEntry["changes"]): string {
  if (v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) return "empty";
  if (field === "ownerId" && typeof v === "string") return refs[v] ?? users.get(v)?.name ?? "a former user";
  if ((field === "companyId" || field === "parentId") && typeof v === "string") return refs[v] ?? "a deleted company";
  if (field === "pipelineId" && typeof v === "string") return refs[v] ?? "a deleted pipeline";
  if (field === "priceListId" && typeof v === "string") return "another price list";
  const labels = valueLabels[field];
  if (labels && typeof v === "string") return labelOf(labels, v);
  if ((field === "expectedCloseDate" || field === "closedAt") && typeof v === "string") return formatDate(v);
  if (field === "amount" && (typeof v === "string" || typeof v === "number")) {
    const currency = changes.find((c) => c.field === "currency");
    return typeof currency?.to === "string" ? formatMoney(v, currency.to) : formatNumber(v);
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (Array.isArray(v)) {
    return v
      .map((x) =>
        x && typeof x === "object" ? String((x as Record<string, unknown>).email ?? (x as Record<string, unknown>).phone ?? JSON.stringify(x)) : String(x),
      )
      .join(", ");
  }
  if (typeof v === "object") {
    return Object.values(v as Record<string, unknown>)
      .filter((x) => x !== null && x !== "")
      .join(", ");
  }
  const s = String(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

function ActivityEditor({ activity, onDone }: { activity: Activity; onDone: () => void }) {
  const qc = useQueryClient();
  const [subject, setSubject] = useState(activity.subject ?? "");
  const [body, setBody] = useState(() => (activity.body ? htmlToText(activity.body) : ""));
  const errors = useFormErrors();
  const save = useMutation({
    mutationFn: (input: unknown) => api.patch<Activity>(`/api/v1/activities/${activity.id}`, input),
    onSuccess: () => {
      notifySuccess("Entry updated");
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      onDone();
    },
    onError: (e) => errors.fromServer(e, "Could not update the entry"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input = errors.validate(UpdateActivityBody.safeParse({ subject: subject.trim() || null, body: body.trim() ? textToHtml(body) : null }));
    if (input) save.mutate(input);
  };
  return (
    <Paper withBorder radius="md" p="sm" mt={6} component="form" onSubmit={submit} data-testid="activity-editor">
      <Stack gap="xs">
        {activity.type !== "note" && (
          <TextInput
            size="sm"
            aria-label="Subject"
            placeholder="Subject"
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            error={errors.get("subject")}
          />
        )}
        <Textarea
          size="sm"
          aria-label="Text"
          autosize
          minRows={2}
          maxRows={14}
          value={body}
          onChange={(e) => setBody(e.currentTarget.value)}
          error={errors.get("body")}
          data-autofocus
        />
        <Group justify="flex-end" gap="xs">
          <Button size="xs" variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button size="xs" type="submit" loading={save.isPending}>
            Save
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
