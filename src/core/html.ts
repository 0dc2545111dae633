import sanitizeHtml from "sanitize-html";

/** Rich text as users write it (bold, lists, links, quotes) with scripts, styles and handlers removed. */
export function sanitiseRichText(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: ["p", "br", "b", "strong", "i", "em", "u", "s", "ul", "ol", "li", "a", "blockquote", "code", "pre", "h1", "h2", "h3", "h4", "hr", "span"],
    allowedAttributes: { a: ["href", "title"] },
    allowedSchemes: ["http", "https", "mailto", "tel"],
    transformTags: { a: sanitizeHtml.simpleTransform("a", { rel: "noopener noreferrer nofollow", target: "_blank" }) },
  }).trim();
}
