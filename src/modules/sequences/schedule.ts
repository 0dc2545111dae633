import type { SendingWindow } from "../../contract/sequences.js";
import { offsetMinutes, partsIn } from "../../core/time-zone.js";

/**
 * Business hours on the recipient's wall clock: the first instant at or after `from` that falls on one of the window's
 * days, between its start (inclusive) and end (exclusive). Daylight-saving changes are handled by asking the zone for
 * its offset at the candidate instant.
 */

const DAY = 86_400_000;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The instant a wall-clock date and minute of the day read in a zone (the earlier one in a repeated hour). */
export function instantAt(year: number, month: number, day: number, minuteOfDay: number, tz: string): Date {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  // Two passes settle the offset across a change (the guess's offset may be that of the other side).
  let guess = wall - offsetMinutes(new Date(wall), tz) * 60_000;
  guess = wall - offsetMinutes(new Date(guess), tz) * 60_000;
  return new Date(guess);
}

/** ISO weekday (1 Monday … 7 Sunday) of a wall-clock date. */
const isoWeekday = (year: number, month: number, day: number) => ((new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7) + 1;

export function nextSendTime(from: Date, window: SendingWindow, tz: string): Date {
  const start = minutesOf(window.start);
  const end = minutesOf(window.end);
  const days = new Set(window.days);
  for (let i = 0; i < 8; i++) {
    const probe = new Date(from.getTime() + i * DAY);
    const p = partsIn(probe, tz);
    const [y, m, d] = [p.year as number, p.month as number, p.day as number];
    if (!days.has(isoWeekday(y, m, d))) continue;
    if (i > 0) return instantAt(y, m, d, start, tz);
    const minute = ((p.hour as number) % 24) * 60 + (p.minute as number);
    if (minute < start) return instantAt(y, m, d, start, tz);
    if (minute < end) return from;
  }
  // Unreachable with at least one day; kept total.
  return from;
}

export const inWindow = (at: Date, window: SendingWindow, tz: string): boolean => nextSendTime(at, window, tz).getTime() === at.getTime();

/** A valid IANA zone name, or null. */
export function validZone(tz: unknown): string | null {
  if (typeof tz !== "string" || !tz.trim()) return null;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz.trim() });
    return tz.trim();
  } catch {
    return null;
  }
}

/** Custom-field keys read as a contact's own time zone (an IANA name such as Europe/Warsaw). */
export const contactZoneKeys = ["time_zone", "timezone", "timeZone"] as const;

export function contactZone(custom: Record<string, unknown> | null | undefined): string | null {
  for (const k of contactZoneKeys) {
    const z = validZone(custom?.[k]);
    if (z) return z;
  }
  return null;
}
