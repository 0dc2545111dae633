import { Button, Group, Modal, MultiSelect, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type Activity, ScheduleMeetingBody } from "../../contract/index.js";
import { api } from "../http/client.js";
import { usersQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { textToHtml } from "../lib/sanitize.js";
import { fromLocalInput, toLocalInput } from "../tasks/api.js";
import { ContactMultiPicker } from "./ContactMultiPicker.js";

/** Schedule a meeting from the calendar: you attend; add contacts and colleagues. */
export function MeetingFormModal({ start, onClose }: { start: Date | null; onClose: () => void }) {
  return (
    <Modal opened={start !== null} onClose={onClose} title="Schedule a meeting" size="lg" fullScreen={typeof window !== "undefined" && window.innerWidth < 500}>
      {start && <MeetingForm start={start} onDone={onClose} />}
    </Modal>
  );
}

function MeetingForm({ start, onDone }: { start: Date; onDone: () => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const users = useQuery({ ...usersQuery, retry: false });
  const [v, setV] = useState({
    subject: "",
    starts: toLocalInput(start),
    ends: toLocalInput(new Date(start.getTime() + 30 * 60_000)),
    location: "",
    videoUrl: "",
    notes: "",
    contactIds: [] as string[],
    userIds: [] as string[],
  });
  const set = <K extends keyof typeof v>(k: K, value: (typeof v)[K]) => setV((p) => ({ ...p, [k]: value }));
  const save = useMutation({
    mutationFn: (body: unknown) => api.post<Activity>("/api/v1/meetings", body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["meetings"] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      notifySuccess("Meeting scheduled");
      onDone();
    },
    onError: (e) => errors.fromServer(e, "Could not schedule the meeting"),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = errors.validate(
      ScheduleMeetingBody.safeParse({
        subject: v.subject,
        startsAt: fromLocalInput(v.starts),
        endsAt: fromLocalInput(v.ends),
        location: v.location.trim() || undefined,
        videoUrl: v.videoUrl.trim() || undefined,
        body: v.notes.trim() ? textToHtml(v.notes) : undefined,
        attendees: { contactIds: v.contactIds, userIds: v.userIds },
      }),
    );
    if (parsed) save.mutate(parsed);
  }
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="sm">
        <TextInput
          label="Title"
          required
          data-autofocus
          value={v.subject}
          onChange={(e) => set("subject", e.currentTarget.value)}
          error={errors.get("subject")}
          data-testid="meeting-title"
        />
        <Group grow wrap="wrap" align="flex-start">
          <TextInput
            label="Starts"
            type="datetime-local"
            value={v.starts}
            onChange={(e) => set("starts", e.currentTarget.value)}
            error={errors.get("startsAt")}
            miw={200}
            data-testid="meeting-starts"
          />
          <TextInput
            label="Ends"
            type="datetime-local"
            value={v.ends}
            onChange={(e) => set("ends", e.currentTarget.value)}
            error={errors.get("endsAt")}
            miw={200}
            data-testid="meeting-ends"
          />
        </Group>
        <Group grow wrap="wrap" align="flex-start">
          <TextInput label="Location" value={v.location} onChange={(e) => set("location", e.currentTarget.value)} error={errors.get("location")} miw={200} />
          <TextInput
            label="Video link"
            placeholder="https://…"
            value={v.videoUrl}
            onChange={(e) => set("videoUrl", e.currentTarget.value)}
            error={errors.get("videoUrl")}
            miw={200}
          />
        </Group>
        <ContactMultiPicker
          label="Contacts"
          placeholder="Search contacts"
          value={v.contactIds}
          onChange={(ids) => set("contactIds", ids)}
          error={errors.get("attendees.contactIds")}
          data-testid="meeting-contacts"
        />
        <MultiSelect
          label="Colleagues"
          placeholder="You attend; add others"
          data={(users.data ?? []).filter((u) => u.active).map((u) => ({ value: u.id, label: u.name }))}
          value={v.userIds}
          onChange={(ids) => set("userIds", ids)}
          searchable
          error={errors.get("attendees.userIds")}
        />
        <Textarea label="Notes" autosize minRows={2} value={v.notes} onChange={(e) => set("notes", e.currentTarget.value)} />
        <Group justify="flex-end">
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
          <Button type="submit" loading={save.isPending} data-testid="meeting-save">
            Schedule
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
