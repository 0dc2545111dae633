import { Alert, Badge, Button, Card, Drawer, Group, SegmentedControl, Select, Stack, Text, TextInput, Title, Typography } from "@mantine/core";
import { useDocumentTitle } from "@mantine/hooks";
import { IconArrowLeft, IconExternalLink, IconHistory } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useParams } from "@tanstack/react-router";
import { useEffect, useMemo, useState } from "react";
import { type Article, type ArticleVisibility, articleStatusLabels, articleVisibilityLabels } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { AnchorLink } from "../components/links.js";
import { isApiError } from "../http/client.js";
import { formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { sanitizeHtml } from "../lib/sanitize.js";
import { articleQuery, categoriesQuery, kbApi, versionsQuery } from "./api.js";
import { RichTextEditor } from "./RichTextEditor.js";

interface Draft {
  title: string;
  bodyHtml: string;
  categoryId: string | null;
  visibility: ArticleVisibility;
}

const draftOf = (a?: Article): Draft => ({
  title: a?.title ?? "",
  bodyHtml: a?.bodyHtml ?? "",
  categoryId: a?.categoryId ?? null,
  visibility: a?.visibility ?? "internal",
});

/** One article: written and edited in place, published or taken down, with its versions beside it. */
export function ArticlePage() {
  const { id } = useParams({ from: "/kb/$id" });
  const isNew = id === "new";
  const article = useQuery({ ...articleQuery(id), enabled: !isNew });
  if (!isNew && article.isPending) return <Text c="dimmed">Loading…</Text>;
  if (!isNew && article.isError)
    return (
      <Alert color="red" title={isApiError(article.error, "not_found") ? "Article not found" : "Could not load the article"}>
        {isApiError(article.error, "not_found") ? "It was deleted, or your role does not show it. " : `${article.error.message} `}
        <AnchorLink to="/kb">Back to the knowledge base</AnchorLink>
      </Alert>
    );
  // A new version (saved here, or restored) starts the editor again from what was saved.
  return <ArticleEditor key={article.data ? `${article.data.id}@${article.data.version}` : "new"} article={article.data} />;
}

function ArticleEditor({ article }: { article?: Article }) {
  useDocumentTitle(`${article?.title ?? "New article"} · Knowledge base · Rapport`);
  const { may, mayRecord } = usePermissions();
  const canEdit = article ? mayRecord("article", "edit", { ownerId: article.authorId }) : may("article", "create");
  const canDelete = article ? mayRecord("article", "delete", { ownerId: article.authorId }) : false;
  const navigate = useNavigate();
  const qc = useQueryClient();
  const categories = useQuery(categoriesQuery);
  const [draft, setDraft] = useState<Draft>(() => draftOf(article));
  const [showVersions, setShowVersions] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const saved = useMemo(() => draftOf(article), [article]);
  const dirty = JSON.stringify(draft) !== JSON.stringify(saved);
  const [titleError, setTitleError] = useState<string | null>(null);

  // Leaving with unsaved text asks first, as a mail client does.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  const save = useMutation({
    mutationFn: (status?: "draft" | "published") => {
      const body = { ...draft, ...(status ? { status } : {}) };
      return article ? kbApi.updateArticle(article.id, { ...body, expectedVersion: article.version }) : kbApi.createArticle(body);
    },
    onSuccess: (a, status) => {
      qc.setQueryData(articleQuery(a.id).queryKey, a);
      qc.invalidateQueries({ queryKey: ["kb"] });
      notifySuccess(status === "published" ? "Published" : status === "draft" ? "Taken down; it is a draft again" : "Saved");
      if (!article) navigate({ to: "/kb/$id", params: { id: a.id }, replace: true });
    },
    onError: (e) => {
      if (isApiError(e)) setTitleError(e.fieldErrors.title ?? null);
      notifyError(e, "Could not save the article");
    },
  });
  const remove = useMutation({
    mutationFn: () => kbApi.deleteArticle(article?.id ?? ""),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["kb"] });
      notifySuccess("Article deleted");
      navigate({ to: "/kb" });
    },
    onError: (e) => notifyError(e, "Could not delete the article"),
  });

  const published = article?.status === "published";
  return (
    <Stack gap="md" maw={960} data-testid="article-page">
      <Group justify="space-between" wrap="wrap">
        <AnchorLink to="/kb" fz="sm">
          <Group gap={4}>
            <IconArrowLeft size={14} /> Knowledge base
          </Group>
        </AnchorLink>
        <Group gap="xs">
          {article && (
            <>
              <Badge variant="light" color={published ? "teal" : "gray"} data-testid="article-status">
                {articleStatusLabels[article.status]}
              </Badge>
              <Text fz="xs" c="dimmed">
                Version {article.version} · {article.updatedByName ?? "someone"} · {formatRelative(article.updatedAt)}
              </Text>
            </>
          )}
        </Group>
      </Group>
      {canEdit ? (
        <TextInput
          label="Title"
          size="md"
          value={draft.title}
          error={titleError}
          onChange={(e) => {
            const title = e.currentTarget.value;
            setDraft((d) => ({ ...d, title }));
            setTitleError(null);
          }}
          placeholder="A question customers ask, e.g. How do I reset my password?"
          data-testid="article-title"
          data-autofocus
        />
      ) : (
        <Title order={2}>{article?.title}</Title>
      )}
      <Group gap="md" wrap="wrap" align="flex-end">
        <Select
          label="Category"
          placeholder="No category"
          clearable
          data={(categories.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={draft.categoryId}
          onChange={(v) => setDraft((d) => ({ ...d, categoryId: v }))}
          disabled={!canEdit}
          w={240}
          data-testid="article-category"
        />
        <Stack gap={4}>
          <Text fz="sm" fw={500}>
            Who can read it
          </Text>
          <SegmentedControl
            value={draft.visibility}
            onChange={(v) => setDraft((d) => ({ ...d, visibility: v as ArticleVisibility }))}
            data={(["internal", "public"] as const).map((v) => ({ value: v, label: articleVisibilityLabels[v] }))}
            disabled={!canEdit}
            data-testid="article-visibility"
          />
        </Stack>
      </Group>
      {canEdit ? (
        <RichTextEditor label="Article text" value={draft.bodyHtml} onChange={(bodyHtml) => setDraft((d) => ({ ...d, bodyHtml }))} />
      ) : (
        <Card withBorder radius="md">
          <Typography>
            {/* biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised on the server when saved and again here */}
            <div dangerouslySetInnerHTML={{ __html: sanitizeHtml(article?.bodyHtml ?? "") }} />
          </Typography>
        </Card>
      )}
      <Group justify="space-between" wrap="wrap">
        <Group gap="xs">
          {article?.publicUrl && (
            <Button
              component="a"
              href={article.publicUrl}
              target="_blank"
              rel="noopener"
              variant="subtle"
              leftSection={<IconExternalLink size={16} />}
              data-testid="open-in-help-centre"
            >
              Open in help centre
            </Button>
          )}
          {article && (
            <Button variant="subtle" leftSection={<IconHistory size={16} />} onClick={() => setShowVersions(true)} data-testid="show-versions">
              Versions
            </Button>
          )}
          {canDelete && (
            <Button variant="subtle" color="red" onClick={() => setConfirmDelete(true)} data-testid="delete-article">
              Delete
            </Button>
          )}
        </Group>
        {canEdit && (
          <Group gap="xs">
            {published ? (
              <Button variant="default" onClick={() => save.mutate("draft")} loading={save.isPending} data-testid="unpublish-article">
                Unpublish
              </Button>
            ) : null}
            <Button
              variant={published ? "filled" : "default"}
              onClick={() => save.mutate(undefined)}
              disabled={Boolean(article) && !dirty}
              loading={save.isPending}
              data-testid="save-article"
            >
              {article ? "Save" : "Save draft"}
            </Button>
            {!published && (
              <Button onClick={() => save.mutate("published")} loading={save.isPending} data-testid="publish-article">
                Publish
              </Button>
            )}
          </Group>
        )}
      </Group>
      {article?.visibility === "internal" && published && (
        <Text fz="xs" c="dimmed">
          Internal: agents see it in suggestions on tickets; customers never do. Choose “Public” to put it in the help centre.
        </Text>
      )}
      {article && <VersionsDrawer article={article} opened={showVersions} onClose={() => setShowVersions(false)} canEdit={canEdit} />}
      <ConfirmModal
        opened={confirmDelete}
        onClose={() => setConfirmDelete(false)}
        onConfirm={() => remove.mutate()}
        title={`Delete “${article?.title ?? ""}”?`}
        confirmLabel="Delete article"
        danger
        loading={remove.isPending}
      >
        The article and its versions are deleted{article?.publicUrl ? ", and its help-centre page stops working" : ""}.
      </ConfirmModal>
      {!article && (
        <Text fz="xs" c="dimmed">
          New articles are drafts until you publish them.
        </Text>
      )}
    </Stack>
  );
}

function VersionsDrawer({ article, opened, onClose, canEdit }: { article: Article; opened: boolean; onClose: () => void; canEdit: boolean }) {
  const versions = useQuery({ ...versionsQuery(article.id), enabled: opened });
  const qc = useQueryClient();
  const restore = useMutation({
    mutationFn: (version: number) => kbApi.restore(article.id, version),
    onSuccess: (a, version) => {
      qc.setQueryData(articleQuery(a.id).queryKey, a);
      qc.invalidateQueries({ queryKey: ["kb"] });
      notifySuccess(`Version ${version} restored as version ${a.version}`);
      onClose();
    },
    onError: (e) => notifyError(e, "Could not restore the version"),
  });
  return (
    <Drawer opened={opened} onClose={onClose} position="right" size="lg" title="Versions">
      {versions.isPending ? (
        <Text c="dimmed">Loading…</Text>
      ) : versions.isError ? (
        <Alert color="red">{versions.error.message}</Alert>
      ) : (
        <Stack gap="sm" data-testid="versions-list">
          {versions.data.map((v) => (
            <Card key={v.version} withBorder radius="md" padding="sm" data-testid="version-row">
              <Group justify="space-between" wrap="nowrap">
                <div>
                  <Text fw={600} fz="sm">
                    Version {v.version}
                    {v.version === article.version ? " (current)" : ""}
                  </Text>
                  <Text fz="xs" c="dimmed">
                    {v.createdByName ?? "Someone"} · {formatRelative(v.createdAt)}
                  </Text>
                </div>
                {canEdit && v.version !== article.version && (
                  <Button size="xs" variant="light" onClick={() => restore.mutate(v.version)} loading={restore.isPending && restore.variables === v.version}>
                    Restore
                  </Button>
                )}
              </Group>
              <Text fz="sm" fw={500} mt={6}>
                {v.title}
              </Text>
              <Typography fz="sm">
                {/* biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised on the server when saved and again here */}
                <div dangerouslySetInnerHTML={{ __html: sanitizeHtml(v.bodyHtml) }} />
              </Typography>
            </Card>
          ))}
        </Stack>
      )}
    </Drawer>
  );
}
