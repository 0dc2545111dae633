import { describe, expect, it } from "vitest";
import { sanitiseRichText } from "./html.js";

describe("sanitiseRichText", () => {
  it("opens links in a new tab without handing over the page: rel and target are added, whatever the author wrote", () => {
    expect(sanitiseRichText('<p><a href="https://example.com">x</a></p>')).toBe(
      '<p><a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">x</a></p>',
    );
    expect(sanitiseRichText('<a href="https://example.com" target="_self" rel="opener">x</a>')).toBe(
      '<a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow">x</a>',
    );
  });

  it("drops scripts, handlers and javascript: links", () => {
    expect(sanitiseRichText('<a href="javascript:alert(1)" onclick="x()">x</a><script>alert(1)</script>')).toBe(
      '<a rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
  });
});
