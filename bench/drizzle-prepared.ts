// What a contact lookup by id costs the server's process, three ways: built by Drizzle on every call, Drizzle's
// prepared query (src/db/prepared.ts), and the same SQL through the driver. The evidence for preparing hot lookups.
//
//   BENCH_DATABASE_URL=postgres://…/rapport_bench npx tsx bench/drizzle-prepared.ts
//   RAPPORT_DATA_DIR=bench/.data/pglite-100k npx tsx bench/drizzle-prepared.ts
import { and, eq } from "drizzle-orm";
import { openDatabase } from "../src/db/client.js";
import { param } from "../src/db/prepared.js";
import { contacts } from "../src/db/schema.js";
import { queryOnce } from "./lib/db.js";

const LOOKUPS = 20_000;
const CONCURRENCY = 10;
const ROUNDS = 3;

const url = process.env.BENCH_DATABASE_URL;
const dataDir = process.env.RAPPORT_DATA_DIR;
if (!url && !dataDir) {
  process.stderr.write("Set BENCH_DATABASE_URL (PostgreSQL) or RAPPORT_DATA_DIR (a seeded PGlite folder).\n");
  process.exit(2);
}
const database = await openDatabase(url ? { url } : { dataDir });
const { db } = database;
const [workspace] = await queryOnce<{ id: string }>(database, "select id from workspaces order by created_at limit 1");
if (!workspace) throw new Error("No workspace: seed one first (npm run seed).");
const ids = (await queryOnce<{ id: string }>(database, "select id from contacts where workspace_id = $1 limit 2000", [workspace.id])).map((r) => r.id);
if (ids.length === 0) throw new Error("The workspace has no contacts: seed one first (npm run seed).");

const preparedLookup = db
  .select()
  .from(contacts)
  .where(and(eq(contacts.workspaceId, param("workspaceId")), eq(contacts.id, param("id"))))
  .prepare("bench_contact_by_id");

const variants: Record<string, (id: string) => Promise<unknown>> = {
  "built by Drizzle each call": (id) =>
    db
      .select()
      .from(contacts)
      .where(and(eq(contacts.workspaceId, workspace.id), eq(contacts.id, id))),
  "Drizzle prepared (named)": (id) => preparedLookup.execute({ workspaceId: workspace.id, id }),
  "driver, unnamed statement": (id) => queryOnce(database, "select * from contacts where workspace_id = $1 and id = $2", [workspace.id, id]),
};

async function measure(lookup: (id: string) => Promise<unknown>): Promise<{ perSecond: number; cpuMicros: number }> {
  let next = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < LOOKUPS) await lookup(ids[next++ % ids.length] as string);
    }),
  );
  const used = process.cpuUsage(cpu);
  return { perSecond: (LOOKUPS / (performance.now() - started)) * 1000, cpuMicros: (used.user + used.system) / LOOKUPS };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const samples = new Map<string, { perSecond: number; cpuMicros: number }[]>();
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, lookup] of Object.entries(variants)) samples.set(name, [...(samples.get(name) ?? []), await measure(lookup)]);
}
process.stdout.write(`${database.kind}, ${LOOKUPS.toLocaleString("en")} lookups × ${ROUNDS} rounds at concurrency ${CONCURRENCY} (medians)\n`);
for (const [name, runs] of samples) {
  const rate = median(runs.map((r) => r.perSecond));
  const cpu = median(runs.map((r) => r.cpuMicros));
  process.stdout.write(
    `${name.padEnd(28)} ${Math.round(rate).toLocaleString("en").padStart(7)} lookups/s   ${cpu.toFixed(0).padStart(4)} µs CPU in this process per lookup\n`,
  );
}
await database.close();
