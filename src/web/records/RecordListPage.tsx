import { Alert, Badge, Button, CloseButton, Group, Menu, Skeleton, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconAlertTriangle, IconArrowsSort, IconPlus, IconSearch } from "@tabler/icons-react";
import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { type Condition, describeCondition, isGroup } from "../../contract/conditions.js";
import { fieldRegistry } from "../../contract/fields.js";
import type { CustomField, ListCount, SavedView } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { isComplete } from "../components/ConditionEditor.js";
import { api } from "../http/client.js";
import { customFieldsQuery, objectPath, type RecordObject, usersQuery, viewsQuery } from "../http/queries.js";
import { formatNumber } from "../lib/format.js";
import { BulkBar } from "./BulkBar.js";
import { ColumnChooser } from "./ColumnChooser.js";
import { FilterBuilder } from "./FilterBuilder.js";
import { type MobileRow, RecordTable } from "./RecordTable.js";
import type { ColumnDef, FieldDef, ListState, RenderCtx } from "./types.js";
import { ViewsMenu } from "./ViewsMenu.js";

export interface RecordListConfig<T extends { id: string }> {
  object: RecordObject;
  title: string;
  nouns: [string, string];
  columnsFor: (custom: CustomField[]) => ColumnDef<T>[];
  defaultColumns: string[];
  filterFieldsFor: (custom: CustomField[]) => FieldDef[];
  mobileRow: (row: T, ctx: RenderCtx) => MobileRow;
  defaultSort: string;
  /** List endpoint when it is not the object's own (the Leads page lists /api/v1/leads). */
  listPath?: string;
  /** Keeps this page's list state apart from other pages of the same object. */
  stateKey?: string;
}

interface Props<T extends { id: string }> {
  config: RecordListConfig<T>;
  trash?: boolean;
  onOpen: (row: T) => void;
  onCreate?: () => void;
  /** Shown when the workspace has none of these records at all. */
  emptyState?: ReactNode;
  rowActions?: (row: T) => ReactNode;
  /** Rendered in the page header next to the title (e.g. the trash tabs). */
  headerSlot?: ReactNode;
  hideTitle?: boolean;
  /** More list parameters the page sets itself (the contacts list's segment), sent with the list and its count. */
  extraParams?: Record<string, string | undefined>;
}

const PAGE = 50;
const compact = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });

/** "1,234 contacts" when counted, "about 1.2M contacts" when estimated, "50+ contacts" until the count arrives. */
export function countText(loaded: number, total: ListCount | null, nouns: [string, string]): string {
  if (!total) return `${formatNumber(loaded)}+ ${nouns[1]}`;
  const noun = total.count === 1 ? nouns[0] : nouns[1];
  return total.exact ? `${formatNumber(total.count)} ${noun}` : `about ${compact.format(total.count)} ${noun}`;
}
const blank = (sort: string): ListState => ({ q: "", sort, filters: [], columns: [], viewId: null });

function loadState(key: string, sort: string): ListState {
  try {
    const raw = sessionStorage.getItem(key);
    if (raw) return { ...blank(sort), ...(JSON.parse(raw) as Partial<ListState>) };
  } catch {
    /* ignore */
  }
  return blank(sort);
}

/**
 * The list page shared by contacts, companies and the trash: server-side search, sort, filters,
 * columns, saved views, bulk actions, infinite scroll. List state survives navigating to a record
 * and back (session storage).
 */
export function RecordListPage<T extends { id: string }>({
  config,
  trash = false,
  onOpen,
  onCreate,
  emptyState,
  rowActions,
  headerSlot,
  hideTitle,
  extraParams,
}: Props<T>) {
  const { object, nouns } = config;
  const { may } = usePermissions();
  useDocumentTitle(`${trash ? "Trash" : config.title} · Rapport`);
  const qc = useQueryClient();
  const storageKey = `rapport:list:${config.stateKey ?? object}${trash ? ":trash" : ""}`;
  const [state, setStateRaw] = useState<ListState>(() => loadState(storageKey, trash ? "" : config.defaultSort));
  const setState = useCallback(
    (update: (s: ListState) => ListState) =>
      setStateRaw((s) => {
        const next = update(s);
        try {
          sessionStorage.setItem(storageKey, JSON.stringify(next));
        } catch {
          /* ignore */
        }
        return next;
      }),
    [storageKey],
  );

  const [qInput, setQInput] = useState(state.q);
  const [debouncedQ] = useDebouncedValue(qInput.trim(), 250);
  useEffect(() => {
    setState((s) => (s.q === debouncedQ ? s : { ...s, q: debouncedQ }));
  }, [debouncedQ, setState]);

  const customFields = useQuery(customFieldsQuery(object));
  const users = useQuery({ ...usersQuery, retry: false });
  const userMap = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u])), [users.data]);
  const ctx: RenderCtx = useMemo(
    () => ({ users: userMap, customFields: customFields.data ?? [], editObject: trash ? undefined : object }),
    [userMap, customFields.data, trash, object],
  );

  const allColumns = useMemo(() => config.columnsFor(customFields.data ?? []), [config, customFields.data]);
  const registry = useMemo(() => fieldRegistry(customFields.data ?? []), [customFields.data]);
  const visibleIds = state.columns.length ? state.columns : config.defaultColumns;
  const columns = useMemo(() => {
    const ids = new Set(visibleIds);
    return allColumns.filter((c) => c.fixed || ids.has(c.id));
  }, [allColumns, visibleIds]);

  const params = {
    q: state.q || undefined,
    sort: state.sort || undefined,
    filter: state.filters.filter(isComplete).length ? JSON.stringify(state.filters.filter(isComplete)) : undefined,
    trashed: trash ? "true" : undefined,
    ...extraParams,
  };
  const list = useInfiniteQuery({
    queryKey: [object, "list", config.listPath ?? "", params],
    queryFn: ({ pageParam, signal }) =>
      api.get<{ data: T[]; nextCursor: string | null }>(config.listPath ?? objectPath[object], { ...params, limit: PAGE, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const rows = useMemo(() => list.data?.pages.flatMap((p) => p.data) ?? [], [list.data]);
  const { sort: _sort, ...countParams } = params;
  const total = useQuery({
    queryKey: [object, "count", config.listPath ?? "", countParams],
    queryFn: ({ signal }) => api.get<ListCount>(`${config.listPath ?? objectPath[object]}/count`, countParams, signal),
    // Only worth asking when the first page does not already show every row.
    enabled: list.isSuccess && list.hasNextPage,
    placeholderData: keepPreviousData,
  });

  // Selection (bulk actions); cleared whenever the query changes.
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const lastClicked = useRef<number | null>(null);
  const paramsKey = JSON.stringify(params);
  // biome-ignore lint/correctness/useExhaustiveDependencies: reset on query change only
  useEffect(() => {
    setSelected(new Set());
    lastClicked.current = null;
  }, [paramsKey]);
  // Stable across renders (the rows it ranges over are read from a ref), so loading the next page while scrolling
  // does not re-render every memoised row of the table.
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const toggle = useCallback((id: string, range: boolean) => {
    const current = rowsRef.current;
    const idx = current.findIndex((r) => r.id === id);
    // Read now: React may run the updater below after lastClicked has moved on to this row.
    const anchor = lastClicked.current;
    setSelected((prev) => {
      const next = new Set(prev);
      const on = !prev.has(id);
      if (range && anchor !== null && idx >= 0) {
        const [a, b] = [Math.min(anchor, idx), Math.max(anchor, idx)];
        for (let i = a; i <= b; i++) {
          const r = current[i];
          if (r) next.add(r.id);
        }
      } else if (on) next.add(id);
      else next.delete(id);
      return next;
    });
    lastClicked.current = idx;
  }, []);

  // Saved views
  const applyView = (v: SavedView | null) => {
    const next: ListState = v
      ? { q: v.state.q ?? "", sort: v.state.sort ?? config.defaultSort, filters: v.state.filters ?? [], columns: v.state.columns ?? [], viewId: v.id }
      : blank(config.defaultSort);
    setQInput(next.q);
    setState(() => next);
  };
  const views = useQuery({ ...viewsQuery(object), enabled: !trash });
  const currentView = views.data?.find((v) => v.id === state.viewId);
  const dirty = currentView
    ? JSON.stringify([
        currentView.state.q ?? "",
        currentView.state.sort ?? config.defaultSort,
        currentView.state.filters ?? [],
        currentView.state.columns ?? [],
      ]) !== JSON.stringify([state.q, state.sort, state.filters, state.columns])
    : false;

  const userName = (id: string) => userMap.get(id)?.name ?? "unknown user";
  const filtered = Boolean(state.q || state.filters.length);
  const sortable = allColumns.filter((c) => c.sortKey);
  // Bulk actions change or delete; the server skips the selected rows the role does not reach.
  const selectable = may(object, "edit") || may(object, "delete");

  const toolbar = (
    <Group gap="xs" wrap="wrap" data-testid="list-toolbar">
      <TextInput
        placeholder={`Search ${nouns[1]}…`}
        leftSection={<IconSearch size={16} />}
        value={qInput}
        onChange={(e) => setQInput(e.currentTarget.value)}
        rightSection={qInput ? <CloseButton size="sm" onClick={() => setQInput("")} aria-label="Clear search" /> : null}
        style={{ flex: "1 1 220px" }}
        maw={{ base: "100%", sm: 340 }}
        aria-label={`Search ${nouns[1]}`}
        data-testid="list-search"
        aria-keyshortcuts="/"
      />
      {!trash && (
        <ViewsMenu
          object={object}
          allLabel={`All ${nouns[1]}`}
          state={state}
          dirty={dirty}
          onPick={applyView}
          onSaved={(v) => setState((s) => ({ ...s, viewId: v.id }))}
        />
      )}
      {!trash && (
        <FilterBuilder
          object={object}
          customFields={customFields.data ?? []}
          value={state.filters}
          onChange={(filters) => setState((s) => ({ ...s, filters }))}
          users={users.data ?? []}
        />
      )}
      <SortMenu columns={sortable} sort={state.sort} onSort={(sort) => setState((s) => ({ ...s, sort }))} />
      {!trash && (
        <ColumnChooser
          visibleFrom="sm"
          all={allColumns}
          visible={visibleIds}
          defaults={config.defaultColumns}
          onChange={(cols) => setState((s) => ({ ...s, columns: cols }))}
        />
      )}
    </Group>
  );

  return (
    <Stack gap="sm" h="calc(100dvh - var(--app-shell-header-offset, 0rem) - 2 * var(--app-shell-padding))" mih={420}>
      {!hideTitle && (
        <Group justify="space-between" wrap="nowrap" gap="sm">
          <Group gap="sm" align="baseline" miw={0} wrap="nowrap">
            <Title order={2} fz={{ base: 22, sm: 26 }}>
              {config.title}
            </Title>
            {list.isSuccess && rows.length > 0 && (
              <Text
                c="dimmed"
                fz="sm"
                data-testid="list-count"
                title={total.data && !total.data.exact ? "An estimate: too many to count on every visit" : undefined}
              >
                {countText(rows.length, list.hasNextPage ? (total.data ?? null) : { count: rows.length, exact: true }, nouns)}
              </Text>
            )}
          </Group>
          {onCreate && may(object, "create") && (
            <Button
              leftSection={<IconPlus size={16} />}
              onClick={onCreate}
              data-testid="create-button"
              aria-keyshortcuts="c"
              aria-label={`New ${nouns[0]}`}
              style={{ flexShrink: 0 }}
            >
              <Text span inherit visibleFrom="xs">
                New {nouns[0]}
              </Text>
              <Text span inherit hiddenFrom="xs">
                New
              </Text>
            </Button>
          )}
        </Group>
      )}
      {headerSlot}
      {toolbar}
      {state.filters.length > 0 && (
        <Group gap={6} data-testid="active-filters">
          {state.filters.map((f: Condition, i) => (
            <Badge
              // biome-ignore lint/suspicious/noArrayIndexKey: position is the identity
              key={i}
              variant="light"
              tt="none"
              fw={500}
              size="lg"
              radius="sm"
              rightSection={
                <CloseButton size="xs" aria-label="Remove filter" onClick={() => setState((s) => ({ ...s, filters: s.filters.filter((_, j) => j !== i) }))} />
              }
            >
              {describeCondition(withNames(f, userName), registry, object)}
            </Badge>
          ))}
          <Button variant="subtle" size="compact-xs" onClick={() => setState((s) => ({ ...s, filters: [] }))}>
            Clear filters
          </Button>
        </Group>
      )}
      {selected.size > 0 && (
        <BulkBar
          object={object}
          ids={[...selected]}
          users={users.data ?? []}
          trash={trash}
          nouns={nouns}
          onClear={() => setSelected(new Set())}
          onDone={() => {
            setSelected(new Set());
            void qc.invalidateQueries({ queryKey: [object] });
          }}
        />
      )}

      {list.isError && !list.data ? (
        <Alert color="red" variant="light" icon={<IconAlertTriangle size={18} />} title={`Could not load ${nouns[1]}`} data-testid="list-error">
          <Text fz="sm" mb="sm">
            {list.error.message}
          </Text>
          <Button size="xs" variant="white" color="red" onClick={() => list.refetch()} loading={list.isFetching}>
            Retry
          </Button>
        </Alert>
      ) : list.isPending ? (
        <TableSkeleton />
      ) : rows.length === 0 ? (
        filtered || trash ? (
          <Stack align="center" py={60} gap="xs" data-testid="list-empty">
            <Text fw={600}>{trash && !filtered ? `The trash has no ${nouns[1]}` : `No ${nouns[1]} match`}</Text>
            <Text c="dimmed" fz="sm" ta="center" maw={420}>
              {trash && !filtered
                ? `Deleted ${nouns[1]} appear here, and you can restore them.`
                : "Try a different search, or remove a filter. Search is typo-tolerant and looks at names, emails, phones and domains."}
            </Text>
            {filtered && (
              <Button
                variant="light"
                mt="xs"
                onClick={() => {
                  setQInput("");
                  setState((s) => ({ ...s, q: "", filters: [] }));
                }}
              >
                Clear search and filters
              </Button>
            )}
          </Stack>
        ) : (
          emptyState
        )
      ) : (
        <RecordTable<T>
          rows={rows}
          columns={columns}
          ctx={ctx}
          sort={state.sort}
          onSort={(sort) => setState((s) => ({ ...s, sort }))}
          selectable={selectable}
          selected={selected}
          onToggle={toggle}
          onToggleAll={(all) => setSelected(all ? new Set(rows.map((r) => r.id)) : new Set())}
          hasNextPage={Boolean(list.hasNextPage)}
          isFetchingNextPage={list.isFetchingNextPage}
          fetchNextPage={() => void list.fetchNextPage()}
          onOpen={onOpen}
          rowActions={rowActions}
          mobileRow={(r) => config.mobileRow(r, ctx)}
          label={config.title}
          scrollKey={paramsKey}
        />
      )}
    </Stack>
  );
}

function SortMenu<T>({ columns, sort, onSort }: { columns: ColumnDef<T>[]; sort: string; onSort: (s: string) => void }) {
  const key = sort.replace(/^-/, "");
  const desc = sort.startsWith("-");
  const current = columns.find((c) => c.sortKey === key);
  return (
    <Menu position="bottom-end" width={220} withinPortal>
      <Menu.Target>
        <Button variant="default" leftSection={<IconArrowsSort size={16} />} hiddenFrom="sm" data-testid="sort-menu">
          {current ? `${current.label} ${desc ? "↓" : "↑"}` : "Sort"}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={() => onSort("")}>Relevance / default</Menu.Item>
        <Menu.Divider />
        {columns.map((c) => (
          <Menu.Item key={c.id} onClick={() => onSort(key === c.sortKey && !desc ? `-${c.sortKey}` : (c.sortKey ?? ""))}>
            {c.label} {key === c.sortKey ? (desc ? "↓" : "↑") : ""}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

function TableSkeleton() {
  return (
    <Stack
      gap={0}
      style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: "var(--mantine-radius-md)" }}
      p="sm"
      data-testid="list-loading"
      aria-busy="true"
    >
      {Array.from({ length: 10 }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder rows
        <Group key={i} gap="md" py={10} wrap="nowrap">
          <Skeleton h={14} w={14} radius="sm" />
          <Skeleton h={12} w="22%" />
          <Skeleton h={12} w="24%" />
          <Skeleton h={12} w="18%" visibleFrom="sm" />
          <Skeleton h={12} w="14%" visibleFrom="sm" />
        </Group>
      ))}
    </Stack>
  );
}

/** People in person conditions by name, for the filter chips ("Owner is Ada Admin"). */
function withNames(c: Condition, userName: (id: string) => string): Condition {
  if (isGroup(c)) return "all" in c ? { all: c.all.map((x) => withNames(x, userName)) } : { any: c.any.map((x) => withNames(x, userName)) };
  if (!/(^|\.)(ownerId|assigneeId|authorId)$/.test(c.field)) return c;
  const name = (v: unknown) => (v === "me" ? "me" : typeof v === "string" ? userName(v) : String(v));
  return { ...c, value: Array.isArray(c.value) ? c.value.map(name) : c.value === undefined || c.value === null ? c.value : name(c.value) };
}
