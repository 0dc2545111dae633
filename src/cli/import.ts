import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { basename, resolve } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import cliProgress from "cli-progress";
import { type Command, InvalidArgumentError } from "commander";
import { stringify } from "csv-stringify";
import { env } from "../config.js";
import { CountryCode } from "../contract/common.js";
import {
  ColumnDateOrder,
  DateFormat,
  ImportActivityType,
  ImportObject,
  type ImportOptions,
  type ImportPrimary,
  MatchOn,
  NumberFormat,
  OnDuplicate,
} from "../contract/imports.js";
import { type Ctx, systemActor } from "../core/context.js";
import { AppError } from "../core/errors.js";
import { openDatabase } from "../db/client.js";
import { runMigrations } from "../db/migrate.js";
import { importEnqueuer, type JobSystem, startJobSystem } from "../jobs/system.js";
import { listPipelines } from "../modules/deals/pipelines.js";
import { suggestMapping } from "../modules/imports/mapping.js";
import {
  createImport,
  discardImport,
  errorRows,
  followImport,
  getImport,
  importWorkspaceId,
  listMappings,
  previewImport,
  resumeImport,
  startImport,
  undoImport,
} from "../modules/imports/service.js";
import { getWorkspace } from "../modules/workspaces/service.js";
import { cliActor } from "./actor.js";

const orderWords = { ymd: "year-month-day", mdy: "month/day/year", dmy: "day/month/year" } as const;

const choice =
  <T extends string>(schema: { safeParse(v: unknown): { success: boolean; data?: T } }, what: string) =>
  (v: string): T => {
    const r = schema.safeParse(v);
    if (!r.success) throw new InvalidArgumentError(`${what}: not one of the allowed values`);
    return r.data as T;
  };

interface Opts {
  workspace?: string;
  mapping: string;
  match?: string;
  onDuplicate: string;
  dateFormat: string;
  numberFormat: string;
  createMissingCompanies?: boolean;
  dryRun?: boolean;
  preset?: string;
  country?: string;
  pipeline?: string;
  createMissingStages?: boolean;
  lostReason?: string;
  activityType?: ImportOptions["activityType"];
  as?: string;
  dateOrder: Record<string, "ymd" | "mdy" | "dmy">;
  primaryEmail?: string;
  primaryPhone?: string;
}

/** --date-order "Close Date=dmy", repeatable: one column's order, for dates that fit both. */
function dateOrderOption(v: string, previous: Record<string, string>): Record<string, string> {
  const at = v.lastIndexOf("=");
  const order = ColumnDateOrder.safeParse(v.slice(at + 1).trim());
  if (at <= 0 || !order.success) throw new InvalidArgumentError('date-order: write it as "<column>=mdy", "<column>=dmy" or "<column>=ymd"');
  return { ...previous, [v.slice(0, at).trim()]: order.data };
}

async function pipelineIdByName(ctx: Ctx, name: string): Promise<string> {
  const all = await listPipelines(ctx);
  const p = all.find((x) => x.name.toLowerCase() === name.trim().toLowerCase() || x.id === name);
  if (!p) throw new Error(`no pipeline "${name}" (pipelines: ${all.map((x) => x.name).join(", ")})`);
  return p.id;
}

/** Lines in a file, fast: the progress bar's total (an overestimate when cells span lines). */
async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) n++;
  }
  return Math.max(n - 1, 1);
}

/** The rejected rows with their reasons, written to the working directory where the user will look. */
async function writeErrorReport(ctx: Ctx, id: string, fileName: string): Promise<string> {
  const path = resolve(`${fileName.replace(/\.[^.]*$/, "").replace(/[^\w.-]+/g, "_")}-${id.slice(-8)}-errors.csv`);
  const rows = errorRows(ctx, id);
  const source = Readable.from(
    (async function* () {
      for await (const item of rows) {
        if ("header" in item) yield ["row", "line", "reason", ...item.header];
        else yield [String(item.row), item.line === null ? "" : String(item.line), item.reason, ...item.values];
      }
    })(),
  );
  await pipeline(source, stringify({ bom: true }), createWriteStream(path));
  return path;
}

export function registerImportCommands(program: Command): void {
  program
    .command("import")
    .description("Import contacts, companies, deals or activities from CSV/TSV/XLSX, or: import undo|resume <importId>")
    .argument("<object>", "contact | company | deal | activity (or undo | resume)")
    .argument("<file>", "the file to import (or the import id)")
    .option("--workspace <id>", "workspace id (see `rapport workspace list`); undo and resume find it from the import id")
    .option("--mapping <name>", "auto, or the name of a saved mapping", "auto")
    .option("--preset <name>", "with --mapping auto: salesforce, hubspot, pipedrive or none (default: detected)")
    .option("--match <field>", "email | domain | name | externalId | none", choice(MatchOn, "match"))
    .option("--on-duplicate <policy>", "skip | update | create", choice(OnDuplicate, "on-duplicate"), "skip")
    .option(
      "--date-format <order>",
      "auto (each column in the order its dates show) | ymd | mdy | dmy (every date column)",
      choice(DateFormat, "date-format"),
      "auto",
    )
    .option("--date-order <column=order>", 'one column\'s date order, for dates that fit both, e.g. "Close Date=dmy" (repeatable)', dateOrderOption, {})
    .option("--primary-email <column>", "contacts: the column whose email is primary (default: the first email column)")
    .option("--primary-phone <column>", "contacts: the column whose phone is primary (default: the first phone column)")
    .option("--number-format <format>", "auto | en (1,234.56) | eu (1.234,56)", choice(NumberFormat, "number-format"), "auto")
    .option("--country <code>", "country of phone numbers without a country code, on rows without a country (default: the workspace's)", (v: string) => {
      const r = CountryCode.safeParse(v);
      if (!r.success) throw new InvalidArgumentError("country: use a two-letter ISO 3166 code such as US or DE");
      return r.data;
    })
    .option("--create-missing-companies", "create companies named in the file that do not exist")
    .option("--pipeline <name>", "deals: the pipeline for rows without a pipeline column (default: the default pipeline)")
    .option("--create-missing-stages", "deals: add stages the file names that the pipeline lacks")
    .option("--lost-reason <text>", "deals: the lost reason for lost deals that give none")
    .option(
      "--activity-type <type>",
      "activities: the type of rows without one: note | call | email | meeting | task",
      choice(ImportActivityType, "activity-type"),
    )
    .option(
      "--as <email>",
      "act as this user of the workspace: owner of what the file assigns to no one, and assignee of imported tasks (default: the workspace's first admin)",
    )
    .option("--dry-run", "only report what would happen")
    .action(async (objectArg: string, fileArg: string, o: Opts) => {
      const e = env();
      const database = await openDatabase({ url: e.DATABASE_URL, dataDir: e.DATABASE_URL ? undefined : e.RAPPORT_DATA_DIR });
      let jobs: JobSystem | undefined;
      // The run is an imports.run job like any other: this process works that queue (and only it) while it waits, so the
      // import runs without a worker elsewhere; with workers on the same PostgreSQL, whichever takes the job runs it.
      const runJob = async () => {
        jobs ??= await startJobSystem({
          database,
          worker: true,
          only: ["imports.run"],
          pollingIntervalSeconds: 0.5,
          log: { info: () => {}, warn: (m) => console.warn(m), error: (m) => console.error(m) },
        });
        return importEnqueuer(jobs);
      };
      try {
        await runMigrations(database);
        const byId = objectArg === "undo" || objectArg === "resume";
        let workspaceId = o.workspace;
        if (byId) {
          const owner = await importWorkspaceId(database.db, fileArg);
          if (!owner || (workspaceId && owner !== workspaceId)) throw new Error(`no import ${fileArg}${workspaceId ? ` in workspace ${workspaceId}` : ""}`);
          workspaceId = owner;
        }
        if (!workspaceId) throw new Error("--workspace <id> is required to import a file (see `rapport workspace list`)");
        if (!(await getWorkspace(database.db, workspaceId))) throw new Error(`no workspace ${workspaceId}`);
        let ctx: Ctx = { db: database.db, workspaceId, actor: systemActor };
        if (o.as || objectArg !== "undo") {
          // Records get an owner as everywhere else: the file's, else the importing user's; from a shell, the first admin.
          const who = await cliActor(ctx, o.as);
          ctx = { ...ctx, actor: who.actor };
          if (!o.as)
            console.log(
              who.user
                ? `Importing as ${who.user.name} <${who.user.email}>, owner of the records the file assigns to no one (choose another with --as).`
                : "The workspace has no active admin: records the file assigns to no one stay without an owner.",
            );
        }
        if (objectArg === "undo") {
          const job = await undoImport(ctx, fileArg);
          console.log(`Import ${job.id} undone: ${job.counts.created} created records moved to the trash, ${job.counts.updated} updated records restored.`);
          return;
        }
        const bar = new cliProgress.SingleBar(
          { format: "{bar} {percentage}% | {value}/{total} rows | {speed} rows/s | {eta_formatted} left", etaBuffer: 50 },
          cliProgress.Presets.shades_classic,
        );
        const started = Date.now();
        const tick = (rows: number) => bar.update(rows, { speed: Math.round(rows / Math.max((Date.now() - started) / 1000, 0.001)) });
        const summary = async (id: string) => {
          const job = await getImport(ctx, id);
          const secs = (Date.now() - started) / 1000;
          console.log(
            `Import ${job.id} ${job.status}: ${job.counts.created} created, ${job.counts.updated} updated, ${job.counts.unchanged} unchanged, ${job.counts.skipped} skipped, ${job.counts.rejected} rejected` +
              `${job.companiesCreated ? ` (+${job.companiesCreated} companies created)` : ""} in ${secs.toFixed(1)} s (${Math.round(job.lastRow / secs)} rows/s).`,
          );
          if (job.error) console.log(`Error: ${job.error}`);
          if (job.counts.rejected) console.log(`Error report: ${await writeErrorReport(ctx, id, job.fileName)}`);
          console.log(`Undo with: rapport import undo ${job.id}`);
          if (job.status !== "completed") process.exitCode = 1;
        };
        if (objectArg === "resume") {
          const before = await getImport(ctx, fileArg);
          bar.start(before.totalRows ?? before.lastRow, before.lastRow, { speed: 0 });
          await resumeImport(ctx, fileArg, await runJob());
          jobs?.notify("imports.run");
          await followImport(ctx, fileArg, { onProgress: (j) => tick(j.lastRow) });
          bar.stop();
          await summary(fileArg);
          return;
        }
        const object = ImportObject.parse(objectArg);
        const path = resolve(fileArg);
        if (!existsSync(path)) throw new Error(`no such file: ${path}`);
        const job = await createImport(ctx, { object, fileName: basename(path), filePath: path });
        let mapping: Record<string, string | null>;
        let primary: ImportPrimary = {};
        if (o.mapping === "auto") {
          const s = suggestMapping(object, job.headers, o.preset === undefined ? undefined : o.preset === "none" ? null : o.preset);
          mapping = s.mapping;
          console.log(`Mapping (${s.preset ? `${s.preset} preset + ` : ""}suggestions):`);
        } else {
          const saved = (await listMappings(ctx, object)).find((m) => m.name === o.mapping);
          if (!saved) throw new Error(`no saved ${object} mapping named "${o.mapping}"`);
          mapping = Object.fromEntries(job.headers.map((h) => [h, saved.mapping[h] ?? null]));
          primary = saved.primary;
          console.log(`Mapping "${saved.name}":`);
        }
        if (o.primaryEmail) primary = { ...primary, email: o.primaryEmail };
        if (o.primaryPhone) primary = { ...primary, phone: o.primaryPhone };
        for (const [h, t] of Object.entries(mapping))
          if (t) console.log(`  ${h} → ${t}${primary.email === h || primary.phone === h ? " (primary)" : ""}${o.dateOrder[h] ? ` (${o.dateOrder[h]})` : ""}`);
        const ignored = job.headers.filter((h) => !mapping[h]);
        if (ignored.length) console.log(`Not imported (${ignored.length} of ${job.headers.length} columns have no target): ${ignored.join(", ")}`);
        const options: ImportOptions = {
          mapping,
          match: o.match as ImportOptions["match"],
          onDuplicate: o.onDuplicate as ImportOptions["onDuplicate"],
          dateFormat: o.dateFormat as ImportOptions["dateFormat"],
          ...(Object.keys(o.dateOrder).length ? { columnDateFormats: o.dateOrder } : {}),
          ...(primary.email || primary.phone ? { primary } : {}),
          numberFormat: o.numberFormat as ImportOptions["numberFormat"],
          createMissingCompanies: Boolean(o.createMissingCompanies),
          defaultCountry: o.country,
          createMissingStages: Boolean(o.createMissingStages),
          activityType: o.activityType ?? "note",
          ...(o.pipeline ? { pipelineId: await pipelineIdByName(ctx, o.pipeline) } : {}),
          ...(o.lostReason ? { defaultLostReason: o.lostReason } : {}),
        };
        const total = await countLines(path);
        bar.start(total, 0, { speed: 0 });
        if (o.dryRun) {
          // A dry run is not an import: it leaves nothing behind in the workspace's list.
          const p = await previewImport(ctx, job.id, options, tick).finally(() => discardImport(ctx, job.id));
          bar.update(p.totalRows);
          bar.stop();
          console.log(
            `Dry run of ${p.totalRows} rows: ${p.counts.create} to create, ${p.counts.update} to update, ${p.counts.unchanged} unchanged, ${p.counts.skip} to skip, ${p.counts.reject} to reject${p.companiesToCreate ? `, ${p.companiesToCreate} companies to create` : ""}.`,
          );
          for (const d of p.dateColumns)
            console.log(`Dates in "${d.header}": ${d.order ? `read as ${orderWords[d.order]}` : `undecided, use --date-order "${d.header}=dmy" (or =mdy)`}`);
          for (const w of p.warnings) console.log(`Warning: ${w}`);
          for (const r of p.rejected.slice(0, 20)) console.log(`  row ${r.row} (line ${r.line}): ${r.reason}`);
          return;
        }
        try {
          await startImport(ctx, job.id, options, await runJob());
          jobs?.notify("imports.run");
        } catch (err) {
          // Refused before it started (bad options, ambiguous dates): nothing was imported, so nothing is listed.
          bar.stop();
          if ((await getImport(ctx, job.id)).status === "uploaded") await discardImport(ctx, job.id);
          const undecided = err instanceof AppError ? (err.errors ?? []).filter((f) => f.path.startsWith("columnDateFormats.")) : [];
          if (undecided.length)
            throw new Error(
              `${undecided.map((f) => `"${f.path.slice(18)}": ${f.message}`).join("; ")}. Choose with ${undecided.map((f) => `--date-order "${f.path.slice(18)}=dmy"`).join(" ")} (or =mdy).`,
            );
          throw err;
        }
        await followImport(ctx, job.id, { onProgress: (j) => tick(j.lastRow) });
        bar.update((await getImport(ctx, job.id)).lastRow);
        bar.stop();
        await summary(job.id);
      } finally {
        await jobs?.stop();
        await database.close();
      }
    });
}
