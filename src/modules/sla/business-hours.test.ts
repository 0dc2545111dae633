import { describe, expect, it } from "vitest";
import { CreateCalendarBody } from "../../contract/sla.js";
import { addBusinessTime, businessTimeBetween, type CalendarSpec, calendarProblems, isBusinessTime, zonedInstant } from "./business-hours.js";

const H = 3_600_000;
const M = 60_000;
const weekdays = [1, 2, 3, 4, 5];
/** Mon–Fri 09:00–12:30 and 13:30–18:00, the example of the issue. */
const office = (timeZone: string, holidays: string[] = []): CalendarSpec => ({
  timeZone,
  blocks: weekdays.flatMap((day) => [
    { day, start: "09:00", end: "12:30" },
    { day, start: "13:30", end: "18:00" },
  ]),
  holidays: holidays.map((date) => ({ date })),
});
const d = (iso: string) => new Date(iso);
const add = (c: CalendarSpec, start: string, ms: number) => addBusinessTime(c, d(start), ms).toISOString();

describe("business hours in Europe/Berlin (winter, UTC+1)", () => {
  const berlin = office("Europe/Berlin");
  it("carries time over the night and the weekend", () => {
    // Friday 2026-01-09 17:00 local: one hour left that day, the second on Monday from 09:00.
    expect(add(berlin, "2026-01-09T16:00:00Z", 2 * H)).toBe("2026-01-12T09:00:00.000Z");
    expect(businessTimeBetween(berlin, d("2026-01-09T16:00:00Z"), d("2026-01-12T09:00:00Z"))).toBe(2 * H);
    // Wednesday 17:30 + 1 h: 30 min that evening, 30 min Thursday morning.
    expect(add(berlin, "2026-01-07T16:30:00Z", H)).toBe("2026-01-08T08:30:00.000Z");
  });
  it("skips the lunch break", () => {
    expect(add(berlin, "2026-01-12T11:00:00Z", H)).toBe("2026-01-12T13:00:00.000Z");
    expect(businessTimeBetween(berlin, d("2026-01-12T11:00:00Z"), d("2026-01-12T13:00:00Z"))).toBe(H);
  });
  it("starts counting at opening time when the clock starts at night or on a weekend", () => {
    expect(add(berlin, "2026-01-12T05:00:00Z", 30 * M)).toBe("2026-01-12T08:30:00.000Z");
    expect(add(berlin, "2026-01-10T12:00:00Z", 30 * M)).toBe("2026-01-12T08:30:00.000Z");
    expect(businessTimeBetween(berlin, d("2026-01-10T00:00:00Z"), d("2026-01-11T23:00:00Z"))).toBe(0);
  });
  it("skips holidays", () => {
    const withHoliday = office("Europe/Berlin", ["2026-01-12"]);
    expect(add(withHoliday, "2026-01-09T16:00:00Z", 2 * H)).toBe("2026-01-13T09:00:00.000Z");
    expect(businessTimeBetween(withHoliday, d("2026-01-09T16:00:00Z"), d("2026-01-13T09:00:00Z"))).toBe(2 * H);
  });
  it("a full week holds 40 business hours", () => {
    expect(businessTimeBetween(berlin, d("2026-01-11T23:00:00Z"), d("2026-01-18T23:00:00Z"))).toBe(40 * H);
    // And a target of 40 h started on Monday at opening ends on Friday at closing.
    expect(add(berlin, "2026-01-12T08:00:00Z", 40 * H)).toBe("2026-01-16T17:00:00.000Z");
  });
  it("reads negative spans and zero", () => {
    expect(businessTimeBetween(berlin, d("2026-01-12T13:00:00Z"), d("2026-01-12T11:00:00Z"))).toBe(-H);
    expect(add(berlin, "2026-01-10T12:00:00Z", 0)).toBe("2026-01-10T12:00:00.000Z");
    expect(isBusinessTime(berlin, d("2026-01-12T08:00:00Z"))).toBe(true);
    expect(isBusinessTime(berlin, d("2026-01-12T11:45:00Z"))).toBe(false);
    expect(isBusinessTime(berlin, d("2026-01-10T10:00:00Z"))).toBe(false);
  });
  it("adding then measuring gives back the same time, for many starts and spans", () => {
    const cal = office("Europe/Berlin", ["2026-03-30", "2026-04-03", "2026-12-25"]);
    let seed = 7;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 400; i++) {
      const start = new Date(Date.UTC(2026, 0, 1) + Math.floor(rnd() * 360 * 24) * H + Math.floor(rnd() * 60) * M);
      const span = Math.floor(rnd() * 120 * 60) * M;
      const end = addBusinessTime(cal, start, span);
      expect(businessTimeBetween(cal, start, end)).toBe(span);
      expect(end.getTime()).toBeGreaterThanOrEqual(start.getTime());
    }
  });
});

describe("daylight-saving changes", () => {
  it("Europe/Berlin: a 24/7 calendar's day of the spring change holds 23 hours, of the autumn change 25", () => {
    const always: CalendarSpec = { timeZone: "Europe/Berlin", blocks: [], holidays: [] };
    // Saturday 2026-03-28 12:00 CET → Sunday 12:00 CEST.
    expect(businessTimeBetween(always, d("2026-03-28T11:00:00Z"), d("2026-03-29T10:00:00Z"))).toBe(23 * H);
    expect(add(always, "2026-03-28T11:00:00Z", 24 * H)).toBe("2026-03-29T11:00:00.000Z");
    expect(businessTimeBetween(always, d("2026-10-24T10:00:00Z"), d("2026-10-25T11:00:00Z"))).toBe(25 * H);
  });
  it("Europe/Berlin: a Sunday block spanning the change counts its real length", () => {
    const sunday: CalendarSpec = { timeZone: "Europe/Berlin", blocks: [{ day: 7, start: "01:00", end: "04:00" }], holidays: [] };
    // 01:00 CET = 00:00Z, 04:00 CEST = 02:00Z: two real hours.
    expect(businessTimeBetween(sunday, d("2026-03-28T12:00:00Z"), d("2026-03-29T12:00:00Z"))).toBe(2 * H);
    expect(add(sunday, "2026-03-28T12:00:00Z", 2 * H)).toBe("2026-03-29T02:00:00.000Z");
    // 01:00 CEST = 23:00Z the day before, 04:00 CET = 03:00Z: four real hours.
    expect(businessTimeBetween(sunday, d("2026-10-24T12:00:00Z"), d("2026-10-25T12:00:00Z"))).toBe(4 * H);
    expect(add(sunday, "2026-10-24T12:00:00Z", H)).toBe("2026-10-25T00:00:00.000Z");
  });
  it("America/New_York: office hours on either side of both changes", () => {
    const ny: CalendarSpec = { timeZone: "America/New_York", blocks: weekdays.map((day) => ({ day, start: "09:00", end: "17:00" })), holidays: [] };
    // Friday 2026-03-06 16:00 EST + 2 h → Monday 2026-03-09 10:00 EDT.
    expect(add(ny, "2026-03-06T21:00:00Z", 2 * H)).toBe("2026-03-09T14:00:00.000Z");
    expect(businessTimeBetween(ny, d("2026-03-06T21:00:00Z"), d("2026-03-09T14:00:00Z"))).toBe(2 * H);
    // Friday 2026-10-30 16:00 EDT + 2 h → Monday 2026-11-02 10:00 EST.
    expect(add(ny, "2026-10-30T20:00:00Z", 2 * H)).toBe("2026-11-02T15:00:00.000Z");
  });
  it("America/New_York: a block starting in the skipped hour starts at the change; one ending in the repeated hour ends at its second pass", () => {
    const night: CalendarSpec = { timeZone: "America/New_York", blocks: [{ day: 7, start: "02:00", end: "04:00" }], holidays: [] };
    // 2026-03-08: 02:00 does not exist; the block runs 03:00–04:00 EDT (07:00Z–08:00Z).
    expect(businessTimeBetween(night, d("2026-03-08T00:00:00Z"), d("2026-03-08T12:00:00Z"))).toBe(H);
    const early: CalendarSpec = { timeZone: "America/New_York", blocks: [{ day: 7, start: "01:00", end: "03:00" }], holidays: [] };
    // 2026-11-01: 01:00 EDT = 05:00Z, 03:00 EST = 08:00Z.
    expect(businessTimeBetween(early, d("2026-11-01T00:00:00Z"), d("2026-11-01T12:00:00Z"))).toBe(3 * H);
  });
  it("maps wall-clock times to instants across gaps and overlaps", () => {
    expect(new Date(zonedInstant(2026, 3, 29, 150, "Europe/Berlin")).toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(new Date(zonedInstant(2026, 10, 25, 150, "Europe/Berlin")).toISOString()).toBe("2026-10-25T00:30:00.000Z");
    expect(new Date(zonedInstant(2026, 7, 1, 9 * 60, "America/New_York")).toISOString()).toBe("2026-07-01T13:00:00.000Z");
    expect(new Date(zonedInstant(2026, 7, 1, 24 * 60, "Asia/Kolkata")).toISOString()).toBe("2026-07-01T18:30:00.000Z");
  });
});

describe("calendar shapes", () => {
  it("no blocks at all means around the clock, holidays still off", () => {
    const always: CalendarSpec = { timeZone: "UTC", blocks: [], holidays: [] };
    expect(add(always, "2026-01-09T16:00:00Z", 36 * H)).toBe("2026-01-11T04:00:00.000Z");
    const offOnSunday: CalendarSpec = { timeZone: "UTC", blocks: [], holidays: [{ date: "2026-01-11" }] };
    expect(add(offOnSunday, "2026-01-10T12:00:00Z", 24 * H)).toBe("2026-01-12T12:00:00.000Z");
  });
  it("refuses blocks across midnight and overlapping blocks; two blocks meeting at midnight make a night shift", () => {
    expect(calendarProblems({ blocks: [{ day: 1, start: "22:00", end: "02:00" }] })).toEqual([
      { path: "blocks.0.end", message: expect.stringContaining("split") },
    ]);
    expect(
      calendarProblems({
        blocks: [
          { day: 2, start: "09:00", end: "13:00" },
          { day: 2, start: "12:00", end: "18:00" },
        ],
      }),
    ).toEqual([{ path: "blocks.1.start", message: "Overlaps the block 09:00–13:00" }]);
    expect(CreateCalendarBody.safeParse({ name: "Night", timeZone: "UTC", blocks: [{ day: 1, start: "22:00", end: "02:00" }] }).success).toBe(false);
    expect(CreateCalendarBody.safeParse({ name: "Bad zone", timeZone: "Mars/Olympus" }).success).toBe(false);
    const night: CalendarSpec = {
      timeZone: "UTC",
      blocks: [
        { day: 1, start: "22:00", end: "24:00" },
        { day: 2, start: "00:00", end: "02:00" },
      ],
      holidays: [],
    };
    expect(calendarProblems(night)).toEqual([]);
    // Monday 2026-01-12 23:00 + 2 h → Tuesday 01:00; + 4 h: Tuesday until 02:00, then next Monday 22:00–23:00.
    expect(add(night, "2026-01-12T23:00:00Z", 2 * H)).toBe("2026-01-13T01:00:00.000Z");
    expect(add(night, "2026-01-12T23:00:00Z", 4 * H)).toBe("2026-01-19T23:00:00.000Z");
  });
  it("gives up on a calendar with no working time left instead of looping", () => {
    const onlyHolidays: CalendarSpec = { timeZone: "UTC", blocks: [{ day: 1, start: "09:00", end: "10:00" }], holidays: [] };
    expect(add(onlyHolidays, "2026-01-12T09:30:00Z", 30 * M)).toBe("2026-01-12T10:00:00.000Z");
    expect(() => addBusinessTime({ timeZone: "UTC", blocks: [{ day: 1, start: "10:00", end: "09:00" }], holidays: [] }, new Date(), H)).toThrow();
  });
});
