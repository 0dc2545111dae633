import { Button, Group, Modal, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { CreateTaskBody, type Task, taskPriorities } from "../../contract/index.js";
import { UserPicker } from "../components/pickers.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { fromLocalInput, taskApi, taskKeys, toLocalInput } from "./api.js";

const reminderChoices = [
  { value: "due", label: "At the due time" },
  { value: "15", label: "15 minutes before" },
  { value: "60", label: "1 hour before" },
  { value: "1440", label: "1 day before" },
  { value: "none", label: "No reminder" },
];

export interface TaskFormDefaults {
  title?: string;
  dueAt?: Date;
  related?: { object: "contact" | "company" | "deal"; id: string };
}

/** Create a task: title, due time, reminder, priority, assignee; optionally about a record. */
export function TaskFormModal({
  opened,
  onClose,
  defaults,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  defaults?: TaskFormDefaults;
  onCreated?: (t: Task) => void;
}) {
  return (
    <Modal opened={opened} onClose={onClose} title="New task" size="lg" fullScreen={typeof window !== "undefined" && window.innerWidth < 500}>
      {opened && <TaskForm defaults={defaults} onDone={onClose} onCreated={onCreated} />}
    </Modal>
  );
}

function TaskForm({ defaults, onDone, onCreated }: { defaults?: TaskFormDefaults; onDone: () => void; onCreated?: (t: Task) => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const [title, setTitle] = useState(defaults?.title ?? "");
  const [description, setDescription] = useState("");
  const [due, setDue] = useState(defaults?.dueAt ? toLocalInput(defaults.dueAt) : "");
  const [reminder, setReminder] = useState("due");
  const [priority, setPriority] = useState<string>("normal");
  const [assigneeId, setAssigneeId] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: taskApi.create,
    onSuccess: (task) => {
      void qc.invalidateQueries({ queryKey: taskKeys.all });
      notifySuccess(`Task “${task.title}” created`);
      onCreated?.(task);
      onDone();
    },
    onError: (e) => errors.fromServer(e, "Could not create the task"),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const dueAt = fromLocalInput(due);
    let remindAt: string | null | undefined;
    if (reminder === "none" || !dueAt) remindAt = reminder === "none" ? null : undefined;
    else if (reminder !== "due") remindAt = new Date(Date.parse(dueAt) - Number(reminder) * 60_000).toISOString();
    const parsed = errors.validate(
      CreateTaskBody.safeParse({
        title,
        description: description.trim() || undefined,
        dueAt,
        remindAt,
        priority,
        assigneeId: assigneeId ?? undefined,
        related: defaults?.related,
      }),
    );
    if (parsed) create.mutate(parsed);
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput
          label="Title"
          required
          data-autofocus
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          error={errors.get("title")}
          data-testid="task-title"
        />
        <Group grow align="flex-start" wrap="wrap">
          <TextInput
            label="Due"
            type="datetime-local"
            value={due}
            onChange={(e) => setDue(e.currentTarget.value)}
            error={errors.get("dueAt")}
            data-testid="task-due"
            miw={200}
          />
          <Select
            label="Reminder"
            data={reminderChoices}
            value={reminder}
            onChange={(v) => setReminder(v ?? "due")}
            allowDeselect={false}
            disabled={!due}
            description={due ? undefined : "Set a due time to be reminded"}
            error={errors.get("remindAt")}
            data-testid="task-reminder"
            miw={180}
          />
        </Group>
        <Group grow align="flex-start" wrap="wrap">
          <Select
            label="Priority"
            data={taskPriorities.map((p) => ({ value: p, label: p[0]?.toUpperCase() + p.slice(1) }))}
            value={priority}
            onChange={(v) => setPriority(v ?? "normal")}
            allowDeselect={false}
            data-testid="task-priority"
            miw={150}
          />
          <UserPicker
            label="Assignee"
            value={assigneeId}
            onChange={setAssigneeId}
            placeholder="Me"
            error={errors.get("assigneeId")}
            data-testid="task-assignee"
            miw={180}
          />
        </Group>
        <Textarea
          label="Description"
          autosize
          minRows={2}
          maxRows={8}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={errors.get("description")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={create.isPending} data-testid="task-save">
            Create task
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
