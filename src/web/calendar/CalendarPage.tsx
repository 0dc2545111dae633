import { ActionIcon, Alert, Anchor, Badge, Button, Group, Loader, Modal, Paper, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconChevronLeft, IconChevronRight, IconPlus } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate } from "@tanstack/react-router";
import { useEffect, useRef, useState } from "react";
import type { Activity, Task } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { api } from "../http/client.js";
import { fetchTasks, recordHref } from "../tasks/api.js";
import classes from "./Calendar.module.css";
import { FeedCard } from "./FeedCard.js";
import { MeetingFormModal } from "./MeetingForm.js";

type Mode = "day" | "week" | "month";
interface Item {
  kind: "meeting" | "task";
  id: string;
  title: string;
  start: Date;
  end: Date | null;
  done: boolean;
  meeting?: Activity;
}

const HOURS = Array.from({ length: 24 }, (_, i) => i);
const startOfDay = (d: Date) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d: Date, n: number) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);
/** Weeks start on Monday. */
const startOfWeek = (d: Date) => addDays(startOfDay(d), -((d.getDay() + 6) % 7));
const sameDay = (a: Date, b: Date) => a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
const time = (d: Date) => d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
const dayKey = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;

function range(mode: Mode, anchor: Date): { from: Date; to: Date } {
  if (mode === "day") return { from: startOfDay(anchor), to: addDays(startOfDay(anchor), 1) };
  if (mode === "week") return { from: startOfWeek(anchor), to: addDays(startOfWeek(anchor), 7) };
  const first = new Date(anchor.getFullYear(), anchor.getMonth(), 1);
  const from = startOfWeek(first);
  return { from, to: addDays(from, 42) };
}

function title(mode: Mode, anchor: Date): string {
  if (mode === "month") return anchor.toLocaleDateString([], { month: "long", year: "numeric" });
  if (mode === "day") return anchor.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long", year: "numeric" });
  const { from } = range("week", anchor);
  const to = addDays(from, 6);
  return `${from.toLocaleDateString([], { day: "numeric", month: "short" })} – ${to.toLocaleDateString([], { day: "numeric", month: "short", year: "numeric" })}`;
}

/** Day, week and month views of my meetings and task due times; an agenda list on phones. */
export function CalendarPage() {
  const { canWrite } = usePermissions();
  const navigate = useNavigate();
  const narrow = useMediaQuery("(max-width: 48em)");
  const [mode, setMode] = useState<Mode>("week");
  const [anchor, setAnchor] = useState(() => new Date());
  const [newAt, setNewAt] = useState<Date | null>(null);
  const [open, setOpen] = useState<Activity | null>(null);
  const weekRef = useRef<HTMLDivElement>(null);
  // Working hours first: the grid opens scrolled to 07:00 rather than midnight, again when the view changes.
  // biome-ignore lint/correctness/useExhaustiveDependencies: re-runs when the grid is re-rendered by a view change
  useEffect(() => {
    const grid = weekRef.current;
    const row = grid?.querySelector<HTMLElement>('[data-hour="7"]');
    if (grid && row) grid.scrollTop = row.offsetTop;
  }, [mode, narrow]);
  const { from, to } = range(mode, anchor);
  const meetings = useQuery({
    queryKey: ["meetings", from.toISOString(), to.toISOString()],
    queryFn: () => api.get<{ data: Activity[] }>("/api/v1/meetings", { from: from.toISOString(), to: to.toISOString() }),
  });
  const tasks = useQuery({
    queryKey: ["tasks", "calendar", from.toISOString(), to.toISOString()],
    queryFn: () => fetchTasks({ assignee: "me", dueFrom: from.toISOString(), dueTo: to.toISOString(), limit: 200 }),
  });
  const items: Item[] = [
    ...(meetings.data?.data ?? []).map((m) => ({
      kind: "meeting" as const,
      id: m.id,
      title: m.subject ?? "Meeting",
      start: new Date(m.occurredAt),
      end: typeof m.details.endsAt === "string" ? new Date(m.details.endsAt) : null,
      done: false,
      meeting: m,
    })),
    ...(tasks.data?.data ?? [])
      .filter((t: Task) => t.dueAt && t.status !== "cancelled")
      .map((t: Task) => ({ kind: "task" as const, id: t.id, title: t.title, start: new Date(t.dueAt as string), end: null, done: t.status === "done" })),
  ].sort((a, b) => a.start.getTime() - b.start.getTime());
  const byDay = new Map<string, Item[]>();
  for (const i of items) byDay.set(dayKey(i.start), [...(byDay.get(dayKey(i.start)) ?? []), i]);

  const openItem = (i: Item) => {
    if (i.kind === "task") void navigate({ to: "/tasks", search: { task: i.id } });
    else if (i.meeting) setOpen(i.meeting);
  };
  const step = (dir: 1 | -1) =>
    setAnchor((a) => (mode === "month" ? new Date(a.getFullYear(), a.getMonth() + dir, 1) : addDays(a, dir * (mode === "week" ? 7 : 1))));
  const chip = (i: Item) => (
    <button
      type="button"
      key={`${i.kind}-${i.id}`}
      className={`${classes.item} ${i.kind === "meeting" ? classes.meeting : classes.task} ${i.done ? classes.done : ""}`}
      onClick={(e) => {
        e.stopPropagation();
        openItem(i);
      }}
      title={`${time(i.start)} ${i.title}`}
      data-testid={`cal-${i.kind}`}
    >
      {time(i.start)} {i.kind === "task" ? "☐ " : ""}
      {i.title}
    </button>
  );
  const slotClick = (d: Date) => canWrite && setNewAt(d);
  const loading = meetings.isPending || tasks.isPending;
  const error = meetings.error ?? tasks.error;
  const days = mode === "day" ? [startOfDay(anchor)] : Array.from({ length: 7 }, (_, i) => addDays(from, i));
  const today = new Date();

  return (
    <Stack gap="md" data-testid="calendar-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Title order={2}>Calendar</Title>
        {canWrite && (
          <Button
            leftSection={<IconPlus size={16} />}
            onClick={() => {
              const d = new Date();
              d.setHours(d.getHours() + 1, 0, 0, 0);
              setNewAt(d);
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
          <Button variant="default" size="xs" onClick={() => setAnchor(new Date())}>
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
                {list[0]?.start.toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" })}
              </Text>
              {list.map(chip)}
            </Paper>
          ))}
        </Stack>
      ) : mode === "month" ? (
        <div className={classes.month} data-testid="cal-month">
          {days.map((d) => (
            <div key={d.getDay()} className={classes.head}>
              {d.toLocaleDateString([], { weekday: "short" })}
            </div>
          ))}
          {Array.from({ length: 42 }, (_, i) => addDays(from, i)).map((d) => {
            const list = byDay.get(dayKey(d)) ?? [];
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the "Schedule meeting" button is the keyboard path
              // biome-ignore lint/a11y/noStaticElementInteractions: a day cell is a click target for quick scheduling
              <div
                key={d.getTime()}
                className={`${classes.cell} ${d.getMonth() !== anchor.getMonth() ? classes.outside : ""}`}
                onClick={() => slotClick(new Date(d.getFullYear(), d.getMonth(), d.getDate(), 9))}
                data-testid="cal-cell"
              >
                <Text fz="xs" className={sameDay(d, today) ? classes.today : undefined}>
                  {d.getDate()}
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
        <div ref={weekRef} className={classes.week} style={{ gridTemplateColumns: `56px repeat(${days.length}, minmax(0, 1fr))` }} data-testid="cal-week">
          <div className={classes.head} />
          {days.map((d) => (
            <div key={d.getTime()} className={`${classes.head} ${sameDay(d, today) ? classes.today : ""}`}>
              {d.toLocaleDateString([], { weekday: "short", day: "numeric" })}
            </div>
          ))}
          {HOURS.map((h) => [
            <div key={`h${h}`} className={classes.hour}>
              {String(h).padStart(2, "0")}:00
            </div>,
            ...days.map((d) => {
              const list = (byDay.get(dayKey(d)) ?? []).filter((i) => i.start.getHours() === h);
              return (
                // biome-ignore lint/a11y/useKeyWithClickEvents: the "Schedule meeting" button is the keyboard path
                // biome-ignore lint/a11y/noStaticElementInteractions: an hour slot is a click target for quick scheduling
                <div
                  key={`${d.getTime()}-${h}`}
                  className={classes.slot}
                  onClick={() => slotClick(new Date(d.getFullYear(), d.getMonth(), d.getDate(), h))}
                  data-testid="cal-slot"
                  data-hour={h}
                >
                  {list.map(chip)}
                </div>
              );
            }),
          ])}
        </div>
      )}
      <FeedCard />
      <MeetingFormModal start={newAt} onClose={() => setNewAt(null)} />
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open?.subject ?? "Meeting"}>
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
        {start.toLocaleString([], { dateStyle: "full", timeStyle: "short" })}
        {d.endsAt ? ` – ${time(new Date(d.endsAt))}` : ""}
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
