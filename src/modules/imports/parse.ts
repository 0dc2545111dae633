import type { Readable } from "node:stream";
import chardet from "chardet";
import { CsvError, parse } from "csv-parse";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { AppError } from "../../core/errors.js";

/** How a file is read: decided once from its first bytes, stored on the import, reused by every pass. */
export interface FileFormat {
  format: "csv" | "xlsx";
  encoding: string | null;
  delimiter: string | null;
}

export interface SourceRow {
  /** 1-based data row (the header is row 0). */
  row: number;
  /** Line (CSV) or sheet row (XLSX) where the row starts, for people looking at the file. */
  line: number;
  values: string[];
  /** Set when the row cannot be trusted as a whole (wrong number of columns). */
  problem?: string;
}

const SAMPLE_BYTES = 64 * 1024;
export const DELIMITERS = [",", ";", "\t", "|"] as const;

const fileError = (message: string, line?: number) =>
  new AppError("validation_failed", line ? `Line ${line}: ${message}` : message, [{ path: "file", message: line ? `Line ${line}: ${message}` : message }]);

/** Where a file's bytes come from: each pass (sniffing, sample, count, run) opens a fresh stream from the start. */
export interface FileSource {
  open(): Readable;
}

async function head(source: FileSource, bytes = SAMPLE_BYTES): Promise<Buffer> {
  const stream = source.open();
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts).subarray(0, bytes);
}

function isUtf8(buf: Buffer, truncated: boolean): boolean {
  // A sample cut mid-character is still UTF-8: drop up to 3 trailing bytes before checking.
  for (let cut = 0; cut <= (truncated ? 3 : 0); cut++) {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(0, buf.length - cut));
      return true;
    } catch {
      /* try a shorter slice */
    }
  }
  return false;
}

/** Byte-order marks first, then strict UTF-8, then chardet's guess among single-byte encodings. */
export function detectEncoding(buf: Buffer, truncated = false): string {
  if (buf[0] === 0xff && buf[1] === 0xfe && buf[2] === 0 && buf[3] === 0) return "utf32le";
  if (buf[0] === 0 && buf[1] === 0 && buf[2] === 0xfe && buf[3] === 0xff) return "utf32be";
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return "utf8";
  if (buf[0] === 0xff && buf[1] === 0xfe) return "utf16le";
  if (buf[0] === 0xfe && buf[1] === 0xff) return "utf16be";
  if (isUtf8(buf, truncated)) return "utf8";
  // chardet scores few non-ASCII bytes poorly (a lone "º" can rank Shift_JIS first at 10%): trust a
  // non-Latin guess only when it is confident, else read the file as Windows-1252 (a superset of ISO-8859-1).
  const [top] = chardet.analyse(buf);
  const guess = (top?.name ?? "").toLowerCase();
  if (guess.startsWith("utf-16") && (top?.confidence ?? 0) >= 50) return guess.replace("-", "");
  const latin = guess === "" || guess.startsWith("iso-8859-1") || guess.startsWith("windows-125") || guess.startsWith("iso-8859-15");
  if (!latin && (top?.confidence ?? 0) >= 50 && iconv.encodingExists(guess)) return guess;
  return "windows-1252";
}

/** Counts a delimiter per line outside quotes, over the first lines; the most consistent one wins. */
export function sniffDelimiter(text: string): string {
  const lines: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if ((ch === "\n" || ch === "\r") && !quoted) {
      if (current.trim()) lines.push(current);
      current = "";
      if (lines.length >= 30) break;
      continue;
    }
    current += ch;
  }
  if (current.trim() && lines.length < 30) lines.push(current);
  if (lines.length === 0) return ",";
  const count = (line: string, d: string) => {
    let n = 0;
    let q = false;
    for (const ch of line) {
      if (ch === '"') q = !q;
      else if (ch === d && !q) n++;
    }
    return n;
  };
  let best = { d: ",", score: -1 };
  for (const d of DELIMITERS) {
    const counts = lines.map((l) => count(l, d));
    const first = counts[0] ?? 0;
    if (first === 0) continue;
    const consistent = counts.filter((c) => c === first).length / counts.length;
    const score = consistent * 1000 + first;
    if (score > best.score) best = { d, score };
  }
  return best.d;
}

function assertText(text: string, encoding: string): void {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    // NUL and other C0 controls never appear in a real CSV; they mean binary data or a wrong encoding (a lying BOM).
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    const bad = line.match(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffd]/g);
    if (bad && (bad.includes("\u0000") || bad.length > 2)) {
      throw fileError(
        `this is not readable text (control or NUL characters when read as ${encoding}); the file may be binary, damaged, or its byte-order mark may not match its encoding`,
        i + 1,
      );
    }
  }
}

/** Looks at the first bytes: format, encoding and delimiter, and rejects what is not a table at all. */
export async function detectFormat(source: FileSource): Promise<FileFormat> {
  const buf = await head(source);
  if (buf.length === 0) throw fileError("the file is empty");
  if (buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04) return { format: "xlsx", encoding: null, delimiter: null };
  if (buf[0] === 0xd0 && buf[1] === 0xcf && buf[2] === 0x11 && buf[3] === 0xe0)
    throw fileError("this is an old Excel .xls file; save it as .xlsx or CSV and upload that");
  const encoding = detectEncoding(buf, buf.length === SAMPLE_BYTES);
  const text = iconv.decode(buf, encoding);
  assertText(text, encoding);
  return { format: "csv", encoding, delimiter: sniffDelimiter(text) };
}

export function uniqueHeaders(raw: string[]): string[] {
  const seen = new Map<string, number>();
  return raw.map((h, i) => {
    const base = h.trim() || `Column ${i + 1}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

const csvMessages: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted value that starts in this row is never closed (unbalanced quotes)",
  CSV_INVALID_CLOSING_QUOTE: "a quote inside a value is not escaped (write it as two quotes)",
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: "text follows a closing quote",
  CSV_MAX_RECORD_SIZE: "a value is too long (unbalanced quotes?)",
};

function csvProblem(err: unknown, fallbackLine: number): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof CsvError) {
    // An unclosed quote is only noticed at the end of the file: point at the row where it opened.
    const line = err.code === "CSV_QUOTE_NOT_CLOSED" ? fallbackLine : ((err as unknown as { lines?: number }).lines ?? fallbackLine);
    return fileError(csvMessages[err.code] ?? err.message, line);
  }
  return fileError(err instanceof Error ? err.message : String(err), fallbackLine);
}

async function* csvRecords(file: FileSource, f: FileFormat): AsyncGenerator<{ line: number; values: string[] }> {
  const encoding = f.encoding ?? "utf8";
  const decoder = iconv.decodeStream(encoding, { stripBOM: true });
  // The last line of the last record the parser completed, counted as it parses: records it has parsed but this loop
  // has not read yet are dropped when it fails, and how many depends on how fast the source delivers its end.
  let parsedEnd = 0;
  const parser = parse({
    delimiter: f.delimiter ?? ",",
    relax_column_count: true,
    info: true,
    bom: true,
    max_record_size: 1024 * 1024,
    on_record: (record, context) => {
      parsedEnd = context.lines;
      return record;
    },
  });
  const source = file.open();
  source.on("error", (e) => parser.destroy(e));
  source.pipe(decoder).pipe(parser);
  let prevEnd = 0;
  let checked = false;
  try {
    for await (const rec of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const line = prevEnd + 1;
      prevEnd = rec.info.lines;
      if (!checked) {
        checked = true;
        assertText(rec.record.join(","), encoding);
      }
      if (rec.record.length === 1 && rec.record[0] === "") continue;
      if (rec.record.some((v) => v.includes("\u0000"))) throw fileError("the row holds NUL characters (binary data)", line);
      yield { line, values: rec.record };
    }
  } catch (err) {
    throw csvProblem(err, Math.max(prevEnd, parsedEnd) + 1);
  } finally {
    source.destroy();
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return "";
  if (v instanceof Date) {
    const iso = v.toISOString();
    return iso.endsWith("T00:00:00.000Z") ? iso.slice(0, 10) : iso;
  }
  if (typeof v === "object") {
    const o = v as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string; hyperlink?: string };
    if (o.richText) return o.richText.map((r) => r.text).join("");
    if (o.text !== undefined) return cellText(o.text);
    if ("result" in o) return cellText(o.result);
    if (o.error) return "";
    return "";
  }
  return String(v);
}

async function* xlsxRecords(file: FileSource): AsyncGenerator<{ line: number; values: string[] }> {
  let reader: ExcelJS.stream.xlsx.WorkbookReader;
  const input = file.open();
  try {
    reader = new ExcelJS.stream.xlsx.WorkbookReader(input, {
      sharedStrings: "cache",
      styles: "cache",
      hyperlinks: "ignore",
      worksheets: "emit",
      entries: "ignore",
    });
  } catch (err) {
    throw fileError(`not a readable .xlsx workbook (${(err as Error).message})`);
  }
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        const raw = row.values as unknown[];
        const values: string[] = [];
        for (let i = 1; i < raw.length; i++) values.push(cellText(raw[i]));
        while (values.length && values[values.length - 1] === "") values.pop();
        if (values.length === 0) continue;
        yield { line: row.number, values };
      }
      // Only the first worksheet is imported.
      break;
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw fileError(`not a readable .xlsx workbook (${(err as Error).message})`);
  } finally {
    input.destroy();
  }
}

/** Header and data rows, streamed; rows with the wrong number of columns carry a problem instead of shifted values. */
export async function* readRows(source: FileSource, f: FileFormat): AsyncGenerator<SourceRow | { headers: string[] }> {
  const records = f.format === "xlsx" ? xlsxRecords(source) : csvRecords(source, f);
  let width = -1;
  let row = 0;
  for await (const rec of records) {
    if (width < 0) {
      const headers = uniqueHeaders(rec.values);
      width = headers.length;
      yield { headers };
      continue;
    }
    row++;
    const values = rec.values.map((v) => v.trim());
    if (values.every((v) => v === "")) continue;
    let problem: string | undefined;
    if (values.length > width && values.slice(width).some((v) => v !== "")) {
      problem = `has ${values.length} values but the header has ${width} columns (a delimiter inside an unquoted value?)`;
    } else if (values.length < width && f.format === "csv") {
      problem = `has ${values.length} values but the header has ${width} columns`;
    }
    while (values.length < width) values.push("");
    yield { row, line: rec.line, values: values.slice(0, Math.max(width, problem ? values.length : width)), problem };
  }
  if (width < 0) throw fileError("the file has no header row");
}

/** The number of the last data row (what a run's lastRow reaches at the end): the total a progress bar counts towards. */
export async function countRows(source: FileSource, f: FileFormat): Promise<number> {
  let last = 0;
  for await (const r of readRows(source, f)) if (!("headers" in r)) last = r.row;
  return last;
}

/** Header and the first rows, for the mapping screen. */
export async function inspect(source: FileSource, f: FileFormat, sampleSize = 20): Promise<{ headers: string[]; sample: string[][] }> {
  let headers: string[] = [];
  const sample: string[][] = [];
  for await (const r of readRows(source, f)) {
    if ("headers" in r) headers = r.headers;
    else {
      sample.push(r.values.slice(0, headers.length));
      if (sample.length >= sampleSize) break;
    }
  }
  return { headers, sample };
}
