import { Checkbox, Loader, Text, UnstyledButton } from "@mantine/core";
import { useMediaQuery } from "@mantine/hooks";
import { IconArrowDown, IconArrowUp, IconSelector } from "@tabler/icons-react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { type ReactNode, useEffect, useRef } from "react";
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

  const template = [selectable ? `${CHECK_W}px` : null, ...columns.map((c) => `${c.width}px`), props.rowActions ? `${ACTIONS_W}px` : null]
    .filter(Boolean)
    .join(" ");
  const minWidth = (selectable ? CHECK_W : 0) + columns.reduce((s, c) => s + c.width, 0) + (props.rowActions ? ACTIONS_W : 0);
  const gridStyle = { gridTemplateColumns: `${template} 1fr`, minWidth: `${minWidth}px` };

  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));
  const someSelected = !allSelected && rows.some((r) => selected.has(r.id));

  return (
    <div ref={scrollRef} className={classes.scroll} data-testid="record-table" data-phone={isPhone || undefined}>
      <table className={classes.table} aria-label={props.label} aria-rowcount={hasNextPage ? -1 : rows.length + 1}>
        {!isPhone && (
          <thead className={classes.thead}>
            <tr className={classes.headerRow} style={gridStyle}>
              {selectable && (
                <th className={`${classes.cell} ${classes.checkCell} ${classes.stickyCheck}`}>
                  <Checkbox
                    size="xs"
                    checked={allSelected}
                    indeterminate={someSelected}
                    onChange={(e) => props.onToggleAll(e.currentTarget.checked)}
                    aria-label="Select all loaded rows"
                    data-testid="select-all"
                  />
                </th>
              )}
              {columns.map((col, i) => {
                const dir = props.sort === col.sortKey ? "asc" : props.sort === `-${col.sortKey}` ? "desc" : null;
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
                        onClick={() => props.onSort(dir === "asc" ? `-${col.sortKey}` : dir === "desc" ? "" : (col.sortKey ?? ""))}
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
              {props.rowActions && (
                <th className={`${classes.cell} ${classes.headCell} ${classes.stickyActions}`}>
                  <span className={classes.srOnly}>Actions</span>
                </th>
              )}
              <td className={`${classes.cell} ${classes.headCell}`} aria-hidden />
            </tr>
          </thead>
        )}
        <tbody className={classes.tbody} style={{ height: virtualizer.getTotalSize(), minWidth: isPhone ? undefined : `${minWidth}px` }}>
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
            // Clicking anywhere on a row opens the record; the name cell holds a real link for keyboards.
            const open = (e: React.MouseEvent) => {
              if ((e.target as HTMLElement).closest("a,button,input,label,[data-no-open]")) return;
              props.onOpen(row);
            };
            if (isPhone) {
              const m = props.mobileRow(row);
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
              <tr
                key={row.id}
                className={classes.row}
                style={{ ...style, ...gridStyle }}
                aria-selected={selectable ? isSelected : undefined}
                data-selected={isSelected || undefined}
                onClick={open}
                data-testid="record-row"
              >
                {selectable && (
                  <td className={`${classes.cell} ${classes.checkCell} ${classes.stickyCheck}`}>
                    <Checkbox
                      size="xs"
                      checked={isSelected}
                      onChange={() => undefined}
                      onClick={(e) => props.onToggle(row.id, e.shiftKey)}
                      aria-label="Select row"
                    />
                  </td>
                )}
                {columns.map((col, i) => (
                  <td
                    key={col.id}
                    className={`${classes.cell} ${i === 0 ? (selectable ? classes.stickyName : classes.stickyFirst) : ""}`}
                    data-align={col.align}
                  >
                    {col.render(row, ctx)}
                  </td>
                ))}
                {props.rowActions && (
                  <td className={`${classes.cell} ${classes.stickyActions}`} data-no-open>
                    {props.rowActions(row)}
                  </td>
                )}
                <td className={classes.cell} aria-hidden />
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
