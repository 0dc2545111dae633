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

/**
 * The HTML part of an outgoing email: what mail clients render safely (text formatting, links, tables, images by
 * http(s) URL), with scripts, forms, styles sheets and event handlers removed. Stored so, sent so, shown so.
 */
export function sanitiseEmailHtml(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "center", "font"],
    allowedAttributes: {
      a: ["href", "title", "name"],
      img: ["src", "alt", "title", "width", "height"],
      td: ["colspan", "rowspan", "align", "valign", "width"],
      th: ["colspan", "rowspan", "align", "valign", "width"],
      table: ["width", "align", "cellpadding", "cellspacing", "border"],
      font: ["color"],
      "*": ["dir", "lang"],
    },
    allowedSchemes: ["http", "https", "mailto", "tel"],
    allowedSchemesByTag: { img: ["http", "https"] },
  }).trim();
}
