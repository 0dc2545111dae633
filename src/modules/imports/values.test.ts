import { describe, expect, it } from "vitest";
import { parseDuration } from "./values.js";

describe("parseDuration", () => {
  it("reads the ways exports write a time taken, in seconds", () => {
    expect(parseDuration("2:30")).toBe(9000);
    expect(parseDuration("26:00:05")).toBe(93_605);
    expect(parseDuration("P1DT2H30M")).toBe(95_400);
    expect(parseDuration("PT45M")).toBe(2700);
    expect(parseDuration("1 day 2 h 30 min")).toBe(95_400);
    expect(parseDuration("2h30m")).toBe(9000);
    expect(parseDuration("90 minutes")).toBe(5400);
    // A bare number is minutes, as help desks export reply times.
    expect(parseDuration("150")).toBe(9000);
    // A duration stored as a time of day on a placeholder date (the support-tickets dataset's columns).
    expect(parseDuration("2023-06-01 12:15:36")).toBe(44_136);
  });

  it("refuses what is not a duration", () => {
    for (const raw of ["", "abc", "P", "PT", "5 parsecs", "2023-06-01", "12:75", "-3"]) expect(parseDuration(raw), raw).toBeNull();
  });
});
