import { Checkbox, Loader, Text, UnstyledButton } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconArrowDown, IconArrowUp, IconSelector } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, type ReactNode, useEffect, useMemo, useRef } from "react";
import { InlineField } from "./inline/InlineField.js";
import type { EditableRecord } from "./inline/types.js";
import classes from "./RecordTable.module.css";
import type { ColumnDef, RenderCtx } from "./types.js";

export interface MobileRow {
  title: ReactNode;
  subtitle?: ReactNode;
  aside?: ReactNode;
}

interface Props<T extends { id: string }> {
  rows: T[];
  columns: ColumnDef<T>[];
  ctx: RenderCtx;
  sort: string;
  onSort: (sort: string) => void;
  selectable: boolean;
  selected: Set<string>;
  onToggle: (id: string, range: boolean) => void;
  onToggleAll: (all: boolean) => void;
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => void;
  onOpen: (row: T) => void;
  rowActions?: (row: T) => ReactNode;
  mobileRow: (row: T) => MobileRow;
  label: string;
  /** Changes when the query changes (search, filters, sort): the list scrolls back to the top. */
  scrollKey: string;
}

const CHECK_W = 44;
const ACTIONS_W = 120;

/**
 * A windowed table: only the visible rows are in the DOM, so a list stays smooth at 100k rows.
 * Rows load page by page (cursor API) as the user scrolls near the end. On phones the rows turn
 * into two-line items and the header is hidden (sorting moves to the toolbar's sort menu).
 */
export function RecordTable<T extends { id: string }>(props: Props<T>) {
  const { rows, columns, ctx, selectable, selected, hasNextPage, isFetchingNextPage, fetchNextPage } = props;
  const isPhone = useMediaQuery("(max-width: 48em)", false, { getInitialValueInEffect: false }) ?? false;
  const rowHeight = isPhone ? 62 : 44;
  const scrollRef = useRef<HTMLDivElement>(null);

  const count = rows.length + (hasNextPage ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 10,
  });

  // Row height changes with the layout (phone/desktop): re-measure.
  // biome-ignore lint/correctness/useExhaustiveDependencies: rowHeight is the trigger
  useEffect(() => {
    virtualizer.measure();
  }, [rowHeight, virtualizer]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scrollKey is the trigger
  useEffect(() => {
    scrollRef.current?.scrollTo({ top: 0 });
  }, [props.scrollKey]);

  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? (items[items.length - 1]?.index ?? 0) : 0;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && lastIndex >= rows.length - 15) fetchNextPage();
  }, [lastIndex, rows.length, hasNextPage, isFetchingNextPage, fetchNextPage]);

  // Stable between scroll frames, so the memoised header and rows below re-render only when they change: a scroll
  // frame then renders the rows entering the window, not every visible row and the header (the bench's 3 s scroll
  // of the 1m contacts list dropped 51 of 117 frames when every frame re-rendered them all).
  const gridStyle = useMemo(() => {
    const template = [selectable ? `${CHECK_W}px` : null, ...columns.map((c) => `${c.width}px`), props.rowActions ? `${ACTIONS_W}px` : null]
      .filter(Boolean)
      .join(" ");
    const minWidth = (selectable ? CHECK_W : 0) + columns.reduce((s, c) => s + c.width, 0) + (props.rowActions ? ACTIONS_W : 0);
    return { gridTemplateColumns: `${template} 1fr`, minWidth: `${minWidth}px` };
  }, [selectable, columns, props.rowActions]);
  const minWidth = gridStyle.minWidth;

  const { allSelected, someSelected } = useMemo(() => {
    const all = rows.length > 0 && rows.every((r) => selected.has(r.id));
    return { allSelected: all, someSelected: !all && rows.some((r) => selected.has(r.id)) };
  }, [rows, selected]);

  return (
    <div ref={scrollRef} className={classes.scroll} data-testid="record-table" data-phone={isPhone || undefined}>
      <table className={classes.table} aria-label={props.label} aria-rowcount={hasNextPage ? -1 : rows.length + 1}>
        {!isPhone && (
          <Header
            columns={columns}
            sort={props.sort}
            onSort={props.onSort}
            selectable={selectable}
            allSelected={allSelected}
            someSelected={someSelected}
            onToggleAll={props.onToggleAll}
            hasActions={Boolean(props.rowActions)}
            gridStyle={gridStyle}
          />
        )}
        <tbody className={classes.tbody} style={{ height: virtualizer.getTotalSize(), minWidth: isPhone ? undefined : minWidth }}>
          {items.map((vi) => {
            const row = rows[vi.index];
            const style = { transform: `translateY(${vi.start}px)`, height: vi.size };
            if (!row) {
              return (
                <tr key="loader" className={classes.loaderRow} style={style}>
                  <td>
                    {isFetchingNextPage ? (
                      <Loader size="xs" />
                    ) : (
                      <Text fz="xs" c="dimmed">
                        Loading more…
                      </Text>
                    )}
                  </td>
                </tr>
              );
            }
            const isSelected = selected.has(row.id);
            if (isPhone) {
              const m = props.mobileRow(row);
              const open = (e: React.MouseEvent) => openUnlessControl(e, () => props.onOpen(row));
              return (
                <tr key={row.id} className={classes.phoneRow} style={style} data-selected={isSelected || undefined} onClick={open} data-testid="record-row">
                  {selectable && (
                    <td data-no-open>
                      <Checkbox size="sm" checked={isSelected} onChange={() => props.onToggle(row.id, false)} aria-label="Select row" />
                    </td>
                  )}
                  <td className={classes.phoneMain}>
                    <UnstyledButton className={classes.phoneTitle} onClick={() => props.onOpen(row)} data-testid="row-open">
                      {m.title}
                    </UnstyledButton>
                    {m.subtitle && <div className={classes.phoneSub}>{m.subtitle}</div>}
                  </td>
                  {m.aside && <td className={classes.phoneAside}>{m.aside}</td>}
                  {props.rowActions && <td data-no-open>{props.rowActions(row)}</td>}
                </tr>
              );
            }
            return (
              <DesktopRow
                key={row.id}
                row={row}
                start={vi.start}
                size={vi.size}
                gridStyle={gridStyle}
                selectable={selectable}
                isSelected={isSelected}
                columns={columns}
                ctx={ctx}
                onOpen={props.onOpen}
                onToggle={props.onToggle}
                rowActions={props.rowActions}
              />
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const isEditable = (row: { id: string }): row is EditableRecord => "deletedAt" in row;

/** Clicking anywhere on a row opens the record, except on its controls; the name cell holds a real link for keyboards. */
function openUnlessControl(e: React.MouseEvent, open: () => void): void {
  if ((e.target as HTMLElement).closest("a,button,input,label,[data-no-open]")) return;
  open();
}

type GridStyle = { gridTemplateColumns: string; minWidth: string };

interface HeaderProps<T extends { id: string }> {
  columns: ColumnDef<T>[];
  sort: string;
  onSort: (sort: string) => void;
  selectable: boolean;
  allSelected: boolean;
  someSelected: boolean;
  onToggleAll: (all: boolean) => void;
  hasActions: boolean;
  gridStyle: GridStyle;
}

const Header = memo(function Header<T extends { id: string }>({
  columns,
  sort,
  onSort,
  selectable,
  allSelected,
  someSelected,
  onToggleAll,
  hasActions,
  gridStyle,
}: HeaderProps<T>) {
  return (
    <thead className={classes.thead}>
      <tr className={classes.headerRow} style={gridStyle}>
        {selectable && (
          <th className={`${classes.cell} ${classes.checkCell} ${classes.stickyCheck}`}>
            <Checkbox
              size="xs"
              checked={allSelected}
              indeterminate={someSelected}
              onChange={(e) => onToggleAll(e.currentTarget.checked)}
              aria-label="Select all loaded rows"
              data-testid="select-all"
            />
          </th>
        )}
        {columns.map((col, i) => {
          const dir = sort === col.sortKey ? "asc" : sort === `-${col.sortKey}` ? "desc" : null;
          const sticky = i === 0 ? (selectable ? classes.stickyName : classes.stickyFirst) : "";
          return (
            <th
              key={col.id}
              className={`${classes.cell} ${classes.headCell} ${sticky}`}
              aria-sort={dir === "asc" ? "ascending" : dir === "desc" ? "descending" : undefined}
              data-align={col.align}
            >
              {col.sortKey ? (
                <UnstyledButton
                  className={classes.sortButton}
                  onClick={() => onSort(dir === "asc" ? `-${col.sortKey}` : dir === "desc" ? "" : (col.sortKey ?? ""))}
                  data-testid={`sort-${col.id}`}
                  title={`Sort by ${col.label}`}
                >
                  <span className={classes.headLabel}>{col.label}</span>
                  {dir === "asc" ? (
                    <IconArrowUp size={14} />
                  ) : dir === "desc" ? (
                    <IconArrowDown size={14} />
                  ) : (
                    <IconSelector size={14} className={classes.sortHint} />
                  )}
                </UnstyledButton>
              ) : (
                <span className={classes.headLabel}>{col.label}</span>
              )}
            </th>
          );
        })}
        {hasActions && (
          <th className={`${classes.cell} ${classes.headCell} ${classes.stickyActions}`}>
            <span className={classes.srOnly}>Actions</span>
          </th>
        )}
        <td className={`${classes.cell} ${classes.headCell}`} aria-hidden />
      </tr>
    </thead>
  );
}) as <T extends { id: string }>(props: HeaderProps<T>) => ReactNode;

interface DesktopRowProps<T extends { id: string }> {
  row: T;
  start: number;
  size: number;
  gridStyle: GridStyle;
  selectable: boolean;
  isSelected: boolean;
  columns: ColumnDef<T>[];
  ctx: RenderCtx;
  onOpen: (row: T) => void;
  onToggle: (id: string, range: boolean) => void;
  rowActions?: (row: T) => ReactNode;
}

const DesktopRow = memo(function DesktopRow<T extends { id: string }>({
  row,
  start,
  size,
  gridStyle,
  selectable,
  isSelected,
  columns,
  ctx,
  onOpen,
  onToggle,
  rowActions,
}: DesktopRowProps<T>) {
  const open = (e: React.MouseEvent) => openUnlessControl(e, () => onOpen(row));
  return (
    <tr
      className={classes.row}
      style={{ transform: `translateY(${start}px)`, height: size, ...gridStyle }}
      aria-selected={selectable ? isSelected : undefined}
      data-selected={isSelected || undefined}
      onClick={open}
      data-testid="record-row"
    >
      {selectable && (
        <td className={`${classes.cell} ${classes.checkCell} ${classes.stickyCheck}`}>
          <Checkbox size="xs" checked={isSelected} onChange={() => undefined} onClick={(e) => onToggle(row.id, e.shiftKey)} aria-label="Select row" />
        </td>
      )}
      {columns.map((col, i) => (
        <td key={col.id} className={`${classes.cell} ${i === 0 ? (selectable ? classes.stickyName : classes.stickyFirst) : ""}`} data-align={col.align}>
          {col.edit && ctx.editObject && isEditable(row) ? (
            <InlineField object={ctx.editObject} record={row} spec={col.edit} display={col.render(row, ctx)} variant="cell" />
          ) : (
            col.render(row, ctx)
          )}
        </td>
      ))}
      {rowActions && (
        <td className={`${classes.cell} ${classes.stickyActions}`} data-no-open>
          {rowActions(row)}
        </td>
      )}
      <td className={classes.cell} aria-hidden />
    </tr>
  );
}) as <T extends { id: string }>(props: DesktopRowProps<T>) => ReactNode;
