/** Minutes in the grid's day; a day with a daylight-saving change still shows 24 wall-clock hours. */
export const DAY_MINUTES = 24 * 60;
/** Drags and resizes land on quarter hours. */
export const SNAP_MINUTES = 15;

export const snap = (minutes: number, step = SNAP_MINUTES): number => Math.round(minutes / step) * step;
export const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

export interface Span<T> {
  item: T;
  startMin: number;
  endMin: number;
}
export interface Placed<T> extends Span<T> {
  /** Column within its group of overlapping items, and how many columns that group has. */
  col: number;
  cols: number;
}

/**
 * Lays one day's items out side by side where they overlap: each group of items that overlap one another
 * (directly or through a chain) is split into as many columns as it needs at its busiest, every item in
 * the first column free at its start. Items that merely touch (one ends as the next starts) do not overlap.
 */
export function layoutDay<T>(spans: Span<T>[]): Placed<T>[] {
  const sorted = [...spans].sort((a, b) => a.startMin - b.startMin || b.endMin - b.startMin - (a.endMin - a.startMin));
  const out: Placed<T>[] = [];
  let group: Placed<T>[] = [];
  let columnsEnd: number[] = [];
  let groupEnd = -1;
  const close = () => {
    for (const p of group) p.cols = columnsEnd.length;
    out.push(...group);
    group = [];
    columnsEnd = [];
  };
  for (const s of sorted) {
    if (group.length && s.startMin >= groupEnd) close();
    let col = columnsEnd.findIndex((end) => end <= s.startMin);
    if (col < 0) col = columnsEnd.push(s.endMin) - 1;
    else columnsEnd[col] = s.endMin;
    group.push({ ...s, col, cols: 1 });
    groupEnd = group.length === 1 ? s.endMin : Math.max(groupEnd, s.endMin);
  }
  close();
  return out;
}
