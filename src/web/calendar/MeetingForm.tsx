import { Anchor, Button, Group, Modal, MultiSelect, SimpleGrid, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { type Activity, ScheduleMeetingBody, UpdateMeetingBody } from "../../contract/index.js";
import { api } from "../http/client.js";
import { usersQuery } from "../http/queries.js";
import { fromZonedInput, toZonedInput } from "../lib/dates.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { htmlToText, textToHtml } from "../lib/sanitize.js";
import { recordHref } from "../tasks/api.js";
import { ContactMultiPicker } from "./ContactMultiPicker.js";

type Details = { endsAt?: string; location?: string; videoUrl?: string; outcome?: string };

/** Schedule a meeting from the calendar (you attend; add contacts and colleagues), or edit one. */
export function MeetingFormModal({ start, meeting, onClose }: { start?: Date | null; meeting?: Activity | null; onClose: () => void }) {
  const opened = Boolean(start || meeting);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={meeting ? "Edit meeting" : "Schedule a meeting"}
      size="lg"
      fullScreen={typeof window !== "undefined" && window.innerWidth < 500}
    >
      {meeting ? <MeetingForm key={meeting.id} meeting={meeting} onDone={onClose} /> : start && <MeetingForm start={start} onDone={onClose} />}
    </Modal>
  );
}

function initial(start: Date | undefined, meeting: Activity | undefined) {
  if (meeting) {
    const d = meeting.details as Details;
    const starts = new Date(meeting.occurredAt);
    return {
      subject: meeting.subject ?? "",
      starts: toZonedInput(starts),
      ends: toZonedInput(d.endsAt ? new Date(d.endsAt) : new Date(starts.getTime() + 30 * 60_000)),
      location: d.location ?? "",
      videoUrl: d.videoUrl ?? "",
      outcome: d.outcome ?? "",
      notes: meeting.body ? htmlToText(meeting.body) : "",
      contactIds: meeting.attendees.filter((a) => a.kind === "contact").map((a) => a.id),
      userIds: meeting.attendees.filter((a) => a.kind === "user").map((a) => a.id),
    };
  }
  const s = start ?? new Date();
  return {
    subject: "",
    starts: toZonedInput(s),
    ends: toZonedInput(new Date(s.getTime() + 30 * 60_000)),
    location: "",
    videoUrl: "",
    outcome: "",
    notes: "",
    contactIds: [] as string[],
    userIds: [] as string[],
  };
}

function MeetingForm({ start, meeting, onDone }: { start?: Date; meeting?: Activity; onDone: () => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const users = useQuery({ ...usersQuery, retry: false });
  const [v, setV] = useState(() => initial(start, meeting));
  const set = <K extends keyof typeof v>(k: K, value: (typeof v)[K]) => setV((p) => ({ ...p, [k]: value }));
  const save = useMutation({
    mutationFn: (body: unknown) => (meeting ? api.patch<Activity>(`/api/v1/meetings/${meeting.id}`, body) : api.post<Activity>("/api/v1/meetings", body)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["meetings"] });
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      notifySuccess(meeting ? "Meeting updated" : "Meeting scheduled");
      onDone();
    },
    onError: (e) => errors.fromServer(e, meeting ? "Could not update the meeting" : "Could not schedule the meeting"),
  });
  function submit(e: FormEvent) {
    e.preventDefault();
    const common = {
      subject: v.subject,
      startsAt: fromZonedInput(v.starts),
      endsAt: fromZonedInput(v.ends),
      attendees: { contactIds: v.contactIds, userIds: v.userIds },
    };
    const parsed = meeting
      ? // An edit sends every field, cleared ones as null, so emptying a box removes the value.
        errors.validate(
          UpdateMeetingBody.safeParse({
            ...common,
            location: v.location.trim() || null,
            videoUrl: v.videoUrl.trim() || null,
            outcome: v.outcome.trim() || null,
            body: v.notes.trim() ? textToHtml(v.notes) : null,
          }),
        )
      : errors.validate(
          ScheduleMeetingBody.safeParse({
            ...common,
            location: v.location.trim() || undefined,
            videoUrl: v.videoUrl.trim() || undefined,
            body: v.notes.trim() ? textToHtml(v.notes) : undefined,
          }),
        );
    if (parsed) save.mutate(parsed);
  }
  const record: { object: string; id: string } | null = meeting?.dealId
    ? { object: "deal", id: meeting.dealId }
    : meeting?.contactId
      ? { object: "contact", id: meeting.contactId }
      : meeting?.companyId
        ? { object: "company", id: meeting.companyId }
        : null;
  return (
    <form onSubmit={submit} noValidate data-testid="meeting-form">
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
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput
            label="Starts"
            type="datetime-local"
            value={v.starts}
            onChange={(e) => set("starts", e.currentTarget.value)}
            error={errors.get("startsAt")}
            data-testid="meeting-starts"
          />
          <TextInput
            label="Ends"
            type="datetime-local"
            value={v.ends}
            onChange={(e) => set("ends", e.currentTarget.value)}
            error={errors.get("endsAt")}
            data-testid="meeting-ends"
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput
            label="Location"
            value={v.location}
            onChange={(e) => set("location", e.currentTarget.value)}
            error={errors.get("location")}
            data-testid="meeting-location"
          />
          <TextInput
            label="Video link"
            placeholder="https://…"
            value={v.videoUrl}
            onChange={(e) => set("videoUrl", e.currentTarget.value)}
            error={errors.get("videoUrl")}
          />
        </SimpleGrid>
        <ContactMultiPicker
          label="Contacts"
          placeholder="Search contacts"
          value={v.contactIds}
          onChange={(ids) => set("contactIds", ids)}
          initialLabels={Object.fromEntries((meeting?.attendees ?? []).filter((a) => a.kind === "contact").map((a) => [a.id, a.name ?? "Contact"]))}
          error={errors.get("attendees.contactIds")}
          data-testid="meeting-contacts"
        />
        <MultiSelect
          label="Colleagues"
          placeholder={meeting ? "Colleagues taking part" : "You attend; add others"}
          data={(users.data ?? []).filter((u) => u.active || v.userIds.includes(u.id)).map((u) => ({ value: u.id, label: u.name }))}
          value={v.userIds}
          onChange={(ids) => set("userIds", ids)}
          searchable
          error={errors.get("attendees.userIds")}
        />
        {meeting && (
          <TextInput
            label="Outcome"
            placeholder="What was agreed"
            value={v.outcome}
            onChange={(e) => set("outcome", e.currentTarget.value)}
            error={errors.get("outcome")}
            data-testid="meeting-outcome"
          />
        )}
        <Textarea label="Notes" autosize minRows={2} value={v.notes} onChange={(e) => set("notes", e.currentTarget.value)} error={errors.get("body")} />
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="sm">
            {record && (
              <Anchor component={Link} to={recordHref(record.object, record.id)} fz="sm" data-testid="meeting-open-record">
                Open {record.object}
              </Anchor>
            )}
            {meeting && v.videoUrl && /^https?:\/\//.test(v.videoUrl) && (
              <Anchor href={v.videoUrl} target="_blank" rel="noopener noreferrer" fz="sm">
                Join video call
              </Anchor>
            )}
          </Group>
          <Group gap="xs" ml="auto">
            <Button variant="default" onClick={onDone}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="meeting-save">
              {meeting ? "Save" : "Schedule"}
            </Button>
          </Group>
        </Group>
      </Stack>
    </form>
  );
}
