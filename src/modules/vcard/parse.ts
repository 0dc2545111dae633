import ICAL from "ical.js";
import iconv from "iconv-lite";

/**
 * Reading vCard files as real address books write them. Cards of 3.0 and 4.0 go through ical.js; 2.1 cards
 * (and 3.0/4.0 cards ical.js cannot read) through the reader below, which knows 2.1's ways: quoted-printable
 * values with soft line breaks, CHARSET parameters (Shift_JIS, ISO-8859-x, …) decoded with iconv-lite,
 * folded lines, and bare TYPE parameters (TEL;WORK;VOICE:…).
 */

export interface VProp {
  name: string;
  group?: string;
  /** Parameter values by lower-case name; bare 2.1 parameters are listed under "type". */
  params: Record<string, string[]>;
  /** The value; structured properties (N, ADR, ORG) as their components. */
  value: string | string[];
}

export interface VCard {
  /** 1-based position of the card in the file. */
  index: number;
  version: string;
  props: VProp[];
}

export interface ParsedFile {
  cards: VCard[];
  /** Cards that could not be read at all, by index. */
  errors: { index: number; reason: string }[];
}

const STRUCTURED = new Set(["n", "adr", "org", "gender"]);
/** Several given (or additional) names are written one after another, as people write them: "John Jack", not "John,Jack". */
const NAME_LIST_SEPARATOR = " ";
const ENCODINGS = new Set(["quoted-printable", "base64", "b", "7bit", "8bit"]);

/** Bytes of the file as a "binary" string: one char per byte, so lines split without decoding and each value is decoded by its own charset. */
function binaryText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return Buffer.from(iconv.decode(bytes, "utf16le"), "utf8").toString("latin1");
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(iconv.decode(bytes, "utf16be"), "utf8").toString("latin1");
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return bytes.subarray(start).toString("latin1");
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Text of raw bytes: the declared charset, else UTF-8 when valid, else Windows-1252 (what old Outlook writes). */
function decodeBytes(bytes: Buffer, charset?: string): string {
  const cs = charset?.trim().toLowerCase();
  if (cs && cs !== "utf-8" && cs !== "utf8" && iconv.encodingExists(cs)) return iconv.decode(bytes, cs);
  return isUtf8(bytes) ? bytes.toString("utf8") : iconv.decode(bytes, "windows-1252");
}

function decodeQuotedPrintable(s: string): Buffer {
  const cleaned = s.replace(/=\r?\n/g, "");
  const out: number[] = [];
  for (let i = 0; i < cleaned.length; i++) {
    const c = cleaned[i] as string;
    if (c === "=" && /^[0-9A-Fa-f]{2}$/.test(cleaned.slice(i + 1, i + 3))) {
      out.push(Number.parseInt(cleaned.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c.charCodeAt(0) & 0xff);
  }
  return Buffer.from(out);
}

interface RawCard {
  index: number;
  lines: string[];
}

const isQp = (line: string) => /^[^:]*;(encoding=)?quoted-printable[;:]/i.test(line);

/**
 * Splits the file into cards and each card into logical (unfolded) lines, still as binary strings. A card nested in
 * another (a 2.1 AGENT, or an exporter's grouping) is a person of its own: it becomes its own card, numbered in the
 * order it begins, and the outer card continues after it.
 */
function splitCards(text: string): { cards: RawCard[]; stray: boolean } {
  const physical = text.split(/\r\n|\n|\r/);
  const cards: RawCard[] = [];
  const open: RawCard[] = [];
  let stray = false;
  let index = 0;
  for (let i = 0; i < physical.length; i++) {
    let line = physical[i] as string;
    if (/^\s*begin:vcard\s*$/i.test(line)) {
      open.push({ index: ++index, lines: [] });
      continue;
    }
    if (/^\s*end:vcard\s*$/i.test(line)) {
      const done = open.pop();
      if (done) cards.push(done);
      continue;
    }
    const current = open[open.length - 1];
    if (!current) {
      if (line.trim()) stray = true;
      continue;
    }
    const lines = current.lines;
    if (/^[ \t]/.test(line) && lines.length > 0) {
      // A folded line continues the previous one (2.1 writers sometimes fold base64 without the marker; same rule).
      lines[lines.length - 1] += line.slice(1);
      continue;
    }
    // Quoted-printable soft breaks: "=" at the end joins the next physical line, whatever it starts with.
    while (isQp(line) && line.endsWith("=") && i + 1 < physical.length && !/^\s*end:vcard\s*$/i.test(physical[i + 1] as string)) {
      line = `${line.slice(0, -1)}${physical[++i] as string}`;
    }
    if (line.trim() === "") continue;
    lines.push(line);
  }
  cards.push(...open.reverse()); // an unterminated last card is still read
  cards.sort((a, b) => a.index - b.index);
  return { cards, stray };
}

/** Splits on a separator outside double quotes. */
function splitUnquoted(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/**
 * Splits a structured value on unescaped semicolons and unescapes each part. An unescaped comma separates the values
 * of a list component (several given names; 2.1 writers such as Outlook use it too): `listSeparator` joins them.
 */
function splitStructured(value: string, version: string, listSeparator?: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === "\\" && i + 1 < value.length) {
      cur += ch + (value[i + 1] as string);
      i++;
    } else if (ch === "," && listSeparator !== undefined) {
      cur += listSeparator;
    } else if (ch === ";") {
      parts.push(cur);
      cur = "";
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((p) => unescapeText(p, version));
}

function unescapeText(s: string, version: string): string {
  if (version === "2.1") return s.replace(/\\([;\\:,])/g, "$1");
  return s.replace(/\\([nN;,\\:])/g, (_, c: string) => (c === "n" || c === "N" ? "\n" : c));
}

/** The lenient reader: one logical line → a property. */
function parseLine(line: string, version: string): VProp | null {
  const colon = (() => {
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      if (line[i] === '"') quoted = !quoted;
      else if (line[i] === ":" && !quoted) return i;
    }
    return -1;
  })();
  if (colon <= 0) return null;
  const head = line.slice(0, colon);
  let raw = line.slice(colon + 1);
  const [nameWithGroup = "", ...paramParts] = splitUnquoted(head, ";");
  const dot = nameWithGroup.lastIndexOf(".");
  const name = (dot >= 0 ? nameWithGroup.slice(dot + 1) : nameWithGroup).trim().toLowerCase();
  if (!/^[a-z0-9-]+$/.test(name)) return null;
  const params: Record<string, string[]> = {};
  const add = (k: string, v: string) => {
    const list = params[k] ?? [];
    list.push(
      ...v
        .split(",")
        .map((x) => Buffer.from(x.replace(/^"|"$/g, ""), "latin1").toString("utf8").trim())
        .filter(Boolean),
    );
    params[k] = list;
  };
  for (const p of paramParts) {
    const eq = p.indexOf("=");
    if (eq < 0) {
      const bare = p.trim().toLowerCase();
      if (!bare) continue;
      if (ENCODINGS.has(bare)) add("encoding", bare);
      else add("type", bare);
    } else add(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim());
  }
  const encoding = params.encoding?.[0]?.toLowerCase();
  if (encoding === "b" || encoding === "base64") return { name, group: dot >= 0 ? nameWithGroup.slice(0, dot) : undefined, params, value: "" };
  const bytes = encoding === "quoted-printable" ? decodeQuotedPrintable(raw) : Buffer.from(raw, "latin1");
  raw = decodeBytes(bytes, params.charset?.[0]);
  const value = STRUCTURED.has(name) ? splitStructured(raw, version, name === "n" ? NAME_LIST_SEPARATOR : undefined) : unescapeText(raw, version);
  return { name, group: dot >= 0 ? nameWithGroup.slice(0, dot) : undefined, params, value };
}

function lenientCard(raw: RawCard, version: string): VCard {
  const props: VProp[] = [];
  for (const line of raw.lines) {
    const p = parseLine(line, version);
    if (p) props.push(p);
  }
  return { index: raw.index, version, props };
}

/** A 3.0/4.0 card through ical.js, flattened to the same shape. */
function icalCard(raw: RawCard, version: string): VCard {
  const bytes = Buffer.from(raw.lines.join("\r\n"), "latin1");
  const charset = /;charset=([^;:]+)/i.exec(raw.lines.join("\n"))?.[1];
  const text = `BEGIN:VCARD\r\n${decodeBytes(bytes, charset)}\r\nEND:VCARD\r\n`;
  const jcard = ICAL.parse(text) as unknown as [string, [string, Record<string, unknown>, string, ...unknown[]][], unknown[]];
  const props: VProp[] = [];
  for (const [name, rawParams, , ...values] of jcard[1]) {
    const params: Record<string, string[]> = {};
    let group: string | undefined;
    for (const [k, v] of Object.entries(rawParams)) {
      if (k === "group") group = String(v);
      else params[k.toLowerCase()] = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(",")).map((x) => x.trim());
    }
    const first = values[0];
    let value: string | string[];
    if (Array.isArray(first)) value = first.map((x) => (Array.isArray(x) ? x.join(name === "n" ? NAME_LIST_SEPARATOR : ",") : String(x ?? "")));
    else if (STRUCTURED.has(name) && typeof first === "string") value = [first];
    // ical.js unescapes \, \n and \\ in text values but leaves "\;" as it is.
    else value = values.map((v) => (v === null || v === undefined ? "" : String(v).replace(/\\;/g, ";"))).join(",");
    props.push({ name, group, params, value });
  }
  return { index: raw.index, version, props };
}

export function parseVcardFile(bytes: Buffer): ParsedFile {
  const { cards: raws } = splitCards(binaryText(bytes));
  const cards: VCard[] = [];
  const errors: { index: number; reason: string }[] = [];
  for (const raw of raws) {
    const versionLine = raw.lines.find((l) => /^version:/i.test(l));
    // Old phone exports leave VERSION out; such cards are 2.1 in every other respect.
    const version = versionLine ? versionLine.slice(8).trim() : "2.1";
    if (!["2.1", "3.0", "4.0"].includes(version)) {
      errors.push({ index: raw.index, reason: `Unsupported vCard version "${version.slice(0, 10)}"` });
      continue;
    }
    if (version === "2.1") {
      cards.push(lenientCard(raw, version));
      continue;
    }
    try {
      cards.push(icalCard(raw, version));
    } catch {
      // ical.js is strict about things exporters get wrong (stray lines, bad escapes): the lenient reader still gets the card.
      cards.push(lenientCard(raw, version));
    }
  }
  return { cards, errors };
}
