import { describe, expect, it } from "vitest";
import { normalisePhone } from "./phones.js";

describe("normalisePhone", () => {
  it("reads a national number by its default country, each time it is asked", () => {
    for (let i = 0; i < 2; i++) {
      expect(normalisePhone("020 7946 0958", "GB")).toBe("+442079460958");
      expect(normalisePhone("(415) 555-0132", "US")).toBe("+14155550132");
      // The same digits in another country are another number, or none: the remembered answer is per country.
      expect(normalisePhone("020 7946 0958", "US")).toBeNull();
      expect(normalisePhone("020 7946 0958")).toBeNull();
    }
  });

  it("reads an international number the same whatever the default country, and keeps E.164 as it is", () => {
    expect(normalisePhone(" +44 20 7946 0958 ", "US")).toBe("+442079460958");
    expect(normalisePhone("+442079460958", "DE")).toBe("+442079460958");
    expect(normalisePhone("+442079460958")).toBe("+442079460958");
    expect(normalisePhone("+1 2", "US")).toBeNull();
  });
});
