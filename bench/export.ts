/**
 * Export benchmark: seeds a large workspace (SQL, in a scratch PostgreSQL database) and times the CSV/XLSX/vCard
 * export of the whole list through the same code as the API and CLI.
 *   BENCH_DATABASE_URL=postgres://…/rapport_export_bench npx tsx bench/export.ts seed 200000
 *   BENCH_DATABASE_URL=… npx tsx bench/export.ts run csv|xlsx|vcf [filter-json]
 * Run each format in its own process: the peak RSS reported is the process's.
 */
import { statSync } from "node:fs";
import { sql } from "drizzle-orm";
import { exportToFile } from "../src/cli/export.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { signup } from "../src/modules/auth/service.js";

const url = process.env.BENCH_DATABASE_URL;
if (!url) throw new Error("Set BENCH_DATABASE_URL to a scratch PostgreSQL database");
const [cmd, arg, filter] = process.argv.slice(2);
const database = await openDatabase({ url });
await runMigrations(database);
const { db } = database;

if (cmd === "seed") {
  const n = Number(arg ?? 200_000);
  const p = await signup(db, {
    workspaceName: "Export bench",
    name: "Bench Admin",
    email: `bench-${Date.now()}@example.com`,
    password: "correct horse battery",
  });
  const ws = p.workspace.id;
  await db.execute(sql`insert into companies (workspace_id, id, name, search_text)
    select ${ws}::uuid, gen_random_uuid(), 'Company ' || g, 'company ' || g from generate_series(1, 2000) g`);
  const started = Date.now();
  await db.execute(sql`
    with co as (select id, row_number() over () as rn from companies where workspace_id = ${ws}::uuid)
    insert into contacts (workspace_id, id, first_name, last_name, emails, email_list, primary_email, phones, phone_list, primary_phone,
                          job_title, company_id, owner_id, lifecycle_stage, tags, address, custom, search_text, created_at, updated_at)
    select ${ws}::uuid, gen_random_uuid(), 'First' || g, 'Last' || g,
           jsonb_build_array(jsonb_build_object('email', 'person' || g || '@example.com', 'primary', true)), array['person' || g || '@example.com'], 'person' || g || '@example.com',
           jsonb_build_array(jsonb_build_object('phone', '+4930' || lpad(g::text, 7, '0'), 'primary', true)), array['+4930' || lpad(g::text, 7, '0')], '+4930' || lpad(g::text, 7, '0'),
           case when g % 50 = 0 then '=HYPERLINK("x")' else 'Engineer' end, co.id, ${p.user.id}::uuid,
           (array['lead','customer','subscriber'])[1 + g % 3], array['tag' || (g % 10)], jsonb_build_object('city', 'Berlin', 'country', 'DE'),
           jsonb_build_object('tier', case when g % 2 = 0 then 'gold' else 'silver' end), 'first' || g || ' last' || g,
           now() - (g || ' seconds')::interval, now()
    from generate_series(1, ${n}) g join co on co.rn = 1 + g % 2000`);
  console.log(`Seeded ${n} contacts in workspace ${ws} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} else if (cmd === "run") {
  const [ws] = await queryRows<{ id: string }>(db, sql`select id from workspaces where name = 'Export bench' order by created_at desc limit 1`);
  if (!ws) throw new Error("Seed first");
  const format = arg ?? "csv";
  const file = `/tmp/rapport-export-bench.${format}`;
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const started = process.hrtime.bigint();
  const r = await exportToFile(database, "contacts", file, { workspace: ws.id, format, filter });
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  console.log(
    JSON.stringify({
      format,
      rows: r.rows,
      seconds: Number(secs.toFixed(1)),
      rowsPerSecond: Math.round(r.rows / secs),
      peakRssMB: Math.round(peak / 1048576),
      fileMB: Number((statSync(file).size / 1048576).toFixed(1)),
    }),
  );
}
await database.close();
