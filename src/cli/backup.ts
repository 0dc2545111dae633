import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { pipeline, type Writable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { SingleBar } from "cli-progress";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { is, type SQL, sql } from "drizzle-orm";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { z } from "zod";
import { env } from "../config.js";
import { type Database, type Db, openDatabase, queryRows } from "../db/client.js";
import { derivedTables, recomputeStrayActivity } from "../db/derived.js";
import { runMigrations } from "../db/migrate.js";
import * as schema from "../db/schema.js";

/**
 * Backup archives: gzip'd NDJSON. Line 1 is the header (format version, app version, migration level, time,
 * scope, tables with row counts); then, per table, a {"table":…,"columns":[…]} line followed by one
 * {"t":…,"r":{…}} line per row. Rows are PostgreSQL's own to_jsonb() text, written and read back verbatim
 * (jsonb_populate_recordset), so numerics, timestamps, arrays and jsonb keep their exact values. The table
 * list comes from the Drizzle schema, so a table added there is in the next backup without touching this file.
 */

export const BACKUP_FORMAT = "rapport-backup";
export const BACKUP_FORMAT_VERSION = 1;
const FETCH = 2000;
const INSERT_BATCH_BYTES = 4 * 1024 * 1024;

const appVersion = (): string => {
  try {
    return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
};

export const MigrationLevel = z.object({ count: z.number().int(), latest: z.number() });
export type MigrationLevel = z.infer<typeof MigrationLevel>;

export const BackupHeader = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number().int(),
  appVersion: z.string(),
  migration: MigrationLevel,
  createdAt: z.string(),
  scope: z.union([z.object({ type: z.literal("instance") }), z.object({ type: z.literal("workspace"), workspaceId: z.uuid(), name: z.string() })]),
  database: z.enum(["pglite", "postgres"]),
  tables: z.array(z.object({ name: z.string(), rows: z.number().int() })),
});
export type BackupHeader = z.infer<typeof BackupHeader>;

export class BackupError extends Error {}

interface TableInfo {
  name: string;
  /**
   * Scoped by workspace_id (every table but workspaces itself, which is scoped by id, and identities: the people who
   * are members of the workspace).
   */
  scopeColumn: "workspace_id" | "id" | "identity";
}

/**
 * Tables of the running server rather than of the data: event consumers' cursors are positions in this server's
 * stream. A restored database's consumers register afresh at its present, so restored events are not delivered twice.
 */
const serverState: ReadonlySet<string> = new Set(["event_consumers", "password_resets"]);
// password_resets: hour-long single-use links; a restored database starts without any.

/** Every table of the Drizzle schema, in schema order. */
export function schemaTables(): TableInfo[] {
  const out: TableInfo[] = [];
  for (const value of Object.values(schema)) {
    if (!is(value, PgTable)) continue;
    const config = getTableConfig(value);
    if (derivedTables.has(config.name) || serverState.has(config.name)) continue;
    const hasWorkspace = config.columns.some((c) => c.name === "workspace_id");
    out.push({ name: config.name, scopeColumn: hasWorkspace ? "workspace_id" : config.name === "identities" ? "identity" : "id" });
  }
  return out;
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

async function existingTables(db: Db, tables: TableInfo[]): Promise<TableInfo[]> {
  const rows = await queryRows<{ name: string }>(db, sql`select table_name as name from information_schema.tables where table_schema = current_schema()`);
  const present = new Set(rows.map((r) => r.name));
  return tables.filter((t) => present.has(t.name));
}

/** Columns a restore can write: the table's own, minus generated ones (search vectors are recomputed). */
async function writableColumns(db: Db, table: string): Promise<{ writable: string[]; generated: string[] }> {
  const rows = await queryRows<{ name: string; generated: string }>(
    db,
    sql`select column_name as name, is_generated as generated from information_schema.columns
        where table_schema = current_schema() and table_name = ${table} order by ordinal_position`,
  );
  return {
    writable: rows.filter((r) => r.generated !== "ALWAYS").map((r) => r.name),
    generated: rows.filter((r) => r.generated === "ALWAYS").map((r) => r.name),
  };
}

export async function migrationLevel(db: Db): Promise<MigrationLevel> {
  const [row] = await queryRows<{ count: number; latest: string | null }>(
    db,
    sql`select count(*)::int as count, max(created_at)::text as latest from drizzle.__drizzle_migrations`,
  );
  return { count: Number(row?.count ?? 0), latest: Number(row?.latest ?? 0) };
}

const scopeWhere = (t: TableInfo, workspaceId: string | undefined): SQL =>
  !workspaceId
    ? sql``
    : t.scopeColumn === "identity"
      ? sql`where id in (select identity_id from users where workspace_id = ${sql.raw(`'${workspaceId}'::uuid`)})`
      : sql`where ${ident(t.scopeColumn)} = ${sql.raw(`'${workspaceId}'::uuid`)}`;

/**
 * Writes, and when the stream asks to wait, resolves on drain or rejects on error — removing the other listener
 * either way: one left per wait piled up on the gzip stream and raised MaxListenersExceededWarning on every backup.
 */
export function writeChunk(out: Writable, chunk: string): Promise<void> | undefined {
  if (out.write(chunk)) return undefined;
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      out.off("error", onError);
      resolve();
    };
    const onError = (err: Error) => {
      out.off("drain", onDrain);
      reject(err);
    };
    out.once("drain", onDrain);
    out.once("error", onError);
  });
}

export interface Progress {
  start(total: number): void;
  increment(n: number): void;
  stop(): void;
}

export interface BackupResult {
  header: BackupHeader;
  rows: number;
}

/** Writes an archive of the whole instance, or of one workspace, from one consistent snapshot. */
export async function backupDatabase(database: Database, file: string, options: { workspaceId?: string; progress?: Progress } = {}): Promise<BackupResult> {
  const { db } = database;
  const workspaceId = options.workspaceId;
  if (workspaceId && !z.uuid().safeParse(workspaceId).success) throw new BackupError("--workspace must be a workspace id (see `rapport workspace list`)");
  const gzip = createGzip();
  const done = new Promise<void>((resolve, reject) => pipeline(gzip, createWriteStream(file), (err) => (err ? reject(err) : resolve())));
  let rows = 0;
  try {
    const header = await db.transaction(async (tx) => {
      // One snapshot for every table: rows written while the backup runs are either all in or all out.
      await tx.execute(sql`set transaction isolation level repeatable read, read only`);
      const tables = await existingTables(tx as unknown as Db, schemaTables());
      let scope: BackupHeader["scope"] = { type: "instance" };
      if (workspaceId) {
        const [ws] = await queryRows<{ name: string }>(tx as unknown as Db, sql`select name from workspaces where id = ${workspaceId}::uuid`);
        if (!ws) throw new BackupError(`No workspace ${workspaceId} in this database (see \`rapport workspace list\`)`);
        scope = { type: "workspace", workspaceId, name: ws.name };
      }
      const counts: { name: string; rows: number }[] = [];
      for (const t of tables) {
        const [c] = await queryRows<{ n: number }>(tx as unknown as Db, sql`select count(*)::int as n from ${ident(t.name)} ${scopeWhere(t, workspaceId)}`);
        counts.push({ name: t.name, rows: Number(c?.n ?? 0) });
      }
      const header: BackupHeader = {
        format: BACKUP_FORMAT,
        formatVersion: BACKUP_FORMAT_VERSION,
        appVersion: appVersion(),
        migration: await migrationLevel(tx as unknown as Db),
        createdAt: new Date().toISOString(),
        scope,
        database: database.kind,
        tables: counts,
      };
      await writeChunk(gzip, `${JSON.stringify(header)}\n`);
      options.progress?.start(counts.reduce((s, c) => s + c.rows, 0));
      for (const t of tables) {
        const { writable, generated } = await writableColumns(tx as unknown as Db, t.name);
        await writeChunk(gzip, `${JSON.stringify({ table: t.name, columns: writable })}\n`);
        const strip = generated.length ? sql` - ${sql.raw(`array[${generated.map((g) => `'${g}'`).join(",")}]::text[]`)}` : sql``;
        await tx.execute(
          sql`declare rapport_backup no scroll cursor for select (to_jsonb(x)${strip})::text as j from ${ident(t.name)} x ${scopeWhere(t, workspaceId)}`,
        );
        const prefix = `{"t":${JSON.stringify(t.name)},"r":`;
        for (;;) {
          const batch = await queryRows<{ j: string }>(tx as unknown as Db, sql`fetch ${sql.raw(String(FETCH))} from rapport_backup`);
          if (batch.length === 0) break;
          await writeChunk(gzip, batch.map((b) => `${prefix}${b.j}}\n`).join(""));
          rows += batch.length;
          options.progress?.increment(batch.length);
        }
        await tx.execute(sql`close rapport_backup`);
      }
      return header;
    });
    gzip.end();
    await done;
    return { header, rows };
  } catch (err) {
    gzip.destroy();
    await done.catch(() => {});
    throw err;
  } finally {
    options.progress?.stop();
  }
}

async function* archiveLines(file: string): AsyncGenerator<string> {
  const input = createReadStream(file).pipe(createGunzip());
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) if (line) yield line;
  } catch (err) {
    throw new BackupError(`${file} is not a readable backup archive (${(err as Error).message})`);
  }
}

export async function readHeader(file: string): Promise<BackupHeader> {
  for await (const line of archiveLines(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      break;
    }
    const h = BackupHeader.safeParse(parsed);
    if (!h.success) break;
    return h.data;
  }
  throw new BackupError(`${file} is not a Rapport backup (no header line)`);
}

export type RestoreMode = "into-empty" | "replace-workspace";

export interface RestoreResult {
  header: BackupHeader;
  rows: number;
  replaced: number;
}

/**
 * Restores an archive in one transaction. An instance archive goes only into an empty database; a workspace
 * archive replaces that workspace's rows (all of them, in every table) or adds the workspace if it is not
 * there. Refused when the archive comes from a newer migration level than this database's.
 */
export async function restoreDatabase(database: Database, file: string, options: { mode?: RestoreMode; progress?: Progress } = {}): Promise<RestoreResult> {
  const { db } = database;
  const header = await readHeader(file);
  if (header.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new BackupError(
      `This archive has format version ${header.formatVersion}; this Rapport reads up to ${BACKUP_FORMAT_VERSION}. Upgrade Rapport to restore it.`,
    );
  }
  const level = await migrationLevel(db);
  if (header.migration.latest > level.latest || header.migration.count > level.count) {
    throw new BackupError(
      `The archive was made at migration level ${header.migration.count} (Rapport ${header.appVersion}); this database is at level ${level.count}. ` +
        "Upgrade Rapport (and run `rapport migrate`) before restoring it.",
    );
  }
  const tables = await existingTables(db, schemaTables());
  const workspaceId = header.scope.type === "workspace" ? header.scope.workspaceId : undefined;
  if (header.scope.type === "instance") {
    if (options.mode === "replace-workspace")
      throw new BackupError("This archive holds a whole instance, not one workspace: restore it with --into-empty into an empty database.");
    const [ws] = await queryRows<{ n: number }>(db, sql`select count(*)::int as n from workspaces`);
    let nonEmpty = Number(ws?.n ?? 0) > 0 ? `${ws?.n} workspace(s)` : "";
    if (!nonEmpty) {
      for (const t of tables) {
        const [r] = await queryRows<{ x: number }>(db, sql`select 1 as x from ${ident(t.name)} limit 1`);
        if (r) {
          nonEmpty = `rows in ${t.name}`;
          break;
        }
      }
    }
    if (nonEmpty) {
      throw new BackupError(
        `The database is not empty (${nonEmpty}). An instance archive restores only into an empty database; to restore one workspace, back it up with --workspace and restore that with --replace-workspace.`,
      );
    }
  } else {
    if (options.mode === "into-empty")
      throw new BackupError(
        "This archive holds one workspace; restore it with --replace-workspace (or without a flag if the workspace is not in this database).",
      );
    const [exists] = await queryRows<{ x: number }>(db, sql`select 1 as x from workspaces where id = ${workspaceId}::uuid`);
    if (exists && options.mode !== "replace-workspace") {
      throw new BackupError(
        `Workspace ${header.scope.name} (${workspaceId}) is already in this database; pass --replace-workspace to replace its data with the archive's.`,
      );
    }
  }
  const known = new Map(tables.map((t) => [t.name, t]));
  let rows = 0;
  let replaced = 0;
  options.progress?.start(header.tables.reduce((s, t) => s + t.rows, 0));
  try {
    await db.transaction(async (tx) => {
      const txDb = tx as unknown as Db;
      // References between records are checked at commit: tables are emptied and loaded in the archive's order, in
      // which a contact may come before its company.
      await txDb.execute(sql`set constraints all deferred`);
      if (workspaceId) {
        for (const t of tables) {
          // People are not the workspace's to delete: they may belong to others. Their memberships (users) go.
          if (t.scopeColumn === "identity") continue;
          const deleted = await queryRows<{ x: number }>(txDb, sql`delete from ${ident(t.name)} ${scopeWhere(t, workspaceId)} returning 1 as x`);
          replaced += deleted.length;
        }
      }
      let table: string | null = null;
      let columns: string[] = [];
      let batch: string[] = [];
      let batchBytes = 0;
      const flush = async () => {
        if (!table || batch.length === 0) return;
        const cols = sql.raw(columns.map((c) => `"${c.replace(/"/g, '""')}"`).join(", "));
        const info = known.get(table) as TableInfo;
        if (info.scopeColumn === "identity") {
          // A person this database already has (same id, or same email) keeps their own password; the workspace's
          // memberships are linked to them below.
          await txDb.execute(
            sql`insert into ${ident(table)} (${cols}) select ${cols} from jsonb_populate_recordset(null::${ident(table)}, ${`[${batch.join(",")}]`}::jsonb) x on conflict do nothing`,
          );
          rows += batch.length;
          options.progress?.increment(batch.length);
          batch = [];
          batchBytes = 0;
          return;
        }
        // A workspace archive writes only its own workspace's rows: an edited archive cannot reach into another one.
        const inserted = await queryRows<{ n: number }>(
          txDb,
          sql`with ins as (insert into ${ident(table)} (${cols}) select ${cols} from jsonb_populate_recordset(null::${ident(table)}, ${`[${batch.join(",")}]`}::jsonb) x ${scopeWhere(info, workspaceId)} returning 1) select count(*)::int as n from ins`,
        );
        if (Number(inserted[0]?.n) !== batch.length) throw new BackupError(`Archive is damaged: ${table} has rows of another workspace`);
        rows += batch.length;
        options.progress?.increment(batch.length);
        batch = [];
        batchBytes = 0;
      };
      let first = true;
      for await (const line of archiveLines(file)) {
        if (first) {
          first = false;
          continue; // the header, read above
        }
        if (line.startsWith('{"t":')) {
          const comma = line.indexOf(',"r":');
          const name = JSON.parse(line.slice(5, comma)) as string;
          if (name !== table) throw new BackupError(`Archive is damaged: a row of ${name} outside its table section`);
          if (!known.has(name)) continue;
          const row = line.slice(comma + 5, -1);
          batch.push(row);
          batchBytes += row.length;
          if (batch.length >= 1000 || batchBytes >= INSERT_BATCH_BYTES) await flush();
          continue;
        }
        await flush();
        const section = JSON.parse(line) as { table: string; columns: string[] };
        table = section.table;
        if (!known.has(table)) {
          // A table this database does not have (dropped in a later migration): its rows are left out.
          columns = [];
          continue;
        }
        const { writable } = await writableColumns(txDb, table);
        columns = section.columns.filter((c) => writable.includes(c));
        if (workspaceId && section.columns.includes("workspace_id") === false && table !== "workspaces" && table !== "identities") {
          throw new BackupError(`Archive is damaged: ${table} has no workspace_id`);
        }
      }
      await flush();
      if (workspaceId) {
        // Memberships point at the person of their email in this database, and people brought only by an edited
        // archive (members of nothing) are not kept.
        await txDb.execute(
          sql`update users u set identity_id = i.id from identities i where u.workspace_id = ${sql.raw(`'${workspaceId}'::uuid`)} and i.email = lower(u.email) and u.identity_id <> i.id`,
        );
        await txDb.execute(sql`delete from identities i where not exists (select 1 from users u where u.identity_id = i.id)`);
      }
      await recomputeStrayActivity(txDb, workspaceId);
      // Restored events keep their positions: new ones must be numbered after them, or consumers would never reach them.
      await txDb.execute(
        sql`select setval('outbox_position_seq', greatest(coalesce((select max(position) from outbox_events), 0), (select last_value from outbox_position_seq), 1))`,
      );
    });
  } catch (err) {
    if (err instanceof BackupError) throw err;
    const e = err as { message?: string; cause?: { message?: string; detail?: string } };
    throw new BackupError(`Restore failed and was rolled back: ${e.cause?.message ?? e.message}${e.cause?.detail ? ` (${e.cause.detail})` : ""}`);
  } finally {
    options.progress?.stop();
  }
  return { header, rows, replaced };
}

// ---- commands ----

function progressBar(label: string): Progress {
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} rows | {duration_formatted}`,
    stream: process.stderr,
    hideCursor: true,
  });
  return { start: (total) => bar.start(total, 0), increment: (n) => bar.increment(n), stop: () => bar.stop() };
}

async function withDb<T>(fn: (d: Database) => Promise<T>): Promise<T> {
  const e = env();
  const database = await openDatabase({ url: e.DATABASE_URL, dataDir: e.DATABASE_URL ? undefined : e.RAPPORT_DATA_DIR });
  try {
    await runMigrations(database);
    return await fn(database);
  } finally {
    await database.close();
  }
}

const uuidArg = (v: string) => {
  if (!z.uuid().safeParse(v).success) throw new InvalidArgumentError("workspace: expected a workspace id (see `rapport workspace list`)");
  return v;
};

export function registerBackupCommands(program: Command): void {
  program
    .command("backup")
    .description("Write a gzip'd NDJSON backup of the whole instance, or of one workspace")
    .argument("<file>", "archive to write, e.g. rapport-2026-01-31.ndjson.gz")
    .option("--workspace <id>", "back up only this workspace", uuidArg)
    .action(async (file: string, o: { workspace?: string }) => {
      await withDb(async (database) => {
        const r = await backupDatabase(database, file, { workspaceId: o.workspace, progress: progressBar("Backing up") });
        const what = r.header.scope.type === "workspace" ? `workspace "${r.header.scope.name}"` : "the whole instance";
        console.log(`Backed up ${what}: ${r.rows} rows from ${r.header.tables.length} tables to ${file} (migration level ${r.header.migration.count}).`);
      });
    });
  program
    .command("restore")
    .description("Restore a backup: a whole instance into an empty database, or one workspace (replacing its data)")
    .argument("<file>", "archive written by `rapport backup`")
    .option("--into-empty", "restore a whole-instance archive into this (empty) database")
    .option("--replace-workspace", "replace the archive's workspace, if present, with the archive's data")
    .action(async (file: string, o: { intoEmpty?: boolean; replaceWorkspace?: boolean }) => {
      if (o.intoEmpty && o.replaceWorkspace) throw new BackupError("Choose one of --into-empty and --replace-workspace.");
      await withDb(async (database) => {
        const r = await restoreDatabase(database, file, {
          mode: o.intoEmpty ? "into-empty" : o.replaceWorkspace ? "replace-workspace" : undefined,
          progress: progressBar("Restoring"),
        });
        const what = r.header.scope.type === "workspace" ? `workspace "${r.header.scope.name}"` : "the instance";
        console.log(`Restored ${what}: ${r.rows} rows${r.replaced ? ` (replacing ${r.replaced})` : ""} from a backup of ${r.header.createdAt}.`);
      });
    });
}
