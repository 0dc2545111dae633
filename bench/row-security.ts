/**
 * What row-level security costs a request's transaction: the same get, list and create, in transactions, with the
 * policies off (before: tables without row security) and on with the workspace stated (after: what a request's
 * transaction does, src/db/workspace-scope.ts, including its extra statement and the switch to rapport_app).
 * Rounds alternate before/after so load from other processes falls on both alike; medians per operation.
 *
 *   npx tsx bench/row-security.ts                       # PGlite in memory
 *   BENCH_DATABASE_URL=postgres://… npx tsx bench/row-security.ts   # a PostgreSQL database of its own (tables are altered)
 */
import { sql } from "drizzle-orm";
import { type Database, openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { scopedToWorkspace } from "../src/db/workspace-scope.js";

const CONTACTS = Number(process.env.CONTACTS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 6);
const PER_ROUND = Number(process.env.PER_ROUND ?? 150);

async function setRowSecurity(database: Database, on: boolean): Promise<void> {
  const tables = await queryRows<{ name: string }>(
    database.db,
    sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace join pg_policy p on p.polrelid = c.oid where n.nspname = current_schema()`,
  );
  for (const { name } of tables) {
    await database.db.execute(sql.raw(`alter table "${name}" ${on ? "enable" : "disable"} row level security`));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function main() {
  // BENCH_DATABASE_URL as the other benches take it; DATABASE_URL as this one first did.
  const database = await openDatabase({ url: process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL });
  await runMigrations(database);
  const db = database.db;
  const ws = crypto.randomUUID();
  await db.execute(sql`insert into workspaces (id, name, slug) values (${ws}::uuid, 'bench row security', ${`bench-rls-${ws}`})`);
  await db.execute(
    sql`insert into contacts (workspace_id, id, first_name, last_name, created_at)
        select ${ws}::uuid, gen_random_uuid(), 'First' || i, 'Last' || i, now() - make_interval(secs => i) from generate_series(1, ${CONTACTS}) i`,
  );
  // Another workspace's rows beside them, as in a real instance.
  const other = crypto.randomUUID();
  await db.execute(sql`insert into workspaces (id, name, slug) values (${other}::uuid, 'bench other', ${`bench-other-${other}`})`);
  await db.execute(
    sql`insert into contacts (workspace_id, id, first_name, created_at) select ${other}::uuid, gen_random_uuid(), 'Other' || i, now() from generate_series(1, ${CONTACTS}) i`,
  );
  await db.execute(sql`analyze contacts`);
  const ids = (await queryRows<{ id: string }>(db, sql`select id from contacts where workspace_id = ${ws}::uuid limit 2000`)).map((r) => r.id);
  const ops = {
    get: (tx: typeof db, i: number) => tx.execute(sql`select * from contacts where workspace_id = ${ws}::uuid and id = ${ids[i % ids.length]}::uuid`),
    list: (tx: typeof db) =>
      tx.execute(sql`select * from contacts where workspace_id = ${ws}::uuid and deleted_at is null order by created_at desc, id desc limit 50`),
    create: (tx: typeof db, i: number) =>
      tx.execute(sql`insert into contacts (workspace_id, id, first_name) values (${ws}::uuid, gen_random_uuid(), ${`New ${i}`})`),
  };
  const times: Record<string, { before: number[]; after: number[] }> = {};
  const scoped = scopedToWorkspace(db, ws);
  for (let round = 0; round < ROUNDS; round++) {
    for (const variant of round % 2 === 0 ? (["before", "after"] as const) : (["after", "before"] as const)) {
      await setRowSecurity(database, variant === "after");
      const handle = variant === "after" ? scoped : db;
      for (const [name, op] of Object.entries(ops)) {
        const start = performance.now();
        for (let i = 0; i < PER_ROUND; i++) await handle.transaction(async (tx) => op(tx as unknown as typeof db, i));
        const perOp = (performance.now() - start) / PER_ROUND;
        times[name] ??= { before: [], after: [] };
        times[name][variant].push(perOp);
      }
    }
  }
  await setRowSecurity(database, true);
  const version = (await queryRows<{ v: string }>(db, sql`select version() as v`))[0]?.v.split(" on ")[0];
  console.log(`${database.kind} (${version}), ${CONTACTS} contacts per workspace, ${ROUNDS} rounds × ${PER_ROUND} transactions per operation`);
  console.log("| operation | before ms | after ms | after / before |\n|---|--:|--:|--:|");
  for (const [name, t] of Object.entries(times)) {
    const b = median(t.before);
    const a = median(t.after);
    console.log(`| ${name} | ${b.toFixed(3)} | ${a.toFixed(3)} | ${(a / b).toFixed(2)} |`);
  }
  await db.execute(sql`delete from contacts where workspace_id in (${ws}::uuid, ${other}::uuid)`);
  await db.execute(sql`delete from workspaces where id in (${ws}::uuid, ${other}::uuid)`);
  await database.close();
}

await main();
