import { Button, Group, Modal, SegmentedControl, Select, Stack, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { ContactPicker } from "../deals/pickers.js";
import { useFormErrors } from "../lib/form.js";
import { channelLabels, priorityLabels, queuesQuery, ticketApi, ticketKeys } from "./api.js";

/** Logs a request by hand (a phone call, a chat): an existing contact, or a requester's email that finds or creates one. */
export function NewTicketModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const queues = useQuery({ ...queuesQuery, enabled: opened });
  const [who, setWho] = useState<"contact" | "email">("contact");
  const [contactId, setContactId] = useState<string | null>(null);
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [subject, setSubject] = useState("");
  const [body, setBody] = useState("");
  const [priority, setPriority] = useState("normal");
  const [channel, setChannel] = useState("phone");
  const [queueId, setQueueId] = useState<string | null>(null);
  const form = useFormErrors();
  const create = useMutation({
    mutationFn: (input: unknown) => ticketApi.create(input),
    onSuccess: (t) => {
      void qc.invalidateQueries({ queryKey: ticketKeys.all });
      onClose();
      void navigate({ to: "/tickets/$id", params: { id: t.id } });
    },
    onError: (e) => form.fromServer(e, "Could not create the ticket"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const errors: Record<string, string> = {};
    if (!subject.trim()) errors.subject = "Give the ticket a subject";
    if (who === "contact" && !contactId) errors.contactId = "Pick the customer";
    if (who === "email" && !/^\S+@\S+\.\S+$/.test(email.trim())) errors["requester.email"] = "Enter the customer's email address";
    if (Object.keys(errors).length) return form.setErrors(errors);
    create.mutate({
      subject: subject.trim(),
      ...(who === "contact" ? { contactId } : { requester: { email: email.trim(), ...(name.trim() ? { name: name.trim() } : {}) } }),
      ...(body.trim() ? { message: { bodyText: body } } : {}),
      priority,
      channel,
      ...(queueId ? { queueId } : {}),
    });
  };
  return (
    <Modal opened={opened} onClose={onClose} title="New ticket" size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <SegmentedControl
            value={who}
            onChange={(v) => setWho(v as "contact" | "email")}
            data={[
              { value: "contact", label: "Existing contact" },
              { value: "email", label: "By email address" },
            ]}
          />
          {who === "contact" ? (
            <ContactPicker label="Customer" value={contactId} onChange={(id) => setContactId(id)} error={form.get("contactId")} data-testid="ticket-contact" />
          ) : (
            <Group grow align="flex-start">
              <TextInput
                label="Customer's email"
                description="Found among your contacts, or added as a new one"
                value={email}
                onChange={(e) => setEmail(e.currentTarget.value)}
                error={form.get("requester.email")}
                data-testid="ticket-requester-email"
              />
              <TextInput label="Name (optional)" value={name} onChange={(e) => setName(e.currentTarget.value)} data-testid="ticket-requester-name" />
            </Group>
          )}
          <TextInput
            label="Subject"
            value={subject}
            onChange={(e) => setSubject(e.currentTarget.value)}
            error={form.get("subject")}
            data-testid="ticket-subject"
          />
          <Textarea
            label="What the customer asked"
            autosize
            minRows={4}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            data-testid="ticket-body"
          />
          <Group grow>
            <Select
              label="Priority"
              data={Object.entries(priorityLabels).map(([value, label]) => ({ value, label }))}
              value={priority}
              onChange={(v) => v && setPriority(v)}
            />
            <Select
              label="Channel"
              data={["phone", "chat", "email", "web", "social"].map((value) => ({ value, label: channelLabels[value] ?? value }))}
              value={channel}
              onChange={(v) => v && setChannel(v)}
            />
            <Select
              label="Queue"
              placeholder="By routing rules"
              clearable
              data={(queues.data ?? []).map((q) => ({ value: q.id, label: q.name }))}
              value={queueId}
              onChange={setQueueId}
            />
          </Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending} data-testid="ticket-create">
              Create ticket
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
