/**
 * Defence in depth for HTML that the server has already sanitised (activity bodies): keep a small
 * allow-list of formatting tags, drop everything else (scripts, styles, event handlers, javascript:
 * URLs). Uses the browser's own parser, so no extra dependency.
 */
const ALLOWED = new Set([
  "a",
  "b",
  "strong",
  "i",
  "em",
  "u",
  "s",
  "p",
  "br",
  "ul",
  "ol",
  "li",
  "blockquote",
  "code",
  "pre",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "span",
  "div",
  "hr",
  "table",
  "thead",
  "tbody",
  "tr",
  "td",
  "th",
  "sub",
  "sup",
]);
const DROP_WITH_CONTENT = new Set(["script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math"]);

export function sanitizeHtml(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  clean(doc.body);
  return doc.body.innerHTML;
}

function clean(node: Element) {
  for (const child of Array.from(node.children)) {
    const tag = child.tagName.toLowerCase();
    if (DROP_WITH_CONTENT.has(tag)) {
      child.remove();
      continue;
    }
    clean(child);
    if (!ALLOWED.has(tag)) {
      child.replaceWith(...Array.from(child.childNodes));
      continue;
    }
    for (const attr of Array.from(child.attributes)) {
      const name = attr.name.toLowerCase();
      const keep = tag === "a" && (name === "href" || name === "title");
      if (!keep) child.removeAttribute(attr.name);
    }
    if (tag === "a") {
      const href = child.getAttribute("href") ?? "";
      if (!/^(https?:|mailto:|tel:|\/|#)/i.test(href.trim())) child.removeAttribute("href");
      child.setAttribute("target", "_blank");
      child.setAttribute("rel", "noopener noreferrer nofollow");
    }
  }
}

const escapeMap: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => escapeMap[c] ?? c);
}

/**
 * Plain text from the composer → simple HTML: paragraphs on blank lines, <br> on single line
 * breaks, **bold**, _italic_ and bare links made clickable.
 */
export function textToHtml(text: string): string {
  return text
    .trim()
    .split(/\n{2,}/)
    .map((para) => {
      let h = escapeHtml(para);
      h = h.replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>");
      h = h.replace(/(^|[\s(])_(.+?)_(?=[\s).,!?]|$)/g, "$1<em>$2</em>");
      h = h.replace(/\bhttps?:\/\/[^\s<]+[^\s<.,;:!?)]/g, (url) => `<a href="${url}">${url}</a>`);
      return `<p>${h.replace(/\n/g, "<br>")}</p>`;
    })
    .join("");
}

/** Stored activity HTML → the composer's plain-text dialect (inverse of textToHtml, roughly). */
export function htmlToText(html: string): string {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html");
  const walk = (node: Node): string => {
    if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? "";
    if (!(node instanceof Element)) return "";
    const inner = Array.from(node.childNodes).map(walk).join("");
    switch (node.tagName.toLowerCase()) {
      case "br":
        return "\n";
      case "p":
      case "div":
      case "blockquote":
      case "h1":
      case "h2":
      case "h3":
      case "ul":
      case "ol":
        return `${inner}\n\n`;
      case "li":
        return `- ${inner}\n`;
      case "strong":
      case "b":
        return `**${inner}**`;
      case "em":
      case "i":
        return `_${inner}_`;
      case "a": {
        const href = node.getAttribute("href") ?? "";
        return href && href !== inner ? `${inner} (${href})` : inner;
      }
      default:
        return inner;
    }
  };
  return walk(doc.body)
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
