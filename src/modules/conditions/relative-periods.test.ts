import { describe, expect, it } from "vitest";
import { dateBounds, datetimeBounds } from "./time.js";

/** The relative periods reports ask for, read in the workspace's time zone around period boundaries. */
describe("relative periods", () => {
  const at = (iso: string, timeZone: string) => ({ now: new Date(iso), timeZone });
  const iso = (b: ReturnType<typeof datetimeBounds>) => b && Object.fromEntries(Object.entries(b).map(([k, v]) => [k, (v as Date).toISOString()]));

  it("takes whole calendar periods before this one, in UTC", () => {
    const t = at("2026-04-01T02:00:00Z", "UTC");
    expect(iso(datetimeBounds("today", undefined, t))).toEqual({ gte: "2026-04-01T00:00:00.000Z", lt: "2026-04-02T00:00:00.000Z" });
    expect(iso(datetimeBounds("yesterday", undefined, t))).toEqual({ gte: "2026-03-31T00:00:00.000Z", lt: "2026-04-01T00:00:00.000Z" });
    expect(iso(datetimeBounds("lastWeek", undefined, t))).toEqual({ gte: "2026-03-23T00:00:00.000Z", lt: "2026-03-30T00:00:00.000Z" });
    expect(iso(datetimeBounds("lastMonth", undefined, t))).toEqual({ gte: "2026-03-01T00:00:00.000Z", lt: "2026-04-01T00:00:00.000Z" });
    expect(iso(datetimeBounds("lastQuarter", undefined, t))).toEqual({ gte: "2026-01-01T00:00:00.000Z", lt: "2026-04-01T00:00:00.000Z" });
    expect(iso(datetimeBounds("lastYear", undefined, t))).toEqual({ gte: "2025-01-01T00:00:00.000Z", lt: "2026-01-01T00:00:00.000Z" });
    expect(iso(datetimeBounds("quarterToDate", undefined, t))).toEqual({ gte: "2026-04-01T00:00:00.000Z", lte: "2026-04-01T02:00:00.000Z" });
    expect(iso(datetimeBounds("yearToDate", undefined, t))).toEqual({ gte: "2026-01-01T00:00:00.000Z", lte: "2026-04-01T02:00:00.000Z" });
  });

  it("reads the same instant as still March 31 in New York, across the daylight-saving change", () => {
    const t = at("2026-04-01T02:00:00Z", "America/New_York");
    // New York is UTC-4 in summer time (from March 8, 2026) and UTC-5 before.
    expect(iso(datetimeBounds("today", undefined, t))).toEqual({ gte: "2026-03-31T04:00:00.000Z", lt: "2026-04-01T04:00:00.000Z" });
    expect(iso(datetimeBounds("lastQuarter", undefined, t))).toEqual({ gte: "2025-10-01T04:00:00.000Z", lt: "2026-01-01T05:00:00.000Z" });
    expect(iso(datetimeBounds("monthToDate", undefined, t))).toEqual({ gte: "2026-03-01T05:00:00.000Z", lte: "2026-04-01T02:00:00.000Z" });
    expect(dateBounds("lastMonth", undefined, t)).toEqual({ gte: "2026-02-01", lt: "2026-03-01" });
    expect(dateBounds("quarterToDate", undefined, t)).toEqual({ gte: "2026-01-01", lte: "2026-03-31" });
  });

  it("reads last year on January 1 as the whole year before, in Auckland", () => {
    const t = at("2026-12-31T12:00:00Z", "Pacific/Auckland"); // already January 1, 2027, 01:00 local
    expect(dateBounds("lastYear", undefined, t)).toEqual({ gte: "2026-01-01", lt: "2027-01-01" });
    expect(dateBounds("yesterday", undefined, t)).toEqual({ gte: "2026-12-31", lt: "2027-01-01" });
  });
});
