import { convert } from "html-to-text";
import mjml2html from "mjml";
import sanitizeHtml from "sanitize-html";
import type { TemplateProblem } from "../../contract/email-templates.js";
import { checkTemplate, liquid } from "../../core/liquid.js";

/** The parts of a template as the author wrote them. */
export interface TemplateSource {
  subject: string;
  preheader: string | null;
  body: string;
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
  /** Merge fields used that have no value in the data (rendered as their default, or empty). */
  missing: string[];
}

export interface LayoutOptions {
  /** The visible unsubscribe link in the footer; omitted for a preview or test with none. */
  unsubscribeUrl?: string | null;
  /** Shown in the footer: who sends (CAN-SPAM and friends want a sender identity in the message). */
  footer?: string | null;
}

/** Every liquid syntax error of the template's parts, with line and column. */
export function templateProblems(source: TemplateSource): TemplateProblem[] {
  const parts = [
    ["subject", source.subject],
    ["preheader", source.preheader ?? ""],
    ["body", source.body],
  ] as const;
  return parts.flatMap(([part, text]) => {
    const e = checkTemplate(text);
    return e ? [{ part, ...e }] : [];
  });
}

/**
 * What the author's body may hold: formatting, links, images, tables and inline styles (mail clients ignore style
 * sheets, so inline styles are how HTML-mode authors lay things out); never scripts, forms, frames or handlers.
 */
export function sanitiseTemplateBody(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, "img", "center", "font", "span", "div"],
    allowedAttributes: {
      a: ["href", "title", "name", "style", "target"],
      img: ["src", "alt", "title", "width", "height", "style"],
      td: ["colspan", "rowspan", "align", "valign", "width", "style", "bgcolor"],
      th: ["colspan", "rowspan", "align", "valign", "width", "style", "bgcolor"],
      table: ["width", "align", "cellpadding", "cellspacing", "border", "style", "bgcolor", "role"],
      font: ["color", "size", "face"],
      "*": ["dir", "lang", "style", "align"],
    },
    allowedSchemes: ["http", "https", "mailto", "tel"],
    allowedSchemesByTag: { img: ["http", "https"] },
  }).trim();
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function missingOf(sources: string[], data: Record<string, unknown>): string[] {
  const used = new Set<string>();
  for (const s of sources) for (const v of liquid.globalFullVariablesSync(s)) used.add(v);
  const has = (path: string) => {
    let at: unknown = data;
    for (const key of path.split(".")) {
      if (at === null || typeof at !== "object" || !Object.hasOwn(at, key)) return false;
      at = (at as Record<string, unknown>)[key];
    }
    return at !== null && at !== undefined && at !== "";
  };
  // A parent that is itself used as a value (an {% if deal %}) is reported once, not for each of its fields.
  return [...used].filter((v) => !has(v)).filter((v, _, all) => !all.some((p) => p !== v && v.startsWith(`${p}.`)));
}

/**
 * Renders a template for one recipient: merge fields (liquid), the author's HTML sanitised, wrapped in the
 * responsive MJML layout (a single 600 px column that shrinks on phones, table-based for Outlook), and the plain-text
 * part generated from the HTML. Throws the liquid error when the template does not parse; check first.
 */
export async function renderTemplate(source: TemplateSource, data: Record<string, unknown>, layout: LayoutOptions = {}): Promise<Rendered> {
  const subject = (await liquid.parseAndRender(source.subject, data)).replace(/[\r\n]+/g, " ").trim();
  const preheader = source.preheader ? (await liquid.parseAndRender(source.preheader, data)).trim() : "";
  const body = sanitiseTemplateBody(await liquid.parseAndRender(source.body, data));
  const footer = [
    layout.footer ? escapeHtml(layout.footer) : "",
    layout.unsubscribeUrl ? `<a href="${escapeHtml(layout.unsubscribeUrl)}" style="color:#6b7280">Unsubscribe</a>` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const doc = `<mjml>
  <mj-head>
    <mj-title>${escapeHtml(subject)}</mj-title>
    ${preheader ? `<mj-preview>${escapeHtml(preheader)}</mj-preview>` : ""}
    <mj-attributes><mj-all font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" /><mj-text font-size="15px" line-height="1.55" color="#1f2937" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f3f4f6" width="600px">
    <mj-section background-color="#ffffff" padding="24px 16px"><mj-column><mj-text>${body}</mj-text></mj-column></mj-section>
    ${footer ? `<mj-section padding="12px 16px"><mj-column><mj-text align="center" font-size="12px" color="#6b7280">${footer}</mj-text></mj-column></mj-section>` : ""}
  </mj-body>
</mjml>`;
  const out = await mjml2html(doc, { validationLevel: "soft", keepComments: false });
  const text = convert(body, { wordwrap: 78, selectors: [{ selector: "img", format: "skip" }] }).trim();
  const textFooter = layout.unsubscribeUrl ? `\n\n--\n${layout.footer ? `${layout.footer}\n` : ""}Unsubscribe: ${layout.unsubscribeUrl}\n` : "";
  return { subject, html: out.html, text: `${text}${textFooter}`, missing: missingOf([source.subject, source.preheader ?? "", source.body], data) };
}

const slot = (name: string) => `@@RAPPORT_${name}_SLOT@@`;

/** A template whose layout is compiled once, for sends of many messages (MJML takes ~25 ms a message; a slot fill, µs). */
export interface PreparedTemplate {
  render(data: Record<string, unknown>, unsubscribeUrl: string | null): Promise<Rendered>;
}

/**
 * Compiles the MJML layout once with slots for the subject, preheader, body and unsubscribe link, and fills them per
 * recipient: the same HTML as renderTemplate (the body sits verbatim inside mj-text), without MJML per message.
 */
export async function prepareTemplate(source: TemplateSource, layout: { footer?: string | null } = {}): Promise<PreparedTemplate> {
  const footer = [layout.footer ? escapeHtml(layout.footer) : "", `<a href="${slot("UNSUBSCRIBE")}" style="color:#6b7280">Unsubscribe</a>`]
    .join(" · ")
    .replace(/^ · /, "");
  const doc = `<mjml>
  <mj-head>
    <mj-title>${slot("SUBJECT")}</mj-title>
    ${source.preheader ? `<mj-preview>${slot("PREHEADER")}</mj-preview>` : ""}
    <mj-attributes><mj-all font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" /><mj-text font-size="15px" line-height="1.55" color="#1f2937" /></mj-attributes>
  </mj-head>
  <mj-body background-color="#f3f4f6" width="600px">
    <mj-section background-color="#ffffff" padding="24px 16px"><mj-column><mj-text>${slot("BODY")}</mj-text></mj-column></mj-section>
    <mj-section padding="12px 16px"><mj-column><mj-text align="center" font-size="12px" color="#6b7280">${footer}</mj-text></mj-column></mj-section>
  </mj-body>
</mjml>`;
  const compiled = (await mjml2html(doc, { validationLevel: "soft", keepComments: false })).html;
  // Each parsed once: liquid keeps no cache of its own.
  const subjectT = liquid.parse(source.subject);
  const preheaderT = source.preheader ? liquid.parse(source.preheader) : null;
  const bodyT = liquid.parse(source.body);
  return {
    async render(data, unsubscribeUrl) {
      const subject = String(await liquid.render(subjectT, data))
        .replace(/[\r\n]+/g, " ")
        .trim();
      const preheader = preheaderT ? String(await liquid.render(preheaderT, data)).trim() : "";
      const body = sanitiseTemplateBody(String(await liquid.render(bodyT, data)));
      const fills: Record<string, string> = {
        [slot("SUBJECT")]: escapeHtml(subject),
        [slot("PREHEADER")]: escapeHtml(preheader),
        [slot("BODY")]: body,
        [slot("UNSUBSCRIBE")]: escapeHtml(unsubscribeUrl ?? "#"),
      };
      const html = compiled.replace(/@@RAPPORT_[A-Z]+_SLOT@@/g, (m) => fills[m] ?? m);
      const text = convert(body, { wordwrap: 78, selectors: [{ selector: "img", format: "skip" }] }).trim();
      const textFooter = unsubscribeUrl ? `\n\n--\n${layout.footer ? `${layout.footer}\n` : ""}Unsubscribe: ${unsubscribeUrl}\n` : "";
      return { subject, html, text: `${text}${textFooter}`, missing: missingOf([source.subject, source.preheader ?? "", source.body], data) };
    },
  };
}

/**
 * Rewrites every http(s) link of the HTML through the given function (click tracking); mailto, tel and the
 * unsubscribe link itself are left alone.
 */
export async function rewriteLinks(html: string, rewrite: (url: string) => Promise<string | null>): Promise<string> {
  const found = [...html.matchAll(/<a\b[^>]*?\shref="(https?:\/\/[^"]+)"/gi)];
  const map = new Map<string, string>();
  for (const m of found) {
    const raw = m[1] as string;
    if (map.has(raw)) continue;
    const url = raw.replaceAll("&amp;", "&");
    const to = await rewrite(url);
    if (to) map.set(raw, escapeHtml(to));
  }
  return html.replace(/(<a\b[^>]*?\shref=")(https?:\/\/[^"]+)(")/gi, (all, a: string, href: string, b: string) => {
    const to = map.get(href);
    return to ? `${a}${to}${b}` : all;
  });
}
