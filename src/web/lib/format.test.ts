import { describe, expect, it } from "vitest";
import { countOf } from "./format.js";

describe("countOf", () => {
  it("uses the singular for exactly one and the plural otherwise", () => {
    expect(countOf(1, "submission")).toBe("1 submission");
    expect(countOf(0, "submission")).toBe("0 submissions");
    expect(countOf(1200, "field")).toBe("1,200 fields");
    expect(countOf(2, "person", "people")).toBe("2 people");
  });
});
