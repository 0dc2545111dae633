/**
 * The HTML of a web-to-lead form: one generator for the embeddable snippet (web app) and the hosted page
 * (server), so both post exactly the same fields. Plain <form> posting urlencoded data: it works without
 * JavaScript; the optional script only copies UTM parameters and the referrer of the embedding page.
 */

export interface FormHtmlField {
  key: string;
  label: string;
  required: boolean;
}
export interface FormHtmlCustomDef {
  key: string;
  type: string;
  options: string[];
}

/** The hidden field bots fill and people never see. */
export const HONEYPOT_FIELD = "website_url";
export const REFERRER_FIELD = "_referrer";
const UTM = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"];

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);

function input(f: FormHtmlField, id: string, defs: FormHtmlCustomDef[]): string {
  const req = f.required ? " required" : "";
  const name = escapeHtml(f.key);
  if (f.key === "message") return `<textarea id="${id}" name="${name}" rows="4"${req}></textarea>`;
  if (f.key === "email") return `<input id="${id}" name="${name}" type="email" autocomplete="email"${req}>`;
  if (f.key === "phone") return `<input id="${id}" name="${name}" type="tel" autocomplete="tel"${req}>`;
  const auto: Record<string, string> = { firstName: "given-name", lastName: "family-name", companyName: "organization", jobTitle: "organization-title" };
  if (auto[f.key]) return `<input id="${id}" name="${name}" type="text" autocomplete="${auto[f.key]}"${req}>`;
  const def = defs.find((d) => `custom.${d.key}` === f.key);
  switch (def?.type) {
    case "number":
    case "currency":
      return `<input id="${id}" name="${name}" type="number" step="any"${req}>`;
    case "date":
      return `<input id="${id}" name="${name}" type="date"${req}>`;
    case "boolean":
      return `<input id="${id}" name="${name}" type="checkbox" value="true"${req}>`;
    case "long_text":
      return `<textarea id="${id}" name="${name}" rows="4"${req}></textarea>`;
    case "select":
    case "multi_select":
      return `<select id="${id}" name="${name}"${def.type === "multi_select" ? " multiple" : ""}${req}>${def.type === "select" ? '<option value="">Choose…</option>' : ""}${def.options
        .map((o) => `<option>${escapeHtml(o)}</option>`)
        .join("")}</select>`;
    case "url":
      return `<input id="${id}" name="${name}" type="url"${req}>`;
    case "email":
      return `<input id="${id}" name="${name}" type="email"${req}>`;
    default:
      return `<input id="${id}" name="${name}" type="text"${req}>`;
  }
}

export interface FormHtmlOptions {
  /** Values for hidden fields (the hosted page passes its own UTM parameters and referrer). */
  hidden?: Record<string, string>;
  /** Adds the small script that copies UTM parameters and document.referrer (for embedding). */
  script?: boolean;
}

export function renderFormHtml(
  form: { id: string; fields: FormHtmlField[]; submitLabel: string },
  action: string,
  defs: FormHtmlCustomDef[],
  options: FormHtmlOptions = {},
): string {
  const prefix = `rf-${form.id.slice(-8)}`;
  const rows = form.fields.map((f, i) => {
    const id = `${prefix}-${i}`;
    const star = f.required ? ' <span aria-hidden="true">*</span>' : "";
    return `  <p class="rapport-field">\n    <label for="${id}">${escapeHtml(f.label)}${star}</label>\n    ${input(f, id, defs)}\n  </p>`;
  });
  const hidden = [...UTM, REFERRER_FIELD].map((k) => `  <input type="hidden" name="${k}" value="${escapeHtml(options.hidden?.[k] ?? "")}">`);
  const script = options.script
    ? `\n<script>
(function () {
  var f = document.getElementById("${prefix}");
  var q = new URLSearchParams(location.search);
  ${JSON.stringify(UTM)}.forEach(function (k) { if (q.get(k)) f.elements[k].value = q.get(k); });
  if (!f.elements["${REFERRER_FIELD}"].value) f.elements["${REFERRER_FIELD}"].value = document.referrer || location.href;
})();
</script>`
    : "";
  return `<form id="${prefix}" class="rapport-form" action="${escapeHtml(action)}" method="post" accept-charset="utf-8">
${rows.join("\n")}
  <div style="position:absolute;left:-10000px;top:auto;width:1px;height:1px;overflow:hidden" aria-hidden="true">
    <label for="${prefix}-hp">Leave this field empty</label>
    <input id="${prefix}-hp" type="text" name="${HONEYPOT_FIELD}" tabindex="-1" autocomplete="off">
  </div>
${hidden.join("\n")}
  <p><button type="submit">${escapeHtml(form.submitLabel)}</button></p>
</form>${script}`;
}
