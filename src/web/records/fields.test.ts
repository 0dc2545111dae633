import { describe, expect, it } from "vitest";
import { textToHtml } from "../lib/sanitize.js";
import { completeFilters, describeCondition, expandFilters, opsFor } from "./fields.js";
import type { FieldDef } from "./types.js";

const fields: FieldDef[] = [
  { id: "jobTitle", label: "Job title", kind: "text" },
  { id: "createdAt", label: "Created", kind: "date", timestamp: true },
  { id: "custom.renewal", label: "Renewal", kind: "date" },
  { id: "ownerId", label: "Owner", kind: "user" },
  { id: "custom.tier", label: "Tier", kind: "enum", options: [{ value: "gold", label: "Gold" }] },
];

describe("filter conditions", () => {
  it("drops incomplete conditions but keeps empty/notEmpty", () => {
    expect(
      completeFilters([
        { field: "jobTitle", op: "contains", value: "" },
        { field: "jobTitle", op: "empty" },
        { field: "custom.tier", op: "in", value: [] },
        { field: "custom.tier", op: "eq", value: "gold" },
      ]),
    ).toEqual([
      { field: "jobTitle", op: "empty" },
      { field: "custom.tier", op: "eq", value: "gold" },
    ]);
  });

  it("widens a date on a timestamp field to the whole local day", () => {
    const [a, b] = expandFilters([{ field: "createdAt", op: "eq", value: "2026-03-31" }], fields);
    expect(a).toEqual({ field: "createdAt", op: "gte", value: new Date("2026-03-31T00:00:00").toISOString() });
    expect(b).toEqual({ field: "createdAt", op: "lt", value: new Date("2026-04-01T00:00:00").toISOString() });
    expect(expandFilters([{ field: "createdAt", op: "lte", value: "2026-03-31" }], fields)).toEqual([
      { field: "createdAt", op: "lt", value: new Date("2026-04-01T00:00:00").toISOString() },
    ]);
  });

  it("leaves custom date fields (stored as YYYY-MM-DD) alone", () => {
    const c = { field: "custom.renewal", op: "gt" as const, value: "2026-01-01" };
    expect(expandFilters([c], fields)).toEqual([c]);
  });

  it("describes conditions with labels", () => {
    expect(describeCondition({ field: "custom.tier", op: "eq", value: "gold" }, fields, () => "?")).toBe("Tier is Gold");
    expect(describeCondition({ field: "ownerId", op: "eq", value: "me" }, fields, () => "?")).toBe("Owner is me");
    expect(describeCondition({ field: "createdAt", op: "gt", value: "2026-01-01" }, fields, () => "?")).toBe("Created after 2026-01-01");
    expect(describeCondition({ field: "jobTitle", op: "notEmpty" }, fields, () => "?")).toBe("Job title is not empty");
  });

  it("offers operators that fit the field", () => {
    expect(opsFor("boolean")).toEqual(["eq"]);
    expect(opsFor("tags")).toContain("contains");
    expect(opsFor("number")).toContain("gte");
  });
});

describe("composer text to HTML", () => {
  it("escapes markup and keeps simple formatting", () => {
    expect(textToHtml("Hi <script>x</script>\n**bold** and _it_\n\nsee https://example.com/a.")).toBe(
      '<p>Hi &lt;script&gt;x&lt;/script&gt;<br><strong>bold</strong> and <em>it</em></p><p>see <a href="https://example.com/a">https://example.com/a</a>.</p>',
    );
  });
});
