/**
 * Instants as a workspace's wall clock reads them, for what the server writes for people (exported files,
 * their names). The IANA rules come from the runtime's own ICU data, kept current with Node.
 */

const formats = new Map<string, Intl.DateTimeFormat>();
/** The wall-clock fields (year, month, day, hour, minute, second) of an instant in a zone. */
export function partsIn(date: Date, tz: string): Record<string, number> {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(tz, f);
  }
  const out: Record<string, number> = {};
  for (const p of f.formatToParts(date)) if (p.type !== "literal") out[p.type] = Number(p.value);
  return out;
}

/** Minutes the zone is ahead of UTC at that instant (negative west of Greenwich). */
export function offsetMinutes(date: Date, tz: string): number {
  const p = partsIn(date, tz);
  const wall = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, (p.hour ?? 0) % 24, p.minute ?? 0, p.second ?? 0);
  return Math.round((wall - Math.floor(date.getTime() / 1000) * 1000) / 60_000);
}

/** The same instant shifted so that its UTC fields read the zone's wall clock: what a spreadsheet cell (zone-less) should hold. */
export const wallClock = (date: Date, tz: string): Date => new Date(date.getTime() + offsetMinutes(date, tz) * 60_000);

const pad = (n: number) => String(Math.trunc(Math.abs(n))).padStart(2, "0");

/** ISO 8601 with the zone's offset ("2026-03-01T18:00:00.000+09:00"); UTC keeps its "Z". */
export function isoInZone(date: Date, tz: string): string {
  const offset = offsetMinutes(date, tz);
  if (offset === 0) return date.toISOString();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, -1);
  return `${local}${offset < 0 ? "-" : "+"}${pad(offset / 60)}:${pad(offset % 60)}`;
}

/** The calendar day (YYYY-MM-DD) an instant falls on in the zone. */
export const dayInZone = (date: Date, tz: string): string => wallClock(date, tz).toISOString().slice(0, 10);
