import { Alert, Badge, Box, Button, Card, Group, Loader, Skeleton, Stack, Text, UnstyledButton } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconAlertCircle, IconChevronDown, IconChevronUp } from "@tabler/icons-react";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useEffect, useRef, useState } from "react";
import type { Deal } from "../../contract/index.js";
import { api } from "../http/client.js";
import { formatDate, formatMoney } from "../lib/format.js";
import { InlineField } from "../records/inline/InlineField.js";
import { dealSpecs } from "../records/inline/specs.js";
import type { EditSpec } from "../records/inline/types.js";
import type { BoardFilters } from "./api.js";

const ROW = 44;
const statusColor = { open: "blue", won: "teal", lost: "red" } as const;
type SortKey = "name" | "amount" | "expectedCloseDate" | "createdAt";

/** The board's deals as a virtualised table: keyset pages load as you scroll, so any pipeline size stays smooth. */
export function DealTable({ pipelineId, filters, onOpen }: { pipelineId: string; filters: BoardFilters; onOpen: (id: string) => void }) {
  const [sort, setSort] = useState<{ key: SortKey; desc: boolean }>({ key: "createdAt", desc: true });
  const isPhone = useMediaQuery("(max-width: 48em)");
  const deals = useInfiniteQuery({
    queryKey: ["deals", "list", pipelineId, filters, sort],
    queryFn: ({ pageParam, signal }) =>
      api.get<{ data: Deal[]; nextCursor: string | null }>(
        "/api/v1/deals",
        { pipelineId, ...filters, sort: `${sort.desc ? "-" : ""}${sort.key}`, limit: 100, cursor: pageParam ?? undefined },
        signal,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const rows = deals.data?.pages.flatMap((p) => p.data) ?? [];
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW, overscan: 10 });
  const items = virtual.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? 0;
  useEffect(() => {
    if (lastIndex >= rows.length - 20 && deals.hasNextPage && !deals.isFetchingNextPage) void deals.fetchNextPage();
  }, [lastIndex, rows.length, deals]);

  if (deals.isPending) return <Skeleton h={300} radius="md" />;
  if (deals.isError)
    return (
      <Alert color="red" icon={<IconAlertCircle size={16} />} title="Could not load deals">
        {deals.error.message}
      </Alert>
    );
  if (rows.length === 0)
    return (
      <Text c="dimmed" ta="center" py="xl" data-testid="deal-table-empty">
        No deals match. Clear the filters or create a deal.
      </Text>
    );

  const header = (key: SortKey, label: string) => (
    <UnstyledButton onClick={() => setSort((s) => ({ key, desc: s.key === key ? !s.desc : key !== "name" }))} aria-label={`Sort by ${label}`}>
      <Group gap={2} wrap="nowrap">
        <Text fz="sm" fw={600}>
          {label}
        </Text>
        {sort.key === key && (sort.desc ? <IconChevronDown size={14} /> : <IconChevronUp size={14} />)}
      </Group>
    </UnstyledButton>
  );
  // Cells edit in place on wide screens; on a phone the row is a summary and the deal's page edits.
  const cell = (d: Deal, spec: EditSpec<Deal>, display: ReactNode) =>
    isPhone ? display : <InlineField object="deal" record={d} spec={spec} display={display} variant="cell" />;
  const cols = isPhone ? "minmax(0,1fr) 110px" : "minmax(180px,2fr) 140px 130px 120px 150px minmax(120px,1fr)";

  return (
    <Card withBorder radius="md" padding={0} data-testid="deal-table">
      <Box style={{ display: "grid", gridTemplateColumns: cols, gap: 8, padding: "8px 12px", borderBottom: "1px solid var(--mantine-color-default-border)" }}>
        {header("name", "Deal")}
        {!isPhone && (
          <Text fz="sm" fw={600}>
            Stage
          </Text>
        )}
        {header("amount", "Amount")}
        {!isPhone && header("expectedCloseDate", "Close date")}
        {!isPhone && (
          <Text fz="sm" fw={600}>
            Owner
          </Text>
        )}
        {!isPhone && (
          <Text fz="sm" fw={600}>
            Company
          </Text>
        )}
      </Box>
      <div ref={scrollRef} style={{ height: "min(65vh, 720px)", overflow: "auto" }}>
        <div style={{ height: virtual.getTotalSize(), position: "relative" }}>
          {items.map((item) => {
            const d = rows[item.index] as Deal;
            return (
              // A click on the row opens the deal, except on its controls (the cells' edit buttons and their editors);
              // the name is the row's button for keyboards.
              // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: the name button is the keyboard route
              <div
                key={d.id}
                onClick={(e) => {
                  if (!(e.target as HTMLElement).closest("a,button,input,label,[data-no-open]")) onOpen(d.id);
                }}
                data-testid="deal-row"
                data-inline-row
                style={{
                  position: "absolute",
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW,
                  transform: `translateY(${item.start}px)`,
                  display: "grid",
                  gridTemplateColumns: cols,
                  gap: 8,
                  alignItems: "center",
                  padding: "0 12px",
                  borderBottom: "1px solid var(--mantine-color-default-border)",
                  cursor: "pointer",
                }}
              >
                <UnstyledButton onClick={() => onOpen(d.id)} miw={0} data-testid="deal-row-open">
                  <Text fz="sm" fw={500} truncate>
                    {d.name}
                  </Text>
                </UnstyledButton>
                {!isPhone && (
                  <Badge variant="light" color={statusColor[d.status]} tt="none" fw={500} style={{ justifySelf: "start" }}>
                    {d.stageName}
                  </Badge>
                )}
                {cell(d, dealSpecs.amount, <Text fz="sm">{formatMoney(d.amount, d.currency)}</Text>)}
                {!isPhone && cell(d, dealSpecs.closeDate, <Text fz="sm">{formatDate(d.expectedCloseDate)}</Text>)}
                {!isPhone &&
                  cell(
                    d,
                    dealSpecs.owner,
                    <Text fz="sm" truncate>
                      {d.ownerName ?? "—"}
                    </Text>,
                  )}
                {!isPhone &&
                  cell(
                    d,
                    dealSpecs.company,
                    <Text fz="sm" truncate c={d.companyName ? undefined : "dimmed"}>
                      {d.companyName ?? "—"}
                    </Text>,
                  )}
              </div>
            );
          })}
        </div>
        {deals.isFetchingNextPage && (
          <Group justify="center" p="xs">
            <Loader size="sm" />
          </Group>
        )}
      </div>
      {deals.hasNextPage && !deals.isFetchingNextPage && (
        <Stack p="xs" align="center">
          <Button variant="subtle" size="xs" onClick={() => deals.fetchNextPage()}>
            Load more
          </Button>
        </Stack>
      )}
    </Card>
  );
}
