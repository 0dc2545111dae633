/**
 * Vitest global setup: migrates one embedded database once per run and saves it as a template, which every test file's
 * PGlite then starts from (`RAPPORT_TEST_PGLITE_TEMPLATE`). A fresh PGlite costs an initdb plus every migration and the
 * job queue's schema, about 4.5 s of CPU each; loading the template costs about 1 s. The template is kept between runs,
 * named by a hash of what it is made from, so a changed migration or pg-boss version makes a new one.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const migrations = join(root, "src/db/migrations");

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

export default async function setup(): Promise<void> {
  const dir = join(root, "node_modules/.cache/rapport-test");
  const path = join(dir, `pglite-template-${templateKey()}.tar`);
  if (!existsSync(path)) {
    const { openDatabase } = await import("../db/client.js");
    const { runMigrations } = await import("../db/migrate.js");
    const { startJobSystem } = await import("../jobs/system.js");
    const database = await openDatabase({});
    await runMigrations(database);
    // The job queue's own schema and queues, as the app creates them on first start.
    const jobs = await startJobSystem({ database, worker: false, log: { info() {}, warn() {}, error() {} } });
    await jobs.stop();
    const dump = await (database.pglite as NonNullable<typeof database.pglite>).dumpDataDir("none");
    await database.close();
    mkdirSync(dir, { recursive: true });
    // Written beside and renamed, so a run that stops halfway never leaves a torn template for the next one.
    const partial = `${path}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, path);
  }
  process.env.RAPPORT_TEST_PGLITE_TEMPLATE = path;
}
