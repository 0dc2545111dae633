import { ActionIcon, Button, Group, Loader, Menu, NumberInput, Paper, Popover, Stack, Text, TextInput } from "@mantine/core";
import { IconAlarm, IconPlus } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { usePermissions } from "../app/me.js";
import { addDays, formatDate, startOf, today } from "../lib/dates.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { fetchTasks, taskApi, taskKeys } from "./api.js";
import { TaskFormModal } from "./TaskForm.js";
import { TaskRow } from "./TaskRow.js";

type Related = { object: "contact" | "company" | "deal"; id: string };

/** Creates "Follow up with …" due in N days at 9:00 in the workspace's time zone, with a reminder then. */
function followUpDue(days: number): Date {
  return startOf(addDays(today(), days), 9);
}

/** "Remind me to follow up" in 1, 3, 7, 14 or a chosen number of days. */
export function FollowUpButton({ related, name }: { related: Related; name: string }) {
  const qc = useQueryClient();
  const [custom, setCustom] = useState<number | string>(30);
  const [customOpen, setCustomOpen] = useState(false);
  const create = useMutation({
    mutationFn: (days: number) => taskApi.create({ title: `Follow up with ${name}`.slice(0, 300), dueAt: followUpDue(days).toISOString(), related }),
    onSuccess: (t) => {
      void qc.invalidateQueries({ queryKey: taskKeys.all });
      notifySuccess(`We'll remind you on ${formatDate(t.dueAt)}`, "Follow-up set");
      setCustomOpen(false);
    },
    onError: (e) => notifyError(e, "Could not set the follow-up"),
  });
  return (
    // withRoles off: the wrapper div only anchors the popover (opened from a menu item); aria-expanded is not allowed on it.
    <Popover opened={customOpen} onChange={setCustomOpen} position="bottom-end" withinPortal withRoles={false}>
      <Popover.Target>
        <div>
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <Button variant="light" size="xs" leftSection={<IconAlarm size={14} />} loading={create.isPending} data-testid="follow-up">
                Remind me to follow up
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>Remind me in</Menu.Label>
              {[1, 3, 7, 14].map((d) => (
                <Menu.Item key={d} onClick={() => create.mutate(d)} data-testid={`follow-up-${d}`}>
                  {d === 1 ? "1 day" : `${d} days`}
                </Menu.Item>
              ))}
              <Menu.Item onClick={() => setCustomOpen(true)} data-testid="follow-up-custom">
                Custom…
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        </div>
      </Popover.Target>
      <Popover.Dropdown>
        <Group gap="xs" align="flex-end">
          <NumberInput label="Days from now" min={1} max={365} value={custom} onChange={setCustom} w={130} data-testid="follow-up-days" />
          <Button onClick={() => create.mutate(Number(custom) || 1)} disabled={!Number(custom) || Number(custom) < 1 || Number(custom) > 365}>
            Set
          </Button>
        </Group>
      </Popover.Dropdown>
    </Popover>
  );
}

/** Open tasks on a record with a one-line quick add; insert on contact, company and deal pages. */
export function RecordTasksPanel({ object, id, name }: Related & { name: string }) {
  const { may, mayChangeTask } = usePermissions();
  const canWrite = may("task", "create");
  const qc = useQueryClient();
  const [title, setTitle] = useState("");
  const [full, setFull] = useState(false);
  const related = { object, id };
  const params = { assignee: "all", status: "open" as const, relatedObject: object, relatedId: id, limit: 50 };
  const q = useQuery({ queryKey: taskKeys.list(params), queryFn: () => fetchTasks(params) });
  const add = useMutation({
    mutationFn: () => taskApi.create({ title, related }),
    onSuccess: () => {
      setTitle("");
      void qc.invalidateQueries({ queryKey: taskKeys.all });
    },
    onError: (e) => notifyError(e, "Could not add the task"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (title.trim()) add.mutate();
  };
  return (
    <Paper withBorder radius="md" p="md" data-testid="record-tasks">
      <Stack gap="sm">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Text fw={600}>Tasks</Text>
          {canWrite && <FollowUpButton related={related} name={name} />}
        </Group>
        {canWrite && (
          <form onSubmit={submit}>
            <Group gap="xs" wrap="nowrap">
              <TextInput
                placeholder="Add a task…"
                aria-label="New task title"
                value={title}
                onChange={(e) => setTitle(e.currentTarget.value)}
                style={{ flex: 1 }}
                size="sm"
                data-testid="record-task-input"
              />
              <ActionIcon type="submit" size="lg" variant="light" aria-label="Add task" loading={add.isPending} disabled={!title.trim()}>
                <IconPlus size={16} />
              </ActionIcon>
            </Group>
            <Button variant="subtle" size="compact-xs" mt={4} onClick={() => setFull(true)}>
              With due date, reminder, assignee…
            </Button>
          </form>
        )}
        {q.isPending ? (
          <Loader size="sm" />
        ) : q.isError ? (
          <Text c="red" fz="sm">
            Could not load tasks: {q.error.message}
          </Text>
        ) : q.data.data.length === 0 ? (
          <Text c="dimmed" fz="sm">
            No open tasks. Add one above, or set a follow-up reminder.
          </Text>
        ) : (
          q.data.data.map((t) => <TaskRow key={t.id} task={t} canWrite={mayChangeTask(t)} showRelated={false} showAssignee />)
        )}
      </Stack>
      <TaskFormModal opened={full} onClose={() => setFull(false)} defaults={{ related, title }} />
    </Paper>
  );
}
