import {
  DndContext,
  type DragEndEvent,
  DragOverlay,
  type DragStartEvent,
  type KeyboardCoordinateGetter,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
} from "@dnd-kit/core";
import {
  ActionIcon,
  Alert,
  Badge,
  Box,
  Button,
  Card,
  Group,
  Menu,
  NumberInput,
  ScrollArea,
  SegmentedControl,
  Select,
  Skeleton,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from "@mantine/core";
import { useDebouncedValue, useDocumentTitle } from "@mantine/hooks";
import { IconAlertCircle, IconArrowsRightLeft, IconCalendar, IconDots, IconLayoutKanban, IconPlus, IconTable, IconTargetArrow } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useNavigate, useSearch } from "@tanstack/react-router";
import { memo, useEffect, useMemo, useState } from "react";
import type { Board, BoardCard, Deal, Stage } from "../../contract/index.js";
import { usePermissions } from "../app/me.js";
import { EmptyHint } from "../components/EmptyHint.js";
import { AnchorLink } from "../components/links.js";
import { UserPicker } from "../components/pickers.js";
import { api } from "../http/client.js";
import { dayKey, today } from "../lib/dates.js";
import { formatDate, formatMoney } from "../lib/format.js";
import { notifyError } from "../lib/notify.js";
import { type BoardFilters, boardKey, boardQuery, DEALS_VIEW_KEY, defaultPipeline, fetchMoreCards, pipelinesQuery } from "./api.js";
import { DealExportMenu } from "./DealExportMenu.js";
import { DealFormDrawer } from "./DealForm.js";
import { DealTable } from "./DealTable.js";
import { LostReasonModal } from "./LostReasonModal.js";
import { offerToClosePlaybookTasks } from "./playbook.js";

type Column = Board["columns"][number];
interface PendingMove {
  card: BoardCard;
  to: Stage;
}

const stageColor: Record<Stage["type"], string> = { open: "blue", won: "teal", lost: "red" };

/**
 * Arrow keys jump a lifted card from column to column (dnd-kit's default moves it 25 px at a time, which
 * would take a dozen presses per column); Space or Enter drops it, Escape cancels.
 */
const columnKeyboardCoordinates: KeyboardCoordinateGetter = (event, { context, currentCoordinates }) => {
  const { droppableRects, droppableContainers, over, active } = context;
  if (!["ArrowRight", "ArrowLeft", "ArrowDown", "ArrowUp"].includes(event.code)) return undefined;
  event.preventDefault();
  const columns = droppableContainers
    .getEnabled()
    .map((c) => ({ id: c.id, rect: droppableRects.get(c.id) }))
    .filter((c): c is { id: string; rect: NonNullable<typeof c.rect> } => Boolean(c.rect))
    .sort((a, b) => a.rect.left - b.rect.left);
  const currentId = over?.id ?? (active ? (context.draggableNodes.get(active.id)?.data.current as { stageId?: string } | undefined)?.stageId : undefined);
  const index = columns.findIndex((c) => c.id === currentId);
  const step = event.code === "ArrowRight" || event.code === "ArrowDown" ? 1 : -1;
  const target = columns[Math.min(columns.length - 1, Math.max(0, (index < 0 ? 0 : index) + step))];
  if (!target) return currentCoordinates;
  return { x: target.rect.left + 12, y: target.rect.top + 48 };
};

function totalsLine(col: Column): { total: string; weighted: string } {
  if (col.totals.length === 0) return { total: formatMoney(0, "USD"), weighted: formatMoney(0, "USD") };
  return {
    total: col.totals.map((t) => formatMoney(t.amount, t.currency)).join(" + "),
    weighted: col.totals.map((t) => formatMoney(t.weighted, t.currency)).join(" + "),
  };
}

export function DealsBoardPage() {
  useDocumentTitle("Deals · Rapport");
  const { may } = usePermissions();
  const canCreate = may("deal", "create");
  const qc = useQueryClient();
  const navigate = useNavigate();
  const pipelines = useQuery(pipelinesQuery);
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const search = useSearch({ strict: false }) as { filter?: string; drill?: string };
  const drill = search.filter;
  const [view, setView] = useState<"board" | "table">(() => (drill || sessionStorage.getItem(DEALS_VIEW_KEY) === "table" ? "table" : "board"));
  const [filters, setFilters] = useState<BoardFilters>({});
  const [q, setQ] = useState("");
  const [debouncedQ] = useDebouncedValue(q, 250);
  const [creating, setCreating] = useState(false);
  const pipeline = pipelines.data?.find((p) => p.id === pipelineId) ?? defaultPipeline(pipelines.data);
  const effective = useMemo(() => ({ ...filters, q: debouncedQ.trim() || undefined, filter: drill }), [filters, debouncedQ, drill]);
  // The board cannot show a report's drill-down (its columns are stages, not the report's records): the table does.
  useEffect(() => {
    if (drill) setView("table");
  }, [drill]);
  useEffect(() => sessionStorage.setItem(DEALS_VIEW_KEY, view), [view]);

  const filterBar = (
    <Group gap="xs" align="flex-end" wrap="wrap" data-testid="deal-filters">
      <TextInput
        label="Search"
        placeholder="Deal name…"
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        w={{ base: "100%", xs: 180 }}
        aria-keyshortcuts="/"
      />
      <UserPicker
        label="Owner"
        value={filters.ownerId ?? null}
        onChange={(v) => setFilters((f) => ({ ...f, ownerId: v ?? undefined }))}
        placeholder="Anyone"
        w={{ base: "100%", xs: 170 }}
        data-testid="filter-owner"
      />
      <TextInput
        type="date"
        label="Closing from"
        value={filters.closeFrom ?? ""}
        onChange={(e) => setFilters((f) => ({ ...f, closeFrom: e.currentTarget.value || undefined }))}
        w={{ base: "47%", xs: 150 }}
        data-testid="filter-close-from"
      />
      <TextInput
        type="date"
        label="to"
        value={filters.closeTo ?? ""}
        onChange={(e) => setFilters((f) => ({ ...f, closeTo: e.currentTarget.value || undefined }))}
        w={{ base: "47%", xs: 150 }}
        data-testid="filter-close-to"
      />
      <NumberInput
        label="Amount from"
        min={0}
        value={filters.amountMin ?? ""}
        onChange={(v) => setFilters((f) => ({ ...f, amountMin: v === "" ? undefined : String(v) }))}
        w={{ base: "47%", xs: 120 }}
        data-testid="filter-amount-min"
      />
      <NumberInput
        label="to"
        min={0}
        value={filters.amountMax ?? ""}
        onChange={(v) => setFilters((f) => ({ ...f, amountMax: v === "" ? undefined : String(v) }))}
        w={{ base: "47%", xs: 120 }}
        data-testid="filter-amount-max"
      />
      {(Object.values(filters).some(Boolean) || q) && (
        <Button
          variant="subtle"
          onClick={() => {
            setFilters({});
            setQ("");
          }}
        >
          Clear
        </Button>
      )}
    </Group>
  );

  return (
    <Stack gap="md" data-testid="deals-page">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group gap="sm" wrap="wrap">
          <Title order={2}>Deals</Title>
          {(pipelines.data?.length ?? 0) > 1 && (
            <Select
              aria-label="Pipeline"
              data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
              value={pipeline?.id ?? null}
              onChange={setPipelineId}
              allowDeselect={false}
              w={200}
              data-testid="pipeline-select"
            />
          )}
        </Group>
        <Group gap="sm">
          <SegmentedControl
            value={view}
            onChange={(v) => setView(v as "board" | "table")}
            data={[
              {
                value: "board",
                label: (
                  <Group gap={4} wrap="nowrap">
                    <IconLayoutKanban size={16} /> Board
                  </Group>
                ),
              },
              {
                value: "table",
                label: (
                  <Group gap={4} wrap="nowrap">
                    <IconTable size={16} /> Table
                  </Group>
                ),
              },
            ]}
            data-testid="deals-view"
          />
          {pipeline && <DealExportMenu pipelineId={pipeline.id} filters={effective} />}
          {canCreate && (
            <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)} aria-keyshortcuts="c" data-testid="new-deal">
              New deal
            </Button>
          )}
        </Group>
      </Group>
      {filterBar}
      {drill && (
        <Alert color="blue" variant="light" data-testid="drill-banner" title="Records behind a report">
          <Group justify="space-between" wrap="nowrap">
            <Text fz="sm">{search.drill ?? "Filtered by a report"}</Text>
            <Button size="compact-sm" variant="subtle" onClick={() => void navigate({ to: "/deals", search: {} as never })}>
              Show all deals
            </Button>
          </Group>
        </Alert>
      )}
      {pipelines.isError ? (
        <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not load pipelines">
          {pipelines.error.message}
        </Alert>
      ) : !pipeline ? (
        <BoardSkeleton />
      ) : view === "board" ? (
        <BoardView pipelineId={pipeline.id} filters={effective} canWrite={may("deal", "edit")} onCreate={() => setCreating(true)} />
      ) : (
        <DealTable pipelineId={pipeline.id} filters={effective} onOpen={(id) => void navigate({ to: "/deals/$id", params: { id } })} />
      )}
      <DealFormDrawer
        opened={creating}
        onClose={() => setCreating(false)}
        deal={null}
        defaults={pipeline ? { pipelineId: pipeline.id } : {}}
        onSaved={() => qc.invalidateQueries({ queryKey: ["deals", "board"] })}
      />
    </Stack>
  );
}

function BoardSkeleton() {
  return (
    <Group gap="sm" wrap="nowrap" align="flex-start" style={{ overflow: "hidden" }}>
      {[0, 1, 2, 3].map((i) => (
        <Skeleton key={i} h={320} w={280} radius="md" style={{ flex: "0 0 280px" }} />
      ))}
    </Group>
  );
}

function BoardView({ pipelineId, filters, canWrite, onCreate }: { pipelineId: string; filters: BoardFilters; canWrite: boolean; onCreate: () => void }) {
  const qc = useQueryClient();
  const board = useQuery(boardQuery(pipelineId, filters));
  // Cards fetched with "load more", per stage; cleared whenever the board itself reloads.
  const [more, setMore] = useState<Record<string, { cards: BoardCard[]; nextCursor: string | null }>>({});
  const [loadingMore, setLoadingMore] = useState<string | null>(null);
  const [dragging, setDragging] = useState<BoardCard | null>(null);
  const [pending, setPending] = useState<PendingMove | null>(null);
  const [announcement, setAnnouncement] = useState("");
  // biome-ignore lint/correctness/useExhaustiveDependencies: new board data replaces the extra pages
  useEffect(() => setMore({}), [board.dataUpdatedAt]);

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 6 } }),
    // Instant scrolling: a smooth scroll still running when the card is dropped would drop it in the old column.
    useSensor(KeyboardSensor, { coordinateGetter: columnKeyboardCoordinates, scrollBehavior: "auto" }),
  );
  const key = boardKey(pipelineId, filters);
  const stages = board.data?.pipeline.stages ?? [];
  const stageName = (id: string | number | undefined) => stages.find((s) => s.id === id)?.name ?? "";

  const move = useMutation({
    mutationFn: ({ card, to, lostReason }: PendingMove & { lostReason?: string }) =>
      api.post<Deal>(`/api/v1/deals/${card.id}/stage`, { stageId: to.id, ...(lostReason ? { lostReason } : {}) }),
    onMutate: async ({ card, to }) => {
      await qc.cancelQueries({ queryKey: key });
      const previous = qc.getQueryData<Board>(key);
      // Optimistic: the card jumps at once; on refusal the snapshot puts it back.
      qc.setQueryData<Board>(key, (b) => (b ? moveCard(b, card, to.id) : b));
      setMore((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { ...v, cards: v.cards.filter((c) => c.id !== card.id) }])));
      return { previous };
    },
    onError: (e, { card }, context) => {
      if (context?.previous) qc.setQueryData(key, context.previous);
      notifyError(e, `Could not move “${card.name}”`);
      setAnnouncement(`Move refused: ${card.name} stays where it was.`);
    },
    onSuccess: (deal) => {
      setAnnouncement(`${deal.name} moved to ${deal.stageName}.`);
      void offerToClosePlaybookTasks(deal, qc);
    },
    onSettled: (_d, _e, { card }) => {
      qc.invalidateQueries({ queryKey: ["deals", "board", pipelineId] });
      qc.invalidateQueries({ queryKey: ["deals", "record", card.id] });
      qc.invalidateQueries({ queryKey: ["tasks"] });
      qc.invalidateQueries({ queryKey: ["forecast"] });
    },
  });

  const requestMove = (card: BoardCard, toStageId: string) => {
    const to = stages.find((s) => s.id === toStageId);
    if (!to || card.stageId === to.id) return;
    if (to.type === "lost") setPending({ card, to });
    else move.mutate({ card, to });
  };

  const onDragStart = (e: DragStartEvent) => setDragging((e.active.data.current as { card: BoardCard }).card);
  const onDragEnd = (e: DragEndEvent) => {
    lastDragEnd = Date.now();
    setDragging(null);
    const card = (e.active.data.current as { card: BoardCard } | undefined)?.card;
    if (card && e.over) requestMove(card, String(e.over.id));
  };

  if (board.isPending) return <BoardSkeleton />;
  if (board.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not load the board">
        <Group justify="space-between">
          <Text fz="sm">{board.error.message}</Text>
          <Button size="xs" variant="light" onClick={() => board.refetch()}>
            Retry
          </Button>
        </Group>
      </Alert>
    );
  const total = board.data.columns.reduce((n, c) => n + c.count, 0);
  const filtered = Object.values(filters).some(Boolean);

  return (
    <>
      {total === 0 && (
        <EmptyHint
          icon={<IconTargetArrow size={28} />}
          title={filtered ? "No deals match these filters" : "No deals in this pipeline yet"}
          description={
            <Text fz="sm" c="dimmed" maw={460} mx="auto">
              {filtered
                ? "Clear a filter or widen the date and amount ranges."
                : "A deal is an opportunity you are working to win. Create one, then drag it from stage to stage as it progresses — each stage can create follow-up tasks for you."}
            </Text>
          }
          actionLabel={canWrite && !filtered ? "Create your first deal" : undefined}
          onAction={onCreate}
        />
      )}
      <div aria-live="polite" className="visually-hidden" style={{ position: "absolute", width: 1, height: 1, overflow: "hidden", clip: "rect(0 0 0 0)" }}>
        {announcement}
      </div>
      <DndContext
        sensors={sensors}
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        onDragCancel={() => {
          lastDragEnd = Date.now();
          setDragging(null);
        }}
        accessibility={{
          screenReaderInstructions: {
            draggable:
              "To move this deal, press Space or Enter. Use the arrow keys to choose a stage, then Space or Enter to drop it there, or Escape to cancel.",
          },
          announcements: {
            onDragStart: ({ active }) => `Picked up ${(active.data.current as { card: BoardCard }).card.name}.`,
            onDragOver: ({ over }) => (over ? `Over ${stageName(over.id)}.` : "Not over a stage."),
            onDragEnd: ({ over }) => (over ? `Dropped in ${stageName(over.id)}.` : "Dropped outside the board."),
            onDragCancel: () => "Move cancelled.",
          },
        }}
      >
        <ScrollArea type="auto" offsetScrollbars scrollbarSize={10} data-testid="deal-board">
          <Group gap="sm" wrap="nowrap" align="flex-start" pb="sm">
            {board.data.columns.map((col) => {
              const extra = more[col.stage.id];
              const cards = [...col.cards, ...(extra?.cards ?? []).filter((c) => !col.cards.some((x) => x.id === c.id))];
              const cursor = extra ? extra.nextCursor : col.nextCursor;
              return (
                <BoardColumn
                  key={col.stage.id}
                  column={col}
                  cards={cards}
                  stages={stages}
                  canWrite={canWrite}
                  hasMore={Boolean(cursor)}
                  loadingMore={loadingMore === col.stage.id}
                  onLoadMore={async () => {
                    if (!cursor) return;
                    setLoadingMore(col.stage.id);
                    try {
                      const page = await fetchMoreCards(pipelineId, col.stage.id, filters, cursor);
                      setMore((m) => ({ ...m, [col.stage.id]: { cards: [...(m[col.stage.id]?.cards ?? []), ...page.data], nextCursor: page.nextCursor } }));
                    } catch (e) {
                      notifyError(e, "Could not load more deals");
                    } finally {
                      setLoadingMore(null);
                    }
                  }}
                  onMove={requestMove}
                />
              );
            })}
          </Group>
        </ScrollArea>
        <DragOverlay dropAnimation={null}>{dragging ? <CardBody card={dragging} lifted /> : null}</DragOverlay>
      </DndContext>
      <LostReasonModal
        opened={Boolean(pending)}
        dealName={pending?.card.name ?? ""}
        stageName={pending?.to.name ?? ""}
        onCancel={() => {
          if (pending) setAnnouncement(`${pending.card.name} stays where it was.`);
          setPending(null);
        }}
        onConfirm={(lostReason) => {
          if (pending) move.mutate({ ...pending, lostReason });
          setPending(null);
        }}
      />
    </>
  );
}

/** The board after moving one card: counts and totals follow it so the columns add up until the server answers. */
function moveCard(b: Board, card: BoardCard, toStageId: string): Board {
  const amount = Number(card.amount ?? 0);
  return {
    ...b,
    columns: b.columns.map((col) => {
      const isFrom = col.stage.id === card.stageId;
      const isTo = col.stage.id === toStageId;
      if (!isFrom && !isTo) return col;
      const sign = isTo ? 1 : -1;
      const totals = col.totals.some((t) => t.currency === card.currency)
        ? col.totals.map((t) =>
            t.currency === card.currency
              ? {
                  ...t,
                  amount: (Number(t.amount) + sign * amount).toFixed(2),
                  weighted: ((Number(t.amount) + sign * amount) * (col.stage.probability / 100)).toFixed(2),
                }
              : t,
          )
        : isTo && card.amount
          ? [...col.totals, { currency: card.currency, amount: amount.toFixed(2), weighted: ((amount * col.stage.probability) / 100).toFixed(2) }]
          : col.totals;
      return {
        ...col,
        count: col.count + sign,
        totals,
        cards: isTo ? [{ ...card, stageId: toStageId }, ...col.cards] : col.cards.filter((c) => c.id !== card.id),
      };
    }),
  };
}

function BoardColumn({
  column,
  cards,
  stages,
  canWrite,
  hasMore,
  loadingMore,
  onLoadMore,
  onMove,
}: {
  column: Column;
  cards: BoardCard[];
  stages: Stage[];
  canWrite: boolean;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
  onMove: (card: BoardCard, toStageId: string) => void;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stage.id });
  const { mayRecord } = usePermissions();
  const { total, weighted } = totalsLine(column);
  return (
    <Card
      ref={setNodeRef}
      withBorder
      radius="md"
      padding="xs"
      w={280}
      style={{
        flex: "0 0 280px",
        background: isOver ? "var(--mantine-color-blue-light)" : "var(--mantine-color-default-hover)",
        transition: "background 120ms",
      }}
      data-testid={`board-column-${column.stage.name}`}
      aria-label={`${column.stage.name}: ${column.count} deals`}
    >
      <Stack gap={4} mb="xs" px={4}>
        <Group justify="space-between" wrap="nowrap">
          <Group gap={6} wrap="nowrap" miw={0}>
            <Box w={8} h={8} style={{ borderRadius: "50%", flex: "none", background: `var(--mantine-color-${stageColor[column.stage.type]}-6)` }} aria-hidden />
            <Text fw={600} fz="sm" truncate>
              {column.stage.name}
            </Text>
            <Badge size="sm" variant="light" color="gray" data-testid="column-count">
              {column.count}
            </Badge>
          </Group>
          <Tooltip label="Win probability">
            <Text fz="xs" c="dimmed">
              {column.stage.probability}%
            </Text>
          </Tooltip>
        </Group>
        <Text fz="xs" c="dimmed" data-testid="column-total">
          {total} · <span title="Probability-weighted">weighted {weighted}</span>
        </Text>
      </Stack>
      <Stack gap={6} mih={60}>
        {cards.map((card) => (
          <DraggableCard key={card.id} card={card} stages={stages} canWrite={canWrite && mayRecord("deal", "edit", card)} onMove={onMove} />
        ))}
        {cards.length === 0 && (
          <Text fz="xs" c="dimmed" ta="center" py="md">
            {canWrite ? "Drop a deal here" : "No deals"}
          </Text>
        )}
        {hasMore && (
          <Button variant="subtle" size="xs" onClick={onLoadMore} loading={loadingMore} data-testid="load-more">
            Load more ({column.count - cards.length} more)
          </Button>
        )}
      </Stack>
    </Card>
  );
}

const DraggableCard = memo(function DraggableCard({
  card,
  stages,
  canWrite,
  onMove,
}: {
  card: BoardCard;
  stages: Stage[];
  canWrite: boolean;
  onMove: (card: BoardCard, toStageId: string) => void;
}) {
  // A group, not dnd-kit's default role="button": the card holds its own link and menu, and a button may not.
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({
    id: card.id,
    data: { card, stageId: card.stageId },
    disabled: !canWrite,
    attributes: { role: "group" },
  });
  return (
    <div
      ref={setNodeRef}
      {...listeners}
      {...attributes}
      style={{ opacity: isDragging ? 0.4 : 1, outlineOffset: 2 }}
      data-testid="deal-card"
      data-deal-name={card.name}
    >
      <CardBody card={card} stages={stages} canWrite={canWrite} onMove={onMove} />
    </div>
  );
});

/** When the last drag ended: the click that can follow a drop on the title must not open the deal. */
let lastDragEnd = 0;

function CardBody({
  card,
  stages,
  canWrite,
  onMove,
  lifted,
}: {
  card: BoardCard;
  stages?: Stage[];
  canWrite?: boolean;
  onMove?: (card: BoardCard, toStageId: string) => void;
  lifted?: boolean;
}) {
  return (
    <Card withBorder radius="sm" padding="xs" shadow={lifted ? "md" : "xs"} style={{ cursor: canWrite ? "grab" : "default" }}>
      <Group justify="space-between" wrap="nowrap" gap={4} align="flex-start">
        <AnchorLink
          to="/deals/$id"
          params={{ id: card.id }}
          fz="sm"
          fw={500}
          lineClamp={2}
          c="var(--mantine-color-text)"
          underline="hover"
          // The title starts a drag like the rest of the card (the sensor waits for 6 px of movement, so a
          // plain click still opens the deal); the browser's own link dragging would cancel the pointer.
          draggable={false}
          onClick={(e: React.MouseEvent) => {
            if (Date.now() - lastDragEnd < 300) e.preventDefault();
          }}
          data-testid="deal-card-link"
        >
          {card.name}
        </AnchorLink>
        {canWrite && stages && onMove && (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon
                variant="subtle"
                color="gray"
                size="sm"
                aria-label={`Move ${card.name} to stage`}
                onPointerDown={(e) => e.stopPropagation()}
                onKeyDown={(e) => e.stopPropagation()}
                data-testid="card-move-menu"
              >
                <IconDots size={14} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Label>
                <Group gap={4}>
                  <IconArrowsRightLeft size={12} /> Move to stage
                </Group>
              </Menu.Label>
              {stages.map((s) => (
                <Menu.Item
                  key={s.id}
                  disabled={s.id === card.stageId}
                  onClick={() => onMove(card, s.id)}
                  color={s.type === "lost" ? "red" : undefined}
                  data-testid="move-to-stage"
                >
                  {s.name}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
        )}
      </Group>
      {card.companyName && (
        <Text fz="xs" c="dimmed" truncate>
          {card.companyName}
        </Text>
      )}
      <Group justify="space-between" mt={4} gap={4} wrap="nowrap">
        <Text fz="sm" fw={600}>
          {card.amount ? (
            formatMoney(card.amount, card.currency)
          ) : (
            <Text span fz="xs" c="dimmed">
              No amount
            </Text>
          )}
        </Text>
        {card.expectedCloseDate && (
          <Group gap={2} wrap="nowrap">
            <IconCalendar size={12} color="var(--mantine-color-dimmed)" />
            <Text fz="xs" c={card.status === "open" && card.expectedCloseDate < dayKey(today()) ? "red" : "dimmed"}>
              {formatDate(card.expectedCloseDate)}
            </Text>
          </Group>
        )}
      </Group>
      {card.ownerName && (
        <Text fz="xs" c="dimmed" truncate>
          {card.ownerName}
        </Text>
      )}
    </Card>
  );
}
