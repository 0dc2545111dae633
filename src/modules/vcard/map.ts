import { z } from "zod";
import { Email } from "../../contract/auth.js";
import { normalisePhone } from "../../core/phones.js";
import type { VCard, VProp } from "./parse.js";

/** What one card becomes: the contact's fields, and what needs other services (company, note, birthday). */
export interface CardDraft {
  firstName: string;
  lastName: string;
  emails: { email: string; label?: string; primary?: boolean }[];
  phones: { phone: string; label?: string; primary?: boolean }[];
  jobTitle?: string;
  address?: { street?: string; city?: string; region?: string; postalCode?: string; country?: string };
  socialProfiles: Record<string, string>;
  tags: string[];
  organisation?: string;
  note?: string;
  birthday?: string;
  /** Values left out, each with why (an unparseable phone, an unknown country, …). */
  warnings: string[];
  displayName: string | null;
}

const text = (v: string | string[]) => (Array.isArray(v) ? v.join(" ") : v).trim();
const part = (v: string | string[], i: number) => (Array.isArray(v) ? (v[i] ?? "") : i === 0 ? v : "").trim();
const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/** Types that say nothing a label could use. */
const NOISE = new Set(["pref", "internet", "voice", "x400", "uri", "text", "msg", "x-internet", "other"]);
const LABELS: Record<string, string> = {
  cell: "mobile",
  mobile: "mobile",
  work: "work",
  home: "home",
  fax: "fax",
  pager: "pager",
  main: "main",
  iphone: "mobile",
};

function typesOf(p: VProp): string[] {
  return (p.params.type ?? []).map((t) => t.toLowerCase());
}

function isPreferred(p: VProp): boolean {
  if (typesOf(p).includes("pref")) return true;
  const pref = p.params.pref?.[0];
  return pref !== undefined && Number(pref) === 1;
}

/** A short label from TYPE parameters: "work", "mobile", "home fax"; unknown x- types are left out. */
function labelOf(p: VProp): string | undefined {
  const parts = typesOf(p)
    .filter((t) => !NOISE.has(t) && !t.startsWith("x-") && /^[a-z][a-z0-9 -]*$/.test(t))
    .map((t) => LABELS[t] ?? t);
  const label = [...new Set(parts)].join(" ");
  return label ? clip(label, 30) : undefined;
}

let countryByName: Map<string, string> | null = null;
/** ISO 3166 code for a country as address books write it: "DE", "Germany", "United States of America", "USA". */
export function countryCode(raw: string): string | undefined {
  const s = raw.trim();
  if (/^[A-Za-z]{2}$/.test(s)) return s.toUpperCase();
  if (!countryByName) {
    countryByName = new Map([
      ["usa", "US"],
      ["u.s.a.", "US"],
      ["united states of america", "US"],
      ["uk", "GB"],
      ["england", "GB"],
      ["great britain", "GB"],
      ["deutschland", "DE"],
      ["россия", "RU"],
      ["日本", "JP"],
    ]);
    const en = new Intl.DisplayNames(["en"], { type: "region" });
    for (let a = 65; a <= 90; a++)
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        const name = en.of(code);
        if (name && name !== code) countryByName.set(name.toLowerCase(), code);
      }
  }
  return countryByName.get(s.toLowerCase());
}

const HttpUrl = z.url({ protocol: /^https?$/ }).max(500);
const SOCIAL_HOSTS: [RegExp, string][] = [
  [/(^|\.)linkedin\.com$/, "linkedin"],
  [/(^|\.)(twitter|x)\.com$/, "twitter"],
  [/(^|\.)facebook\.com$/, "facebook"],
  [/(^|\.)github\.com$/, "github"],
  [/(^|\.)instagram\.com$/, "instagram"],
  [/(^|\.)xing\.com$/, "xing"],
];

function socialKey(url: string, type?: string): string {
  const t = type?.toLowerCase();
  if (t && /^[a-z][a-z0-9_-]{0,29}$/.test(t) && !["work", "home", "pref", "internet", "x-socialprofile"].includes(t)) return t;
  try {
    const host = new URL(url).hostname.toLowerCase();
    for (const [re, key] of SOCIAL_HOSTS) if (re.test(host)) return key;
  } catch {
    /* fall through */
  }
  return "website";
}

/** Profile handles (X-TWITTER:@jdoe) become URLs where the network is known. */
function profileUrl(network: string, value: string): string | null {
  const v = value.trim();
  if (/^https?:\/\//i.test(v)) return v;
  const handle = v.replace(/^@/, "");
  if (!/^[\w.-]+$/.test(handle)) return null;
  const base: Record<string, string> = {
    twitter: "https://twitter.com/",
    github: "https://github.com/",
    instagram: "https://instagram.com/",
    facebook: "https://facebook.com/",
    linkedin: "https://www.linkedin.com/in/",
  };
  return base[network] ? `${base[network]}${handle}` : null;
}

const NAME_MAX = 100;

/** A name as a contact can hold it: line breaks and tabs become spaces, and over 100 characters it is cut; each change is reported. */
function fitName(name: string, what: string, warnings: string[]): string {
  let out = name;
  if (/[\r\n\t]/.test(out)) {
    out = out.replace(/[\r\n\t]+/g, " ").trim();
    warnings.push(`The ${what} had line breaks or tabs, replaced by spaces`);
  }
  if (out.length > NAME_MAX) {
    warnings.push(`The ${what} was cut to ${NAME_MAX} characters (it had ${out.length}): "${out.slice(NAME_MAX, NAME_MAX + 40)}…" left out`);
    out = clip(out, NAME_MAX).trimEnd();
  }
  return out;
}

export function cardToDraft(card: VCard, defaultCountry: string | undefined): CardDraft {
  const d: CardDraft = { firstName: "", lastName: "", emails: [], phones: [], socialProfiles: {}, tags: [], warnings: [], displayName: null };
  const props = (name: string) => card.props.filter((p) => p.name === name);
  const n = props("n")[0];
  const fn = props("fn")[0];
  if (n) {
    d.lastName = part(n.value, 0);
    d.firstName = [part(n.value, 1), part(n.value, 2)].filter(Boolean).join(" ");
  }
  if (!d.firstName && !d.lastName && fn) {
    const words = text(fn.value).split(/\s+/).filter(Boolean);
    if (words.length === 1) d.firstName = words[0] as string;
    else if (words.length > 1) {
      d.lastName = words.pop() as string;
      d.firstName = words.join(" ");
    }
  }
  // Names are kept as written (inner spaces included); what has to change to fit a contact is said, per card.
  d.firstName = fitName(d.firstName, "given name", d.warnings);
  d.lastName = fitName(d.lastName, "family name", d.warnings);
  d.displayName = (fn && text(fn.value)) || [d.firstName, d.lastName].filter(Boolean).join(" ") || null;

  // Emails: the preferred one primary; invalid ones reported, not guessed at.
  const seenEmails = new Set<string>();
  for (const p of props("email")) {
    let raw = text(p.value).replace(/^mailto:/i, "");
    const angle = /<([^>]+)>/.exec(raw);
    if (angle) raw = angle[1] as string;
    const parsed = Email.safeParse(raw);
    if (!parsed.success) {
      if (raw) d.warnings.push(`Email "${clip(raw, 60)}" is not a valid address; left out`);
      continue;
    }
    if (seenEmails.has(parsed.data) || d.emails.length >= 20) continue;
    seenEmails.add(parsed.data);
    d.emails.push({ email: parsed.data, ...(labelOf(p) ? { label: labelOf(p) } : {}), ...(isPreferred(p) ? { primary: true } : {}) });
  }
  if (d.emails.filter((e) => e.primary).length > 1) for (const e of d.emails.slice(1)) if (e.primary) delete e.primary;

  // Phones: stored E.164 as everywhere else; a country-less national number takes the workspace's default country.
  const seenPhones = new Set<string>();
  for (const p of props("tel")) {
    const raw = text(p.value).replace(/^tel:/i, "").replace(/;ext=/i, " ext. ");
    if (!raw) continue;
    if (/^sip:/i.test(raw)) continue;
    const adrCountry = props("adr")
      .map((a) => countryCode(part(a.value, 6)))
      .find(Boolean);
    const phone = normalisePhone(raw, adrCountry ?? defaultCountry);
    if (!phone) {
      d.warnings.push(
        `Phone "${clip(raw, 40)}" is not a valid number${defaultCountry || adrCountry ? "" : " (no country code, and the workspace has no default country)"}; left out`,
      );
      continue;
    }
    if (seenPhones.has(phone) || d.phones.length >= 20) continue;
    seenPhones.add(phone);
    d.phones.push({ phone, ...(labelOf(p) ? { label: labelOf(p) } : {}), ...(isPreferred(p) ? { primary: true } : {}) });
  }
  if (d.phones.filter((e) => e.primary).length > 1) for (const e of d.phones.slice(1)) if (e.primary) delete e.primary;

  const title = props("title")[0] ?? props("role")[0];
  if (title && text(title.value)) d.jobTitle = clip(text(title.value), 150);

  const org = props("org")[0];
  if (org && part(org.value, 0)) d.organisation = clip(part(org.value, 0), 200);

  // Address: the preferred one, else the first. PO box and extended address join the street.
  const adrs = props("adr");
  const adr = adrs.find(isPreferred) ?? adrs[0];
  if (adr) {
    const street = [part(adr.value, 0), part(adr.value, 1), part(adr.value, 2)].filter(Boolean).join("\n").replace(/,\s*$/, "");
    const address: NonNullable<CardDraft["address"]> = {};
    if (street) address.street = clip(street, 300);
    if (part(adr.value, 3)) address.city = clip(part(adr.value, 3), 120);
    if (part(adr.value, 4)) address.region = clip(part(adr.value, 4), 120);
    if (part(adr.value, 5)) address.postalCode = clip(part(adr.value, 5), 30);
    const country = part(adr.value, 6);
    if (country) {
      const code = countryCode(country);
      if (code) address.country = code;
      else d.warnings.push(`Country "${clip(country, 40)}" is not recognised; left out of the address`);
    }
    if (Object.keys(address).length) d.address = address;
  }

  // Web and social profiles: URL (typed or recognised by host), X-SOCIALPROFILE, and the X-<NETWORK> properties.
  const addProfile = (key: string, url: string | null) => {
    if (!url) return;
    const u = url.replace(/\\:/g, ":");
    if (!HttpUrl.safeParse(u).success) {
      d.warnings.push(`Link "${clip(u, 60)}" is not a full http(s) URL; left out`);
      return;
    }
    let k = key;
    for (let i = 2; d.socialProfiles[k] && d.socialProfiles[k] !== u; i++) k = `${key}${i}`;
    d.socialProfiles[k] = u;
  };
  for (const p of props("url")) {
    const url = text(p.value);
    const type = typesOf(p).find((t) => !NOISE.has(t));
    addProfile(socialKey(url, type), /^https?:\/\//i.test(url) ? url : /^[\w.-]+\.[a-z]{2,}(\/.*)?$/i.test(url) ? `https://${url}` : url);
  }
  for (const p of props("x-socialprofile")) {
    const type = typesOf(p)[0] ?? "website";
    addProfile(type, profileUrl(type, text(p.value)));
  }
  for (const [prop, network] of [
    ["x-twitter", "twitter"],
    ["x-linkedin", "linkedin"],
    ["x-github", "github"],
    ["x-facebook", "facebook"],
  ] as const) {
    for (const p of props(prop)) addProfile(network, profileUrl(network, text(p.value)));
  }

  const tags = props("categories").flatMap((p) => (Array.isArray(p.value) ? p.value : p.value.split(",")));
  d.tags = [...new Set(tags.map((t) => clip(t.trim(), 50)).filter(Boolean))].slice(0, 50);

  const notes = props("note")
    .map((p) => text(p.value))
    .filter(Boolean);
  if (notes.length) d.note = notes.join("\n\n");

  const bday = props("bday")[0];
  if (bday) {
    const v = text(bday.value);
    const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(v);
    if (m) d.birthday = `${m[1]}-${m[2]}-${m[3]}`;
  }
  return d;
}
