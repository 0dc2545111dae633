import { createWriteStream } from "node:fs";
import { extname } from "node:path";
import { SingleBar } from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { z } from "zod";
import { env } from "../config.js";
import { CompanyExportQuery, ContactExportQuery } from "../contract/exports.js";
import { type Ctx, systemActor } from "../core/context.js";
import { AppError } from "../core/errors.js";
import { openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { auditExport } from "../modules/audit/service.js";
import { getWorkspace } from "../modules/workspaces/service.js";
import { cliActor } from "./actor.js";

/** What the audit log shows as the origin of a command's export: no address, the command for a user agent. */
const CLI_ORIGIN = { ip: null, userAgent: "rapport CLI" };

interface ExportOptions {
  workspace: string;
  format?: string;
  q?: string;
  filter?: string;
  sort?: string;
  columns?: string;
  trashed?: boolean;
  /** The user the export is made as (email); default the workspace's first admin (cliActor). */
  as?: string;
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
  if (!(await getWorkspace(database.db, o.workspace))) throw new AppError("not_found", `No workspace ${o.workspace} (see \`rapport workspace list\`)`);
  const system: Ctx = { db: database.db, workspaceId: o.workspace, actor: systemActor, origin: CLI_ORIGIN };
  const ctx: Ctx = { ...system, actor: (await cliActor(system, o.as)).actor };
  // Loaded on use: the writers pull in exceljs, which every other command can do without.
  const { companyExport, contactExport, writeCsv, writeXlsx } = await import("../modules/exports/service.js");
  const { writeVcf } = await import("../modules/vcard/service.js");
  const query = parsed.data;
  const source = object === "contacts" ? await contactExport(ctx, query as ContactExportQuery) : await companyExport(ctx, query as CompanyExportQuery);
  // On record as an API export is, with the same query (who, object, filter, format, then the row count): a file
  // taken from a shell is data leaving the CRM all the same.
  const finished = await auditExport(ctx, { object: object === "contacts" ? "contact" : "company", format: query.format, query });
  const out = createWriteStream(file);
  try {
    const rows =
      query.format === "vcf"
        ? await writeVcf(source.pages as Parameters<typeof writeVcf>[0], out, progress)
        : query.format === "xlsx"
          ? await writeXlsx(source as Parameters<typeof writeXlsx>[0], out, object === "contacts" ? "Contacts" : "Companies", progress)
          : await writeCsv(source as Parameters<typeof writeCsv>[0], out, progress);
    await new Promise<void>((resolve, reject) => {
      if (out.closed) return resolve();
      out.once("close", resolve);
      out.once("error", reject);
      if (!out.writableEnded) out.end();
    });
    await finished(rows);
    return { rows, format: query.format };
  } catch (e) {
    out.destroy();
    await finished(null, e instanceof Error ? e.message : String(e));
    throw e;
  }
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
    .option("--as <email>", "export as this user of the workspace: what they may see, and who the audit log names (default: the workspace's first admin)")
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
