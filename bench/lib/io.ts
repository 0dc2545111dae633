// File in and out, each in a process of its own so its peak RSS is its own:
//   node --import tsx bench/lib/io.ts <spec.json>   → one JSON line on stdout.
// import: a contacts CSV through the app's import service (createImport → startImport, waited for), into a
//         workspace of its own ("Rapport import bench"), emptied before and after so the bench data stays as seeded;
// copy:   the same file by PostgreSQL COPY into a scratch table of text columns (the floor: no parsing of values,
//         no checks, no history) — psql's \copy for a server, COPY FROM '/dev/blob' for PGlite;
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
import { signup } from "../../src/modules/auth/service.js";
import { suggestMapping } from "../../src/modules/imports/mapping.js";
import { createImport, getImport, startImport } from "../../src/modules/imports/service.js";
import { pgliteOf, queryOnce } from "./db.js";

export interface IoSpec {
  task: "import" | "copy" | "export";
  databaseUrl?: string;
  dataDir?: string;
  /** import, copy: the CSV file; export: where to write. */
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
const IMPORT_TABLES = ["contacts", "companies", "record_history", "outbox_events", "import_changes", "import_errors", "import_external_ids", "imports"];

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
  await startImport(ctx, job.id, ImportOptions.parse({ mapping, match: "none" }), { wait: true });
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

async function runCopy(database: Database, spec: IoSpec): Promise<IoResult> {
  const header = readFileSync(spec.file, "utf8").slice(0, 2000).split("\n")[0] ?? "";
  const columns = header.split(",").map((_, i) => `c${i} text`);
  await queryOnce(database, `drop table if exists ${SCRATCH}`);
  await queryOnce(database, `create table ${SCRATCH} (${columns.join(", ")})`);
  let seconds: number;
  let rss: number;
  try {
    if (database.pool && spec.databaseUrl) {
      // psql's \copy streams the file over the connection, as a client would.
      const started = process.hrtime.bigint();
      rss = await new Promise<number>((resolvePromise, reject) => {
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
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
    } else {
      const pg = pgliteOf(database);
      const started = process.hrtime.bigint();
      const blob = new Blob([readFileSync(spec.file)]);
      await pg.query(`copy ${SCRATCH} from '/dev/blob' with (format csv, header)`, [], { blob });
      seconds = Number(process.hrtime.bigint() - started) / 1e9;
      rss = peakRss();
    }
    const [n] = await queryOnce<{ n: number }>(database, `select count(*)::int as n from ${SCRATCH}`);
    const rows = Number(n?.n ?? 0);
    return { task: "copy", rows, seconds, rowsPerSecond: rows / seconds, peakRssMb: rss, fileMb: statSync(spec.file).size / 1048576 };
  } finally {
    await queryOnce(database, `drop table if exists ${SCRATCH}`);
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
    if (spec.task === "copy") return await runCopy(database, spec);
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
