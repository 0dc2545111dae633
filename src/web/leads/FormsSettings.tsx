import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Code,
  CopyButton,
  Drawer,
  Group,
  Modal,
  Paper,
  ScrollArea,
  Select,
  Stack,
  Switch,
  Tabs,
  TagsInput,
  Text,
  Textarea,
  TextInput,
} from "@mantine/core";
import { IconArrowDown, IconArrowUp, IconCheck, IconCopy, IconExternalLink, IconForms, IconPlus, IconTrash, IconX } from "@tabler/icons-react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { FormInput, type FormSubmission, type LeadForm, renderFormHtml, submissionOutcomeLabels } from "../../contract/index.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { customFieldsQuery } from "../http/queries.js";
import { useFormErrors } from "../lib/form.js";
import { countOf, formatDateTime, leadSourceLabels } from "../lib/format.js";
import { notifyError } from "../lib/notify.js";
import { SettingsPage } from "../settings/SettingsPage.js";
import { SubmittedValuesList } from "./SubmittedValues.js";

const builtIn: Record<string, string> = {
  firstName: "First name",
  lastName: "Last name",
  email: "Email",
  phone: "Phone",
  companyName: "Company",
  jobTitle: "Job title",
  message: "Message",
};
type Field = { key: string; label: string; required: boolean };

const formsQuery = { queryKey: ["forms"], queryFn: () => api.get<{ data: LeadForm[] }>("/api/v1/forms").then((r) => r.data) };

export function FormsSettings() {
  const forms = useQuery(formsQuery);
  const [editing, setEditing] = useState<LeadForm | "new" | null>(null);
  const [open, setOpen] = useState<LeadForm | null>(null);
  const current = open ? (forms.data?.find((f) => f.id === open.id) ?? open) : null;
  return (
    <SettingsPage
      title="Web forms"
      description="Web-to-lead forms for your site: embed the generated HTML or link to the hosted page. Submissions create or update contacts by email, then run assignment and scoring."
      actions={
        <Button leftSection={<IconPlus size={16} />} onClick={() => setEditing("new")} data-testid="new-form">
          New form
        </Button>
      }
    >
      {forms.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : forms.isError ? (
        <Text c="red">{forms.error.message}</Text>
      ) : (forms.data ?? []).length === 0 ? (
        <EmptyHint
          icon={<IconForms size={28} />}
          title="No forms yet"
          description="Create a “Contact us” or “Request a demo” form, paste its HTML into your website, and new leads arrive here already assigned and scored."
          actionLabel="Create your first form"
          onAction={() => setEditing("new")}
        />
      ) : (
        <Stack gap="sm">
          {(forms.data ?? []).map((f) => (
            <Card key={f.id} withBorder padding="sm" radius="md" data-testid="form-card">
              <Group justify="space-between" wrap="wrap" gap="xs">
                <div>
                  <Group gap={6}>
                    <Anchor component="button" fw={600} onClick={() => setOpen(f)} data-testid="open-form">
                      {f.name}
                    </Anchor>
                    {!f.enabled && <Badge color="gray">Closed</Badge>}
                  </Group>
                  <Text fz="sm" c="dimmed">
                    {countOf(f.fields.length, "field")} · {countOf(f.submissionCount, "submission")}
                    {f.spamCount ? ` · ${f.spamCount} spam` : ""} · source {leadSourceLabels[f.leadSource]}
                  </Text>
                </div>
                <Group gap="xs">
                  <Button size="xs" variant="default" onClick={() => setOpen(f)}>
                    Embed & submissions
                  </Button>
                  <Button size="xs" variant="default" onClick={() => setEditing(f)}>
                    Edit
                  </Button>
                </Group>
              </Group>
            </Card>
          ))}
        </Stack>
      )}
      {editing && <FormEditor form={editing === "new" ? null : editing} onClose={() => setEditing(null)} onCreated={setOpen} />}
      <Drawer opened={Boolean(current)} onClose={() => setOpen(null)} position="right" size="xl" title={current?.name} data-testid="form-drawer">
        {current && <FormDetail form={current} />}
      </Drawer>
    </SettingsPage>
  );
}

function FormEditor({ form, onClose, onCreated }: { form: LeadForm | null; onClose: () => void; onCreated: (f: LeadForm) => void }) {
  const qc = useQueryClient();
  const errors = useFormErrors();
  const custom = useQuery(customFieldsQuery("contact"));
  const [name, setName] = useState(form?.name ?? "Contact us");
  const [fields, setFields] = useState<Field[]>(
    form?.fields ?? [
      { key: "firstName", label: "First name", required: true },
      { key: "lastName", label: "Last name", required: false },
      { key: "email", label: "Email", required: true },
      { key: "companyName", label: "Company", required: false },
      { key: "message", label: "Message", required: false },
    ],
  );
  const [submitLabel, setSubmitLabel] = useState(form?.submitLabel ?? "Send");
  const [thankYou, setThankYou] = useState(form?.thankYouMessage ?? "Thank you! We will be in touch soon.");
  const [redirectUrl, setRedirectUrl] = useState(form?.redirectUrl ?? "");
  const [ownerId, setOwnerId] = useState<string | null>(form?.ownerId ?? null);
  const [leadSource, setLeadSource] = useState<string>(form?.leadSource ?? "web_form");
  const [tags, setTags] = useState<string[]>(form?.tags ?? []);
  const [enabled, setEnabled] = useState(form?.enabled ?? true);
  const [deleting, setDeleting] = useState(false);
  const available = [
    ...Object.entries(builtIn).map(([value, label]) => ({ value, label })),
    ...(custom.data ?? []).map((f) => ({ value: `custom.${f.key}`, label: f.label })),
  ].filter((o) => !fields.some((f) => f.key === o.value));
  const save = useMutation({
    mutationFn: (body: unknown) => (form ? api.patch<LeadForm>(`/api/v1/forms/${form.id}`, body) : api.post<LeadForm>("/api/v1/forms", body)),
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: ["forms"] });
      onClose();
      if (!form) onCreated(saved);
    },
    onError: (e) => errors.fromServer(e, "Could not save the form"),
  });
  const remove = useMutation({
    mutationFn: () => api.del(`/api/v1/forms/${form?.id}`),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["forms"] });
      onClose();
    },
    onError: (e) => notifyError(e),
  });
  const set = (i: number, patch: Partial<Field>) => setFields(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  const move = (i: number, d: number) => {
    const next = [...fields];
    const [x] = next.splice(i, 1);
    next.splice(i + d, 0, x as Field);
    setFields(next);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const body = errors.validate(
      FormInput.safeParse({
        name,
        fields,
        submitLabel,
        thankYouMessage: thankYou,
        redirectUrl: redirectUrl.trim() || null,
        ownerId,
        leadSource,
        tags,
        enabled,
      }),
    );
    if (body) save.mutate(body);
  };
  return (
    <Modal opened onClose={onClose} title={form ? "Edit form" : "New form"} size="xl">
      <form onSubmit={submit} data-testid="form-editor">
        <Stack gap="sm">
          <TextInput
            label="Form name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.get("name")}
            required
            data-testid="form-name"
          />
          <Text fw={600} fz="sm">
            Fields
          </Text>
          {errors.get("fields") && (
            <Text c="red" fz="sm">
              {errors.get("fields")}
            </Text>
          )}
          {fields.map((f, i) => (
            <Group key={f.key} gap="xs" wrap="wrap" data-testid="form-field-row">
              <Badge variant="default" tt="none" miw={90} style={{ flexShrink: 0 }}>
                {builtIn[f.key] ?? f.key.replace("custom.", "")}
              </Badge>
              <TextInput
                value={f.label}
                onChange={(e) => set(i, { label: e.currentTarget.value })}
                aria-label="Label"
                style={{ flex: 1 }}
                error={errors.get(`fields.${i}.label`)}
              />
              <Checkbox
                label="Required"
                checked={f.required || f.key === "email"}
                disabled={f.key === "email"}
                onChange={(e) => set(i, { required: e.currentTarget.checked })}
                data-testid={`required-${f.key}`}
              />
              <ActionIcon variant="subtle" disabled={i === 0} onClick={() => move(i, -1)} aria-label="Move up">
                <IconArrowUp size={14} />
              </ActionIcon>
              <ActionIcon variant="subtle" disabled={i === fields.length - 1} onClick={() => move(i, 1)} aria-label="Move down">
                <IconArrowDown size={14} />
              </ActionIcon>
              <ActionIcon
                variant="subtle"
                color="gray"
                disabled={f.key === "email"}
                onClick={() => setFields(fields.filter((_, j) => j !== i))}
                aria-label="Remove field"
              >
                <IconX size={14} />
              </ActionIcon>
            </Group>
          ))}
          {available.length > 0 && (
            <Select
              placeholder="Add a field…"
              data={available}
              value={null}
              onChange={(v) => v && setFields([...fields, { key: v, label: available.find((a) => a.value === v)?.label ?? v, required: false }])}
              maw={280}
              data-testid="add-form-field"
            />
          )}
          <Group grow wrap="wrap">
            <TextInput
              label="Button label"
              value={submitLabel}
              onChange={(e) => setSubmitLabel(e.currentTarget.value)}
              error={errors.get("submitLabel")}
              miw={180}
            />
            <Select
              label="Lead source"
              data={Object.entries(leadSourceLabels).map(([value, label]) => ({ value, label }))}
              value={leadSource}
              onChange={(v) => v && setLeadSource(v)}
              allowDeselect={false}
              miw={180}
            />
          </Group>
          <Textarea
            label="Thank-you message"
            value={thankYou}
            onChange={(e) => setThankYou(e.currentTarget.value)}
            error={errors.get("thankYouMessage")}
            autosize
            minRows={2}
          />
          <TextInput
            label="Redirect after submitting"
            description="Optional: send people to your own thank-you page instead"
            placeholder="https://example.com/thanks"
            value={redirectUrl}
            onChange={(e) => setRedirectUrl(e.currentTarget.value)}
            error={errors.get("redirectUrl")}
            data-testid="form-redirect"
          />
          <Group grow wrap="wrap">
            <UserPicker
              label="Owner of new leads"
              placeholder="Use the assignment rules"
              value={ownerId}
              onChange={setOwnerId}
              error={errors.get("ownerId")}
              miw={200}
            />
            <TagsInput label="Tags for new leads" value={tags} onChange={setTags} miw={200} />
          </Group>
          <Switch label="Accepting submissions" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <Group justify="space-between">
            {form ? (
              <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => setDeleting(true)}>
                Delete form
              </Button>
            ) : (
              <span />
            )}
            <Group>
              <Button variant="default" onClick={onClose}>
                Cancel
              </Button>
              <Button type="submit" loading={save.isPending} data-testid="form-save">
                Save form
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
      <ConfirmModal
        opened={deleting}
        onClose={() => setDeleting(false)}
        onConfirm={() => remove.mutate()}
        title="Delete form?"
        confirmLabel="Delete"
        danger
        loading={remove.isPending}
      >
        Its submissions are deleted too; the contacts they created stay. Sites still embedding it will get an error.
      </ConfirmModal>
    </Modal>
  );
}

function FormDetail({ form }: { form: LeadForm }) {
  const custom = useQuery(customFieldsQuery("contact"));
  const origin = window.location.origin;
  const snippet = useMemo(
    () => renderFormHtml(form, `${origin}/api/public/forms/${form.id}/submissions`, custom.data ?? [], { script: true }),
    [form, origin, custom.data],
  );
  const preview = useMemo(() => renderFormHtml(form, "#", custom.data ?? []), [form, custom.data]);
  const hosted = `${origin}/forms/${form.id}`;
  return (
    <Tabs defaultValue="embed" keepMounted={false}>
      <Tabs.List mb="sm">
        <Tabs.Tab value="embed">Embed</Tabs.Tab>
        <Tabs.Tab value="preview">Preview</Tabs.Tab>
        <Tabs.Tab value="submissions" data-testid="tab-submissions">
          Submissions ({form.submissionCount})
        </Tabs.Tab>
      </Tabs.List>
      <Tabs.Panel value="embed">
        <Stack gap="sm">
          <Text fz="sm">
            Hosted page:{" "}
            <Anchor href={hosted} target="_blank" rel="noopener" data-testid="hosted-link">
              {hosted} <IconExternalLink size={12} />
            </Anchor>
          </Text>
          <Text fz="sm" c="dimmed">
            Or paste this HTML into your site. It is a plain form (works without JavaScript); the small script records UTM parameters and the referring page.
            The hidden “website_url” field catches bots.
          </Text>
          <CopyButton value={snippet}>
            {({ copied, copy }) => (
              <Button
                onClick={copy}
                leftSection={copied ? <IconCheck size={16} /> : <IconCopy size={16} />}
                color={copied ? "teal" : undefined}
                w="fit-content"
                data-testid="copy-snippet"
              >
                {copied ? "Copied" : "Copy HTML"}
              </Button>
            )}
          </CopyButton>
          <ScrollArea h={320} type="auto">
            <Code block data-testid="form-snippet">
              {snippet}
            </Code>
          </ScrollArea>
        </Stack>
      </Tabs.Panel>
      <Tabs.Panel value="preview">
        <Text fz="xs" c="dimmed" mb="xs">
          Live preview with your site's default styles (submitting is disabled here).
        </Text>
        <iframe
          title="Form preview"
          sandbox=""
          srcDoc={`<!doctype html><meta charset="utf-8"><body style="font-family:system-ui;padding:12px">${preview}</body>`}
          style={{ width: "100%", height: 480, border: "1px solid var(--mantine-color-default-border)", borderRadius: 8, background: "white" }}
          data-testid="form-preview"
        />
      </Tabs.Panel>
      <Tabs.Panel value="submissions">
        <Submissions formId={form.id} />
      </Tabs.Panel>
    </Tabs>
  );
}

function Submissions({ formId }: { formId: string }) {
  const [spam, setSpam] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ["forms", formId, "submissions", spam],
    queryFn: ({ pageParam }) =>
      api.get<{ data: FormSubmission[]; nextCursor: string | null }>(`/api/v1/forms/${formId}/submissions`, {
        spam: spam ? "true" : "false",
        cursor: pageParam,
        limit: 50,
      }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (p) => p.nextCursor ?? undefined,
  });
  const rows = list.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Stack gap="sm">
      <Switch label="Show spam (honeypot filled)" checked={spam} onChange={(e) => setSpam(e.currentTarget.checked)} />
      {list.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : list.isError ? (
        <Text c="red">{list.error.message}</Text>
      ) : rows.length === 0 ? (
        <Text c="dimmed" fz="sm">
          {spam ? "No spam caught." : "No submissions yet. Open the hosted page to try the form."}
        </Text>
      ) : (
        <Stack gap="xs" data-testid="submissions-table">
          {rows.map((s) => {
            const campaign = [s.utm.utm_source, s.utm.utm_campaign].filter(Boolean).join(" / ");
            return (
              <Paper key={s.id} withBorder radius="md" p="sm" data-testid="submission">
                <Group justify="space-between" gap="xs" mb={6} wrap="wrap">
                  <Group gap="xs" wrap="wrap">
                    {s.contactId ? (
                      <AnchorLink to="/contacts/$id" params={{ id: s.contactId }} fz="sm" fw={600}>
                        {s.data.email ?? "Contact"}
                      </AnchorLink>
                    ) : (
                      <Text fz="sm" fw={600}>
                        {s.data.email ?? "No email"}
                      </Text>
                    )}
                    <Badge variant="light" tt="none" color={s.outcome === "created" ? "teal" : s.outcome === "spam" ? "red" : "blue"}>
                      {submissionOutcomeLabels[s.outcome]}
                    </Badge>
                    {campaign && (
                      <Text fz="xs" c="dimmed">
                        Campaign: {campaign}
                      </Text>
                    )}
                  </Group>
                  <Text fz="xs" c="dimmed">
                    {formatDateTime(s.createdAt)}
                  </Text>
                </Group>
                <SubmittedValuesList values={s.values} />
              </Paper>
            );
          })}
        </Stack>
      )}
      {list.hasNextPage && (
        <Button variant="default" onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage} w="fit-content">
          Load more
        </Button>
      )}
    </Stack>
  );
}
