import sanitizeHtml from "sanitize-html";

/** Rich text as users write it (bold, lists, links, quotes) with scripts, styles and handlers removed. */
export function sanitiseRichText(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "blockquote", "code", "pre", "h1", "h2", "h3", "h4", "hr", "span"],
    // rel and target must be allowed for the transform below to survive the attribute filter (it runs first); the
    // transform overwrites whatever the author wrote in them.
    allowedAttributes: { a: ["href", "title", "rel", "target"] },
    allowedSchemes: ["http", "https", "mailto", "tel"],
    transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow", target: "_blank" }) },
  }).trim();
}
