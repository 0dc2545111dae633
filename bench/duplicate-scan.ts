/**
 * How long the duplicate scan takes on a large workspace. Seeds N contacts (default 100k) over N/100
 * companies straight in SQL, with a known share of duplicates, then runs the scan twice (the second run
 * shows the idempotent refresh). Needs a scratch PostgreSQL database:
 *
 *   createdb rapport_dup_bench
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/rapport_dup_bench npx tsx bench/duplicate-scan.ts 100000
 */
import { sql } from "drizzle-orm";
import { systemActor } from "../src/core/context.js";
import { newId } from "../src/core/ids.js";
import { openDatabase, queryRows } from "../src/db/client.js";
import { runMigrations } from "../src/db/migrate.js";
import { contactDuplicatePairsSql } from "../src/modules/contacts/dedupe.js";
import { scanDuplicates } from "../src/modules/duplicates/service.js";

const url = process.env.DATABASE_URL;
if (!url || /\/test$/.test(url)) throw new Error("Set DATABASE_URL to a scratch database (never the test database)");
const n = Number(process.argv[2] ?? 100_000);
const database = await openDatabase({ url });
await runMigrations(database);
const db = database.db;
const ws = newId();
const companies = Math.max(10, Math.round(n / 100));
let t = performance.now();
await db.execute(sql`
  insert into companies (workspace_id, id, name, domain, search_text)
  select ${ws}::uuid, gen_random_uuid(), 'Company ' || i || case when i % 50 = 0 then ' GmbH' else '' end,
         case when i % 40 = 0 then 'dup' || (i / 80) || '.example' else 'c' || i || '.example' end, 'company ' || i
  from generate_series(1, ${companies}) i`);
// Every 50th contact repeats the email of the one before; every 70th repeats a phone; every 90th is a
// one-letter variant of the previous name at the same company.
await db.execute(sql`
  with co as (select id, row_number() over (order by id) as k from companies where workspace_id = ${ws}::uuid)
  insert into contacts (workspace_id, id, first_name, last_name, email_list, phone_list, primary_email, company_id, search_text)
  select ${ws}::uuid, gen_random_uuid(),
         (array['Anna','Ben','Clara','David','Emma','Felix','Greta','Hugo','Ida','Jonas'])[1 + abs(hashtext((case when i % 90 = 0 then i - 1 else i end)::text)) % 10] || case when i % 90 = 0 then 'h' else '' end,
         initcap(translate(substr(md5((case when i % 90 = 0 then i - 1 else i end)::text), 1, 7), '0123456789', 'aeiouyrstn')),
         array['p' || case when i % 50 = 0 then i - 1 else i end || '@mail.example'],
         array['+4930' || lpad((case when i % 70 = 0 then i - 1 else i end)::text, 8, '0')],
         'p' || i || '@mail.example',
         co.id, 'person ' || i
  from generate_series(1, ${n}) i join co on co.k = 1 + (case when i % 90 = 0 then i - 1 else i end) % ${companies}`);
await db.execute(sql`analyze contacts`);
await db.execute(sql`analyze companies`);
console.log(`seeded ${n} contacts and ${companies} companies in ${Math.round(performance.now() - t)} ms`);
const ctx = { db, workspaceId: ws, actor: systemActor };
if (process.env.EXPLAIN) {
  const plan = await queryRows<Record<string, string>>(db, sql`explain (analyze, costs off) ${contactDuplicatePairsSql(ctx)}`);
  console.log(plan.map((r) => Object.values(r)[0]).join("\n"));
}
for (const run of [1, 2]) {
  t = performance.now();
  const r = await scanDuplicates(ctx);
  console.log(`scan ${run}: ${Math.round(performance.now() - t)} ms`, JSON.stringify(r.phases), `open=${r.open}`);
}
const [byReason] = await queryRows<Record<string, number>>(
  db,
  sql`select count(*) filter (where reasons ? 'same email') as email, count(*) filter (where reasons ? 'same phone') as phone,
        count(*) filter (where reasons ? 'similar name at the same company') as name, count(*) filter (where reasons ? 'same domain') as domain
      from duplicate_candidates where workspace_id = ${ws}::uuid`,
);
console.log("pairs by reason", byReason);
await db.execute(sql`delete from duplicate_candidates where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from contacts where workspace_id = ${ws}::uuid`);
await db.execute(sql`delete from companies where workspace_id = ${ws}::uuid`);
await database.close();
