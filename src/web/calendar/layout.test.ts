import { describe, expect, it } from "vitest";
import { layoutDay, snap } from "./layout.js";

const place = (spans: [string, number, number][]) =>
  Object.fromEntries(layoutDay(spans.map(([item, startMin, endMin]) => ({ item, startMin, endMin }))).map((p) => [p.item, [p.col, p.cols]]));

describe("calendar day layout", () => {
  it("puts overlapping meetings side by side and lone ones full width", () => {
    expect(place([["a", 540, 600]])).toEqual({ a: [0, 1] });
    expect(
      place([
        ["a", 540, 600],
        ["b", 570, 630],
      ]),
    ).toEqual({ a: [0, 2], b: [1, 2] });
    // Touching is not overlapping.
    expect(
      place([
        ["a", 540, 600],
        ["b", 600, 660],
      ]),
    ).toEqual({ a: [0, 1], b: [0, 1] });
  });

  it("reuses a freed column and sizes a chained group by its busiest moment", () => {
    // a overlaps b, b overlaps c, a and c do not: two columns, c takes a's.
    expect(
      place([
        ["a", 540, 600],
        ["b", 570, 690],
        ["c", 630, 660],
      ]),
    ).toEqual({ a: [0, 2], b: [1, 2], c: [0, 2] });
    expect(
      place([
        ["a", 540, 720],
        ["b", 540, 600],
        ["c", 550, 580],
        ["d", 800, 830],
      ]),
    ).toEqual({ a: [0, 3], b: [1, 3], c: [2, 3], d: [0, 1] });
  });

  it("snaps to quarter hours", () => {
    expect(snap(7)).toBe(0);
    expect(snap(8)).toBe(15);
    expect(snap(-22)).toBe(-15);
    expect(snap(601)).toBe(600);
  });
});
