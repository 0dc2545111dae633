import { describe, expect, it } from "vitest";
import { addDays, dayOf, formatDate, fromZonedInput, setTimeZone, toZonedInput, zonedParts, zonedTime } from "./dates.js";

describe("workspace time zone helpers", () => {
  it("reads and writes wall-clock time in the chosen zone, whatever the process's zone", () => {
    expect(zonedTime(2026, 3, 1, 9, 0, "Asia/Tokyo").toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(zonedTime(2026, 7, 1, 9, 30, "America/New_York").toISOString()).toBe("2026-07-01T13:30:00.000Z");
    expect(zonedParts("2026-03-01T23:30:00Z", "Europe/Berlin")).toMatchObject({ year: 2026, month: 3, day: 2, hour: 0, minute: 30, weekday: 1 });
    expect(dayOf("2026-12-31T20:00:00Z", "Asia/Tokyo")).toEqual({ year: 2027, month: 1, day: 1 });
    expect(addDays({ year: 2026, month: 2, day: 28 }, 1)).toEqual({ year: 2026, month: 3, day: 1 });
  });

  it("handles daylight-saving changes", () => {
    // Berlin springs forward at 02:00 on 29 March 2026: 02:30 does not exist and moves to 03:30 (01:30 UTC).
    expect(zonedTime(2026, 3, 29, 2, 30, "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
    expect(zonedTime(2026, 3, 29, 12, 0, "Europe/Berlin").toISOString()).toBe("2026-03-29T10:00:00.000Z");
    expect(zonedTime(2026, 10, 25, 12, 0, "Europe/Berlin").toISOString()).toBe("2026-10-25T11:00:00.000Z");
  });

  it("round-trips datetime-local values and keeps bare dates as written", () => {
    setTimeZone("Pacific/Auckland");
    expect(toZonedInput("2026-06-01T00:00:00Z")).toBe("2026-06-01T12:00");
    expect(fromZonedInput("2026-06-01T12:00")).toBe("2026-06-01T00:00:00.000Z");
    expect(fromZonedInput("")).toBeUndefined();
    expect(formatDate("2026-06-01")).toBe(
      new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" }).format(new Date("2026-06-01T00:00:00Z")),
    );
    setTimeZone("UTC");
  });
});
