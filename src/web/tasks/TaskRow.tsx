import { ActionIcon, Anchor, Badge, Button, Checkbox, Group, Menu, Modal, Paper, Stack, Text } from "@mantine/core";
import { IconAlarm, IconBell, IconDots, IconTrash, IconUserShare } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { labelOf, type Task, taskPriorityLabels } from "../../contract/index.js";
import { UserPicker } from "../components/pickers.js";
import { formatDateTime } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { priorityColor, recordHref, snoozeChoices, taskApi, taskKeys } from "./api.js";

/** One task: tick to complete, snooze, reassign or delete from its menu. */
export function TaskRow({
  task,
  showAssignee,
  showRelated = true,
  canWrite,
  highlight,
}: {
  task: Task;
  showAssignee?: boolean;
  showRelated?: boolean;
  canWrite: boolean;
  highlight?: boolean;
}) {
  const qc = useQueryClient();
  const [reassigning, setReassigning] = useState(false);
  const [assignee, setAssignee] = useState<string | null>(task.assigneeId);
  const refresh = () => void qc.invalidateQueries({ queryKey: taskKeys.all });
  const act = useMutation({
    mutationFn: (fn: () => Promise<unknown>) => fn(),
    onSuccess: refresh,
    onError: (e) => notifyError(e, "Could not update the task"),
  });
  const overdue = task.status === "open" && task.dueAt !== null && Date.parse(task.dueAt) < Date.now();
  const done = task.status === "done";
  return (
    <Paper withBorder radius="md" p="sm" data-testid="task-row" data-task-id={task.id} bg={highlight ? "var(--mantine-color-yellow-light)" : undefined}>
      <Group wrap="nowrap" align="flex-start" gap="sm">
        <Checkbox
          mt={3}
          checked={done}
          disabled={!canWrite || task.status === "cancelled" || act.isPending}
          onChange={() =>
            act.mutate(async () => {
              await (done ? taskApi.update(task.id, { status: "open" }) : taskApi.complete(task.id));
              if (!done) notifySuccess(`“${task.title}” done`);
            })
          }
          aria-label={done ? "Reopen task" : "Complete task"}
          data-testid="task-complete"
        />
        <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
          <Text
            fw={500}
            td={done ? "line-through" : undefined}
            c={done ? "dimmed" : undefined}
            style={{ overflowWrap: "anywhere" }}
            data-testid="task-row-title"
          >
            {task.title}
          </Text>
          <Group gap={8} wrap="wrap">
            {task.dueAt && (
              <Text fz="xs" c={overdue ? "red" : "dimmed"} fw={overdue ? 600 : undefined} data-testid="task-due-label">
                {overdue ? "Overdue · " : ""}
                {formatDateTime(task.dueAt)}
              </Text>
            )}
            {task.remindAt && task.status === "open" && (
              <Group gap={2} wrap="nowrap">
                <IconBell size={12} color="var(--mantine-color-dimmed)" />
                <Text fz="xs" c="dimmed">
                  {task.remindedAt ? "reminded" : formatDateTime(task.remindAt)}
                </Text>
              </Group>
            )}
            {task.priority !== "normal" && (
              <Badge size="xs" variant="light" color={priorityColor[task.priority]}>
                {labelOf(taskPriorityLabels, task.priority)}
              </Badge>
            )}
            {showRelated && task.related && (
              <Anchor component={Link} to={recordHref(task.related.object, task.related.id)} fz="xs" truncate="end" maw={220}>
                {task.related.name ?? task.related.object}
              </Anchor>
            )}
            {showAssignee && (
              <Text fz="xs" c="dimmed">
                {task.assigneeName ?? "Unknown user"}
              </Text>
            )}
          </Group>
        </Stack>
        {canWrite && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" color="gray" aria-label="Task actions" data-testid="task-menu">
                <IconDots size={16} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              {task.status === "open" && (
                <>
                  <Menu.Label>Snooze</Menu.Label>
                  {snoozeChoices.map((c) => (
                    <Menu.Item
                      key={c.minutes}
                      leftSection={<IconAlarm size={14} />}
                      onClick={() =>
                        act.mutate(async () => {
                          await taskApi.snooze(task.id, c.minutes);
                          notifySuccess(`Snoozed by ${c.label}`);
                        })
                      }
                      data-testid={`task-snooze-${c.minutes}`}
                    >
                      {c.label}
                    </Menu.Item>
                  ))}
                  <Menu.Divider />
                </>
              )}
              <Menu.Item leftSection={<IconUserShare size={14} />} onClick={() => setReassigning(true)} data-testid="task-reassign">
                Reassign…
              </Menu.Item>
              {task.status === "open" && <Menu.Item onClick={() => act.mutate(() => taskApi.update(task.id, { status: "cancelled" }))}>Cancel task</Menu.Item>}
              <Menu.Item color="red" leftSection={<IconTrash size={14} />} onClick={() => act.mutate(() => taskApi.remove(task.id))}>
                Delete
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      <Modal opened={reassigning} onClose={() => setReassigning(false)} title="Reassign task">
        <Stack>
          <UserPicker label="Assignee" value={assignee} onChange={setAssignee} clearable={false} data-testid="reassign-picker" />
          <Group justify="flex-end">
            <Button
              disabled={!assignee || assignee === task.assigneeId}
              loading={act.isPending}
              onClick={() =>
                act.mutate(async () => {
                  await taskApi.update(task.id, { assigneeId: assignee });
                  setReassigning(false);
                  notifySuccess("Task reassigned");
                })
              }
            >
              Reassign
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Paper>
  );
}
