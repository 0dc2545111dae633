import { Alert, Badge, Button, Card, Code, Grid, Group, Loader, NavLink, SegmentedControl, Stack, Tabs, Text, Textarea, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconAlertTriangle, IconMailFast, IconPlus, IconTemplate, IconTrash } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { EmailTemplate, Preview } from "../../contract/index.js";
import { useMe, usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { ContactPicker } from "../deals/pickers.js";
import { api } from "../http/client.js";
import { RichTextEditor } from "../kb/RichTextEditor.js";
import { notifyError, notifySuccess } from "../lib/notify.js";

interface Draft {
  id: string | null;
  name: string;
  subject: string;
  preheader: string;
  body: string;
  mode: "rich" | "html";
}

const blank: Draft = {
  id: null,
  name: "",
  subject: "Hello {{ contact.firstName | default: 'there' }}",
  preheader: "",
  body: "<p>Hi {{ contact.firstName | default: 'there' }},</p><p></p>",
  mode: "rich",
};
const fromTemplate = (t: EmailTemplate): Draft => ({ id: t.id, name: t.name, subject: t.subject, preheader: t.preheader ?? "", body: t.body, mode: t.mode });

const mergeFields = [
  "contact.firstName",
  "contact.lastName",
  "contact.fullName",
  "contact.email",
  "contact.jobTitle",
  "company.name",
  "owner.name",
  "owner.email",
  "deal.name",
  "deal.amount",
];

/** Marketing → Templates: write an email with merge fields, preview it as a contact, send yourself a test. */
export function EmailTemplatesPage() {
  useDocumentTitle("Email templates · Rapport");
  const qc = useQueryClient();
  const { isAdmin } = usePermissions();
  const { user } = useMe();
  const canEdit = isAdmin || user.role === "marketing";
  const list = useQuery({ queryKey: ["email-templates"], queryFn: () => api.get<{ data: EmailTemplate[] }>("/api/v1/email-templates").then((r) => r.data) });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [previewContact, setPreviewContact] = useState<{ id: string | null; name: string | null }>({ id: null, name: null });
  const [debounced] = useDebouncedValue(draft, 400);

  const preview = useQuery({
    queryKey: ["email-templates", "preview", debounced?.subject, debounced?.preheader, debounced?.body, previewContact.id],
    queryFn: () =>
      api.post<Preview>("/api/v1/email-templates/preview", {
        subject: debounced?.subject ?? "",
        preheader: debounced?.preheader || null,
        body: debounced?.body ?? "",
        ...(previewContact.id ? { contactId: previewContact.id } : {}),
      }),
    enabled: Boolean(debounced),
  });

  const save = useMutation({
    mutationFn: (d: Draft) => {
      const body = { name: d.name, subject: d.subject, preheader: d.preheader || null, body: d.body, mode: d.mode };
      return d.id ? api.patch<EmailTemplate>(`/api/v1/email-templates/${d.id}`, body) : api.post<EmailTemplate>("/api/v1/email-templates", body);
    },
    onSuccess: (t) => {
      setDraft(fromTemplate(t));
      void qc.invalidateQueries({ queryKey: ["email-templates"] });
      notifySuccess(`Template "${t.name}" saved`);
    },
    onError: (e) => notifyError(e, "Could not save the template"),
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.del(`/api/v1/email-templates/${id}`),
    onSuccess: () => {
      setDraft(null);
      void qc.invalidateQueries({ queryKey: ["email-templates"] });
    },
    onError: (e) => notifyError(e),
  });
  const test = useMutation({
    mutationFn: (id: string) =>
      api.post<{ mailId: string; to: string }>(`/api/v1/email-templates/${id}/test`, previewContact.id ? { contactId: previewContact.id } : {}),
    onSuccess: (r) => notifySuccess(`Test email queued to ${r.to}`, "Test sent"),
    onError: (e) => notifyError(e, "Could not send the test"),
  });

  // The first template opens by itself, so the page never shows an empty editor pane beside a full list.
  useEffect(() => {
    if (!draft && list.data?.[0]) setDraft(fromTemplate(list.data[0]));
  }, [draft, list.data]);

  const set = (patch: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...patch } : d));
  const problems = preview.data?.problems ?? [];

  return (
    <Stack gap="md" p="md">
      <Group justify="space-between">
        <div>
          <Title order={2}>Email templates</Title>
          <Text c="dimmed" size="sm">
            Marketing emails with merge fields, in a layout that adapts to phones and desktop mail clients.
          </Text>
        </div>
        {canEdit && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setDraft({ ...blank })} data-testid="new-template">
            New template
          </Button>
        )}
      </Group>
      {list.isLoading ? (
        <Loader />
      ) : list.isError ? (
        <Alert color="red" title="Could not load the templates">
          {(list.error as Error).message}
        </Alert>
      ) : !draft && (list.data ?? []).length === 0 ? (
        <EmptyHint
          icon={<IconTemplate size={28} />}
          title="No templates yet"
          description="A template is an email you write once and send to many: merge fields such as {{ contact.firstName }} fill in each recipient's details."
        />
      ) : (
        <Grid>
          <Grid.Col span={{ base: 12, md: 2 }}>
            <Stack gap={2} data-testid="template-list">
              {(list.data ?? []).map((t) => (
                <NavLink key={t.id} label={t.name} description={t.subject} active={draft?.id === t.id} onClick={() => setDraft(fromTemplate(t))} />
              ))}
            </Stack>
          </Grid.Col>
          {draft && (
            <>
              <Grid.Col span={{ base: 12, md: 5 }}>
                <Card withBorder>
                  <Stack gap="sm">
                    <TextInput
                      label="Name"
                      required
                      value={draft.name}
                      onChange={(e) => set({ name: e.currentTarget.value })}
                      readOnly={!canEdit}
                      data-testid="template-name"
                    />
                    <TextInput
                      label="Subject"
                      required
                      value={draft.subject}
                      onChange={(e) => set({ subject: e.currentTarget.value })}
                      readOnly={!canEdit}
                      data-testid="template-subject"
                    />
                    <TextInput
                      label="Preview text"
                      description="Shown after the subject in the inbox list"
                      value={draft.preheader}
                      onChange={(e) => set({ preheader: e.currentTarget.value })}
                      readOnly={!canEdit}
                    />
                    <Group justify="space-between">
                      <Text size="sm" fw={500}>
                        Body
                      </Text>
                      <SegmentedControl
                        size="xs"
                        value={draft.mode}
                        onChange={(v) => set({ mode: v as Draft["mode"] })}
                        data={[
                          { value: "rich", label: "Rich text" },
                          { value: "html", label: "HTML" },
                        ]}
                        disabled={!canEdit}
                      />
                    </Group>
                    {draft.mode === "rich" ? (
                      <RichTextEditor label="Body" value={draft.body} onChange={(html) => set({ body: html })} readOnly={!canEdit} mergeFields />
                    ) : (
                      <Textarea
                        aria-label="Body HTML"
                        autosize
                        minRows={12}
                        value={draft.body}
                        onChange={(e) => set({ body: e.currentTarget.value })}
                        readOnly={!canEdit}
                        styles={{ input: { fontFamily: "monospace", fontSize: 13 } }}
                        data-testid="template-html"
                      />
                    )}
                    <Text size="xs" c="dimmed">
                      Merge fields:{" "}
                      {mergeFields.map((f) => (
                        <Code key={f} mr={4}>{`{{ ${f} }}`}</Code>
                      ))}{" "}
                      — a default for missing values: <Code>{"{{ contact.firstName | default: 'there' }}"}</Code>; conditions:{" "}
                      <Code>{"{% if deal %}…{% endif %}"}</Code>
                    </Text>
                    {problems.length > 0 && (
                      <Alert color="red" icon={<IconAlertTriangle size={18} />} title="This template has an error" data-testid="template-problems">
                        {problems.map((p) => (
                          <Text key={`${p.part}-${p.line}-${p.column}`} size="sm">
                            {p.part === "body" ? "Body" : p.part === "subject" ? "Subject" : "Preview text"}
                            {p.line && (p.part !== "body" || draft.mode === "html")
                              ? `, line ${p.line}, column ${p.column}`
                              : p.line && p.column
                                ? nearText(draft.body, p.line, p.column)
                                : ""}
                            : {p.message}
                          </Text>
                        ))}
                      </Alert>
                    )}
                    {canEdit && (
                      <Group>
                        <Button
                          onClick={() => save.mutate(draft)}
                          loading={save.isPending}
                          disabled={!draft.name.trim() || problems.length > 0}
                          data-testid="save-template"
                        >
                          Save
                        </Button>
                        <Button
                          variant="default"
                          leftSection={<IconMailFast size={16} />}
                          onClick={() => draft.id && test.mutate(draft.id)}
                          loading={test.isPending}
                          disabled={!draft.id || problems.length > 0}
                          title={!draft.id ? "Save the template first" : problems.length > 0 ? "Fix the template's errors first" : undefined}
                          data-testid="send-test"
                        >
                          Send a test to me
                        </Button>
                        {draft.id && (
                          <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={() => draft.id && remove.mutate(draft.id)}>
                            Delete
                          </Button>
                        )}
                      </Group>
                    )}
                  </Stack>
                </Card>
              </Grid.Col>
              <Grid.Col span={{ base: 12, md: 5 }}>
                <Card withBorder>
                  <Stack gap="sm">
                    <ContactPicker
                      label="Preview as"
                      placeholder="Sample data — search a contact…"
                      value={previewContact.id}
                      valueLabel={previewContact.name}
                      onChange={(id, name) => setPreviewContact({ id, name })}
                      clearable
                      data-testid="preview-contact"
                    />
                    {preview.data?.ok && (
                      <>
                        <Text size="sm" data-testid="preview-subject">
                          <b>Subject:</b> {preview.data.subject}
                        </Text>
                        {preview.data.missing.length > 0 && (
                          <Group gap={4}>
                            <Text size="xs" c="dimmed">
                              No value for this contact:
                            </Text>
                            {preview.data.missing.map((m) => (
                              <Badge key={m} size="xs" variant="light" color="yellow" tt="none">
                                {m}
                              </Badge>
                            ))}
                          </Group>
                        )}
                        <Tabs defaultValue="html">
                          <Tabs.List>
                            <Tabs.Tab value="html">Email</Tabs.Tab>
                            <Tabs.Tab value="text">Plain text</Tabs.Tab>
                          </Tabs.List>
                          <Tabs.Panel value="html" pt="xs">
                            <iframe
                              title="Email preview"
                              sandbox=""
                              srcDoc={preview.data.html}
                              style={{ width: "100%", height: 520, border: "1px solid var(--mantine-color-default-border)", borderRadius: 6 }}
                              data-testid="preview-frame"
                            />
                          </Tabs.Panel>
                          <Tabs.Panel value="text" pt="xs">
                            <Code block data-testid="preview-text">
                              {preview.data.text}
                            </Code>
                          </Tabs.Panel>
                        </Tabs>
                      </>
                    )}
                    {preview.isFetching && !preview.data && <Loader size="sm" />}
                  </Stack>
                </Card>
              </Grid.Col>
            </>
          )}
        </Grid>
      )}
    </Stack>
  );
}

/**
 * Where an error sits, for the rich editor: the server counts lines and columns of the HTML the editor keeps, which the
 * author never sees, so the words around that spot (tags stripped) point at it instead.
 */
function nearText(html: string, line: number, column: number): string {
  const lines = html.split("\n");
  const offset = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0) + Math.max(0, column - 1);
  const plain = (s: string) =>
    s
      .replace(/<[^>]*>/g, " ")
      .replace(/&nbsp;/g, " ")
      .replace(/\s+/g, " ")
      .trim();
  // A slice may cut a tag in two: drop the half before its first ">" and after its last "<".
  const before = plain(html.slice(Math.max(0, offset - 60), offset).replace(/^[^<]*>/, ""))
    .split(" ")
    .slice(-3)
    .join(" ");
  const after = plain(html.slice(offset, offset + 60).replace(/<[^>]*$/, "")).slice(0, 30);
  const near = `${before} ${after}`.trim();
  return near ? `, near “${near}”` : "";
}
