// File in and out, each in a process of its own so its peak RSS is its own:
//   node --import tsx bench/lib/io.ts <spec.json>   → one JSON line on stdout.
// import: a contacts CSV through the app's import service (createImport stores it in the database → startImport
//         enqueues an imports.run job, which this process's job worker runs; waited for by polling), into a
//         workspace of its own ("Rapport import bench"), emptied before and after so the bench data stays as seeded;
// copy:   the same file by PostgreSQL COPY into a scratch table of text columns (the floor: no parsing of values,
//         no checks, no history) — psql's \copy for a server, COPY FROM '/dev/blob' for PGlite;
// copy-contacts: the same COPY, then one INSERT … SELECT of those rows into the contacts table of the import's
//         workspace (its indexes and triggers), mapped by SQL alone: what the database itself needs to store the
//         rows where an import stores them, so import ÷ copy-contacts is the cost of the importer's own work
//         (validation, normalisation, dedupe, scoring, history and events);
// export: every contact of the bench workspace to CSV through the code behind the API and `rapport export`.
// Embedded (PGlite) runs the database inside the process, so its RSS includes the database's memory.
import { spawn } from "node:child_process";
import { readFileSync, rmSync, statSync } from "node:fs";
import { basename } from "node:path";
import { exportToFile } from "../../src/cli/export.js";
import { ImportOptions } from "../../src/contract/imports.js";
import type { Ctx } from "../../src/core/context.js";
import { type Database, openDatabase } from "../../src/db/client.js";
import { runMigrations } from "../../src/db/migrate.js";
import { importEnqueuer, startJobSystem } from "../../src/jobs/system.js";
import { signup } from "../../src/modules/auth/service.js";
import { suggestMapping } from "../../src/modules/imports/mapping.js";
import { createImport, followImport, getImport, startImport } from "../../src/modules/imports/service.js";
import { pgliteOf, queryOnce } from "./db.js";

export interface IoSpec {
  task: "import" | "copy" | "copy-contacts" | "export";
  databaseUrl?: string;
  dataDir?: string;
  /** import, copy, copy-contacts: the CSV file; export: where to write. */
  file: string;
  /** export: the workspace to export. */
  workspaceId?: string;
}

export interface IoResult {
  task: string;
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** Peak resident set of the process doing the work (for copy: of psql, or of the PGlite process). */
  peakRssMb: number;
  fileMb: number;
  detail?: string;
}

const IMPORT_WORKSPACE = "Rapport import bench";
// Every table an import writes to, emptied for the import workspace before and after the measured run.
const IMPORT_TABLES = [
  "contacts",
  "companies",
  "record_history",
  "outbox_events",
  "import_changes",
  "import_errors",
  "import_external_ids",
  "import_files",
  "imports",
];

async function importWorkspace(database: Database): Promise<Ctx> {
  const found = await queryOnce<{ workspace_id: string; user_id: string }>(
    database,
    `select w.id as workspace_id, u.id as user_id from workspaces w join users u on u.workspace_id = w.id where w.name = $1 order by u.created_at limit 1`,
    [IMPORT_WORKSPACE],
  );
  const f = found[0];
  if (f) return { db: database.db, workspaceId: f.workspace_id, actor: { kind: "user", userId: f.user_id, role: "admin" } };
  const s = await signup(database.db, {
    workspaceName: IMPORT_WORKSPACE,
    name: "Import Bench",
    email: "import@bench.rapport.test",
    password: "rapport-bench-password",
  });
  return { db: database.db, workspaceId: s.workspace.id, actor: { kind: "user", userId: s.user.id, role: "admin" } };
}

async function emptyWorkspace(database: Database, workspaceId: string): Promise<void> {
  for (const t of IMPORT_TABLES) await queryOnce(database, `delete from ${t} where workspace_id = $1`, [workspaceId]);
}

function peakRss(): number {
  return Math.round((process.resourceUsage().maxRSS * 1024) / 1048576);
}

async function runImport(database: Database, spec: IoSpec): Promise<IoResult> {
  const ctx = await importWorkspace(database);
  await emptyWorkspace(database, ctx.workspaceId);
  const started = process.hrtime.bigint();
  const job = await createImport(ctx, { object: "contact", fileName: basename(spec.file), filePath: spec.file });
  const { mapping } = suggestMapping("contact", job.headers);
  // As `rapport import` does: the run is an imports.run job, worked by this process (the only worker it starts).
  const jobs = await startJobSystem({ database, worker: true, only: ["imports.run"], pollingIntervalSeconds: 0.5, log: console });
  try {
    await startImport(ctx, job.id, ImportOptions.parse({ mapping, match: "none" }), importEnqueuer(jobs));
    jobs.notify("imports.run");
    await followImport(ctx, job.id, { intervalMs: 1000 });
  } finally {
    await jobs.stop();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const done = await getImport(ctx, job.id);
  const rss = peakRss();
  await emptyWorkspace(database, ctx.workspaceId);
  if (database.pool) await queryOnce(database, "vacuum analyze contacts, record_history, outbox_events");
  const rows = done.lastRow;
  return {
    task: "import",
    rows,
    seconds,
    rowsPerSecond: rows / seconds,
    peakRssMb: rss,
    fileMb: statSync(spec.file).size / 1048576,
    detail: `${done.status}: ${done.counts.created} created, ${done.counts.rejected} rejected${done.error ? ` (${done.error})` : ""}`,
  };
}

const SCRATCH = "bench_copy_scratch";

/**
 * COPY of the file into the scratch table: psql's \copy for a server (it streams the file as a client would), COPY FROM
 * '/dev/blob' in this process for PGlite. Returns psql's peak RSS; for PGlite, undefined (the database is this process).
 */
async function copyIntoScratch(database: Database, spec: IoSpec): Promise<number | undefined> {
  if (database.pool && spec.databaseUrl) {
    return new Promise<number>((resolvePromise, reject) => {
      const child = spawn(
        "/usr/bin/time",
        ["-f", "%M", "psql", spec.databaseUrl as string, "-q", "-c", `\\copy ${SCRATCH} from '${spec.file}' with (format csv, header)`],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
      });
      child.on("close", (code) => {
        if (code !== 0) return reject(new Error(`psql \\copy failed (${code}): ${err}`));
        resolvePromise(Math.round(Number(err.trim().split("\n").pop()) / 1024));
      });
    });
  }
  const blob = new Blob([readFileSync(spec.file)]);
  await pgliteOf(database).query(`copy ${SCRATCH} from '/dev/blob' with (format csv, header)`, [], { blob });
  return undefined;
}

// The bench file's columns (bench/import-contacts-gen.ts), as the import's suggested mapping reads them.
const BENCH_HEADER = "First Name,Last Name,Email,Phone,Title,City,Country,Tags";

/**
 * The scratch rows into contacts with what SQL alone can do: emails lower-cased, the phone as written, the search
 * text of the same fields. Ids are time-ordered like the app's (src/core/ids.ts), so the primary key grows at its end
 * as it does under an import.
 */
const insertScratchContacts = `
  insert into contacts (workspace_id, id, first_name, last_name, emails, phones, email_list, phone_list, primary_email,
                        primary_phone, job_title, address, tags, search_text)
  select $1::uuid,
         (substr(t, 1, 8) || '-' || substr(t, 9, 4) || '-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid,
         c0, c1,
         jsonb_build_array(jsonb_build_object('email', lower(c2), 'primary', true)),
         jsonb_build_array(jsonb_build_object('phone', c3, 'primary', true)),
         array[lower(c2)], array[c3], lower(c2), c3, c4,
         jsonb_build_object('city', c5, 'country', c6),
         string_to_array(c7, ', '),
         lower(concat_ws(' ', c0, c1, c2, c3, c4))
    from (select *, row_number() over () as n, lpad(to_hex((extract(epoch from now()) * 1000)::bigint), 12, '0') as t
            from ${SCRATCH}) s`;

async function runCopy(database: Database, spec: IoSpec): Promise<IoResult> {
  const header = readFileSync(spec.file, "utf8").slice(0, 2000).split("\n")[0] ?? "";
  // One text column per column of the file: c0…cN.
  const columns = header.split(",").map((_, i) => `c${i} text`);
  const intoContacts = spec.task === "copy-contacts";
  if (intoContacts && header.trim() !== BENCH_HEADER) throw new Error(`copy-contacts maps the bench file's columns (${BENCH_HEADER}); this file has ${header}`);
  const ctx = intoContacts ? await importWorkspace(database) : undefined;
  if (ctx) await emptyWorkspace(database, ctx.workspaceId);
  await queryOnce(database, `drop table if exists ${SCRATCH}`);
  await queryOnce(database, `create table ${SCRATCH} (${columns.join(", ")})`);
  try {
    const started = process.hrtime.bigint();
    const rss = await copyIntoScratch(database, spec);
    if (ctx) await queryOnce(database, insertScratchContacts, [ctx.workspaceId]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [n] = ctx
      ? await queryOnce<{ n: number }>(database, "select count(*)::int as n from contacts where workspace_id = $1", [ctx.workspaceId])
      : await queryOnce<{ n: number }>(database, `select count(*)::int as n from ${SCRATCH}`);
    const rows = Number(n?.n ?? 0);
    return {
      task: spec.task,
      rows,
      seconds,
      rowsPerSecond: rows / seconds,
      // For PGlite the database runs in this process, the INSERT included.
      peakRssMb: rss ?? peakRss(),
      fileMb: statSync(spec.file).size / 1048576,
      ...(ctx ? { detail: "COPY into a text table, then one INSERT … SELECT into contacts (all its indexes and triggers)" } : {}),
    };
  } finally {
    await queryOnce(database, `drop table if exists ${SCRATCH}`);
    if (ctx) {
      await emptyWorkspace(database, ctx.workspaceId);
      if (database.pool) await queryOnce(database, "vacuum analyze contacts");
    }
  }
}

async function runExport(database: Database, spec: IoSpec): Promise<IoResult> {
  if (!spec.workspaceId) throw new Error("export needs workspaceId");
  const started = process.hrtime.bigint();
  const r = await exportToFile(database, "contacts", spec.file, { workspace: spec.workspaceId, format: "csv" });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const out = { task: "export", rows: r.rows, seconds, rowsPerSecond: r.rows / seconds, peakRssMb: peakRss(), fileMb: statSync(spec.file).size / 1048576 };
  rmSync(spec.file, { force: true });
  return out;
}

export async function runIo(spec: IoSpec): Promise<IoResult> {
  const database = await openDatabase({ url: spec.databaseUrl, dataDir: spec.databaseUrl ? undefined : spec.dataDir });
  try {
    await runMigrations(database);
    if (spec.task === "import") return await runImport(database, spec);
    if (spec.task === "copy" || spec.task === "copy-contacts") return await runCopy(database, spec);
    return await runExport(database, spec);
  } finally {
    await database.close();
  }
}

const specFile = process.argv[2];
if (specFile && process.argv[1]?.endsWith("io.ts")) {
  runIo(JSON.parse(readFileSync(specFile, "utf8")) as IoSpec)
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((e) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
}
