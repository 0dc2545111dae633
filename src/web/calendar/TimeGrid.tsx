import { type PointerEvent as ReactPointerEvent, useEffect, useRef, useState } from "react";
import { type Day, dayKey, formatDay, formatTime, sameDay, startOf, today, zonedParts } from "../lib/dates.js";
import classes from "./Calendar.module.css";
import { clamp, DAY_MINUTES, layoutDay, SNAP_MINUTES, type Span, snap } from "./layout.js";

/** Height of one hour in the grid, in pixels. */
export const HOUR_PX = 48;
const HOURS = Array.from({ length: 24 }, (_, i) => i);
/** Tasks are points in time; they get a slot this long so they can be seen and clicked. */
const TASK_MINUTES = 30;
/** Below this many pixels of pointer travel a press is a click, not a drag. */
const DRAG_THRESHOLD = 4;

export interface GridItem {
  kind: "meeting" | "task";
  id: string;
  title: string;
  start: Date;
  end: Date | null;
  done: boolean;
  /** Whether this user may move and resize it (the server checks again). */
  editable: boolean;
}

interface Drag {
  item: GridItem;
  mode: "move" | "resize";
  pointerId: number;
  x: number;
  y: number;
  dayIndex: number;
  startMin: number;
  endMin: number;
  origDayIndex: number;
  origStartMin: number;
  origEndMin: number;
  moved: boolean;
}

const minutesOf = (d: Date) => {
  const p = zonedParts(d);
  return p.hour * 60 + p.minute;
};

function spanOf(i: GridItem, day: Day): Span<GridItem> {
  const startMin = minutesOf(i.start);
  if (i.kind === "task" || !i.end) return { item: i, startMin, endMin: Math.min(DAY_MINUTES, startMin + TASK_MINUTES) };
  // A meeting running past midnight is drawn to the end of its first day.
  const endsLater = i.end.getTime() >= startOf(day, 24).getTime();
  const endMin = endsLater ? DAY_MINUTES : minutesOf(i.end);
  return { item: i, startMin, endMin: Math.max(endMin, startMin + SNAP_MINUTES) };
}

const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;

/**
 * The day and week views: one column per day, meetings as blocks as tall as they last, overlapping ones side
 * by side. Drag a block to move it (to another time or day), its bottom edge to change its length, both
 * snapping to quarter hours; a click opens it. The date row stays at the top while the hours scroll.
 */
export function TimeGrid({
  days,
  items,
  onOpen,
  onSlot,
  onReschedule,
}: {
  days: Day[];
  items: GridItem[];
  onOpen: (i: GridItem) => void;
  onSlot: ((at: Date) => void) | null;
  onReschedule: (i: GridItem, start: Date, end: Date) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const columnsRef = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  // A drag ends with a click event on the same block: this swallows it.
  const swallowClick = useRef(false);
  const now = today();

  // Working hours first: the grid opens scrolled to 07:00 rather than midnight, again when the days change.
  const firstDay = days[0] ? dayKey(days[0]) : "";
  useEffect(() => {
    // A few pixels above the hour, so its label is not hidden under the date row.
    if (firstDay && scrollRef.current) scrollRef.current.scrollTop = 7 * HOUR_PX - 10;
  }, [firstDay]);

  const byDay = days.map((d) =>
    layoutDay(
      items
        .filter((i) => {
          const p = zonedParts(i.start);
          return p.year === d.year && p.month === d.month && p.day === d.day;
        })
        .map((i) => spanOf(i, d)),
    ),
  );

  const dayIndexAt = (clientX: number): number => {
    const rect = columnsRef.current?.getBoundingClientRect();
    if (!rect || days.length === 0) return 0;
    return clamp(Math.floor(((clientX - rect.left) / rect.width) * days.length), 0, days.length - 1);
  };

  const begin = (e: ReactPointerEvent<HTMLElement>, item: GridItem, mode: Drag["mode"], dayIndex: number, startMin: number, endMin: number) => {
    if (!item.editable || e.button !== 0) return;
    e.stopPropagation();
    e.currentTarget.setPointerCapture(e.pointerId);
    setDrag({
      item,
      mode,
      pointerId: e.pointerId,
      x: e.clientX,
      y: e.clientY,
      dayIndex,
      startMin,
      endMin,
      origDayIndex: dayIndex,
      origStartMin: startMin,
      origEndMin: endMin,
      moved: false,
    });
  };

  const move = (e: ReactPointerEvent<HTMLElement>) => {
    if (!drag || e.pointerId !== drag.pointerId) return;
    const dx = e.clientX - drag.x;
    const dy = e.clientY - drag.y;
    const moved = drag.moved || Math.abs(dx) > DRAG_THRESHOLD || Math.abs(dy) > DRAG_THRESHOLD;
    if (!moved) return;
    const delta = (dy / HOUR_PX) * 60;
    if (drag.mode === "move") {
      const length = drag.origEndMin - drag.origStartMin;
      const startMin = clamp(snap(drag.origStartMin + delta), 0, DAY_MINUTES - length);
      setDrag({ ...drag, moved, dayIndex: dayIndexAt(e.clientX), startMin, endMin: startMin + length });
    } else {
      const endMin = clamp(snap(drag.origEndMin + delta), drag.origStartMin + SNAP_MINUTES, DAY_MINUTES);
      setDrag({ ...drag, moved, endMin });
    }
  };

  const end = (e: ReactPointerEvent<HTMLElement>) => {
    if (!drag || e.pointerId !== drag.pointerId) return;
    setDrag(null);
    if (!drag.moved) return;
    swallowClick.current = true;
    const unchanged = drag.dayIndex === drag.origDayIndex && drag.startMin === drag.origStartMin && drag.endMin === drag.origEndMin;
    const day = days[drag.dayIndex];
    const item = drag.item;
    if (unchanged || !day || !item.end) return;
    if (drag.mode === "move") {
      const start = startOf(day, 0, drag.startMin);
      // The meeting keeps its real length, also when it runs past midnight and is drawn shorter.
      onReschedule(item, start, new Date(start.getTime() + (item.end.getTime() - item.start.getTime())));
    } else {
      onReschedule(item, item.start, startOf(day, 0, drag.endMin));
    }
  };

  const slotAt = (e: React.MouseEvent<HTMLDivElement>, day: Day) => {
    if (!onSlot) return;
    const rect = e.currentTarget.getBoundingClientRect();
    // Half-hour steps for a new meeting: a click lands where people aim.
    const minutes = clamp(Math.floor(((e.clientY - rect.top) / HOUR_PX) * 2) * 30, 0, DAY_MINUTES - 30);
    onSlot(startOf(day, 0, minutes));
  };

  return (
    <div ref={scrollRef} className={classes.grid} data-testid="cal-week">
      <div className={classes.gridHead} style={{ gridTemplateColumns: `56px repeat(${days.length}, minmax(0, 1fr))` }} data-testid="cal-date-row">
        <div className={classes.corner} />
        {days.map((d) => (
          <div key={dayKey(d)} className={`${classes.dayHead} ${sameDay(d, now) ? classes.today : ""}`} data-testid="cal-day-head">
            {formatDay(d, { weekday: "short", day: "numeric" })}
          </div>
        ))}
      </div>
      <div className={classes.gridBody} style={{ gridTemplateColumns: `56px minmax(0, 1fr)`, height: 24 * HOUR_PX }}>
        <div className={classes.gutter}>
          {HOURS.map((h) => (
            <div key={h} className={classes.hour} style={{ height: HOUR_PX }} data-hour-label={h}>
              {h === 0 ? "" : hhmm(h * 60)}
            </div>
          ))}
        </div>
        <div ref={columnsRef} className={classes.columns} style={{ gridTemplateColumns: `repeat(${days.length}, minmax(0, 1fr))` }}>
          {days.map((d, dayIndex) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the "Schedule meeting" button is the keyboard path
            // biome-ignore lint/a11y/noStaticElementInteractions: an empty slot is a click target for quick scheduling
            <div
              key={dayKey(d)}
              className={`${classes.column} ${onSlot ? classes.clickable : ""}`}
              style={{ backgroundSize: `100% ${HOUR_PX}px` }}
              onClick={(e) => slotAt(e, d)}
              data-testid="cal-day"
              data-day={dayKey(d)}
            >
              {(byDay[dayIndex] ?? []).map((p) => {
                const held = drag?.item.id === p.item.id && drag.item.kind === p.item.kind && drag.moved ? drag : null;
                // Dragged to another day, the block stays here faded (it holds the pointer capture) and a copy shows there.
                const away = held !== null && held.dayIndex !== dayIndex;
                const dragging = away ? null : held;
                const startMin = dragging ? dragging.startMin : p.startMin;
                const endMin = dragging ? dragging.endMin : p.endMin;
                const i = p.item;
                const height = Math.max(((endMin - startMin) / 60) * HOUR_PX - 2, 16);
                return (
                  <button
                    type="button"
                    key={`${i.kind}-${i.id}`}
                    className={`${classes.block} ${i.kind === "meeting" ? classes.meeting : classes.task} ${i.done ? classes.done : ""} ${
                      i.editable ? classes.movable : ""
                    } ${dragging ? classes.dragging : ""} ${away ? classes.ghost : ""}`}
                    style={{
                      top: (startMin / 60) * HOUR_PX,
                      height,
                      left: dragging ? 2 : `calc(${(p.col / p.cols) * 100}% + 2px)`,
                      width: dragging ? "calc(100% - 4px)" : `calc(${100 / p.cols}% - 4px)`,
                    }}
                    onPointerDown={(e) => begin(e, i, "move", dayIndex, p.startMin, p.endMin)}
                    onPointerMove={move}
                    onPointerUp={end}
                    onPointerCancel={() => setDrag(null)}
                    onClick={(e) => {
                      e.stopPropagation();
                      if (swallowClick.current) {
                        swallowClick.current = false;
                        return;
                      }
                      onOpen(i);
                    }}
                    title={`${hhmm(startMin)}–${hhmm(endMin)} ${i.title}`}
                    data-testid={`cal-${i.kind}`}
                    data-id={i.id}
                  >
                    <span className={classes.blockTitle}>
                      {i.kind === "task" ? "☐ " : ""}
                      {i.title}
                    </span>
                    {height >= 32 && (
                      <span className={classes.blockTime}>
                        {i.kind === "task" ? `due ${formatTime(i.start)}` : `${hhmm(startMin)} – ${endMin === DAY_MINUTES ? "24:00" : hhmm(endMin)}`}
                      </span>
                    )}
                    {i.kind === "meeting" && i.editable && (
                      <span
                        className={classes.resize}
                        aria-hidden
                        onPointerDown={(e) => begin(e, i, "resize", dayIndex, p.startMin, p.endMin)}
                        data-testid="cal-resize"
                      />
                    )}
                  </button>
                );
              })}
              {drag?.moved &&
                drag.dayIndex === dayIndex &&
                drag.origDayIndex !== dayIndex &&
                (() => {
                  const i = drag.item;
                  return (
                    <div
                      className={`${classes.block} ${classes.meeting} ${classes.dragging}`}
                      style={{
                        top: (drag.startMin / 60) * HOUR_PX,
                        height: ((drag.endMin - drag.startMin) / 60) * HOUR_PX - 2,
                        left: 2,
                        width: "calc(100% - 4px)",
                      }}
                    >
                      <span className={classes.blockTitle}>{i.title}</span>
                    </div>
                  );
                })()}
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
