import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  Menu,
  Modal,
  NavLink,
  SegmentedControl,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconBook, IconDots, IconExternalLink, IconPlus } from "@tabler/icons-react";
import { keepPreviousData, useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useState } from "react";
import { type ArticleSummary, articleStatusLabels, type KbCategory } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { ConfirmModal } from "../components/ConfirmModal.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { formatRelative } from "../lib/format.js";
import { notifyError, notifySuccess } from "../lib/notify.js";
import { type ArticleParams, categoriesQuery, fetchArticles, helpCentreQuery, kbApi } from "./api.js";

type StatusFilter = "all" | "published" | "draft";

/** The knowledge base: what agents answer from and what customers read in the help centre. */
export function KnowledgeBasePage() {
  useDocumentTitle("Knowledge base · Rapport");
  const { may, isAdmin } = usePermissions();
  const navigate = useNavigate();
  const [q, setQ] = useState("");
  const [debounced] = useDebouncedValue(q.trim(), 250);
  const [categoryId, setCategoryId] = useState<string | undefined>();
  const [status, setStatus] = useState<StatusFilter>("all");
  const categories = useQuery(categoriesQuery);
  const params: ArticleParams = { q: debounced || undefined, categoryId, status: status === "all" ? undefined : status };
  const articles = useInfiniteQuery({
    queryKey: ["kb", "articles", params],
    queryFn: ({ pageParam }) => fetchArticles(params, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const list = articles.data?.pages.flatMap((p) => p.data) ?? [];
  const canWrite = may("article", "create");
  const filtered = Boolean(debounced || categoryId || status !== "all");

  return (
    <Stack gap="md" data-testid="kb-page">
      <Group justify="space-between" align="flex-start">
        <div>
          <Title order={2}>Knowledge base</Title>
          <Text c="dimmed" fz="sm">
            Answers written once: link them from ticket replies, and publish the public ones in your help centre.
          </Text>
        </div>
        {canWrite && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => navigate({ to: "/kb/$id", params: { id: "new" } })} data-testid="new-article">
            New article
          </Button>
        )}
      </Group>
      <Group align="flex-start" gap="lg" wrap="wrap">
        <Stack gap="md" w={{ base: "100%", sm: 240 }}>
          <CategoryNav categories={categories.data ?? []} selected={categoryId} onSelect={setCategoryId} />
          {isAdmin && <HelpCentreCard />}
        </Stack>
        <Stack gap="sm" style={{ flex: 1, minWidth: 0 }}>
          <Group gap="sm" wrap="wrap">
            <TextInput
              placeholder="Search titles and text…"
              aria-label="Search articles"
              value={q}
              onChange={(e) => setQ(e.currentTarget.value)}
              style={{ flex: 1, minWidth: 200 }}
              data-testid="kb-search"
            />
            <SegmentedControl
              value={status}
              onChange={(v) => setStatus(v as StatusFilter)}
              data={[
                { value: "all", label: "All" },
                { value: "published", label: "Published" },
                { value: "draft", label: "Drafts" },
              ]}
              aria-label="Status"
            />
          </Group>
          {articles.isError ? (
            <Alert color="red">{articles.error.message}</Alert>
          ) : articles.isPending ? (
            <Text c="dimmed">Loading…</Text>
          ) : list.length === 0 ? (
            filtered ? (
              <Text c="dimmed" ta="center" py="lg" data-testid="kb-no-match">
                No article matches. Try other words, another category or status.
              </Text>
            ) : (
              <EmptyHint
                icon={<IconBook size={28} />}
                title="No articles yet"
                description="Write down the answers your team gives most often. Internal articles help agents; public ones appear in your help centre and can be linked from replies."
                actionLabel={canWrite ? "Write your first article" : undefined}
                onAction={() => navigate({ to: "/kb/$id", params: { id: "new" } })}
              />
            )
          ) : (
            <Stack gap="xs" data-testid="kb-list">
              {list.map((a) => (
                <ArticleRow key={a.id} article={a} />
              ))}
              {articles.hasNextPage && (
                <Button variant="subtle" onClick={() => articles.fetchNextPage()} loading={articles.isFetchingNextPage}>
                  Show more
                </Button>
              )}
            </Stack>
          )}
        </Stack>
      </Group>
    </Stack>
  );
}

function ArticleRow({ article: a }: { article: ArticleSummary }) {
  return (
    <Card withBorder radius="md" padding="sm" data-testid="kb-row">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <Stack gap={2} style={{ minWidth: 0 }}>
          <AnchorLink to="/kb/$id" params={{ id: a.id }} fw={600}>
            {a.title}
          </AnchorLink>
          {a.excerpt && (
            <Text fz="sm" c="dimmed" lineClamp={2}>
              {a.excerpt}
            </Text>
          )}
          <Text fz="xs" c="dimmed">
            {[a.categoryName, a.authorName, `updated ${formatRelative(a.updatedAt)}`].filter(Boolean).join(" · ")}
          </Text>
        </Stack>
        <Group gap={6} wrap="nowrap">
          <Badge variant="light" color={a.status === "published" ? "teal" : "gray"}>
            {articleStatusLabels[a.status]}
          </Badge>
          <Badge variant="outline" color={a.visibility === "public" ? "blue" : "gray"}>
            {a.visibility === "public" ? "Public" : "Internal"}
          </Badge>
        </Group>
      </Group>
    </Card>
  );
}

function CategoryNav({ categories, selected, onSelect }: { categories: KbCategory[]; selected?: string; onSelect: (id?: string) => void }) {
  const { isAdmin, may } = usePermissions();
  const canEdit = isAdmin || may("article", "edit");
  const [editing, setEditing] = useState<KbCategory | "new" | null>(null);
  const [deleting, setDeleting] = useState<KbCategory | null>(null);
  const qc = useQueryClient();
  const remove = useMutation({
    mutationFn: (c: KbCategory) => kbApi.deleteCategory(c.id),
    onSuccess: (_r, c) => {
      if (selected === c.id) onSelect(undefined);
      qc.invalidateQueries({ queryKey: ["kb"] });
      notifySuccess("Category deleted; its articles are kept");
      setDeleting(null);
    },
    onError: (e) => notifyError(e, "Could not delete the category"),
  });
  return (
    <Card withBorder radius="md" padding="xs" data-testid="kb-categories">
      <Text fz="xs" fw={600} c="dimmed" tt="uppercase" px="sm" py={4}>
        Categories
      </Text>
      <NavLink label="All articles" active={!selected} onClick={() => onSelect(undefined)} />
      {categories.map((c) => (
        <NavLink
          key={c.id}
          label={c.name}
          description={c.description || undefined}
          active={selected === c.id}
          onClick={() => onSelect(c.id)}
          data-testid="kb-category"
          rightSection={
            <Group gap={4} wrap="nowrap">
              <Badge size="xs" variant="light" color="gray">
                {c.articleCount}
              </Badge>
              {canEdit && (
                <Menu position="bottom-end" withinPortal>
                  <Menu.Target>
                    <ActionIcon variant="subtle" size="sm" aria-label={`Actions for ${c.name}`} onClick={(e) => e.stopPropagation()}>
                      <IconDots size={14} />
                    </ActionIcon>
                  </Menu.Target>
                  <Menu.Dropdown onClick={(e) => e.stopPropagation()}>
                    <Menu.Item onClick={() => setEditing(c)}>Rename</Menu.Item>
                    <Menu.Item color="red" onClick={() => setDeleting(c)}>
                      Delete
                    </Menu.Item>
                  </Menu.Dropdown>
                </Menu>
              )}
            </Group>
          }
        />
      ))}
      {categories.length === 0 && (
        <Text fz="xs" c="dimmed" px="sm" py={4}>
          Group articles by topic, such as Billing or Getting started.
        </Text>
      )}
      {canEdit && (
        <Button variant="subtle" size="xs" leftSection={<IconPlus size={14} />} onClick={() => setEditing("new")} mt={4} data-testid="new-category">
          Add category
        </Button>
      )}
      {editing && <CategoryModal category={editing === "new" ? null : editing} onClose={() => setEditing(null)} />}
      <ConfirmModal
        opened={Boolean(deleting)}
        title={`Delete “${deleting?.name ?? ""}”?`}
        confirmLabel="Delete category"
        danger
        loading={remove.isPending}
        onConfirm={() => deleting && remove.mutate(deleting)}
        onClose={() => setDeleting(null)}
      >
        Its articles stay in the knowledge base without a category.
      </ConfirmModal>
    </Card>
  );
}

function CategoryModal({ category, onClose }: { category: KbCategory | null; onClose: () => void }) {
  const [name, setName] = useState(category?.name ?? "");
  const [description, setDescription] = useState(category?.description ?? "");
  const qc = useQueryClient();
  const save = useMutation({
    mutationFn: () => (category ? kbApi.updateCategory(category.id, { name, description }) : kbApi.createCategory({ name, description })),
    onSuccess: () => {
      qc.invalidateQueries({ queryKey: ["kb"] });
      notifySuccess(category ? "Category renamed" : "Category added");
      onClose();
    },
    onError: (e) => notifyError(e, "Could not save the category"),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  return (
    <Modal opened onClose={onClose} title={category ? "Rename category" : "Add category"}>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required value={name} onChange={(e) => setName(e.currentTarget.value)} data-autofocus data-testid="category-name" />
          <TextInput label="Description" value={description} onChange={(e) => setDescription(e.currentTarget.value)} />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending} data-testid="save-category">
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function HelpCentreCard() {
  const settings = useQuery(helpCentreQuery);
  const qc = useQueryClient();
  const update = useMutation({
    mutationFn: (body: { enabled?: boolean; title?: string; portalCompanyTickets?: boolean }) => kbApi.updateSettings(body),
    onSuccess: (s, body) => {
      qc.setQueryData(helpCentreQuery.queryKey, s);
      if (body.enabled !== undefined) notifySuccess(s.enabled ? "The help centre and portal are on" : "The help centre and portal are off");
      else notifySuccess(s.portalCompanyTickets ? "Customers now see their company's tickets" : "Customers now see only their own tickets");
    },
    onError: (e) => notifyError(e, "Could not change the help centre"),
  });
  if (!settings.data) return null;
  return (
    <Card withBorder radius="md" padding="sm" data-testid="help-centre-card">
      <Stack gap={6}>
        <Text fw={600} fz="sm">
          Help centre
        </Text>
        <Switch
          label="Public help centre and portal"
          checked={settings.data.enabled}
          onChange={(e) => update.mutate({ enabled: e.currentTarget.checked })}
          disabled={update.isPending}
        />
        <Text fz="xs" c="dimmed">
          Published public articles, readable by anyone with the link.
        </Text>
        {settings.data.enabled && (
          <>
            <Anchor href={settings.data.url} target="_blank" rel="noopener" fz="sm" data-testid="help-centre-link">
              <Group gap={4} wrap="nowrap">
                Open the help centre <IconExternalLink size={14} />
              </Group>
            </Anchor>
            <Anchor href={`${settings.data.url}/portal`} target="_blank" rel="noopener" fz="sm" data-testid="portal-link">
              <Group gap={4} wrap="nowrap">
                Open the customer portal <IconExternalLink size={14} />
              </Group>
            </Anchor>
            <Text fz="xs" c="dimmed">
              Customers sign in with a link sent to their email and see their requests.
            </Text>
            <Switch
              size="xs"
              label="Show customers their company's tickets too"
              checked={settings.data.portalCompanyTickets}
              onChange={(e) => update.mutate({ portalCompanyTickets: e.currentTarget.checked })}
              disabled={update.isPending}
              data-testid="portal-company-tickets"
            />
          </>
        )}
      </Stack>
    </Card>
  );
}
