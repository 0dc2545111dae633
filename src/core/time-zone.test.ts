import { describe, expect, it } from "vitest";
import { dayInZone, isoInZone, offsetMinutes, wallClock } from "./time-zone.js";

describe("server time-zone helpers", () => {
  const at = new Date("2026-03-01T15:30:00.000Z");
  it("writes instants with the workspace's offset", () => {
    expect(isoInZone(at, "Asia/Tokyo")).toBe("2026-03-02T00:30:00.000+09:00");
    expect(isoInZone(at, "America/St_Johns")).toBe("2026-03-01T12:00:00.000-03:30");
    expect(isoInZone(at, "UTC")).toBe("2026-03-01T15:30:00.000Z");
    expect(new Date(isoInZone(at, "Asia/Kolkata")).getTime()).toBe(at.getTime());
  });
  it("knows the day and the wall clock there, daylight saving included", () => {
    expect(dayInZone(at, "Asia/Tokyo")).toBe("2026-03-02");
    expect(dayInZone(at, "America/Los_Angeles")).toBe("2026-03-01");
    expect(offsetMinutes(new Date("2026-07-01T12:00:00Z"), "Europe/Berlin")).toBe(120);
    expect(offsetMinutes(new Date("2026-01-01T12:00:00Z"), "Europe/Berlin")).toBe(60);
    expect(wallClock(at, "Europe/Berlin").toISOString()).toBe("2026-03-01T16:30:00.000Z");
  });
});
