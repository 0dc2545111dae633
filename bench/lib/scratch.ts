import { type Database, openDatabase } from "../../src/db/client.js";
import { runMigrations } from "../../src/db/migrate.js";

/**
 * The start of a benchmark that seeds its own workspace into a scratch database (DATABASE_URL, never the test
 * database): the record count (first bare number argument), `--runs N`, and the migrated database.
 */
export async function scratchBench(defaultCount: number): Promise<{ n: number; runs: number; database: Database }> {
  const url = process.env.DATABASE_URL;
  if (!url || /\/test$/.test(url)) throw new Error("Set DATABASE_URL to a scratch database (never the test database)");
  const args = process.argv.slice(2);
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? defaultCount);
  const runsAt = args.indexOf("--runs");
  const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 5;
  const database = await openDatabase({ url });
  await runMigrations(database);
  return { n, runs, database };
}
