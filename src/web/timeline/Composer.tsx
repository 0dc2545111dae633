import { Button, Group, NumberInput, Paper, SegmentedControl, Select, SimpleGrid, Stack, Tabs, Text, Textarea, TextInput } from "@mantine/core";
import { IconCalendarEvent, IconMail, IconNote, IconPhone } from "@tabler/icons-react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type Activity, CreateActivityBody } from "../../contract/index.js";
import { ContactMultiPicker } from "../calendar/ContactMultiPicker.js";
import { api } from "../http/client.js";
import { objectPath, type RecordObject } from "../http/queries.js";
import { fromZonedInput, toZonedInput } from "../lib/dates.js";
import { useFormErrors } from "../lib/form.js";
import { notifySuccess } from "../lib/notify.js";
import { textToHtml } from "../lib/sanitize.js";
import classes from "./Timeline.module.css";

type Kind = "note" | "call" | "email" | "meeting";

/** Value for <input type="datetime-local">, in the workspace's time zone. */
const localNow = (offsetMinutes = 0): string => toZonedInput(Date.now() + offsetMinutes * 60_000);
const toIso = (local: string) => fromZonedInput(local);

const blank = () => ({
  subject: "",
  body: "",
  when: "",
  direction: "outbound" as "inbound" | "outbound",
  minutes: 5 as number | "",
  outcome: "connected",
  from: "",
  to: "",
  ends: "",
  location: "",
  meetingOutcome: "",
  videoUrl: "",
  contactIds: [] as string[],
});

/** Log a note, call, email or meeting against a record; it appears on the timeline. */
export function Composer({ object, id, defaultEmail }: { object: RecordObject | "deal"; id: string; defaultEmail?: string | null }) {
  const qc = useQueryClient();
  const [kind, setKind] = useState<Kind>("note");
  const [v, setV] = useState(blank);
  const errors = useFormErrors();
  const set = <K extends keyof ReturnType<typeof blank>>(k: K, value: ReturnType<typeof blank>[K]) => {
    setV((p) => ({ ...p, [k]: value }));
    errors.clear(k === "minutes" ? "durationSeconds" : k === "when" ? "occurredAt" : k === "ends" ? "endsAt" : k);
  };

  const log = useMutation({
    mutationFn: (body: unknown) => api.post<Activity>(`${object === "deal" ? "/api/v1/deals" : objectPath[object]}/${id}/activities`, body),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["timeline"] });
      notifySuccess(kind === "note" ? "Note added" : `${kind.charAt(0).toUpperCase()}${kind.slice(1)} logged`);
      setV(blank());
      errors.clear();
    },
    onError: (e) => errors.fromServer(e, `Could not log the ${kind}`),
  });

  function submit(e: FormEvent) {
    e.preventDefault();
    const body = v.body.trim() ? textToHtml(v.body) : undefined;
    const common = { subject: v.subject.trim() || undefined, body, occurredAt: toIso(v.when) };
    let input: Record<string, unknown>;
    switch (kind) {
      case "note":
        if (!v.body.trim()) {
          errors.setErrors({ body: "Write something first" });
          return;
        }
        input = { type: "note", ...common };
        break;
      case "call":
        input = {
          type: "call",
          ...common,
          direction: v.direction,
          durationSeconds: v.minutes === "" ? undefined : Math.round(Number(v.minutes) * 60),
          outcome: v.outcome,
        };
        break;
      case "email":
        input = {
          type: "email",
          ...common,
          direction: v.direction,
          from: v.from.trim() || undefined,
          to: v.to.trim()
            ? v.to
                .split(/[,;]\s*/)
                .map((s) => s.trim())
                .filter(Boolean)
            : undefined,
        };
        break;
      case "meeting":
        input = {
          type: "meeting",
          ...common,
          endsAt: toIso(v.ends),
          location: v.location.trim() || undefined,
          outcome: v.meetingOutcome.trim() || undefined,
          videoUrl: v.videoUrl.trim() || undefined,
          attendees: v.contactIds.length ? { contactIds: v.contactIds } : undefined,
        };
        break;
    }
    const parsed = errors.validate(CreateActivityBody.safeParse(input));
    if (parsed) log.mutate(parsed);
  }

  const bodyLabel = kind === "note" ? undefined : kind === "email" ? "Email text" : "Notes";
  return (
    <Paper withBorder radius="md" data-testid="composer">
      <Tabs
        value={kind}
        onChange={(k) => {
          if (!k) return;
          setKind(k as Kind);
          errors.clear();
        }}
        variant="default"
      >
        <Tabs.List grow>
          <Tabs.Tab value="note" leftSection={<IconNote size={16} className={classes.tabIcon} />} data-testid="composer-tab-note">
            Note
          </Tabs.Tab>
          <Tabs.Tab value="call" leftSection={<IconPhone size={16} className={classes.tabIcon} />} data-testid="composer-tab-call">
            Call
          </Tabs.Tab>
          <Tabs.Tab value="email" leftSection={<IconMail size={16} className={classes.tabIcon} />} data-testid="composer-tab-email">
            Email
          </Tabs.Tab>
          <Tabs.Tab value="meeting" leftSection={<IconCalendarEvent size={16} className={classes.tabIcon} />} data-testid="composer-tab-meeting">
            Meeting
          </Tabs.Tab>
        </Tabs.List>
      </Tabs>
      <form onSubmit={submit} noValidate>
        <Stack gap="sm" p="sm">
          {kind !== "note" && (
            <TextInput
              placeholder={kind === "email" ? "Subject" : kind === "meeting" ? "Meeting title" : "Subject (optional)"}
              aria-label="Subject"
              value={v.subject}
              onChange={(e) => set("subject", e.currentTarget.value)}
              error={errors.get("subject")}
              data-testid="composer-subject"
            />
          )}
          {(kind === "call" || kind === "email") && (
            <SegmentedControl
              value={v.direction}
              onChange={(d) => set("direction", d as "inbound" | "outbound")}
              data={[
                { value: "outbound", label: kind === "call" ? "Outbound call" : "Sent" },
                { value: "inbound", label: kind === "call" ? "Inbound call" : "Received" },
              ]}
              size="xs"
              fullWidth
              data-testid="composer-direction"
            />
          )}
          {kind === "call" && (
            <SimpleGrid cols={2} spacing="sm">
              <NumberInput
                label="Duration (minutes)"
                min={0}
                max={1440}
                value={v.minutes}
                onChange={(n) => set("minutes", n === "" ? "" : Number(n))}
                error={errors.get("durationSeconds")}
                data-testid="composer-duration"
              />
              <Select
                label="Outcome"
                value={v.outcome}
                onChange={(o) => o && set("outcome", o)}
                allowDeselect={false}
                data={[
                  { value: "connected", label: "Connected" },
                  { value: "left_voicemail", label: "Left voicemail" },
                  { value: "no_answer", label: "No answer" },
                  { value: "busy", label: "Busy" },
                  { value: "wrong_number", label: "Wrong number" },
                ]}
                error={errors.get("outcome")}
                data-testid="composer-outcome"
              />
            </SimpleGrid>
          )}
          {kind === "email" && (
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <TextInput label="From" value={v.from} onChange={(e) => set("from", e.currentTarget.value)} error={errors.get("from")} />
              <TextInput
                label="To"
                placeholder={defaultEmail ?? "a@example.com, b@example.com"}
                value={v.to}
                onChange={(e) => set("to", e.currentTarget.value)}
                error={errors.get("to")}
              />
            </SimpleGrid>
          )}
          {kind === "meeting" && (
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
              <TextInput
                label="Location"
                placeholder="Office, video call…"
                value={v.location}
                onChange={(e) => set("location", e.currentTarget.value)}
                error={errors.get("location")}
              />
              <TextInput
                label="Outcome"
                placeholder="e.g. Agreed next steps"
                value={v.meetingOutcome}
                onChange={(e) => set("meetingOutcome", e.currentTarget.value)}
                error={errors.get("outcome")}
              />
              <TextInput
                label="Video link"
                placeholder="https://…"
                value={v.videoUrl}
                onChange={(e) => set("videoUrl", e.currentTarget.value)}
                error={errors.get("videoUrl")}
              />
              <ContactMultiPicker
                label="Other attendees"
                placeholder="Search contacts"
                value={v.contactIds}
                onChange={(ids) => set("contactIds", ids)}
                error={errors.get("attendees.contactIds")}
                data-testid="composer-attendees"
              />
            </SimpleGrid>
          )}
          <Textarea
            label={bodyLabel}
            placeholder={kind === "note" ? "Write a note… (**bold**, _italic_, links work)" : undefined}
            aria-label={bodyLabel ?? "Note"}
            autosize
            minRows={kind === "note" ? 3 : 2}
            maxRows={14}
            value={v.body}
            onChange={(e) => set("body", e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && (e.metaKey || e.ctrlKey)) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
            error={errors.get("body")}
            data-testid="composer-body"
          />
          <Group justify="space-between" gap="sm" wrap="wrap">
            <Group gap="xs" wrap="wrap">
              <TextInput
                type="datetime-local"
                size="xs"
                aria-label={kind === "meeting" ? "Starts" : "When"}
                value={v.when}
                max={kind === "meeting" ? undefined : localNow(1)}
                onChange={(e) => set("when", e.currentTarget.value)}
                error={errors.get("occurredAt")}
                leftSection={
                  <Text fz={10} c="dimmed">
                    {kind === "meeting" ? "From" : "At"}
                  </Text>
                }
                leftSectionWidth={38}
                w={210}
              />
              {kind === "meeting" && (
                <TextInput
                  type="datetime-local"
                  size="xs"
                  aria-label="Ends"
                  value={v.ends}
                  onChange={(e) => set("ends", e.currentTarget.value)}
                  error={errors.get("endsAt")}
                  leftSection={
                    <Text fz={10} c="dimmed">
                      To
                    </Text>
                  }
                  leftSectionWidth={38}
                  w={210}
                />
              )}
            </Group>
            <Button type="submit" size="sm" loading={log.isPending} data-testid="composer-submit">
              {kind === "note" ? "Add note" : `Log ${kind}`}
            </Button>
          </Group>
          <Text fz="xs" c="dimmed" mt={-6}>
            Leave the time empty for “now”. Ctrl/⌘ + Enter saves.
          </Text>
        </Stack>
      </form>
    </Paper>
  );
}
