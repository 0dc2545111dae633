import type { Writable } from "node:stream";
import { stringify } from "csv-stringify";
import ExcelJS from "exceljs";
import type { Company } from "../../contract/companies.js";
import type { Contact } from "../../contract/contacts.js";
import type { Deal } from "../../contract/deals.js";
import type { CompanyExportQuery, ContactExportQuery, DealExportQuery } from "../../contract/exports.js";
import { hiddenFields } from "../../core/access.js";
import type { Ctx } from "../../core/context.js";
import { assertCan } from "../../core/roles.js";
import { isoInZone, wallClock } from "../../core/time-zone.js";
import { listCompanies } from "../companies/service.js";
import { listContacts } from "../contacts/service.js";
import { listCustomFields } from "../custom-fields/service.js";
import { listDeals } from "../deals/service.js";
import { userNames } from "../users/service.js";
import { workspaceTimeZone } from "../workspaces/service.js";
import { type Cell, type ColumnSpec, companyColumnSpecs, contactColumnSpecs, dealColumnSpecs, type Lookups, neutralise, pickColumns } from "./columns.js";

/** Custom fields the actor's role hides are not columns of their export. */
const visibleDefs = <T extends { key: string }>(ctx: Ctx, object: "contact" | "company" | "deal", defs: readonly T[]): T[] => {
  const hidden = new Set(hiddenFields(ctx.actor, object));
  return defs.filter((d) => !hidden.has(d.key));
};

/** Rows per list call while exporting: the list services' keyset cursor walks the whole view. */
export const EXPORT_PAGE = 1000;

export interface ExportSource<T> {
  columns: ColumnSpec<T>[];
  /** Pages of records in the view's order; the first is already fetched, so a bad query fails before any byte is written. */
  pages: AsyncIterable<T[]>;
  lookups: Lookups;
  /** The workspace's IANA zone: date-times are written as its wall clock reads them. */
  timeZone: string;
}

type Lister<T, Q> = (ctx: Ctx, query: Q & { limit: number; cursor?: string }) => Promise<{ data: T[]; nextCursor: string | null }>;

async function pagesOf<T extends { ownerId: string | null }, Q>(
  ctx: Ctx,
  list: Lister<T, Q>,
  query: Q,
  names: Map<string, string>,
): Promise<AsyncIterable<T[]>> {
  const first = await list(ctx, { ...query, limit: EXPORT_PAGE });
  const remember = async (rows: T[]) => {
    const missing = rows.map((r) => r.ownerId).filter((id): id is string => Boolean(id) && !names.has(id as string));
    if (missing.length) for (const [id, name] of await userNames(ctx, missing)) names.set(id, name);
  };
  await remember(first.data);
  return {
    async *[Symbol.asyncIterator]() {
      let page = first;
      for (;;) {
        yield page.data;
        if (!page.nextCursor) return;
        page = await list(ctx, { ...query, limit: EXPORT_PAGE, cursor: page.nextCursor });
        await remember(page.data);
      }
    },
  };
}

function listQuery<Q extends { format?: unknown; columns?: unknown }>(q: Q): Omit<Q, "format" | "columns"> {
  const { format: _f, columns: _c, ...rest } = q;
  return rest;
}

export async function contactExport(ctx: Ctx, query: Omit<ContactExportQuery, "format"> & { format?: string }): Promise<ExportSource<Contact>> {
  assertCan(ctx.actor, "read");
  const columns = pickColumns(contactColumnSpecs(visibleDefs(ctx, "contact", await listCustomFields(ctx, "contact"))), query.columns, ["name"]);
  const names = new Map<string, string>();
  const pages = await pagesOf(ctx, listContacts, listQuery(query), names);
  return { columns, pages, lookups: { userName: (id) => (id ? (names.get(id) ?? null) : null) }, timeZone: await workspaceTimeZone(ctx) };
}

export async function companyExport(ctx: Ctx, query: Omit<CompanyExportQuery, "format"> & { format?: string }): Promise<ExportSource<Company>> {
  assertCan(ctx.actor, "read");
  const columns = pickColumns(companyColumnSpecs(visibleDefs(ctx, "company", await listCustomFields(ctx, "company"))), query.columns, ["location"]);
  const names = new Map<string, string>();
  const pages = await pagesOf(ctx, listCompanies, listQuery(query), names);
  return { columns, pages, lookups: { userName: (id) => (id ? (names.get(id) ?? null) : null) }, timeZone: await workspaceTimeZone(ctx) };
}

export async function dealExport(ctx: Ctx, query: Omit<DealExportQuery, "format"> & { format?: string }): Promise<ExportSource<Deal>> {
  assertCan(ctx.actor, "read");
  const columns = pickColumns(dealColumnSpecs(visibleDefs(ctx, "deal", await listCustomFields(ctx, "deal"))), query.columns);
  // Deals carry their owner's name; the lookup is only there for the shared writers.
  const pages = await pagesOf(ctx, listDeals, listQuery(query), new Map());
  return { columns, pages, lookups: { userName: () => null }, timeZone: await workspaceTimeZone(ctx) };
}

const csvCell = (v: Cell, timeZone: string): string => {
  if (v === null) return "";
  // Still ISO 8601 (re-importable, unambiguous), but with the workspace's offset so the hour reads as its people expect.
  if (v instanceof Date) return isoInZone(v, timeZone);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return String(v);
  return neutralise(v);
};

/** Waits while the destination's buffer is full, so a slow client slows the database walk instead of filling memory. */
function drained(out: Writable): Promise<void> {
  if (!out.writableNeedDrain || out.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      resolve();
    };
    out.once("drain", done);
    out.once("close", done);
  });
}

export type Progress = (rowsWritten: number) => void;

/** UTF-8 CSV with a BOM (so Excel reads accents right), a header of column labels, one line per record. */
export async function writeCsv<T>(source: ExportSource<T>, out: Writable, progress?: Progress): Promise<number> {
  const csv = stringify({ bom: true, record_delimiter: "\r\n" });
  csv.on("error", (err) => out.destroy(err));
  csv.pipe(out);
  let rows = 0;
  const push = async (values: string[]) => {
    // A client that goes away mid-download closes `out`: stop waiting for a drain that will never come.
    if (!csv.write(values) && !out.destroyed)
      await new Promise((r) => {
        csv.once("drain", r);
        out.once("close", r);
      });
  };
  await push(source.columns.map((c) => neutralise(c.label)));
  for await (const page of source.pages) {
    if (out.destroyed) break;
    for (const record of page) await push(source.columns.map((c) => csvCell(c.value(record, source.lookups), source.timeZone)));
    rows += page.length;
    progress?.(rows);
  }
  await new Promise<void>((resolve, reject) => {
    if (out.destroyed || out.closed) return resolve();
    out.once("finish", resolve);
    out.once("close", resolve);
    out.once("error", reject);
    csv.end();
  });
  return rows;
}

/**
 * XLSX through exceljs' streaming writer: rows are committed page by page, never held as a workbook.
 * Strings are written as string cells (never formulas), so "=cmd()" stays text.
 */
export async function writeXlsx<T>(source: ExportSource<T>, out: Writable, sheetName: string, progress?: Progress): Promise<number> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = source.columns.map((c) => ({ header: c.label, key: c.id, width: Math.min(40, Math.max(12, c.label.length + 2)) }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  let rows = 0;
  for await (const page of source.pages) {
    if (out.destroyed) break;
    for (const record of page) {
      // Spreadsheet dates have no zone: the cell holds the workspace's wall-clock time.
      const values = source.columns.map((c) => {
        const v = c.value(record, source.lookups);
        return v instanceof Date ? wallClock(v, source.timeZone) : v;
      });
      const row = sheet.addRow(values);
      values.forEach((v, i) => {
        if (v instanceof Date) row.getCell(i + 1).numFmt = "yyyy-mm-dd hh:mm";
      });
      row.commit();
    }
    rows += page.length;
    progress?.(rows);
    await drained(out);
  }
  await sheet.commit();
  await workbook.commit();
  return rows;
}
