/**
 * Vitest global setup: migrates once per run what every test file would otherwise migrate again.
 *
 * - PGlite: one embedded database, migrated and saved as a template, which every test file's PGlite then starts from
 *   (`RAPPORT_TEST_PGLITE_TEMPLATE`). A fresh PGlite costs an initdb plus every migration and the job queue's schema,
 *   about 4.5 s of CPU each; loading the template costs about 1 s. The template is kept between runs, named by a hash of
 *   what it is made from, so a changed migration or pg-boss version makes a new one.
 * - PostgreSQL (TEST_DATABASE_URL): the shared database is migrated here, once, instead of by two workers at once; and
 *   a template database, migrated with the job queue's schema, is what suites with a database of their own
 *   (openPrivatePostgres) copy with `CREATE DATABASE … TEMPLATE` instead of migrating from scratch
 *   (`RAPPORT_TEST_POSTGRES_TEMPLATE`). Named by the same hash, and kept between runs like the PGlite one.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Database } from "../db/client.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const migrations = join(root, "src/db/migrations");
const quiet = { info() {}, warn() {}, error() {} };

function templateKey(): string {
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(migrations);
  for (const pkg of ["pg-boss", "@electric-sql/pglite"]) hash.update(readFileSync(join(root, "node_modules", pkg, "package.json")));
  hash.update(readFileSync(join(root, "src/jobs/system.ts")));
  return hash.digest("hex").slice(0, 16);
}

/** Our migrations and the job queue's own schema and queues, as the app creates them on first start. */
async function migrate(database: Database): Promise<void> {
  const { runMigrations } = await import("../db/migrate.js");
  const { startJobSystem } = await import("../jobs/system.js");
  await runMigrations(database);
  const jobs = await startJobSystem({ database, worker: false, log: quiet });
  await jobs.stop();
}

async function pgliteTemplate(key: string): Promise<string> {
  const dir = join(root, "node_modules/.cache/rapport-test");
  const path = join(dir, `pglite-template-${key}.tar`);
  if (!existsSync(path)) {
    const { openDatabase } = await import("../db/client.js");
    const database = await openDatabase({});
    await migrate(database);
    const dump = await (database.pglite as NonNullable<typeof database.pglite>).dumpDataDir("none");
    await database.close();
    mkdirSync(dir, { recursive: true });
    // Written beside and renamed, so a run that stops halfway never leaves a torn template for the next one.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  }
  return path;
}

async function admin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * The name of a migrated template database on the TEST_DATABASE_URL server, made if missing. Built under a name of
 * its own and renamed when complete, so two runs starting at once (other worktrees on the same server) never copy a
 * half-migrated one: the loser of the rename drops its copy and uses the winner's.
 */
async function postgresTemplate(sharedUrl: string, key: string): Promise<string> {
  const name = `rapport_template_${key}`;
  const exists = (client: pg.Client, db: string) => client.query("select 1 from pg_database where datname = $1", [db]).then((r) => (r.rowCount ?? 0) > 0);
  if (await admin(sharedUrl, (c) => exists(c, name))) return name;
  const building = `${name}_${process.pid}_${Date.now().toString(36)}`;
  await admin(sharedUrl, (c) => c.query(`create database ${building}`));
  const url = new URL(sharedUrl);
  url.pathname = `/${building}`;
  const { openDatabase } = await import("../db/client.js");
  const database = await openDatabase({ url: url.toString() });
  try {
    await migrate(database);
  } finally {
    await database.close();
  }
  await admin(sharedUrl, async (c) => {
    // A copy is refused while anyone is connected to its template: pools closing above may still be saying goodbye.
    await c.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [building]);
    try {
      await c.query(`alter database ${building} rename to ${name}`);
    } catch (err) {
      if (!(await exists(c, name))) throw err;
      await c.query(`drop database if exists ${building} with (force)`);
    }
  });
  return name;
}

export default async function setup(): Promise<void> {
  const key = templateKey();
  process.env.RAPPORT_TEST_PGLITE_TEMPLATE = await pgliteTemplate(key);
  const shared = process.env.TEST_DATABASE_URL;
  if (shared) {
    const { openDatabase } = await import("../db/client.js");
    const database = await openDatabase({ url: shared });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
    process.env.RAPPORT_TEST_POSTGRES_TEMPLATE = await postgresTemplate(shared, key);
  }
}
