import { ActionIcon, Alert, Anchor, Badge, Button, Group, Loader, Modal, Paper, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconChevronLeft, IconChevronRight, IconPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { type Activity, type Task, UpdateMeetingBody } from "../../contract/index.js";
import { useMe, usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { addDays, addMonths, type Day, dayKey, dayOf, formatDay, formatIn, formatTime, sameDay, startOf, today, weekdayOf } from "../lib/dates.js";
import { notifyError } from "../lib/notify.js";
import { fetchTasks, recordHref } from "../tasks/api.js";
import classes from "./Calendar.module.css";
import { FeedCard } from "./FeedCard.js";
import { MeetingFormModal } from "./MeetingForm.js";
import { type GridItem, TimeGrid } from "./TimeGrid.js";

type Mode = "day" | "week" | "month";
type MeetingList = { data: Activity[] };
interface Item extends GridItem {
  meeting?: Activity;
}

/** Weeks start on Monday. */
const startOfWeek = (d: Day) => addDays(d, -((weekdayOf(d) + 6) % 7));

/** The days a view shows; its bounds are those days' midnights in the workspace's zone. */
function range(mode: Mode, anchor: Day): { days: Day[]; from: Date; to: Date } {
  const first = mode === "day" ? anchor : mode === "week" ? startOfWeek(anchor) : startOfWeek({ ...anchor, day: 1 });
  const count = mode === "day" ? 1 : mode === "week" ? 7 : 42;
  const days = Array.from({ length: count }, (_, i) => addDays(first, i));
  return { days, from: startOf(first), to: startOf(addDays(first, count)) };
}

function title(mode: Mode, anchor: Day): string {
  if (mode === "month") return formatDay(anchor, { month: "long", year: "numeric" });
  if (mode === "day") return formatDay(anchor, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const from = startOfWeek(anchor);
  return `${formatDay(from, { day: "numeric", month: "short" })} – ${formatDay(addDays(from, 6), { day: "numeric", month: "short", year: "numeric" })}`;
}

/** Day, week and month views of my meetings and task due times, in the workspace's time zone; an agenda list on phones. */
export function CalendarPage() {
  const { canWrite } = usePermissions();
  const me = useMe();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const narrow = useMediaQuery("(max-width: 48em)");
  const [mode, setMode] = useState<Mode>("week");
  const [anchor, setAnchor] = useState<Day>(() => today());
  const [newAt, setNewAt] = useState<Date | null>(null);
  const [open, setOpen] = useState<Activity | null>(null);
  const { days, from, to } = range(mode, anchor);
  const meetingsKey = ["meetings", from.toISOString(), to.toISOString()];
  const meetings = useQuery({
    queryKey: meetingsKey,
    queryFn: () => api.get<MeetingList>("/api/v1/meetings", { from: from.toISOString(), to: to.toISOString() }),
  });
  const tasks = useQuery({
    queryKey: ["tasks", "calendar", from.toISOString(), to.toISOString()],
    queryFn: () => fetchTasks({ assignee: "me", dueFrom: from.toISOString(), dueTo: to.toISOString(), limit: 200 }),
  });
  // Authors change their own meetings; managers and admins anyone's (the server enforces the same).
  const canEdit = (m: Activity) => canWrite && (m.authorId === me.user.id || me.user.role === "admin" || me.user.role === "manager");
  const items: Item[] = [
    ...(meetings.data?.data ?? []).map((m) => ({
      kind: "meeting" as const,
      id: m.id,
      title: m.subject ?? "Meeting",
      start: new Date(m.occurredAt),
      end: typeof m.details.endsAt === "string" ? new Date(m.details.endsAt) : new Date(Date.parse(m.occurredAt) + 30 * 60_000),
      done: false,
      editable: canEdit(m),
      meeting: m,
    })),
    ...(tasks.data?.data ?? [])
      .filter((t: Task) => t.dueAt && t.status !== "cancelled")
      .map((t: Task) => ({
        kind: "task" as const,
        id: t.id,
        title: t.title,
        start: new Date(t.dueAt as string),
        end: null,
        done: t.status === "done",
        editable: false,
      })),
  ].sort((a, b) => a.start.getTime() - b.start.getTime());
  const byDay = new Map<string, Item[]>();
  for (const i of items) byDay.set(dayKey(dayOf(i.start)), [...(byDay.get(dayKey(dayOf(i.start))) ?? []), i]);

  // Moves show at once; should the server refuse (a clash with its rules, the meeting gone, no right to
  // change it), the meeting goes back where it was and the reason is shown.
  const reschedule = useMutation({
    mutationFn: (v: { id: string; body: UpdateMeetingBody }) => api.patch<Activity>(`/api/v1/meetings/${v.id}`, v.body),
    onMutate: async (v) => {
      await qc.cancelQueries({ queryKey: meetingsKey });
      const before = qc.getQueryData<MeetingList>(meetingsKey);
      qc.setQueryData<MeetingList>(meetingsKey, (old) =>
        old
          ? {
              data: old.data.map((m) =>
                m.id === v.id ? { ...m, occurredAt: v.body.startsAt ?? m.occurredAt, details: { ...m.details, endsAt: v.body.endsAt } } : m,
              ),
            }
          : old,
      );
      return { before };
    },
    onError: (e, _v, context) => {
      if (context?.before) qc.setQueryData(meetingsKey, context.before);
      notifyError(e, "The meeting could not be moved");
    },
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: ["meetings"] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
    },
  });
  const onReschedule = (i: GridItem, start: Date, end: Date) => {
    const body = UpdateMeetingBody.safeParse({ startsAt: start.toISOString(), endsAt: end.toISOString() });
    if (body.success) reschedule.mutate({ id: i.id, body: body.data });
  };

  const openItem = (i: Item | GridItem) => {
    if (i.kind === "task") void navigate({ to: "/tasks", search: { task: i.id } });
    else {
      const m = meetings.data?.data.find((x) => x.id === i.id);
      if (m) setOpen(m);
    }
  };
  const step = (dir: 1 | -1) => setAnchor((a) => (mode === "month" ? addMonths(a, dir) : addDays(a, dir * (mode === "week" ? 7 : 1))));
  const chip = (i: Item) => (
    <button
      type="button"
      key={`${i.kind}-${i.id}`}
      className={`${classes.item} ${i.kind === "meeting" ? classes.meeting : classes.task} ${i.done ? classes.done : ""}`}
      onClick={(e) => {
        e.stopPropagation();
        openItem(i);
      }}
      title={`${formatTime(i.start)} ${i.title}`}
      data-testid={`cal-${i.kind}`}
      data-id={i.id}
    >
      {formatTime(i.start)}
      {i.end && i.kind === "meeting" ? `–${formatTime(i.end)}` : ""} {i.kind === "task" ? "☐ " : ""}
      {i.title}
    </button>
  );
  const slotClick = canWrite ? (d: Date) => setNewAt(d) : null;
  const loading = meetings.isPending || tasks.isPending;
  const error = meetings.error ?? tasks.error;
  const now = today();

  return (
    <Stack gap="md" data-testid="calendar-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Title order={2}>Calendar</Title>
        {canWrite && (
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => {
              const next = new Date(Date.now() + 3_600_000);
              setNewAt(startOf(dayOf(next), Number(formatIn(next, { hour: "numeric", hourCycle: "h23" }))));
            }}
            aria-keyshortcuts="c"
            data-testid="new-meeting"
          >
            Schedule meeting
          </Button>
        )}
      </Group>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="xs" wrap="nowrap">
          <ActionIcon variant="default" onClick={() => step(-1)} aria-label="Previous">
            <IconChevronLeft size={16} />
          </ActionIcon>
          <Button variant="default" size="xs" onClick={() => setAnchor(today())}>
            Today
          </Button>
          <ActionIcon variant="default" onClick={() => step(1)} aria-label="Next">
            <IconChevronRight size={16} />
          </ActionIcon>
          <Text fw={600} data-testid="cal-title">
            {title(mode, anchor)}
          </Text>
          {loading && <Loader size="xs" />}
        </Group>
        <SegmentedControl
          value={mode}
          onChange={(v) => setMode(v as Mode)}
          data={[
            { value: "day", label: "Day" },
            { value: "week", label: "Week" },
            { value: "month", label: "Month" },
          ]}
          data-testid="cal-mode"
        />
      </Group>
      {error && (
        <Alert color="red" title="Could not load the calendar">
          {error.message}
        </Alert>
      )}
      {narrow ? (
        <Stack gap="sm" data-testid="cal-agenda">
          {items.length === 0 && !loading && (
            <Text c="dimmed" fz="sm">
              No meetings or due tasks in this {mode}. Schedule a meeting, or give tasks a due time.
            </Text>
          )}
          {[...byDay.entries()].map(([key, list]) => (
            <Paper key={key} withBorder p="sm" radius="md">
              <Text fw={600} fz="sm" mb={4}>
                {list[0] && formatDay(dayOf(list[0].start), { weekday: "long", day: "numeric", month: "long" })}
              </Text>
              {list.map(chip)}
            </Paper>
          ))}
        </Stack>
      ) : mode === "month" ? (
        <div className={classes.month} data-testid="cal-month">
          {days.slice(0, 7).map((d) => (
            <div key={weekdayOf(d)} className={classes.head}>
              {formatDay(d, { weekday: "short" })}
            </div>
          ))}
          {days.map((d) => {
            const list = byDay.get(dayKey(d)) ?? [];
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the "Schedule meeting" button is the keyboard path
              // biome-ignore lint/a11y/noStaticElementInteractions: a day cell is a click target for quick scheduling
              <div
                key={dayKey(d)}
                className={`${classes.cell} ${d.month !== anchor.month ? classes.outside : ""}`}
                onClick={() => slotClick?.(startOf(d, 9))}
                data-testid="cal-cell"
              >
                <Text fz="xs" className={sameDay(d, now) ? classes.today : undefined}>
                  {d.day}
                </Text>
                {list.slice(0, 4).map(chip)}
                {list.length > 4 && (
                  <Text fz="xs" c="dimmed">
                    +{list.length - 4} more
                  </Text>
                )}
              </div>
            );
          })}
        </div>
      ) : (
        <TimeGrid days={days} items={items} onOpen={openItem} onSlot={slotClick} onReschedule={onReschedule} />
      )}
      <FeedCard />
      <MeetingFormModal start={newAt} onClose={() => setNewAt(null)} />
      <MeetingFormModal meeting={open && canEdit(open) ? open : null} onClose={() => setOpen(null)} />
      <Modal opened={open !== null && !canEdit(open)} onClose={() => setOpen(null)} title={open?.subject ?? "Meeting"}>
        {open && <MeetingDetails meeting={open} />}
      </Modal>
    </Stack>
  );
}

function MeetingDetails({ meeting }: { meeting: Activity }) {
  const d = meeting.details as { endsAt?: string; location?: string; videoUrl?: string; outcome?: string };
  const start = new Date(meeting.occurredAt);
  const record: { object: string; id: string } | null = meeting.dealId
    ? { object: "deal", id: meeting.dealId }
    : meeting.contactId
      ? { object: "contact", id: meeting.contactId }
      : meeting.companyId
        ? { object: "company", id: meeting.companyId }
        : null;
  return (
    <Stack gap="xs" data-testid="meeting-details">
      <Text fz="sm">
        {formatIn(start, { dateStyle: "full", timeStyle: "short" })}
        {d.endsAt ? ` – ${formatTime(d.endsAt)}` : ""}
      </Text>
      {d.location && <Text fz="sm">📍 {d.location}</Text>}
      {d.videoUrl && (
        <Anchor href={d.videoUrl} target="_blank" rel="noopener noreferrer" fz="sm">
          Join video call
        </Anchor>
      )}
      {meeting.attendees.length > 0 && (
        <Group gap={4}>
          {meeting.attendees.map((a) =>
            a.kind === "contact" ? (
              <Badge key={a.id} variant="light" component={Link} to={`/contacts/${a.id}`} style={{ cursor: "pointer" }}>
                {a.name ?? "Contact"}
              </Badge>
            ) : (
              <Badge key={a.id} variant="outline" color="gray">
                {a.name ?? "User"}
              </Badge>
            ),
          )}
        </Group>
      )}
      {d.outcome && <Text fz="sm">Outcome: {d.outcome}</Text>}
      {record && (
        <Button component={Link} to={recordHref(record.object, record.id)} variant="light" size="xs" data-testid="meeting-open-record">
          Open {record.object}
        </Button>
      )}
    </Stack>
  );
}
