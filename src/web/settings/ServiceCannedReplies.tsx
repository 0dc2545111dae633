import { ActionIcon, Badge, Button, Card, Group, Modal, SegmentedControl, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { IconEdit, IconMessageDots, IconPlus, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { type CannedReply, type CannedScope, CreateCannedReplyBody, cannedMergeFields, cannedScopeLabels } from "../../contract/canned-replies.js";
import { usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { useFormErrors } from "../lib/form.js";
import { notifyError } from "../lib/notify.js";
import { cannedApi, cannedKeys, cannedRepliesQuery } from "../tickets/canned-api.js";

/** Canned replies: everyone keeps personal ones; admins share them with the team. */
export function CannedRepliesPanel() {
  const qc = useQueryClient();
  const replies = useQuery(cannedRepliesQuery());
  const { canWrite } = usePermissions();
  const [editing, setEditing] = useState<CannedReply | "new" | null>(null);
  const [deleting, setDeleting] = useState<CannedReply | null>(null);
  const remove = useMutation({
    mutationFn: (r: CannedReply) => cannedApi.remove(r.id),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cannedKeys.all });
      setDeleting(null);
    },
    onError: (e) => notifyError(e),
  });
  const list = replies.data ?? [];
  return (
    <Stack gap="sm" data-testid="canned-replies-panel">
      <Group justify="space-between">
        <Text c="dimmed" fz="sm" maw={640}>
          Ready-made answers agents insert from the reply box. Merge fields like <code>{"{{ contact.first_name }}"}</code> fill in from the ticket.
        </Text>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="new-canned-reply">
            New canned reply
          </Button>
        )}
      </Group>
      {replies.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : replies.isError ? (
        <Text c="red">{replies.error.message}</Text>
      ) : list.length === 0 ? (
        <EmptyHint
          icon={<IconMessageDots size={28} />}
          title="No canned replies yet"
          description="Write the answers you give again and again once — greetings, refund policy, “we are on it” — and insert them into any ticket reply in one click, with the customer's name filled in."
          actionLabel={canWrite ? "Write the first one" : undefined}
          onAction={() => setEditing("new")}
        />
      ) : (
        list.map((r) => (
          <Card key={r.id} withBorder padding="sm" radius="md" data-testid="canned-reply">
            <Group justify="space-between" wrap="nowrap" align="flex-start">
              <div style={{ minWidth: 0 }}>
                <Group gap={6}>
                  <Text fw={600}>{r.name}</Text>
                  <Badge size="sm" variant="light" color={r.scope === "shared" ? "teal" : "gray"}>
                    {cannedScopeLabels[r.scope]}
                  </Badge>
                </Group>
                <Text fz="sm" c="dimmed" lineClamp={2} style={{ whiteSpace: "pre-wrap" }}>
                  {r.body}
                </Text>
              </div>
              {r.mayEdit && (
                <Group gap={2} wrap="nowrap">
                  <ActionIcon variant="subtle" onClick={() => setEditing(r)} aria-label={`Edit ${r.name}`}>
                    <IconEdit size={16} />
                  </ActionIcon>
                  <ActionIcon variant="subtle" color="red" onClick={() => setDeleting(r)} aria-label={`Delete ${r.name}`}>
                    <IconTrash size={16} />
                  </ActionIcon>
                </Group>
              )}
            </Group>
          </Card>
        ))
      )}
      {editing && <CannedReplyModal reply={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={Boolean(deleting)}
        onClose={() => setDeleting(null)}
        onConfirm={() => deleting && remove.mutate(deleting)}
        title="Delete canned reply?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        Macros that use “{deleting?.name}” keep their field changes but no longer write a reply.
      </ConfirmModal>
    </Stack>
  );
}

function CannedReplyModal({ reply, onClose }: { reply: CannedReply | null; onClose: () => void }) {
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const [name, setName] = useState(reply?.name ?? "");
  const [body, setBody] = useState(reply?.body ?? "");
  const [scope, setScope] = useState<CannedScope>(reply?.scope ?? "personal");
  const [preview, setPreview] = useState<string | null>(null);
  const form = useFormErrors();
  const save = useMutation({
    mutationFn: (input: unknown) => (reply ? cannedApi.update(reply.id, input) : cannedApi.create(input)),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: cannedKeys.all });
      onClose();
    },
    onError: (e) => form.fromServer(e, "Could not save the canned reply"),
  });
  const showPreview = useMutation({
    mutationFn: () => cannedApi.preview(body),
    onSuccess: (r) => {
      form.clear("body");
      setPreview(r.text);
    },
    onError: (e) => form.fromServer(e, "The template has an error"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const input = form.validate(CreateCannedReplyBody.safeParse({ name, body, scope }));
    if (input) save.mutate(input);
  };
  return (
    <Modal opened onClose={onClose} title={reply ? "Edit canned reply" : "New canned reply"} size="lg">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.get("name")}
            data-autofocus
            data-testid="canned-name"
          />
          <Textarea
            label="Reply"
            description="Insert a merge field below; it is filled in from the ticket when an agent uses the reply."
            autosize
            minRows={5}
            value={body}
            onChange={(e) => setBody(e.currentTarget.value)}
            error={form.get("body")}
            data-testid="canned-body"
          />
          <Group gap={4}>
            {cannedMergeFields.map((f) => (
              <Button key={f.key} size="compact-xs" variant="light" onClick={() => setBody((b) => `${b}{{ ${f.key} }}`)}>
                {f.label}
              </Button>
            ))}
          </Group>
          {isAdmin && (
            <SegmentedControl
              value={scope}
              onChange={(v) => setScope(v as CannedScope)}
              data={(["personal", "shared"] as const).map((s) => ({ value: s, label: cannedScopeLabels[s] }))}
              data-testid="canned-scope"
            />
          )}
          {preview !== null && (
            <Card withBorder padding="sm" bg="var(--mantine-color-gray-0)" data-testid="canned-preview">
              <Text fz="xs" c="dimmed" mb={4}>
                Preview with sample values
              </Text>
              <Text fz="sm" style={{ whiteSpace: "pre-wrap" }}>
                {preview}
              </Text>
            </Card>
          )}
          <Group justify="space-between">
            <Button variant="default" onClick={() => showPreview.mutate()} loading={showPreview.isPending} disabled={!body.trim()}>
              Preview
            </Button>
            <Group gap="sm">
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending} data-testid="canned-save">
                Save
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
