import { Alert, Button, Group, Loader, SegmentedControl, Stack, Text, Title } from "@mantine/core";
import { IconAlertCircle, IconChecklist, IconPlus } from "@tabler/icons-react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useState } from "react";
import type { Task } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { addDays, startOf, today } from "../lib/dates.js";
import { fetchTasks, type TaskListParams, taskKeys } from "./api.js";
import { TaskFormModal } from "./TaskForm.js";
import { TaskRow } from "./TaskRow.js";

type Scope = "me" | "team";
type Status = "open" | "done";

function sections(tasks: Task[]) {
  const now = Date.now();
  // "Today" is the workspace's day, whatever zone this browser is in.
  const endOfToday = new Date(startOf(addDays(today(), 1)).getTime() - 1);
  const out = { overdue: [] as Task[], today: [] as Task[], upcoming: [] as Task[], someday: [] as Task[] };
  for (const t of tasks) {
    const due = t.dueAt ? Date.parse(t.dueAt) : null;
    if (due === null) out.someday.push(t);
    else if (due < now) out.overdue.push(t);
    else if (due <= endOfToday.getTime()) out.today.push(t);
    else out.upcoming.push(t);
  }
  return out;
}

/** "My tasks": overdue, today, upcoming and undated, with a team view for managers. */
export function TasksPage() {
  const { may, mayChangeTask, canManageRecords } = usePermissions();
  const canWrite = may("task", "create");
  const [scope, setScope] = useState<Scope>("me");
  const [status, setStatus] = useState<Status>("open");
  const [creating, setCreating] = useState(false);
  const highlight = new URLSearchParams(window.location.search).get("task");
  const params: TaskListParams = { assignee: scope, status, limit: 100 };
  const q = useInfiniteQuery({
    queryKey: taskKeys.list(params),
    queryFn: ({ pageParam }) => fetchTasks(params, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: 60_000,
  });
  const tasks = q.data?.pages.flatMap((p) => p.data) ?? [];
  const s = sections(tasks);
  const group = (key: string, label: string, list: Task[], color?: string) =>
    list.length > 0 && (
      <Stack gap="xs" key={key} data-testid={`tasks-section-${key}`}>
        <Text fw={600} fz="sm" c={color}>
          {label} · {list.length}
        </Text>
        {list.map((t) => (
          <TaskRow key={t.id} task={t} canWrite={mayChangeTask(t)} showAssignee={scope === "team"} highlight={t.id === highlight} />
        ))}
      </Stack>
    );
  return (
    <Stack gap="md" data-testid="tasks-page" maw={900}>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Title order={2}>Tasks</Title>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} aria-keyshortcuts="c" data-testid="new-task">
            New task
          </Button>
        )}
      </Group>
      <Group gap="sm" wrap="wrap">
        {canManageRecords && (
          <SegmentedControl
            value={scope}
            onChange={(v) => setScope(v as Scope)}
            data={[
              { value: "me", label: "Mine" },
              { value: "team", label: "My teams" },
            ]}
            data-testid="tasks-scope"
          />
        )}
        <SegmentedControl
          value={status}
          onChange={(v) => setStatus(v as Status)}
          data={[
            { value: "open", label: "Open" },
            { value: "done", label: "Done" },
          ]}
          data-testid="tasks-status"
        />
      </Group>
      {q.isPending ? (
        <Group justify="center" py="xl">
          <Loader />
        </Group>
      ) : q.isError ? (
        <Alert color="red" icon={<IconAlertCircle />} title="Could not load tasks">
          {q.error.message}
        </Alert>
      ) : tasks.length === 0 ? (
        <EmptyHint
          icon={<IconChecklist />}
          title={status === "open" ? "Nothing to do" : "No completed tasks yet"}
          description={
            status === "open"
              ? "Tasks you create, or that colleagues and deal stages assign to you, show up here by due date. Add one, or use “Remind me to follow up” on any contact, company or deal."
              : "Tick a task to complete it; it moves here."
          }
          actionLabel={canWrite && status === "open" ? "New task" : undefined}
          onAction={() => setCreating(true)}
        />
      ) : status === "done" ? (
        <Stack gap="xs">
          {tasks.map((t) => (
            <TaskRow key={t.id} task={t} canWrite={mayChangeTask(t)} showAssignee={scope === "team"} />
          ))}
        </Stack>
      ) : (
        <Stack gap="lg">
          {group("overdue", "Overdue", s.overdue, "red")}
          {group("today", "Today", s.today)}
          {group("upcoming", "Upcoming", s.upcoming)}
          {group("someday", "No due date", s.someday, "dimmed")}
        </Stack>
      )}
      {q.hasNextPage && (
        <Button variant="default" onClick={() => void q.fetchNextPage()} loading={q.isFetchingNextPage}>
          Load more
        </Button>
      )}
      <TaskFormModal opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}
