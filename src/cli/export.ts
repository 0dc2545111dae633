import { createWriteStream } from "node:fs";
import { extname } from "node:path";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { z } from "zod";
import { env } from "../config.js";
import { CompanyExportQuery, ContactExportQuery } from "../contract/exports.js";
import { systemActor } from "../core/context.js";
import { AppError } from "../core/errors.js";
import { openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { getWorkspace } from "../modules/workspaces/service.js";

interface ExportOptions {
  workspace: string;
  format?: string;
  q?: string;
  filter?: string;
  sort?: string;
  columns?: string;
  trashed?: boolean;
}

/** Runs an export to a file; the CLI and benchmarks share it. Returns the rows written. */
export async function exportToFile(
  database: Awaited<ReturnType<typeof openDatabase>>,
  object: "contacts" | "companies",
  file: string,
  o: ExportOptions,
  progress?: (rows: number) => void,
): Promise<{ rows: number; format: string }> {
  const format = o.format ?? (extname(file).slice(1).toLowerCase() || "csv");
  const raw = { format, q: o.q, filter: o.filter, sort: o.sort, columns: o.columns, ...(o.trashed ? { trashed: "true" } : {}) };
  const parsed = (object === "contacts" ? ContactExportQuery : CompanyExportQuery).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError("validation_failed", `${issue?.path.join(".") || "options"}: ${issue?.message ?? "invalid"}`);
  }
  // Loaded on use: the writers pull in exceljs, which every other command can do without.
  const { companyExport, contactExport, writeCsv, writeXlsx } = await import("../modules/exports/service.js");
  const { writeVcf } = await import("../modules/vcard/service.js");
  const ctx = { db: database.db, workspaceId: o.workspace, actor: systemActor };
  if (!(await getWorkspace(database.db, o.workspace))) throw new AppError("not_found", `No workspace ${o.workspace} (see \`rapport workspace list\`)`);
  const source =
    object === "contacts" ? await contactExport(ctx, parsed.data as ContactExportQuery) : await companyExport(ctx, parsed.data as CompanyExportQuery);
  const out = createWriteStream(file);
  const rows =
    parsed.data.format === "vcf"
      ? await writeVcf(source.pages as Parameters<typeof writeVcf>[0], out, progress)
      : parsed.data.format === "xlsx"
        ? await writeXlsx(source as Parameters<typeof writeXlsx>[0], out, object === "contacts" ? "Contacts" : "Companies", progress)
        : await writeCsv(source as Parameters<typeof writeCsv>[0], out, progress);
  await new Promise<void>((resolve, reject) => {
    if (out.closed) return resolve();
    out.once("close", resolve);
    out.once("error", reject);
    if (!out.writableEnded) out.end();
  });
  return { rows, format: parsed.data.format };
}

export function registerExportCommand(program: Command): void {
  program
    .command("export")
    .description("Export a workspace's contacts or companies (a whole list, or a filtered view) to CSV, XLSX or vCard")
    .argument("<object>", "contacts or companies", (v) => {
      if (v !== "contacts" && v !== "companies") throw new InvalidArgumentError("expected contacts or companies");
      return v;
    })
    .argument("<file>", "file to write; the format follows its extension (.csv, .xlsx, .vcf) unless --format is given")
    .requiredOption("--workspace <id>", "workspace id (see `rapport workspace list`)", (v) => {
      if (!z.uuid().safeParse(v).success) throw new InvalidArgumentError("expected a workspace id");
      return v;
    })
    .option("--format <format>", "csv, xlsx or vcf (vcf: contacts only)")
    .option("--q <text>", "search, as in the list's search box")
    .option("--filter <json>", 'JSON array of conditions, e.g. \'[{"field":"tags","op":"contains","value":"vip"}]\'')
    .option("--sort <field>", "sort field; prefix with - for descending (default -createdAt)")
    .option("--columns <ids>", "comma-separated column ids (default: every column)")
    .option("--trashed", "export the trash instead")
    .action(async (object: "contacts" | "companies", file: string, o: ExportOptions) => {
      const e = env();
      const database = await openDatabase({ url: e.DATABASE_URL, dataDir: e.DATABASE_URL ? undefined : e.RAPPORT_DATA_DIR });
      const bar = new SingleBar({ format: `Exporting ${object} {value} rows | {duration_formatted}`, stream: process.stderr, hideCursor: true });
      const started = Date.now();
      try {
        await runMigrations(database);
        bar.start(0, 0);
        const r = await exportToFile(database, object, file, o, (rows) => bar.update(rows));
        bar.stop();
        const secs = (Date.now() - started) / 1000;
        console.log(`Exported ${r.rows} ${object} to ${file} (${r.format}) in ${secs.toFixed(1)} s.`);
      } finally {
        bar.stop();
        await database.close();
      }
    });
}
